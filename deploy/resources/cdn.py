"""The page over HTTPS: a CloudFront distribution in front of the private bucket, the origin
access control (OAC) it reads the bucket with, and the invalidation of what changed.

- The OAC (found again by its name, unique per account; OACs carry no tags) signs CloudFront's
  requests to the bucket's REST endpoint; the bucket policy (site.py) allows only this
  distribution's ARN.
- The distribution (found again by its origin — this project's bucket — and its ``project``
  tag) serves ``index.html`` at the root with CloudFront's default certificate, redirects
  HTTP to HTTPS, and caches by the managed policies: ``/index.html`` and ``/config.js`` never
  (CachingDisabled: they name the current assets and the API), everything else by the
  object's own Cache-Control (CachingOptimized: hashed assets for a year). The site URL is
  ``https://<its domain>``.
- An apply that changes or deletes objects the distribution may have cached invalidates
  exactly those paths, and waits until CloudFront says Completed.

CloudFront is eventually consistent: every change is ``InProgress`` for minutes, then
``Deployed``; each change gives a new ETag that the next Update/Delete must quote (IfMatch);
a distribution can be deleted only once it is disabled *and* that is Deployed; an OAC only
once no distribution uses it. Destroy follows exactly that order, split in two so the minutes
of deploying the disable overlap the endpoint's deletion: the disable is destroy's first action
(``cdn_disabled``), the wait for Deployed and the delete come late, where the distribution's
dependents are gone, and wait only for what is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from deploy import budget
from deploy.aws import DeployError, tag_list
from deploy.naming import content_hash
from deploy.plan import Action, Call, Poll, Ref, Step, Wait, canonical, differences
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, changed
from deploy.wording import counted
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs
    from deploy.naming import Names

# Managed cache policies (ids from "Use managed cache policies", CloudFront Developer Guide).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
# The managed response headers policy "SecurityHeadersPolicy" ("Use managed response headers
# policies", CloudFront Developer Guide): Strict-Transport-Security max-age=31536000,
# X-Content-Type-Options nosniff, X-Frame-Options SAMEORIGIN, Referrer-Policy
# strict-origin-when-cross-origin, X-XSS-Protection 1; mode=block, on every response. A
# managed policy is attached by its id alone: nothing to create, own or delete.
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"
# Paths never served from cache: the page itself and the configuration it reads first.
UNCACHED_PATHS = ("/index.html", "/config.js")
ROOT_OBJECT = "index.html"
ORIGIN_ID = "site-bucket"
# North America and Europe edges only: the cheapest class; other viewers are served too.
PRICE_CLASS = "PriceClass_100"
DEPLOY_POLL_S = 30.0
INVALIDATION_POLL_S = 20.0
# More changed paths than this are invalidated as "/*" (one path in CloudFront's pricing).
MAX_PATHS = 20


# --- specs and records ---
@dataclass(frozen=True)
class OacSpec:
    KIND: ClassVar[str] = "cloudfront_oac"
    name: str
    description: str = ""
    signing_protocol: str = "sigv4"
    signing_behavior: str = "always"
    origin_type: str = "s3"


@dataclass(frozen=True)
class SeenOac:
    KIND: ClassVar[str] = "cloudfront_oac"
    name: str
    oac_id: str
    etag: str
    description: str | None
    signing_protocol: str | None
    signing_behavior: str | None
    origin_type: str | None

    @property
    def provides(self) -> dict[str, str]:
        return {"oac_id": self.oac_id}


@dataclass(frozen=True)
class DistributionSpec:
    """``settings``: the parts of the DistributionConfig the engine sets, in the comparable
    form `settings_of` reads back from AWS."""

    KIND: ClassVar[str] = "cloudfront_distribution"
    name: str
    settings: dict[str, Any]
    bucket_domain: str = field(compare=False)
    caller_reference: str | Ref = field(compare=False, default="")
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenDistribution:
    KIND: ClassVar[str] = "cloudfront_distribution"
    name: str
    distribution_id: str
    arn: str
    domain: str
    status: str
    etag: str
    enabled: bool
    settings: dict[str, Any]
    config: dict[str, Any] = field(repr=False)  # as AWS returned it, for Update
    tags: dict[str, str]
    duplicate: bool = False

    @property
    def provides(self) -> dict[str, str]:
        if self.duplicate:
            return {}
        return {
            "distribution_id": self.distribution_id,
            "distribution_domain": self.domain,
            "distribution_arn": self.arn,
        }


# --- the distribution's configuration ---
def _behavior(cache_policy: str, path: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "target": ORIGIN_ID,
        "viewer_protocol": "redirect-to-https",
        "cache_policy": cache_policy,
        "headers_policy": SECURITY_HEADERS,
        "compress": True,
    }
    if path is not None:
        out = {"path": path, **out}
    return out


def desired_settings(bucket_domain: str, oac_id: str | Ref, comment: str) -> dict[str, Any]:
    return {
        "origins": [{"id": ORIGIN_ID, "domain": bucket_domain, "oac": oac_id, "s3_oai": ""}],
        "default_root_object": ROOT_OBJECT,
        "default_behavior": _behavior(CACHING_OPTIMIZED),
        "behaviors": [_behavior(CACHING_DISABLED, path) for path in UNCACHED_PATHS],
        "enabled": True,
        "comment": comment,
        "price_class": PRICE_CLASS,
        "http_version": "http2and3",
        "ipv6": True,
        "default_certificate": True,
    }


def _behavior_of(b: dict[str, Any]) -> dict[str, Any]:
    out = {
        "target": b.get("TargetOriginId"),
        "viewer_protocol": b.get("ViewerProtocolPolicy"),
        "cache_policy": b.get("CachePolicyId"),
        "headers_policy": b.get("ResponseHeadersPolicyId") or None,
        "compress": b.get("Compress"),
    }
    return {"path": b["PathPattern"], **out} if "PathPattern" in b else out


def settings_of(config: dict[str, Any]) -> dict[str, Any]:
    """The comparable settings of a DistributionConfig as AWS returns it (AWS fills in many
    defaults the engine does not set; only what it sets is compared)."""
    origins = config.get("Origins", {}).get("Items") or []
    return {
        "origins": [
            {
                "id": o.get("Id"),
                "domain": o.get("DomainName"),
                "oac": o.get("OriginAccessControlId") or None,
                "s3_oai": (o.get("S3OriginConfig") or {}).get("OriginAccessIdentity"),
            }
            for o in origins
        ],
        "default_root_object": config.get("DefaultRootObject"),
        "default_behavior": _behavior_of(config.get("DefaultCacheBehavior") or {}),
        "behaviors": [_behavior_of(b) for b in config.get("CacheBehaviors", {}).get("Items") or []],
        "enabled": config.get("Enabled"),
        "comment": config.get("Comment"),
        "price_class": config.get("PriceClass"),
        "http_version": config.get("HttpVersion"),
        "ipv6": config.get("IsIPV6Enabled"),
        "default_certificate": (config.get("ViewerCertificate") or {}).get(
            "CloudFrontDefaultCertificate"
        ),
    }


def _api_behavior(b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "TargetOriginId": b["target"],
        "ViewerProtocolPolicy": b["viewer_protocol"],
        "CachePolicyId": b["cache_policy"],
        "ResponseHeadersPolicyId": b["headers_policy"],
        "Compress": b["compress"],
        "AllowedMethods": {
            "Quantity": 2,
            "Items": ["GET", "HEAD"],
            "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
        },
    }
    return {"PathPattern": b["path"], **out} if "path" in b else out


def distribution_config(settings: dict[str, Any], caller_reference: str | Ref) -> dict[str, Any]:
    """The DistributionConfig of CreateDistribution / UpdateDistribution for these settings."""
    behaviors = [_api_behavior(b) for b in settings["behaviors"]]
    return {
        "CallerReference": caller_reference,
        "Comment": settings["comment"],
        "Enabled": settings["enabled"],
        "DefaultRootObject": settings["default_root_object"],
        "Origins": {
            "Quantity": len(settings["origins"]),
            "Items": [
                {
                    "Id": o["id"],
                    "DomainName": o["domain"],
                    "OriginAccessControlId": o["oac"],
                    # Required by the API with OAC; empty means "no origin access identity".
                    "S3OriginConfig": {"OriginAccessIdentity": o["s3_oai"]},
                }
                for o in settings["origins"]
            ],
        },
        "DefaultCacheBehavior": _api_behavior(settings["default_behavior"]),
        "CacheBehaviors": {"Quantity": len(behaviors), "Items": behaviors},
        "PriceClass": settings["price_class"],
        "HttpVersion": settings["http_version"],
        "IsIPV6Enabled": settings["ipv6"],
        "ViewerCertificate": {"CloudFrontDefaultCertificate": settings["default_certificate"]},
    }


def caller_reference(bucket: str) -> Ref:
    """Unique per OAC (a new OAC after every destroy), the same for a retried create: a create
    whose answer was lost is refused as DistributionAlreadyExists instead of made twice."""
    return Ref("oac_id", f"{bucket}/{{}}")


def desired(cfg: Config, inp: Inputs) -> list[Any]:
    n = inp.names
    return [
        OacSpec(n.oac, f"{n.stack}: CloudFront reads the site bucket {n.bucket}"),
        DistributionSpec(
            n.oac,
            desired_settings(n.bucket_domain, Ref("oac_id"), n.distribution_comment),
            n.bucket_domain,
            caller_reference(n.bucket),
            cfg.all_tags,
        ),
    ]


# --- observe ---
def observe_oac(aws: Aws, name: str) -> SeenOac | None:
    controls = aws.pages("cloudfront", "ListOriginAccessControls", "OriginAccessControlList.Items")
    for c in controls:
        if c.get("Name") != name:
            continue
        got = aws.read("cloudfront", "GetOriginAccessControl", Id=c["Id"])
        if got is None:
            return None  # deleted between the list and the get
        conf = got["OriginAccessControl"].get("OriginAccessControlConfig", {})
        return SeenOac(
            name=name,
            oac_id=c["Id"],
            etag=got["ETag"],
            description=conf.get("Description"),
            signing_protocol=conf.get("SigningProtocol"),
            signing_behavior=conf.get("SigningBehavior"),
            origin_type=conf.get("OriginAccessControlOriginType"),
        )
    return None


def observe_distributions(aws: Aws, names: Names) -> list[SeenDistribution]:
    """The project's distributions: their origin is this project's bucket and their
    ``project`` tag is this project's. More than one is a create whose answer was lost: the
    first Deployed-and-enabled one (then the oldest id) is kept."""
    listed = aws.pages("cloudfront", "ListDistributions", "DistributionList.Items")
    found = []
    for d in listed:
        domains = {o.get("DomainName") for o in d.get("Origins", {}).get("Items") or []}
        if names.bucket_domain not in domains:
            continue
        tagged = aws.read("cloudfront", "ListTagsForResource", Resource=d["ARN"]) or {}
        tags = {t["Key"]: t.get("Value", "") for t in tagged.get("Tags", {}).get("Items") or []}
        if not names.owns(tags):
            continue
        got = aws.read("cloudfront", "GetDistribution", Id=d["Id"])
        if got is None:
            continue  # deleted between the list and the get
        dist = got["Distribution"]
        config = dist["DistributionConfig"]
        found.append(
            SeenDistribution(
                name=names.oac,
                distribution_id=dist["Id"],
                arn=dist["ARN"],
                domain=dist["DomainName"],
                status=dist["Status"],
                etag=got["ETag"],
                enabled=bool(config.get("Enabled")),
                settings=settings_of(config),
                config=config,
                tags=tags,
            )
        )
    found.sort(key=lambda s: (not (s.enabled and s.status == "Deployed"), s.distribution_id))
    return [
        s if i == 0 else replace(s, name=f"{s.name}#{s.distribution_id}", duplicate=True)
        for i, s in enumerate(found)
    ]


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[Any]:
    oac = observe_oac(aws, names.oac)
    return [*([oac] if oac else []), *observe_distributions(aws, names)]


# --- waits ---
def deployed(aws: Aws, distribution_id: str) -> Poll:
    got = aws.read("cloudfront", "GetDistribution", Id=distribution_id)
    if got is None:
        raise DeployError(f"CloudFront distribution {distribution_id}: disappeared while waiting")
    status = got["Distribution"]["Status"]
    return status == "Deployed", f"distribution {distribution_id}: {status}"


def invalidated(aws: Aws, distribution_id: str, invalidation_id: str) -> Poll:
    got = aws.read(
        "cloudfront", "GetInvalidation", DistributionId=distribution_id, Id=invalidation_id
    )
    if got is None:
        raise DeployError(f"CloudFront invalidation {invalidation_id}: not found")
    status = got["Invalidation"]["Status"]
    return status == "Completed", f"invalidation {invalidation_id}: {status}"


def _wait_deployed(distribution_id: str | Ref, why: str) -> Wait:
    return Wait(
        f"the distribution is Deployed ({why})",
        deployed,
        timeout_s=budget.DISTRIBUTION_DEPLOY_S,
        interval_s=DEPLOY_POLL_S,
        timeout_hint="CloudFront is still deploying; run the command again later",
        args={"distribution_id": distribution_id},
    )


# --- plan ---
def _oac_config(spec: OacSpec) -> dict[str, Any]:
    return {
        "Name": spec.name,
        "Description": spec.description,
        "SigningProtocol": spec.signing_protocol,
        "SigningBehavior": spec.signing_behavior,
        "OriginAccessControlOriginType": spec.origin_type,
    }


def plan_oac(spec: OacSpec, seen: SeenOac | None) -> Action:
    if seen is None:
        create = Call(
            "cloudfront",
            "CreateOriginAccessControl",
            {"OriginAccessControlConfig": _oac_config(spec)},
            outputs={"oac_id": "OriginAccessControl.Id"},
        )
        return Action("create", spec.KIND, spec.name, "does not exist", steps=(create,))
    changes = differences(spec, seen)
    if not changes:
        return Action("noop", spec.KIND, spec.name, "up to date")
    update = Call(
        "cloudfront",
        "UpdateOriginAccessControl",
        {"Id": seen.oac_id, "IfMatch": seen.etag, "OriginAccessControlConfig": _oac_config(spec)},
    )
    return Action("update", spec.KIND, spec.name, changed(changes), changes, (update,))


def _tag_call(arn: str | Ref, tags: dict[str, str]) -> Call:
    return Call("cloudfront", "TagResource", {"Resource": arn, "Tags": {"Items": tag_list(tags)}})


def plan_distribution(spec: DistributionSpec, seen: SeenDistribution | None) -> Action:
    kind, name = spec.KIND, spec.name
    if seen is None:
        create = Call(
            "cloudfront",
            "CreateDistributionWithTags",
            {
                "DistributionConfigWithTags": {
                    "DistributionConfig": distribution_config(spec.settings, spec.caller_reference),
                    "Tags": {"Items": tag_list(spec.tags or {})},
                }
            },
            outputs={
                "distribution_id": "Distribution.Id",
                "distribution_domain": "Distribution.DomainName",
                "distribution_arn": "Distribution.ARN",
            },
        )
        return Action("create", kind, name, "does not exist", steps=(create,))
    changes = differences(spec, seen)
    steps: list[Step] = []
    if any(c.field == "settings" for c in changes):
        config = distribution_config(spec.settings, seen.config.get("CallerReference", ""))
        steps.append(
            Call(
                "cloudfront",
                "UpdateDistribution",
                {"Id": seen.distribution_id, "IfMatch": seen.etag, "DistributionConfig": config},
            )
        )
    if any(c.field == "tags" for c in changes):
        steps.append(_tag_call(seen.arn, spec.tags or {}))
    if steps:
        return Action("update", kind, name, changed(changes), changes, tuple(steps))
    return Action("noop", kind, name, f"{seen.status} at https://{seen.domain}")


def plan_deployed(dist: Action, seen: SeenDistribution | None) -> list[Action]:
    """Waiting until the distribution serves the page: last in the apply (the API, the bucket
    policy and the objects need only its id and domain, known at once), and only when this
    plan changes it or an earlier change is still InProgress."""
    if dist.op == "create":
        why = "created: CloudFront deploys it to every edge"
        target: str | Ref = Ref("distribution_id")
    elif (
        dist.op == "update"
        and seen is not None
        and any(c.field == "settings" for c in dist.changes)
    ):
        why, target = "changed: CloudFront deploys the change to every edge", seen.distribution_id
    elif seen is not None and seen.status != "Deployed":
        why, target = f"{seen.status}: an earlier change is still deploying", seen.distribution_id
    else:
        return []
    wait = _wait_deployed(target, "the site is served from it")
    return [Action("wait", "cdn_deployed", dist.name, why, steps=(wait,))]


# What the plan says of the disable destroy issues first, and of the delete it waits for.
DISABLE_FIRST = (
    "destroy, first: disabled now, so the minutes CloudFront takes to deploy that pass while "
    "the endpoint and the rest are deleted; deleted once Deployed"
)
DELETE_ONCE_DISABLED = "destroy, once the disable issued first is Deployed"


def _etag_after_disable(distribution_id: str) -> Ref:
    """The ETag UpdateDistribution returned for the disable: DeleteDistribution's IfMatch."""
    return Ref(f"etag:{distribution_id}")


def _disable_call(seen: SeenDistribution) -> Call:
    return Call(
        "cloudfront",
        "UpdateDistribution",
        {
            "Id": seen.distribution_id,
            "IfMatch": seen.etag,
            "DistributionConfig": {**seen.config, "Enabled": False},
        },
        outputs={_etag_after_disable(seen.distribution_id).needs: "ETag"},
    )


def disable_distribution(seen: SeenDistribution) -> Action | None:
    """Destroy's first action (kind ``cdn_disabled``, `RESOURCE.early`): the disable alone.
    CloudFront then deploys it for minutes by itself; `delete_distribution` with
    ``disabled_before`` waits for what is left of that. None when it is disabled already
    (a run stopped after the disable: the next one only waits and deletes)."""
    if not seen.enabled:
        return None
    steps = (_disable_call(seen),)
    return Action("update", "cdn_disabled", seen.name, DISABLE_FIRST, steps=steps)


def delete_distribution(
    seen: SeenDistribution, reason: str, phase: Any = "main", disabled_before: bool = False
) -> Action:
    """Disable, wait until that is Deployed, delete (each with the ETag of the step before).

    ``disabled_before``: `disable_distribution` runs earlier in the same run, so the disable
    is not repeated here; the wait and the delete's IfMatch (the disable's ETag) remain."""
    dist_id = seen.distribution_id
    steps: list[Step] = []
    if_match: str | Ref = seen.etag
    if seen.enabled:
        if not disabled_before:
            steps.append(_disable_call(seen))
        if_match = _etag_after_disable(dist_id)
    if seen.enabled or seen.status != "Deployed":
        steps.append(_wait_deployed(dist_id, "disabled everywhere, so it may be deleted"))
    steps.append(
        Call(
            "cloudfront", "DeleteDistribution", {"Id": dist_id, "IfMatch": if_match}, ok_if=GONE_OK
        )
    )
    return Action("delete", seen.KIND, seen.name, reason, steps=tuple(steps), phase=phase)


def delete_oac(seen: SeenOac, reason: str) -> Action:
    call = Call(
        "cloudfront",
        "DeleteOriginAccessControl",
        {"Id": seen.oac_id, "IfMatch": seen.etag},
        ok_if=GONE_OK,
    )
    return Action("delete", seen.KIND, seen.name, reason, steps=(call,))


def invalidation_paths(ctx: PlanContext) -> list[str]:
    """What the distribution may have cached that this plan changes or deletes (new keys were
    never cached); "/" too when the page itself changes; "/*" when there are many."""
    keys = {
        a.name
        for a in ctx.planned
        if a.kind == "site_object" and a.op in ("update", "replace", "delete")
    }
    paths = {f"/{k}" for k in keys} | ({"/"} if ROOT_OBJECT in keys else set())
    return ["/*"] if len(paths) > MAX_PATHS else sorted(paths)


def plan_invalidation(ctx: PlanContext, dist: SeenDistribution) -> list[Action]:
    paths = invalidation_paths(ctx)
    if not paths:
        return []
    # The same changes give the same reference: a re-run after a crash finds the invalidation
    # made before instead of paying for another.
    wanted = {o.name: canonical(o.md5) for o in ctx.desired.of_kind("site_object")}
    reference = content_hash({"paths": paths, "md5": {p: wanted.get(p[1:]) for p in paths}}, 16)
    create = Call(
        "cloudfront",
        "CreateInvalidation",
        {
            "DistributionId": dist.distribution_id,
            "InvalidationBatch": {
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": reference,
            },
        },
        outputs={"invalidation_id": "Invalidation.Id"},
    )
    wait = Wait(
        "CloudFront no longer serves the old files (invalidation Completed)",
        invalidated,
        timeout_s=budget.INVALIDATION_S,
        interval_s=INVALIDATION_POLL_S,
        timeout_hint="the new files are uploaded; CloudFront finishes the invalidation by itself",
        args={"distribution_id": dist.distribution_id, "invalidation_id": Ref("invalidation_id")},
    )
    reason = f"{counted(len(paths), 'cached path')} changed: {', '.join(paths)}"
    return [
        Action("create", "cdn_invalidation", dist.distribution_id, reason, steps=(create, wait))
    ]


def plan(ctx: PlanContext) -> list[Action]:
    out: list[Action] = []
    for spec in ctx.desired.of_kind("cloudfront_oac"):
        out.append(plan_oac(spec, ctx.world.get("cloudfront_oac", spec.name)))
    for spec in ctx.desired.of_kind("cloudfront_distribution"):
        seen = ctx.world.get("cloudfront_distribution", spec.name)
        action = plan_distribution(spec, seen)
        out += [action, *plan_deployed(action, seen)]
    for seen in ctx.world.of_kind("cloudfront_distribution"):
        if seen.duplicate:
            out.append(delete_distribution(seen, "duplicate distribution (keeping one)", "after"))
    kept = [d for d in ctx.world.of_kind("cloudfront_distribution") if not d.duplicate]
    for dist in kept:
        out += plan_invalidation(ctx, dist)
    return out


def destroy(world: World) -> list[Action]:
    """Each distribution disabled (run first of all), deleted once that is Deployed (as late
    as the kinds that need it allow), then the OAC."""
    out: list[Action] = []
    for d in world.of_kind("cloudfront_distribution"):
        disable = disable_distribution(d)
        if disable is None:
            out.append(delete_distribution(d, _delete_reason(d)))
        else:
            out += [disable, delete_distribution(d, DELETE_ONCE_DISABLED, disabled_before=True)]
    out += [
        delete_oac(o, "destroy, once no distribution uses it")
        for o in world.of_kind("cloudfront_oac")
    ]
    return out


def _delete_reason(seen: SeenDistribution) -> str:
    if seen.status != "Deployed":
        return f"destroy: disabled already, deleted once that is Deployed (now {seen.status})"
    return "destroy"


def site_domain(world: World) -> str | None:
    """The domain the page is served on (None: no distribution)."""
    kept = [d for d in world.of_kind("cloudfront_distribution") if not d.duplicate]
    return kept[0].domain if kept else None


RESOURCE = ResourceType(
    kinds={
        "cloudfront_oac": ("s3_bucket",),
        "cloudfront_distribution": ("cloudfront_oac", "s3_bucket"),
        "cdn_invalidation": ("site_object", "cloudfront_distribution"),
        "cdn_deployed": ("cdn_invalidation",),
        # Destroy's disable of a distribution (never part of an apply): its failure leaves
        # the distribution's delete, which needs it, undone and reported.
        "cdn_disabled": ("cloudfront_distribution",),
    },
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
    early=("cdn_disabled",),  # CloudFront deploys a disable for minutes: overlap the rest
)
