"""The site: the private bucket (another region too), the policy that lets only the site's
CloudFront distribution read it, and its objects, uploaded by MD5."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from botocore.stub import ANY, Stubber

from deploy import lock
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
    b'"maxUploadBytes": 4194304};\n'
)


def desired(region: str = "us-east-1", **cfg: object) -> Desired:
    return Desired.of(site.desired(config(region=region, **cfg), inputs(names(region))))


DIST_ARN = "arn:aws:cloudfront::123456789012:distribution/E2ABCDEF"


def bound(d: Desired) -> Desired:
    return Desired.of(resolve(r, {"api_id": "a1", "distribution_arn": DIST_ARN}) for r in d)


def seen_bucket(**over) -> site.SeenBucket:
    b = desired().one("s3_bucket")
    values = dict(
        name=BUCKET,
        ownership=b.ownership,
        website=None,
        public_access_block=dict(b.public_access_block),
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


def test_the_bucket_is_private_and_only_the_distribution_reads_it() -> None:
    b = desired().one("s3_bucket")
    assert b.public_access_block == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    assert b.website is None
    policy = bound(desired()).one("bucket_policy").policy
    statement, deny = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == f"arn:aws:s3:::{BUCKET}/*"
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceArn": DIST_ARN}}
    # the deploy lock (deploy/lock.py) names who deploys: the site never serves it
    assert (deny["Effect"], deny["Principal"], deny["Action"], deny["Resource"]) == (
        "Deny",
        {"Service": "cloudfront.amazonaws.com"},
        "s3:GetObject",
        f"arn:aws:s3:::{BUCKET}/.deploy/lock.json",
    )
    assert site.RESOURCE.kinds["bucket_policy"] == ("s3_bucket", "cloudfront_distribution")


def test_observe_bucket_settings_and_objects_or_nothing() -> None:
    aws = make_aws()
    b = desired().one("s3_bucket")
    policy = bound(desired()).one("bucket_policy").policy
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
        stub.add_response("get_bucket_policy", {"Policy": json.dumps(policy)}, {"Bucket": BUCKET})
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
                    {"Key": ".deploy/lock.json", "ETag": '"l"'},  # a run's lock: skipped
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
        bucket, seen_policy, index = site.observe(aws, N, Desired(), World())
    assert bucket == seen_bucket(
        website={"index": "index.html", "error": "index.html"}  # left from a public bucket
    )
    assert seen_policy == site.SeenPolicy(BUCKET, policy)
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
        # The MD5 apply records wins over the ETag (not the MD5 under SSE-KMS).
        stub.add_response(
            "list_objects_v2", {"Contents": [{"Key": "index.html", "ETag": '"f00d"'}]}
        )
        stub.add_response("head_object", {"Metadata": {"md5": "abc"}})
        (bare, recorded) = site.observe(aws, N, Desired(), World())
        stub.add_client_error("head_bucket", "404", "Not Found", 404)
        assert site.observe(aws, N, Desired(), World()) == []
    assert (bare.website, bare.tags, bare.ownership) == (None, {}, None)
    assert recorded.md5 == "abc"


@pytest.mark.parametrize(("region", "location"), [("us-east-1", None), ("eu-west-1", "eu-west-1")])
def test_create_the_bucket_in_its_region_then_configure_it(
    region: str, location: str | None
) -> None:
    aws = make_aws(region)
    bucket = f"trends-anomaly-site-123456789012-{region}"
    (create, policy_action, *_) = site.plan(PlanContext(bound(desired(region)), World()))
    assert create.steps[0].describe() == "s3:CreateBucket (done if already exists)"
    policy = bound(desired(region)).one("bucket_policy").policy
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
            {"Bucket": bucket, "PublicAccessBlockConfiguration": site.PRIVATE},
        )
        # No website hosting and no public policy: the distribution's read is put after it.
        stub.add_response("put_bucket_policy", {}, {"Bucket": bucket, "Policy": json.dumps(policy)})
        execute(aws, create, policy_action)
        stub.assert_no_pending_responses()
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{bucket}/*"


def test_a_bucket_name_another_account_holds_is_a_conflict() -> None:
    aws = make_aws()
    (create, *_) = site.plan(PlanContext(bound(desired()), World()))
    with Stubber(aws.client("s3")) as stub:
        stub.add_client_error("create_bucket", "BucketAlreadyExists", "taken", 409)
        with pytest.raises(DeployError, match=r"taken\. The name is taken"):
            execute(aws, create)


def test_drift_is_put_back_setting_by_setting() -> None:
    public = {**site.PRIVATE, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    website = {"index": "index.html", "error": "index.html"}
    world = World.of([seen_bucket(website=website, public_access_block=public, tags={})])
    (update, *_) = site.plan(PlanContext(bound(desired()), world))
    assert [c.field for c in update.changes] == ["website", "public_access_block", "tags"]
    assert [s.operation for s in update.steps] == [
        "PutBucketTagging",
        "PutPublicAccessBlock",
        "DeleteBucketWebsite",
    ]


def test_a_public_policy_left_from_the_website_era_is_replaced() -> None:
    public = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*"}]}
    world = World.of([seen_bucket(), site.SeenPolicy(BUCKET, public)])
    (_, policy_action, *_) = site.plan(PlanContext(bound(desired()), world))
    assert policy_action.op == "update"
    assert [s.operation for s in policy_action.steps] == ["PutBucketPolicy"]
    world = World.of([seen_bucket(), bound(desired()).one("bucket_policy")])
    (_, same, *_) = site.plan(PlanContext(bound(desired()), world))
    assert same.op == "noop"


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
        ("create", BUCKET),  # the bucket policy
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
                "Metadata": {"md5": hashlib.md5(b"js").hexdigest()},
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
                "Metadata": {"md5": hashlib.md5(CONFIG_JS).hexdigest()},
            },
        )
        stub.add_response("delete_object", {}, {"Bucket": BUCKET, "Key": "old.js"})
        execute(aws, *[a for a in actions if a.kind == "site_object"])
        stub.assert_no_pending_responses()
    destroy = site.destroy(world)
    assert [(a.kind, a.name) for a in destroy] == [
        ("site_object", "config.js"),
        ("site_object", "index.html"),
        ("site_object", "old.js"),
        ("s3_bucket", BUCKET),
    ]
    # The plan and the log say what the bucket's deletion deletes first: the lock, not an
    # object of the site (those are the site_object actions above).
    assert [s.describe() for s in destroy[-1].steps] == [
        f"s3:DeleteObject {lock.KEY}, this run's stack lock (done if already gone)",
        "run: delete the object versions and delete markers left in it, if versioning was "
        "turned on outside deploy",
        "s3:DeleteBucket (done if already gone)",
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
                "Metadata": {"md5": hashlib.md5(CONFIG_JS).hexdigest()},
            },
        )
        execute(aws, config_js, known={"api_id": "a1"})


def test_the_page_csp_is_pinned_to_the_api_once_its_id_is_known() -> None:
    """An HTML page with a CSP connect-src is uploaded with it narrowed to this deployment's
    API (like config.js, its bytes wait for the API's id); a page without one is left as is."""
    from deploy.site_manifest import SiteFile

    csp = (
        b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'; '
        b"connect-src 'self' https: http://127.0.0.1:*\">"
    )
    inp = inputs()
    page = SiteFile("index.html", csp, "text/html; charset=utf-8", "no-cache")
    inp = replace(inp, site_files=(page, SiteFile("about.html", b"<p>", page.content_type, "")))
    d = Desired.of(site.desired(config(), inp))
    index = d.get("site_object", "index.html")
    assert isinstance(index.body, Ref) and isinstance(index.md5, Ref)
    assert d.get("site_object", "about.html").body == b"<p>"
    pinned = bound(d).get("site_object", "index.html")
    api = "https://a1.execute-api.us-east-1.amazonaws.com"
    assert pinned.body == csp.replace(b"'self' https: http://127.0.0.1:*", f"'self' {api}".encode())
    assert pinned.md5 == md5_hex(pinned.body)


def test_versions_s3_did_not_delete_fail_the_buckets_deletion_there() -> None:
    """DeleteObjects answers 200 with the keys it could not delete under ``Errors``: taken as
    done, the step said the lock in the bucket deleted (destroy then said it "gone", none held,
    when its release was interrupted) while it was still there."""
    aws = make_aws()
    listed = {"Versions": [{"Key": lock.KEY, "VersionId": "null"}], "IsTruncated": False}
    refused = {
        "Deleted": [],
        "Errors": [
            {"Key": lock.KEY, "VersionId": "null", "Code": "AccessDenied", "Message": "Denied"}
        ],
    }
    with Stubber(aws.client("s3")) as stub:
        stub.add_response("list_object_versions", listed, {"Bucket": BUCKET})
        stub.add_response("delete_objects", refused, {"Bucket": BUCKET, "Delete": ANY})
        with pytest.raises(DeployError) as err:
            site.delete_versions(aws, lambda _m: None, BUCKET)
    said = str(err.value)
    assert f"{lock.KEY} (AccessDenied: Denied)" in said and BUCKET in said
