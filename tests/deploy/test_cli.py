"""`python -m deploy …` as a user runs it, on the moto server: what it prints and exits with."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deploy.cli import main
from tests.deploy.deploy_helpers import IMAGE, image_in_ecr, on_every_session, session

pytestmark = pytest.mark.usefixtures("aws_env")
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.usefixtures("image_pushed")
def test_plan_apply_plan_destroy_read_as_a_user_reads_them(project: Path, capsys) -> None:
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 2
    plan = capsys.readouterr().out
    assert plan.startswith("Project trends-anomaly in us-east-1 (account 123456789012):")
    assert "+ create  lambda_function         trends-anomaly-detect  (does not exist)" in plan
    assert "▸ lambda:CreateFunction" in plan and "▸ wait until Lambda trends-anomaly-detect" in plan
    # The repository is there (`deploy image` made it, the image is pushed): 1 unchanged.
    assert plan.rstrip().endswith("Plan: 24 to create, 1 to wait for; 1 unchanged.")

    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0
    applied = capsys.readouterr().out
    assert "[24/25] create site_object index.html: does not exist" in applied
    assert "[25/25] wait cdn_deployed" in applied
    assert "Applied 24 changes, waited for 1 (" in applied and "API URL:   https://" in applied
    (site,) = [line for line in applied.splitlines() if line.startswith("  Site URL:")]
    assert site.split()[-1].startswith("https://") and site.endswith(".cloudfront.net")
    assert "Endpoint:  trends-anomaly (InService)" in applied

    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 0
    assert (
        "No changes: AWS matches config.yaml (25 resources up to date)." in capsys.readouterr().out
    )

    assert main(["--config", cfg, "destroy", "--yes"]) == 0
    destroyed = capsys.readouterr().out
    assert "- delete  endpoint                trends-anomaly  (destroy)" in destroyed
    assert "Removed 18 resources:" in destroyed  # 4 objects, bucket, distribution, OAC, 11 others
    assert "cloudfront:DeleteDistribution" in destroyed


@pytest.mark.usefixtures("image_pushed")
def test_plan_exit_codes_formats_and_summary_json(project: Path, capsys) -> None:
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "plan", "--image", IMAGE, "--format", "json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["changes"] is True and doc["counts"]["create"] == 24  # the repository is there
    summary_path = project / "summary.json"
    assert (
        main(["--config", cfg, "apply", "--image", IMAGE, "--summary-json", str(summary_path)]) == 0
    )
    summary = json.loads(summary_path.read_text())
    assert set(summary) == {
        "status",
        "api_url",
        "site_url",
        "endpoint_name",
        "endpoint_status",
        "changes",
        "kept",
    }
    assert summary["kept"] == []  # nothing found by the stack's names that is not its own
    assert summary["status"] == "applied"  # as a failure says "failed", destroy "destroyed"
    assert summary["endpoint_status"] == "InService" and len(summary["changes"]) == 25
    assert summary["changes"][0]["steps"][0]["call"] == "iam:CreateRole"
    capsys.readouterr()
    assert main(["--config", cfg, "plan", "--image", IMAGE, "--format", "markdown"]) == 0
    assert "No changes" in capsys.readouterr().out
    assert main(["plan", "--config", cfg, "--image", IMAGE, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["changes"] is False
    (project / "config.yaml").write_text("project: X\n")
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 1
    assert "project: must match" in capsys.readouterr().err


def test_destroy_without_yes_refuses_and_with_nothing_says_so(project: Path, capsys) -> None:
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "destroy"]) == 0
    assert (
        "Nothing to destroy: no resources of project trends-anomaly found in us-east-1 (account "
        in (capsys.readouterr().out)
    )
    image_in_ecr(project)  # as `deploy image` and a push leave it, before apply
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0
    capsys.readouterr()
    assert main(["--config", cfg, "destroy"]) == 1
    out, err = capsys.readouterr()
    assert "Refusing to delete without --yes." in err
    # The plan says the disable comes first, and why: its minutes pass meanwhile.
    actions = [line.strip() for line in out.splitlines() if line.startswith("    ")]
    assert actions[0] == (
        "~ update  cdn_disabled            trends-anomaly-site-us-east-1  (destroy, first: "
        "disabled now, so the minutes CloudFront takes to deploy that pass while the endpoint "
        "and the rest are deleted; deleted once Deployed)"
    ), actions
    assert actions[2] == "- delete  endpoint                trends-anomaly  (destroy)", actions
    (late,) = [a for a in actions if a.startswith("- delete  cloudfront_distribution")]
    assert late.endswith("(destroy, once the disable issued first is Deployed)")
    assert out.rstrip().endswith("Plan: 1 to update, 18 to delete; 0 unchanged.")


def test_errors_are_one_line_with_what_to_do(project: Path, capsys, monkeypatch) -> None:
    cfg = str(project / "config.yaml")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: AWS: no credentials found") and "Traceback" not in err


def test_python_dash_m_deploy_runs_from_the_repository_root(project: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "deploy",
            "--config",
            str(project / "config.yaml"),
            "plan",
            "--image",
            IMAGE,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Plan: 25 to create" in result.stdout


def _refuses_each_path(
    capsys: Any, argv: list[str], flag: str, cases: list[tuple[Path, str]]
) -> None:
    """``argv + [flag, path]`` exits 1 for each path, with one line on stderr that names the
    flag, the path and ``why``, and nothing on stdout: refused before AWS was touched."""
    for path, why in cases:
        assert main([*argv, flag, str(path)]) == 1
        out, err = capsys.readouterr()
        assert err.startswith(f"error: {flag} {path}: ") and why in err, err
        assert err.count("\n") == 1 and out == ""


def test_apply_checks_the_summary_json_path_before_any_aws_call(project: Path, capsys) -> None:
    cfg = str(project / "config.yaml")
    (project / "a-file").write_text("")
    cases = [
        (project / "missing" / "s.json", "does not exist"),
        (project / "a-file" / "s.json", "is not a directory"),
        (project, "is a directory"),
    ]
    _refuses_each_path(
        capsys, ["--config", cfg, "apply", "--image", IMAGE], "--summary-json", cases
    )
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 2
    assert "Plan: 25 to create" in capsys.readouterr().out  # AWS untouched


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--image", "Not A Uri!!"],
        ["apply", "--image", "nope"],
        ["image", "--image", "nope"],
    ],
)
def test_a_given_image_that_is_no_image_reference_is_refused_before_aws(
    project: Path, capsys, argv: list[str]
) -> None:
    assert main(["--config", str(project / "config.yaml"), *argv]) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"error: --image: {argv[-1]!r} is not an image reference: "), err
    assert "e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/" in err and out == ""


def test_image_checks_the_github_output_path_before_any_aws_call(project: Path, capsys) -> None:
    cfg = str(project / "config.yaml")
    (project / "a-file").write_text("")
    cases = [
        (project / "missing" / "out", "the directory"),
        (project / "a-file" / "out", "is not a directory"),
        (project, "is a directory; give a file name in it"),
    ]
    _refuses_each_path(
        capsys, ["--config", cfg, "image", "--image", IMAGE], "--github-output", cases
    )
    output = project / "github_output"
    assert main(["--config", cfg, "image", "--image", IMAGE, "--github-output", str(output)]) == 0
    assert output.read_text() == f"image={IMAGE}\n"


def test_an_interrupted_apply_says_where_it_stopped_and_the_next_apply_resumes(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or a cancelled CI job's SIGINT) right after CreateModel: one message naming
    the step, what AWS goes on doing, and how to resume; exit 130, no traceback. The next
    plan shows only what is left, and apply converges with one model."""
    armed = [True]

    def ctrl_c(**_: object) -> None:
        if armed:
            armed.clear()
            raise KeyboardInterrupt

    cfg = str(project / "config.yaml")
    image_in_ecr(project)
    on_every_session(monkeypatch, ("after-call.sagemaker.CreateModel", ctrl_c))
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 130
    err = capsys.readouterr().err
    assert "create sagemaker_model trends-anomaly-m-" in err and "sagemaker:CreateModel" in err
    assert "Run the command again" in err and "Traceback" not in err
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 2
    plan = capsys.readouterr().out
    assert "+ create  sagemaker_model" not in plan and "+ create  endpoint_config" in plan
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0
    capsys.readouterr()
    assert len(session().client("sagemaker").list_models()["Models"]) == 1


def test_plan_warns_when_the_models_image_was_deleted_from_ecr(project: Path, capsys) -> None:
    """Someone deleted the image tag (or the repository) in the console. The endpoint keeps
    serving on the instances it has, so nothing else says so; but SageMaker pulls the image
    for every new instance (autoscaling, an unhealthy instance replaced, a Failed endpoint
    re-created). plan said 'No changes' with no word of it."""
    from tests.deploy.deploy_helpers import engine

    engine(project).apply()
    session().client("ecr").batch_delete_image(
        repositoryName="trends-anomaly", imageIds=[{"imageTag": "test-1"}]
    )
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 0
    out = capsys.readouterr().out
    assert f"Warning: the model's image {IMAGE} is not in ECR (ImageNotFoundException)" in out
    assert "cannot start new instances" in out and "python -m deploy image" in out


def test_plan_says_when_the_models_whole_repository_is_gone(project: Path, capsys) -> None:
    """The repository deleted by hand: plan's warning named ECR's code only, with advice for
    a deleted tag ("push it again"). It says the repository itself does not exist, names it,
    and which command creates it."""
    from tests.deploy.deploy_helpers import engine

    engine(project).apply()
    session().client("ecr").delete_repository(repositoryName="trends-anomaly", force=True)
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 2  # the repository to create
    out = " ".join(capsys.readouterr().out.split())
    assert f"the model's image {IMAGE} is not in ECR (RepositoryNotFoundException)" in out
    assert "The ECR repository trends-anomaly itself does not exist" in out
    assert "`python -m deploy image` creates it" in out and "Push it again" not in out


def test_a_read_throttled_past_botocores_retries_says_what_to_do(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SageMaker throttling plan's DescribeEndpoint, as it answers (JSON protocol, HTTP 400,
    ThrottlingException 'Rate exceeded'; botocore retries, then says 'An error occurred
    (ThrottlingException) when calling the DescribeEndpoint operation (reached max retries:
    4): Rate exceeded': aws/sagemaker-python-sdk#645, datahub-project/datahub#6357). A step
    apply runs says to wait and run again; plan's reads said botocore's words alone."""
    from botocore.awsrequest import AWSResponse

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # few retries, on botocore's real path
    sent: list[str] = []

    def throttled(request: Any, **_: Any) -> AWSResponse:
        sent.append("DescribeEndpoint")
        body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, 400, headers, _Raw(body))

    on_every_session(monkeypatch, ("before-send.sagemaker.DescribeEndpoint", throttled))
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 1
    err = capsys.readouterr().err
    assert len(sent) >= 2, "botocore retried"
    assert "(ThrottlingException)" in err and "reached max retries" in err, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "AWS throttled the calls even after retrying: wait a minute" in err, err


class _Raw:
    """An HTTP body botocore reads (urllib3's ``stream``)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def test_a_sigterm_ends_apply_as_ctrl_c_does_with_the_code_a_shell_gives_sigterm(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A runner or container stopping the job sends SIGTERM: the same message as Ctrl-C (the
    step, how to resume), but exit 143 (128 + 15), as a shell reports a process SIGTERM
    ended. It was 130, Ctrl-C's, which told a supervisor that someone pressed Ctrl-C."""
    armed = [True]

    def sigterm(**_: object) -> None:
        if armed:
            armed.clear()
            os.kill(os.getpid(), signal.SIGTERM)

    cfg = str(project / "config.yaml")
    before = signal.getsignal(signal.SIGTERM)
    image_in_ecr(project)
    on_every_session(monkeypatch, ("after-call.sagemaker.CreateModel", sigterm))
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 143
    err = capsys.readouterr().err
    assert "sagemaker:CreateModel" in err and "Run the command again" in err, err
    assert "Traceback" not in err
    assert signal.getsignal(signal.SIGTERM) == before  # main() put the caller's handler back
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0


def _leaf_commands() -> list[list[str]]:
    """Every command's words, nested ones to their last (``previews list``), with what it
    requires to parse."""
    import argparse

    from deploy.cli import build_parser

    def leaves(parser: argparse.ArgumentParser, words: list[str]) -> list[list[str]]:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return [words]
        return [w for n, p in subs[0].choices.items() for w in leaves(p, [*words, n])]

    required = {
        "previews sweep": ["--open-prs", "1"],
        "check-image": ["--image", IMAGE],
        "bootstrap": ["--github-repo", "o/n"],
    }
    return [[*w, *required.get(" ".join(w), [])] for w in leaves(build_parser(), [])]


@pytest.mark.parametrize("words", _leaf_commands(), ids=lambda w: " ".join(w))
def test_every_command_takes_config_after_its_words(words: list[str]) -> None:
    """docs/deploy-commands.md: `python -m deploy <command> [--config config.yaml]`, so
    `previews list --config other.yaml` must read other.yaml as `plan --config` does."""
    from deploy.cli import build_parser

    args = build_parser().parse_args([*words, "--config", "other.yaml"])
    assert args.config == "other.yaml"
    assert build_parser().parse_args(words).config == "config.yaml"


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_an_empty_image_flag_is_refused_not_taken_for_no_image(
    tmp_path: Path, capsys, monkeypatch, command: str
) -> None:
    """`--image "${IMAGE}"` with the variable empty (deploy.yml passes the image step's
    output) gave '': no image, so plan and apply built one from model/ instead of deploying
    the digest meant; refused before any AWS call (there are no credentials here)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for where, name in (("lambda", "handler.py"), ("site/dist", "index.html"), ("model", "x")):
        (tmp_path / where).mkdir(parents=True)
        (tmp_path / where / name).write_text("\n")
    cfg = tmp_path / "config.yaml"
    cfg.write_text("project: trends-anomaly\n")
    assert main(["--config", str(cfg), command, "--image", ""]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --image: empty"), err
    assert "leave --image out to build the image from model.build_context" in err, err
