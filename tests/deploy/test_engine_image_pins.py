"""A tag and a digest of the same image are one image to the plan (moto server, end to end).

The default deploy names the model's image by tag (``:src-<hash>``); docs/rolling-back.md and
AWS's advice pin it by digest. The plan compares the digest the endpoint runs (DescribeEndpoint's
DeployedImages) with the digest the wanted image resolves to (ECR), not the two spellings: the
same image is no change, another image is a new model, config and switch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.plan import Call
from tests.deploy.deploy_helpers import (
    IMAGE,
    IMAGE2,
    PROJECT,
    push_fake_image,
    session,
    shared_engine,
)

pytestmark = pytest.mark.usefixtures("aws_env")
REPOSITORY = IMAGE.rsplit(":", 1)[0]


def _pin(root: Path, image: str) -> None:
    """config.yaml's model.image set to ``image`` (what an operator pins)."""
    path = root / "config.yaml"
    path.write_text(path.read_text() + f"model:\n  image: {image}\n")


def _ops(planned) -> list[tuple[str, str]]:
    return [(a.op, a.kind) for a in planned.actions if a.op != "noop"]


def _switch(planned) -> str:
    (endpoint,) = [a for a in planned.actions if a.kind == "endpoint"]
    calls = [s.operation for s in endpoint.steps if isinstance(s, Call)]
    return "UpdateEndpoint" if "UpdateEndpoint" in calls else endpoint.op


def test_pinning_the_digest_of_the_image_deployed_by_tag_is_no_change(project: Path) -> None:
    shared_engine(project).apply()  # by tag: …/trends-anomaly:test-1
    digest = push_fake_image(PROJECT, "test-1")  # already there: its digest
    _pin(project, f"{REPOSITORY}@{digest}")
    planned = shared_engine(project, image=None).plan()
    assert _ops(planned) == [], _ops(planned)
    assert not planned.changes
    # The plan says which digest the pin resolved to and that the endpoint runs it.
    assert any(digest in note and IMAGE in note for note in planned.notes), planned.notes
    # The endpoint keeps serving the model named by tag (its config is kept, nothing moves).
    sm = session().client("sagemaker")
    config = sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"]
    model = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0]
    image = sm.describe_model(ModelName=model["ModelName"])["PrimaryContainer"]["Image"]
    assert image == IMAGE


def test_the_tag_of_the_image_deployed_by_digest_is_no_change(project: Path) -> None:
    digest = push_fake_image(PROJECT, "test-1")
    shared_engine(project, image=f"{REPOSITORY}@{digest}").apply()
    planned = shared_engine(project, image=IMAGE).plan()
    assert _ops(planned) == [], _ops(planned)
    assert any(digest in note for note in planned.notes), planned.notes


def test_pinning_another_images_digest_is_a_new_model_and_a_switch(project: Path) -> None:
    shared_engine(project).apply()
    other = push_fake_image(PROJECT, "test-2")
    _pin(project, f"{REPOSITORY}@{other}")
    planned = shared_engine(project, image=None).plan()
    assert ("create", "sagemaker_model") in _ops(planned)
    assert ("create", "endpoint_config") in _ops(planned)
    assert _switch(planned) == "UpdateEndpoint"
    assert not any("resolves to" in note for note in planned.notes), planned.notes


def test_a_tag_pushed_again_since_the_deploy_is_not_what_the_endpoint_runs(
    project: Path,
) -> None:
    """The endpoint's fleet resolved the tag when it started; the tag now names another
    image. Pinning that new image's digest is a switch: what runs is compared, not ECR's
    tag today."""
    shared_engine(project).apply()
    ecr = session().client("ecr")
    ecr.batch_delete_image(repositoryName=PROJECT, imageIds=[{"imageTag": "test-1"}])
    newer = push_fake_image(PROJECT, "test-2")
    manifest = ecr.batch_get_image(repositoryName=PROJECT, imageIds=[{"imageDigest": newer}])
    ecr.put_image(
        repositoryName=PROJECT,
        imageManifest=manifest["images"][0]["imageManifest"],
        imageTag="test-1",
    )
    _pin(project, f"{REPOSITORY}@{newer}")
    planned = shared_engine(project, image=None).plan()
    assert ("create", "sagemaker_model") in _ops(planned)
    assert _switch(planned) == "UpdateEndpoint"


def _served(sm) -> tuple[str, str]:
    """(config, model image) the endpoint serves now."""
    config = sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"]
    variant = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0]
    return config, sm.describe_model(ModelName=variant["ModelName"])["PrimaryContainer"]["Image"]


def test_the_digest_of_the_generation_kept_by_tag_switches_back_to_it(project: Path) -> None:
    """docs/rolling-back.md's rollback by digest: the generation kept for rollback was deployed by
    tag, and `apply --image <repository>@sha256:<its digest>` planned a new model and a new config
    (the model's name hashes the reference) where its tag switches back to the kept config. The
    digest reuses it the same way, and the plan says which config and why."""
    sm = session().client("sagemaker")
    shared_engine(project).apply()  # generation 1, by tag …:test-1
    kept, _ = _served(sm)
    shared_engine(project, image=IMAGE2).apply()  # generation 2 serves; generation 1 is kept
    bad, _ = _served(sm)
    digest = push_fake_image(PROJECT, "test-1")  # already there: its digest
    planned = shared_engine(project, image=f"{REPOSITORY}@{digest}").plan()
    assert _ops(planned) == [("update", "endpoint")], _ops(planned)
    assert _switch(planned) == "UpdateEndpoint"
    (endpoint,) = [a for a in planned.actions if a.kind == "endpoint"]
    assert f"from {bad} to {kept}" in endpoint.reason
    (note,) = [n for n in planned.notes if "kept for rollback" in n]
    assert digest in note and IMAGE in note and kept in note, note
    models = len(sm.list_models()["Models"])
    shared_engine(project, image=f"{REPOSITORY}@{digest}").apply(planned)
    assert _served(sm) == (kept, IMAGE)  # the kept generation itself, by its own reference
    assert len(sm.list_models()["Models"]) == models  # nothing created


def test_the_tag_of_the_generation_kept_by_digest_switches_back_to_it(project: Path) -> None:
    """The reverse: kept by digest (an environment's deploys pin it), asked for by its tag."""
    sm = session().client("sagemaker")
    digest = push_fake_image(PROJECT, "test-1")
    shared_engine(project, image=f"{REPOSITORY}@{digest}").apply()
    kept, _ = _served(sm)
    shared_engine(project, image=IMAGE2).apply()
    planned = shared_engine(project, image=IMAGE).plan()
    assert _ops(planned) == [("update", "endpoint")], _ops(planned)
    assert any(kept in n and digest in n for n in planned.notes), planned.notes


def test_another_digest_than_the_kept_generations_is_a_new_model(project: Path) -> None:
    shared_engine(project).apply()
    shared_engine(project, image=IMAGE2).apply()
    other = push_fake_image(PROJECT, "test-3")
    planned = shared_engine(project, image=f"{REPOSITORY}@{other}").plan()
    assert ("create", "sagemaker_model") in _ops(planned)
    assert ("create", "endpoint_config") in _ops(planned)
    assert _switch(planned) == "UpdateEndpoint"
    assert not any("kept for rollback" in n or "resolves to" in n for n in planned.notes)
