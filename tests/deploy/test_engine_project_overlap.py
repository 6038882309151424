"""Two projects in one account whose names coincide: project ``trends-anomaly`` with the
environment ``staging`` names its stack ``trends-anomaly-staging``, which is also every name
of a project called ``trends-anomaly-staging`` (its single deployment). Both are valid
configs, and their roles are granted each other's exact names, so it is the engine that must
tell them apart: by the ``project`` tag every resource it makes carries (config.yaml cannot
set it). Plan, apply and destroy of one stop before touching the other's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import lock
from deploy.aws import Aws, DeployError
from deploy.cli import main
from deploy.config import load_config
from deploy.engine import Engine
from tests.deploy.deploy_helpers import (
    ENVIRONMENTS,
    PROJECT,
    edit_config,
    engine,
    inventory,
    make_project,
    pushed_before_apply,
    session,
)
from tests.support.aws_clock import CLOCK

pytestmark = pytest.mark.usefixtures("aws_env")
OTHER = f"{PROJECT}-staging"  # another team's project, whose names are PROJECT's staging's


def _staging(root: Path) -> Engine:
    """The engine of PROJECT's environment `staging` (its stack: ``{PROJECT}-staging``)."""
    cfg_path = root / "config.yaml"
    cfg_path.write_text(cfg_path.read_text() + ENVIRONMENTS)
    image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{PROJECT}:test-1"
    pushed_before_apply(session(), image)
    cfg = load_config(cfg_path, "staging")
    return Engine(
        cfg, root, Aws(cfg.region, session()), image=image,
        log=lambda _m: None, sleep=CLOCK.sleep, clock=CLOCK.now,
    )  # fmt: skip


@pytest.fixture
def other_deployed(tmp_path: Path) -> dict[str, list[str]]:
    """Project OTHER applied (one deployment): what it holds in AWS afterwards."""
    (tmp_path / "other").mkdir()
    other = make_project(tmp_path / "other")
    edit_config(other, f"project: {PROJECT}", f"project: {OTHER}")
    image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{OTHER}:test-1"
    engine(other, image=image).apply()
    return inventory(OTHER)


def test_a_stack_whose_names_another_project_holds_is_not_planned_over(
    tmp_path: Path, other_deployed: dict[str, list[str]]
) -> None:
    (tmp_path / "mine").mkdir()
    mine = _staging(make_project(tmp_path / "mine"))
    with pytest.raises(DeployError) as err:
        mine.plan()
    said = str(err.value)
    assert f"project {OTHER}" in said and f"environment staging of project {PROJECT}" in said
    assert "Nothing was changed" in said
    assert inventory(OTHER) == other_deployed


def test_a_stack_whose_names_another_project_holds_is_not_destroyed(
    tmp_path: Path, other_deployed: dict[str, list[str]]
) -> None:
    (tmp_path / "mine").mkdir()
    mine = _staging(make_project(tmp_path / "mine"))
    with pytest.raises(DeployError) as err:
        mine.destroy()
    assert f"project {OTHER}" in str(err.value)
    assert inventory(OTHER) == other_deployed


def test_an_apply_refused_for_another_projects_names_leaves_its_lock_alone(
    tmp_path: Path, other_deployed: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """The lock is an object in the stack's bucket, which is the other project's here: taken
    before the plan's check, an apply wrote it there, and with --force-unlock removed the
    lock of the other project's own run (which then could neither hold nor release it)."""
    bucket = load_config(tmp_path / "other" / "config.yaml").names("123456789012").bucket
    theirs = lock.Holder("their-ci", "runner-7 pid 42", "apply", 0.0).to_json()
    session().client("s3").put_object(Bucket=bucket, Key=lock.KEY, Body=theirs)
    (tmp_path / "mine").mkdir()
    mine = _staging(make_project(tmp_path / "mine"))
    cfg = str(tmp_path / "mine" / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "apply", "--env", "staging", "--image", mine.image or "",
                 "--force-unlock"]) == 1  # fmt: skip
    assert f"project {OTHER}" in capsys.readouterr().err
    held = session().client("s3").get_object(Bucket=bucket, Key=lock.KEY)["Body"].read()
    assert held == theirs  # their run's lock, as it was
    session().client("s3").delete_object(Bucket=bucket, Key=lock.KEY)  # this test's, not theirs
    assert inventory(OTHER) == other_deployed
