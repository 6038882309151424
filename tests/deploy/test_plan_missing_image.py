"""`plan --image <a tag ECR does not have>` (moto server, end to end): the plan showed a new
model and config and no warning, and apply then stopped at its image check before CreateModel.
The plan says so first, from a read-only DescribeImages (plan runs as the read-only role)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.cli import main
from tests.deploy.deploy_helpers import IMAGE, engine, inventory, push_fake_image

pytestmark = pytest.mark.usefixtures("aws_env")

MISSING = IMAGE.rsplit(":", 1)[0] + ":src-0123456789ab"  # a tag ECR does not have
CREATED = "This plan creates its repository trends-anomaly, so the image cannot be in it yet"


def _plan(project: Path, image: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", image]) == 2
    return capsys.readouterr().out


def test_plan_of_a_new_model_whose_tag_is_not_in_ecr_warns(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine(project).apply()  # IMAGE serves
    said = _plan(project, MISSING, capsys)
    assert [ln for ln in said.splitlines() if "+ create  sagemaker_model" in ln], said
    (warning,) = [ln for ln in said.splitlines() if f"{MISSING} is not in ECR" in ln]
    assert "(ImageNotFoundException)" in warning and "before CreateModel" in warning, said
    assert "python -m deploy status" in said, said  # where the images that exist are named


def test_plan_of_a_first_deploy_with_a_missing_tag_warns(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    push_fake_image(IMAGE.rsplit("/", 1)[1].split(":")[0], "src-650788fb23f5")  # repo exists
    said = _plan(project, MISSING, capsys)
    assert f"{MISSING} is not in ECR (ImageNotFoundException)" in said, said


def test_plan_of_a_tag_that_is_there_says_nothing_of_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine(project).apply()
    there = IMAGE.rsplit(":", 1)[0] + ":src-650788fb23f5"
    push_fake_image(IMAGE.rsplit("/", 1)[1].split(":")[0], "src-650788fb23f5")
    said = _plan(project, there, capsys)
    assert "not in ECR" not in said, said


def test_apply_of_a_new_model_whose_tag_is_not_in_ecr_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`apply --image <a tag ECR does not have>` on a first deploy (the repository exists):
    plan warned, but apply ran the roles, bucket, site, Lambda and API before its image check
    stopped it at CreateModel, leaving half a stack. It is refused up front, as a switch to a
    gone image is, with the same words as the plan's warning."""
    push_fake_image(IMAGE.rsplit("/", 1)[1].split(":")[0], "src-650788fb23f5")  # repo exists
    capsys.readouterr()
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", MISSING]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"{MISSING} is not in ECR (ImageNotFoundException)" in err, err
    assert "Nothing was changed" in err, err
    made = {k: v for k, v in inventory().items() if k != "ecr" and v}
    assert made == {}, made


def test_a_first_deploy_of_an_image_in_a_repository_that_is_not_there_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`apply --image` of another repository that does not exist, on a first deploy: the plan
    also creates this project's repository, and that was taken for the image's own (an image
    "may be pushed into it"), so neither plan nor apply said anything until the check before
    CreateModel, after the roles, Lambda and log groups were made."""
    other = IMAGE.replace("/trends-anomaly:", "/elsewhere:")
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "plan", "--image", other]) == 2
    said = " ".join(capsys.readouterr().out.split())
    assert f"{other} is not in ECR (RepositoryNotFoundException)" in said, said
    assert main(["--config", cfg, "apply", "--image", other]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "The ECR repository elsewhere itself does not exist" in err, err
    assert "Nothing was changed" in err, err
    made = {k: v for k, v in inventory().items() if v}
    assert made == {}, made


def test_a_first_deploy_of_an_image_in_the_repository_the_plan_creates_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`apply --image` into this project's own repository on a first deploy: the plan creates
    that repository, so the image cannot be in it yet. Plan said nothing of it and apply made
    the roles, Lambda and log groups before its image check stopped it at CreateModel. Plan
    warns and apply refuses before any change, naming the repository and what to run first."""
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 2
    said = " ".join(capsys.readouterr().out.split())
    assert f"{IMAGE} is not in ECR (RepositoryNotFoundException)" in said, said
    assert CREATED in said, said
    assert f"python -m deploy image --image {IMAGE}" in said, said
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert CREATED in err, err
    assert "Nothing was changed" in err, err
    made = {k: v for k, v in inventory().items() if v}
    assert made == {}, made
    # What it says to do works: `deploy image --image` makes the repository, a push, apply.
    assert main(["--config", cfg, "image", "--image", IMAGE]) == 0
    push_fake_image("trends-anomaly", "test-1")
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0
