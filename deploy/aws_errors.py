"""One classifier of AWS errors, by error code (never by message text).

Observe asks "is it gone?", the executor asks "may this step count as done, or be retried?",
and both ask here. Most codes mean the same thing in every service; a few mean different
things per operation (SageMaker says "not found" with a ValidationException; Lambda says
"exists" and "busy" with the same ResourceConflictException), so the table is keyed by service
and operation where it must be.
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
    DENIED = "denied"  # the credentials may not make the call
    THROTTLED = "throttled"  # too many calls (botocore already retried)
    QUOTA = "quota"  # an account limit is reached
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
    # exists
    "EntityAlreadyExists": ErrorKind.EXISTS,
    "ResourceAlreadyExistsException": ErrorKind.EXISTS,
    "RepositoryAlreadyExistsException": ErrorKind.EXISTS,
    "BucketAlreadyOwnedByYou": ErrorKind.EXISTS,
    # conflict
    "BucketAlreadyExists": ErrorKind.CONFLICT,  # the name is another account's
    "ConflictException": ErrorKind.CONFLICT,
    "DeleteConflict": ErrorKind.CONFLICT,
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
    # credentials
    "AccessDenied": ErrorKind.DENIED,
    "AccessDeniedException": ErrorKind.DENIED,
    "UnauthorizedOperation": ErrorKind.DENIED,
    "UnrecognizedClientException": ErrorKind.DENIED,
    "InvalidClientTokenId": ErrorKind.DENIED,
    "ExpiredToken": ErrorKind.DENIED,
    "ExpiredTokenException": ErrorKind.DENIED,
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
}


def _by_operation(service: str, operation: str, code: str) -> ErrorKind | None:
    """Codes whose meaning depends on the call."""
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


def error_code(err: BaseException) -> str:
    if isinstance(err, botocore.exceptions.ClientError):
        return str(err.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(err: BaseException) -> str:
    if isinstance(err, botocore.exceptions.ClientError):
        return str(err.response.get("Error", {}).get("Message", ""))
    return str(err)


def classify(err: BaseException, service: str = "", operation: str = "") -> ErrorKind:
    """What ``err`` means. ``operation`` in AWS's spelling (DescribeEndpoint); defaults to the
    one the error names, so a ClientError can be classified on its own."""
    if not isinstance(err, botocore.exceptions.ClientError):
        return ErrorKind.OTHER
    code = error_code(err)
    operation = operation or err.operation_name or ""
    return _by_operation(service, operation, code) or _BY_CODE.get(code, ErrorKind.OTHER)


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
    "credentials that may",
    ErrorKind.THROTTLED: "AWS throttled the calls even after retrying: wait a minute and run the "
    "command again",
    ErrorKind.QUOTA: "an account quota is reached: ask for more in the Service Quotas console, "
    "or change config.yaml (e.g. another instance type)",
    ErrorKind.OTHER: "fix the cause and run the command again; it resumes from what exists",
}
