"""`apply --image <the kept image>` after ECR's lifecycle policy expired that image (moto
server, end to end). `status` says "apply --image cannot go back to it"; apply must agree.

The kept config's model still exists, so the plan reuses it (no CreateModel, whose check would
stop a missing image) and switches the endpoint back to it. SageMaker starts that config on new
instances, which pull the image from ECR: gone, they cannot, and the update fails after the
minutes a fleet takes while the bad model keeps serving. apply refuses first, changing nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.aws import DeployError
from deploy.image import kept_images
from tests.deploy.deploy_helpers import IMAGE, IMAGE2, PROJECT, engine, session

pytestmark = pytest.mark.usefixtures("aws_env")


def _served_config(sm) -> str:
    return str(sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"])


def _expire(tag: str) -> None:
    """What ECR's lifecycle policy does to an image past the newest KEEP_IMAGES."""
    ecr = session().client("ecr")
    ecr.batch_delete_image(repositoryName=PROJECT, imageIds=[{"imageTag": tag}])


def test_apply_refuses_to_switch_back_to_a_config_whose_image_is_gone(project: Path) -> None:
    sm = session().client("sagemaker")
    engine(project).apply()  # image A serves
    engine(project, image=IMAGE2).apply()  # image B serves; A's config is kept for rollback
    bad = _served_config(sm)
    _expire(IMAGE.rsplit(":", 1)[1])
    eng = engine(project, image=None)
    eng.image = IMAGE  # as `apply --image A` (the helper would push it again)
    planned = eng.plan()
    assert [(a.op, a.kind) for a in planned.actions if a.op != "noop"] == [("update", "endpoint")]
    # The plan says the switch cannot work, not that the endpoint "keeps serving".
    (warning,) = [w for w in planned.warnings if "not in ECR" in w]
    assert "switch" in warning and "keeps serving on the instances it has" not in warning
    with pytest.raises(DeployError) as err:
        eng.apply(planned)
    said = str(err.value)
    assert IMAGE in said and "not in ECR" in said and "git revert" in said, said
    assert "Nothing was changed" in said, said
    assert _served_config(sm) == bad  # no UpdateEndpoint was made


def test_apply_of_an_expired_image_names_the_lifecycle_policy_and_the_revert(
    project: Path,
) -> None:
    """`apply --image` of an image ECR's lifecycle policy expired, with no model of it left (an
    environment's apply, or a kept config already superseded): the check before CreateModel
    said only "never pushed, or deleted with its repository", and offered "run apply without
    --image (it builds the image)": at 3 a.m. that builds model/ as main has it, the bad model.
    It says what check-image says: expired, and the revert is the way back."""
    sm = session().client("sagemaker")
    engine(project).apply()
    engine(project, image=IMAGE2).apply()
    bad = _served_config(sm)
    gone = IMAGE.rsplit(":", 1)[0] + ":src-0123456789ab"  # a tag ECR no longer has
    eng = engine(project, image=None)
    eng.image = gone
    with pytest.raises(DeployError) as err:
        eng.apply()
    said = str(err.value)
    assert f"{gone} is not in ECR (ImageNotFoundException)" in said, said
    assert "lifecycle policy" in said and f"it keeps {kept_images()}" in said, said
    assert "git revert" in said and "docs/rolling-back.md" in said, said
    assert "run apply without --image (it builds the image)" not in said, said
    assert _served_config(sm) == bad
