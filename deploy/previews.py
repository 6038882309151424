"""Pull-request previews (`pr-<N>` environments): which exist in AWS, and which to sweep.

There is no state file, so a preview is whatever AWS holds under the name ``{project}-pr-<N>…``:
each service is listed and the names matched (a half-created preview, say a bucket and a role
left by a cancelled run, counts too). `sweep` removes the previews whose pull request is no
longer open with the `preview` label — the workflow's ``closed`` event does not fire while a
pull request has a merge conflict, so the scheduled sweep is what guarantees nothing leaks.

It also removes a preview no deploy has reached for ``preview.max_idle_days``, its pull request
still open and labelled: a forgotten pull request would keep its endpoint (billed by the hour
when instance-backed) running for months. Its age is read from AWS, not a state file: the
newest of the endpoint's CreationTime, LastModifiedTime (a switch to a new model) and its
``deployed-at`` tag, which every preview apply writes, so a push that changes nothing in AWS
(a README edit) refreshes it too. A preview without an endpoint is not aged: what is left of it
(a bucket, a role, a Lambda) is billed per use, not by the hour. `previews list` shows each
preview's age by the same reckoning (`Age`), so what it says is what the sweep does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.exceptions

from deploy.aws import Aws
from deploy.github_api import PullRequest
from deploy.naming import (
    ANY_PREVIEW,
    LOG_GROUP_PREFIXES,
    PREVIEW_LABEL,
    PREVIEW_NUMBER,
    Names,
    preview_env,
)
from deploy.resources.base import sagemaker_tags
from deploy.wording import counted

# The tag on a preview's endpoint saying when a preview apply last ran (UTC, ISO 8601).
DEPLOYED_AT = "deployed-at"
STAMP = "%Y-%m-%dT%H:%M:%SZ"
# ListBuckets' MaxBuckets (1-10,000): a paginated listing, the only kind S3 answers in an
# account whose bucket quota is over 10,000.
BUCKETS_PER_PAGE = 1000


def stack_prefix(project: str) -> str:
    """What every preview's stack name starts with (``{project}-pr-``), as Names builds it:
    every name of a preview starts with its stack (a log group after its prefix)."""
    return Names(project, "", "", ANY_PREVIEW).stack.removesuffix("*")


def _number_re(project: str) -> re.Pattern[str]:
    # `-` or the end after the number: pr-7 never claims pr-70's resources.
    return re.compile(rf"^{re.escape(stack_prefix(project))}({PREVIEW_NUMBER})(?:-|$)")


def _listed(
    aws: Aws, project: str, refused: list[botocore.exceptions.ClientError] | None = None
) -> list[tuple[str, str, str]]:
    """(kind, name, key) of everything named like a preview of the project, across services:
    ``key`` is the name its preview's number is read from (a distribution's origin bucket; a
    log group's name after its prefix). ``refused``: see `find`."""
    prefix = stack_prefix(project)
    found: list[tuple[str, str, str]] = []

    def add(kind: str, names: Iterable[str]) -> None:
        found.extend((kind, n, n) for n in names if n.startswith(prefix))

    named = {"NameContains": prefix}
    endpoints = aws.pages("sagemaker", "ListEndpoints", "Endpoints", **named)
    add("endpoint", (e["EndpointName"] for e in endpoints))
    configs = aws.pages("sagemaker", "ListEndpointConfigs", "EndpointConfigs", **named)
    add("endpoint_config", (c["EndpointConfigName"] for c in configs))
    models = aws.pages("sagemaker", "ListModels", "Models", **named)
    add("sagemaker_model", (m["ModelName"] for m in models))
    apis = aws.pages("apigatewayv2", "GetApis", "Items")
    add("http_api", (a["Name"] for a in apis if (a.get("Tags") or {}).get("project") == project))
    # Paginated, by ContinuationToken: an account with more buckets than one answer holds (and
    # one whose bucket quota is over 10,000 gets no answer without MaxBuckets) had a preview's
    # bucket on a later page, never found. Only names with the previews' prefix: the account's
    # other buckets need no pages.
    buckets = aws.pages("s3", "ListBuckets", "Buckets", MaxBuckets=BUCKETS_PER_PAGE, Prefix=prefix)
    add("s3_bucket", (b["Name"] for b in buckets))
    roles = aws.pages("iam", "ListRoles", "Roles", PathPrefix=f"/{project}/")
    add("iam_role", (r["RoleName"] for r in roles))
    repositories = aws.pages("ecr", "DescribeRepositories", "repositories")
    add("ecr_repository", (r["repositoryName"] for r in repositories))
    # The site's origin access control, named after the preview.
    # Every page, by Marker: the account's controls, every project's, more than one answer holds.
    items = aws.pages("cloudfront", "ListOriginAccessControls", "OriginAccessControlList.Items")
    add("cloudfront_oac", (c["Name"] for c in items))
    # The site's distribution (billed, and its bucket and origin access control cannot be
    # deleted before it), by its id: it has no name, so it is the preview's whose bucket is
    # its origin (`{bucket}.s3.{region}.…`, Names.bucket_domain), as destroy finds it.
    for d in aws.pages("cloudfront", "ListDistributions", "DistributionList.Items"):
        origins = {str(o.get("DomainName", "")) for o in d.get("Origins", {}).get("Items") or []}
        bucket = next((b for o in sorted(origins) if (b := _origin_bucket(o, prefix))), None)
        if bucket:
            found.append(("cloudfront_distribution", str(d["Id"]), bucket))
    for group_prefix in LOG_GROUP_PREFIXES:  # each group is named <prefix><stack>… (naming.py)
        group_named = {"logGroupNamePrefix": group_prefix + prefix}
        groups = aws.pages("logs", "DescribeLogGroups", "logGroups", **group_named)
        found.extend(
            ("log_group", g["logGroupName"], g["logGroupName"].removeprefix(group_prefix))
            for g in groups
        )
    # Functions by name, one GetFunction per preview found above: ListFunctions would hand
    # every role that lists previews (the plan role too, which any pull-request job may
    # assume) every function of the region with its environment variables. A preview's
    # function is created after its role and log group and deleted before them, so a
    # preview with a function is always found by those.
    functions: list[tuple[str, str, str]] = []
    try:
        for number in sorted(_numbers(found, project)):
            name = Names(project, "", "", preview_env(number)).function  # no account or region
            if aws.read("lambda", "GetFunction", FunctionName=name) is not None:
                functions.append(("lambda_function", name, name))
    except botocore.exceptions.ClientError as err:
        if refused is None:
            raise
        refused.append(err)  # the caller judges it; the listings above stand without functions
        functions = []
    return found + functions


def _origin_bucket(domain: str, prefix: str) -> str | None:
    """The bucket of an S3 REST origin (``{bucket}.s3.{region}.{suffix}``) when it is named
    like a preview's, else None."""
    bucket, dot_s3, _ = domain.partition(".s3.")
    return bucket if dot_s3 and bucket.startswith(prefix) else None


def _numbers(found: Iterable[tuple[str, str, str]], project: str) -> set[int]:
    """The preview numbers that (kind, name, key) triples belong to."""
    rx = _number_re(project)
    return {n for _kind, _name, key in found if (n := _number_of(key, rx)) is not None}


def _number_of(key: str, rx: re.Pattern[str]) -> int | None:
    """The preview number of one resource, from its key (`_listed`)."""
    m = rx.match(key)
    return int(m.group(1)) if m else None


def find(
    aws: Aws, project: str, refused: list[botocore.exceptions.ClientError] | None = None
) -> dict[int, list[str]]:
    """Preview number → ``kind name`` of each of its resources found in AWS (read-only): the
    one reckoning `previews list` names, `status` counts and the sweep removes by. Every
    resource with a name (or, a distribution, an id) of its own in AWS; not what lives inside
    one (a bucket's objects, an API's routes). ``refused``: a list that takes a GetFunction's
    error instead of raising it; the previews are then those of the listings alone (calls on
    "*", which every role that may list previews may make, the deploy role included, which
    may read no preview's function by name), without their functions among the resources."""
    rx = _number_re(project)
    out: dict[int, list[str]] = {}
    for kind, name, key in _listed(aws, project, refused):
        number = _number_of(key, rx)
        if number is not None:
            out.setdefault(number, []).append(f"{kind} {name}")
    return {n: sorted(items) for n, items in sorted(out.items())}


@dataclass(frozen=True)
class Listed:
    """What `status` says of each preview, from two listings on "*" (ListEndpoints, GetApis):
    the deploy role may read no preview by name, and `status` runs with it too."""

    endpoints: dict[str, str]  # endpoint name → EndpointStatus
    apis: dict[str, str]  # HTTP API name → its id (the oldest of duplicates)


def listed(aws: Aws, project: str) -> Listed:
    """The previews' endpoints with their status and HTTP APIs with their ids (read-only)."""
    prefix = stack_prefix(project)
    endpoints = aws.pages("sagemaker", "ListEndpoints", "Endpoints", NameContains=prefix)
    apis = sorted(
        (a for a in aws.pages("apigatewayv2", "GetApis", "Items")
         if str(a.get("Name", "")).startswith(prefix)
         and (a.get("Tags") or {}).get("project") == project),
        key=lambda a: (str(a.get("CreatedDate", "")), a["ApiId"]),
        reverse=True,  # the oldest last: it wins the dict below
    )  # fmt: skip
    return Listed(
        {e["EndpointName"]: str(e.get("EndpointStatus", "")) for e in endpoints},
        {a["Name"]: a["ApiId"] for a in apis},
    )


@dataclass(frozen=True)
class Verdict:
    """Whether a preview stays, and why."""

    number: int
    keep: bool
    reason: str
    idle: bool = False  # removed for no deploy in max_idle_days, its pull request wanting it
    comeback: str = ""  # how to get it back, where the reason alone does not say

    def said(self) -> str:
        """The reason with how to get it back: what the sweep prints."""
        return f"{self.reason}. To get it back, {self.comeback}" if self.comeback else self.reason


def judge(number: int, pull: PullRequest | None, label: str = PREVIEW_LABEL) -> Verdict:
    """A preview stays only while its pull request is open, labelled, and from this repository."""
    if pull is None:
        return Verdict(number, False, f"pull request #{number} not found")
    if not pull.open:
        return Verdict(number, False, f"pull request #{number} is {pull.state}")
    if label not in pull.labels:
        return Verdict(number, False, f"pull request #{number} no longer has the {label!r} label")
    if not pull.same_repository:
        return Verdict(number, False, f"pull request #{number} is from a fork ({pull.head_repo})")
    return Verdict(number, True, f"pull request #{number} is open and labelled {label!r}")


def judge_by_list(numbers: Iterable[int], keep: Iterable[int]) -> list[Verdict]:
    """The offline form: ``keep`` lists the open, labelled pull requests."""
    wanted = set(keep)
    return [
        Verdict(n, True, f"pull request #{n} is in --open-prs")
        if n in wanted
        else Verdict(n, False, f"pull request #{n} is not in --open-prs")
        for n in sorted(numbers)
    ]


def judge_all(
    numbers: Iterable[int], pulls: Mapping[int, PullRequest | None], label: str = PREVIEW_LABEL
) -> list[Verdict]:
    return [judge(n, pulls.get(n), label) for n in sorted(numbers)]


# ------------------------------------------------------------------------------- idle age
def stamp(when: datetime) -> str:
    """``when`` as the ``deployed-at`` tag holds it."""
    return when.astimezone(UTC).strftime(STAMP)


def _parsed(text: str | None) -> datetime | None:
    """A ``deployed-at`` value (None: absent or not a time, say edited by hand)."""
    try:
        return datetime.strptime(text or "", STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def newest(times: Iterable[Any]) -> datetime | None:
    """The latest of the aware datetimes among ``times`` (others skipped)."""
    known = [t for t in times if isinstance(t, datetime) and t.tzinfo is not None]
    return max(known, default=None)


def record_deploy(aws: Aws, names: Names, when: datetime) -> bool:
    """Tag the preview's endpoint ``deployed-at=when``: the apply a push ran (one that changed
    nothing in AWS included) is what the sweep's idle age counts from. False: no endpoint."""
    if aws.read("sagemaker", "DescribeEndpoint", EndpointName=names.endpoint) is None:
        return False
    tags = [{"Key": DEPLOYED_AT, "Value": stamp(when)}]
    aws.client("sagemaker").add_tags(ResourceArn=names.endpoint_arn, Tags=tags)
    return True


def last_deployed(aws: Aws, names: Names) -> datetime | None:
    """When a deploy last reached the preview: the newest of its endpoint's CreationTime,
    LastModifiedTime and ``deployed-at`` tag (None: it has no endpoint)."""
    ep = aws.read("sagemaker", "DescribeEndpoint", EndpointName=names.endpoint)
    if ep is None:
        return None
    tagged = _parsed(sagemaker_tags(aws, ep["EndpointArn"]).get(DEPLOYED_AT))
    return newest((ep.get("CreationTime"), ep.get("LastModifiedTime"), tagged))


@dataclass(frozen=True)
class Age:
    """A preview's idle age as the sweep reckons it: the one reckoning `previews sweep`
    removes by and `previews list` shows, so what list says is what the sweep does."""

    last: datetime | None  # last_deployed (None: no endpoint)
    now: datetime
    max_days: int | None  # preview.max_idle_days (None or 0: never for idling)

    @property
    def days(self) -> int | None:
        """Whole days since the last deploy (None: no endpoint)."""
        return None if self.last is None else (self.now - self.last).days

    @property
    def ago(self) -> str:
        days = self.days or 0
        return f"{counted(days, 'day')} ago" if days > 0 else "today"

    @property
    def due(self) -> datetime | None:
        """From when the sweep removes it (None: never for idling: no endpoint, or off)."""
        if not self.max_days or self.last is None:
            return None
        return self.last + timedelta(days=self.max_days)

    @property
    def idle(self) -> bool:
        return self.due is not None and self.now >= self.due

    def said(self) -> str:
        """For `previews list`: when it was last deployed, for how long idle, and when the
        sweep removes it (or why it never does for idling)."""
        if self.last is None:
            return (
                "no endpoint, so no idle age: the idle sweep never removes it (nothing left "
                "is billed by the hour)"
            )
        last = f"last deployed {_utc(self.last)} ({self.ago})"
        if self.due is None:
            off = self.max_days or 0
            return f"{last}; preview.max_idle_days is {off}: never removed for idling"
        if self.idle:
            return (
                f"{last}; idle past preview.max_idle_days ({self.max_days}): the next sweep "
                "removes it unless a push deploys it first"
            )
        return (
            f"{last}; the sweep removes it from {_utc(self.due)} (preview.max_idle_days "
            f"{self.max_days}) unless a push deploys it before"
        )


def is_idle(last: datetime | None, now: datetime, max_days: int | None) -> bool:
    """Whether a preview last deployed at ``last`` is past ``max_days`` at ``now``."""
    return Age(last, now, max_days).idle


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def judge_idle(
    verdict: Verdict, last: datetime | None, now: datetime, max_days: int | None
) -> Verdict:
    """A preview its pull request still wants, removed when no deploy reached it for
    ``max_days`` (None or 0: never), with how to get it back."""
    if not verdict.keep or not max_days:
        return verdict
    n = verdict.number
    if last is None:
        return replace(verdict, reason=f"{verdict.reason}; no endpoint, so no idle age")
    age = Age(last, now, max_days)
    if not age.idle:
        return replace(
            verdict,
            reason=(
                f"{verdict.reason}; last deployed {age.ago}, removed after "
                f"{counted(max_days, 'idle day')}"
            ),
        )
    return Verdict(
        n,
        False,
        f"idle: no deploy for {counted(age.days or 0, 'day')} (last {_utc(last)}; "
        f"preview.max_idle_days is {max_days}), though pull request #{n} is open and labelled",
        idle=True,
        comeback=f"push to pull request #{n} or re-run its latest preview workflow run",
    )
