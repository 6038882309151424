"""deploy.yml's order check, its step run under bash against a GitHub stand-in on 127.0.0.1:
a merge older than what its environment runs deploys nothing and says so; a rollback, a re-run
and an unreadable GitHub deploy (the last with a warning)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.github_stub import GitHubStub, github_stub
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
        "PATH": os.environ["PATH"], "GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": stub.url,
        "EVENT": event, "GITHUB_REPOSITORY": "octo/trends", "GITHUB_SHA": sha,
        "GITHUB_RUN_ATTEMPT": attempt, "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "step.sh"
        script.write_text(_step("deploy.yml", job, "deploy_order.py"), encoding="utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=ROOT, env={**env, "HOME": scratch}, capture_output=True, text=True, timeout=60,
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


def test_a_rollback_and_a_re_run_deploy_whatever_is_deployed(tmp_path: Path) -> None:
    with github_stub(token="t0ken") as stub:
        _main(stub)
        stub.deploy("production", C, "success")
        for event, attempt in (("workflow_dispatch", "1"), ("push", "2")):
            result, out, _summary = _order(stub, tmp_path, "production", B, event, attempt)
            assert (result.returncode, out) == (0, "skip=false\n"), result.stdout
        assert stub.requests == []  # not even asked


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
