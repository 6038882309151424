"""The site's CloudFront distribution and origin access control: found again by name/origin
and tag, created with the private bucket as origin, updated and deleted with the ETag of the
step before, disabled and waited for before delete; invalidations of exactly what changed."""

from __future__ import annotations

import pytest
from botocore.stub import ANY, Stubber

from deploy.aws import DeployError
from deploy.plan import Action, Ref, resolve
from deploy.resources import cdn
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import config, execute, inputs, make_aws, names

N = names()
BUCKET = "trends-anomaly-site-123456789012-us-east-1"
ORIGIN = f"{BUCKET}.s3.us-east-1.amazonaws.com"
OAC = "trends-anomaly-site-us-east-1"
DIST_ARN = "arn:aws:cloudfront::123456789012:distribution/E2DIST"
TAGS = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}


def desired() -> Desired:
    return Desired.of(cdn.desired(config(), inputs(N)))


def bound() -> Desired:
    return Desired.of(resolve(s, {"oac_id": "E3OAC"}) for s in desired())


def seen_oac(**over) -> cdn.SeenOac:
    spec = desired().one("cloudfront_oac")
    values = dict(
        name=OAC,
        oac_id="E3OAC",
        etag="EOAC1",
        description=spec.description,
        signing_protocol="sigv4",
        signing_behavior="always",
        origin_type="s3",
    )
    values.update(over)
    return cdn.SeenOac(**values)


def aws_config(enabled: bool = True) -> dict:
    """The DistributionConfig as AWS returns it for what the engine made."""
    spec = bound().one("cloudfront_distribution")
    config = cdn.distribution_config(spec.settings, f"{BUCKET}/E3OAC")
    config["Enabled"] = enabled
    return config


def distribution_answer(
    status: str = "Deployed", config: dict | None = None, etag: str = "ETAG1", **extra
) -> dict:
    """A GetDistribution-shaped answer for E2DIST (CreateDistribution adds fields by ``extra``)."""
    return {
        "Distribution": {
            "Id": "E2DIST",
            "ARN": DIST_ARN,
            "Status": status,
            "LastModifiedTime": "2026-01-01T00:00:00Z",
            "InProgressInvalidationBatches": 0,
            "DomainName": "d1.cloudfront.net",
            **extra,
            "DistributionConfig": config if config is not None else aws_config(),
        },
        "ETag": etag,
    }


def seen_dist(status: str = "Deployed", enabled: bool = True, **over) -> cdn.SeenDistribution:
    config = aws_config(enabled)
    values = dict(
        name=OAC,
        distribution_id="E2DIST",
        arn=DIST_ARN,
        domain="d1.cloudfront.net",
        status=status,
        etag="ETAG1",
        enabled=enabled,
        settings=cdn.settings_of(config),
        config=config,
        tags=dict(TAGS),
    )
    values.update(over)
    return cdn.SeenDistribution(**values)


def ctx(world: World, planned: list[Action] | None = None) -> PlanContext:
    return PlanContext(bound(), world, planned or [])


def test_desired_serves_the_private_bucket_over_https() -> None:
    oac, dist = desired()
    assert oac.name == OAC and dist.bucket_domain == ORIGIN
    assert isinstance(dist.settings["origins"][0]["oac"], Ref)
    s = bound().one("cloudfront_distribution").settings
    assert s["origins"] == [{"id": "site-bucket", "domain": ORIGIN, "oac": "E3OAC", "s3_oai": ""}]
    assert s["default_root_object"] == "index.html" and s["default_certificate"] is True
    assert s["default_behavior"]["viewer_protocol"] == "redirect-to-https"
    assert s["default_behavior"]["cache_policy"] == cdn.CACHING_OPTIMIZED
    assert {b["path"]: b["cache_policy"] for b in s["behaviors"]} == {
        "/index.html": cdn.CACHING_DISABLED,
        "/config.js": cdn.CACHING_DISABLED,
    }
    # Security headers (HSTS, nosniff, frame options, referrer policy) on every response.
    assert s["default_behavior"]["headers_policy"] == cdn.SECURITY_HEADERS
    assert {b["headers_policy"] for b in s["behaviors"]} == {cdn.SECURITY_HEADERS}
    # What AWS gives back compares equal: a second plan has nothing to do.
    assert cdn.settings_of(aws_config()) == s


def test_a_distribution_without_the_security_headers_is_updated() -> None:
    """A distribution made before the headers policy (or with it removed by hand) differs
    in its behaviours: the plan updates it in place."""
    config = aws_config()
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Items"]]:
        behavior.pop("ResponseHeadersPolicyId")
    assert cdn.settings_of(config)["default_behavior"]["headers_policy"] is None
    assert cdn.settings_of(config) != bound().one("cloudfront_distribution").settings


def test_from_nothing_oac_then_distribution_then_wait_last() -> None:
    actions = cdn.plan(PlanContext(desired(), World()))
    assert [(a.op, a.kind) for a in actions] == [
        ("create", "cloudfront_oac"),
        ("create", "cloudfront_distribution"),
        ("wait", "cdn_deployed"),
    ]
    create = actions[1].steps[0]
    assert create.operation == "CreateDistributionWithTags"
    assert create.outputs["distribution_domain"] == "Distribution.DomainName"
    assert cdn.RESOURCE.kinds["cdn_deployed"] == ("cdn_invalidation",)


def test_create_calls_with_the_ids_aws_assigns() -> None:
    aws = make_aws()
    oac_action, dist_action, wait_action = cdn.plan(PlanContext(desired(), World()))
    with Stubber(aws.client("cloudfront")) as stub:
        stub.add_response(
            "create_origin_access_control",
            {
                "OriginAccessControl": {
                    "Id": "E3OAC",
                    "OriginAccessControlConfig": {
                        "Name": OAC,
                        "SigningProtocol": "sigv4",
                        "SigningBehavior": "always",
                        "OriginAccessControlOriginType": "s3",
                    },
                },
                "ETag": "EOAC1",
            },
            {
                "OriginAccessControlConfig": {
                    "Name": OAC,
                    "Description": ANY,
                    "SigningProtocol": "sigv4",
                    "SigningBehavior": "always",
                    "OriginAccessControlOriginType": "s3",
                }
            },
        )
        stub.add_response(
            "create_distribution_with_tags",
            distribution_answer(
                "InProgress", ActiveTrustedSigners={"Enabled": False, "Quantity": 0}
            ),
            {
                "DistributionConfigWithTags": {
                    "DistributionConfig": aws_config(),
                    "Tags": {"Items": ANY},
                }
            },
        )
        stub.add_response(
            "get_distribution",
            distribution_answer(),
            {"Id": "E2DIST"},
        )
        lines = execute(aws, oac_action, dist_action, wait_action)
        stub.assert_no_pending_responses()
    assert any("distribution E2DIST: Deployed" in line for line in lines)


def test_unchanged_is_noop_and_a_change_updates_with_the_etag() -> None:
    world = World.of([seen_oac(), seen_dist()])
    actions = cdn.plan(ctx(world))
    assert [a.op for a in actions] == ["noop", "noop"]
    assert "Deployed at https://d1.cloudfront.net" in actions[1].reason
    drifted = seen_dist(settings={**seen_dist().settings, "default_root_object": "x.html"})
    _oac, dist, wait = cdn.plan(ctx(World.of([seen_oac(), drifted])))
    (update,) = dist.steps
    assert (update.operation, update.params["IfMatch"]) == ("UpdateDistribution", "ETAG1")
    assert update.params["DistributionConfig"]["DefaultRootObject"] == "index.html"
    assert update.params["DistributionConfig"]["CallerReference"] == f"{BUCKET}/E3OAC"
    assert wait.op == "wait" and "changed" in wait.reason
    retag = cdn.plan(ctx(World.of([seen_oac(), seen_dist(tags={})])))[1]
    assert [s.operation for s in retag.steps] == ["TagResource"]


def test_a_change_still_deploying_is_waited_for_but_is_no_difference() -> None:
    from deploy.plan import has_changes

    actions = cdn.plan(ctx(World.of([seen_oac(), seen_dist(status="InProgress")])))
    assert [a.op for a in actions] == ["noop", "noop", "wait"]
    assert not has_changes(actions)


def test_oac_drift_is_updated_with_its_etag() -> None:
    (oac, *_) = cdn.plan(ctx(World.of([seen_oac(signing_behavior="never"), seen_dist()])))
    (call,) = oac.steps
    assert (call.operation, call.params["IfMatch"], call.params["Id"]) == (
        "UpdateOriginAccessControl",
        "EOAC1",
        "E3OAC",
    )


def test_destroy_disables_first_then_waits_deletes_then_the_oac() -> None:
    """Two actions: the disable alone (kind ``cdn_disabled``, which destroy runs first, so
    CloudFront deploys it while the endpoint is deleted), then the wait for what is left of
    that and the delete with the ETag the disable returned."""
    aws = make_aws()
    disable, dist_action, oac_action = cdn.destroy(World.of([seen_dist(), seen_oac()]))
    assert (disable.kind, disable.op, disable.name) == ("cdn_disabled", "update", OAC)
    assert disable.reason == cdn.DISABLE_FIRST
    assert "first" in disable.reason and "while the endpoint and the rest are" in disable.reason
    assert [s.describe() for s in disable.steps] == ["cloudfront:UpdateDistribution"]
    assert dist_action.reason == "destroy, once the disable issued first is Deployed"
    assert [s.describe().split(" ")[0] for s in dist_action.steps] == [
        "wait",
        "cloudfront:DeleteDistribution",
    ]
    assert "cdn_disabled" in cdn.RESOURCE.early
    assert cdn.RESOURCE.kinds["cdn_disabled"] == ("cloudfront_distribution",)
    disabled = {**aws_config(), "Enabled": False}
    deployed = distribution_answer(config=disabled, etag="ETAG2")
    with Stubber(aws.client("cloudfront")) as stub:
        stub.add_response(
            "update_distribution",
            {**deployed, "ETag": "ETAG2"},
            {"Id": "E2DIST", "IfMatch": "ETAG1", "DistributionConfig": disabled},
        )
        stub.add_response("get_distribution", deployed, {"Id": "E2DIST"})
        stub.add_response("delete_distribution", {}, {"Id": "E2DIST", "IfMatch": "ETAG2"})
        stub.add_client_error(
            "delete_origin_access_control", "NoSuchOriginAccessControl", "gone", 404
        )
        execute(aws, disable, dist_action, oac_action)
        stub.assert_no_pending_responses()
    # Already disabled and Deployed: straight to the delete.
    (quick,) = cdn.destroy(World.of([seen_dist(enabled=False)]))
    assert [s.operation for s in quick.steps] == ["DeleteDistribution"]
    assert quick.reason == "destroy"
    # Disabled by a run that stopped then: no second disable, the wait and the delete with
    # the ETag observed now (the disable's).
    (rest,) = cdn.destroy(World.of([seen_dist(status="InProgress", enabled=False, etag="E2")]))
    assert [s.describe().split(" ")[0] for s in rest.steps] == [
        "wait",
        "cloudfront:DeleteDistribution",
    ]
    assert rest.steps[-1].params == {"Id": "E2DIST", "IfMatch": "E2"}
    assert "disabled already" in rest.reason and "InProgress" in rest.reason


def test_a_duplicate_is_still_disabled_waited_for_and_deleted_in_one_action() -> None:
    """Apply's clean-up of a duplicate keeps the three steps in one action (after-phase)."""
    dup = seen_dist(name=f"{OAC}#E9DUP", distribution_id="E9DUP", duplicate=True)
    (delete,) = [
        a for a in cdn.plan(ctx(World.of([seen_oac(), seen_dist(), dup]))) if a.op == "delete"
    ]
    assert [s.describe().split(" ")[0] for s in delete.steps] == [
        "cloudfront:UpdateDistribution",
        "wait",
        "cloudfront:DeleteDistribution",
    ]
    assert delete.steps[-1].params["IfMatch"] == Ref("etag:E9DUP")


def test_a_duplicate_from_a_lost_create_answer_is_deleted_after() -> None:
    dup = seen_dist(name=f"{OAC}#E9DUP", distribution_id="E9DUP", duplicate=True)
    assert dup.provides == {}
    actions = cdn.plan(ctx(World.of([seen_oac(), seen_dist(), dup])))
    (delete,) = [a for a in actions if a.op == "delete"]
    assert delete.phase == "after" and delete.name == f"{OAC}#E9DUP"
    assert cdn.site_domain(World.of([seen_dist(), dup])) == "d1.cloudfront.net"
    assert cdn.site_domain(World()) is None


def _object_action(op: str, key: str) -> Action:
    return Action(op, "site_object", key, "")


def test_invalidation_of_what_changed_or_went_never_of_new_files() -> None:
    world = World.of([seen_oac(), seen_dist()])
    planned = [
        _object_action("create", "assets/app-NEW.js"),
        _object_action("update", "index.html"),
        _object_action("delete", "assets/app-OLD.js"),
        _object_action("noop", "style.css"),
    ]
    (inv,) = [a for a in cdn.plan(ctx(world, planned)) if a.kind == "cdn_invalidation"]
    create, _wait = inv.steps
    batch = create.params["InvalidationBatch"]
    assert batch["Paths"]["Items"] == ["/", "/assets/app-OLD.js", "/index.html"]
    again = next(a for a in cdn.plan(ctx(world, planned)) if a.kind == "cdn_invalidation")
    assert again.steps[0].params["InvalidationBatch"]["CallerReference"] == batch["CallerReference"]
    many = [_object_action("update", f"f{i}.css") for i in range(cdn.MAX_PATHS + 1)]
    (inv,) = [a for a in cdn.plan(ctx(world, many)) if a.kind == "cdn_invalidation"]
    assert inv.steps[0].params["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
    assert not [a for a in cdn.plan(ctx(world, planned[:1])) if a.kind == "cdn_invalidation"]
    aws = make_aws()
    with Stubber(aws.client("cloudfront")) as stub:
        stub.add_response(
            "get_invalidation",
            {
                "Invalidation": {
                    "Id": "I1",
                    "Status": "InProgress",
                    "CreateTime": "2026-01-01T00:00:00Z",
                    "InvalidationBatch": {
                        "Paths": {"Quantity": 1, "Items": ["/"]},
                        "CallerReference": "r",
                    },
                }
            },
            {"DistributionId": "E2DIST", "Id": "I1"},
        )
        assert cdn.invalidated(aws, "E2DIST", "I1") == (False, "invalidation I1: InProgress")
        stub.add_client_error("get_invalidation", "NoSuchInvalidation", "gone", 404)
        with pytest.raises(DeployError, match="not found"):
            cdn.invalidated(aws, "E2DIST", "I1")
        stub.add_client_error("get_distribution", "NoSuchDistribution", "gone", 404)
        with pytest.raises(DeployError, match="disappeared"):
            cdn.deployed(aws, "E2DIST")


def summary(dist_id: str, arn: str, origin: str) -> dict:
    """A ListDistributions item, every member botocore requires."""
    c = aws_config()
    return {
        "Id": dist_id,
        "ARN": arn,
        "Status": "Deployed",
        "LastModifiedTime": "2026-01-01T00:00:00Z",
        "DomainName": "d1.cloudfront.net",
        "Aliases": {"Quantity": 0},
        "Origins": {"Quantity": 1, "Items": [{"Id": "site-bucket", "DomainName": origin}]},
        "DefaultCacheBehavior": c["DefaultCacheBehavior"],
        "CacheBehaviors": c["CacheBehaviors"],
        "CustomErrorResponses": {"Quantity": 0},
        "Comment": "",
        "PriceClass": c["PriceClass"],
        "Enabled": True,
        "ViewerCertificate": c["ViewerCertificate"],
        "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "WebACLId": "",
        "HttpVersion": c["HttpVersion"],
        "IsIPV6Enabled": True,
        "Staging": False,
    }


def test_observe_finds_ours_by_origin_and_tag_across_pages() -> None:
    aws = make_aws()
    item = summary("E2DIST", DIST_ARN, ORIGIN)
    other = summary("E7OTHER", "arn:aws:cloudfront::123456789012:distribution/E7", "x.s3.aws")
    full = distribution_answer()
    with Stubber(aws.client("cloudfront")) as stub:
        stub.add_response(
            "list_origin_access_controls",
            {
                "OriginAccessControlList": {
                    "Marker": "",
                    "MaxItems": 100,
                    "IsTruncated": True,
                    "NextMarker": "m2",
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "E0",
                            "Name": "someone-else",
                            "Description": "",
                            "SigningProtocol": "sigv4",
                            "SigningBehavior": "always",
                            "OriginAccessControlOriginType": "s3",
                        }
                    ],
                }
            },
        )
        stub.add_response(
            "list_origin_access_controls",
            {
                "OriginAccessControlList": {
                    "Marker": "m2",
                    "MaxItems": 100,
                    "IsTruncated": False,
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "E3OAC",
                            "Name": OAC,
                            "Description": "",
                            "SigningProtocol": "sigv4",
                            "SigningBehavior": "always",
                            "OriginAccessControlOriginType": "s3",
                        }
                    ],
                }
            },
            {"Marker": "m2"},
        )
        stub.add_response(
            "get_origin_access_control",
            {
                "OriginAccessControl": {
                    "Id": "E3OAC",
                    "OriginAccessControlConfig": {
                        "Name": OAC,
                        "Description": seen_oac().description,
                        "SigningProtocol": "sigv4",
                        "SigningBehavior": "always",
                        "OriginAccessControlOriginType": "s3",
                    },
                },
                "ETag": "EOAC1",
            },
            {"Id": "E3OAC"},
        )
        stub.add_response(
            "list_distributions",
            {
                "DistributionList": {
                    "Marker": "",
                    "MaxItems": 100,
                    "IsTruncated": False,
                    "Quantity": 2,
                    "Items": [other, item],
                }
            },
        )
        stub.add_response(
            "list_tags_for_resource",
            {"Tags": {"Items": [{"Key": k, "Value": v} for k, v in TAGS.items()]}},
            {"Resource": DIST_ARN},
        )
        stub.add_response("get_distribution", full, {"Id": "E2DIST"})
        oac, dist = cdn.observe(aws, N, Desired(), World())
        stub.assert_no_pending_responses()
    assert oac == seen_oac()
    assert dist == seen_dist()


def test_observe_finds_our_distribution_on_the_second_page() -> None:
    """An account with more distributions than one ListDistributions answer holds (MaxItems,
    100 at most): ours on the second page is found by Marker = the first page's NextMarker;
    read from the first page alone, apply would create a second distribution beside it."""
    aws = make_aws()
    item = summary("E2DIST", DIST_ARN, ORIGIN)
    other = summary("E7OTHER", "arn:aws:cloudfront::123456789012:distribution/E7", "x.s3.aws")
    page = {"MaxItems": 1, "Quantity": 1}
    with Stubber(aws.client("cloudfront")) as stub:
        first = {"Marker": "", "IsTruncated": True, "NextMarker": "E7OTHER", "Items": [other]}
        stub.add_response("list_distributions", {"DistributionList": {**page, **first}}, {})
        last = {"Marker": "E7OTHER", "IsTruncated": False, "Items": [item]}
        stub.add_response(
            "list_distributions", {"DistributionList": {**page, **last}}, {"Marker": "E7OTHER"}
        )
        stub.add_response(
            "list_tags_for_resource",
            {"Tags": {"Items": [{"Key": k, "Value": v} for k, v in TAGS.items()]}},
            {"Resource": DIST_ARN},
        )
        stub.add_response("get_distribution", distribution_answer(), {"Id": "E2DIST"})
        found = cdn.observe_distributions(aws, N)
        assert found == [seen_dist()]
        stub.assert_no_pending_responses()


def test_a_marker_answered_twice_stops_the_list_instead_of_looping() -> None:
    """A CloudFront list whose next page repeats a marker already followed would be read for
    ever (the loop had no bound); botocore's paginator, which reads it now (`Aws.pages`),
    refuses the same token twice, and `Aws.items` says so as a DeployError naming the list,
    after the pages given."""
    aws = make_aws()
    other = summary("E7OTHER", "arn:aws:cloudfront::123456789012:distribution/E7", "x.s3.aws")
    page = {"MaxItems": 1, "Quantity": 1, "IsTruncated": True, "NextMarker": "E7OTHER"}
    with Stubber(aws.client("cloudfront")) as stub:
        first = {**page, "Marker": "", "Items": [other]}
        stub.add_response("list_distributions", {"DistributionList": first}, {})
        again = {**page, "Marker": "E7OTHER", "Items": [other]}
        stub.add_response("list_distributions", {"DistributionList": again}, {"Marker": "E7OTHER"})
        with pytest.raises(DeployError, match=r"DistributionList.*twice.*E7OTHER"):
            cdn.observe_distributions(aws, N)
        stub.assert_no_pending_responses()
