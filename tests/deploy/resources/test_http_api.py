"""The HTTP API: found by name and tag; its children wait for its id (a Ref) or use the one
that exists; duplicates from a lost create answer are deleted."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from deploy.api_access_log import access_log_format
from deploy.api_surface import ALLOW_HEADERS, ROUTES
from deploy.aws import DeployError
from deploy.plan import Ref, resolve
from deploy.resources import http_api as api
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import config, execute, inputs, make_aws, names

N = names()
TAGS = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:trends-anomaly-detect"
DOMAIN = "d111111abcdef8.cloudfront.net"
SITE = f"https://{DOMAIN}"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:"
ACCESS_LOG_ARN = f"{LOGS}/aws/vendedlogs/apigateway/trends-anomaly"
ACCESS_LOG = {"DestinationArn": ACCESS_LOG_ARN, "Format": access_log_format()}


def desired(**cfg: object) -> Desired:
    """As the planner sees it once the site's distribution exists (its domain known)."""
    specs = api.desired(config(**cfg), inputs(N))
    return Desired.of(resolve(s, {"distribution_domain": DOMAIN}, partial=True) for s in specs)


def test_cors_waits_for_the_sites_distribution() -> None:
    spec = Desired.of(api.desired(config(), inputs(N))).one("http_api")
    assert isinstance(spec.cors, Ref) and spec.cors.needs == "distribution_domain"
    assert resolve(spec.cors, {"distribution_domain": DOMAIN})["allow_origins"] == [SITE]
    assert api.RESOURCE.kinds["http_api"] == ("cloudfront_distribution", "log_group")


def seen_api(api_id: str = "a1", dup: bool = False, cors: dict | None = None) -> api.SeenApi:
    spec = desired().one("http_api")
    name = f"trends-anomaly#{api_id}" if dup else "trends-anomaly"
    return api.SeenApi(name, api_id, dup, cors or dict(spec.cors), dict(TAGS))


def existing() -> World:
    """Everything as a previous apply left it (API a1, integration i1)."""
    return World.of(
        [
            seen_api(),
            api.SeenIntegration("lambda", "a1", "i1", "AWS_PROXY", FN_ARN, "2.0", 30000),
            *[api.SeenRoute(key, "a1", f"r{i}", "integrations/i1") for i, key in enumerate(ROUTES)],
            api.SeenStage("$default", "a1", True, 10.0, 20, ACCESS_LOG_ARN, access_log_format()),
        ]
    )


def plan(d: Desired, w: World) -> list:
    return api.plan(PlanContext(Desired.of(resolve(s, w.ids(), partial=True) for s in d), w))


def test_desired_cors_is_the_shared_rule_plus_the_sites_origin() -> None:
    spec = desired(api={"cors_origins": ["https://b.example", "https://a.example"]}).one("http_api")
    assert spec.cors == {
        "allow_origins": ["https://a.example", "https://b.example", SITE],  # sorted
        "allow_methods": ["GET", "OPTIONS", "POST"],
        "allow_headers": list(ALLOW_HEADERS),
        "expose_headers": ["apigw-requestid", "retry-after"],
        "max_age": 3600,
    }
    assert [r.name for r in desired().of_kind("api_route")] == list(ROUTES)


def test_observe_our_api_and_its_children_duplicates_ranked() -> None:
    aws = make_aws()
    with Stubber(aws.client("apigatewayv2")) as stub:
        stub.add_response(
            "get_apis",
            {
                "Items": [
                    {
                        "ApiId": "dup",
                        "Name": "trends-anomaly",
                        "ProtocolType": "HTTP",
                        "RouteSelectionExpression": "x",
                        "Tags": {"project": "trends-anomaly"},
                        "CreatedDate": "2026-01-01T00:00:00Z",
                    },
                    {
                        "ApiId": "a1",
                        "Name": "trends-anomaly",
                        "ProtocolType": "HTTP",
                        "RouteSelectionExpression": "x",
                        "Tags": {"project": "trends-anomaly"},
                        "CreatedDate": "2026-01-02T00:00:00Z",
                        "CorsConfiguration": {
                            "AllowOrigins": [SITE],
                            "AllowMethods": ["POST", "GET"],
                            "AllowHeaders": ["Content-Type"],
                            "MaxAge": 3600,
                        },
                    },
                    {
                        "ApiId": "foreign",
                        "Name": "trends-anomaly",
                        "ProtocolType": "HTTP",
                        "RouteSelectionExpression": "x",
                        "Tags": {"project": "other"},
                    },
                ]
            },
        )
        stub.add_response("get_routes", {"Items": []}, {"ApiId": "dup"})  # never wired
        stub.add_response(
            "get_routes",
            {"Items": [{"RouteId": "r0", "RouteKey": "POST /detect"}]},
            {"ApiId": "a1"},
        )
        stub.add_response(
            "get_integrations",
            {
                "Items": [
                    {
                        "IntegrationId": "i1",
                        "IntegrationType": "AWS_PROXY",
                        "IntegrationUri": FN_ARN,
                        "PayloadFormatVersion": "2.0",
                        "TimeoutInMillis": 30000,
                    },
                    {
                        "IntegrationId": "i2",
                        "IntegrationType": "AWS_PROXY",
                        "IntegrationUri": FN_ARN,
                    },
                ]
            },
            {"ApiId": "a1"},
        )
        stub.add_response(
            "get_routes",
            {"Items": [{"RouteId": "r0", "RouteKey": "POST /detect", "Target": "integrations/i1"}]},
            {"ApiId": "a1"},
        )
        stub.add_response(
            "get_stages",
            {
                "Items": [
                    {"StageName": "other"},
                    {
                        "StageName": "$default",
                        "AutoDeploy": True,
                        "DefaultRouteSettings": {
                            "ThrottlingRateLimit": 10.0,
                            "ThrottlingBurstLimit": 20,
                        },
                    },
                ]
            },
            {"ApiId": "a1"},
        )
        found = api.observe(aws, N, Desired(), World())
    kept, dup, lam, other, route, stage = found
    assert (kept.api_id, kept.duplicate, dup.name, dup.duplicate) == (
        "a1",
        False,
        "trends-anomaly#dup",
        True,
    )
    assert kept.cors["allow_headers"] == ["content-type"] and kept.cors["allow_methods"] == [
        "GET",
        "POST",
    ]
    assert (lam.name, other.name) == ("lambda", "integration-i2")
    assert (route.name, route.target, stage.throttle_burst) == (
        "POST /detect",
        "integrations/i1",
        20,
    )
    assert World.of(found).ids() == {"api_id": "a1", "integration_id": "i1"}
    with Stubber(aws.client("apigatewayv2")) as stub:
        stub.add_response("get_apis", {"Items": []})
        assert api.observe(aws, N, Desired(), World()) == []


def test_from_nothing_the_children_use_the_ids_as_they_are_created() -> None:
    aws = make_aws()
    actions = plan(desired(), World())
    assert [(a.op, a.kind) for a in actions] == [
        ("create", "http_api"),
        ("create", "api_integration"),
        ("create", "api_route"),
        ("create", "api_route"),
        ("create", "api_stage"),
    ]
    assert isinstance(actions[2].steps[0].params["ApiId"], Ref)
    spec = desired().one("http_api")
    with Stubber(aws.client("apigatewayv2")) as stub:
        stub.add_response(
            "create_api",
            {"ApiId": "new1"},
            {
                "Name": "trends-anomaly",
                "ProtocolType": "HTTP",
                "CorsConfiguration": {
                    "AllowOrigins": spec.cors["allow_origins"],
                    "AllowMethods": ["GET", "OPTIONS", "POST"],
                    "AllowHeaders": list(ALLOW_HEADERS),
                    "ExposeHeaders": ["apigw-requestid", "retry-after"],
                    "MaxAge": 3600,
                },
                "Tags": TAGS,
                "Description": "trends-anomaly: POST /detect, GET /health → Lambda",
            },
        )
        stub.add_response(
            "create_integration",
            {"IntegrationId": "int9"},
            {
                "ApiId": "new1",
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": FN_ARN,
                "PayloadFormatVersion": "2.0",
                "TimeoutInMillis": 30000,
                "IntegrationMethod": "POST",
            },
        )
        for key in ROUTES:
            stub.add_response(
                "create_route",
                {"RouteId": key},
                {"ApiId": "new1", "RouteKey": key, "Target": "integrations/int9"},
            )
        stub.add_response(
            "create_stage",
            {"StageName": "$default"},
            {
                "ApiId": "new1",
                "StageName": "$default",
                "AutoDeploy": True,
                "DefaultRouteSettings": {"ThrottlingRateLimit": 10.0, "ThrottlingBurstLimit": 20},
                "AccessLogSettings": ACCESS_LOG,
                "Tags": TAGS,
            },
        )
        execute(aws, *actions)
        stub.assert_no_pending_responses()


def test_unchanged_is_all_noops() -> None:
    assert {a.op for a in plan(desired(), existing())} == {"noop"}


def test_changes_update_in_place_with_the_existing_ids() -> None:
    aws = make_aws()
    world = existing()
    world.add(api.SeenApi("trends-anomaly", "a1", False, {"allow_origins": []}, {}))
    world.add(api.SeenIntegration("lambda", "a1", "i1", "AWS_PROXY", FN_ARN, "1.0", 30000))
    world.add(api.SeenRoute("GET /health", "a1", "r1", "integrations/other"))
    world.add(api.SeenStage("$default", "a1", True, 10.0, 5, ACCESS_LOG_ARN, access_log_format()))
    actions = [a for a in plan(desired(), world) if a.op != "noop"]
    assert [(a.kind, [c.field for c in a.changes]) for a in actions] == [
        ("http_api", ["cors", "tags"]),
        ("api_integration", ["payload_format"]),
        ("api_route", ["target"]),
        ("api_stage", ["throttle_burst"]),
    ]
    with Stubber(aws.client("apigatewayv2")) as stub:
        stub.add_response("update_api", {}, {"ApiId": "a1", "CorsConfiguration": stub_cors()})
        stub.add_response(
            "tag_resource",
            {},
            {"ResourceArn": "arn:aws:apigateway:us-east-1::/apis/a1", "Tags": TAGS},
        )
        stub.add_response(
            "update_integration",
            {},
            {
                "ApiId": "a1",
                "IntegrationId": "i1",
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": FN_ARN,
                "PayloadFormatVersion": "2.0",
                "TimeoutInMillis": 30000,
            },
        )
        stub.add_response(
            "update_route",
            {},
            {
                "ApiId": "a1",
                "RouteId": "r1",
                "Target": "integrations/i1",
                "AuthorizationType": "NONE",
            },
        )
        stub.add_response(
            "update_stage",
            {},
            {
                "ApiId": "a1",
                "StageName": "$default",
                "AutoDeploy": True,
                "DefaultRouteSettings": {"ThrottlingRateLimit": 10.0, "ThrottlingBurstLimit": 20},
                "AccessLogSettings": ACCESS_LOG,
            },
        )
        execute(aws, *actions, known=world.ids())
        stub.assert_no_pending_responses()


def stub_cors() -> dict:
    spec = desired().one("http_api")
    return {
        "AllowOrigins": spec.cors["allow_origins"],
        "AllowMethods": ["GET", "OPTIONS", "POST"],
        "AllowHeaders": list(ALLOW_HEADERS),
        "ExposeHeaders": ["apigw-requestid", "retry-after"],
        "MaxAge": 3600,
    }


def test_leftovers_and_duplicates_deleted_after_gone_is_fine() -> None:
    aws = make_aws()
    world = existing()
    world.add(seen_api("dup", dup=True))
    world.add(api.SeenIntegration("integration-i2", "a1", "i2", "AWS_PROXY", "x", "2.0", 1))
    world.add(api.SeenRoute("ANY /old", "a1", "rX", "integrations/i2"))
    leftovers = [a for a in plan(desired(), world) if a.op == "delete"]
    assert [(a.kind, a.name, a.phase) for a in leftovers] == [
        ("api_route", "ANY /old", "after"),
        ("api_integration", "integration-i2", "after"),
        ("http_api", "trends-anomaly#dup", "after"),
    ]
    assert leftovers[2].reason == "duplicate API dup (keeping the oldest)"
    with Stubber(aws.client("apigatewayv2")) as stub:
        stub.add_response("delete_route", {}, {"ApiId": "a1", "RouteId": "rX"})
        stub.add_client_error(
            "delete_integration",
            "NotFoundException",
            "gone",
            404,
            expected_params={"ApiId": "a1", "IntegrationId": "i2"},
        )
        stub.add_response("delete_api", {}, {"ApiId": "dup"})
        execute(aws, *leftovers)
    assert [a.name for a in api.destroy(world)] == ["trends-anomaly", "trends-anomaly#dup"]


def test_a_conflicting_change_is_reported_with_the_hint() -> None:
    aws = make_aws()
    (stage,) = [a for a in plan(desired(), World.of([seen_api()])) if a.kind == "api_stage"]
    with Stubber(aws.client("apigatewayv2")) as stub:
        stub.add_client_error("create_stage", "ConflictException", "Stage already exists", 409)
        with pytest.raises(
            DeployError,
            match=r"api_stage \$default: apigatewayv2:CreateStage failed: AWS said ConflictExc",
        ):
            execute(aws, stage, known={"api_id": "a1"})


# API Gateway quotas (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): the
# account's default throttle is 2,500 requests per second with a burst of 1,250 in these
# regions (10,000 / 5,000 elsewhere), and a route's throttle cannot exceed the account's.
LOW_DEFAULT = ("af-south-1", "eu-south-1", "ap-southeast-3", "me-central-1", "ap-south-2",
               "ap-southeast-4", "eu-south-2", "eu-central-2", "il-central-1", "ca-west-1",
               "ap-southeast-5", "ap-southeast-7", "mx-central-1")  # fmt: skip


@pytest.mark.parametrize("region", LOW_DEFAULT)
def test_a_throttle_above_a_low_default_regions_quota_is_warned(region: str) -> None:
    said = api.throttle_warning(config(region=region, api={"throttling": {"rate": 3000}}))
    assert said is not None and said.startswith("api.throttling.rate 3000 is above"), said
    assert "2,500" in said and region in said and "Throttle rate" in said, said
    said = api.throttle_warning(config(region=region, api={"throttling": {"burst": 2000}}))
    assert said is not None and said.startswith("api.throttling.burst 2000 is above"), said
    assert "1,250" in said, said


@pytest.mark.parametrize(
    ("region", "throttling"),
    [
        ("af-south-1", {"rate": 2500, "burst": 1250}),  # at the quota: allowed
        ("us-east-1", {"rate": 10000, "burst": 5000}),  # the usual regions' quota
        ("eu-west-1", {"rate": 3000, "burst": 2000}),
    ],
)
def test_a_throttle_within_the_regions_default_quota_is_not_warned(
    region: str, throttling: dict[str, float]
) -> None:
    assert api.throttle_warning(config(region=region, api={"throttling": throttling})) is None
