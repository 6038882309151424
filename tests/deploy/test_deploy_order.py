"""deploy/deploy_order.py: when a merge's deploy is older than what its environment runs."""

from __future__ import annotations

import pytest

from deploy.deploy_order import Deployed, decide, newest_first, success_url

OURS = "b" * 40
NEWER = Deployed("c" * 40, 9, "https://github.com/octo/trends/actions/runs/77/job/770")


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


def test_a_rollback_and_a_re_run_are_never_skipped() -> None:
    assert not _decide(event="workflow_dispatch").skip
    rerun = _decide(attempt=2)
    assert not rerun.skip and "re-run" in rerun.message


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


def test_deployments_newest_first_by_id() -> None:
    assert [d["id"] for d in newest_first([{"id": 3}, {"id": 10}, {"id": 7}])] == [10, 7, 3]


def test_a_success_without_an_environment_url_is_a_skipped_deploy_not_one_that_ran() -> None:
    """deploy.yml's job names its site URL as the environment's only when it deployed: a
    merge skipped as older succeeds too, with no URL, and deployed nothing."""
    url = "https://github.com/o/r/actions/runs/1/job/2"
    site = "https://d111111abcdef8.cloudfront.net"
    assert success_url([{"state": "success", "log_url": url, "environment_url": ""}]) is None
    assert success_url([{"state": "success", "log_url": url}]) is None
    got = success_url([{"state": "success", "log_url": url, "environment_url": site}])
    assert got == url
