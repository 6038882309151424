"""`python -m deploy apply` stopped as a real process right after AWS created a resource
(its answer never seen by the engine), then `plan` and `apply` again, each a process of its
own, against the moto server: what an operator does after a killed run. SIGKILL leaves no
duplicate (one HTTP API, one distribution, one log group each) and the next apply converges;
SIGTERM ends with 143, the lock released and the steps done and not started said.

The kill point is deterministic: tests/support/process_hooks stops the process inside the
named call's after-call event and writes a file; the signal is sent once it exists."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.deploy_helpers import IMAGE, image_in_ecr, inventory
from tests.support.aws_clock import set_delays
from tests.support.children import die_with_parent

# Three deploy processes each; past the suite's 300 s default at a load of ~20 while
# progressing steadily (7-25 s at a load of ~1): a hang still ends, a slow runner does not fail.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / "tests" / "support" / "process_hooks"


def _env(**more: str) -> dict[str, str]:
    """This test's AWS_* (the moto server) and the hooks on PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=f"{HOOKS}{os.pathsep}{REPO}")
    env.update(more)
    return env


def _deploy(project: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy", "--config", str(project / "config.yaml"), *argv],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _stopped(project: Path, call: str, sig: signal.Signals) -> subprocess.CompletedProcess[str]:
    """``apply`` stopped by ``sig`` right after AWS answered ``call``; the image in ECR
    before it, as `deploy image` and a push leave it."""
    image_in_ecr(project)
    mark = project / "stopped-at"
    argv = ["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]
    proc = subprocess.Popen(
        [sys.executable, "-m", "deploy", *argv],
        cwd=REPO,
        env=_env(DEPLOY_TEST_STOP_AFTER=call, DEPLOY_TEST_MARK=str(mark)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,  # it waits at the kill point: a killed run takes it along
    )
    try:
        while not mark.exists():
            assert proc.poll() is None, f"apply ended before {call}: {proc.communicate()}"
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)  # polls the file; no timing is asserted
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(autouse=True)
def _no_real_waits(aws_env: str) -> None:  # after aws_env, whose reset plays the defaults
    """The processes sleep for real: AWS's delays (IAM propagation, CloudFront's deploy) are
    played as none (the in-process tests play them on the shared clock)."""
    set_delays(role_assume_s=0, role_policy_s=0, distribution_deploy_s=0, invalidation_s=0)


@pytest.mark.parametrize(
    "call",
    ["cloudfront.CreateDistributionWithTags", "apigatewayv2.CreateApi"],
)
def test_an_apply_killed_after_a_create_converges_without_duplicates(
    project: Path, call: str
) -> None:
    killed = _stopped(project, call, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _deploy(project, "plan", "--image", IMAGE).returncode == 2  # what is left
    again = _deploy(project, "apply", "--image", IMAGE)
    assert again.returncode == 0, again.stderr
    assert _deploy(project, "plan", "--image", IMAGE).returncode == 0  # converged
    inv = inventory()
    assert len(inv["apis"]) == len(inv["distributions"]) == len(inv["endpoints"]) == 1, inv
    assert len(inv["origin_access_controls"]) == len(inv["functions"]) == 1, inv
    assert sorted(inv["log_groups"]) == [
        "/aws/lambda/trends-anomaly-detect",
        "/aws/sagemaker/Endpoints/trends-anomaly",
        "/aws/vendedlogs/apigateway/trends-anomaly",
    ]


def test_a_sigterm_after_the_distribution_says_what_was_done_and_what_not(
    project: Path,
) -> None:
    """A first apply takes no lock (its bucket comes at step 10): the SIGTERM after the
    distribution's creation ends with 143, says so and names the steps done and not started;
    the next apply converges with one distribution."""
    stopped = _stopped(project, "cloudfront.CreateDistributionWithTags", signal.SIGTERM)
    assert stopped.returncode == 143, stopped.stderr
    err = stopped.stderr
    assert "error: interrupted at [" in err and "cloudfront_distribution" in err, err
    assert "Before it: [1/25] to [11/25] done; [13/25] to [25/25] not started." in err, err
    assert "The stack's lock was released" not in err  # the first apply took none
    assert "No stack lock was taken" in err, err
    again = _deploy(project, "apply", "--image", IMAGE)
    assert again.returncode == 0, again.stderr
    assert len(inventory()["distributions"]) == 1


@pytest.mark.parametrize(
    "call",
    ["iam.CreateRole", "logs.CreateLogGroup", "sagemaker.CreateModel", "s3.CreateBucket"],
)
def test_destroy_after_an_apply_killed_after_a_create_removes_all_of_it(
    project: Path, call: str
) -> None:
    """Destroy leaves what does not carry the project's tag (made by hand or other tooling).
    A kind it checks is tagged in its create call itself, so a first apply killed right after
    that call leaves nothing untagged of ours; the bucket, tagged in a second call
    (PutBucketTagging), is not checked: destroy removes it untagged."""
    killed = _stopped(project, call, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    gone = _deploy(project, "destroy", "--yes")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "Kept " not in gone.stdout, gone.stdout
    assert all(v == [] for v in inventory().values()), inventory()
