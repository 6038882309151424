"""SageMaker's endpoint deletion as AWS plays it, taught to moto (which deletes at once), and
what SageMaker does with a container that fails its health check.

DeleteEndpoint starts the deletion: the endpoint is ``Deleting`` for minutes (DescribeEndpoint
and ListEndpoints still show it; SageMaker's own ``endpoint_deleted`` waiter polls until
DescribeEndpoint answers ValidationException), then gone. A CreateEndpoint of the same name
meanwhile is refused (``Cannot create already existing endpoint``). A second DeleteEndpoint
while it is Deleting changes nothing here (the engine sends none: it waits on an endpoint it
observes Deleting).

The delay is DELAYS.endpoint_delete_s on CLOCK (tests/support/aws_clock.py); its default, 0,
is moto's own behaviour, so only a test that sets it sees the state.

DeleteEndpoint (and UpdateEndpoint: `update_refusal`, moto_server.py's update_endpoint) on an
endpoint SageMaker is still working on (Creating, Updating, SystemUpdating, RollingBack) is
refused: ValidationException 'Cannot update in-progress endpoint "<arn>".', the message AWS's
own SageMaker operator for Kubernetes matches on DeleteEndpoint (aws/amazon-sagemaker-operator-
for-k8s, controllers/sdkutil/clientwrapper/sagemaker_client.go:
DeleteEndpointInProgressMessagePrefix), and the API reference says of SystemUpdating that the
endpoint "cannot be updated or deleted or re-scaled until it has completed" (AWS's controller
for Kubernetes, aws-controllers-k8s/sagemaker-controller, holds UpdateEndpoint in those
states: pkg/resource/endpoint/hooks.go). InService, OutOfService and Failed endpoints are
deleted. moto deleted and switched any.
moto never leaves those states by itself (it creates InService at once): ``hold`` plays one
on the server for a time on CLOCK, then what it ends as.

Health checks: SageMaker starts a new config's fleet and sends it traffic only once its
container answers ``GET /ping``. UpdateEndpoint keeps the old fleet serving meanwhile; when the
new one fails, SageMaker rolls back: the endpoint is InService again on the old config, with a
FailureReason. CreateEndpoint has nothing to go back to: Failed, with that reason. moto runs no
container, so which images fail is the test's input: ``fail_ping(image)`` (the by-hand server:
``--unhealthy-image``), forgotten by ``reset_health`` between tests.

DeployedImages: each variant of DescribeEndpoint names the image its fleet runs, resolved to a
digest when the fleet was made (moto leaves them out); the plan compares that digest, not how
the model spells its image.
"""

from __future__ import annotations

from typing import Any

from tests.support.aws_clock import CLOCK, DELAYS

# The images whose container fails /ping (by URI as the model names it).
UNHEALTHY_IMAGES: set[str] = set()


def fail_ping(image: str) -> None:
    """From now on, a fleet of ``image`` never passes its health check."""
    UNHEALTHY_IMAGES.add(image)


def reset_health() -> None:
    UNHEALTHY_IMAGES.clear()


def ping_failure(backend: Any, config_name: str) -> str | None:
    """SageMaker's FailureReason when the config's container fails /ping, else None."""
    config = backend.endpoint_configs.get(config_name)
    for variant in config.production_variants if config else []:
        model = backend._models.get(variant.get("ModelName"))
        image = (model.primary_container or {}).get("Image") if model else None
        if image in UNHEALTHY_IMAGES:
            return (
                f"The primary container for production variant {variant.get('VariantName')} "
                "did not pass the ping health check. Please check CloudWatch logs for this "
                "endpoint."
            )
    return None


def patch_sagemaker_health() -> None:
    """CreateEndpoint on a config whose container fails /ping ends Failed (UpdateEndpoint's
    rollback is in moto_server.py's update_endpoint, which moto lacks)."""
    from moto.sagemaker.models import SageMakerModelBackend

    create = SageMakerModelBackend.create_endpoint

    def create_endpoint(self: Any, endpoint_name: str, endpoint_config_name: str, *a: Any,
                        **kw: Any) -> Any:  # fmt: skip
        endpoint = create(self, endpoint_name, endpoint_config_name, *a, **kw)
        reason = ping_failure(self, endpoint_config_name)
        if reason:
            endpoint.endpoint_status, endpoint.failure_reason = "Failed", reason
        return endpoint

    SageMakerModelBackend.create_endpoint = create_endpoint


# The states in which SageMaker refuses DeleteEndpoint (see the module's docstring).
IN_PROGRESS = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack"})


def in_progress_refusal(arn: str) -> str:
    """SageMaker's message for a DeleteEndpoint, UpdateEndpoint or capacity change of a busy
    endpoint."""
    return f'Cannot update in-progress endpoint "{arn}".'


def update_refusal(backend: Any, name: str) -> str | None:
    """SageMaker's refusal of UpdateEndpoint on endpoint ``name`` now (a hold that ended has
    ended first), or None: refused while SageMaker works on it, as DeleteEndpoint is."""
    _purge(backend)
    endpoint = backend.endpoints.get(name)
    if endpoint is not None and endpoint.endpoint_status in IN_PROGRESS:
        return in_progress_refusal(endpoint.arn)
    return None


def hold(
    name: str,
    status: str,
    seconds: float | None,
    then: str = "InService",
    reason: str | None = None,
    account: str = "123456789012",
    region: str = "us-east-1",
) -> None:
    """The endpoint ``name`` is ``status`` for ``seconds`` on CLOCK (None: until the test
    ends), then ``then`` (with FailureReason ``reason``, for Failed): a rollout moto cannot
    play (it is InService at once), seen alike by every client of the server."""
    from moto.sagemaker.models import sagemaker_backends

    endpoint = sagemaker_backends[account][region].endpoints[name]
    endpoint.endpoint_status = status
    endpoint._held_until = None if seconds is None else CLOCK.now() + seconds
    endpoint._then = (then, reason)


def _purge(backend: Any) -> None:
    """Forget the endpoints whose deletion has finished by now; end the holds that have."""
    for name, endpoint in list(backend.endpoints.items()):
        gone_at = getattr(endpoint, "_gone_at", None)
        if gone_at is not None and CLOCK.now() >= gone_at:
            del backend.endpoints[name]
            continue
        held_until = getattr(endpoint, "_held_until", None)
        if held_until is not None and CLOCK.now() >= held_until:
            endpoint.endpoint_status, reason = endpoint._then
            if reason:
                endpoint.failure_reason = reason
            endpoint._held_until = None


def patch_sagemaker_deletion() -> None:
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend

    delete = SageMakerModelBackend.delete_endpoint

    def delete_endpoint(self: Any, endpoint_name: str) -> None:
        _purge(self)
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is not None and endpoint.endpoint_status in IN_PROGRESS:
            raise ValidationError(message=in_progress_refusal(endpoint.arn))
        if endpoint is not None:
            endpoint._held_until = None  # a hold ends with the endpoint
        if endpoint is None or DELAYS.endpoint_delete_s <= 0:
            delete(self, endpoint_name)  # gone at once, or moto's "Could not find endpoint"
            return
        if getattr(endpoint, "_gone_at", None) is None:
            endpoint.endpoint_status = "Deleting"
            endpoint._gone_at = CLOCK.now() + DELAYS.endpoint_delete_s

    SageMakerModelBackend.delete_endpoint = delete_endpoint

    def purging(name: str) -> None:
        original = getattr(SageMakerModelBackend, name)

        def read(self: Any, *args: Any, **kwargs: Any) -> Any:
            _purge(self)
            return original(self, *args, **kwargs)

        setattr(SageMakerModelBackend, name, read)

    for name in ("describe_endpoint", "list_endpoints", "update_endpoint_weights_and_capacities"):
        purging(name)

    create = SageMakerModelBackend.create_endpoint

    def create_endpoint(self: Any, endpoint_name: str, *args: Any, **kwargs: Any) -> Any:
        _purge(self)
        existing = self.endpoints.get(endpoint_name)
        if existing is not None and getattr(existing, "_gone_at", None) is not None:
            raise ValidationError(
                message=f'Cannot create already existing endpoint "{existing.arn}".'
            )
        return create(self, endpoint_name, *args, **kwargs)

    SageMakerModelBackend.create_endpoint = create_endpoint


# DeployedImages (ProductionVariantSummary): SageMaker resolves the model's image when it
# deploys a fleet: ``SpecifiedImage`` as the model names it, ``ResolvedImage`` as
# ``registry/repository@sha256:…`` (a tag resolved to the digest ECR gave it then; a digest
# as given). A tag pushed again later does not change what a running fleet reports.
_ECR_IMAGE = r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)(?::([^@]+))?(?:@(.+))?"


def resolved_image(account_id: str, image: str) -> str | None:
    """``image`` by the digest ECR (moto's) has for it now; None when ECR lacks it."""
    import re

    from moto.ecr.models import ecr_backends

    m = re.fullmatch(_ECR_IMAGE, image)
    if not m:
        return None
    _, region, repository, tag, digest = m.groups()
    if not digest:
        repo = ecr_backends[account_id][region].repositories.get(repository)
        images = repo.images if repo else []
        found = next((i for i in images if (tag or "latest") in i.image_tags), None)
        if found is None:
            return None
        digest = found.get_image_digest()
    return f"{image.split('/', 1)[0]}/{repository}@{digest}"


def patch_sagemaker_deployed_images() -> None:
    """DescribeEndpoint's variants carry DeployedImages, resolved when the fleet is made
    (CreateEndpoint, UpdateEndpoint's switch): moto leaves them out."""
    from moto.core.utils import utcnow
    from moto.sagemaker.models import FakeEndpoint, sagemaker_backends

    process = FakeEndpoint._process_production_variants

    def with_images(self: Any, production_variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = process(self, production_variants)
        region, account = self.arn.split(":")[3:5]
        backend = sagemaker_backends[account][region]
        for given, variant in zip(production_variants, out, strict=False):
            model = backend._models.get(given.get("ModelName"))
            image = (model.primary_container or {}).get("Image") if model else None
            resolved = resolved_image(account, image) if image else None
            if resolved:
                variant["DeployedImages"] = [
                    {"SpecifiedImage": image, "ResolvedImage": resolved, "ResolutionTime": utcnow()}
                ]
        return out

    FakeEndpoint._process_production_variants = with_images


def patch_sagemaker_tags() -> None:
    """AddTags "adds or overwrites one or more tags", and "tag keys must be unique per
    resource" (SageMaker API Reference, AddTags): a key tagged again keeps its place with the
    new value. moto appended every AddTags, so an endpoint's record (requested-config,
    serving-config, previous-config, tagged at each switch) grew by repeated keys past
    ListTags' page of 50: the one page the engine reads held stale values, and moto's
    paginator, which resumes at a key, looped on them."""
    from moto.sagemaker.models import SageMakerModelBackend

    def add_tags(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        resource = self._get_resource_from_arn(arn)
        held = {t["Key"]: t for t in resource.tags}
        for tag in tags:
            if tag["Key"] in held:
                held[tag["Key"]]["Value"] = tag.get("Value", "")
            else:
                held[tag["Key"]] = dict(tag)
                resource.tags.append(held[tag["Key"]])
        return resource.tags

    SageMakerModelBackend.add_tags = add_tags
