"""IAM's eventual consistency as SageMaker and Lambda meet it, taught to moto (which has none).

A role created (or whose trust policy changed) moments ago cannot be assumed yet:
- SageMaker CreateModel: ValidationException "Could not assume role <arn>. Please ensure that
  the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role."
  (awslabs/predictive-maintenance-using-machine-learning#3);
- Lambda CreateFunction / UpdateFunctionConfiguration: InvalidParameterValueException "The role
  defined for the function cannot be assumed by Lambda." (aws/aws-cli#7700).
A role whose inline policy was put moments ago cannot pull the model image yet: the endpoint
is created, then goes Failed with FailureReason "The role '<arn>' does not have BatchGetImage
permission for the image: '<image>'." (aws/sagemaker-tensorflow-serving-container#182) — not
an error of CreateEndpoint; an UpdateEndpoint in that state rolls back to the old config with
the same reason.

Delays are DELAYS.role_assume_s / role_policy_s on CLOCK (tests/support/aws_clock.py).
"""

from __future__ import annotations

from typing import Any

from tests.support.aws_clock import CLOCK, DELAYS


def _role(account: str, arn: str) -> Any:
    from moto.iam.models import iam_backends

    partition = arn.split(":")[1] if arn.startswith("arn:") else "aws"
    try:
        return iam_backends[account][partition].get_role_by_arn(arn)
    except Exception:  # not found
        return None


def assumable(account: str, arn: str) -> bool:
    role = _role(account, arn)
    return role is not None and CLOCK.now() >= getattr(role, "_assumable_at", 0.0)


def may_pull(account: str, arn: str) -> bool:
    role = _role(account, arn)
    return role is not None and CLOCK.now() >= getattr(role, "_pullable_at", 0.0)


def pull_failure(role_arn: str, image: str) -> str:
    return f"The role '{role_arn}' does not have BatchGetImage permission for the image: '{image}'."


def patch_propagation() -> None:
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend
    from moto.iam.models import IAMBackend
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend

    create_role = IAMBackend.create_role

    def created(self: Any, role_name: str, *args: Any, **kwargs: Any) -> Any:
        role = create_role(self, role_name, *args, **kwargs)
        role._assumable_at = CLOCK.now() + DELAYS.role_assume_s
        return role

    IAMBackend.create_role = created

    update_trust = IAMBackend.update_assume_role_policy

    def trust_changed(self: Any, role_name: str, policy_document: str) -> None:
        update_trust(self, role_name, policy_document)
        self.get_role(role_name)._assumable_at = CLOCK.now() + DELAYS.role_assume_s

    IAMBackend.update_assume_role_policy = trust_changed

    put_policy = IAMBackend.put_role_policy

    def policy_put(self: Any, role_name: str, policy_name: str, policy_json: str) -> None:
        put_policy(self, role_name, policy_name, policy_json)
        self.get_role(role_name)._pullable_at = CLOCK.now() + DELAYS.role_policy_s

    IAMBackend.put_role_policy = policy_put

    # SageMaker: CreateModel assumes the execution role.
    create_model = SageMakerModelBackend.create_model

    def model_created(
        self: Any, model_name: str, execution_role_arn: str, *args: Any, **kw: Any
    ) -> Any:
        if not assumable(self.account_id, execution_role_arn):
            raise ValidationError(
                message=f"Could not assume role {execution_role_arn}. Please ensure that the "
                "role exists and allows principal 'sagemaker.amazonaws.com' to assume the role."
            )
        return create_model(self, model_name, execution_role_arn, *args, **kw)

    SageMakerModelBackend.create_model = model_created

    def image_and_role(backend: Any, config_name: str) -> tuple[str, str] | None:
        config = backend.endpoint_configs.get(config_name)
        variants = config.production_variants if config else []
        model = backend._models.get(variants[0]["ModelName"]) if variants else None
        if model is None:
            return None
        return model.execution_role_arn, (model.primary_container or {}).get("Image", "")

    create_endpoint = SageMakerModelBackend.create_endpoint

    def endpoint_created(
        self: Any, endpoint_name: str, endpoint_config_name: str, tags: Any
    ) -> Any:
        endpoint = create_endpoint(self, endpoint_name, endpoint_config_name, tags)
        found = image_and_role(self, endpoint_config_name)
        if found and not may_pull(self.account_id, found[0]):
            endpoint.endpoint_status = "Failed"
            endpoint.failure_reason = pull_failure(*found)
        return endpoint

    SageMakerModelBackend.create_endpoint = endpoint_created

    # Lambda: CreateFunction and a role change in UpdateFunctionConfiguration assume the role.
    def refuse_unassumable(account: str, role: str | None) -> None:
        if role and not assumable(account, role):
            raise InvalidParameterValueException(
                "The role defined for the function cannot be assumed by Lambda."
            )

    create_function = LambdaBackend.create_function

    def function_created(self: Any, spec: dict[str, Any]) -> Any:
        refuse_unassumable(self.account_id, spec.get("Role"))
        return create_function(self, spec)

    LambdaBackend.create_function = function_created

    update_configuration = LambdaBackend.update_function_configuration

    def configuration_updated(
        self: Any, function_name: str, qualifier: str, body: dict[str, Any]
    ) -> Any:
        refuse_unassumable(self.account_id, body.get("Role"))
        return update_configuration(self, function_name, qualifier, body)

    LambdaBackend.update_function_configuration = configuration_updated
