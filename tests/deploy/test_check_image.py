"""`python -m deploy check-image`: a rollback's image (deploy.yml's workflow_dispatch) is this
project's, in its region and account, and in ECR, before anything is switched to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.cli import main
from deploy.image import KEEP_IMAGES
from deploy.image_ref import account_of, project_image_problem
from tests.deploy.deploy_helpers import CONFIG, ENVIRONMENTS, PROJECT, push_fake_image
from tests.support.refusals import refuse

ACCOUNT = "123456789012"
REGISTRY = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        (f"{REGISTRY}/{PROJECT}:src-650788fb23f5", None),
        (f"{REGISTRY}/{PROJECT}@{DIGEST}", None),
        (f"{REGISTRY}/other-project:src-650788fb23f5", "not this project's 'trends-anomaly'"),
        (f"999999999999.dkr.ecr.us-east-1.amazonaws.com/{PROJECT}:v1", "account 999999999999"),
        (f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/{PROJECT}:v1", "is in ECR of eu-west-1"),
        (f"{REGISTRY}/{PROJECT}:v1@{DIGEST}", "both a tag and a digest"),
        (f"ghcr.io/octo/{PROJECT}:v1", "is not in Amazon ECR"),
        (f"{PROJECT}:v1", "is not an image reference"),
        ("", "is not an image reference"),
    ],
)
def test_a_rollback_image_must_be_this_projects_in_its_account_and_region(
    uri: str, said: str | None
) -> None:
    problem = project_image_problem(uri, "us-east-1", PROJECT, ACCOUNT)
    assert (problem is None) if said is None else (said in (problem or "")), problem
    if said and "ECR of" not in said:  # and what to give instead (a region: push it there)
        assert ":<tag>" in (problem or "") or "e.g." in (problem or ""), problem


def test_the_account_comes_from_an_id_or_the_deploy_roles_arn() -> None:
    assert account_of(ACCOUNT) == ACCOUNT
    assert account_of(f"arn:aws:iam::{ACCOUNT}:role/{PROJECT}-github-deploy") == ACCOUNT
    with pytest.raises(ValueError, match="neither a 12-digit"):
        account_of("arn:aws:iam::12345:role/x")


def test_offline_it_refuses_another_repository_without_any_aws_call(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings job has no credentials: an AWS call would fail for another reason."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens
    cfg = str(project / "config.yaml")
    wrong = f"{REGISTRY}/someone-else@{DIGEST}"
    argv = ["--config", cfg, "check-image", "--offline", "--account", ACCOUNT, "--image", wrong]
    assert main(argv) == 1
    assert "not this project's 'trends-anomaly'" in capsys.readouterr().err
    good = f"{REGISTRY}/{PROJECT}@{DIGEST}"
    output = project / "out"
    argv[-1] = good
    assert main([*argv, "--github-output", str(output)]) == 0
    assert output.read_text() == f"image={good}\n"


@pytest.mark.usefixtures("aws_env")
def test_online_the_tag_or_digest_must_be_in_ecr_and_the_account_the_credentials(
    project: Path, capsys
) -> None:
    (project / "config.yaml").write_text(CONFIG + ENVIRONMENTS)
    cfg = str(project / "config.yaml")
    digest = push_fake_image(PROJECT, "src-650788fb23f5")
    for uri in (f"{REGISTRY}/{PROJECT}:src-650788fb23f5", f"{REGISTRY}/{PROJECT}@{digest}"):
        assert main(["--config", cfg, "check-image", "--env", "production", "--image", uri]) == 0
        assert capsys.readouterr().out == f"image={uri}\n"  # as given: status's URI

    gone = f"{REGISTRY}/{PROJECT}:src-000000000000"
    assert main(["--config", cfg, "check-image", "--env", "production", "--image", gone]) == 1
    err = capsys.readouterr().err
    assert f"error: --image: {gone} is not in ECR (ImageNotFoundException)" in err
    assert "Nothing was deployed" in err and "git revert" in err

    other = "arn:aws:iam::210987654321:role/x"
    uri = f"{REGISTRY}/{PROJECT}@{digest}"
    argv = ["--config", cfg, "check-image", "--env", "production", "--image", uri]
    assert main([*argv, "--account", other]) == 1  # refused before any AWS call
    assert "account 123456789012, but this project deploys to account 210987654321" in (
        capsys.readouterr().err
    )


@pytest.mark.usefixtures("aws_env")
def test_online_a_missing_repository_is_said_not_blamed_on_the_lifecycle_policy(
    project: Path, capsys
) -> None:
    """ECR answers RepositoryNotFoundException when the whole repository is missing (never
    created in this account and region, or deleted): check-image blamed the 20-image lifecycle
    policy, which expires tags and never a repository. It names the repository, says it does
    not exist and which command creates it."""
    (project / "config.yaml").write_text(CONFIG + ENVIRONMENTS)
    cfg = str(project / "config.yaml")
    uri = f"{REGISTRY}/{PROJECT}:src-650788fb23f5"  # nothing pushed: no repository at all
    assert main(["--config", cfg, "check-image", "--env", "production", "--image", uri]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"error: --image: {uri} is not in ECR (RepositoryNotFoundException)" in err
    assert f"the ECR repository {PROJECT} itself does not exist in account {ACCOUNT}" in err
    assert "`python -m deploy image --env production` creates it" in err
    assert f"{KEEP_IMAGES} newest" not in err and "Nothing was deployed" in err


DENIED = (
    f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{PROJECT}-github-deploy/GitHubActions is not "
    f"authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:us-east-1:{ACCOUNT}:"
    f"repository/{PROJECT}"
)


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("code", "message", "said"),
    [
        (
            "AccessDeniedException",
            DENIED,
            [
                f"the credentials may not call ecr:DescribeImages on the repository {PROJECT}",
                f"the deploy role {PROJECT}-github-deploy's",
                "`python -m deploy bootstrap --github-repo",
                "with administrator credentials",
                DENIED,
            ],
        ),
        (
            "ExpiredTokenException",
            "The security token included in the request is expired",
            ["the credentials have expired", "re-run the job"],
        ),
        (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            ["AWS does not know the credentials' access key", "assumed by OIDC"],
        ),
        (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            ["AWS does not know the credentials' access key", "or the secret does not match"],
        ),
        (
            "ThrottlingException",
            "Rate exceeded",
            ["AWS throttled the calls even after retrying", "wait a minute"],
        ),
        ("InternalFailure", "", ["fix the cause and run the command again"]),
    ],
)
def test_online_an_ecr_error_other_than_not_found_says_what_it_is(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch, code: str, message: str, said: list
) -> None:
    """Denied, expired, throttled: check-image blamed the repository's 20-image lifecycle
    policy for any ECR error; it says ECR could not tell, why, and what to do."""
    (project / "config.yaml").write_text(CONFIG + ENVIRONMENTS)
    cfg = str(project / "config.yaml")
    uri = f"{REGISTRY}/{PROJECT}@{push_fake_image(PROJECT, 'src-650788fb23f5')}"
    refuse(monkeypatch, "ecr", "DescribeImages", code, message)
    assert main(["--config", cfg, "check-image", "--env", "production", "--image", uri]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"error: --image: ECR did not say whether {uri} is there ({code}" in err
    for words in said:
        assert words in err, words
    assert f"{KEEP_IMAGES} newest" not in err and "is not in ECR" not in err
    assert "Nothing was deployed; the image may well be there" in err
