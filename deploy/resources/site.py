"""The static page: a private S3 bucket, the objects in it, and the policy that lets only the
site's CloudFront distribution read them.

The bucket is never public: all four Block Public Access settings on, no website hosting, and
a bucket policy that allows ``s3:GetObject`` to the CloudFront service principal only for this
distribution (``AWS:SourceArn``), which S3 does not count as public — so account- and
Organizations-level Block Public Access cannot break it, and nothing races with them. The
page is served over HTTPS by CloudFront (deploy/resources/cdn.py).

Objects are compared by MD5 (S3's ETag of a single-part upload), so only changed files are
uploaded: assets first, config.js, HTML last (a page never references a missing asset); files
gone from the build are deleted after the upload. config.js is generated for this deployment:
the API's URL (known once the API exists) and the upload limit every hop accepts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from deploy import lock
from deploy.aws import DeployError, tag_dict, tag_list
from deploy.aws_errors import ErrorKind
from deploy.naming import Names
from deploy.plan import Action, Call, Phase, Ref, Run, Step
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, fields_of, reconcile
from deploy.site_manifest import (
    CONFIG_JS,
    cache_control,
    config_js,
    content_type,
    has_connect_src,
    md5_hex,
    pin_connect_src,
    upload_order,
)
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs
    from deploy.site_manifest import SiteFile

PRIVATE = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@dataclass(frozen=True)
class BucketSpec:
    KIND: ClassVar[str] = "s3_bucket"
    name: str
    region: str = field(compare=False)
    # CloudFront OAC needs "Bucket owner enforced" (ACLs off), the default of new buckets.
    ownership: str = "BucketOwnerEnforced"
    website: dict[str, str] | None = None  # no website hosting: CloudFront serves the page
    public_access_block: dict[str, bool] = field(default_factory=lambda: dict(PRIVATE))
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenBucket:
    KIND: ClassVar[str] = "s3_bucket"
    name: str
    ownership: str | None
    website: dict[str, str] | None
    public_access_block: dict[str, bool] | None
    tags: dict[str, str]


@dataclass(frozen=True)
class BucketOwner:
    """The stack's bucket as the lock's check sees it: only its tags (whose it is)."""

    KIND: ClassVar[str] = "s3_bucket"
    name: str
    tags: dict[str, str]


@dataclass(frozen=True)
class PolicySpec:
    """The bucket's policy; it names the distribution, so it waits for the distribution's ARN."""

    KIND: ClassVar[str] = "bucket_policy"
    name: str  # the bucket
    policy: dict[str, Any] | Ref


@dataclass(frozen=True)
class SeenPolicy:
    KIND: ClassVar[str] = "bucket_policy"
    name: str
    policy: dict[str, Any]


@dataclass(frozen=True)
class ObjectSpec:
    """``name`` is the key; ``body`` the exact bytes (a Ref for config.js until the API exists)."""

    KIND: ClassVar[str] = "site_object"
    name: str
    bucket: str = field(compare=False)
    md5: str | Ref = ""
    content_type: str = ""
    cache_control: str = ""
    body: bytes | Ref = field(default=b"", compare=False, repr=False)


@dataclass(frozen=True)
class SeenObject:
    KIND: ClassVar[str] = "site_object"
    name: str
    bucket: str
    md5: str
    content_type: str | None
    cache_control: str | None


def bucket_policy(n: Names, distribution_arn: str) -> dict[str, Any]:
    """Read of objects by this distribution only (CloudFront origin access control): no
    listing, no other principal; not "public" in S3's terms (a service principal pinned to a
    fixed AWS:SourceArn), so Block Public Access stays on."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudFrontReadsObjects",
                "Effect": "Allow",
                "Principal": {"Service": n.principal("cloudfront")},
                "Action": "s3:GetObject",
                "Resource": f"{n.bucket_arn}/*",
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
            },
            {
                # The deploy lock names who runs a deploy: not for the site's visitors.
                "Sid": "NotTheDeployLock",
                "Effect": "Deny",
                "Principal": {"Service": n.principal("cloudfront")},
                "Action": "s3:GetObject",
                "Resource": f"{n.bucket_arn}/{lock.KEY}",
            },
        ],
    }


def _config_js(n: Names, max_upload_bytes: int, api_id: str) -> bytes:
    return config_js(n.api_url(api_id), max_upload_bytes)


def _config_js_md5(n: Names, max_upload_bytes: int, api_id: str) -> str:
    return md5_hex(_config_js(n, max_upload_bytes, api_id))


def _pinned_page(n: Names, html: bytes, api_id: str) -> bytes:
    pinned = pin_connect_src(html, n.api_url(api_id))
    return html if pinned is None else pinned


def _pinned_page_md5(n: Names, html: bytes, api_id: str) -> str:
    return md5_hex(_pinned_page(n, html, api_id))


def _object(n: Names, f: SiteFile) -> ObjectSpec:
    """One file of the built page. An HTML page whose CSP has a connect-src is uploaded with
    it narrowed to this deployment's API (pin_connect_src), so, like config.js, its bytes
    wait for the API's id; every other file is uploaded as built."""
    if f.content_type.startswith("text/html") and has_connect_src(f.body):
        return ObjectSpec(
            f.key,
            n.bucket,
            Ref("api_id", partial(_pinned_page_md5, n, f.body)),
            f.content_type,
            f.cache_control,
            Ref("api_id", partial(_pinned_page, n, f.body)),
        )
    return ObjectSpec(f.key, n.bucket, f.md5, f.content_type, f.cache_control, f.body)


def desired(cfg: Config, inp: Inputs) -> list[Any]:
    n = inp.names
    out: list[Any] = [
        BucketSpec(n.bucket, n.region, tags=cfg.all_tags),
        PolicySpec(n.bucket, Ref("distribution_arn", partial(bucket_policy, n))),
    ]
    out += [_object(n, f) for f in inp.site_files]
    ctype = content_type(CONFIG_JS)
    limit = cfg.max_payload_bytes
    out.append(
        ObjectSpec(
            CONFIG_JS,
            n.bucket,
            Ref("api_id", partial(_config_js_md5, n, limit)),
            ctype,
            cache_control(CONFIG_JS, ctype, cfg.site.cache),
            Ref("api_id", partial(_config_js, n, limit)),
        )
    )
    return out


def observe_owner(aws: Aws, names: Names) -> list[BucketOwner]:
    """The bucket's tags alone, one call (none: no bucket, or no tags): whose the bucket
    that holds the stack's lock is, read before apply takes the lock (`Engine`)."""
    tagging = aws.read("s3", "GetBucketTagging", Bucket=names.bucket)
    return [BucketOwner(names.bucket, tag_dict(tagging["TagSet"]))] if tagging else []


def bucket_exists(aws: Aws, names: Names) -> bool:
    """Whether the stack's bucket (where the lock is written) exists: one HeadBucket."""
    return aws.read("s3", "HeadBucket", Bucket=names.bucket) is not None


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[Any]:
    b = names.bucket
    if aws.read("s3", "HeadBucket", Bucket=b) is None:
        return []
    web = aws.read("s3", "GetBucketWebsite", Bucket=b)
    pab = aws.read("s3", "GetPublicAccessBlock", Bucket=b)
    pol = aws.read("s3", "GetBucketPolicy", Bucket=b)
    tagging = aws.read("s3", "GetBucketTagging", Bucket=b)
    own = aws.read("s3", "GetBucketOwnershipControls", Bucket=b)
    rules = own["OwnershipControls"]["Rules"] if own else []
    out: list[Any] = [
        SeenBucket(
            name=b,
            ownership=rules[0]["ObjectOwnership"] if rules else None,
            website={
                "index": web["IndexDocument"]["Suffix"],
                "error": web.get("ErrorDocument", {}).get("Key"),
            }
            if web
            else None,
            public_access_block=pab["PublicAccessBlockConfiguration"] if pab else None,
            tags=tag_dict(tagging["TagSet"]) if tagging else {},
        )
    ]
    if pol:
        out.append(SeenPolicy(b, json.loads(pol["Policy"])))
    for obj in aws.pages("s3", "ListObjectsV2", "Contents", Bucket=b):
        if obj["Key"] == lock.KEY:
            continue  # the run's own lock (deploy/lock.py), not a file of the page
        head = aws.read("s3", "HeadObject", Bucket=b, Key=obj["Key"])
        if head is None:
            continue  # deleted between the list and the head
        out.append(
            SeenObject(
                name=obj["Key"],
                bucket=b,
                md5=recorded_md5(head) or obj["ETag"].strip('"'),
                content_type=head.get("ContentType"),
                cache_control=head.get("CacheControl"),
            )
        )
    return out


# --- plan ----------------------------------------------------------------------------------------
def _bucket_puts(spec: BucketSpec, fields: set[str]) -> list[Step]:
    b = spec.name
    steps: list[Step] = []
    if "ownership" in fields:
        steps.append(
            Call(
                "s3",
                "PutBucketOwnershipControls",
                {
                    "Bucket": b,
                    "OwnershipControls": {"Rules": [{"ObjectOwnership": spec.ownership}]},
                },
            )
        )
    if "tags" in fields:
        steps.append(
            Call(
                "s3",
                "PutBucketTagging",
                {"Bucket": b, "Tagging": {"TagSet": tag_list(spec.tags or {})}},
            )
        )
    if "public_access_block" in fields:
        steps.append(
            Call(
                "s3",
                "PutPublicAccessBlock",
                {"Bucket": b, "PublicAccessBlockConfiguration": spec.public_access_block},
            )
        )
    if "website" in fields and spec.website is None:
        # Website hosting left from a public bucket (the page was plain http): off.
        steps.append(Call("s3", "DeleteBucketWebsite", {"Bucket": b}, ok_if=GONE_OK))
    return steps


# What CreateBucket does not already set as wanted (a new bucket has no website hosting).
CREATE_SETTINGS = {"ownership", "tags", "public_access_block"}


def _create_bucket(spec: BucketSpec) -> tuple[Step, ...]:
    params: dict[str, Any] = {"Bucket": spec.name}
    if spec.region != "us-east-1":  # us-east-1 is the default location and takes no constraint
        params["CreateBucketConfiguration"] = {"LocationConstraint": spec.region}
    # BucketAlreadyOwnedByYou: a create of ours whose answer was lost; the puts converge it.
    create = Call("s3", "CreateBucket", params, ok_if=frozenset({ErrorKind.EXISTS}))
    # New buckets already block public access; it is put anyway, so that a bucket created by
    # an account or tool with other defaults ends up private too.
    return (create, *_bucket_puts(spec, CREATE_SETTINGS))


def _policy_json(spec: PolicySpec) -> str | Ref:
    policy = spec.policy
    if isinstance(policy, Ref):
        return Ref(policy.needs, lambda v: json.dumps(policy.resolve({policy.needs: v})))
    return json.dumps(policy)


def _put_policy(spec: PolicySpec) -> tuple[Step, ...]:
    return (Call("s3", "PutBucketPolicy", {"Bucket": spec.name, "Policy": _policy_json(spec)}),)


# The user metadata (x-amz-meta-md5) where apply records a file's MD5. S3's ETag is the MD5
# only for objects stored with SSE-S3 or none: "Objects encrypted by SSE-C or SSE-KMS have
# ETags that are not an MD5 digest of their object data" (S3 API reference, Object), so
# a bucket an account's policy turned to KMS had every file uploaded again by every apply.
MD5_METADATA = "md5"


def recorded_md5(head: dict[str, Any]) -> str | None:
    """The MD5 apply recorded on an object (HeadObject's Metadata), None on one put before
    apply recorded it (its ETag is compared then, right unless the bucket uses KMS)."""
    value = (head.get("Metadata") or {}).get(MD5_METADATA)
    return str(value) if value else None


def _put_object(spec: ObjectSpec) -> tuple[Step, ...]:
    return (
        Call(
            "s3",
            "PutObject",
            {
                "Bucket": spec.bucket,
                "Key": spec.name,
                "Body": spec.body,
                "ContentType": spec.content_type,
                "CacheControl": spec.cache_control,
                # The ETag is the MD5 only without SSE-KMS: the next plan compares this.
                "Metadata": {MD5_METADATA: spec.md5},
            },
        ),
    )


def _delete_object(seen: Any, reason: str, phase: Phase) -> Action:
    call = Call("s3", "DeleteObject", {"Bucket": seen.bucket, "Key": seen.name}, ok_if=GONE_OK)
    return Action("delete", "site_object", seen.name, reason, steps=(call,), phase=phase)


def plan(ctx: PlanContext) -> list[Action]:
    out: list[Action] = []
    for spec in ctx.desired.of_kind("s3_bucket"):
        out.append(
            reconcile(
                spec,
                ctx.world.get("s3_bucket", spec.name),
                lambda s=spec: _create_bucket(s),
                lambda changes, s=spec: tuple(_bucket_puts(s, fields_of(changes))),
            )
        )
    for spec in ctx.desired.of_kind("bucket_policy"):
        out.append(
            reconcile(
                spec,
                ctx.world.get("bucket_policy", spec.name),
                lambda s=spec: _put_policy(s),
                lambda _c, s=spec: _put_policy(s),
            )
        )
    objects = {o.name: o for o in ctx.desired.of_kind("site_object")}
    for key in upload_order(list(objects)):
        spec = objects[key]
        out.append(
            reconcile(
                spec,
                ctx.world.get("site_object", key),
                lambda s=spec: _put_object(s),
                lambda _c, s=spec: _put_object(s),
            )
        )
    for seen in sorted(ctx.world.of_kind("site_object"), key=lambda o: o.name):
        if seen.name not in objects:
            out.append(_delete_object(seen, "no longer in the site", "after"))
    return out


def delete_versions(aws: Aws, log: Callable[[str], None], bucket: str) -> None:
    """Delete every object version and delete marker left in ``bucket``: there are some only
    when versioning was turned on outside deploy (by hand, or an account's compliance
    remediation), and S3 refuses to delete a bucket that holds any (BucketNotEmpty)."""
    s3 = aws.client("s3")
    try:
        left = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in aws.pages(
                "s3", "ListObjectVersions", ("Versions", "DeleteMarkers"), Bucket=bucket
            )
        ]
    except s3.exceptions.NoSuchBucket:
        return
    # An unversioned bucket's objects are listed too, as their "null" versions (an object put
    # by hand, outside the site): deleted here, but no version that versioning left. (The
    # destroy's lock was deleted just before; in a versioned bucket its versions and the
    # delete marker that deletion left are listed here.)
    versioned = [v for v in left if v["VersionId"] != "null"]
    if versioned:
        log(f"      {len(versioned)} object version(s) and delete marker(s) left by versioning")
    # DeleteObjects takes at most 1000 keys. (Called as aws.client("s3").…: the policy test
    # finds the engine's calls in that form, and checks the roles grant each one.)
    # It answers 200 with what it could not delete under Errors: a step taken as done deleted
    # the lock (site.deletes_lock), so what is left fails the step here, naming each.
    for start in range(0, len(left), 1000):
        answer = aws.client("s3").delete_objects(
            Bucket=bucket, Delete={"Objects": left[start : start + 1000]}
        )
        if answer.get("Errors"):
            raise DeployError(
                f"S3 did not delete these versions in {bucket}: "
                + ", ".join(_not_deleted(e) for e in answer["Errors"])
            )


def _not_deleted(error: dict[str, Any]) -> str:
    """One of DeleteObjects' Errors: ``key (Code: Message)``."""
    return f"{error.get('Key')} ({error.get('Code')}: {error.get('Message', '')})"


def destroy(world: World) -> list[Action]:
    """Every object, then the bucket (its policy goes with it), emptied of the versions
    that versioning turned on outside deploy keeps."""
    out = [
        _delete_object(o, "destroy", "main")
        for o in sorted(world.of_kind("site_object"), key=lambda o: o.name)
    ]
    out += [
        Action(
            "delete",
            "s3_bucket",
            b.name,
            "destroy",
            steps=(
                # The lock of this destroy (deploy/lock.py) goes with the bucket, first: in a
                # versioned bucket this DeleteObject inserts a delete marker (whether or not
                # the lock is there), which the versions' deletion then removes; after it,
                # the marker was left and DeleteBucket failed with BucketNotEmpty.
                Call(
                    "s3",
                    "DeleteObject",
                    {"Bucket": b.name, "Key": lock.KEY},
                    ok_if=GONE_OK,
                    about=f"{lock.KEY}, this run's stack lock",
                ),
                Run(
                    "delete the object versions and delete markers left in it, if versioning "
                    "was turned on outside deploy",
                    partial(delete_versions, bucket=b.name),
                ),
                Call("s3", "DeleteBucket", {"Bucket": b.name}, ok_if=GONE_OK),
            ),
        )
        for b in world.of_kind("s3_bucket")
    ]
    return out


def deletes_lock(action: Action, bucket: str) -> bool:
    """Whether each step of ``action`` that S3 answered leaves no stack lock in ``bucket``:
    the first step of its deletion (`destroy`) is the lock's own DeleteObject, and the later
    ones (the versions' deletion, which removes a versioned bucket's lock versions and the
    marker that DeleteObject left, then DeleteBucket) leave none either. A destroy stopped
    after one of them holds no lock (cli._destroy)."""
    return action.op == "delete" and action.kind == "s3_bucket" and action.name == bucket


RESOURCE = ResourceType(
    kinds={
        "s3_bucket": (),
        "bucket_policy": ("s3_bucket", "cloudfront_distribution"),
        "site_object": ("s3_bucket", "http_api"),
    },
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
)
