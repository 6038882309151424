"""How many built images ECR keeps is one constant (`deploy.image.KEEP_IMAGES`, the lifecycle
policy's count): every message that names it follows it, so a change of the policy never
leaves an on-call reading a count the repository does not keep (moto server, real boto3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import image
from deploy.aws import Aws, DeployError
from deploy.cli import main
from deploy.naming import Names
from deploy.resources import ecr
from deploy.resources.endpoint import SeenEndpoint
from deploy.resources.endpoint_config import PREVIOUS, SERVING, SeenConfig
from deploy.resources.sagemaker_model import SeenModel
from deploy.rollback import rollback_lines
from deploy.world import World
from tests.deploy.deploy_helpers import CONFIG, ENVIRONMENTS, PROJECT, push_fake_image, session

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
GONE = f"{REGISTRY}/{PROJECT}:src-000000000000"
KEPT = 7  # not the real count: a message still saying 20 is one hard-coded


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(image, "KEEP_IMAGES", KEPT, raising=False)
    return KEPT


def test_the_lifecycle_policy_keeps_the_constant(kept: int) -> None:
    (rule,) = [
        r
        for r in ecr.lifecycle_policy()["rules"]
        if r["selection"]["tagPrefixList"] == [image.TAG_PREFIX]
    ]
    assert rule["selection"]["countNumber"] == kept


@pytest.mark.usefixtures("aws_env")
def test_check_image_of_an_expired_tag_names_the_count(
    kept: int, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "config.yaml").write_text(CONFIG + ENVIRONMENTS)
    push_fake_image(PROJECT, "src-650788fb23f5")
    argv = ["--config", str(project / "config.yaml"), "check-image", "--env", "production"]
    assert main([*argv, "--image", GONE]) == 1
    err = capsys.readouterr().err
    assert f"keeps the {kept} newest" in err and "20 newest" not in err, err


@pytest.mark.usefixtures("aws_env")
def test_apply_image_check_of_an_expired_tag_names_the_count(kept: int) -> None:
    push_fake_image(PROJECT, "src-650788fb23f5")
    with pytest.raises(DeployError) as err:
        image.check_manifest_media_type(Aws("us-east-1", session()), GONE, lambda _m: None)
    assert f"keeps the {kept} newest" in str(err.value), err.value


def test_a_switch_to_a_gone_image_names_the_count(kept: int) -> None:
    said = image.gone_switch(GONE, "ImageNotFoundException", PROJECT)
    assert f"keeps the {kept} newest" in said, said


def test_status_of_a_gone_previous_image_names_the_count(kept: int) -> None:
    world = World(account="123456789012", region="us-east-1")
    for i, (config, tag) in enumerate((("c-1", "a"), ("c-2", "b"))):
        world.add(SeenConfig(config, f"arn:{config}", f"2026-12-0{i + 1}", f"m-{config}", {}))
        world.add(SeenModel(f"m-{config}", "arn", f"2026-12-0{i + 1}", image=f"{GONE}{tag}"))
    world.add(
        SeenEndpoint("ep", "arn:ep", "c-2", "InService", None, {SERVING: "c-2", PREVIOUS: "c-1"})
    )
    said = "\n".join(rollback_lines(world, Names("ep", "1", "us-east-1"), "ImageNotFoundException"))
    assert f"keeps the {kept} newest" in said, said
