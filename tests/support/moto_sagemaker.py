"""SageMaker's endpoint deletion as AWS plays it, taught to moto (which deletes at once).

DeleteEndpoint starts the deletion: the endpoint is ``Deleting`` for minutes (DescribeEndpoint
and ListEndpoints still show it; SageMaker's own ``endpoint_deleted`` waiter polls until
DescribeEndpoint answers ValidationException), then gone. A CreateEndpoint of the same name
meanwhile is refused (``Cannot create already existing endpoint``). A second DeleteEndpoint
while it is Deleting changes nothing here (the engine sends none: it waits on an endpoint it
observes Deleting).

The delay is DELAYS.endpoint_delete_s on CLOCK (tests/support/aws_clock.py); its default, 0,
is moto's own behaviour, so only a test that sets it sees the state.
"""

from __future__ import annotations

from typing import Any

from tests.support.aws_clock import CLOCK, DELAYS


def _purge(backend: Any) -> None:
    """Forget the endpoints whose deletion has finished by now."""
    for name, endpoint in list(backend.endpoints.items()):
        gone_at = getattr(endpoint, "_gone_at", None)
        if gone_at is not None and CLOCK.now() >= gone_at:
            del backend.endpoints[name]


def patch_sagemaker_deletion() -> None:
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend

    delete = SageMakerModelBackend.delete_endpoint

    def delete_endpoint(self: Any, endpoint_name: str) -> None:
        _purge(self)
        endpoint = self.endpoints.get(endpoint_name)
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

    for name in ("describe_endpoint", "list_endpoints"):
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
