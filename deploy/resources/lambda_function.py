"""The Lambda between the HTTP API and the endpoint, and its permissions to be invoked by the API.

The code is a deterministic zip of lambda/*.py, compared with what Lambda reports as
CodeSha256, so the function is updated only when its code or settings really changed. One
permission per API route (`deploy.api_surface.ROUTES`), each limited to this API and route.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from deploy import budget
from deploy.api_surface import ROUTES
from deploy.aws import DeployError
from deploy.aws_errors import ErrorKind
from deploy.naming import Names
from deploy.plan import Action, Call, Change, Poll, Ref, Step, Wait
from deploy.resources.base import (
    BUSY,
    GONE_OK,
    WHILE_BUSY,
    WHILE_PROPAGATING,
    PlanContext,
    ResourceType,
    fields_of,
    reconcile,
)
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs

HANDLER = "handler.handler"
PRINCIPAL = "apigateway.amazonaws.com"
INVOKE = "lambda:InvokeFunction"
READY_TIMEOUT_S = budget.LAMBDA_READY_S
PROPAGATING = frozenset({ErrorKind.PROPAGATING})
_SETTINGS = ("runtime", "handler", "role_arn", "memory_mb", "timeout_s", "environment")


@dataclass(frozen=True)
class FunctionSpec:
    KIND: ClassVar[str] = "lambda_function"
    name: str
    arn: str = field(compare=False)
    runtime: str
    handler: str
    role_arn: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    code_sha256: str
    zip: bytes = field(compare=False, repr=False)
    role_name: str = field(compare=False)
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenFunction:
    KIND: ClassVar[str] = "lambda_function"
    name: str
    arn: str
    runtime: str | None
    handler: str | None
    role_arn: str | None
    memory_mb: int | None
    timeout_s: int | None
    environment: dict[str, str]
    code_sha256: str | None
    tags: dict[str, str]
    state: str | None = None
    last_update: str | None = None


@dataclass(frozen=True)
class PermissionSpec:
    """``name`` is the statement id; ``source_arn`` may wait for the API's id."""

    KIND: ClassVar[str] = "lambda_permission"
    name: str
    function: str = field(compare=False)
    principal: str = PRINCIPAL
    action: str = INVOKE
    source_arn: str | Ref = ""


@dataclass(frozen=True)
class SeenPermission:
    KIND: ClassVar[str] = "lambda_permission"
    name: str
    function: str
    principal: str | None
    action: str | None
    source_arn: str | None


def function_environment(cfg: Config) -> dict[str, str]:
    """The function's environment (devstack gives the local handler the same)."""
    timeout = cfg.api.lambda_.timeout_s
    return {
        "ENDPOINT_NAME": cfg.names("").endpoint,
        # Leave the function time to answer with a clear 504 before its own timeout.
        "INVOKE_READ_TIMEOUT_SECONDS": str(max(1, timeout - 4)),
        # Request size every hop accepts (validated in config.py).
        "MAX_BODY_BYTES": str(cfg.max_payload_bytes),
    }


def desired(cfg: Config, inp: Inputs) -> list[FunctionSpec | PermissionSpec]:
    n = inp.names
    lam = cfg.api.lambda_
    out: list[FunctionSpec | PermissionSpec] = [
        FunctionSpec(
            name=n.function,
            arn=n.function_arn,
            runtime=lam.runtime,
            handler=HANDLER,
            role_arn=n.role_arn(n.lambda_role),
            memory_mb=lam.memory_mb,
            timeout_s=lam.timeout_s,
            environment=function_environment(cfg),
            code_sha256=inp.lambda_package.sha256_b64,
            zip=inp.lambda_package.data,
            role_name=n.lambda_role,
            tags=cfg.all_tags,
        )
    ]
    for route in ROUTES:
        arn = partial(n.api_execute_arn, route=route)
        out.append(
            PermissionSpec(n.permission_sid(route), n.function, source_arn=Ref("api_id", arn))
        )
    return out


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[Any]:
    got = aws.read("lambda", "GetFunction", FunctionName=names.function)
    if not got:
        return []
    c = got["Configuration"]
    out: list[Any] = [
        SeenFunction(
            name=names.function,
            arn=c["FunctionArn"],
            runtime=c.get("Runtime"),
            handler=c.get("Handler"),
            role_arn=c.get("Role"),
            memory_mb=c.get("MemorySize"),
            timeout_s=c.get("Timeout"),
            environment=c.get("Environment", {}).get("Variables", {}),
            code_sha256=c.get("CodeSha256"),
            tags=got.get("Tags", {}),
            state=c.get("State"),
            last_update=c.get("LastUpdateStatus"),
        )
    ]
    policy = aws.read("lambda", "GetPolicy", FunctionName=names.function)
    for st in json.loads(policy["Policy"]).get("Statement", []) if policy else []:
        sid = st.get("Sid", "")
        if not sid.startswith(names.permission_sid_prefix):
            continue
        principal = st.get("Principal", {})
        out.append(
            SeenPermission(
                name=sid,
                function=names.function,
                principal=principal.get("Service") if isinstance(principal, dict) else principal,
                action=st.get("Action"),
                source_arn=st.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn"),
            )
        )
    return out


# --- waits ---------------------------------------------------------------------------------------
def ready(aws: Aws, name: str) -> Poll:
    """Done when the function is Active and no update is in progress."""
    c = aws.read("lambda", "GetFunctionConfiguration", FunctionName=name)
    if c is None:
        raise DeployError(f"Lambda {name}: disappeared while waiting for it")
    if c.get("State") == "Failed" or c.get("LastUpdateStatus") == "Failed":
        raise DeployError(
            f"Lambda {name}: update failed: "
            f"{c.get('LastUpdateStatusReason') or c.get('StateReason')}"
        )
    done = c.get("State", "Active") == "Active" and c.get("LastUpdateStatus") != "InProgress"
    return done, f"{c.get('State')} / last update {c.get('LastUpdateStatus')}"


def _ready(name: str) -> Wait:
    return Wait(f"Lambda {name} is ready", partial(ready, name=name), READY_TIMEOUT_S, 2.0)


# --- plan ----------------------------------------------------------------------------------------
def _settings(spec: FunctionSpec) -> dict[str, Any]:
    return {
        "Runtime": spec.runtime,
        "Handler": spec.handler,
        "Role": spec.role_arn,
        "MemorySize": spec.memory_mb,
        "Timeout": spec.timeout_s,
        "Environment": {"Variables": spec.environment},
    }


def _create(spec: FunctionSpec, role_is_new: bool) -> tuple[Step, ...]:
    # A role created or changed moments ago: Lambda says "The role defined for the function
    # cannot be assumed by Lambda." (InvalidParameterValueException) until IAM has propagated
    # it. Retried then, and only then, and only that error.
    return (
        Call(
            "lambda",
            "CreateFunction",
            {
                "FunctionName": spec.name,
                "Code": {"ZipFile": spec.zip},
                "Publish": False,
                "Tags": spec.tags or {},
                **_settings(spec),
            },
            # Also when the role is not new to this plan: an apply that stopped moments after
            # creating it leaves it just as unpropagated (shorter bound then).
            retry_on=PROPAGATING,
            retry_s=budget.IAM_PROPAGATION_S if role_is_new else budget.BUSY_RETRY_S,
            retry_why=WHILE_PROPAGATING,
        ),
        _ready(spec.name),
    )


def _update(
    spec: FunctionSpec, seen: SeenFunction, changes: tuple[Change, ...], role_is_new: bool
) -> tuple[Step, ...]:
    changed = fields_of(changes)
    steps: list[Step] = []
    busy = seen.last_update == "InProgress" or seen.state not in (None, "Active")
    if busy and changed & {*_SETTINGS, "code_sha256"}:
        steps.append(_ready(spec.name))
    if changed & set(_SETTINGS):
        retry = BUSY | (PROPAGATING if role_is_new else frozenset())
        steps.append(
            Call(
                "lambda",
                "UpdateFunctionConfiguration",
                {"FunctionName": spec.name, **_settings(spec)},
                retry_on=retry,
                retry_s=budget.IAM_PROPAGATION_S if role_is_new else budget.BUSY_RETRY_S,
                retry_why=f"{WHILE_BUSY} or {WHILE_PROPAGATING}" if role_is_new else WHILE_BUSY,
            )
        )
        steps.append(_ready(spec.name))
    if "code_sha256" in changed:
        steps.append(
            Call(
                "lambda",
                "UpdateFunctionCode",
                {"FunctionName": spec.name, "ZipFile": spec.zip},
                retry_on=BUSY,
                retry_why=WHILE_BUSY,
            )
        )
        steps.append(_ready(spec.name))
    if "tags" in changed:
        steps.append(Call("lambda", "TagResource", {"Resource": spec.arn, "Tags": spec.tags}))
    return tuple(steps)


def _add_permission(spec: PermissionSpec) -> Call:
    return Call(
        "lambda",
        "AddPermission",
        {
            "FunctionName": spec.function,
            "StatementId": spec.name,
            "Action": spec.action,
            "Principal": spec.principal,
            "SourceArn": spec.source_arn,
        },
    )


def _remove_permission(function: str, sid: str) -> Call:
    return Call(
        "lambda",
        "RemovePermission",
        {"FunctionName": function, "StatementId": sid},
        ok_if=GONE_OK,
    )


def plan(ctx: PlanContext) -> list[Action]:
    out = []
    for spec in ctx.desired.of_kind("lambda_function"):
        seen = ctx.world.get("lambda_function", spec.name)
        role_is_new = ctx.changing("iam_role", spec.role_name)
        out.append(
            reconcile(
                spec,
                seen,
                lambda s=spec, r=role_is_new: _create(s, r),
                lambda c, s=spec, o=seen, r=role_is_new: _update(s, o, c, r),
            )
        )
    wanted = set()
    for perm in ctx.desired.of_kind("lambda_permission"):
        wanted.add(perm.name)
        out.append(
            reconcile(
                perm,
                ctx.world.get("lambda_permission", perm.name),
                lambda p=perm: (_add_permission(p),),
                lambda _c, p=perm: (_remove_permission(p.function, p.name), _add_permission(p)),
            )
        )
    for seen in ctx.world.of_kind("lambda_permission"):
        if seen.name not in wanted:
            out.append(
                Action(
                    "delete",
                    "lambda_permission",
                    seen.name,
                    "no longer a route of the API",
                    steps=(_remove_permission(seen.function, seen.name),),
                    phase="after",
                )
            )
    return out


def destroy(world: World) -> list[Action]:
    """The function; its permissions go with it."""
    return [
        Action(
            "delete",
            "lambda_function",
            fn.name,
            "destroy, with its permissions",
            steps=(Call("lambda", "DeleteFunction", {"FunctionName": fn.name}, ok_if=GONE_OK),),
        )
        for fn in world.of_kind("lambda_function")
    ]


RESOURCE = ResourceType(
    kinds={
        "lambda_function": ("iam_role", "log_group"),
        "lambda_permission": ("lambda_function", "http_api"),
    },
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
)
