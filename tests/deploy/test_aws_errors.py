"""One classifier of AWS errors, by code (and, where AWS overloads a code, by operation)."""

from __future__ import annotations

import botocore.exceptions
import pytest

from deploy.aws_errors import HINTS, ErrorKind, classify, error_code, error_message, iam_action


def err(code: str, operation: str, message: str = "whatever the text says") -> Exception:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("service", "code", "operation", "kind"),
    [
        ("iam", "NoSuchEntity", "GetRole", ErrorKind.GONE),
        ("iam", "NoSuchEntity", "CreateRole", ErrorKind.NO_BOUNDARY),  # its boundary missing
        ("s3", "404", "HeadBucket", ErrorKind.GONE),
        ("s3", "NoSuchWebsiteConfiguration", "GetBucketWebsite", ErrorKind.GONE),
        ("ecr", "RepositoryNotFoundException", "DescribeRepositories", ErrorKind.GONE),
        ("sagemaker", "ValidationException", "DescribeEndpoint", ErrorKind.GONE),
        ("sagemaker", "ValidationException", "DeleteModel", ErrorKind.GONE),
        ("sagemaker", "ValidationException", "CreateModel", ErrorKind.INVALID),
        (
            "application-autoscaling",
            "ValidationException",
            "DeregisterScalableTarget",
            ErrorKind.GONE,
        ),
        (
            "application-autoscaling",
            "ObjectNotFoundException",
            "DeleteScalingPolicy",
            ErrorKind.GONE,
        ),
        ("lambda", "ResourceConflictException", "CreateFunction", ErrorKind.EXISTS),
        ("lambda", "ResourceConflictException", "UpdateFunctionCode", ErrorKind.BUSY),
        ("lambda", "InvalidParameterValueException", "CreateFunction", ErrorKind.INVALID),
        ("iam", "EntityAlreadyExists", "CreateRole", ErrorKind.EXISTS),
        ("s3", "BucketAlreadyOwnedByYou", "CreateBucket", ErrorKind.EXISTS),
        ("s3", "BucketAlreadyExists", "CreateBucket", ErrorKind.CONFLICT),
        ("iam", "DeleteConflict", "DeleteRole", ErrorKind.CONFLICT),
        ("sts", "AccessDenied", "GetCallerIdentity", ErrorKind.DENIED),
        ("lambda", "AccessDeniedException", "CreateFunction", ErrorKind.DENIED),
        ("sts", "ExpiredToken", "GetCallerIdentity", ErrorKind.EXPIRED),
        ("sagemaker", "ExpiredTokenException", "CreateModel", ErrorKind.EXPIRED),
        ("ec2", "RequestExpired", "DescribeRegions", ErrorKind.EXPIRED),
        ("sts", "InvalidClientTokenId", "GetCallerIdentity", ErrorKind.UNKNOWN_KEY),
        ("sagemaker", "UnrecognizedClientException", "DescribeEndpoint", ErrorKind.UNKNOWN_KEY),
        ("s3", "InvalidAccessKeyId", "PutObject", ErrorKind.UNKNOWN_KEY),
        ("sts", "SignatureDoesNotMatch", "GetCallerIdentity", ErrorKind.UNKNOWN_KEY),
        ("iam", "IncompleteSignature", "GetRole", ErrorKind.UNKNOWN_KEY),
        ("sagemaker", "ThrottlingException", "DescribeEndpoint", ErrorKind.THROTTLED),
        ("sagemaker", "ResourceLimitExceeded", "CreateEndpoint", ErrorKind.QUOTA),
        ("s3", "SomethingNew", "PutObject", ErrorKind.OTHER),
    ],
)
def test_classified_by_code_and_operation(service, code, operation, kind) -> None:
    assert classify(err(code, operation), service, operation) is kind
    assert classify(err(code, operation), service) is kind  # the operation from the error


def test_iam_propagation_is_told_by_its_quoted_message_and_nothing_else() -> None:
    """The one place message text decides: SageMaker and Lambda report a role IAM has not
    propagated with the code of a bad request (retrying a real bad request would only delay
    its error)."""
    from deploy.aws_errors import endpoint_failure

    assume = (
        "Could not assume role arn:aws:iam::1:role/p/p-sagemaker. Please ensure that the role "
        "exists and allows principal 'sagemaker.amazonaws.com' to assume the role."
    )
    assert classify(err("ValidationException", "CreateModel", assume), "sagemaker") is (
        ErrorKind.PROPAGATING
    )
    lam = "The role defined for the function cannot be assumed by Lambda."
    for op in ("CreateFunction", "UpdateFunctionConfiguration"):
        assert classify(err("InvalidParameterValueException", op, lam), "lambda") is (
            ErrorKind.PROPAGATING
        )
    # Same code, another message: a real bad request.
    assert classify(err("ValidationException", "CreateModel", "bad image"), "sagemaker") is (
        ErrorKind.INVALID
    )
    # Same message from another call or code: not propagation.
    assert classify(err("AccessDenied", "CreateModel", assume), "sagemaker") is ErrorKind.DENIED
    pull = (
        "The role 'arn:aws:iam::1:role/r' does not have BatchGetImage permission for the "
        "image: 'x'."
    )
    assert endpoint_failure(pull) is ErrorKind.PROPAGATING
    assert (
        endpoint_failure(
            "The primary container for production variant main did not pass the ping health check."
        )
        is ErrorKind.OTHER
    )
    assert endpoint_failure(None) is ErrorKind.OTHER


def test_sagemaker_refusing_a_busy_endpoint_is_busy_not_gone() -> None:
    """DeleteEndpoint of an endpoint SageMaker is still creating or updating is refused with
    the code SageMaker says "not found" with on a delete (ValidationException): taken for
    "already gone", destroy skipped the delete and waited half an hour for a deletion never
    started. The refusal's quoted message tells it apart (aws/amazon-sagemaker-operator-for-
    k8s matches the same prefix on DeleteEndpoint)."""
    busy = 'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:1:endpoint/p".'
    for op in ("DeleteEndpoint", "UpdateEndpointWeightsAndCapacities", "UpdateEndpoint"):
        assert classify(err("ValidationException", op, busy), "sagemaker") is ErrorKind.BUSY
    gone = 'Could not find endpoint "arn:aws:sagemaker:us-east-1:1:endpoint/p".'
    assert classify(err("ValidationException", "DeleteEndpoint", gone), "sagemaker") is (
        ErrorKind.GONE
    )
    # Another service, or another code, with the same words: not SageMaker's refusal.
    assert classify(err("ValidationException", "DeleteEndpoint", busy), "lambda") is (
        ErrorKind.INVALID
    )
    assert classify(err("SomethingNew", "DeleteEndpoint", busy), "sagemaker") is ErrorKind.OTHER


def test_message_text_never_decides_anything_else() -> None:
    text = "Could not find endpoint / already exists / cannot be assumed / not found"
    assert classify(err("SomethingNew", "DescribeEndpoint", text), "sagemaker") is ErrorKind.OTHER
    assert classify(ValueError("not found")) is ErrorKind.OTHER


def test_every_kind_has_a_hint_and_codes_read_safely() -> None:
    assert set(HINTS) == set(ErrorKind)
    e = err("NoSuchEntity", "GetRole", "Role x not found")
    assert (error_code(e), error_message(e)) == ("NoSuchEntity", "Role x not found")
    assert (error_code(ValueError("v")), error_message(ValueError("v"))) == ("", "v")


@pytest.mark.parametrize(
    ("err", "kind"),
    [
        (botocore.exceptions.SSOTokenLoadError(error_msg="Token for corp does not exist"), "x"),
        (botocore.exceptions.UnauthorizedSSOTokenError(), "x"),
        (botocore.exceptions.TokenRetrievalError(provider="sso", error_msg="refresh failed"), "x"),
        # credential_process / a container's endpoint failing to give (new) keys mid-run
        (botocore.exceptions.CredentialRetrievalError(provider="process", error_msg="x"), "x"),
        (botocore.exceptions.NoCredentialsError(), "none"),
        (botocore.exceptions.PartialCredentialsError(provider="env", cred_var="secret"), "none"),
        (botocore.exceptions.ProfileNotFound(profile="nosuch"), "none"),
    ],
)
def test_the_credential_chains_own_errors_are_classified_too(err, kind) -> None:
    """botocore refuses before any request when the chain finds nothing usable: an SSO login
    missing or expired is fixed as an expired token is (`aws sso login`), the rest by setting
    credentials up. Neither is a grant the workflows' roles lack."""
    expected = ErrorKind.EXPIRED if kind == "x" else ErrorKind.NO_CREDENTIALS
    assert classify(err) is expected


def test_each_credentials_hint_says_its_own_fix_and_not_the_others() -> None:
    """An expired SSO session or an unknown key was told "the credentials may not make this
    call: the workflows' roles come from bootstrap": a grant, which fixes neither."""
    from deploy.aws_errors import hint

    expired, unknown = HINTS[ErrorKind.EXPIRED], HINTS[ErrorKind.UNKNOWN_KEY]
    denied, none = HINTS[ErrorKind.DENIED], HINTS[ErrorKind.NO_CREDENTIALS]
    assert "have expired" in expired and "`aws sso login`" in expired
    assert "re-run the job" in expired
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in unknown
    assert "aws sts get-caller-identity" in unknown
    assert "may not make this call" in denied and "bootstrap" in denied
    assert "AWS_PROFILE" in none and "aws configure sso" in none
    for text in (expired, unknown):
        assert "may not" not in text and "bootstrap" not in text
    assert "`aws sso login --profile dev`" in hint(ErrorKind.EXPIRED, "dev")
    assert hint(ErrorKind.EXPIRED) == expired and hint(ErrorKind.DENIED, "dev") == denied


def test_a_missing_boundary_policy_is_told_apart_from_a_role_gone() -> None:
    """PutRolePermissionsBoundary's NoSuchEntity names the boundary ("Scope ARN: …") when the
    policy is missing (bootstrap not run again after an upgrade), or the role when it is gone."""
    scope = (
        "Scope ARN: arn:aws:iam::1:policy/p/p-role-boundary does not exist or is not attachable."
    )
    missing = err("NoSuchEntity", "PutRolePermissionsBoundary", scope)
    assert classify(missing, "iam", "PutRolePermissionsBoundary") == ErrorKind.NO_BOUNDARY
    gone = err(
        "NoSuchEntity", "PutRolePermissionsBoundary", "The role with name r cannot be found."
    )
    assert classify(gone, "iam", "PutRolePermissionsBoundary") == ErrorKind.GONE


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
        ("s3", "ListObjectsV2", "s3:ListBucket"),
        ("apigatewayv2", "GetApis", "apigateway:GET"),
        ("apigatewayv2", "UpdateStage", "apigateway:PATCH"),
        ("service-quotas", "ListServiceQuotas", "servicequotas:ListServiceQuotas"),
        ("sagemaker", "DescribeEndpoint", "sagemaker:DescribeEndpoint"),
    ],
)
def test_the_permission_named_for_a_call(service: str, operation: str, action: str) -> None:
    """One mapping serves status's refused-read lines and the tests of bootstrap's policies."""
    assert iam_action(service, operation) == action
