"""A tag and a digest of the same image are one image: which reference the plan keeps.

The model is named by a hash of its image *reference* (resources/sagemaker_model.py), so
pinning ``model.image`` to ``repository@sha256:…`` of the image deployed as ``:src-<hash>``
(or the reverse) would hash to a new model, a new endpoint config and a blue/green switch of
the very image that runs. When nothing else of the model differs and the wanted reference
resolves (ECR) to the digest the endpoint's fleet runs (DescribeEndpoint's DeployedImages),
the plan keeps the serving model's own reference: no change, and a note says which digest.

The generation kept for rollback (the config that served before the current one,
`endpoint_config.served_before`, and its model) is matched the same way: its own reference
hashes to its model and config, so a plan given that reference switches back to it. Another
reference of its image (its digest for a tag, or the reverse) is replaced by that one when
ECR resolves both to one digest and nothing else of the model differs: the switch back, not a
new model and config (which would also delete the kept generation as superseded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deploy.image import image_digest
from deploy.image_ref import repository_of, spelled_digest
from deploy.resources.endpoint_config import config_spec, served_before
from deploy.resources.sagemaker_model import model_spec, serving_model

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs
    from deploy.world import World


@dataclass(frozen=True)
class SameImage:
    """The serving model's reference, kept for the wanted one (the same image), and why."""

    uri: str
    digest: str
    note: str


def running_digest(endpoint: Any, image: str) -> str | None:
    """The digest the endpoint's fleet runs its model's ``image`` as: DeployedImages' (a tag
    resolved when the fleet started), else the one the reference itself names; None when
    neither says (a tag, and SageMaker has not reported it)."""
    for specified, resolved in getattr(endpoint, "images", ()) or ():
        if specified == image:
            return spelled_digest(resolved)
    return spelled_digest(image)


def same_image(
    want: str, want_digest: str | None, serving: str, running: str | None, tag_now: str | None
) -> bool:
    """Whether ``want`` (resolved to ``want_digest``) is the image the endpoint runs as
    ``serving`` (``running``): the same repository (another one is a move the operator
    wants, whatever its bytes) and digest. A serving *tag* must also still resolve to that
    digest (``tag_now``, ECR's today): a new fleet of the kept model (autoscaling, a
    replaced instance) pulls the tag again, and must get the pinned image."""
    if want == serving or want_digest is None or want_digest != running:
        return False
    if repository_of(want) is None or repository_of(want) != repository_of(serving):
        return False
    return spelled_digest(serving) is not None or tag_now == want_digest


def _another_reference(cfg: Config, inputs: Inputs, model: Any) -> bool:
    """Whether ``inputs.image_uri`` could be the observed ``model``'s image by another
    reference: another spelling in the same repository (another repository is a move the
    operator wants, whatever its bytes), and nothing else of the model differs (else it is a
    new model anyway). ECR, read after this, says whether the two are one image."""
    want = inputs.image_uri
    if not model.image or model.image == want:
        return False
    if repository_of(want) is None or repository_of(want) != repository_of(model.image):
        return False
    return model_spec(cfg, inputs.names, model.image).name == model.name


def same_as_serving(aws: Aws, cfg: Config, inputs: Inputs, world: World) -> SameImage | None:
    """The serving model's reference when ``inputs.image_uri`` is the same image by another
    reference and nothing else of the model differs; None otherwise (reads ECR only then)."""
    serving = serving_model(world)
    endpoint = world.one("endpoint")
    if serving is None or not _another_reference(cfg, inputs, serving):
        return None
    running = running_digest(endpoint, serving.image)
    if running is None:
        return None
    want_digest = image_digest(aws, inputs.image_uri)
    tag_now = None if spelled_digest(serving.image) else image_digest(aws, serving.image)
    if not same_image(inputs.image_uri, want_digest, serving.image, running, tag_now):
        return None
    note = (
        f"model image {inputs.image_uri} resolves to {running}: the image endpoint "
        f"{endpoint.name} runs now (model {serving.name}, {serving.image}); kept, no new model"
    )
    return SameImage(serving.image, running, note)


def kept_generation(world: World) -> tuple[Any, Any] | None:
    """The config kept for rollback (`served_before`: it served before the current one) and
    its model, both observed; None without either."""
    endpoint = world.one("endpoint")
    if endpoint is None:
        return None
    name = served_before(endpoint, world.of_kind("endpoint_config"))
    config = world.get("endpoint_config", name) if name else None
    model = world.get("sagemaker_model", config.model) if config and config.model else None
    return (config, model) if model is not None else None


def same_as_kept(aws: Aws, cfg: Config, inputs: Inputs, world: World) -> SameImage | None:
    """The kept generation's model reference when ``inputs.image_uri`` is its image by another
    reference (ECR resolves both to one digest, in one repository) and nothing else of the
    model differs; None otherwise (reads ECR only then). The kept reference, by tag, is what a
    switch back starts a new fleet from: it must resolve to the wanted digest today."""
    kept = kept_generation(world)
    if kept is None:
        return None
    config, model = kept
    want, current = inputs.image_uri, world.one("endpoint").config
    if config.name == current or not _another_reference(cfg, inputs, model):
        return None
    want_digest = image_digest(aws, want)
    kept_digest = image_digest(aws, model.image)  # a tag: what a new fleet of it pulls now
    tag_now = None if spelled_digest(model.image) else kept_digest
    if not same_image(want, want_digest, model.image, kept_digest, tag_now):
        return None
    if config_spec(cfg, inputs.names, model.image).name == config.name:
        then = f"the endpoint switches back to {config.name}, no new model or config"
    else:
        then = (
            f"its model {model.name} is reused, in a new config (config.yaml's endpoint "
            f"differs from {config.name}'s)"
        )
    note = (
        f"model image {want} resolves to {want_digest}: the image of {config.name}, the config "
        f"kept for rollback (it served before {current}; model {model.name}, {model.image}); "
        f"its own reference is used: {then}"
    )
    return SameImage(model.image, want_digest or "", note)
