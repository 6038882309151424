"""deploy/deploy_order.py: when a merge's deploy is older than what its environment runs."""

from __future__ import annotations

import pytest

from deploy.deploy_order import (
    Deployed,
    by_success_time,
    check_run_id,
    decide,
    is_rollback,
    is_teardown,
    job_run_id,
    known_relation,
    newest_first,
    run_id,
    success_of,
)

OURS = "b" * 40
NEWER = Deployed("c" * 40, 9, "https://github.com/octo/trends/actions/runs/77/job/770")


def success_url(statuses: list[dict]) -> str | None:
    """The job URL of a deployment's success, when it deployed (success_of's ``ran``)."""
    got = success_of({"id": 0, "sha": ""}, statuses)
    return got.log_url if got and got.ran else None


def _decide(**kw: object) -> object:
    args = dict(event="push", attempt=1, sha=OURS, environment="production", current=NEWER,
                relation="ahead", error=None)  # fmt: skip
    args.update(kw)
    return decide(**args)  # type: ignore[arg-type]


def test_a_merge_older_than_what_the_environment_runs_is_skipped_and_says_by_which_run() -> None:
    got = _decide()
    assert got.skip and got.level == "notice"
    assert got.message == (
        f"{OURS[:12]} is older than {'c' * 12}, already deployed to production by "
        "https://github.com/octo/trends/actions/runs/77/job/770; nothing to do"
    )


def test_the_very_commit_already_deployed_is_skipped_too() -> None:
    got = _decide(relation="identical", current=Deployed(OURS, 9, ""))
    assert (
        got.skip and "already deployed to production (deployment 9); nothing to do" in got.message
    )


@pytest.mark.parametrize("relation", ["behind", "diverged", None])
def test_an_older_or_unrelated_deployed_commit_is_deployed_over(relation: str | None) -> None:
    got = _decide(relation=relation)
    assert not got.skip and f"deploying {OURS[:12]}" in got.message


def test_a_rollback_is_never_skipped() -> None:
    assert not _decide(event="workflow_dispatch").skip
    assert not _decide(event="workflow_dispatch", relation="identical").skip


def test_a_re_run_older_than_what_the_environment_runs_is_skipped_and_says_how_to_roll_back() -> (
    None
):
    """Re-run failed jobs of an old merge's run must not put it back over a newer commit
    nobody meant to roll back: rolling back is Run workflow (workflow_dispatch)."""
    got = _decide(attempt=2)
    assert got.skip and got.level == "notice"
    assert f"{OURS[:12]} is older than {'c' * 12}" in got.message
    assert "a re-run does not roll back" in got.message and "Run workflow" in got.message


def test_a_re_run_of_the_commit_the_environment_runs_deploys_it_again() -> None:
    """Its first attempt may have failed halfway (smoke test, a timeout): the re-run must
    apply, although GitHub counts the commit's deployment a success (an earlier job's)."""
    got = _decide(attempt=2, relation="identical", current=Deployed(OURS, 9, "https://x/job/1"))
    assert not got.skip
    assert "attempt 2" in got.message and "again" in got.message
    assert _decide(attempt=1, relation="identical").skip  # a first attempt: nothing to do


@pytest.mark.parametrize("relation", ["behind", "diverged", None])
def test_a_re_run_of_a_commit_nothing_newer_went_over_deploys(relation: str | None) -> None:
    assert not _decide(attempt=3, relation=relation).skip
    assert not _decide(attempt=2, current=None, relation=None).skip


def test_nothing_deployed_yet_deploys() -> None:
    assert not _decide(current=None, relation=None).skip


def test_github_unread_deploys_with_a_warning_never_silently() -> None:
    got = _decide(current=None, relation=None, error="GitHub GET /x → 403")
    assert not got.skip and got.level == "warning"
    assert "could not read what production runs now (GitHub GET /x → 403)" in got.message


def test_any_success_counts_even_once_made_inactive_and_in_progress_does_not() -> None:
    url, site = "https://github.com/o/r/actions/runs/1/job/2", "https://d1.cloudfront.net"
    success = {"state": "success", "log_url": url, "environment_url": site}
    assert success_url([{"state": "inactive"}, success]) == url
    assert success_url([{"state": "in_progress"}, {"state": "queued"}]) is None
    assert success_url([]) is None
    assert success_url([{"state": "success", "target_url": "t", "environment_url": site}]) == "t"


def test_deployments_newest_first_by_created_at_not_by_id() -> None:
    """GitHub documents no order for the listing, nor that ids follow creation."""
    docs = [
        {"id": 3, "created_at": "2026-01-05T09:00:03Z"},
        {"id": 10, "created_at": "2026-01-05T09:00:01Z"},
        {"id": 7, "created_at": "2026-01-05T09:00:02Z"},
        {"id": 8, "created_at": "2026-01-05T09:00:02Z"},  # same second: the higher id first
    ]
    assert [d["id"] for d in newest_first(docs)] == [3, 8, 7, 10]
    assert [d["id"] for d in newest_first([{"id": 3}, {"id": 10}])] == [10, 3]  # no times


def test_successes_by_the_time_they_succeeded_not_by_deployment() -> None:
    """A deployment made first can succeed last (it waited for its reviewers): what runs is
    the newest success, by its status's created_at."""
    url = "https://github.com/o/r/actions/runs/1/job/2"
    site = "https://d1.cloudfront.net"
    early = success_of(
        {"id": 5, "sha": "a" * 40, "created_at": "2026-01-05T09:00:00Z"},
        [{"state": "success", "log_url": url, "environment_url": site,
          "created_at": "2026-01-05T12:00:00Z"}, {"state": "queued"}],
    )  # fmt: skip
    late = success_of(
        {"id": 4, "sha": "c" * 40, "created_at": "2026-01-05T10:00:00Z"},
        [{"state": "success", "log_url": url, "environment_url": site,
          "created_at": "2026-01-05T11:00:00Z"}],
    )  # fmt: skip
    skipped = success_of(
        {"id": 6, "sha": "b" * 40},
        [{"state": "success", "log_url": url, "environment_url": "",
          "created_at": "2026-01-05T13:00:00Z"}],
    )  # fmt: skip
    assert early and late and skipped
    assert (early.at, early.ran, skipped.ran) == ("2026-01-05T12:00:00Z", True, False)
    assert [d.deployment_id for d in by_success_time([late, skipped, early])] == [6, 5, 4]
    assert success_of({"id": 7, "sha": "d" * 40}, [{"state": "failure"}]) is None


def test_a_teardown_is_told_by_its_workflow_run() -> None:
    assert run_id("https://github.com/o/r/actions/runs/123/job/456") == 123
    assert run_id("https://github.com/o/r/actions/runs/123") == 123
    assert run_id("") is None and run_id("https://example.com/x") is None
    assert is_teardown({"path": "o/r/.github/workflows/teardown.yml@refs/heads/main"})
    assert is_teardown({"path": ".github/workflows/teardown.yml"})
    assert not is_teardown({"path": "o/r/.github/workflows/deploy.yml@main"})
    assert not is_teardown({"path": "o/r/.github/workflows/not-teardown.yml@main"})
    assert not is_teardown(None) and not is_teardown({})


def test_a_torn_down_environment_takes_the_next_merge_and_says_so() -> None:
    gone = Deployed("c" * 40, 12, "https://github.com/octo/trends/actions/runs/90/job/900")
    got = _decide(current=None, relation=None, torn_down=gone)
    assert not got.skip
    assert got.message == (
        "production was torn down by https://github.com/octo/trends/actions/runs/90/job/900 "
        f"and has deployed nothing since: deploying {OURS[:12]}"
    )


def test_a_success_without_an_environment_url_is_a_skipped_deploy_not_one_that_ran() -> None:
    """deploy.yml's job names its site URL as the environment's only when it deployed: a
    merge skipped as older succeeds too, with no URL, and deployed nothing."""
    url = "https://github.com/o/r/actions/runs/1/job/2"
    site = "https://d111111abcdef8.cloudfront.net"
    assert success_url([{"state": "success", "log_url": url, "environment_url": ""}]) is None
    assert success_url([{"state": "success", "log_url": url}]) is None
    got = success_url([{"state": "success", "log_url": url, "environment_url": site}])
    assert got == url


def test_a_job_s_run_is_read_from_every_form_of_its_page_github_gives() -> None:
    """GitHub Actions' deployment statuses point at the job: ``…/actions/runs/<run>/job/<job>``
    now; a run's page may carry ``/attempts/<n>``, a query or a fragment. The older form,
    a check run's page (``…/runs/<job>?check_suite_focus=true``), names the job only."""
    run = "https://github.com/o/r/actions/runs/123"
    for url in (f"{run}/job/456", run, f"{run}/", f"{run}/attempts/2", f"{run}?pr=7",
                f"{run}?check_suite_focus=true", f"{run}#summary-456"):  # fmt: skip
        assert run_id(url) == 123, url
    assert run_id("https://github.com/o/r/actions/runs/123abc") is None
    assert run_id("https://github.com/o/r/runs/456?check_suite_focus=true") is None
    assert check_run_id("https://github.com/o/r/runs/456?check_suite_focus=true") == 456
    assert check_run_id("https://github.com/o/r/runs/456") == 456
    assert check_run_id(f"{run}/job/456") is None and check_run_id(run) is None
    assert check_run_id("") is None and check_run_id("https://example.com/x/runs/1") is None


def test_a_job_names_its_run_only_when_it_is_the_check_run_asked_for() -> None:
    """GitHub documents no equality of a job's id and its check run's: the job found by the
    check run's id must say it is that check run."""
    api = "https://api.github.com/repos/o/r/check-runs"
    assert job_run_id({"run_id": 5, "check_run_url": f"{api}/456"}, 456) == 5
    assert job_run_id({"run_id": 5, "check_run_url": f"{api}/4"}, 456) is None
    assert job_run_id({"run_id": None, "check_run_url": f"{api}/456"}, 456) is None
    assert job_run_id(None, 456) is None and job_run_id({}, 456) is None


def test_this_run_s_history_tells_an_older_deployed_commit_without_a_compare() -> None:
    history = {OURS, "a" * 40}
    assert known_relation(OURS, OURS, ()) == "identical"
    assert known_relation(OURS, "a" * 40, history) == "behind"
    assert known_relation(OURS, "c" * 40, history) is None  # newer, or off it: compare


@pytest.mark.parametrize("attempt", [1, 2])
def test_a_run_of_a_commit_merged_before_a_rollback_does_not_undo_it(attempt: int) -> None:
    """A rollback deploys main's head with an older image: a late merge of that commit or an
    ancestor, or a re-run of one, would put back the image it replaced."""
    rolled = Deployed("c" * 40, 9, "https://github.com/o/r/actions/runs/88/job/880", rollback=True)
    got = _decide(attempt=attempt, current=rolled)
    assert got.skip and f"which production runs since a rollback by {rolled.log_url}" in got.message
    same = Deployed(OURS, 9, rolled.log_url, rollback=True)
    got = _decide(attempt=attempt, current=same, relation="identical")
    assert got.skip and f"production was rolled back on {OURS[:12]} by" in got.message
    assert 'the next merge deploys over it (docs/rolling-back.md, "Rolling back")' in got.message
    assert not _decide(attempt=attempt, current=rolled, relation="behind").skip
    assert not _decide(event="workflow_dispatch", current=rolled).skip


def test_a_rollback_is_told_by_its_run_s_event() -> None:
    assert is_rollback({"event": "workflow_dispatch"})
    assert not is_rollback({"event": "push"}) and not is_rollback(None)
