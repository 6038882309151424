"""Pull-request previews (`pr-<N>` environments): which exist in AWS, and which to sweep.

There is no state file, so a preview is whatever AWS holds under the name ``{project}-pr-<N>…``:
each service is listed and the names matched (a half-created preview, say a bucket and a role
left by a cancelled run, counts too). `sweep` removes the previews whose pull request is no
longer open with the `preview` label — the workflow's ``closed`` event does not fire while a
pull request has a merge conflict, so the scheduled sweep is what guarantees nothing leaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from deploy.aws import Aws
from deploy.github_api import PullRequest

PREVIEW_LABEL = "preview"


def _number_re(project: str) -> re.Pattern[str]:
    # `-` or the end after the number: pr-7 never claims pr-70's resources.
    return re.compile(rf"^{re.escape(project)}-pr-([1-9][0-9]{{0,5}})(?:-|$)")


LOG_GROUP_PREFIXES = ("/aws/lambda/", "/aws/sagemaker/Endpoints/")


def _listed(aws: Aws, project: str) -> list[tuple[str, str]]:
    """(kind, name) of everything named like a preview of the project, across services."""
    prefix = f"{project}-pr-"
    found: list[tuple[str, str]] = []

    def add(kind: str, names: Iterable[str]) -> None:
        found.extend((kind, n) for n in names if n.startswith(prefix))

    named = {"NameContains": prefix}
    endpoints = aws.pages("sagemaker", "ListEndpoints", "Endpoints", **named)
    add("endpoint", (e["EndpointName"] for e in endpoints))
    configs = aws.pages("sagemaker", "ListEndpointConfigs", "EndpointConfigs", **named)
    add("endpoint_config", (c["EndpointConfigName"] for c in configs))
    models = aws.pages("sagemaker", "ListModels", "Models", **named)
    add("sagemaker_model", (m["ModelName"] for m in models))
    apis = aws.pages("apigatewayv2", "GetApis", "Items")
    add("http_api", (a["Name"] for a in apis if (a.get("Tags") or {}).get("project") == project))
    buckets = (aws.read("s3", "ListBuckets") or {}).get("Buckets", [])
    add("s3_bucket", (b["Name"] for b in buckets))
    roles = aws.pages("iam", "ListRoles", "Roles", PathPrefix=f"/{project}/")
    add("iam_role", (r["RoleName"] for r in roles))
    repositories = aws.pages("ecr", "DescribeRepositories", "repositories")
    add("ecr_repository", (r["repositoryName"] for r in repositories))
    # The site's origin access control, named after the preview (a distribution is found
    # through its bucket when the preview is destroyed).
    controls = aws.read("cloudfront", "ListOriginAccessControls") or {}
    items = (controls.get("OriginAccessControlList") or {}).get("Items") or []
    add("cloudfront_oac", (c["Name"] for c in items))
    for group_prefix in LOG_GROUP_PREFIXES:
        group_named = {"logGroupNamePrefix": group_prefix + prefix}
        groups = aws.pages("logs", "DescribeLogGroups", "logGroups", **group_named)
        found.extend(("log_group", g["logGroupName"]) for g in groups)
    # Functions by name, one GetFunction per preview found above: ListFunctions would hand
    # every role that lists previews (the plan role too, which any pull-request job may
    # assume) every function of the region with its environment variables. A preview's
    # function is created after its role and log group and deleted before them, so a
    # preview with a function is always found by those.
    for number in sorted(_numbers(found, project)):
        name = f"{prefix}{number}-detect"
        if aws.read("lambda", "GetFunction", FunctionName=name) is not None:
            found.append(("lambda_function", name))
    return found


def _numbers(found: Iterable[tuple[str, str]], project: str) -> set[int]:
    """The preview numbers that (kind, name) pairs belong to."""
    rx = _number_re(project)
    return {n for kind, name in found if (n := _number_of(kind, name, rx)) is not None}


def _number_of(kind: str, name: str, rx: re.Pattern[str]) -> int | None:
    """The preview number of one resource (a log group by the name after its prefix)."""
    key = name
    for group_prefix in LOG_GROUP_PREFIXES if kind == "log_group" else ():
        key = key.removeprefix(group_prefix)
    m = rx.match(key)
    return int(m.group(1)) if m else None


def find(aws: Aws, project: str) -> dict[int, list[str]]:
    """Preview number → ``kind name`` of each of its resources found in AWS (read-only)."""
    rx = _number_re(project)
    out: dict[int, list[str]] = {}
    for kind, name in _listed(aws, project):
        number = _number_of(kind, name, rx)
        if number is not None:
            out.setdefault(number, []).append(f"{kind} {name}")
    return {n: sorted(items) for n, items in sorted(out.items())}


@dataclass(frozen=True)
class Verdict:
    """Whether a preview stays, and why."""

    number: int
    keep: bool
    reason: str


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
