"""Which references are the image the endpoint runs (pure: deploy/image_match.py)."""

from __future__ import annotations

from types import SimpleNamespace

from deploy.image_match import running_digest, same_image
from deploy.resources.endpoint import deployed_images

REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly"
D1, D2 = "sha256:" + "a" * 64, "sha256:" + "b" * 64
TAG = f"{REPO}:src-0123456789ab"


def test_the_digest_a_fleet_runs_is_deployed_images_else_the_reference_s_own() -> None:
    variant = {"DeployedImages": [{"SpecifiedImage": TAG, "ResolvedImage": f"{REPO}@{D1}"}]}
    endpoint = SimpleNamespace(images=deployed_images(variant))
    assert running_digest(endpoint, TAG) == D1
    assert running_digest(SimpleNamespace(images=()), TAG) is None  # not reported: unknown
    assert running_digest(None, f"{REPO}@{D2}") == D2
    assert deployed_images({}) == ()


def test_a_tag_and_a_digest_are_the_same_image_only_when_every_digest_agrees() -> None:
    pin = f"{REPO}@{D1}"
    assert same_image(pin, D1, TAG, D1, D1)  # the pin of what runs, the tag still names it
    assert same_image(TAG, D1, pin, D1, None)  # the reverse
    assert not same_image(pin, D1, TAG, D2, D1)  # the fleet runs another image
    assert not same_image(pin, D1, TAG, D1, D2)  # the tag moved: a new fleet would pull D2
    assert not same_image(f"{REPO}@{D2}", D2, TAG, D1, D1)  # another image
    assert not same_image(TAG, None, pin, D1, None)  # the tag is not in ECR (to be built)
    other = "123456789012.dkr.ecr.us-east-1.amazonaws.com/other@" + D1
    assert not same_image(other, D1, TAG, D1, D1)  # another repository: a move
    assert not same_image(pin, D1, pin, D1, None)  # the same reference: nothing to decide


def test_the_kept_generation_is_the_config_that_served_before_and_its_model() -> None:
    """What same_as_kept compares with: `served_before`'s config (the endpoint's tags), and
    its model; nothing without an endpoint, a kept config or its model."""
    from deploy.image_match import kept_generation
    from deploy.resources.endpoint import SeenEndpoint
    from deploy.resources.endpoint_config import PREVIOUS, SERVING, SeenConfig
    from deploy.resources.sagemaker_model import SeenModel
    from deploy.world import World

    world = World(account="123456789012", region="us-east-1")
    assert kept_generation(world) is None
    for i, name in enumerate(("c-1", "c-2")):
        world.add(SeenConfig(name, f"arn:{name}", f"2026-12-0{i + 1}", f"m-{name}", {}))
    world.add(SeenModel("m-c-1", "arn:m-c-1", "2026-12-01", image=TAG))
    world.add(SeenEndpoint("ep", "arn:ep", "c-2", "InService", None, {SERVING: "c-2"}))
    assert kept_generation(world) is None  # no config served before c-2
    world.add(
        SeenEndpoint("ep", "arn:ep", "c-2", "InService", None, {SERVING: "c-2", PREVIOUS: "c-1"})
    )
    config, model = kept_generation(world) or (None, None)
    assert (config.name, model.image) == ("c-1", TAG)
