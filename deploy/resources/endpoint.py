"""The SageMaker endpoint: which config it serves, and waiting until it really does.

The plan reads the endpoint's status and picks the steps: create; switch to the new config
(blue/green, with the canary policy from config.yaml); scale the running variant in place
when only the instance count (or a serverless variant's max concurrency) changed; first wait
out a rollout already in progress; delete and re-create a Failed endpoint, or an instance one
turned serverless (SageMaker's UpdateEndpoint cannot do that). Every switch ends
in a wait that fails on `Failed`, on a timeout, and on a *silent rollback* (InService again,
but on another config).
A switch records on the endpoint's tags the config it asked for (right after UpdateEndpoint)
and, once InService on it, that config and the one that served before it: the next plan
tells a rollback (serving another config than the one asked for) and keeps the config that
really served last (`endpoint_config.served_before`).

The instance count is the endpoint's, not its config's: UpdateEndpointWeightsAndCapacities
changes the running variant's DesiredInstanceCount (the endpoint must be InService; it goes
Updating, then InService) and leaves the endpoint config, whose InitialInstanceCount then
differs from what runs. So the plan compares config.yaml's count with DescribeEndpoint's
DesiredInstanceCount, never with the config's; a fleet created from a config (create, switch,
re-create) starts with the config's InitialInstanceCount and is scaled after when that is not
the count wanted. With autoscaling the count is Application Auto Scaling's: not scaled here.
A serverless variant has no instances; its MaxConcurrency is updated the same way
(ServerlessUpdateConfig, read back from DesiredServerlessConfig), its memory cannot be: the
API has no field for it, so a new memory is a new config and a switch.

When the SageMaker role was created or changed in the same apply, an endpoint can fail only
because IAM has not propagated the role's permission to pull the image yet (SageMaker reports
it as the endpoint's FailureReason, not as an error of CreateEndpoint); the wait then deletes
and re-creates it (or re-issues the update) a bounded number of times, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from deploy import budget
from deploy.aws import DeployError, WaitFailed, tag_list
from deploy.aws_errors import ErrorKind, endpoint_failure
from deploy.config import DeploymentConfig
from deploy.executor import Stopped
from deploy.naming import VARIANT
from deploy.plan import (
    Action,
    Call,
    Change,
    Check,
    Poll,
    Recovery,
    Ref,
    Step,
    Wait,
    differences,
)
from deploy.resources import endpoint_config
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, changed, sagemaker_tags
from deploy.resources.endpoint_config import PREVIOUS, REQUESTED, SERVING, config_spec
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs
    from deploy.naming import Names

TRANSITIONAL = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
POLL_S = 15.0
SETTLE_BEFORE_DELETE_S = budget.ENDPOINT_SETTLE_BEFORE_DELETE_S
DELETE_S = budget.ENDPOINT_DELETE_S
# How often an endpoint that failed only because IAM was still propagating is tried again.
PROPAGATION_ATTEMPTS = 2


@dataclass(frozen=True)
class EndpointSpec:
    KIND: ClassVar[str] = "endpoint"
    name: str
    config: str
    arn: str = field(compare=False)
    deployment: DeploymentConfig = field(compare=False)
    wait_timeout_s: int = field(compare=False)
    tags: dict[str, str] | None = field(default=None, compare=False)
    role_name: str = field(default="", compare=False)  # the role the model runs as
    # The variant's instances; None when they are not this plan's to set (serverless, or
    # autoscaling owns the count).
    instance_count: int | None = field(default=None, compare=False)
    # A serverless variant's MaxConcurrency (None: instances), updated in place likewise.
    max_concurrency: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenEndpoint:
    KIND: ClassVar[str] = "endpoint"
    name: str
    arn: str
    config: str | None
    status: str | None
    failure_reason: str | None
    tags: dict[str, str]
    instances: int | None = None  # the variant's DesiredInstanceCount (what was last asked)
    running: int | None = None  # its CurrentInstanceCount
    # A serverless variant's settings: DesiredServerlessConfig's MaxConcurrency (what was last
    # asked), CurrentServerlessConfig's (what it has now) and its MemorySizeInMB.
    concurrency: int | None = None
    concurrency_now: int | None = None
    memory_mb: int | None = None
    # The variant's DeployedImages as (SpecifiedImage, ResolvedImage): the image its fleet
    # runs, resolved to ``repository@sha256:…`` when SageMaker started it (a tag may since
    # name another image; the fleet still runs this one).
    images: tuple[tuple[str, str], ...] = ()
    # The config an update in progress deploys (PendingDeploymentSummary, "only returned when
    # the endpoint is creating or updating with a new endpoint configuration"); ``config`` is
    # still the one serving until it lands.
    pending: str | None = None

    @property
    def serverless(self) -> bool:
        return self.memory_mb is not None

    @property
    def headed_for(self) -> str | None:
        """The config the endpoint serves once what SageMaker is doing lands: the pending
        one during an update to a new config, else the one it names."""
        if self.status in TRANSITIONAL and self.pending:
            return self.pending
        return self.config


def _variant(ep: dict[str, Any]) -> dict[str, Any]:
    """The endpoint's production variant (DescribeEndpoint's ProductionVariants), or {}."""
    variants = ep.get("ProductionVariants") or []
    return next((v for v in variants if v.get("VariantName") == VARIANT), {})


# What the plan updates in place: the instance count, a serverless variant's max concurrency.
INSTANCES, CONCURRENCY = "instance_count", "max_concurrency"


def _serverless(variant: dict[str, Any], key: str) -> tuple[Any, Any]:
    """A serverless variant's (asked, now) ``key``: DesiredServerlessConfig's and
    CurrentServerlessConfig's."""
    asked = (variant.get("DesiredServerlessConfig") or {}).get(key)
    return asked, (variant.get("CurrentServerlessConfig") or {}).get(key)


def _capacity(variant: dict[str, Any], what: str) -> tuple[Any, Any]:
    """The variant's (asked, now) ``what``: DescribeEndpoint's Desired and Current values."""
    if what == CONCURRENCY:
        return _serverless(variant, "MaxConcurrency")
    return variant.get("DesiredInstanceCount"), variant.get("CurrentInstanceCount")


def desired(cfg: Config, inp: Inputs) -> list[EndpointSpec]:
    n = inp.names
    e = cfg.endpoint
    count = None if e.serverless or e.autoscaling else e.instance_count
    concurrency = e.serverless.max_concurrency if e.serverless else None
    return [
        EndpointSpec(
            name=n.endpoint,
            config=config_spec(cfg, n, inp.image_uri).name,
            arn=n.endpoint_arn,
            deployment=cfg.endpoint.deployment,
            wait_timeout_s=cfg.endpoint.wait_timeout_s,
            tags=cfg.all_tags,
            role_name=n.sagemaker_role,
            instance_count=count,
            max_concurrency=concurrency,
        )
    ]


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[SeenEndpoint]:
    ep = aws.read("sagemaker", "DescribeEndpoint", EndpointName=names.endpoint)
    if ep is None:
        return []
    tags = sagemaker_tags(aws, ep["EndpointArn"])
    variant = _variant(ep)
    instances, running = _capacity(variant, INSTANCES)
    concurrency, concurrency_now = _capacity(variant, CONCURRENCY)
    memory_asked, memory_now = _serverless(variant, "MemorySizeInMB")
    return [
        SeenEndpoint(
            name=names.endpoint,
            arn=ep["EndpointArn"],
            config=ep.get("EndpointConfigName"),
            status=ep.get("EndpointStatus"),
            failure_reason=ep.get("FailureReason"),
            tags=tags,
            instances=instances,
            running=running,
            concurrency=concurrency,
            concurrency_now=concurrency_now,
            memory_mb=memory_now or memory_asked,
            images=deployed_images(variant),
            pending=(ep.get("PendingDeploymentSummary") or {}).get("EndpointConfigName"),
        )
    ]


def deployed_images(variant: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(SpecifiedImage, ResolvedImage) of each image the variant's fleet runs."""
    return tuple(
        (str(d["SpecifiedImage"]), str(d["ResolvedImage"]))
        for d in variant.get("DeployedImages") or []
        if d.get("SpecifiedImage") and d.get("ResolvedImage")
    )


def status(aws: Aws, name: str) -> str | None:
    """The endpoint's status now (None: there is no endpoint)."""
    ep = aws.read("sagemaker", "DescribeEndpoint", EndpointName=name)
    return ep.get("EndpointStatus") if ep else None


# --- waits (polled by the executor) --------------------------------------------------------------
def settled(aws: Aws, name: str, want: str | None) -> Poll:
    """Done when InService (on ``want``, if given); raises when that cannot happen any more."""
    return _settled(_described(aws, name), name, want)


def _amount(what: str, count: Any) -> str:
    return f"max concurrency {count}" if what == CONCURRENCY else f"{count} instances"


def scaled(aws: Aws, name: str, want: str, count: int, what: str = INSTANCES) -> Poll:
    """Done when InService on ``want`` with ``count`` instances running (or, ``what`` being
    CONCURRENCY, that max concurrency); raises when the endpoint settled on another value (the
    update did not hold) or cannot settle."""
    ep = _described(aws, name)
    done, said = _settled(ep, name, want)
    asked, now = _capacity(_variant(ep), what)
    progress = f"{now} of {asked} instances"
    if what == CONCURRENCY:
        progress = f"max concurrency {now} of {asked}"
    if not done:
        return False, f"{said}, {progress}"
    if asked != count:
        reason = _as_said(ep.get("FailureReason"))
        quota = (
            "serverless concurrency quota"
            if what == CONCURRENCY
            else "instance quota for the endpoint's type"
        )
        raise DeployError(
            f"endpoint {name}: InService with {_amount(what, asked)}, not the {count} asked for "
            f"(reason: {reason or 'none reported'}). Check the account's {quota} and whether "
            "autoscaling or a person changed it, then run apply again"
        )
    return now == count, f"{said}, {progress}"


def _described(aws: Aws, name: str) -> dict[str, Any]:
    ep = aws.read("sagemaker", "DescribeEndpoint", EndpointName=name)
    if ep is None:
        raise DeployError(f"endpoint {name}: disappeared while waiting for it")
    return ep


def _settled(ep: dict[str, Any], name: str, want: str | None) -> Poll:
    state, config = ep.get("EndpointStatus"), ep.get("EndpointConfigName")
    reason = ep.get("FailureReason")
    said = _as_said(reason)
    if state == "Failed":
        raise WaitFailed(
            f"endpoint {name}: Failed: {said or 'no reason given'}. "
            "Fix the cause (see `python -m deploy logs`), then run apply again: a Failed "
            "endpoint is deleted and re-created",
            endpoint_failure(reason),
        )
    if state in ("InService", "OutOfService"):
        if want and config != want:
            raise WaitFailed(
                f"endpoint {name}: silent rollback: {state} on {config} instead of the new "
                f"{want}. Reason: "
                f"{said or 'none reported (check the alarms and `logs`)'}"
                f". {config}, which served before this apply, still serves: callers see no "
                "change. Fix the model or config and apply again (`python -m deploy logs` shows "
                "what the container said)",
                endpoint_failure(reason),
            )
        if state == "OutOfService":
            raise DeployError(f"endpoint {name}: OutOfService; check `python -m deploy logs`")
        return True, f"{state} on {config}"
    if state not in TRANSITIONAL:
        raise DeployError(f"endpoint {name}: unexpected status {state}")
    return False, f"{state} (config {config})"


def idle(aws: Aws, name: str) -> Poll:
    """Done when the endpoint is no longer busy, whatever it ended as (InService,
    OutOfService, Failed) or when it is gone: destroy deletes it either way, so a rollout
    that fails while destroy waits for it is no reason to stop."""
    ep = aws.read("sagemaker", "DescribeEndpoint", EndpointName=name)
    if ep is None:
        return True, "deleted"
    state = str(ep.get("EndpointStatus"))
    return state not in TRANSITIONAL, state


def deleted(aws: Aws, name: str) -> Poll:
    ep = aws.read("sagemaker", "DescribeEndpoint", EndpointName=name)
    return (ep is None, "deleted" if ep is None else str(ep.get("EndpointStatus")))


def _wait_serving(spec: EndpointSpec, recover: Recovery | None = None) -> Wait:
    return Wait(
        f"endpoint {spec.name} is InService on {spec.config}",
        partial(settled, name=spec.name, want=spec.config),
        timeout_s=spec.wait_timeout_s,
        interval_s=POLL_S,
        timeout_hint="endpoint.wait_timeout_s; apply again later to resume waiting",
        recover=recover,
    )


PROPAGATION_FAILURE = "the endpoint failed because IAM had not yet propagated the new role"


def _recreate(spec: EndpointSpec) -> Recovery:
    return Recovery(
        frozenset({ErrorKind.PROPAGATING}),
        (
            Call("sagemaker", "DeleteEndpoint", {"EndpointName": spec.name}, ok_if=GONE_OK),
            _wait_deleted(spec.name, DELETE_S),
            _create_call(spec),
        ),
        PROPAGATION_ATTEMPTS,
        PROPAGATION_FAILURE,
        "delete it and create it again",
    )


def _reswitch(spec: EndpointSpec) -> Recovery:
    return Recovery(
        frozenset({ErrorKind.PROPAGATING}),
        (_switch_call(spec),),
        PROPAGATION_ATTEMPTS,
        PROPAGATION_FAILURE + " (SageMaker rolled back)",
        "update it again",
    )


def settled_as_planned(aws: Aws, name: str, planned: tuple[str, ...], want: str) -> Poll:
    """`settled` on any config, for a switch to ``want`` planned while the endpoint was busy
    on (or updating to) the ``planned`` configs; settled on another one, it stops there.

    The plan's clean-up keeps ``want`` and the ``planned`` ones only
    (`endpoint_config.superseded`). An UpdateEndpoint by hand during the wait (to an older
    config of ours, say) leaves the endpoint on one it deletes: the switch would override that
    change, record that config as the one served before, and the clean-up would then delete it,
    leaving the record naming nothing. Nothing is switched, recorded or deleted: the next
    apply plans from what serves then."""
    ep = _described(aws, name)
    done, said = _settled(ep, name, None)
    config = ep.get("EndpointConfigName")
    if not done or config == want or config in planned:
        return done, said
    raise Stopped(
        f"endpoint {name} is {ep.get('EndpointStatus')} on {config} now, not on "
        f"{' or '.join(planned)} as when this apply planned its switch to {want}: it was "
        "switched outside this apply while the apply waited for the update in progress (an "
        f"UpdateEndpoint by hand), and switching now would override that change and record "
        f"{config} as the config served before, which this apply's clean-up, planned for "
        f"{' or '.join(planned)}, deletes; so nothing was switched: run the command again, "
        "which plans from what the endpoint serves then"
    )


def _wait_settled(name: str, timeout_s: float, planned: tuple[str, ...], want: str) -> Wait:
    return Wait(
        f"endpoint {name} has finished what it is doing, on {' or '.join((*planned, want))} "
        "(on another: stop, it was switched by hand)",
        partial(settled_as_planned, name=name, planned=planned, want=want),
        timeout_s=timeout_s,
        interval_s=POLL_S,
    )


def _wait_deleted(name: str, timeout_s: float) -> Wait:
    return Wait(
        f"endpoint {name} is deleted",
        partial(deleted, name=name),
        timeout_s=timeout_s,
        interval_s=POLL_S,
    )


def _scale(spec: EndpointSpec, change: Change) -> tuple[Step, ...]:
    """UpdateEndpointWeightsAndCapacities: the running variant's instance count (or serverless
    MaxConcurrency, ``change.field``), in place (the endpoint config is left as it is), then
    the wait until the endpoint serves with it."""
    what, count = change.field, change.after
    wanted: dict[str, Any] = {"VariantName": VARIANT}
    if what == CONCURRENCY:
        wanted["ServerlessUpdateConfig"] = {"MaxConcurrency": count}
    else:
        wanted["DesiredInstanceCount"] = count
    return (
        Call(
            "sagemaker",
            "UpdateEndpointWeightsAndCapacities",
            {"EndpointName": spec.name, "DesiredWeightsAndCapacities": [wanted]},
        ),
        Wait(
            f"endpoint {spec.name} is InService with {_amount(what, count)} on {spec.config}",
            partial(scaled, name=spec.name, want=spec.config, count=count, what=what),
            timeout_s=spec.wait_timeout_s,
            interval_s=POLL_S,
            timeout_hint="endpoint.wait_timeout_s; apply again later to resume waiting",
        ),
    )


def _wanted(spec: EndpointSpec) -> tuple[str, int] | None:
    """What this plan sets in place: the instance count, or a serverless max concurrency."""
    if spec.instance_count is not None:
        return INSTANCES, spec.instance_count
    if spec.max_concurrency is not None:
        return CONCURRENCY, spec.max_concurrency
    return None


def _rescale(spec: EndpointSpec, fleet: int | None) -> tuple[Step, ...]:
    """After an endpoint is created from the config: it starts with the config's
    InitialInstanceCount (or serverless MaxConcurrency: ``fleet``), which an earlier update in
    place may have left behind."""
    wanted = _wanted(spec)
    if wanted is None or fleet is None or fleet == wanted[1]:
        return ()
    return _scale(spec, Change(wanted[0], fleet, wanted[1]))


def resize(spec: EndpointSpec, seen: SeenEndpoint) -> Change | None:
    """What config.yaml wants when the running variant was asked for another: its instance
    count, or a serverless variant's max concurrency."""
    wanted = _wanted(spec)
    if wanted is None:
        return None
    what, want = wanted
    asked = seen.concurrency if what == CONCURRENCY else seen.instances
    if asked is None or asked == want:
        return None
    return Change(what, asked, want)


def _scale_reason(change: Change) -> str:
    if change.field == CONCURRENCY:
        return (
            f"update endpoint variant {VARIANT} max concurrency {change.before} → "
            f"{change.after}, in place, no new endpoint config"
        )
    more = change.after > change.before
    how = "no new instances for the existing ones" if more else "the others keep serving"
    return f"scale endpoint variant {VARIANT} {change.before} → {change.after}, in place, {how}"


def deployment_config(d: DeploymentConfig, timeout_s: int) -> dict[str, Any] | None:
    """UpdateEndpoint's DeploymentConfig for the configured policy (None: SageMaker default)."""
    if d.strategy != "canary":
        return None
    cfg: dict[str, Any] = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": d.canary_percent},
                "WaitIntervalInSeconds": d.canary_wait_s,
            },
            "TerminationWaitInSeconds": d.bake_s,
            "MaximumExecutionTimeoutInSeconds": max(600, min(timeout_s, 14400)),
        }
    }
    if d.rollback_alarms:
        cfg["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": a} for a in d.rollback_alarms]}
    return cfg


def _create_call(spec: EndpointSpec) -> Call:
    return Call(
        "sagemaker",
        "CreateEndpoint",
        {
            "EndpointName": spec.name,
            "EndpointConfigName": spec.config,
            "Tags": tag_list(spec.tags or {}),
        },
    )


def _create(spec: EndpointSpec, role_is_new: bool = False) -> tuple[Step, ...]:
    return (_create_call(spec), _wait_serving(spec, _recreate(spec) if role_is_new else None))


def _switch_call(spec: EndpointSpec) -> Call:
    params: dict[str, Any] = {"EndpointName": spec.name, "EndpointConfigName": spec.config}
    policy = deployment_config(spec.deployment, spec.wait_timeout_s)
    if policy:
        params["DeploymentConfig"] = policy
    return Call("sagemaker", "UpdateEndpoint", params)


def _as_said(reason: str | None) -> str:
    """A FailureReason to quote inside a sentence: SageMaker ends it with its own full stop."""
    return (reason or "").rstrip(". ")


def _record(spec: EndpointSpec, tags: dict[str, str] | Ref) -> Call:
    """AddTags with ``tags`` (a Ref: tags known only once an earlier step ran)."""
    listed = tags if isinstance(tags, Ref) else tag_list(tags)
    return Call("sagemaker", "AddTags", {"ResourceArn": spec.arn, "Tags": listed})


def _left(name: str) -> Ref:
    """The config endpoint ``name`` served when its switch started, read by `_read_serving`."""
    return Ref(f"serving_before_switch:{name}")


def _state(name: str) -> str:
    """The key of endpoint ``name``'s status as `_read_serving` read it."""
    return f"status_before_switch:{name}"


def _read_serving(name: str) -> Call:
    """DescribeEndpoint once the endpoint settled, for the config it then serves: the update
    it was doing when planned may have landed, or failed and been rolled back (SageMaker
    then serves the old config again, InService with a FailureReason)."""
    return Call(
        "sagemaker",
        "DescribeEndpoint",
        {"EndpointName": name},
        outputs={_left(name).needs: "EndpointConfigName", _state(name): "EndpointStatus"},
        about="for the config it serves now, recorded as the one before the switch",
    )


def _serving_already(name: str, want: str, known: Mapping[str, Any]) -> str | None:
    """Why the switch's UpdateEndpoint is not needed, or None: once settled, the endpoint is
    InService on exactly ``want`` (the update it was doing when planned, away from ``want``,
    failed and SageMaker rolled it back). UpdateEndpoint "deploys the EndpointConfig specified
    in the request to a new fleet of instances" (SageMaker API Reference, UpdateEndpoint):
    called with the config serving, it would at best bring up a second fleet of the same."""
    if known.get(_left(name).needs) != want or known.get(_state(name)) != "InService":
        return None
    return (
        f"endpoint {name} is InService on {want} already, the config this apply wants (the "
        "update it was doing when the plan was made did not land), so there is nothing to "
        "switch"
    )


# The states UpdateEndpoint is sent in: SageMaker refuses it while it works on the endpoint
# ('Cannot update in-progress endpoint'; the API Reference's EndpointStatus: SystemUpdating
# "cannot be updated or deleted or re-scaled until it has completed") and on a Failed one
# ("DeleteEndpoint is the only operation that can be performed on a failed endpoint"). AWS's
# SageMaker controller for Kubernetes holds its UpdateEndpoint likewise (aws-controllers-k8s/
# sagemaker-controller, pkg/resource/endpoint/hooks.go: Creating, Updating, SystemUpdating,
# RollingBack, Deleting, and Failed); OutOfService, which `_as_planned` switches from too, is
# not among them.
SWITCHABLE = frozenset({"InService", "OutOfService"})


def _switch_once_settled(name: str, want: str, known: Mapping[str, Any]) -> str | None:
    """`_serving_already` once the read after the wait (`_read_serving`) found the endpoint
    in a state UpdateEndpoint is sent in; else it stops there. That read comes right after
    the wait ended InService, so another state means something began in between: an update
    or a scaling activity outside this apply, SageMaker's maintenance. SageMaker would refuse
    the call (and it has no busy retry), and waiting again would override that change as a
    switch planned InService would (`_as_planned` stops alike): nothing switched or
    recorded; the next apply waits for it and plans from what serves then."""
    now = known.get(_state(name))
    if now not in SWITCHABLE:
        config = known.get(_left(name).needs)
        raise Stopped(
            f"endpoint {name} is {now} on {config} now, right before this apply's switch to "
            f"{want}, though it was InService when the wait for the update in progress at "
            "planning ended: something began in between (an UpdateEndpoint by hand, a scaling "
            "activity, SageMaker's maintenance), and SageMaker takes no UpdateEndpoint while "
            "it works on an endpoint or once it is Failed, so nothing was switched: run the "
            "command again, which waits for it and plans from what the endpoint serves then"
        )
    return _serving_already(name, want, known)


def _served(config: str, left: str | None) -> dict[str, str]:
    """The record once InService on ``config``: it serves, ``left`` served before it. No
    previous when it left none, or ``config`` itself (an update rolled back to the config
    wanted): the previous recorded before stays."""
    return {SERVING: config, **({PREVIOUS: left} if left and left != config else {})}


def _served_tags(config: str, left: str | None) -> list[dict[str, str]]:
    """`_served` as AddTags takes it, once ``left`` is read (`_read_serving`)."""
    return tag_list(_served(config, left))


def _as_planned(name: str, want: str, serving: str | None, status: str) -> Check:
    """Right before a switch planned while the endpoint was ``status`` (InService or
    OutOfService) on ``serving``: it still is. Changed since (the plan came minutes earlier:
    the image's build and push, the new model and config) by an UpdateEndpoint by hand (a
    rollback in the console, say) or busy (a scaling activity), the switch would override
    that change and record ``serving`` as the config served before though another one served
    (one the plan's clean-up, made for ``serving``, may delete), or SageMaker would refuse
    it while busy ("Cannot update in-progress endpoint"). So it stops there, nothing switched
    or recorded; the next apply plans from what serves then (and waits out an update)."""

    def check(aws: Aws, log: Callable[[str], None]) -> None:
        ep = aws.read("sagemaker", "DescribeEndpoint", EndpointName=name) or {}
        now, config = ep.get("EndpointStatus"), ep.get("EndpointConfigName")
        if config == serving and now in SWITCHABLE:
            return
        found = f"is {now} on {config}" if ep else "is gone"
        raise Stopped(
            f"endpoint {name} {found} now, not {status} on {serving} as when this apply "
            f"planned its switch to {want}: it was changed outside this apply since (an "
            "UpdateEndpoint by hand, a scaling activity), and switching now would override "
            f"that change and record {serving} as the config served before, so nothing was "
            "switched: run the command again, which plans from what the endpoint serves then"
        )

    return Check(
        f"endpoint {name} is still {status} on {serving}, as planned (sagemaker:DescribeEndpoint)",
        check,
    )


def _switch(
    spec: EndpointSpec,
    serving: str | None,
    role_is_new: bool = False,
    settle_first: bool = False,
    status: str = "InService",
    meanwhile: str | None = None,
) -> tuple[Step, ...]:
    """UpdateEndpoint, then the record of what was asked (after the call, so an apply that
    stops in between never reads as a rollback), the wait, and once InService the record of
    what serves and what served before (``serving``, the config it leaves).

    ``settle_first``: the endpoint was busy when planned (an update to ``serving`` goes on).
    First wait until it settles, then read the config it serves: that one is what the switch
    leaves and records as served before, ``serving`` only if that update landed, else the
    config serving ``meanwhile`` (rolled back); settled on any other (`settled_as_planned`:
    switched by hand during the wait), it stops, as the plan's clean-up, made for those two,
    deletes that one; busy again or Failed when read (`_switch_once_settled`), it stops too.
    Else it was ``status`` (InService, OutOfService) on ``serving``, read again right before
    the switch (`_as_planned`): the record's previous is that one, as it still serves."""
    recover = _reswitch(spec) if role_is_new else None
    served: dict[str, str] | Ref = _served(spec.config, serving)
    first: tuple[Step, ...] = (_as_planned(spec.name, spec.config, serving, status),)
    switch = _switch_call(spec)
    if settle_first:
        planned = tuple(dict.fromkeys(c for c in (meanwhile, serving) if c))
        first = (
            _wait_settled(spec.name, spec.wait_timeout_s, planned, spec.config),
            _read_serving(spec.name),
        )
        served = Ref(_left(spec.name).needs, partial(_served_tags, spec.config))
        switch = replace(
            switch,
            skip=partial(_switch_once_settled, spec.name, spec.config),
            skip_when=(
                f"it is InService on {spec.config} already once settled; the apply stops "
                "here if it is busy again or Failed by then"
            ),
        )
    return (
        *first,
        switch,
        _record(spec, {REQUESTED: spec.config}),
        _wait_serving(spec, recover),
        _record(spec, served),
    )


def rolled_back(seen: SeenEndpoint) -> str | None:
    """What the endpoint's record says when the last switch did not land: it is InService
    (or OutOfService) on another config than the one the last apply asked for."""
    asked = seen.tags.get(REQUESTED)
    if not asked or asked == seen.config or seen.status not in ("InService", "OutOfService"):
        return None
    said = _as_said(seen.failure_reason)
    return (
        f"the last apply rolled back: endpoint {seen.name} serves {seen.config}, not {asked} "
        f"it was asked to switch to (reason: "
        f"{said or 'none reported; check the alarms and `python -m deploy logs`'})"
    )


def rollback_warning(spec: EndpointSpec, seen: SeenEndpoint | None) -> str | None:
    """The plan's warning when it would try again what failed once already: switch again
    after a rollback, or re-create a Failed endpoint on the config it failed on (an attempt of
    up to ``wait_timeout_s`` each apply). Not for a role IAM had not propagated yet: that
    passes by itself, and apply re-creates such an endpoint anyway."""
    if seen is None:
        return None
    if seen.status == "Failed" and seen.config == spec.config:
        if endpoint_failure(seen.failure_reason) is ErrorKind.PROPAGATING:
            return None
        said = seen.failure_reason or "no reason given"
        return (
            f"endpoint {spec.name} is Failed on {spec.config} ({said}). "
            f"Applying re-creates it on the same config, which repeats that attempt (up to "
            f"{spec.wait_timeout_s // 60} min of waiting): fix the cause first (`python -m "
            "deploy logs` shows what the container said), or change the model or endpoint config"
        )
    if seen.config == spec.config:
        return None
    note = rolled_back(seen)
    if note is None:
        return None
    if seen.tags.get(REQUESTED) == spec.config:
        return (
            f"{note}. Applying it again repeats that attempt (up to {spec.wait_timeout_s // 60} "
            "min of waiting): fix the cause first, or change the model or endpoint config"
        )
    return f"{note}; this plan switches to {spec.config} instead"


def _tags(spec: EndpointSpec, changes: tuple[Change, ...]) -> tuple[Step, ...]:
    if not any(c.field == "tags" for c in changes):
        return ()
    return (
        Call("sagemaker", "AddTags", {"ResourceArn": spec.arn, "Tags": tag_list(spec.tags or {})}),
    )


def plan_endpoint(
    spec: EndpointSpec,
    seen: SeenEndpoint | None,
    role_is_new: bool = False,
    fleet: int | None = None,
    serverless_now: bool | None = None,
) -> Action:
    """``role_is_new``: the SageMaker role is created or changed by the same plan. ``fleet``:
    the instances a fleet created from ``spec.config`` starts with (its InitialInstanceCount).
    ``serverless_now``: whether the endpoint serves a serverless config (:func:`serves_serverless`;
    None: as its variant says)."""
    kind, name, want = spec.KIND, spec.name, spec.config
    then = _rescale(spec, fleet)
    if seen is None:
        steps = (*_create(spec, role_is_new), *then)
        return Action("create", kind, name, "endpoint does not exist", steps=steps)
    # A Failed endpoint re-created on the config it failed on changes none.
    change = (Change("config", seen.config, want),) if seen.config != want else ()
    if seen.status == "Failed":
        why = seen.failure_reason or "no reason given"
        steps = (
            Call("sagemaker", "DeleteEndpoint", {"EndpointName": name}, ok_if=GONE_OK),
            _wait_deleted(name, spec.wait_timeout_s),
            *_create(spec, role_is_new),
            *then,
        )
        reason = f"endpoint is Failed ({why}): delete and re-create on {want}"
        return Action("replace", kind, name, reason, change, steps)
    if seen.status == "Deleting":
        steps = (_wait_deleted(name, spec.wait_timeout_s), *_create(spec, role_is_new), *then)
        return Action("create", kind, name, "endpoint is being deleted: wait, re-create", (), steps)
    changes = differences(spec, seen)
    if _to_serverless(spec, seen, serverless_now):
        return _replace_for_serverless(spec, seen, role_is_new, then, changes)
    # During an update to another config (a cancelled deploy's switch goes on), that config
    # serves once it lands: going back means waiting for it, then switching from it.
    leaving = seen.headed_for
    if leaving != want:
        # UpdateEndpoint keeps the endpoint InService on the old config until the new one is
        # healthy (and rolls back to it otherwise): an operator asks first whether it goes down.
        reason = (
            f"switch endpoint from {leaving} to {want}; no downtime: the old config serves "
            "until the new one is healthy"
        )
        rollback = rolled_back(seen)
        if rollback:
            reason = f"{rollback}: {reason}"
        busy = seen.status in TRANSITIONAL
        steps = (
            *_switch(spec, leaving, role_is_new, busy, seen.status, seen.config),
            *then,
            *_tags(spec, changes),
        )
        if busy:
            doing = f" from {seen.config} to {leaving}" if leaving != seen.config else ""
            reason = f"endpoint is {seen.status}{doing}: wait for it, then {reason}"
            if doing:
                reason += (
                    f" (should that update fail, SageMaker rolls it back and {seen.config} "
                    "serves on: the switch then leaves that one, recorded as the previous)"
                )
        changes = (*(c for c in changes if c.field != "config"), Change("config", leaving, want))
        return Action("update", kind, name, reason, changes, steps)
    count = resize(spec, seen)
    if count is not None:
        # UpdateEndpointWeightsAndCapacities needs the endpoint InService: wait out the rest.
        reason = _scale_reason(count)
        steps = (*_scale(spec, count), *_tags(spec, changes))
        if seen.status in TRANSITIONAL:
            reason = f"endpoint is {seen.status} on {want}: wait for it, then {reason}"
            steps = (_wait_serving(spec), *steps)
        return Action("update", kind, name, reason, (count, *changes), steps)
    if seen.status in TRANSITIONAL:
        reason = f"endpoint is {seen.status} on {want}: wait"
        return Action("wait", kind, name, reason, steps=(_wait_serving(spec),))
    if changes:
        return Action("update", kind, name, changed(changes), changes, _tags(spec, changes))
    return Action("noop", kind, name, f"InService on {want}")


# SageMaker's Developer Guide (serverless-endpoints-update.html): "Updating a real-time
# inference endpoint to either an on-demand serverless endpoint or a serverless endpoint with
# Provisioned Concurrency is currently not supported" (serverless to instances is).
TO_SERVERLESS = "SageMaker cannot update an instance endpoint to serverless in place"


def _replace_for_serverless(
    spec: EndpointSpec,
    seen: SeenEndpoint,
    role_is_new: bool,
    then: tuple[Step, ...],
    changes: tuple[Change, ...],
) -> Action:
    """Instances to serverless: delete the endpoint and create it on the serverless config
    (same name: the Lambda's ENDPOINT_NAME stays right), then record the instance config as
    the one that served before, as a switch does, so it is kept for a rollback (back to
    instances is an ordinary switch). The API is down in between: :func:`downtime_warning`."""
    steps = (
        *_deletion(seen),
        *_create(spec, role_is_new),
        *then,
        _record(spec, {SERVING: spec.config, **({PREVIOUS: seen.config} if seen.config else {})}),
    )
    reason = (
        f"{TO_SERVERLESS}: delete endpoint {spec.name} and create it on {spec.config}; "
        "the API answers 503 until it is InService"
    )
    if seen.status in TRANSITIONAL:
        reason = f"endpoint is {seen.status}: wait for it, then {reason}"
    return Action("replace", spec.KIND, spec.name, reason, changes, steps)


def serves_serverless(seen: SeenEndpoint | None, world: World) -> bool | None:
    """Whether the endpoint serves a serverless config: its variant's serverless settings, or
    (when DescribeEndpoint gives none, as while it is created) the config it serves; None
    without an endpoint."""
    if seen is None:
        return None
    if seen.serverless:
        return True
    config = world.get("endpoint_config", seen.config) if seen.config else None
    return "serverless" in (getattr(config, "variant", None) or {})


def _to_serverless(spec: EndpointSpec, seen: SeenEndpoint, serverless_now: bool | None) -> bool:
    """Whether the plan turns an instance endpoint serverless (a Failed or Deleting one is
    created again anyway)."""
    now = seen.serverless if serverless_now is None else serverless_now
    return (
        seen.status not in ("Failed", "Deleting")
        and seen.config != spec.config
        and spec.max_concurrency is not None
        and not now
    )


def downtime_warning(spec: EndpointSpec, world: World) -> str | None:
    """The plan's warning when applying it takes the endpoint down: an instance endpoint
    turned serverless is deleted and created again (:func:`_replace_for_serverless`)."""
    seen = world.get("endpoint", spec.name)
    if seen is None or not _to_serverless(spec, seen, serves_serverless(seen, world)):
        return None
    return (
        f"endpoint {spec.name} goes down: {TO_SERVERLESS}, so applying this deletes it and "
        "creates it again on the serverless config. Until it is InService (several minutes) "
        "the API answers 503 endpoint_not_found or endpoint_not_in_service. To avoid it, "
        "apply when nobody needs the API, or keep instances"
    )


def plan(ctx: PlanContext) -> list[Action]:
    out = []
    for spec in ctx.desired.of_kind("endpoint"):
        wanted = ctx.desired.get("endpoint_config", spec.config)
        if wanted is not None:  # the same config serving under an older name is kept
            spec = replace(spec, config=endpoint_config.target(wanted, ctx.world))
        seen = ctx.world.get("endpoint", spec.name)
        out.append(
            plan_endpoint(
                spec,
                seen,
                ctx.changing("iam_role", spec.role_name),
                endpoint_config.fleet_count(spec.config, ctx.desired, ctx.world),
                serves_serverless(seen, ctx.world),
            )
        )
    return out


# What DeleteEndpoint's retries wait for: SageMaker refuses to delete an endpoint it is still
# working on ('Cannot update in-progress endpoint', aws_errors.SAGEMAKER_IN_PROGRESS).
WHILE_IN_PROGRESS = (
    "until SageMaker has finished its work on the endpoint (it refuses to delete it meanwhile)"
)


def delete_endpoint(seen: SeenEndpoint) -> Action:
    """Destroy's deletion of an endpoint (:func:`_deletion`)."""
    reason = "destroy"
    if seen.status == "Deleting":
        reason = "destroy: already being deleted"
    elif seen.status in TRANSITIONAL:
        reason = f"destroy once it is no longer {seen.status}"
    return Action("delete", "endpoint", seen.name, reason, steps=_deletion(seen))


def _deletion(seen: SeenEndpoint) -> tuple[Step, ...]:
    """The steps that delete an endpoint and wait until it is gone. SageMaker refuses
    DeleteEndpoint while the endpoint is Creating, Updating, SystemUpdating or RollingBack:
    one seen so waits (bounded) until it is not, whatever it ends as (a Failed one is deleted
    too); one that turns so between the read and the call (AWS maintenance, a scaling
    activity) has the call retried as long as that wait would have been. Deleting: only the
    wait until it is gone."""
    name = seen.name
    if seen.status == "Deleting":
        return (_wait_deleted(name, DELETE_S),)
    settle_first = seen.status in TRANSITIONAL
    delete = Call(
        "sagemaker",
        "DeleteEndpoint",
        {"EndpointName": name},
        ok_if=GONE_OK,
        retry_on=frozenset({ErrorKind.BUSY}),
        # After a wait until it is idle, only a new change to outlast; else the whole of one.
        retry_s=budget.BUSY_RETRY_S if settle_first else SETTLE_BEFORE_DELETE_S,
        retry_why=WHILE_IN_PROGRESS,
    )
    steps: tuple[Step, ...] = (delete, _wait_deleted(name, DELETE_S))
    if settle_first:
        idle_wait = Wait(
            f"endpoint {name} is no longer {seen.status} (it may end Failed: it is deleted then)",
            partial(idle, name=name),
            timeout_s=SETTLE_BEFORE_DELETE_S,
            interval_s=POLL_S,
        )
        steps = (idle_wait, *steps)
    return steps


def destroy(world: World) -> list[Action]:
    return [delete_endpoint(ep) for ep in world.of_kind("endpoint")]


RESOURCE = ResourceType(
    kinds={"endpoint": ("endpoint_config", "log_group")},
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
    billed=("endpoint",),  # its instances are billed by the hour until it is deleted
)
