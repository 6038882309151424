"""Two projects in one account whose names coincide: project ``trends-anomaly`` with the
environment ``staging`` names its stack ``trends-anomaly-staging``, which is also every name
of a project called ``trends-anomaly-staging`` (its single deployment). Both are valid
configs, and their roles are granted each other's exact names, so it is the engine that must
tell them apart: by the ``project`` tag every resource it makes carries (config.yaml cannot
set it). Plan, apply and destroy of one stop before touching the other's.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

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
    image_in_ecr,
    inventory,
    make_project,
    make_role_boundaries,
    on_every_session,
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
    image_in_ecr(root, image, "staging")  # as `deploy image` and a push leave it
    cfg = load_config(cfg_path, "staging")
    return Engine(
        cfg, root, Aws(cfg.region, session()), image=image,
        log=lambda _m: None, sleep=CLOCK.sleep, clock=CLOCK.now,
    )  # fmt: skip


def _bootstrap_other() -> None:
    """OTHER's bootstrap: its stack's boundary has the name of PROJECT's staging's (a managed
    policy's name is the account's, whatever its path, like every name the two share), so
    it is there instead of PROJECT's staging's."""
    ours = f"arn:aws:iam::123456789012:policy/{PROJECT}/{OTHER}-role-boundary"
    session().client("iam").delete_policy(PolicyArn=ours)
    make_role_boundaries(OTHER, (None,))


@pytest.fixture
def other_deployed(tmp_path: Path) -> dict[str, list[str]]:
    """Project OTHER applied (one deployment): what it holds in AWS afterwards."""
    (tmp_path / "other").mkdir()
    other = make_project(tmp_path / "other")
    edit_config(other, f"project: {PROJECT}", f"project: {OTHER}")
    _bootstrap_other()
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
    bucket = _other_bucket(tmp_path)
    _forced_apply_leaves_their_lock(tmp_path, capsys, bucket)
    session().client("s3").delete_object(Bucket=bucket, Key=lock.KEY)  # this test's, not theirs
    assert inventory(OTHER) == other_deployed


def _other_bucket(tmp_path: Path) -> str:
    return load_config(tmp_path / "other" / "config.yaml").names("123456789012").bucket


def _forced_apply_leaves_their_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bucket: str
) -> None:
    """Their run's lock in ``bucket``, then this project's apply with --force-unlock: refused
    as the other project's, their lock as it was."""
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


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Every AWS call the CLI's sessions make, in order: (service, operation, what it names:
    the role, or the bucket and key), recorded by botocore's own event before each request."""
    made: list[tuple[str, str, str]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        named = params.get("RoleName") or params.get("Bucket") or ""
        named += f"/{params['Key']}" if "Key" in params else ""
        made.append((model.service_model.service_name, model.name, str(named)))

    on_every_session(monkeypatch, ("provide-client-params.*.*", record))
    return made


def test_an_apply_reads_the_stacks_roles_once(
    tmp_path: Path, calls: list[tuple[str, str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """The owner check before the lock, the image's role check and the plan each read the
    stack's IAM roles: one read per apply serves all three (IAM's read rate is the account's,
    shared with every other stack's plans). The pre-lock check still comes before the lock."""
    mine = _staging(make_project(tmp_path))
    names = mine.names
    argv = ["--config", str(tmp_path / "config.yaml"), "apply", "--env", "staging"]
    for run in ("create", "no change"):
        calls.clear()
        assert main([*argv, "--image", mine.image or ""]) == 0, run
        capsys.readouterr()
        reads = Counter(
            (op, named) for service, op, named in calls if service == "iam" and op.startswith("Get")
        )
        assert reads[("GetRole", names.sagemaker_role)] == 1, (run, reads)
        assert reads[("GetRole", names.lambda_role)] == 1, (run, reads)
        assert set(reads.values()) == {1}, (run, reads)
    lock_key = f"{names.bucket}/{lock.KEY}"
    first_lock_call = next(i for i, c in enumerate(calls) if c[2] == lock_key)
    owner_read = calls.index(("s3", "GetBucketTagging", names.bucket))
    assert owner_read < first_lock_call, calls


def _left_by_an_earlier_config(tmp_path: Path) -> tuple[Engine, list[str]]:
    """Project OTHER applied, then applied again with another model (its first model and
    endpoint config stay as the kept generation), then everything of it removed by hand but
    that kept generation: what PROJECT's staging finds by its names is a model and an
    endpoint config no config.yaml of PROJECT's asks for, tagged project=OTHER."""
    (tmp_path / "other").mkdir()
    other = make_project(tmp_path / "other")
    edit_config(other, f"project: {PROJECT}", f"project: {OTHER}")
    _bootstrap_other()
    first = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{OTHER}:test-1"
    engine(other, image=first).apply()
    kept = inventory(OTHER)
    engine(other, image=first.replace("test-1", "test-2")).apply()
    sm = session().client("sagemaker")
    models = [m for m in inventory(OTHER)["models"] if m not in kept["models"]]
    configs = [c for c in inventory(OTHER)["endpoint_configs"] if c not in kept["endpoint_configs"]]
    sm.delete_endpoint(EndpointName=OTHER)
    for config in configs:
        sm.delete_endpoint_config(EndpointConfigName=config)
    for model in models:
        sm.delete_model(ModelName=model)
    left = sorted(kept["models"] + kept["endpoint_configs"])
    (tmp_path / "mine").mkdir()
    return _staging(make_project(tmp_path / "mine")), left


def test_a_model_an_earlier_config_left_under_anothers_names_is_refused(tmp_path: Path) -> None:
    """Models and endpoint configs are hash-named: the ones a stack's config.yaml asks for
    today are a few of those found by its names (an earlier model, the kept generation).
    Destroy deletes every one found, so every one's owner tag is read, not only the wanted's."""
    mine, left = _left_by_an_earlier_config(tmp_path)
    assert left and all(name.startswith(f"{OTHER}-") for name in left)
    for run in (mine.destroy, mine.plan):
        with pytest.raises(DeployError) as err:
            run()
        said = str(err.value)
        for name in left:
            assert f"{'sagemaker_model' if '-m-' in name else 'endpoint_config'} {name}" in said
        assert f"project={OTHER}" in said, said
    found = inventory(OTHER)
    assert sorted(found["models"] + found["endpoint_configs"]) == left


def test_an_untagged_bucket_under_the_names_still_has_its_lock_left_alone(
    tmp_path: Path, other_deployed: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """The check before the lock reads the bucket's tags; a bucket whose tags were replaced or
    removed (by hand, a tag policy's remediation) says nothing of whose it is. The roles still
    do, and they are read then: --force-unlock removed the other project's lock before."""
    bucket = _other_bucket(tmp_path)
    session().client("s3").delete_bucket_tagging(Bucket=bucket)
    _forced_apply_leaves_their_lock(tmp_path, capsys, bucket)
