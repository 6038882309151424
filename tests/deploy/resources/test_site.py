"""The site: the website bucket (another region too) and its objects, uploaded by MD5."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY, Stubber

from deploy.aws import DeployError
from deploy.plan import Ref, has_ref, resolve
from deploy.resources import site
from deploy.resources.base import PlanContext
from deploy.site_manifest import md5_hex
from deploy.world import Desired, World
from tests.deploy.resources.conftest import config, execute, inputs, make_aws, names

N = names()
BUCKET = "trends-anomaly-site-123456789012-us-east-1"
TAG_LIST = [
    {"Key": "managed-by", "Value": "trends-anomaly-gitops"},
    {"Key": "project", "Value": "trends-anomaly"},
]
CONFIG_JS = (
    b'window.TRENDS_CONFIG = {"apiUrl": "https://a1.execute-api.us-east-1.amazonaws.com", '
    b'"maxUploadBytes": 6291456};\n'
)


def desired(region: str = "us-east-1", **cfg: object) -> Desired:
    return Desired.of(site.desired(config(region=region, **cfg), inputs(names(region))))


def bound(d: Desired) -> Desired:
    return Desired.of(resolve(r, {"api_id": "a1"}) for r in d)


def seen_bucket(**over) -> site.SeenBucket:
    b = desired().one("s3_bucket")
    values = dict(
        name=BUCKET,
        ownership=b.ownership,
        website=dict(b.website),
        public_access_block=dict(b.public_access_block),
        policy=b.policy,
        tags={"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"},
    )
    values.update(over)
    return site.SeenBucket(**values)


def test_config_js_waits_for_the_api_and_carries_the_upload_limit() -> None:
    d = desired(endpoint={"serverless": {}})
    config_js = d.get("site_object", "config.js")
    assert has_ref(config_js) and isinstance(config_js.body, Ref)
    settings = bound(d).get("site_object", "config.js")
    body = settings.body.decode()
    assert '"maxUploadBytes": 4194304' in body  # serverless: 4 MB is every hop's limit
    assert settings.md5 == md5_hex(settings.body) and settings.cache_control == "no-cache"


def test_observe_bucket_settings_and_objects_or_nothing() -> None:
    aws = make_aws()
    b = desired().one("s3_bucket")
    with Stubber(aws.client("s3")) as stub:
        stub.add_response("head_bucket", {}, {"Bucket": BUCKET})
        stub.add_response(
            "get_bucket_website",
            {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "index.html"}},
            {"Bucket": BUCKET},
        )
        stub.add_response(
            "get_public_access_block",
            {"PublicAccessBlockConfiguration": b.public_access_block},
            {"Bucket": BUCKET},
        )
        stub.add_response("get_bucket_policy", {"Policy": json.dumps(b.policy)}, {"Bucket": BUCKET})
        stub.add_response("get_bucket_tagging", {"TagSet": TAG_LIST}, {"Bucket": BUCKET})
        stub.add_response(
            "get_bucket_ownership_controls",
            {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
            {"Bucket": BUCKET},
        )
        stub.add_response(
            "list_objects_v2",
            {
                "Contents": [
                    {"Key": "index.html", "ETag": '"abc"'},
                    {"Key": "gone.js", "ETag": '"x"'},
                ]
            },
            {"Bucket": BUCKET},
        )
        stub.add_response(
            "head_object",
            {"ContentType": "text/html; charset=utf-8", "CacheControl": "no-cache"},
            {"Bucket": BUCKET, "Key": "index.html"},
        )
        stub.add_client_error("head_object", "404", "Not Found", 404)
        bucket, index = site.observe(aws, N, Desired(), World())
    assert bucket == seen_bucket()
    assert (index.name, index.md5, index.cache_control) == ("index.html", "abc", "no-cache")
    with Stubber(aws.client("s3")) as stub:
        stub.add_response("head_bucket", {})
        for op in (
            "get_bucket_website",
            "get_public_access_block",
            "get_bucket_policy",
            "get_bucket_tagging",
        ):
            stub.add_client_error(
                op,
                {
                    "get_bucket_website": "NoSuchWebsiteConfiguration",
                    "get_public_access_block": "NoSuchPublicAccessBlockConfiguration",
                    "get_bucket_policy": "NoSuchBucketPolicy",
                    "get_bucket_tagging": "NoSuchTagSet",
                }[op],
                "none",
                404,
            )
        stub.add_client_error(
            "get_bucket_ownership_controls", "OwnershipControlsNotFoundError", "none", 404
        )
        stub.add_response("list_objects_v2", {})
        (bare,) = site.observe(aws, N, Desired(), World())
        stub.add_client_error("head_bucket", "404", "Not Found", 404)
        assert site.observe(aws, N, Desired(), World()) == []
    assert (bare.website, bare.policy, bare.tags, bare.ownership) == (None, None, {}, None)


@pytest.mark.parametrize(("region", "location"), [("us-east-1", None), ("eu-west-1", "eu-west-1")])
def test_create_the_bucket_in_its_region_then_configure_it(
    region: str, location: str | None
) -> None:
    aws = make_aws(region)
    bucket = f"trends-anomaly-site-123456789012-{region}"
    (create, *_) = site.plan(PlanContext(bound(desired(region)), World()))
    assert create.steps[0].describe() == "s3:CreateBucket (done if already exists)"
    spec = desired(region).one("s3_bucket")
    with Stubber(aws.client("s3")) as stub:
        expected = {"Bucket": bucket}
        if location:
            expected["CreateBucketConfiguration"] = {"LocationConstraint": location}
        stub.add_client_error(
            "create_bucket", "BucketAlreadyOwnedByYou", "yours", 409, expected_params=expected
        )
        stub.add_response(
            "put_bucket_ownership_controls",
            {},
            {
                "Bucket": bucket,
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            },
        )
        stub.add_response(
            "put_bucket_tagging", {}, {"Bucket": bucket, "Tagging": {"TagSet": TAG_LIST}}
        )
        stub.add_response(
            "put_public_access_block",
            {},
            {"Bucket": bucket, "PublicAccessBlockConfiguration": site.PUBLIC_ACCESS},
        )
        stub.add_response(
            "put_bucket_website",
            {},
            {
                "Bucket": bucket,
                "WebsiteConfiguration": {
                    "IndexDocument": {"Suffix": "index.html"},
                    "ErrorDocument": {"Key": "index.html"},
                },
            },
        )
        stub.add_response(
            "put_bucket_policy", {}, {"Bucket": bucket, "Policy": json.dumps(spec.policy)}
        )
        execute(aws, create)
        stub.assert_no_pending_responses()
    assert (
        json.loads(json.dumps(spec.policy))["Statement"][0]["Resource"]
        == f"arn:aws:s3:::{bucket}/*"
    )


def test_a_bucket_name_another_account_holds_is_a_conflict() -> None:
    aws = make_aws()
    (create, *_) = site.plan(PlanContext(bound(desired()), World()))
    with Stubber(aws.client("s3")) as stub:
        stub.add_client_error("create_bucket", "BucketAlreadyExists", "taken", 409)
        with pytest.raises(DeployError, match="the name is taken"):
            execute(aws, create)


def test_drift_is_put_back_setting_by_setting() -> None:
    world = World.of([seen_bucket(website=None, tags={})])
    (update, *_) = site.plan(PlanContext(bound(desired()), world))
    assert [c.field for c in update.changes] == ["website", "tags"]
    assert [s.operation for s in update.steps] == ["PutBucketTagging", "PutBucketWebsite"]


def test_objects_uploaded_in_order_changed_only_gone_deleted_after() -> None:
    aws = make_aws()
    world = World.of(
        [
            seen_bucket(),
            site.SeenObject(
                "index.html", BUCKET, md5_hex(b"<html>"), "text/html; charset=utf-8", "no-cache"
            ),
            site.SeenObject(
                "config.js", BUCKET, "stale", "text/javascript; charset=utf-8", "no-cache"
            ),
            site.SeenObject("old.js", BUCKET, "x", "text/javascript", "x"),
        ]
    )
    actions = site.plan(PlanContext(bound(desired()), world))
    assert [(a.op, a.name) for a in actions] == [
        ("noop", BUCKET),
        ("create", "assets/app-5QZ3YVJK.js"),
        ("update", "config.js"),
        ("noop", "index.html"),
        ("delete", "old.js"),
    ]
    with Stubber(aws.client("s3")) as stub:
        stub.add_response(
            "put_object",
            {},
            {
                "Bucket": BUCKET,
                "Key": "assets/app-5QZ3YVJK.js",
                "Body": b"js",
                "ContentType": "text/javascript; charset=utf-8",
                "CacheControl": "immutable",
            },
        )
        stub.add_response(
            "put_object",
            {},
            {
                "Bucket": BUCKET,
                "Key": "config.js",
                "Body": CONFIG_JS,
                "ContentType": ANY,
                "CacheControl": "no-cache",
            },
        )
        stub.add_response("delete_object", {}, {"Bucket": BUCKET, "Key": "old.js"})
        execute(aws, *actions)
        stub.assert_no_pending_responses()
    destroy = site.destroy(world)
    assert [(a.kind, a.name) for a in destroy] == [
        ("site_object", "config.js"),
        ("site_object", "index.html"),
        ("site_object", "old.js"),
        ("s3_bucket", BUCKET),
    ]


def test_config_js_made_once_the_api_is_created_in_the_same_apply() -> None:
    aws = make_aws()
    actions = site.plan(PlanContext(desired(), World.of([seen_bucket()])))
    (config_js,) = [a for a in actions if a.name == "config.js"]
    with Stubber(aws.client("s3")) as stub:
        stub.add_response(
            "put_object",
            {},
            {
                "Bucket": BUCKET,
                "Key": "config.js",
                "Body": CONFIG_JS,
                "ContentType": ANY,
                "CacheControl": "no-cache",
            },
        )
        execute(aws, config_js, known={"api_id": "a1"})
