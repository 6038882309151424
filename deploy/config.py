"""`config.yaml` → a validated, typed `Config`.

Every field has a default so the shipped file stays short; validators check the limits that
cross hops (API Gateway 30 s cap → Lambda timeout, payload sizes, serverless memory steps) so
that a bad value fails at `plan` time with the key named, not halfway through an `apply`.
"""

from __future__ import annotations

import datetime
import difflib
import re
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import botocore
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from deploy import budget
from deploy.config_text import (
    aliases_expand_too_far,
    aliases_into_themselves,
    duplicate_keys,
    keys_not_text,
    merges_not_mappings,
    not_utf8,
    numbers_in_another_base,
    tags_refused,
    tags_unreadable,
    yaml_error,
)
from deploy.image_ref import image_problem
from deploy.name_rules import name_problems
from deploy.naming import (
    ACCOUNT_DIGITS,
    LONGEST_PREVIEW,
    PREVIEW_PREFIX,
    PREVIEW_RE,
    Names,
    env_in_previews_of,
    partition_of,
    previews_owner,
    service_regions,
)
from deploy.wording import counted

# Limits from the AWS documentation (API Gateway, Lambda and SageMaker quotas pages); each
# is the documented value, not one measured here.
HTTP_API_TIMEOUT_S = 30  # integration timeout of an HTTP API, cannot be raised
HTTP_API_PAYLOAD_MB = 10
# The request line and the header values, together ("Total combined size of request line and
# header values"), cannot be raised: the gateway refuses a bigger request before the function.
HTTP_API_HEADER_BYTES = 10240
LAMBDA_PAYLOAD_MB = 6  # synchronous invoke, each way: the whole event JSON, not the body
# The largest body that fits in that event: API Gateway puts the body in the event's JSON
# either base64-encoded (a body it does not take for text: 4/3 of it) or as a JSON string (a
# CSV's newlines and quotes escaped: up to about a third more for a quoted CRLF export), plus
# a few KB of headers. 4 MB fits in 6 either way; a 6 MB body never does.
LAMBDA_EVENT_BODY_MB = 4
REALTIME_PAYLOAD_MB = 6  # SageMaker real-time request body (MiB)
SERVERLESS_PAYLOAD_MB = 4
SERVERLESS_MEMORY_STEPS = (1024, 2048, 3072, 4096, 5120, 6144)
# SageMaker CreateModel's ContainerDefinition.Environment (botocore's sagemaker service model:
# EnvironmentMap at most 100 entries, EnvironmentValue at most 1024 characters): the whole map
# as sent, the variable deploy adds included.
CONTAINER_ENV_MAX = 100
CONTAINER_ENV_VALUE_MAX = 1024
# The model's body limit, which deploy sets on a serverless endpoint (container_environment).
PAYLOAD_ENV = "MODEL_MAX_PAYLOAD_BYTES"
# The project's own shape; what each service allows of the names made from it (lengths,
# dashes, the bucket's 63 characters in this region) is checked by deploy/name_rules.py.
PROJECT_RE = re.compile(r"^[a-z][a-z0-9-]{2,62}$")
# SageMaker instance types: ml.<family>.<size>. Only the shape is checked (new families keep
# coming); the sizes are the ones EC2 names (<N>xlarge: 2xlarge, 12xlarge, 48xlarge, ...).
INSTANCE_TYPE_RE = re.compile(r"^ml\.[a-z][a-z0-9]*\.([a-z0-9]+)$")
INSTANCE_SIZES = ("micro", "small", "medium", "large", "xlarge")
# What every region name looks like (us-east-1, us-gov-west-1, ap-southeast-2).
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d+$")
# What a tag key and value may hold: IAM's, SageMaker's, Lambda's, CloudFront's and CloudWatch
# Logs' Tag.Key and Tag.Value patterns in botocore's service models, [\p{L}\p{Z}\p{N}_.:/=+\-@]
# (letters, spaces and digits of any script: the first letter of a Unicode category), keys
# 1-128 characters and values 0-256
# (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html).
TAG_CATEGORIES = "LZN"
TAG_PUNCTUATION = "_.:/=+-@"
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
# The tag keys deploy writes on every resource. IAM compares tag keys without case: CreateRole
# refuses `Project` beside `project` ("InvalidInput: Duplicate tag keys found. Please note that
# Tag keys are case insensitive."), so a user key is compared with them, and with each other,
# in lower case.
RESERVED_TAG_KEYS = ("project", "managed-by")
# The tags deploy keeps its own records in on the endpoint (the configs a switch asked for,
# served and left: resources/endpoint_config.py; a preview's last apply: previews.py): a
# user's tag of that name would be written over, or read as the record.
RECORD_TAG_KEYS = ("requested-config", "serving-config", "previous-config", "deployed-at")
CASE_INSENSITIVE_TAGS = (
    "IAM tag keys are case-insensitive (CreateRole refuses 'Duplicate tag keys found')"
)
# The longest account id, for checking name lengths before the account is known; shown in a
# name it made too long as a place, not a number an operator could take for an account.
SAMPLE_ACCOUNT = "1" * ACCOUNT_DIGITS
ACCOUNT_PLACE = "<account-id>"


def _said(problems: list[Any]) -> str:
    """Name problems as said, the sample account shown as ACCOUNT_PLACE (and explained)."""
    text = "; ".join(str(p) for p in problems)
    if SAMPLE_ACCOUNT not in text:
        return text
    return text.replace(SAMPLE_ACCOUNT, ACCOUNT_PLACE) + (
        f" ({ACCOUNT_PLACE}: your {ACCOUNT_DIGITS}-digit AWS account id, counted as "
        f"{ACCOUNT_DIGITS} characters)"
    )


# A blue/green rollout needs this much more than the canary wait and the bake time: the new
# fleet must be provisioned first (SageMaker's MaximumExecutionTimeoutInSeconds is at least 600).
NEW_FLEET_S = 600
# Instances SageMaker's deployment guardrails (canary, bake, alarm rollback) exclude.
NO_GUARDRAILS_FAMILY = "ml.inf1."
GUARDRAILS_EXCLUSIONS = (
    "https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html"
)
# UpdateEndpoint's AutoRollbackConfiguration.Alarms (botocore's sagemaker service model:
# AlarmList 1-10 items, AlarmName 1-255 characters, not blank).
ROLLBACK_ALARMS_MAX = 10
ALARM_NAME_MAX = 255
# The `managed-by` tag value on everything deploy and bootstrap create.
MANAGED_BY = "trends-anomaly-gitops"


def _close_regions(region: str) -> str:
    """``did you mean 'us-east-1' or 'us-east-2'?`` from SageMaker's regions, or nothing."""
    close = difflib.get_close_matches(region.lower(), service_regions("sagemaker"), n=3)
    return f": did you mean {' or '.join(map(repr, close))}?" if close else ""


def _check_sagemaker_region(region: str) -> None:
    """A region of the right shape that does not exist (``us-east-9``) would fail only at the
    first AWS call: check it against botocore's bundled endpoint data for SageMaker."""
    known = service_regions("sagemaker")
    if not known or region in known:
        return
    raise ValueError(
        f"{region!r} is not a region of the aws partition where SageMaker runs (botocore "
        f"{botocore.__version__}'s endpoint data){_close_regions(region)} A region newer than "
        "this botocore needs it upgraded (uv lock --upgrade-package botocore)"
    )


def _tag_refuses(text: str) -> list[str]:
    """The characters of ``text`` no tag key or value may hold, once each, in order."""
    bad = (c for c in text if unicodedata.category(c)[0] not in TAG_CATEGORIES)
    return list(dict.fromkeys(c for c in bad if c not in TAG_PUNCTUATION))


_TAG_ALLOWED = (
    "letters, digits, spaces and _ . : / = + - @ only (of any script; the tag pattern of IAM, "
    "SageMaker and the other services deploy tags)"
)


def _tag_problem(key: str, value: str) -> str | None:
    """Why AWS would refuse the tag ``key: value`` (None: it takes it)."""
    if not 1 <= len(key) <= TAG_KEY_MAX:
        return f"keys are 1-{TAG_KEY_MAX} characters, got {len(key)}"
    if len(value) > TAG_VALUE_MAX:
        return f"values are at most {TAG_VALUE_MAX} characters, got {len(value)}"
    for what, text in (("key", key), ("value", value)):
        bad = _tag_refuses(text)
        if bad:
            return (
                f"the {what} {text!r} has {', '.join(map(repr, bad))}, which AWS refuses in a "
                f"tag {what}: use {_TAG_ALLOWED}"
            )
    return None


# CloudWatch Logs' retention periods (PutRetentionPolicy's ``retentionInDays``: the values its
# API reference lists; any other is refused there, so here first).
RetentionDays = Literal[
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]


class ConfigError(ValueError):
    """A config.yaml problem, with every offending key listed in the message."""


def _number_kind(annotation: Any) -> str | None:
    """``int``, ``float`` or ``literal`` (of numbers) for a field that takes a number, through
    ``X | None`` and ``Annotated[X, ...]``; None for any other."""
    if annotation is bool:
        return None
    if annotation in (int, float):
        return annotation.__name__
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is Literal:
        return "literal" if all(type(a) in (int, float) for a in args) else None
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, Annotated):
        return next(filter(None, map(_number_kind, args)), None)
    return None


_LAX_INT: TypeAdapter[int] = TypeAdapter(int)


def _lax_int(v: Any) -> Any:
    """A quoted whole number (``'14'``) as the number, the way pydantic's lax mode reads it
    for every ``int`` key (``instance_count: "2"`` is 2); anything else unchanged. A
    ``Literal`` of numbers, or a key checked by hand, would otherwise refuse it alone."""
    if not isinstance(v, str):
        return v
    try:
        return _LAX_INT.validate_python(v)
    except ValidationError:
        return v


class _Strict(BaseModel):
    # Unknown keys are errors: a typo like `instance_typ` must not silently use a default.
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        """YAML 1.1 reads `yes`/`on`/`true` as true, and pydantic would take true for 1:
        `log_retention_days: yes` would keep the logs one day. A boolean is no number here."""
        if info.field_name is None:
            return v
        annotation = cls.model_fields[info.field_name].annotation
        kind = _number_kind(annotation)
        if kind == "literal":
            v = _lax_int(v)
        if not isinstance(v, bool):
            return v
        if kind == "literal":
            allowed = typing.get_args(annotation)
            raise PydanticCustomError(
                "literal_error",
                "Input should be {expected}",
                {"expected": f"{', '.join(map(str, allowed[:-1]))} or {allowed[-1]}"},
            )
        if kind is not None:
            raise PydanticCustomError(f"{kind}_type", "not a number")
        return v


def _instance_size(size: str) -> bool:
    """Whether ``size`` is a size EC2 names: micro ... xlarge, or <N>xlarge (2xlarge, 12xlarge,
    48xlarge, ...; no upper bound: bigger machines keep coming)."""
    if size in INSTANCE_SIZES:
        return True
    times = size.removesuffix("xlarge")
    return times != size and times.isdigit() and int(times) >= 2 and times[0] != "0"


def _meant_instance_type(written: str) -> str:
    """``: did you mean 'ml.m5.large'?`` for EC2's name or another case (``m5.large``,
    ``ML.M5.LARGE``): SageMaker's names are lower case and start with ``ml.``."""
    meant = written.strip().lower()
    meant = meant if meant.startswith("ml.") else f"ml.{meant}"
    m = INSTANCE_TYPE_RE.fullmatch(meant)
    return f": did you mean {meant!r}?" if m and _instance_size(m.group(1)) else ""


class ServerlessConfig(_Strict):
    """SageMaker serverless inference (no instances, pay per request)."""

    memory_mb: int = 2048
    max_concurrency: Annotated[int, Field(ge=1, le=200)] = 5

    @field_validator("memory_mb")
    @classmethod
    def _memory_step(cls, v: int) -> int:
        if v not in SERVERLESS_MEMORY_STEPS:
            raise ValueError(
                f"must be one of {', '.join(map(str, SERVERLESS_MEMORY_STEPS))} (1024-6144 MB in "
                f"1024 MB steps), got {v}"
            )
        return v


class AutoscalingConfig(_Strict):
    """Target tracking on SageMakerVariantInvocationsPerInstance."""

    min_capacity: Annotated[int, Field(ge=1, le=100)] = 1
    max_capacity: Annotated[int, Field(ge=1, le=100)] = 2
    target_invocations_per_instance: Annotated[float, Field(gt=0, le=100000)] = 100.0
    scale_in_cooldown_s: Annotated[int, Field(ge=0, le=3600)] = 300
    scale_out_cooldown_s: Annotated[int, Field(ge=0, le=3600)] = 60

    @model_validator(mode="after")
    def _bounds(self) -> AutoscalingConfig:
        if self.min_capacity > self.max_capacity:
            raise ValueError(
                f"min_capacity ({self.min_capacity}) must be <= max_capacity ({self.max_capacity})"
            )
        return self


class DeploymentConfig(_Strict):
    """How an endpoint update rolls out.

    `all-at-once`: SageMaker's default blue/green switch of all capacity at once.
    `canary`: blue/green with a canary slice, a bake time, and auto-rollback on the listed
    CloudWatch alarms (deployment guardrails; real-time endpoints only).
    """

    strategy: Literal["all-at-once", "canary"] = "all-at-once"
    canary_percent: Annotated[int, Field(ge=1, le=50)] = 10
    canary_wait_s: Annotated[int, Field(ge=0, le=3600)] = 300
    bake_s: Annotated[int, Field(ge=0, le=3600)] = 300
    rollback_alarms: list[str] = Field(default_factory=list)

    @field_validator("rollback_alarms")
    @classmethod
    def _alarm_names(cls, v: list[str]) -> list[str]:
        if len(v) > ROLLBACK_ALARMS_MAX:
            raise ValueError(
                f"{len(v)} alarms; SageMaker takes at most {ROLLBACK_ALARMS_MAX} (UpdateEndpoint's "
                f"AutoRollbackConfiguration.Alarms): keep the {ROLLBACK_ALARMS_MAX} that matter "
                "most"
            )
        for i, name in enumerate(v, 1):
            if not name.strip():
                raise ValueError(
                    f"alarm {i} is blank: write the name of an existing CloudWatch alarm, or "
                    "remove the item"
                )
            if len(name) > ALARM_NAME_MAX:
                raise ValueError(
                    f"alarm {i} is {len(name)} characters; a CloudWatch alarm name (SageMaker's "
                    f"AlarmName) is at most {ALARM_NAME_MAX}: check that it is the alarm's name"
                )
        return v

    @model_validator(mode="after")
    def _alarms(self) -> DeploymentConfig:
        if self.strategy == "canary" and not self.rollback_alarms:
            raise ValueError(
                "strategy 'canary' rolls back automatically only when a CloudWatch alarm fires: "
                "list at least one existing alarm name in rollback_alarms (e.g. one on the "
                "endpoint's Invocation5XXErrors), or use strategy 'all-at-once'"
            )
        return self


class EndpointConfig(_Strict):
    """The SageMaker endpoint: instances or serverless, plus scaling and rollout."""

    instance_type: str = "ml.m5.large"
    instance_count: Annotated[int, Field(ge=1, le=100)] = 1
    serverless: ServerlessConfig | None = None
    autoscaling: AutoscalingConfig | None = None
    environment: dict[str, str] = Field(default_factory=dict)
    deployment: DeploymentConfig = Field(default_factory=DeploymentConfig)
    # At most what a deploy job can hold: an apply may wait twice this long (deploy/budget.py).
    wait_timeout_s: Annotated[int, Field(ge=60, le=7200)] = 1800

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, v: str) -> str:
        """The shape only, so a typo fails at plan time and a new family still passes."""
        m = INSTANCE_TYPE_RE.fullmatch(v)
        if not m:
            raise ValueError(
                f"must look like 'ml.m5.large' (a SageMaker instance type: ml.<family>.<size>), "
                f"got {v!r}{_meant_instance_type(v)}"
            )
        if not _instance_size(m.group(1)):
            family = v.split(".")[1]
            raise ValueError(
                f"{v!r}: {m.group(1)!r} is not an instance size; expected ml.<family>.<size> "
                f"with size {', '.join(INSTANCE_SIZES)} or <N>xlarge (2xlarge, 12xlarge, ...), "
                f"e.g. 'ml.{family}.large' or 'ml.{family}.2xlarge'"
            )
        return v

    @field_validator("environment")
    @classmethod
    def _env_keys(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]{0,1023}", key):
                instead = re.sub(r"[^a-zA-Z0-9_]", "_", key)[:1024]
                instead = f"_{instead}"[:1024] if instead[:1].isdigit() else instead
                raise ValueError(
                    f"{key!r} is not a variable name SageMaker takes: letters, digits and _ "
                    "only, not starting with a digit, at most 1024 characters (CreateModel's "
                    "ContainerDefinition.Environment keys, [a-zA-Z_][a-zA-Z0-9_]*): e.g. "
                    f"{instead!r}"
                )
            if len(value) > CONTAINER_ENV_VALUE_MAX:
                raise ValueError(
                    f"{key}: its value is {len(value)} characters; SageMaker takes at most "
                    f"{CONTAINER_ENV_VALUE_MAX} per variable (CreateModel's "
                    "ContainerDefinition.Environment): shorten it, or have the image read "
                    "longer settings from a file it carries"
                )
        return v

    @property
    def container_environment(self) -> dict[str, str]:
        """The container's environment as CreateModel gets it: `environment`, and on a
        serverless endpoint the model's body limit (deploy/resources/sagemaker_model.py's
        environment() says why) unless `environment` sets it."""
        env = dict(self.environment)
        if self.serverless:
            env.setdefault(PAYLOAD_ENV, str(self.max_payload_mb * 1024 * 1024))
        return dict(sorted(env.items()))

    @model_validator(mode="after")
    def _environment_fits(self) -> EndpointConfig:
        env = self.container_environment
        sent, own = len(env), len(self.environment)
        if sent <= CONTAINER_ENV_MAX:
            return self
        added = [k for k in env if k not in self.environment]
        with_added = (
            f", and deploy adds {', '.join(added)} on a serverless endpoint: {sent} in all"
            if added
            else ""
        )
        raise ValueError(
            f"environment: {own} variables{with_added}; SageMaker takes at most "
            f"{CONTAINER_ENV_MAX} (CreateModel's ContainerDefinition.Environment): remove "
            f"{sent - CONTAINER_ENV_MAX}"
        )

    @model_validator(mode="after")
    def _serverless_rules(self) -> EndpointConfig:
        if self.serverless is not None:
            if self.autoscaling is not None:
                raise ValueError(
                    "autoscaling is for instance endpoints; a serverless endpoint scales by "
                    "itself up to serverless.max_concurrency: remove endpoint.autoscaling"
                )
            if self.deployment.strategy != "all-at-once":
                raise ValueError(
                    "deployment.strategy 'canary' needs instances (SageMaker serverless has no "
                    "blue/green traffic shifting): use 'all-at-once' or remove endpoint.serverless"
                )
        if self.deployment.strategy == "canary" and self.serverless is None:
            self._check_canary()
        if self.autoscaling is not None and not (
            self.autoscaling.min_capacity <= self.instance_count <= self.autoscaling.max_capacity
        ):
            raise ValueError(
                f"instance_count ({self.instance_count}) must lie within autoscaling "
                f"min_capacity..max_capacity ({self.autoscaling.min_capacity}.."
                f"{self.autoscaling.max_capacity})"
            )
        return self

    def _check_canary(self) -> None:
        """SageMaker: the canary is at most 50 % of the variant's instances, and at least one
        instance; so a canary needs two instances at every moment, autoscaling included. And
        no canary at all on Inf1 (deployment guardrails' exclusions)."""
        if self.instance_type.startswith(NO_GUARDRAILS_FAMILY):
            raise ValueError(
                f"deployment.strategy: 'canary' on {self.instance_type!r}: SageMaker's "
                'deployment guardrails exclude Inf1 instances; there it "falls back to using a '
                "blue/green deployment with all at once traffic shifting and no final baking "
                f'period" ({GUARDRAILS_EXCLUSIONS}): neither the canary slice nor the bake '
                "time would happen. Use strategy 'all-at-once' (what SageMaker does there "
                "anyway), or another instance family for the canary"
            )
        smallest = self.autoscaling.min_capacity if self.autoscaling else self.instance_count
        key = "autoscaling.min_capacity" if self.autoscaling else "instance_count"
        if smallest < 2:
            raise ValueError(
                f"deployment.strategy: 'canary' needs at least 2 instances (SageMaker's canary "
                f"is at least one instance and at most 50 % of the fleet), but endpoint.{key} "
                f"is {smallest}: set it to 2 or more, or use strategy 'all-at-once'"
            )
        d = self.deployment
        needed = d.canary_wait_s + d.bake_s + NEW_FLEET_S
        if self.wait_timeout_s < needed:
            raise ValueError(
                f"wait_timeout_s: {self.wait_timeout_s} s is shorter than a canary rollout: "
                f"canary_wait_s ({d.canary_wait_s}) + bake_s ({d.bake_s}) + {NEW_FLEET_S} s for "
                f"the new fleet = {needed} s; apply would stop waiting before SageMaker finishes: "
                f"raise endpoint.wait_timeout_s to at least {needed}, or shorten the waits"
            )

    @property
    def max_payload_mb(self) -> int:
        """Largest request body the endpoint accepts."""
        return SERVERLESS_PAYLOAD_MB if self.serverless else REALTIME_PAYLOAD_MB


class ThrottlingConfig(_Strict):
    """HTTP API default route throttling (requests per second, burst)."""

    rate: Annotated[float, Field(gt=0, le=10000)] = 10.0
    burst: Annotated[int, Field(ge=1, le=5000)] = 20


class LambdaConfig(_Strict):
    """The front-door function between the HTTP API and the endpoint."""

    memory_mb: Annotated[int, Field(ge=128, le=10240)] = 256
    timeout_s: Annotated[
        int,
        Field(
            ge=1,
            le=HTTP_API_TIMEOUT_S - 1,
            description=(
                f"under {HTTP_API_TIMEOUT_S} s, the HTTP API integration timeout, which cannot "
                "be raised"
            ),
        ),
    ] = 29
    runtime: Literal["python3.11", "python3.12", "python3.13"] = "python3.12"
    source: str = "lambda"


class ApiConfig(_Strict):
    """The public HTTP API. The site's own origin is added to CORS automatically."""

    cors_origins: list[str] = Field(default_factory=list)
    throttling: ThrottlingConfig = Field(default_factory=ThrottlingConfig)
    # `lambda` is a Python keyword, so the field is `lambda_`; config.yaml takes only `lambda`
    # (no populate_by_name: `lambda_` in the file is an unknown key, not a second spelling).
    lambda_: LambdaConfig = Field(default_factory=LambdaConfig, alias="lambda")
    max_payload_mb: Annotated[float, Field(gt=0)] | None = None  # None: the smallest hop's

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        for origin in v:
            problem = config_origin_problem(origin)
            if problem:
                raise ValueError(problem)
        return v


ORIGIN_RE = re.compile(r"(https?)://([A-Za-z0-9.\-]+)(:\d{1,5})?")
# The hosts a page under development is served from: http:// is fine on this machine.
LOCAL_HOSTS = ("localhost", "127.0.0.1")
_LOCAL_HTTP = "http:// is only for http://localhost and http://127.0.0.1, any port"


def origin_problem(origin: str) -> str | None:
    """Why ``origin`` is not shaped like a CORS origin (None: it is; ``*`` is any origin).
    The shape only: `make up --cors-origin` takes any origin of this machine's network."""
    if origin == "*" or ORIGIN_RE.fullmatch(origin):
        return None
    return (
        f"{origin!r} is not an origin: use scheme://host[:port] with no path or "
        "trailing slash, e.g. 'https://example.org' or 'http://localhost:8000'"
    )


def config_origin_problem(origin: str) -> str | None:
    """Why config.yaml cannot list ``origin`` in api.cors_origins (None: it can).

    ``*`` would let every page on the internet call the API with its visitors' browsers (API
    Gateway answers any Origin then), and a page served over http:// can be rewritten on its
    way to the browser, so what it sends the API is anyone's: https:// origins only, plus
    http:// on localhost and 127.0.0.1 for a page under development."""
    if origin == "*":
        return (
            "'*' allows every web page to call the API: list each origin instead, e.g. "
            f"'https://example.org' (https:// origins; {_LOCAL_HTTP}); the deployed page's own "
            "origin is always allowed"
        )
    shape = origin_problem(origin)
    if shape:
        return shape
    m = ORIGIN_RE.fullmatch(origin)
    if m and m.group(1) == "http" and m.group(2) not in LOCAL_HOSTS:
        https = f"https://{m.group(2)}{m.group(3) or ''}"
        return (
            f"{origin!r} is not https: a page served over http:// can be altered on its way to "
            f"the browser; write {https!r} ({_LOCAL_HTTP})"
        )
    return None


class SiteCacheConfig(_Strict):
    """Cache-Control per kind of file."""

    html: str = "no-cache"
    hashed_assets: str = "public, max-age=31536000, immutable"
    other: str = "public, max-age=300"

    @field_validator("html", "hashed_assets", "other")
    @classmethod
    def _header_value(cls, v: str) -> str:
        """Each is sent as the Cache-Control header of PutObject and read back by HeadObject:
        a line break or tab fails the upload halfway through apply ("Invalid header value"),
        a letter outside ASCII comes back as other text (UTF-8 read as Latin-1) and a space at
        an end comes back without it, so every plan after would update the files again. An
        empty one is sent as it is (botocore sends `Cache-Control:` with no value) and means
        no rule: CloudFront's default TTL then, a day (the docs of PutObject say nothing of
        an empty value; RFC 9111, section 5.2: a list of directives, here none)."""
        if not v.strip():
            raise ValueError(
                "empty, and an empty Cache-Control is no caching rule at all: CloudFront keeps "
                "the files for its default TTL (24 hours, the CachingOptimized policy) and "
                "browsers guess how long, so an update would not show for a day. Write "
                "'no-cache' to have them checked on every visit, or 'public, max-age=300' for "
                "five minutes (or remove the line for the default)"
            )
        bad = list(dict.fromkeys(c for c in v if not " " <= c <= "~"))
        if bad:
            raise ValueError(
                f"{v!r} has {', '.join(map(repr, bad))}: a Cache-Control header takes printable "
                "ASCII only (letters, digits, spaces, punctuation; no line break or tab), e.g. "
                "'no-cache' or 'public, max-age=300'"
            )
        if v != v.strip():
            raise ValueError(
                f"{v!r}: no space at the start or end: HTTP strips it from a header value (RFC "
                "9110, section 5.5), so HeadObject answers without it and every plan would "
                f"update the files again; write {v.strip()!r}"
            )
        return v


class SiteConfig(_Strict):
    """The static page: the built directory synced to the S3 website bucket."""

    source: str = "site/dist"
    cache: SiteCacheConfig = Field(default_factory=SiteCacheConfig)


class ModelConfig(_Strict):
    """The model image: built from `build_context` (tagged by content hash) or prebuilt."""

    build_context: str = "model"
    image: str | None = None


class Config(_Strict):
    """The whole of config.yaml."""

    project: str = "trends-anomaly"
    region: str = "us-east-1"
    tags: dict[str, str] = Field(default_factory=dict)
    log_retention_days: RetentionDays = 14
    model: ModelConfig = Field(default_factory=ModelConfig)
    endpoint: EndpointConfig = Field(default_factory=EndpointConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    site: SiteConfig = Field(default_factory=SiteConfig)
    # The environment this config is for (None: the single deployment); set by the loader.
    _environment: str | None = PrivateAttr(default=None)
    # What its own block of config.yaml writes, and where that block is
    # (``environments.staging.``, ``preview.``); set by the loader.
    _own: tuple[Any, str] = PrivateAttr(default=(None, ""))

    @property
    def environment(self) -> str | None:
        """``staging``, ``pr-7`` ...; None without environments."""
        return self._environment

    def written_at(self, key: str) -> str:
        """Where config.yaml sets dotted ``key`` for this deployment
        (``environments.staging.site.source`` when the environment writes it, else the
        top-level ``site.source``): a message about its value names the line to edit."""
        overrides, prefix = self._own
        return prefix + key if _sets(overrides, key) else key

    @field_validator("project")
    @classmethod
    def _project(cls, v: str) -> str:
        if not PROJECT_RE.fullmatch(v):
            raise ValueError(
                f"must match {PROJECT_RE.pattern} (lowercase letters, digits and dashes, starting "
                f"with a letter, at least 3), got {v!r}"
            )
        owner = previews_owner(v)
        if owner:
            raise ValueError(
                f"{v!r} has `-pr-` in it or ends in `-pr`: every name it gives (`{v}-detect` "
                f"…) would also be one of project {owner!r}'s pull-request previews, whose "
                f"roles may change every `{owner}-pr-*` resource in the account. Choose a name "
                f"without `-pr-` that does not end in `-pr`. A stack already deployed under "
                f"{v!r}: destroy it first with the code from before this rule (the parent of "
                "`git log --reverse --format=%h -S previews_owner -- deploy/naming.py | head -1`), "
                "then apply "
                "under the new name"
            )
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        found = partition_of(v) if REGION_RE.fullmatch(v) else None
        if found is None:
            raise ValueError(
                f"must be an AWS region like 'us-east-1' (area, direction, number: "
                f"{REGION_RE.pattern}), got {v!r}{_close_regions(v)}"
            )
        if found.name != "aws":
            why = (
                "CloudFront there cannot serve its default *.cloudfront.cn domain: it needs an "
                "ICP-registered domain of your own (docs.amazonaws.cn, Amazon CloudFront, "
                "'Feature Availability and Implementation Differences')"
                if found.name == "aws-cn"
                else "botocore knows no CloudFront endpoint in that partition"
            )
            raise ValueError(
                f"{v!r} is in the {found.name} partition; the page is served by CloudFront over "
                f"HTTPS on CloudFront's own domain, and {why}. Use a region of the aws partition"
            )
        _check_sagemaker_region(v)
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        if len(v) > 40:
            raise ValueError("at most 40 tags (AWS allows 50 and the engine adds its own)")
        seen: dict[str, str] = {}
        for key, value in v.items():
            if key.lower().startswith("aws:") or key.lower() in RESERVED_TAG_KEYS:
                raise ValueError(
                    f"tag key {key!r} is reserved (aws:*, project, managed-by): deploy writes "
                    f"project and managed-by on every resource, and {CASE_INSENSITIVE_TAGS}, so "
                    "any case of them is the same key; choose another key"
                )
            if key.lower() in seen:
                raise ValueError(
                    f"tag keys {seen[key.lower()]!r} and {key!r} differ only in case: "
                    f"{CASE_INSENSITIVE_TAGS}, so apply would be refused; keep one of them (an "
                    "environment's or preview's tags are added to the top level's key by key as "
                    "written: to change a top-level tag there, write its key as the top level "
                    "does)"
                )
            if key.lower() in RECORD_TAG_KEYS:
                raise ValueError(
                    f"tag key {key!r} is reserved: deploy keeps its record of the endpoint's "
                    f"configs and applies under {', '.join(RECORD_TAG_KEYS)} (any case); "
                    "choose another key"
                )
            seen[key.lower()] = key
            problem = _tag_problem(key, str(value))
            if problem:
                raise ValueError(f"tag {key!r}: {problem}")
            if key != key.strip() or str(value) != str(value).strip():
                # S3's tagging (and moto's) drops them: the tag would never match again.
                raise ValueError(
                    f"tag {key!r}: no spaces at the start or end of a key or value, got "
                    f"{key!r}: {value!r}"
                )
        return v

    @model_validator(mode="after")
    def _names(self) -> Config:
        """Every resource name, as its service will see it (the bucket's 63 characters ...)."""
        problems = name_problems(Names(self.project, SAMPLE_ACCOUNT, self.region))
        if problems:
            raise ValueError(
                f"project: {self.project!r} in region {self.region!r} gives names AWS refuses: "
                + _said(problems)
                + ". Choose another project name (shorter, no dash at the start or end)"
            )
        return self

    @model_validator(mode="after")
    def _image(self) -> Config:
        """A prebuilt image that cannot be pulled would fail only at CreateModel."""
        image = self.model.image
        if image is not None and not image.strip():  # '' is no image, and no "build it" either
            raise ValueError(
                "model.image: empty: write a prebuilt image's URI "
                f"(<account>.dkr.ecr.{self.region}.amazonaws.com/<repository>:<tag>), or remove "
                "the line (or write null) to build the image from model.build_context"
            )
        problem = image and image_problem(image, self.region)
        if problem:
            raise ValueError(f"model.image: {problem}")
        return self

    @model_validator(mode="after")
    def _fits_in_a_deploy_job(self) -> Config:
        longest = budget.apply_wait_bound(self.endpoint.wait_timeout_s)
        room = budget.DEPLOY_JOB_TIMEOUT_S - budget.DEPLOY_JOB_OVERHEAD_S
        if longest > room:
            raise ValueError(
                f"endpoint.wait_timeout_s: an apply may wait {longest:.0f} s in all (twice "
                f"{self.endpoint.wait_timeout_s} s for the endpoint, plus "
                f"{budget.APPLY_FIXED_WAITS_S:.0f} s for the rest), more than the deploy job "
                f"holds ({room} s): use at most {budget.longest_endpoint_wait_s()}"
            )
        return self

    @model_validator(mode="after")
    def _cross_hop(self) -> Config:
        limit = self.hop_payload_limit_mb
        if self.api.max_payload_mb is not None and self.api.max_payload_mb > limit:
            kind = "serverless" if self.endpoint.serverless else "real-time"
            raise ValueError(  # "key: ..." so that the problem is listed under its key
                f"api.max_payload_mb: {self.api.max_payload_mb:g} MB is more than every hop "
                f"accepts: {limit} MB (HTTP API {HTTP_API_PAYLOAD_MB}, Lambda "
                f"{LAMBDA_EVENT_BODY_MB} in its {LAMBDA_PAYLOAD_MB} MB event, {kind} endpoint "
                f"{self.endpoint.max_payload_mb}); lower it to at most {limit}, or remove it for "
                "the smallest hop's"
            )
        return self

    @property
    def all_tags(self) -> dict[str, str]:
        """User tags plus the two every resource carries (used for discovery), and in an
        environment the ``environment`` tag (which stack of the project it belongs to)."""
        env = {"environment": self._environment} if self._environment else {}
        return {**self.tags, "project": self.project, "managed-by": MANAGED_BY, **env}

    def names(self, account: str) -> Names:
        """The names of this deployment's resources in ``account``."""
        return Names(self.project, account, self.region, self._environment)

    @property
    def hop_payload_limit_mb(self) -> int:
        """The largest request every hop accepts (HTTP API, Lambda, the endpoint kind)."""
        return min(HTTP_API_PAYLOAD_MB, LAMBDA_EVENT_BODY_MB, self.endpoint.max_payload_mb)

    @property
    def max_payload_bytes(self) -> int:
        """api.max_payload_mb, or the hop limit when unset."""
        mb = self.api.max_payload_mb or self.hop_payload_limit_mb
        return int(mb * 1024 * 1024)

    @property
    def lambda_timeout_s(self) -> int:
        """Convenience: the Lambda timeout (always < the HTTP API 30 s cap)."""
        return self.api.lambda_.timeout_s


# A model-level message may name the key it is about: "deployment.strategy: ...".
_KEYED = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): (.*)$", re.DOTALL)


# ---------------------------------------------------------------------------- environments
# `environments:` name → overrides deep-merged over the top-level keys; `preview:` the template
# of every pull request's `pr-<N>`. Environment names become part of every resource name.
ENV_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
ENV_NAME_MAX = 20
# Keys an environment cannot override: they say where the one image lives and what it is.
NOT_PER_ENVIRONMENT = {
    "project": "every environment belongs to the one project",
    "region": "environments share the project's region and its image repository",
    "model": "one image is built and promoted through the environments",
    "environments": "environments do not nest",
    "preview": "the preview template is a top-level key",
}
RESERVED_ENV_TAG = (
    "reserved in a config with environments, in any case: every resource of an environment is "
    f"tagged environment=<its name>, which is how it is told apart, and {CASE_INSENSITIVE_TAGS}; "
    "choose another key"
)


# A preview is serverless unless its template says otherwise (`serverless: null`): it costs
# nothing while idle. Autoscaling and canaries need instances, so the template drops them.
# `preview:` keys about the previews themselves, not their stack (not overrides of a Config).
# max_idle_days: the sweep removes a preview no deploy has reached for that many days, its pull
# request still open and labelled (0 or null: never for idling). A forgotten pull request's
# preview otherwise runs however long; an instance-backed one is billed every hour of it.
PREVIEW_MAX_IDLE_DAYS = 14
PREVIEW_MAX_IDLE_DAYS_LIMIT = 365
PREVIEW_SETTINGS = ("max_idle_days",)
PREVIEW_DEFAULTS: dict[str, Any] = {
    "log_retention_days": 3,
    "endpoint": {
        "serverless": {"memory_mb": 2048, "max_concurrency": 1},
        "autoscaling": None,
        "deployment": {"strategy": "all-at-once", "rollback_alarms": []},
    },
}


def deep_merge(base: Any, overrides: Any) -> Any:
    """``overrides`` over ``base``: mappings merge key by key, anything else (a list, a
    scalar, null) replaces."""
    if isinstance(base, dict) and isinstance(overrides, dict):
        out = dict(base)
        for key, value in overrides.items():
            out[key] = deep_merge(base.get(key), value) if key in base else value
        return out
    return overrides


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class in a field's type (``X``, ``X | None``, ``Annotated[X, ...]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, Annotated):
        return next(filter(None, map(_model_of, typing.get_args(annotation))), None)
    return None


def _field(model: type[BaseModel] | None, key: str) -> FieldInfo | None:
    """The field of ``model`` that config.yaml calls ``key`` (its alias, else its name)."""
    fields = model.model_fields if model else {}
    return next((f for n, f in fields.items() if key == (f.alias or n)), None)


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    """The model that validates the mapping at ``loc`` (``["api", "lambda"]``: LambdaConfig)."""
    model: type[BaseModel] | None = Config
    for part in loc:
        found = _field(model, part)
        model = _model_of(found.annotation) if found else None
    return model


def _known_keys(loc: list[str], prefix: str) -> list[str]:
    """The keys config.yaml allows where ``loc`` ends (its last part is the unknown key), as
    written in YAML (``lambda``, not ``lambda_``); the top level of the file has two more, and
    `preview:` its own settings (``prefix``: where the validated mapping sits in the file)."""
    model = _model_at(loc[:-1])
    if model is None:
        return []
    keys = [f.alias or n for n, f in model.model_fields.items()]
    if model is Config and not prefix:
        return [*keys, "environments", "preview"]
    if model is Config and prefix == "preview.":
        return [*keys, *PREVIEW_SETTINGS]
    return keys


def _unknown_key(loc: list[str], prefix: str) -> str:
    """Why a key is refused, with the nearest allowed key at its level when one is close:
    `instance_typ` is most likely `instance_type`."""
    close = difflib.get_close_matches(loc[-1], _known_keys(loc, prefix), n=1, cutoff=0.6)
    if close:
        return (
            f"unknown key: did you mean {close[0]!r}? "
            "(see the Configuration table in docs/configuration.md)"
        )
    return "unknown key (check the spelling; see the Configuration table in docs/configuration.md)"


# What a value of the wrong type should have been, by pydantic's error type.
_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping of its keys (key: value, indented below it)",
    "model_attributes_type": "a mapping of its keys (key: value, indented below it)",
}


def _as_yaml_reads(value: Any) -> str:
    """A parsed value as the user would write it back: ``true``, ``(empty)``, ``'text'``."""
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime.datetime):  # YAML 1.1 reads 2024-01-01T10:00:00Z as one
        return "a date and time"
    if isinstance(value, datetime.date):  # and 2024-01-01 as a date
        return "a date"
    return repr(value)


def _got(value: Any, written: str | None) -> str:
    """The value as written in config.yaml, and as YAML read it when that differs (``yes``
    is a boolean to YAML, ``~`` is null): the user sees their text, not Python's."""
    read = _as_yaml_reads(value)
    if written is None or written == read or isinstance(value, str):
        return read
    if value is None and written == "":
        return read
    return f"{written} (YAML reads it as {'null: empty' if value is None else read})"


def _wrong_type(loc: list[str], value: Any, written: str | None, expected: str) -> str:
    """What was given, what is expected, and how to write it: a key left empty or a YAML
    boolean/number where a string belongs are the usual cases."""
    msg = f"got {_got(value, written)}, expected {expected}"
    if value is None:
        found = _field(_model_at(loc[:-1]), loc[-1]) if loc else None
        default = getattr(found, "default", None)
        keep = f" ({default!r})" if isinstance(default, (str, int, float)) else ""
        return f"{msg}: write a value after the colon, or remove the line for the default{keep}"
    if expected == "a string" and isinstance(value, (bool, int, float, datetime.date)):
        text = written if written is not None else _as_yaml_reads(value)
        return f'{msg}: quote it, "{text}"'
    return msg


_RANGE_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def _bounds(found: FieldInfo | None) -> dict[str, Any]:
    """A field's ge/gt/le/lt, from its metadata and from an ``Annotated`` inside ``X | None``."""
    metadata = list(found.metadata) if found else []
    for arg in typing.get_args(found.annotation) if found else ():
        metadata += getattr(arg, "__metadata__", ())
    return {
        name: getattr(m, name)
        for m in metadata
        for name in ("ge", "gt", "le", "lt")
        if getattr(m, name, None) is not None
    }


def _plain(n: float) -> str:
    """``10000``, not ``10000.0``."""
    return str(int(n)) if float(n).is_integer() else str(n)


def range_said(bounds: dict[str, Any]) -> str:
    """A range in words, as docs/configuration.md writes it: ``1–100``, ``more than 0, at most
    10000``, ``1 or more``."""
    low = (
        _plain(bounds["ge"])
        if "ge" in bounds
        else (f"more than {_plain(bounds['gt'])}" if "gt" in bounds else "")
    )
    high = (
        _plain(bounds["le"])
        if "le" in bounds
        else (f"less than {_plain(bounds['lt'])}" if "lt" in bounds else "")
    )
    if "ge" in bounds and "le" in bounds:
        return f"{low}–{high}"
    if low and high:
        return f"{low}, at most {high}" if "le" in bounds else f"{low}, {high}"
    if "ge" in bounds:
        return f"{low} or more"
    return low or (f"at most {high}" if "le" in bounds else high)


def _out_of_range(loc: list[str], e: Any, written: str | None) -> str:
    """``got -1; allowed 1–100``: pydantic names only the end that was crossed ('Input should
    be greater than or equal to 1'), and a person fixing the file needs the whole range."""
    found = _field(_model_at(loc[:-1]), loc[-1]) if loc else None
    bounds = {**_bounds(found), **(e.get("ctx") or {})}
    why = f" ({found.description})" if found and found.description else ""
    return f"got {_got(e['input'], written)}; allowed {range_said(bounds)}{why}"


def _format_errors(
    err: ValidationError, prefix: str = "", written: dict[str, str] | None = None
) -> list[str]:
    lines = []
    written = written or {}
    for e in err.errors():
        loc = [str(p) for p in e["loc"]]
        msg = e["msg"].removeprefix("Value error, ")
        keyed = _KEYED.match(msg) if e["type"] == "value_error" else None
        if keyed:
            loc.append(keyed.group(1))
            msg = keyed.group(2)
        key = prefix + (".".join(loc) or "(top level)")
        # An environment's value not in its overrides was merged in from the top level.
        as_written = written.get(key, written.get(".".join(loc)))
        if e["type"] == "extra_forbidden":
            msg = _unknown_key(loc, prefix)
        elif e["type"] in _EXPECTED:
            msg = _wrong_type(loc, e["input"], as_written, _EXPECTED[e["type"]])
        elif e["type"] in _RANGE_ERRORS:
            msg = _out_of_range(loc, e, as_written)
        elif e["type"] != "value_error" and not isinstance(e["input"], (dict, list)):
            msg = f"{msg}, got {_got(e['input'], as_written)}"
        lines.append(f"{key}: {msg}")
    return lines


def _validate(
    data: dict[str, Any], prefix: str, env: str | None, written: dict[str, str] | None = None
) -> tuple[Config | None, list[str]]:
    """One deployment's Config, or the problems found (keys prefixed with where they are;
    ``written``: each scalar's text in config.yaml by key, to show values as written)."""
    try:
        cfg = Config.model_validate(data)
    except ValidationError as err:
        return None, _format_errors(err, prefix, written)
    problems = []
    where = prefix.rstrip(".") or "project"
    shown = LONGEST_PREVIEW if env == LONGEST_PREVIEW else env
    for problem in name_problems(Names(cfg.project, SAMPLE_ACCOUNT, cfg.region, env)):
        hint = "a shorter project or environment name" if env else "a shorter project name"
        problems.append(
            f"{where}: {_said([problem])} (with {shown or 'no environment'}); use {hint}"
        )
    cfg._environment = env
    return cfg, problems


def _env_name_problem(name: Any) -> str | None:
    if name in _known_keys(["?"], ""):
        return (
            f"{name!r} is a top-level key, not an environment name: indented one level too "
            f"little? To set it for one environment, write it under that environment "
            f"(environments.<name>.{name}); for all of them, at the top level, not under "
            "environments"
        )
    if not isinstance(name, str) or not ENV_NAME_RE.fullmatch(name) or len(name) > ENV_NAME_MAX:
        return (
            f"{name!r} is not an environment name: 1-{ENV_NAME_MAX} lowercase letters, "
            "digits and single dashes, starting with a letter (it becomes part of every "
            "resource name)"
        )
    if name == PREVIEW_PREFIX.rstrip("-") or name.startswith(PREVIEW_PREFIX):
        return (
            f"{name!r}: names `pr` and `pr-*` are the pull-request previews' (the preview role "
            "may change every `{project}-pr-*` resource); choose another name"
        )
    before = env_in_previews_of(name)
    if before:
        other = f"{{project}}-{before}"
        return (
            f"{name!r} has `-pr-` in it or ends in `-pr`: its names (`{{project}}-{name}-detect` "
            f"…) would also be one of the pull-request previews of a project named `{other}` in "
            f"the same account, whose preview role may change every `{other}-pr-*` resource and "
            "whose preview sweep removes them. Choose a name without `-pr-` that does not end "
            "in `-pr`. An environment already deployed under it: destroy it first with the code "
            "from before this rule (the parent of the first commit `git log --reverse "
            "--format=%h -S env_in_previews_of -- deploy/naming.py` names), then apply under "
            "the new name"
        )
    return None


def _env_tag_keys(tags: Any) -> list[str]:
    """The keys of ``tags`` that are the `environment` tag to IAM (any case)."""
    return [k for k in tags if str(k).lower() == "environment"] if isinstance(tags, dict) else []


def _overrides(value: Any, prefix: str) -> tuple[dict[str, Any], list[str]]:
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        return {}, [f"{prefix}: must be a mapping of overrides of the top-level keys (or {{}})"]
    problems = [
        f"{prefix}.{key}: cannot differ per environment ({why}); set it at the top level"
        for key, why in NOT_PER_ENVIRONMENT.items()
        if key in value
    ]
    problems += [f"{prefix}.tags.{k}: {RESERVED_ENV_TAG}" for k in _env_tag_keys(value.get("tags"))]
    return value, problems


@dataclass(frozen=True)
class ConfigFile:
    """The whole config.yaml: the top-level deployment, its environments, the preview template.

    ``select(env)`` gives the Config of one deployment. Without `environments:` the top level
    is the deployment (as before environments existed); with them, every command names one.
    """

    path: Path
    base: Config
    environments: dict[str, Config] = field(default_factory=dict)
    preview_data: dict[str, Any] | None = None  # top level + preview defaults + template
    # `preview.max_idle_days`: None when previews never expire for idling (or there are none).
    preview_max_idle_days: int | None = None
    preview_overrides: dict[str, Any] | None = None  # what `preview:` itself writes

    @property
    def has_environments(self) -> bool:
        return bool(self.environments)

    @property
    def previews_enabled(self) -> bool:
        return self.preview_data is not None

    def choices(self) -> str:
        """What --env accepts, for error messages."""
        names = list(self.environments)
        if self.previews_enabled:
            names.append("pr-<N> (a pull request's preview)")
        return ", ".join(names) or "none"

    def preview(self, env: str, removing: bool = False) -> Config:
        """A preview's Config. ``removing`` (destroy): one left in AWS after `preview:` was
        taken out of config.yaml is still named: destroy needs its names alone, which come from
        the project and region (the top level's), never from the template."""
        if self.preview_data is None:
            if removing:
                cfg = self.base.model_copy(deep=True)
                cfg._environment = env
                return cfg
            raise ConfigError(
                f"{self.path}: --env {env}: previews need a `preview:` template in config.yaml "
                f"(without one, `python -m deploy destroy --yes --env {env}` still removes a "
                "preview left in AWS)"
            )
        cfg, problems = _validate(self.preview_data, "preview.", env)
        if cfg is None or problems:
            raise ConfigError(_report(self.path, problems))
        cfg._own = (self.preview_overrides, "preview.")
        return cfg

    def select(self, env: str | None, removing: bool = False) -> Config:
        """The Config of one deployment; errors say which names exist (``removing``: for
        destroy, which may remove a preview whose template is gone)."""
        if env is None:
            if self.has_environments:
                raise ConfigError(
                    f"{self.path} defines environments ({', '.join(self.environments)}): "
                    "pass --env NAME"
                )
            return self.base
        if env in self.environments:
            return self.environments[env]
        if PREVIEW_RE.fullmatch(env):
            return self.preview(env, removing)
        if not self.has_environments and not self.previews_enabled:
            raise ConfigError(
                f"{self.path}: --env {env}: config.yaml has no `environments:` (nor `preview:`); "
                "drop --env to use the single deployment"
            )
        way_out = (
            f" (if {env} was deployed and has since been taken out of config.yaml: put it back "
            f"under `environments:`, run this destroy, then take it out; docs/environments.md)"
            if removing
            else ""
        )
        raise ConfigError(
            f"{self.path}: --env {env}: not an environment; choose {self.choices()}{way_out}"
        )


def _key_of(problem: str) -> str:
    """The dotted key a problem line names (``endpoint.instance_type: ...``)."""
    return problem.split(": ", 1)[0]


def _sets(overrides: Any, key: str) -> bool:
    """Whether ``overrides`` writes ``key`` (a dotted path) or a value that replaces it."""
    node = overrides
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


INSTANCE_KEYS = ("instance_type", "instance_count")


def _instances_beside_serverless(
    cfg: Config | None, written: Any, prefix: str, inherited_from: str
) -> list[str]:
    """Instance keys written where the endpoint ends up serverless. A ``serverless:`` block
    replaces instances, so they would be silently ignored: a production that writes
    ``instance_count: 2`` under a serverless top level would run serverless. ``written``: the
    keys this level writes; ``inherited_from``: where its serverless block comes from when it
    does not write one (the top level always writes its own)."""
    if cfg is None or cfg.endpoint.serverless is None:
        return []
    keys = [k for k in INSTANCE_KEYS if _sets(written, f"endpoint.{k}")]
    if not keys:
        return []
    named = " and ".join(keys)
    if _sets(written, "endpoint.serverless"):
        return [
            f"{prefix}endpoint: sets {named} beside serverless, which replaces instances "
            f"({named} would be ignored): remove {named} for a serverless endpoint, or "
            "serverless for instances"
        ]
    return [
        f"{prefix}endpoint: sets {named}, but the endpoint is serverless (inherited from "
        f"{inherited_from}), which replaces instances: add `serverless: null` under "
        f"{prefix}endpoint to run instances, or remove {named}"
    ]


ALARMS_KEY = "endpoint.deployment.rollback_alarms"


def _alarms_without_canary(
    cfg: Config | None, written: Any, prefix: str, fix: str | None = None
) -> list[str]:
    """Rollback alarms a level writes where its deployment rolls out all at once. SageMaker's
    default rollout takes no DeploymentConfig, so UpdateEndpoint never got them and a rollout
    believed guarded was not. Alarms a level inherits are not its own: an environment that
    turns the top level's canary off does not ask for them (nor does a preview, whose defaults
    empty them). ``fix``: what to do instead, when not to set this level's strategy."""
    if cfg is None or not _sets(written, ALARMS_KEY):
        return []
    d = cfg.endpoint.deployment
    if d.strategy == "canary" or not d.rollback_alarms:
        return []
    fix = fix or (
        f"set {prefix}endpoint.deployment.strategy: canary (instances, at least 2), or remove "
        "rollback_alarms"
    )
    return [
        f"{prefix}{ALARMS_KEY}: {', '.join(map(repr, d.rollback_alarms))} with strategy "
        f"'{d.strategy}', which sends no alarms: SageMaker rolls back on an alarm only in a "
        f"canary rollout, so apply would drop them and the rollout would go unguarded; {fix}"
    ]


def _top_alarms_unused(base: Config | None, top: Any, deployments: list[Config]) -> list[str]:
    """With environments the top level is no deployment, only what they inherit: its alarms
    are refused when none of them (``deployments``) rolls out a canary with them."""
    if any(c.endpoint.deployment.strategy == "canary" for c in deployments):
        return []
    fix = (
        "no environment sets strategy: canary either: set it (instances, at least 2) in those "
        "they should guard, or remove rollback_alarms"
    )
    return _alarms_without_canary(base, top, "", fix)


def _not_inherited(found: list[str], prefix: str, overrides: Any, top: list[str]) -> list[str]:
    """An environment's problems without those it only inherits: a bad top-level key is
    reported once, at the top level, not again under every environment that does not set it,
    nor under one that merges its own keys into it (`tags:`) when the problem is the top
    level's word for word (its bad tag, not the environment's)."""
    top_keys = {_key_of(p) for p in top}
    return [
        p
        for p in found
        if not (
            _key_of(p).startswith(prefix)
            and (key := _key_of(p).removeprefix(prefix)) in top_keys
            and (not _sets(overrides, key) or p.removeprefix(prefix) in top)
        )
    ]


def _preview_settings(
    overrides: dict[str, Any], written: dict[str, str] | None
) -> tuple[dict[str, Any], int | None, list[str]]:
    """`preview:` split into the template (overrides of the stack) and its own settings:
    ``max_idle_days`` checked here, as YAML read it (``yes`` is true, not 1 day)."""
    template = {k: v for k, v in overrides.items() if k not in PREVIEW_SETTINGS}
    days = _lax_int(overrides.get("max_idle_days", PREVIEW_MAX_IDLE_DAYS))
    whole = isinstance(days, int) and not isinstance(days, bool)
    if days is None or (whole and 0 <= days <= PREVIEW_MAX_IDLE_DAYS_LIMIT):
        return template, days or None, []
    key = "preview.max_idle_days"
    return (
        template,
        None,
        [
            f"{key}: got {_got(days, (written or {}).get(key))}, expected a whole number of days "
            f"from 0 to {PREVIEW_MAX_IDLE_DAYS_LIMIT}: the sweep removes a preview that no "
            "deploy (a push to its pull request) has reached for that many days; 0 or null: "
            f"never for being idle; without the key: {PREVIEW_MAX_IDLE_DAYS}"
        ],
    )


def _report(path: Path, problems: list[str]) -> str:
    lines = [f"{path}: {counted(len(problems), 'problem')}:", *(f"  - {p}" for p in problems)]
    return "\n".join(lines)


def parse_config_file(
    data: Any, path: str | Path = "config.yaml", written: dict[str, str] | None = None
) -> ConfigFile:
    """Validate already-parsed YAML data, every environment and the preview template
    included; raise ConfigError naming every bad key (``environments.staging.endpoint...``).
    ``written``: the scalars' text as in the file (``yes``, ``~``), see ``_written``."""
    path = Path(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        dash = (
            " with no '- ' before the key (that makes a list item)"
            if isinstance(data, list)
            else ""
        )
        raise ConfigError(
            f"{path}: the top level must be a mapping of keys (key: value lines), got "
            f"{_got(data, (written or {}).get(''))}: write one key per line{dash}, e.g. "
            "`project: trends-anomaly` (see docs/configuration.md)"
        )
    top = {k: v for k, v in data.items() if k not in ("environments", "preview")}
    envs_data = data.get("environments")
    preview_raw = data.get("preview", ...)
    staged = envs_data is not None or preview_raw is not ...
    base, problems = _validate(top, "", None, written)
    top_problems = list(problems)
    problems += _instances_beside_serverless(base, top, "", "")
    if envs_data is None:
        problems += _alarms_without_canary(base, top, "")
    if base is not None and staged:
        problems += [f"tags.{k}: {RESERVED_ENV_TAG}" for k in _env_tag_keys(base.tags)]
    environments: dict[str, Config] = {}
    if envs_data is not None and not isinstance(envs_data, dict):
        problems.append("environments: must be a mapping of environment name → overrides")
    elif envs_data == {} or (envs_data is None and "environments" in data):
        problems.append("environments: empty; name at least one (e.g. staging: {}) or remove it")
    for name, value in (envs_data or {}).items() if isinstance(envs_data, dict) else ():
        bad_name = _env_name_problem(name)
        if bad_name:
            problems.append(f"environments.{name}: {bad_name}")
            continue
        overrides, found = _overrides(value, f"environments.{name}")
        problems += found
        if found:
            continue
        prefix = f"environments.{name}."
        cfg, found = _validate(deep_merge(top, overrides), prefix, name, written)
        if cfg is not None:
            cfg._own = (overrides, prefix)
        problems += _not_inherited(found, prefix, overrides, top_problems)
        problems += _instances_beside_serverless(cfg, overrides, prefix, "the top level")
        problems += _alarms_without_canary(cfg, overrides, prefix)
        if cfg is not None:
            environments[name] = cfg
    preview_data, max_idle_days, preview_overrides = None, None, None
    if preview_raw is not ...:
        overrides, found = _overrides(preview_raw, "preview")
        problems += found
        if not found:
            overrides, max_idle_days, found = _preview_settings(overrides, written)
            problems += found
            preview_data = deep_merge(deep_merge(top, PREVIEW_DEFAULTS), overrides)
            preview_overrides = overrides
            cfg, found = _validate(preview_data, "preview.", LONGEST_PREVIEW, written)
            own = deep_merge(PREVIEW_DEFAULTS, overrides)
            problems += _not_inherited(found, "preview.", own, top_problems)
            problems += _instances_beside_serverless(
                cfg, overrides, "preview.", "the previews' default (serverless)"
            )
            problems += _alarms_without_canary(cfg, overrides, "preview.")
            if cfg is not None and cfg.endpoint.autoscaling is not None:
                problems.append(
                    "preview.endpoint.autoscaling: previews cannot autoscale (the preview role "
                    "has no Application Auto Scaling permission: its targets cannot be limited "
                    "to the previews' endpoints); remove it"
                )
    if isinstance(envs_data, dict) and envs_data and len(environments) == len(envs_data):
        problems += _top_alarms_unused(base, top, list(environments.values()))
    if problems or base is None:
        raise ConfigError(_report(path, problems))
    return ConfigFile(path, base, environments, preview_data, max_idle_days, preview_overrides)


def parse_config(data: Any, path: str | Path = "config.yaml") -> Config:
    """Validate already-parsed YAML data (environments included); the top-level Config."""
    return parse_config_file(data, path).base


def _written(node: yaml.Node | None, key: str = "") -> dict[str, str]:
    """Every scalar's text as written in the file, by dotted key (``project`` → ``yes``):
    YAML reads ``yes`` as true and an empty value as null, and a message that says
    ``got true`` for ``project: yes`` leaves the user guessing."""
    if isinstance(node, yaml.ScalarNode):
        return {key: node.value}
    if isinstance(node, yaml.MappingNode):
        out: dict[str, str] = {}
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                out |= _written(v, f"{key}.{k.value}" if key else k.value)
        return out
    if isinstance(node, yaml.SequenceNode):
        out = {}
        for i, item in enumerate(node.value):
            out |= _written(item, f"{key}.{i}")
        return out
    return {}


def _takes_number(key: str) -> bool:
    """Whether the dotted file key names a number of Config (in an environment or the preview
    template too) or preview.max_idle_days."""
    if key == "preview.max_idle_days":
        return True
    parts = key.split(".")
    if parts[0] == "environments":
        parts = parts[2:]
    elif parts[0] == "preview":
        parts = parts[1:]
    found = _field(_model_at(parts[:-1]), parts[-1]) if parts else None
    return found is not None and _number_kind(found.annotation) is not None


def load_config_file(path: str | Path = "config.yaml") -> ConfigFile:
    """Read and validate config.yaml (relative paths are resolved against the CWD)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: file not found (pass --config PATH)") from None
    except UnicodeDecodeError as err:  # found, but an editor saved it in another encoding
        raise ConfigError(not_utf8(p, err)) from None
    except OSError as err:  # a directory, no permission
        why = err.strerror or err
        raise ConfigError(f"{p}: cannot be read ({why}; pass --config PATH)") from None
    loader = None
    try:  # one parse: the node tree gives both the data and the scalars as written
        loader = yaml.SafeLoader(text)  # refuses a control character here, before parsing
        node = loader.get_single_node()
        # Before any other walk, which would recurse into a cycle or walk the expansion.
        endless = aliases_into_themselves(node) or aliases_expand_too_far(node)
        if endless:
            raise ConfigError(_report(p, endless))
        # Before constructing: merge keys rewrite the node.
        early = duplicate_keys(node) + keys_not_text(node)
        early += tags_refused(node) + merges_not_mappings(node)
        early += numbers_in_another_base(node, _takes_number) + tags_unreadable(node)
        if early:  # constructing may fail where they are (`!!int two`)
            raise ConfigError(_report(p, early))
        data = loader.construct_document(node) if node is not None else None
        written = _written(node)
    except yaml.YAMLError as err:
        raise ConfigError(yaml_error(p, text, err)) from None
    finally:
        if loader is not None:
            loader.dispose()
    return parse_config_file(data, p, written)


def load_config(path: str | Path = "config.yaml", env: str | None = None) -> Config:
    """The Config of one deployment of config.yaml: ``env`` None is the top level (project,
    region: what is shared), else that environment's."""
    file = load_config_file(path)
    return file.select(env) if env is not None else file.base
