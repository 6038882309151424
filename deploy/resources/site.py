"""The static page: an S3 website bucket and the objects in it.

Objects are compared by MD5 (S3's ETag of a single-part upload), so only changed files are
uploaded: assets first, config.js, HTML last (a page never references a missing asset); files
gone from the build are deleted after the upload. config.js is generated for this deployment:
the API's URL (known once the API exists) and the upload limit every hop accepts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from deploy.aws import tag_dict, tag_list
from deploy.aws_errors import ErrorKind
from deploy.naming import Names
from deploy.plan import Action, Call, Phase, Ref, Step
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, fields_of, reconcile
from deploy.site_manifest import (
    CONFIG_JS,
    cache_control,
    config_js,
    content_type,
    md5_hex,
    upload_order,
)
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs

PUBLIC_ACCESS = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}


@dataclass(frozen=True)
class BucketSpec:
    KIND: ClassVar[str] = "s3_bucket"
    name: str
    region: str = field(compare=False)
    ownership: str = "BucketOwnerEnforced"
    website: dict[str, str] = field(
        default_factory=lambda: {"index": "index.html", "error": "index.html"}
    )
    public_access_block: dict[str, bool] = field(default_factory=lambda: dict(PUBLIC_ACCESS))
    policy: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenBucket:
    KIND: ClassVar[str] = "s3_bucket"
    name: str
    ownership: str | None
    website: dict[str, str] | None
    public_access_block: dict[str, bool] | None
    policy: dict[str, Any] | None
    tags: dict[str, str]


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


def bucket_policy(bucket: str) -> dict[str, Any]:
    """Public read of objects only: no listing, no bucket-level access."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadObjects",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def _config_js(n: Names, max_upload_bytes: int, api_id: str) -> bytes:
    return config_js(n.api_url(api_id), max_upload_bytes)


def _config_js_md5(n: Names, max_upload_bytes: int, api_id: str) -> str:
    return md5_hex(_config_js(n, max_upload_bytes, api_id))


def desired(cfg: Config, inp: Inputs) -> list[Any]:
    n = inp.names
    out: list[Any] = [
        BucketSpec(n.bucket, n.region, policy=bucket_policy(n.bucket), tags=cfg.all_tags)
    ]
    for f in inp.site_files:
        out.append(ObjectSpec(f.key, n.bucket, f.md5, f.content_type, f.cache_control, f.body))
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
            policy=json.loads(pol["Policy"]) if pol else None,
            tags=tag_dict(tagging["TagSet"]) if tagging else {},
        )
    ]
    for obj in aws.pages("s3", "ListObjectsV2", "Contents", Bucket=b):
        head = aws.read("s3", "HeadObject", Bucket=b, Key=obj["Key"])
        if head is None:
            continue  # deleted between the list and the head
        out.append(
            SeenObject(
                name=obj["Key"],
                bucket=b,
                md5=obj["ETag"].strip('"'),
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
    if "website" in fields:
        steps.append(
            Call(
                "s3",
                "PutBucketWebsite",
                {
                    "Bucket": b,
                    "WebsiteConfiguration": {
                        "IndexDocument": {"Suffix": spec.website["index"]},
                        "ErrorDocument": {"Key": spec.website["error"]},
                    },
                },
            )
        )
    if "policy" in fields:
        steps.append(
            Call("s3", "PutBucketPolicy", {"Bucket": b, "Policy": json.dumps(spec.policy)})
        )
    return steps


ALL_SETTINGS = {"ownership", "tags", "public_access_block", "website", "policy"}


def _create_bucket(spec: BucketSpec) -> tuple[Step, ...]:
    params: dict[str, Any] = {"Bucket": spec.name}
    if spec.region != "us-east-1":  # us-east-1 is the default location and takes no constraint
        params["CreateBucketConfiguration"] = {"LocationConstraint": spec.region}
    # BucketAlreadyOwnedByYou: a create of ours whose answer was lost; the puts converge it.
    create = Call("s3", "CreateBucket", params, ok_if=frozenset({ErrorKind.EXISTS}))
    return (create, *_bucket_puts(spec, ALL_SETTINGS))


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


def destroy(world: World) -> list[Action]:
    """Every object, then the bucket."""
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
            steps=(Call("s3", "DeleteBucket", {"Bucket": b.name}, ok_if=GONE_OK),),
        )
        for b in world.of_kind("s3_bucket")
    ]
    return out


RESOURCE = ResourceType(
    kinds={"s3_bucket": (), "site_object": ("s3_bucket", "http_api")},
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
)
