"""A tag and a digest of the same image are one image: which reference the plan keeps.

The model is named by a hash of its image *reference* (resources/sagemaker_model.py), so
pinning ``model.image`` to ``repository@sha256:…`` of the image deployed as ``:src-<hash>``
(or the reverse) would hash to a new model, a new endpoint config and a blue/green switch of
the very image that runs. When nothing else of the model differs and the wanted reference
resolves (ECR) to the digest the endpoint's fleet runs (DescribeEndpoint's DeployedImages),
the plan keeps the serving model's own reference: no change, and a note says which digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deploy.image import image_digest
from deploy.image_ref import repository_of, spelled_digest
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


def same_as_serving(aws: Aws, cfg: Config, inputs: Inputs, world: World) -> SameImage | None:
    """The serving model's reference when ``inputs.image_uri`` is the same image by another
    reference and nothing else of the model differs; None otherwise (reads ECR only then)."""
    serving = serving_model(world)
    endpoint = world.one("endpoint")
    if serving is None or not serving.image or serving.image == inputs.image_uri:
        return None
    if model_spec(cfg, inputs.names, serving.image).name != serving.name:
        return None  # more than the image's reference changes: a new model anyway
    running = running_digest(endpoint, serving.image)
    if running is None or repository_of(inputs.image_uri) != repository_of(serving.image):
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
