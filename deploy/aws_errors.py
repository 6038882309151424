"""One classifier of AWS errors, by error code and the operation that got it.

Observe asks "is it gone?", the executor asks "may this step count as done, or be retried?",
and both ask here. Most codes mean the same thing in every service; a few mean different
things per operation (SageMaker says "not found" with a ValidationException; Lambda says
"exists" and "busy" with the same ResourceConflictException), so the table is keyed by service
and operation where it must be.

Message text is read in exactly two cases. A role IAM has not propagated yet: SageMaker and
Lambda report it with the same code as a genuinely invalid request (ValidationException,
InvalidParameterValueException), which must not be retried (it would only delay a clear error
by minutes), and an endpoint that could not pull its image reports it only as free text in
FailureReason. And an endpoint SageMaker is still working on: it refuses DeleteEndpoint (or a
change) with the ValidationException it also says "not found" with, which a delete takes for
"already gone". Each message matched is quoted below with where it was reported.
"""

from __future__ import annotations

import enum

import botocore.exceptions


class ErrorKind(enum.Enum):
    """What an AWS error means for the engine."""

    GONE = "gone"  # the thing does not exist (any more)
    EXISTS = "exists"  # a create found it already there
    CONFLICT = "conflict"  # taken by someone else, or in a state that forbids the call
    BUSY = "busy"  # another change of it is in progress: retrying later succeeds
    INVALID = "invalid"  # the request was rejected (also: a role IAM has not propagated yet)
    DENIED = "denied"  # the credentials are good but may not make the call
    EXPIRED = "expired"  # the credentials were good: an SSO session or a role's keys expired
    UNKNOWN_KEY = "unknown key"  # AWS knows no such access key, or the secret does not match
    NO_CREDENTIALS = "no credentials"  # none found, or the profile named is not there
    THROTTLED = "throttled"  # too many calls (botocore already retried)
    QUOTA = "quota"  # an account limit is reached
    PROPAGATING = "propagating"  # IAM has not propagated a role just created or changed
    NO_BOUNDARY = "no boundary"  # a role's permissions boundary (the previews') does not exist
    OTHER = "other"


_BY_CODE = {
    # gone
    "NoSuchEntity": ErrorKind.GONE,
    "ResourceNotFoundException": ErrorKind.GONE,
    "ResourceNotFound": ErrorKind.GONE,
    "NotFoundException": ErrorKind.GONE,
    "ObjectNotFoundException": ErrorKind.GONE,
    "RepositoryNotFoundException": ErrorKind.GONE,
    "ImageNotFoundException": ErrorKind.GONE,
    "LifecyclePolicyNotFoundException": ErrorKind.GONE,  # ECR: a repository without one
    "NoSuchBucket": ErrorKind.GONE,
    "NoSuchKey": ErrorKind.GONE,
    "NoSuchWebsiteConfiguration": ErrorKind.GONE,
    "NoSuchBucketPolicy": ErrorKind.GONE,
    "NoSuchPublicAccessBlockConfiguration": ErrorKind.GONE,
    "NoSuchTagSet": ErrorKind.GONE,
    "NoSuchTagSetError": ErrorKind.GONE,
    "OwnershipControlsNotFoundError": ErrorKind.GONE,
    "NotFound": ErrorKind.GONE,
    "404": ErrorKind.GONE,  # HEAD requests carry no body, hence no code but the status
    "NoSuchDistribution": ErrorKind.GONE,
    "NoSuchOriginAccessControl": ErrorKind.GONE,
    "NoSuchInvalidation": ErrorKind.GONE,
    "NoSuchResourceException": ErrorKind.GONE,  # Service Quotas: no such quota or service
    # exists
    "EntityAlreadyExists": ErrorKind.EXISTS,
    "ResourceAlreadyExistsException": ErrorKind.EXISTS,
    "RepositoryAlreadyExistsException": ErrorKind.EXISTS,
    "BucketAlreadyOwnedByYou": ErrorKind.EXISTS,
    "DistributionAlreadyExists": ErrorKind.EXISTS,  # the CallerReference was used before
    "OriginAccessControlAlreadyExists": ErrorKind.EXISTS,
    # conflict
    "BucketAlreadyExists": ErrorKind.CONFLICT,  # the name is another account's
    "ConflictException": ErrorKind.CONFLICT,
    "DeleteConflict": ErrorKind.CONFLICT,
    "DistributionNotDisabled": ErrorKind.CONFLICT,  # delete before disable + Deployed
    "OriginAccessControlInUse": ErrorKind.CONFLICT,  # a distribution still uses it
    "PreconditionFailed": ErrorKind.CONFLICT,  # IfMatch is stale: changed since the plan
    "IllegalUpdate": ErrorKind.CONFLICT,
    "TooManyInvalidationsInProgress": ErrorKind.BUSY,
    "ConcurrentModificationException": ErrorKind.BUSY,
    "ConcurrentModification": ErrorKind.BUSY,
    "OperationAborted": ErrorKind.BUSY,
    # rejected
    "InvalidParameterValueException": ErrorKind.INVALID,
    "InvalidParameterException": ErrorKind.INVALID,
    "ValidationException": ErrorKind.INVALID,
    "ValidationError": ErrorKind.INVALID,
    "MalformedPolicyDocument": ErrorKind.INVALID,
    "BadRequestException": ErrorKind.INVALID,
    "InvalidIfMatchVersion": ErrorKind.INVALID,
    "InvalidArgument": ErrorKind.INVALID,
    # credentials good, the call not allowed: the fix is a grant
    "AccessDenied": ErrorKind.DENIED,
    "AccessDeniedException": ErrorKind.DENIED,
    "UnauthorizedOperation": ErrorKind.DENIED,
    # credentials no longer good: the fix is new ones (AWS's common errors; RequestExpired is
    # also a clock more than 15 minutes off)
    "ExpiredToken": ErrorKind.EXPIRED,
    "ExpiredTokenException": ErrorKind.EXPIRED,
    "RequestExpired": ErrorKind.EXPIRED,
    # credentials never good: AWS does not know the key ID, or the secret does not sign for it
    "InvalidClientTokenId": ErrorKind.UNKNOWN_KEY,  # query protocol (STS, IAM)
    "UnrecognizedClientException": ErrorKind.UNKNOWN_KEY,  # JSON protocol (SageMaker, ECR)
    "InvalidAccessKeyId": ErrorKind.UNKNOWN_KEY,  # S3
    "SignatureDoesNotMatch": ErrorKind.UNKNOWN_KEY,
    "IncompleteSignature": ErrorKind.UNKNOWN_KEY,
    # load and limits
    "Throttling": ErrorKind.THROTTLED,
    "ThrottlingException": ErrorKind.THROTTLED,
    "TooManyRequestsException": ErrorKind.THROTTLED,
    "RequestLimitExceeded": ErrorKind.THROTTLED,
    "SlowDown": ErrorKind.THROTTLED,
    "ResourceLimitExceeded": ErrorKind.QUOTA,
    "LimitExceededException": ErrorKind.QUOTA,
    "LimitExceeded": ErrorKind.QUOTA,
    "ServiceQuotaExceededException": ErrorKind.QUOTA,
    "TooManyDistributions": ErrorKind.QUOTA,
    "TooManyOriginAccessControls": ErrorKind.QUOTA,
}

# A role IAM has not propagated yet, as each service words it (same code as a bad request):
# SageMaker CreateModel: ValidationException "Could not assume role arn:aws:iam::…:role/…. Please
# ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the
# role." (awslabs/predictive-maintenance-using-machine-learning#3, the same wording from
# CreateModel and CreateTransformJob).
SAGEMAKER_CANNOT_ASSUME = "Could not assume role"
# Lambda CreateFunction / UpdateFunctionConfiguration: InvalidParameterValueException "The role
# defined for the function cannot be assumed by Lambda." (aws/aws-cli#7700, many others).
LAMBDA_CANNOT_ASSUME = "cannot be assumed by Lambda"
# An endpoint whose role cannot pull the image yet goes Failed with FailureReason "The role
# '…' does not have BatchGetImage permission for the image: '…'."
# (aws/sagemaker-tensorflow-serving-container#182; huggingface/notebooks#385); a variant says
# "... and that the execution role used to create the model has permissions to access them."
# An endpoint still Creating, Updating, SystemUpdating or RollingBack: SageMaker refuses
# DeleteEndpoint, UpdateEndpoint and UpdateEndpointWeightsAndCapacities with ValidationException
# 'Cannot update in-progress endpoint "<arn>".' (the prefix AWS's SageMaker operator for
# Kubernetes matches on DeleteEndpoint: aws/amazon-sagemaker-operator-for-k8s,
# controllers/sdkutil/clientwrapper/sagemaker_client.go, DeleteEndpointInProgressMessagePrefix).
SAGEMAKER_IN_PROGRESS = "Cannot update in-progress endpoint"
ENDPOINT_PROPAGATION_REASONS = (
    "does not have BatchGetImage permission",
    "execution role used to create the model has permissions to access",
    SAGEMAKER_CANNOT_ASSUME,
)


def _by_operation(service: str, operation: str, code: str, message: str) -> ErrorKind | None:
    """Codes whose meaning depends on the call (and, for IAM propagation, the message)."""
    if (
        service == "sagemaker"
        and operation == "CreateModel"
        and code == "ValidationException"
        and SAGEMAKER_CANNOT_ASSUME in message
    ):
        return ErrorKind.PROPAGATING
    if (
        service == "lambda"
        and operation in ("CreateFunction", "UpdateFunctionConfiguration")
        and code == "InvalidParameterValueException"
        and LAMBDA_CANNOT_ASSUME in message
    ):
        return ErrorKind.PROPAGATING
    if (
        service == "sagemaker"
        and code == "ValidationException"
        and SAGEMAKER_IN_PROGRESS in message
    ):
        return ErrorKind.BUSY  # not "not found": the endpoint is there, being worked on
    if (
        service == "iam"
        and operation in ("CreateRole", "PutRolePermissionsBoundary")
        and code == "NoSuchEntity"
        and (operation == "CreateRole" or "Scope ARN" in message)
    ):
        # The one entity CreateRole names besides itself is its PermissionsBoundary ("Scope
        # ARN: … does not exist or is not attachable"), and PutRolePermissionsBoundary says so
        # of the boundary (a role gone says "role"): bootstrap's, missing (a stack deployed
        # before every stack's roles had one, upgraded without bootstrap run again), not
        # something deleted meanwhile.
        return ErrorKind.NO_BOUNDARY
    reads_or_deletes = operation.startswith(("Describe", "Delete", "Deregister", "List", "Get"))
    if service == "sagemaker" and code == "ValidationException" and reads_or_deletes:
        return ErrorKind.GONE  # "Could not find endpoint ...": SageMaker's not-found
    if service == "application-autoscaling" and code == "ValidationException" and reads_or_deletes:
        return ErrorKind.GONE  # "No scalable target found ..."
    if service == "lambda" and code == "ResourceConflictException":
        # CreateFunction/AddPermission: it is already there; anything else: an update is running.
        if operation in ("CreateFunction", "AddPermission"):
            return ErrorKind.EXISTS
        return ErrorKind.BUSY
    return None


# API operations whose IAM action has another name than the operation (S3's authorization
# reference); HTTP APIs authorize by HTTP verb on the resource path (apigateway:GET for every
# read), the verb read from the operation's first word (PUT when none says it).
_S3_ACTION_OF = {
    "ListBuckets": "s3:ListAllMyBuckets",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "HeadBucket": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "DeleteObjects": "s3:DeleteObject",
    "CopyObject": "s3:PutObject",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
}
_HTTP_VERB_OF = (
    ("Get", "GET"),
    ("Create", "POST"),
    ("Tag", "POST"),
    ("Update", "PATCH"),
    ("Delete", "DELETE"),
    ("Untag", "DELETE"),
)
_PREFIX = {"resourcegroupstaggingapi": "tag", "service-quotas": "servicequotas"}


def iam_action(service: str, operation: str) -> str:
    """The IAM permission that allows ``operation`` of ``service`` (botocore's names): what a
    refusal names to grant, and what the tests hold bootstrap's policies to."""
    if service == "apigatewayv2":
        verb = next((v for word, v in _HTTP_VERB_OF if operation.startswith(word)), "PUT")
        return f"apigateway:{verb}"
    if service == "s3":
        return _S3_ACTION_OF.get(operation, f"s3:{operation}")
    return f"{_PREFIX.get(service, service)}:{operation}"


def error_code(err: BaseException) -> str:
    if isinstance(err, botocore.exceptions.ClientError):
        return str(err.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(err: BaseException) -> str:
    if isinstance(err, botocore.exceptions.ClientError):
        return str(err.response.get("Error", {}).get("Message", ""))
    return str(err)


def aws_said(err: BaseException) -> str:
    """AWS's code and words, without the words' own closing full stop (most of AWS's messages
    have one), so the hint a caller adds after ". " does not follow two."""
    return f"AWS said {error_code(err)}: {error_message(err).rstrip().removesuffix('.')}"


def sentence(hint_text: str) -> str:
    """A hint (``HINTS``: worded to follow a colon, in lowercase) as a sentence of its own,
    for a caller that puts it after AWS's message and a full stop."""
    return hint_text[:1].upper() + hint_text[1:]


# botocore's own refusals, raised before any request is sent: the credential chain found no
# usable credentials. An SSO profile with no cached token (SSOTokenLoadError), or one whose
# token expired (UnauthorizedSSOTokenError; TokenRetrievalError when an sso-session's refresh
# failed): `aws sso login` is the fix, as for an expired token AWS refused. A
# credential_process or a container's credentials endpoint that fails to give (new) keys
# (CredentialRetrievalError) is the same to the run: new keys are the fix.
_SSO_EXPIRED = (
    botocore.exceptions.SSOTokenLoadError,
    botocore.exceptions.UnauthorizedSSOTokenError,
    botocore.exceptions.TokenRetrievalError,
    botocore.exceptions.CredentialRetrievalError,
)
_NO_CREDENTIALS = (
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.ProfileNotFound,
)
# The kinds no retry and no other call of the same run can get past: the credentials
# themselves are gone (not a grant missing for one call, DENIED, which another call may have).
LAPSED_KINDS = (ErrorKind.EXPIRED, ErrorKind.UNKNOWN_KEY, ErrorKind.NO_CREDENTIALS)
# Every kind whose fix is about the credentials: new ones, or a grant for them.
CREDENTIAL_KINDS = (*LAPSED_KINDS, ErrorKind.DENIED)


def lapsed(err: BaseException) -> ErrorKind | None:
    """The kind when ``err`` says the credentials no longer work (AWS's refusal or botocore's
    credential chain failing to refresh them), else None."""
    kind = classify(err)
    return kind if kind in LAPSED_KINDS else None


def classify(err: BaseException, service: str = "", operation: str = "") -> ErrorKind:
    """What ``err`` means. ``operation`` in AWS's spelling (DescribeEndpoint); defaults to the
    one the error names, so a ClientError can be classified on its own. botocore's credential
    chain errors (no request sent) are classified too."""
    if isinstance(err, _SSO_EXPIRED):
        return ErrorKind.EXPIRED
    if isinstance(err, _NO_CREDENTIALS):
        return ErrorKind.NO_CREDENTIALS
    if not isinstance(err, botocore.exceptions.ClientError):
        return ErrorKind.OTHER
    operation = operation or err.operation_name or ""
    return classify_code(error_code(err), service, operation, error_message(err))


def classify_code(
    code: str, service: str = "", operation: str = "", message: str = ""
) -> ErrorKind:
    """What an error code means when only the code (and message) was kept, not the error."""
    by_operation = _by_operation(service, operation, code, message)
    return by_operation or _BY_CODE.get(code, ErrorKind.OTHER)


def endpoint_failure(reason: str | None) -> ErrorKind:
    """What an endpoint's FailureReason means (SageMaker gives no code for it)."""
    if reason and any(words in reason for words in ENDPOINT_PROPAGATION_REASONS):
        return ErrorKind.PROPAGATING
    return ErrorKind.OTHER


def _expired(profile: str) -> str:
    login = f"aws sso login --profile {profile}" if profile else "aws sso login"
    return (
        f"the credentials have expired (or were never signed in): locally, run `{login}` (or "
        "get new temporary keys), then the command again; in GitHub Actions the OIDC role's "
        "session ended: re-run the job"
    )


HINTS = {
    ErrorKind.GONE: "it disappeared after the plan was made (deleted by hand?): run the command "
    "again; it plans from what exists",
    ErrorKind.EXISTS: "it appeared after the plan was made (another run at the same time?): run "
    "the command again; it plans from what exists",
    ErrorKind.CONFLICT: "the name is taken or the resource is in a state that forbids this: "
    "check it in the AWS console",
    ErrorKind.BUSY: "another change of it is still in progress: wait a minute and run the "
    "command again",
    ErrorKind.INVALID: "AWS rejected the request: check the values in config.yaml",
    ErrorKind.DENIED: "the credentials may not make this call: the workflows' roles come from "
    "`python -m deploy bootstrap` (run it again after updating the repository); locally, use "
    "credentials allowed to make it",
    ErrorKind.EXPIRED: _expired(""),
    ErrorKind.UNKNOWN_KEY: "AWS does not know the credentials' access key, or the secret does "
    "not match it: locally, check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (unset both to use "
    "AWS_PROFILE's profile instead), or the profile's keys in ~/.aws/credentials; `aws sts "
    "get-caller-identity` tells when they work. In GitHub Actions the keys are the OIDC role's, "
    "new each run: re-run the job",
    ErrorKind.NO_CREDENTIALS: "set AWS_PROFILE to a profile of ~/.aws/config (`aws configure "
    "sso` makes one), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. In GitHub Actions the "
    "workflows assume the OIDC roles `python -m deploy bootstrap` makes "
    '(docs/deploy.md, "Deploy to your AWS account")',
    ErrorKind.THROTTLED: "AWS throttled the calls even after retrying: wait a minute and run the "
    "command again",
    ErrorKind.QUOTA: "an account quota is reached: ask for more in the Service Quotas console, "
    "or change config.yaml (e.g. another instance type)",
    ErrorKind.PROPAGATING: "IAM had still not propagated the role after the retries: run the "
    "command again in a few minutes; it resumes from what exists",
    ErrorKind.NO_BOUNDARY: "the role's permissions boundary (a managed policy under "
    "`/{project}/`: `…-role-boundary` for a stack's roles, `{project}-preview-boundary` for a "
    "preview's) is not in this account: bootstrap creates it (each environment's, and the "
    "previews' when config.yaml has `preview:`; a stack deployed before its roles had one needs "
    "bootstrap run again). Run `python -m deploy bootstrap --github-repo OWNER/NAME` with "
    'administrator credentials (docs/deploy.md, "Deploy to your AWS account"), then this '
    "command again",
    ErrorKind.OTHER: "fix the cause and run the command again; it resumes from what exists",
}


def hint(kind: ErrorKind, profile: str = "") -> str:
    """``HINTS[kind]``, naming ``profile`` (AWS_PROFILE) in `aws sso login` when one is set."""
    return _expired(profile) if kind is ErrorKind.EXPIRED else HINTS[kind]
