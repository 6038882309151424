"""The thin AWS layer: clients from one session, call counting, retries, the SageMaker seam.

boto3 honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) by itself, which is how the
tests point everything at a moto server. Nothing here decides *what* to do; that is the planner.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
import botocore.config
import botocore.exceptions

T = TypeVar("T")
READ_PREFIXES = ("Describe", "Get", "List", "Head", "Lookup", "Filter", "Search", "BatchGet")


class DeployError(RuntimeError):
    """A failure with where, what and what to do; printed without a traceback."""


def is_mutating(operation: str) -> bool:
    """True for calls that change AWS (anything not Describe*/Get*/List*/Head*/Filter*)."""
    return not operation.startswith(READ_PREFIXES)


def error_code(err: BaseException) -> str:
    if isinstance(err, botocore.exceptions.ClientError):
        return str(err.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(err: BaseException) -> str:
    if isinstance(err, botocore.exceptions.ClientError):
        return str(err.response.get("Error", {}).get("Message", ""))
    return str(err)


@dataclass
class CallLog:
    """Every AWS API call made through the session, in order (service, operation)."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def record(self, model: Any, **_: Any) -> None:
        self.calls.append((model.service_model.service_name, model.name))

    @property
    def mutating(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if is_mutating(c[1])]

    def summary(self) -> str:
        counts = Counter(f"{s}:{o}" for s, o in self.calls)
        return ", ".join(f"{k}×{v}" for k, v in sorted(counts.items()))


class Aws:
    """Clients from one boto3 session, created lazily, all recorded in `log`."""

    def __init__(self, region: str, session: boto3.Session | None = None) -> None:
        self.region = region
        self.session = session or boto3.Session(region_name=region)
        self.log = CallLog()
        self.hooks: list[tuple[str, Callable[..., Any]]] = []  # (event, handler) for new clients
        self._clients: dict[str, Any] = {}
        self._config = botocore.config.Config(
            region_name=region,
            retries={"mode": "standard", "max_attempts": 6},
            connect_timeout=10,
            read_timeout=60,
        )

    def client(self, service: str) -> Any:
        if service not in self._clients:
            c = self.session.client(service, config=self._config)
            c.meta.events.register("before-call.*.*", self._before_call)
            for event, handler in self.hooks:
                c.meta.events.register(event, handler)
            self._clients[service] = c
        return self._clients[service]

    def _before_call(self, model: Any, **kwargs: Any) -> None:
        self.log.record(model, **kwargs)

    def account_id(self) -> str:
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except botocore.exceptions.NoCredentialsError:
            raise DeployError(
                "AWS: no credentials found: configure a profile, environment variables, or the "
                "GitHub OIDC role (see README 'Deploy to your AWS account')"
            ) from None


def retry(
    fn: Callable[[], T],
    *,
    retryable: Callable[[BaseException], bool],
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    timeout_s: float = 120.0,
    first_delay_s: float = 1.0,
    max_delay_s: float = 15.0,
) -> T:
    """Call fn until it succeeds, a non-retryable error occurs, or timeout_s passes.

    For AWS's eventual consistency: a role just created is not yet assumable by Lambda or
    SageMaker; a function whose last update is still in progress rejects the next one.
    """
    deadline = clock() + timeout_s
    delay = first_delay_s
    while True:
        try:
            return fn()
        except Exception as err:
            if not retryable(err) or clock() + delay > deadline:
                raise
            sleep(delay)
            delay = min(delay * 2, max_delay_s)


def iam_propagation(err: BaseException) -> bool:
    """Errors AWS gives while a new IAM role has not propagated yet."""
    msg = error_message(err).lower()
    code = error_code(err)
    return code in ("InvalidParameterValueException", "ValidationException") and (
        "cannot be assumed" in msg or "assume" in msg or "not authorized" in msg
    )


def lambda_busy(err: BaseException) -> bool:
    return error_code(err) in ("ResourceConflictException", "TooManyRequestsException")


class Endpoints:
    """SageMaker endpoint calls: the seam tests replace to inject Updating/Failed/rollback."""

    def __init__(self, aws: Aws) -> None:
        self.aws = aws

    @property
    def _sm(self) -> Any:
        return self.aws.client("sagemaker")

    def describe(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self._sm.describe_endpoint(EndpointName=name))
        except botocore.exceptions.ClientError as err:
            if "Could not find" in error_message(err) or error_code(err) == "ResourceNotFound":
                return None
            raise

    def create(self, name: str, config: str, tags: list[dict[str, str]]) -> None:
        self._sm.create_endpoint(EndpointName=name, EndpointConfigName=config, Tags=tags)

    def update(self, name: str, config: str, deployment: dict[str, Any] | None) -> None:
        kwargs: dict[str, Any] = {"EndpointName": name, "EndpointConfigName": config}
        if deployment:
            kwargs["DeploymentConfig"] = deployment
        self._sm.update_endpoint(**kwargs)

    def delete(self, name: str) -> None:
        self._sm.delete_endpoint(EndpointName=name)


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}
