"""deploy.yml's order check, its step run under bash against a GitHub stand-in on 127.0.0.1:
a merge (or a re-run of one) older than what its environment runs deploys nothing and says so;
a rollback, a re-run of what runs, a torn-down environment's next merge and an unreadable
GitHub deploy (the last with a warning)."""

from __future__ import annotations

import subprocess
import tempfile
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from tests.support.github_stub import GitHubStub, github_stub
from tests.workflows.gha import bash_env
from tests.workflows.test_ci_scripts import ROOT, _step

A, B, C = "a" * 40, "b" * 40, "c" * 40  # main: A, then B, then C


def _order(
    stub: GitHubStub, tmp: Path, job: str, sha: str, event: str = "push", attempt: str = "1"
) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """The job's order step as GitHub runs it: (result, its outputs, its job summary)."""
    out, summary = tmp / "out", tmp / "summary.md"
    out.write_text("")
    summary.write_text("")
    env = {
        "GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": stub.url,
        "EVENT": event, "GITHUB_REPOSITORY": "octo/trends", "GITHUB_SHA": sha,
        "GITHUB_RUN_ATTEMPT": attempt, "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "step.sh"
        script.write_text(_step("deploy.yml", job, "deploy_order.py"), encoding="utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=ROOT, env=bash_env({**env, "HOME": scratch}), capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
    return result, out.read_text(), summary.read_text()


def _main(stub: GitHubStub) -> None:
    stub.commit(A)
    stub.commit(B, A)
    stub.commit(C, B)


@pytest.mark.parametrize("job", ["staging", "production"])
def test_an_older_merge_deploys_nothing_where_a_newer_one_is_deployed(
    tmp_path: Path, job: str
) -> None:
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy(job, A, "queued", "in_progress", "success", "inactive", run=3)
        stub.deploy(job, C, "queued", "in_progress", "success", run=77)
        stub.deploy(job, B, "queued", "in_progress", run=78)  # this job's own deployment
        result, out, summary = _order(stub, tmp_path, job, B)
        assert result.returncode == 0, result.stderr
        assert out == "skip=true\n"
        line = (
            f"{B[:12]} is older than {C[:12]}, already deployed to {job} by "
            "https://github.com/octo/trends/actions/runs/77/job/770; nothing to do"
        )
        assert line in summary and f"::notice title=nothing to deploy::{line}" in result.stdout

        # A merge newer than what is deployed deploys.
        stub.commit("d" * 40, C)
        result, out, summary = _order(stub, tmp_path, job, "d" * 40)
        assert (result.returncode, out, summary) == (0, "skip=false\n", ""), result.stdout


@pytest.mark.parametrize("job", ["staging", "production"])
def test_a_merge_skipped_as_older_is_not_taken_for_what_the_environment_runs(
    tmp_path: Path, job: str
) -> None:
    """A skipped job still succeeds, so GitHub records a successful deployment of its older
    commit (with no environment URL: its summary step did not run). C is deployed, A's late
    run skipped: B's late run must compare with C, not A (it deployed B over C before)."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy(job, C, "queued", "in_progress", "success", run=77)
        stub.deploy(job, A, "queued", "in_progress", "success", run=79, url="")  # skipped
        stub.deploy(job, B, "queued", "in_progress", run=80)  # this job's own deployment
        result, out, summary = _order(stub, tmp_path, job, B)
        assert result.returncode == 0, result.stderr
        assert out == "skip=true\n", result.stdout
        assert f"{B[:12]} is older than {C[:12]}" in summary


def test_a_rollback_deploys_whatever_is_deployed(tmp_path: Path) -> None:
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("production", C, "success")
        result, out, _summary = _order(stub, tmp_path, "production", B, "workflow_dispatch")
        assert (result.returncode, out) == (0, "skip=false\n"), result.stdout
        assert stub.requests == []  # not even asked


@pytest.mark.parametrize("job", ["staging", "production"])
def test_a_re_run_of_an_old_merge_does_not_go_back_over_a_newer_one(
    tmp_path: Path, job: str
) -> None:
    """Re-run failed jobs of B's run, after C deployed: nobody asked to roll back (that is
    Run workflow), so it deploys nothing, as B's first attempt would have."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy(job, B, "queued", "in_progress", "failure", run=60)  # attempt 1 failed
        stub.deploy(job, C, "queued", "in_progress", "success", run=77)
        stub.deploy(job, B, "queued", "in_progress", run=60)  # attempt 2, this job's own
        result, out, summary = _order(stub, tmp_path, job, B, attempt="2")
        assert (result.returncode, out) == (0, "skip=true\n"), result.stdout
        assert f"{B[:12]} is older than {C[:12]}" in summary
        assert "a re-run does not roll back" in summary


@pytest.mark.parametrize("job", ["staging", "production"])
def test_a_re_run_of_what_the_environment_runs_or_of_the_newest_deploys(
    tmp_path: Path, job: str
) -> None:
    """B is the newest deployed: its re-run applies again (the first attempt may have failed
    after B's apply, at the smoke test); so does C's, newer than anything deployed."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy(job, A, "queued", "in_progress", "success", run=50)
        stub.deploy(job, B, "queued", "in_progress", "success", run=60)
        result, out, _summary = _order(stub, tmp_path, job, B, attempt="2")
        assert (result.returncode, out) == (0, "skip=false\n"), result.stdout
        assert "attempt 2 of this run" in result.stdout and "again" in result.stdout
        result, out, _summary = _order(stub, tmp_path, job, B, attempt="1")
        assert out == "skip=true\n"  # a first attempt of the very commit: nothing to do
        result, out, _summary = _order(stub, tmp_path, job, C, attempt="3")
        assert (result.returncode, out) == (0, "skip=false\n"), result.stdout


def _at(minute: int) -> datetime:
    return datetime(2026, 1, 6, 10, minute, tzinfo=UTC)


def test_the_newest_successes_are_chosen_by_when_they_succeeded_not_by_id(
    tmp_path: Path,
) -> None:
    """GitHub documents no order for deployments, nor that ids follow creation: C's
    deployment has the lowest id but succeeded last; ten older ones of A with higher ids
    must not push it out of the successes compared."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        for n in range(10):
            stub.deploy("production", A, "queued", "success", run=20 + n,
                        deployment_id=900 + n, created=_at(n), done=_at(n))  # fmt: skip
        stub.deploy("production", C, "queued", "success", run=77, deployment_id=600,
                    created=_at(30), done=_at(31))  # fmt: skip
        stub.deploy("production", B, "queued", run=80, deployment_id=950, created=_at(40))
        result, out, summary = _order(stub, tmp_path, "production", B)
        assert (result.returncode, out) == (0, "skip=true\n"), result.stdout
        assert f"{B[:12]} is older than {C[:12]}" in summary


@pytest.mark.parametrize("job", ["staging", "production"])
def test_a_torn_down_environment_takes_the_next_merge_even_an_older_one(
    tmp_path: Path, job: str
) -> None:
    """C deployed, then teardown.yml destroyed the environment (its job's deployment: main's
    commit, a success with no URL). Nothing runs there: B's late run deploys (before, it
    compared with C and left the environment empty). Once D deploys after the teardown, B
    is older than what runs again."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy(job, C, "queued", "in_progress", "success", run=77)
        stub.deploy(job, C, "queued", "in_progress", "success", run=90, url="",
                    workflow="teardown.yml", event="workflow_dispatch")  # fmt: skip
        stub.deploy(job, A, "queued", "in_progress", "success", run=91, url="")  # skipped
        stub.deploy(job, B, "queued", "in_progress", run=92)  # this job's own
        result, out, summary = _order(stub, tmp_path, job, B)
        assert (result.returncode, out, summary) == (0, "skip=false\n", ""), result.stdout
        assert (
            f"{job} was torn down by https://github.com/octo/trends/actions/runs/90/job/900 "
            f"and has deployed nothing since: deploying {B[:12]}"
        ) in result.stdout

        stub.commit("d" * 40, C)
        stub.deploy(job, "d" * 40, "queued", "in_progress", "success", run=95)
        result, out, summary = _order(stub, tmp_path, job, B)
        assert out == "skip=true\n" and f"older than {'d' * 12}" in summary


def test_a_teardown_counts_from_when_it_finished_not_when_its_deployment_was_made(
    tmp_path: Path,
) -> None:
    """A teardown's deployment made before C's (it waited for production's reviewers) but
    finished after it: C is gone. One that finished before C deployed tore down nothing C
    brought."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("production", C, "queued", "success", run=77, created=_at(10), done=_at(20))
        stub.deploy("production", C, "waiting", "success", run=90, url="",
                    workflow="teardown.yml", created=_at(5), done=_at(30))  # fmt: skip
        result, out, _summary = _order(stub, tmp_path, "production", B)
        assert out == "skip=false\n" and "was torn down by" in result.stdout

    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("production", C, "queued", "success", run=77, created=_at(10), done=_at(20))
        stub.deploy("production", C, "waiting", "success", run=90, url="",
                    workflow="teardown.yml", created=_at(5), done=_at(8))  # fmt: skip
        result, out, summary = _order(stub, tmp_path, "production", B)
        assert out == "skip=true\n" and f"older than {C[:12]}" in summary


def test_which_workflow_left_a_success_unreadable_deploys_with_a_warning(tmp_path: Path) -> None:
    """A success with no URL is a skipped merge or a teardown: only its workflow run says
    which (`actions: read`); unread, the run deploys and warns, as for any unread GitHub."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("production", C, "success", run=77)
        stub.deploy("production", C, "success", run=90, url="", workflow="teardown.yml")
        stub.actions_forbidden = True
        result, out, summary = _order(stub, tmp_path, "production", B)
        assert (result.returncode, out) == (0, "skip=false\n")
        assert "[!WARNING]" in summary and "actions: read" in summary


def test_nothing_deployed_yet_deploys(tmp_path: Path) -> None:
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("staging", C, "success")  # another environment's
        result, out, summary = _order(stub, tmp_path, "production", B)
        assert (result.returncode, out, summary) == (0, "skip=false\n", "")


def test_github_unreadable_deploys_with_a_warning_in_the_summary(tmp_path: Path) -> None:
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("production", C, "success")
        stub.deployments_forbidden = True
        result, out, summary = _order(stub, tmp_path, "production", B)
        assert (result.returncode, out) == (0, "skip=false\n")
        assert "::warning title=deploy order::could not read what production runs now" in (
            result.stdout
        )
        assert "[!WARNING]" in summary and "deployments: read" in summary


def test_a_skipped_merge_does_not_hide_the_newer_commit_the_environment_runs(
    tmp_path: Path,
) -> None:
    """GitHub marks a skipped merge's own deployment ``success`` (its job succeeded): C runs,
    A came late and was skipped, so A's deployment is the newest success. B, coming later
    still, must see C, not A, and skip too (before: it compared with A and put B over C)."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("production", C, "queued", "in_progress", "success", run=77)
        stub.deploy("production", A, "queued", "in_progress", "success", run=78)  # skipped
        stub.deploy("production", B, "queued", "in_progress", run=79)  # this job's own
        result, out, summary = _order(stub, tmp_path, "production", B)
        assert (result.returncode, out) == (0, "skip=true\n"), result.stdout
        assert f"{B[:12]} is older than {C[:12]}" in summary
        assert "actions/runs/77/job/770" in summary


@pytest.mark.parametrize("job", ["staging", "production"])
def test_a_teardown_whose_status_names_only_its_check_run_still_ends_the_look_back(
    tmp_path: Path, job: str
) -> None:
    """The older form of an Actions job's ``log_url``, the check run's page
    (``…/runs/<job id>?check_suite_focus=true``), has no run id: the job says which run
    (``actions/jobs/<id>``). Before, the teardown was taken for a skipped merge and B's
    late run compared with C, deployed before the teardown: skipped, the environment empty."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy(job, C, "queued", "in_progress", "success", run=77, log_form="check_run")
        stub.deploy(job, C, "queued", "in_progress", "success", run=90, url="",
                    workflow="teardown.yml", event="workflow_dispatch",
                    log_form="check_run")  # fmt: skip
        stub.deploy(job, B, "queued", "in_progress", run=92, log_form="check_run")
        result, out, summary = _order(stub, tmp_path, job, B)
        assert (result.returncode, out, summary) == (0, "skip=false\n", ""), result.stdout
        assert (
            f"{job} was torn down by https://github.com/octo/trends/runs/900?check_suite_focus=true"
        ) in result.stdout

        # A skipped merge's success in that form is passed over, as before.
        stub.commit("d" * 40, C)
        stub.deploy(job, "d" * 40, "queued", "success", run=95, log_form="check_run")
        stub.deploy(job, A, "queued", "success", run=96, url="", log_form="check_run")
        result, out, summary = _order(stub, tmp_path, job, B)
        assert out == "skip=true\n" and f"older than {'d' * 12}" in summary, result.stdout


@pytest.mark.parametrize("gone", ["run", "job", "url"])
def test_a_success_whose_workflow_cannot_be_told_deploys_with_a_warning(
    tmp_path: Path, gone: str
) -> None:
    """A success with no URL is a skipped merge or a teardown; when its workflow run cannot be
    found (deleted, a log_url in no known form), taking it for a skipped merge could leave a
    torn-down environment empty: the run deploys and its summary says why (before: passed
    over, B compared with C and was skipped)."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("production", C, "success", run=77)
        form = "check_run" if gone == "job" else "job"
        teardown = stub.deploy("production", C, "success", run=90, url="",
                               workflow="teardown.yml", log_form=form)  # fmt: skip
        if gone == "run":
            del stub.runs[90]
        elif gone == "job":
            del stub.jobs[900]
        else:
            for status in stub.statuses[teardown]:
                status["log_url"] = status["target_url"] = "https://example.com/deploys/90"
        result, out, summary = _order(stub, tmp_path, "production", B)
        assert (result.returncode, out) == (0, "skip=false\n"), result.stdout
        assert "[!WARNING]" in summary
        assert f"deployment {teardown}" in summary and "a teardown" in summary


def _kinds(stub: GitHubStub) -> dict[str, int]:
    """The requests the check made, by REST endpoint."""
    kinds: dict[str, int] = {}
    for path, _auth in stub.requests:
        bare = path.split("?", 1)[0]
        kind = next(
            (k for k in ("statuses", "compare", "commits", "actions/jobs", "actions/runs")
             if f"/{k}" in bare),
            "deployments",
        )  # fmt: skip
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def test_an_order_check_makes_few_github_requests(tmp_path: Path) -> None:
    """GITHUB_TOKEN may make 1,000 REST requests an hour per repository, every workflow's
    together, and each merge checks twice (staging, production). One listing of the
    environment's deployments, one statuses read for each of its newest 30, and one listing
    of this commit's history: a deployed commit found in it needs no compare (before, the
    ten compared successes of a merge newer than all of them were ten compares)."""
    chain = [f"{n:040x}" for n in range(1, 37)]
    with github_stub(token="t0ken") as stub:
        stub.commit(chain[0])
        for older, newer in pairwise(chain):
            stub.commit(newer, older)
        for n, sha in enumerate(chain[:35]):
            stub.deploy("production", sha, "queued", "success", run=100 + n)
        result, out, _summary = _order(stub, tmp_path, "production", chain[35])
        assert out == "skip=false\n", result.stdout
        assert _kinds(stub) == {"deployments": 1, "statuses": 30, "commits": 1}

        stub.requests.clear()  # a late merge: the newest deployed commit is not in its history
        result, out, _summary = _order(stub, tmp_path, "production", chain[20])
        assert out == "skip=true\n", result.stdout
        assert _kinds(stub) == {  # and the run of the success that covers it: a rollback?
            "deployments": 1, "statuses": 30, "commits": 1, "compare": 1, "actions/runs": 1
        }  # fmt: skip


@pytest.mark.parametrize("job", ["staging", "production"])
def test_a_merge_made_before_a_rollback_does_not_undo_it_and_says_so(
    tmp_path: Path, job: str
) -> None:
    """C deployed, then was rolled back: Run workflow on main, whose head is C (C's config,
    an older image). Runs of commits merged before it that reach the queue after it are
    skipped, so that they do not put back what was rolled back: B's late run, C's own, and a
    re-run of C's (before: it deployed C's image again over the rollback, since 'the very
    commit deployed' is applied again on a re-run), each saying it is a rollback (before:
    'C is already deployed'). The next merge, D, deploys over it."""
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy(job, C, "queued", "in_progress", "success", run=77)
        stub.deploy(job, C, "queued", "in_progress", "success", run=88,
                    event="workflow_dispatch")  # fmt: skip
        by = "by https://github.com/octo/trends/actions/runs/88/job/880"
        result, out, summary = _order(stub, tmp_path, job, B)
        assert out == "skip=true\n", result.stdout
        assert f"{B[:12]} is older than {C[:12]}, which {job} runs since a rollback" in summary
        assert by in summary and 'docs/rolling-back.md, "Rolling back"' in summary
        for attempt in ("1", "2"):
            result, out, summary = _order(stub, tmp_path, job, C, attempt=attempt)
            assert out == "skip=true\n", (attempt, result.stdout)
            assert f"{job} was rolled back on {C[:12]} {by}" in summary

        stub.commit("d" * 40, C)
        result, out, summary = _order(stub, tmp_path, job, "d" * 40)
        assert (out, summary) == ("skip=false\n", ""), result.stdout
