"""The public HTTP API (API Gateway v2): its CORS rule, the Lambda integration, routes, stage.

The stage writes an access log line for every request (deploy/api_access_log.py) to the log
group deploy/resources/logs.py creates first with its retention and tags: what the gateway
answers on its own reaches no other log.

The API is found again by its name and ``project`` tag (and ``environment`` tag in an
environment); its id, assigned by AWS on creation, is what the integration, routes, stage, the
Lambda's permissions and the page's config.js refer to (a `Ref` until the API exists). Two APIs
of the project mean a create whose answer was lost: the one with routes (else the oldest) is
kept, the other deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from deploy.api_access_log import access_log_format
from deploy.api_surface import ROUTES, cors_rule
from deploy.naming import site_url
from deploy.plan import Action, Call, Change, Ref, Step
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, fields_of, reconcile
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs
    from deploy.naming import Names

INTEGRATION = "lambda"
STAGE = "$default"
API_TIMEOUT_MS = 30000  # the HTTP API's maximum integration timeout
API_ID = Ref("api_id")
# The account's default throttle per region (API Gateway quotas, "Throttle quota per account,
# per Region": docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): 10,000
# requests per second with a burst of 5,000, but 2,500 / 1,250 in these regions. A route's
# throttle cannot exceed the account's (docs: "Throttling requests to your HTTP API").
DEFAULT_THROTTLE = (10000, 5000)
LOW_DEFAULT_THROTTLE = (2500, 1250)
LOW_THROTTLE_REGIONS = frozenset(
    {
        "af-south-1",  # Africa (Cape Town)
        "eu-south-1",  # Europe (Milan)
        "ap-southeast-3",  # Asia Pacific (Jakarta)
        "me-central-1",  # Middle East (UAE)
        "ap-south-2",  # Asia Pacific (Hyderabad)
        "ap-southeast-4",  # Asia Pacific (Melbourne)
        "eu-south-2",  # Europe (Spain)
        "eu-central-2",  # Europe (Zurich)
        "il-central-1",  # Israel (Tel Aviv)
        "ca-west-1",  # Canada West (Calgary)
        "ap-southeast-5",  # Asia Pacific (Malaysia)
        "ap-southeast-7",  # Asia Pacific (Thailand)
        "mx-central-1",  # Mexico (Central)
    }
)


@dataclass(frozen=True)
class ApiSpec:
    KIND: ClassVar[str] = "http_api"
    name: str
    project: str = field(compare=False)
    cors: dict[str, Any] | Ref = field(default_factory=dict)
    api_arn: str | Ref = field(default=API_ID, compare=False)
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenApi:
    KIND: ClassVar[str] = "http_api"
    name: str
    api_id: str
    duplicate: bool
    cors: dict[str, Any]
    tags: dict[str, str]

    @property
    def provides(self) -> dict[str, str]:
        return {} if self.duplicate else {"api_id": self.api_id}


@dataclass(frozen=True)
class IntegrationSpec:
    KIND: ClassVar[str] = "api_integration"
    name: str
    api_id: str | Ref = field(compare=False)
    type: str = "AWS_PROXY"
    uri: str = ""
    payload_format: str = "2.0"
    timeout_ms: int = API_TIMEOUT_MS


@dataclass(frozen=True)
class SeenIntegration:
    KIND: ClassVar[str] = "api_integration"
    name: str
    api_id: str
    integration_id: str
    type: str | None
    uri: str | None
    payload_format: str | None
    timeout_ms: int | None

    @property
    def provides(self) -> dict[str, str]:
        return {"integration_id": self.integration_id} if self.name == INTEGRATION else {}


@dataclass(frozen=True)
class RouteSpec:
    """``name`` is the route key ("POST /detect"). ``authorization_type``: the page calls
    without credentials, so an authorizer set by hand (AWS_IAM, JWT) is drift: 401/403."""

    KIND: ClassVar[str] = "api_route"
    name: str
    api_id: str | Ref = field(compare=False)
    target: str | Ref = ""
    authorization_type: str = "NONE"


@dataclass(frozen=True)
class SeenRoute:
    KIND: ClassVar[str] = "api_route"
    name: str
    api_id: str
    route_id: str
    target: str | None
    authorization_type: str | None = "NONE"


@dataclass(frozen=True)
class StageSpec:
    KIND: ClassVar[str] = "api_stage"
    name: str
    api_id: str | Ref = field(compare=False)
    auto_deploy: bool = True
    throttle_rate: float = 10.0
    throttle_burst: int = 20
    # AccessLogSettings: the log group's ARN as AWS documents it, without the ":*" that
    # DescribeLogGroups' "arn" carries; the line format of deploy/api_access_log.py.
    access_log_destination: str = ""
    access_log_format: str = ""
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenStage:
    KIND: ClassVar[str] = "api_stage"
    name: str
    api_id: str
    auto_deploy: bool | None
    throttle_rate: float | None
    throttle_burst: int | None
    access_log_destination: str | None = None  # None: no access log (a stage from before)
    access_log_format: str | None = None


def cors_for(origins: tuple[str, ...], site_domain: str) -> dict[str, Any]:
    """The CORS rule as compared with AWS: configured origins plus the site's own
    (``https://`` on the CloudFront distribution's domain)."""
    rule = cors_rule([*origins, site_url(site_domain)])
    return {
        "allow_origins": list(rule.allow_origins),
        "allow_methods": list(rule.allow_methods),
        "allow_headers": list(rule.allow_headers),
        "expose_headers": list(rule.expose_headers),
        "max_age": rule.max_age,
    }


def cors(cfg: Config) -> Ref:
    """The rule, once the site's distribution (hence its domain) exists."""
    return Ref("distribution_domain", partial(cors_for, tuple(cfg.api.cors_origins)))


def throttle_warning(cfg: Config) -> str | None:
    """A stage throttle above the region's default account quota: config.yaml takes up to
    10,000 / 5,000 (the usual regions' default), which in 13 regions is four times what the
    account gets unless its quota was raised; the API would then be throttled lower than
    config.yaml says, with nothing said. A warning: a raised quota is real."""
    if cfg.region not in LOW_THROTTLE_REGIONS:
        return None
    rate, burst = LOW_DEFAULT_THROTTLE
    throttling = cfg.api.throttling
    over = [
        f"api.throttling.{key} {value:g} is above {limit:,}"
        for key, value, limit in (
            ("rate", throttling.rate, rate),
            ("burst", throttling.burst, burst),
        )
        if value > limit
    ]
    if not over:
        return None
    return (
        f"{' and '.join(over)}: the account's default throttle in {cfg.region} is {rate:,} "
        f"requests per second with a burst of {burst:,} (not {DEFAULT_THROTTLE[0]:,} / "
        f"{DEFAULT_THROTTLE[1]:,} as in most regions), and a route's throttle cannot exceed the "
        "account's. Unless this account's quota was raised (Service Quotas: Amazon API Gateway, "
        "'Throttle rate'), the API is throttled at the account's; lower api.throttling or ask "
        "for an increase"
    )


def desired(cfg: Config, inp: Inputs) -> list[Any]:
    n = inp.names
    out: list[Any] = [
        ApiSpec(n.api, n.stack, cors(cfg), Ref("api_id", n.api_arn), cfg.all_tags),
        IntegrationSpec(INTEGRATION, API_ID, uri=n.function_arn),
    ]
    out += [RouteSpec(key, API_ID, Ref("integration_id", "integrations/{}")) for key in ROUTES]
    out.append(
        StageSpec(
            STAGE,
            API_ID,
            throttle_rate=float(cfg.api.throttling.rate),
            throttle_burst=cfg.api.throttling.burst,
            access_log_destination=n.log_group_arn(n.api_log_group),
            access_log_format=access_log_format(),
            tags=cfg.all_tags,
        )
    )
    return out


# --- observe -------------------------------------------------------------------------------------
def _cors_seen(c: dict[str, Any] | None) -> dict[str, Any]:
    c = c or {}
    return {
        "allow_origins": sorted(c.get("AllowOrigins", [])),
        "allow_methods": sorted(c.get("AllowMethods", [])),
        "allow_headers": sorted(h.lower() for h in c.get("AllowHeaders", [])),
        "expose_headers": sorted(h.lower() for h in c.get("ExposeHeaders", [])),
        "max_age": c.get("MaxAge"),
    }


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[Any]:
    apis = [
        a
        for a in aws.pages("apigatewayv2", "GetApis", "Items")
        if a.get("Name") == names.api and names.owns(a.get("Tags") or {})
    ]
    if len(apis) > 1:
        # Duplicates (a create whose response was lost): keep the wired one, then the oldest.
        def rank(a: dict[str, Any]) -> tuple[bool, str, str]:
            routes = aws.pages("apigatewayv2", "GetRoutes", "Items", ApiId=a["ApiId"])
            return (not routes, str(a.get("CreatedDate", "")), a["ApiId"])

        apis.sort(key=rank)
    out: list[Any] = [
        SeenApi(
            name=names.api if i == 0 else f"{names.api}#{a['ApiId']}",
            api_id=a["ApiId"],
            duplicate=i > 0,
            cors=_cors_seen(a.get("CorsConfiguration")),
            tags=a.get("Tags", {}),
        )
        for i, a in enumerate(apis)
    ]
    if not apis:
        return out
    api_id = apis[0]["ApiId"]
    for it in aws.pages("apigatewayv2", "GetIntegrations", "Items", ApiId=api_id):
        uri = it.get("IntegrationUri")
        mine = uri == names.function_arn and not any(
            o.KIND == "api_integration" and o.name == INTEGRATION for o in out
        )
        out.append(
            SeenIntegration(
                name=INTEGRATION if mine else f"integration-{it['IntegrationId']}",
                api_id=api_id,
                integration_id=it["IntegrationId"],
                type=it.get("IntegrationType"),
                uri=uri,
                payload_format=it.get("PayloadFormatVersion"),
                timeout_ms=it.get("TimeoutInMillis"),
            )
        )
    for r in aws.pages("apigatewayv2", "GetRoutes", "Items", ApiId=api_id):
        out.append(
            SeenRoute(
                r["RouteKey"],
                api_id,
                r["RouteId"],
                r.get("Target"),
                r.get("AuthorizationType") or "NONE",  # AWS's default when none was given
            )
        )
    for s in aws.pages("apigatewayv2", "GetStages", "Items", ApiId=api_id):
        if s.get("StageName") == STAGE:
            d = s.get("DefaultRouteSettings", {})
            logged = s.get("AccessLogSettings") or {}
            out.append(
                SeenStage(
                    STAGE,
                    api_id,
                    s.get("AutoDeploy"),
                    d.get("ThrottlingRateLimit"),
                    d.get("ThrottlingBurstLimit"),
                    logged.get("DestinationArn"),
                    logged.get("Format"),
                )
            )
    return out


# --- plan ----------------------------------------------------------------------------------------
def _cors_param(c: dict[str, Any] | Ref) -> dict[str, Any] | Ref:
    if isinstance(c, Ref):  # the site's domain is known only once its distribution exists
        return Ref(c.needs, lambda domain: _cors_param(c.resolve({c.needs: domain})))
    return {
        "AllowOrigins": c["allow_origins"],
        "AllowMethods": c["allow_methods"],
        "AllowHeaders": c["allow_headers"],
        "ExposeHeaders": c["expose_headers"],
        "MaxAge": c["max_age"],
    }


def _api_steps(spec: ApiSpec, changes: tuple[Change, ...] | None) -> tuple[Step, ...]:
    if changes is None:
        return (
            Call(
                "apigatewayv2",
                "CreateApi",
                {
                    "Name": spec.name,
                    "ProtocolType": "HTTP",
                    "CorsConfiguration": _cors_param(spec.cors),
                    "Tags": spec.tags or {},
                    "Description": f"{spec.project}: {', '.join(ROUTES)} → Lambda",
                },
                outputs={"api_id": "ApiId"},
            ),
        )
    steps: list[Step] = []
    if "cors" in fields_of(changes):
        steps.append(
            Call(
                "apigatewayv2",
                "UpdateApi",
                {"ApiId": API_ID, "CorsConfiguration": _cors_param(spec.cors)},
            )
        )
    if "tags" in fields_of(changes):
        steps.append(
            Call("apigatewayv2", "TagResource", {"ResourceArn": spec.api_arn, "Tags": spec.tags})
        )
    return tuple(steps)


def _integration_params(spec: IntegrationSpec) -> dict[str, Any]:
    return {
        "ApiId": spec.api_id,
        "IntegrationType": spec.type,
        "IntegrationUri": spec.uri,
        "PayloadFormatVersion": spec.payload_format,
        "TimeoutInMillis": spec.timeout_ms,
    }


def _integration(spec: IntegrationSpec, seen: SeenIntegration | None) -> Action:
    create = Call(
        "apigatewayv2",
        "CreateIntegration",
        {**_integration_params(spec), "IntegrationMethod": "POST"},
        outputs={"integration_id": "IntegrationId"},
    )
    return reconcile(
        spec,
        seen,
        lambda: (create,),
        lambda _c: (
            Call(
                "apigatewayv2",
                "UpdateIntegration",
                {**_integration_params(spec), "IntegrationId": seen.integration_id},  # type: ignore[union-attr]
            ),
        ),
    )


def _route(spec: RouteSpec, seen: SeenRoute | None) -> Action:
    return reconcile(
        spec,
        seen,
        lambda: (
            Call(
                "apigatewayv2",
                "CreateRoute",
                {"ApiId": spec.api_id, "RouteKey": spec.name, "Target": spec.target},
            ),
        ),
        lambda _c: (
            Call(
                "apigatewayv2",
                "UpdateRoute",
                {
                    "ApiId": spec.api_id,
                    "RouteId": seen.route_id,  # type: ignore[union-attr]
                    "Target": spec.target,
                    "AuthorizationType": spec.authorization_type,
                },
            ),
        ),
    )


def _stage(spec: StageSpec, seen: SeenStage | None) -> Action:
    settings = {
        "ThrottlingRateLimit": spec.throttle_rate,
        "ThrottlingBurstLimit": spec.throttle_burst,
    }
    base = {
        "ApiId": spec.api_id,
        "StageName": spec.name,
        "AutoDeploy": spec.auto_deploy,
        "DefaultRouteSettings": settings,
        "AccessLogSettings": {
            "DestinationArn": spec.access_log_destination,
            "Format": spec.access_log_format,
        },
    }
    return reconcile(
        spec,
        seen,
        lambda: (Call("apigatewayv2", "CreateStage", {**base, "Tags": spec.tags or {}}),),
        lambda _c: (Call("apigatewayv2", "UpdateStage", base),),
    )


def _leftover(kind: str, name: str, reason: str, call: Call) -> Action:
    return Action("delete", kind, name, reason, steps=(call,), phase="after")


def _leftovers(
    seen: list[Any],
    wanted: set[str],
    reason: str,
    delete: Callable[[Any], Call],
) -> list[Action]:
    """A delete, after everything else, of each observed child that is no longer desired."""
    out = []
    for child in seen:
        if child.name not in wanted:
            out.append(_leftover(child.KIND, child.name, reason, delete(child)))
    return out


def plan(ctx: PlanContext) -> list[Action]:
    w, d = ctx.world, ctx.desired
    out: list[Action] = []
    for spec in d.of_kind("http_api"):
        seen = w.get("http_api", spec.name)
        out.append(
            reconcile(
                spec,
                seen,
                lambda s=spec: _api_steps(s, None),
                lambda changes, s=spec: _api_steps(s, changes),
            )
        )
    for spec in d.of_kind("api_integration"):
        out.append(_integration(spec, w.get("api_integration", spec.name)))
    for spec in d.of_kind("api_route"):
        out.append(_route(spec, w.get("api_route", spec.name)))
    for spec in d.of_kind("api_stage"):
        out.append(_stage(spec, w.get("api_stage", spec.name)))
    # Leftovers: deleted once their replacements exist.
    out += _leftovers(
        w.of_kind("api_route"),
        {r.name for r in d.of_kind("api_route")},
        "not a route of this API",
        lambda seen: Call(
            "apigatewayv2",
            "DeleteRoute",
            {"ApiId": seen.api_id, "RouteId": seen.route_id},
            ok_if=GONE_OK,
        ),
    )
    out += _leftovers(
        w.of_kind("api_integration"),
        {i.name for i in d.of_kind("api_integration")},
        "integration not used",
        lambda seen: Call(
            "apigatewayv2",
            "DeleteIntegration",
            {"ApiId": seen.api_id, "IntegrationId": seen.integration_id},
            ok_if=GONE_OK,
        ),
    )
    for seen in w.of_kind("http_api"):
        if seen.duplicate:
            call = Call("apigatewayv2", "DeleteApi", {"ApiId": seen.api_id}, ok_if=GONE_OK)
            why = f"duplicate API {seen.api_id} (keeping the oldest)"
            out.append(_leftover("http_api", seen.name, why, call))
    return out


def destroy(world: World) -> list[Action]:
    """Each API of the project; its integrations, routes and stage go with it."""
    return [
        Action(
            "delete",
            "http_api",
            api.name,
            "destroy, with its routes, integration and stage",
            steps=(Call("apigatewayv2", "DeleteApi", {"ApiId": api.api_id}, ok_if=GONE_OK),),
        )
        for api in world.of_kind("http_api")
    ]


RESOURCE = ResourceType(
    kinds={
        # CORS allows the site's https origin. The log group: destroy deletes the API (and
        # with it the stage that logs there) before the group, so the stage stops logging
        # before its group goes.
        "http_api": ("cloudfront_distribution", "log_group"),
        "api_integration": ("http_api", "lambda_function"),
        "api_route": ("api_integration",),
        # Its access log group exists, with retention and tags, before it writes there.
        "api_stage": ("http_api", "log_group"),
    },
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
)
