"""Which previews stay: open, labelled, same-repository pull requests only; pr-7 never
claims pr-70's resources."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from deploy import previews
from deploy.config import SAMPLE_ACCOUNT
from deploy.github_api import PullRequest
from deploy.name_rules import _constraints, name_problems
from deploy.naming import LONGEST_PREVIEW, Names
from tests.support.cloudfront_by_hand import create_distribution


def _pr(state: str = "open", labels: tuple[str, ...] = ("preview",), head: str | None = "o/r"):
    return PullRequest(7, state, labels, head, "o/r")


def test_a_preview_stays_only_while_its_pull_request_wants_it() -> None:
    assert previews.judge(7, _pr()).keep
    for pull, why in [
        (None, "not found"),
        (_pr(state="closed"), "is closed"),
        (_pr(labels=("bug",)), "no longer has the 'preview' label"),
        (_pr(head="fork/r"), "from a fork"),
        (_pr(head=None), "from a fork"),
    ]:
        verdict = previews.judge(7, pull)
        assert not verdict.keep and why in verdict.reason


def test_the_offline_form_keeps_exactly_the_listed_numbers() -> None:
    verdicts = previews.judge_by_list([70, 7, 3], keep=[70])
    assert [(v.number, v.keep) for v in verdicts] == [(3, False), (7, False), (70, True)]


def test_a_number_is_a_whole_name_part() -> None:
    rx = previews._number_re("trends-anomaly")
    assert rx.match("trends-anomaly-pr-7-detect").group(1) == "7"
    assert rx.match("trends-anomaly-pr-70").group(1) == "70"
    assert rx.match("trends-anomaly-pr-07") is None
    assert rx.match("trends-anomaly-production") is None
    assert rx.match("other-pr-7") is None


class _ListingAws:
    """What `previews.find` reads, canned: pr-7 left its Lambda's role and the function (a
    half-destroyed preview); every other listing is empty. Records each call."""

    def __init__(self, function: str = "trends-anomaly-pr-7-detect") -> None:
        self.calls: list[str] = []
        self.function = function

    def pages(self, service: str, operation: str, key: str, **params: object) -> list[dict]:
        self.calls.append(operation)
        if operation == "ListRoles":
            return [{"RoleName": "trends-anomaly-pr-7-lambda"}]
        return []

    def read(self, service: str, operation: str, **params: object) -> dict | None:
        self.calls.append(operation)
        if operation == "GetFunction":
            return {"Configuration": {}} if params["FunctionName"] == self.function else None
        return {}


def test_a_previews_function_is_found_by_name_not_by_listing_every_function() -> None:
    """ListFunctions returns every function of the region with its environment variables;
    the roles that list previews (the plan role among them) must not need it."""
    aws = _ListingAws()
    assert previews.find(aws, "trends-anomaly") == {  # type: ignore[arg-type]
        7: ["iam_role trends-anomaly-pr-7-lambda", "lambda_function trends-anomaly-pr-7-detect"]
    }
    assert "ListFunctions" not in aws.calls and aws.calls.count("GetFunction") == 1


def test_a_previews_function_is_looked_up_by_the_name_names_gives_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The function's name comes from Names (naming.py), like every other name: one renamed
    there is still found, so a sweep still deletes it."""
    monkeypatch.setattr(Names, "function", property(lambda n: f"{n.stack}-score"))
    aws = _ListingAws(function="trends-anomaly-pr-7-score")
    found = previews.find(aws, "trends-anomaly")  # type: ignore[arg-type]
    assert found == {
        7: ["iam_role trends-anomaly-pr-7-lambda", "lambda_function trends-anomaly-pr-7-score"]
    }


# ---------------------------------------------------------------------------- idle age
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEPT = previews.Verdict(7, True, "pull request #7 is open and labelled 'preview'")


def test_a_wanted_preview_no_deploy_reached_for_max_idle_days_is_removed_saying_why() -> None:
    """Its pull request open and labelled, but 15 days without a deploy: removed, with the
    age, the setting and how to get it back. The clock is the caller's, never waited on."""
    verdict = previews.judge_idle(KEPT, NOW - timedelta(days=15), NOW, 14)
    assert not verdict.keep and verdict.idle
    assert "no deploy for 15 days (last 2026-02-14 12:00 UTC" in verdict.reason
    assert "preview.max_idle_days is 14" in verdict.reason
    assert verdict.said() == (
        f"{verdict.reason}. To get it back, push to pull request #7 or re-run its latest "
        "preview workflow run"
    )
    # exactly at the limit it goes; a minute before, it stays
    assert not previews.judge_idle(KEPT, NOW - timedelta(days=14), NOW, 14).keep
    fresh = previews.judge_idle(KEPT, NOW - timedelta(days=14) + timedelta(minutes=1), NOW, 14)
    assert fresh.keep and "last deployed 13 days ago, removed after 14 idle days" in fresh.reason
    # A one-day limit, said in the singular (it read "1 days").
    one = previews.judge_idle(KEPT, NOW - timedelta(days=1), NOW, 1)
    assert "no deploy for 1 day (last" in one.reason, one.reason
    kept = previews.judge_idle(KEPT, NOW - timedelta(hours=1), NOW, 1)
    assert "removed after 1 idle day" in kept.reason and "idle days" not in kept.reason


def test_idle_age_never_keeps_what_the_pull_request_removes_and_can_be_off() -> None:
    gone = previews.Verdict(7, False, "pull request #7 is closed")
    assert previews.judge_idle(gone, NOW, NOW, 14) == gone  # removed anyway, for its own reason
    old = NOW - timedelta(days=400)
    assert previews.judge_idle(KEPT, old, NOW, None) == KEPT  # 0 / null: never for idling
    assert previews.judge_idle(KEPT, old, NOW, 0) == KEPT
    no_endpoint = previews.judge_idle(KEPT, None, NOW, 14)  # nothing billed by the hour
    assert no_endpoint.keep and "no endpoint, so no idle age" in no_endpoint.reason


def test_the_age_is_the_newest_of_the_endpoints_times_and_its_deploy_tag() -> None:
    created, modified = NOW - timedelta(days=40), NOW - timedelta(days=20)
    tagged = NOW - timedelta(days=2)
    assert previews.newest([created, modified, previews._parsed(previews.stamp(tagged))]) == tagged
    assert previews.newest([created, modified, previews._parsed("yesterday")]) == modified
    assert previews.newest([None]) is None
    assert previews.stamp(NOW) == "2026-03-01T12:00:00Z"


def test_list_says_when_the_sweep_removes_a_preview_by_the_sweeps_own_reckoning() -> None:
    """`previews list` and the sweep read one Age: at the due time list says "the next
    sweep removes it" and the sweep judges it idle; a minute before, neither."""
    last = NOW - timedelta(days=3)
    age = previews.Age(last, NOW, 14)
    assert age.days == 3 and age.due == last + timedelta(days=14) and not age.idle
    assert age.said() == (
        "last deployed 2026-02-26 12:00 UTC (3 days ago); the sweep removes it from "
        "2026-03-12 12:00 UTC (preview.max_idle_days 14) unless a push deploys it before"
    )
    for minutes, idle in ((0, True), (-1, False)):
        at = NOW - timedelta(days=14, minutes=minutes)
        said = previews.Age(at, NOW, 14).said()
        assert ("the next sweep removes it" in said) is idle
        assert previews.is_idle(at, NOW, 14) is idle
        assert (not previews.judge_idle(KEPT, at, NOW, 14).keep) is idle


def test_list_says_a_preview_is_never_removed_for_idling_without_endpoint_or_when_off() -> None:
    old = NOW - timedelta(days=400)
    for off in (0, None):
        said = previews.Age(old, NOW, off).said()
        assert said == (
            "last deployed 2025-01-25 12:00 UTC (400 days ago); preview.max_idle_days is 0: "
            "never removed for idling"
        )
    exempt = previews.Age(None, NOW, 14)
    assert exempt.due is None and not exempt.idle
    assert exempt.said().startswith("no endpoint, so no idle age: the idle sweep never removes")


# ------------------------------------------------------------------ the longest names
class _WholePreviewAws:
    """Every listing `previews.find` reads, answering with each name ``names`` makes (one
    model and config), filtered as AWS filters (NameContains, PathPrefix, logGroupNamePrefix)
    and checked against the filter's own limits in botocore's model."""

    def __init__(self, names: Names) -> None:
        self.n = names

    def pages(self, service: str, operation: str, key: str, **params: object) -> list[dict]:
        n = self.n
        listed: dict[str, list[dict]] = {
            "ListEndpoints": [{"EndpointName": n.endpoint}],
            "ListEndpointConfigs": [{"EndpointConfigName": n.endpoint_config("0123abcd")}],
            "ListModels": [{"ModelName": n.model("0123abcd")}],
            "GetApis": [{"Name": n.api, "Tags": {"project": n.project}}],
            "ListRoles": [{"RoleName": n.sagemaker_role}, {"RoleName": n.lambda_role}],
            "DescribeRepositories": [{"repositoryName": n.ecr_repository}],
            "DescribeLogGroups": [{"logGroupName": g} for g in n.log_groups],
            "ListBuckets": [{"Name": n.bucket}],
            "ListOriginAccessControls": [{"Name": n.oac}],
            "ListDistributions": [
                {"Id": "E2QWRUHAPOMQZL", "Origins": {"Items": [{"DomainName": n.bucket_domain}]}}
            ],
        }
        items = listed[operation]
        if "NameContains" in params:
            low, high, pattern = _constraints(service, operation, "NameContains")
            text = str(params["NameContains"])
            assert low <= len(text) <= high and re.fullmatch(str(pattern), text), params
            items = [i for i in items if text in next(iter(i.values()))]
        if "PathPrefix" in params:
            assert params["PathPrefix"] == n.role_path
        if "logGroupNamePrefix" in params:
            start = str(params["logGroupNamePrefix"])
            items = [i for i in items if i["logGroupName"].startswith(start)]
        return items

    def read(self, service: str, operation: str, **params: object) -> dict | None:
        if operation == "GetFunction":
            return {} if params["FunctionName"] == self.n.function else None
        raise AssertionError(operation)


def test_a_preview_of_the_longest_project_previews_allow_is_found_whole() -> None:
    """Names are never cut or hashed to fit a length limit: config.yaml refuses a project
    whose longest preview's names (pr-999999) a service would refuse, so every preview name
    is its stack's, whole (a log group's after its prefix). At the longest project that
    allows (25 characters in us-east-1: the bucket's 63), each name Names makes for pr-999999
    is found, and the listings' filters stay within what AWS accepts."""
    region = "us-east-1"
    project = "p" * 25
    assert not name_problems(Names(project, SAMPLE_ACCOUNT, region, LONGEST_PREVIEW))
    longer = name_problems(Names(project + "p", SAMPLE_ACCOUNT, region, LONGEST_PREVIEW))
    assert [p.what for p in longer] == ["S3 bucket name"]  # the limit: no name is cut instead
    names = Names(project, SAMPLE_ACCOUNT, region, LONGEST_PREVIEW)
    found = previews.find(_WholePreviewAws(names), project)  # type: ignore[arg-type]
    every = [
        ("endpoint", names.endpoint),
        ("endpoint_config", names.endpoint_config("0123abcd")),
        ("sagemaker_model", names.model("0123abcd")),
        ("http_api", names.api),
        ("s3_bucket", names.bucket),
        ("iam_role", names.sagemaker_role),
        ("iam_role", names.lambda_role),
        ("ecr_repository", names.ecr_repository),
        ("cloudfront_oac", names.oac),
        ("cloudfront_distribution", "E2QWRUHAPOMQZL"),  # by its origin: the bucket
        *(("log_group", g) for g in names.log_groups),
        ("lambda_function", names.function),
    ]
    assert found == {999999: sorted(f"{kind} {name}" for kind, name in every)}


# ------------------------------------------------------------------ listings of many pages
def _oac_page(name: str, next_marker: str | None) -> dict:
    """One page of ListOriginAccessControls, as CloudFront answers (NextMarker when more)."""
    summary = {
        "Id": f"E{len(name)}",
        "Description": "",
        "Name": name,
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    listing = {"Marker": "", "MaxItems": 1, "IsTruncated": next_marker is not None}
    more = {"NextMarker": next_marker} if next_marker else {}
    return {"OriginAccessControlList": {**listing, **more, "Quantity": 1, "Items": [summary]}}


def test_buckets_and_origin_access_controls_are_found_on_every_page(
    monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    """An account with more buckets, or more origin access controls, than one page holds:
    a preview's on the second page was not found, so `previews list` and the sweep left it
    (ListBuckets pages by ContinuationToken, ListOriginAccessControls by Marker)."""
    import boto3
    from botocore.stub import Stubber

    from deploy.aws import Aws

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")  # never AWS
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    aws = Aws("us-east-1", session)
    project = "trends-anomaly"
    three, seven = (Names(project, SAMPLE_ACCOUNT, "us-east-1", f"pr-{i}") for i in (3, 7))
    empty = {
        "sagemaker": [
            ("list_endpoints", {"Endpoints": []}),
            ("list_endpoint_configs", {"EndpointConfigs": []}),
            ("list_models", {"Models": []}),
        ],
        "apigatewayv2": [("get_apis", {"Items": []})],
        "iam": [("list_roles", {"Roles": []})],
        "ecr": [("describe_repositories", {"repositories": []})],
        "logs": [("describe_log_groups", {"logGroups": []})] * 3,
    }
    stubs = {
        service: Stubber(aws.client(service)) for service in [*empty, "s3", "cloudfront", "lambda"]
    }
    for service, answers in empty.items():
        for method, answer in answers:
            stubs[service].add_response(method, answer)
    s3, cloudfront = stubs["s3"], stubs["cloudfront"]
    # A paginated request, as S3 asks; only the previews' names (every one starts with the
    # preview stack prefix): an account's other buckets are not listed page by page.
    page = {"MaxBuckets": previews.BUCKETS_PER_PAGE, "Prefix": previews.stack_prefix(project)}
    first = {"Buckets": [{"Name": three.bucket}], "ContinuationToken": "t2"}
    s3.add_response("list_buckets", first, page)
    last = {"Buckets": [{"Name": seven.bucket}]}
    s3.add_response("list_buckets", last, {**page, "ContinuationToken": "t2"})
    cloudfront.add_response("list_origin_access_controls", _oac_page(three.oac, "m2"))
    cloudfront.add_response(
        "list_origin_access_controls", _oac_page(seven.oac, None), {"Marker": "m2"}
    )
    no_distributions = {"Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 0}
    cloudfront.add_response("list_distributions", {"DistributionList": no_distributions})
    for names in (three, seven):  # neither preview has its function yet
        stubs["lambda"].add_client_error(
            "get_function", "ResourceNotFoundException", http_status_code=404,
            expected_params={"FunctionName": names.function},
        )  # fmt: skip
    for stub in stubs.values():
        stub.activate()
    try:
        found = previews.find(aws, project)
        for stub in stubs.values():
            stub.assert_no_pending_responses()
    finally:
        for stub in stubs.values():
            stub.deactivate()
    assert found == {
        3: [f"cloudfront_oac {three.oac}", f"s3_bucket {three.bucket}"],
        7: [f"cloudfront_oac {seven.oac}", f"s3_bucket {seven.bucket}"],
    }


class _DistributionsAws:
    """Only ListDistributions answers: distributions whose origins are ``domains``."""

    def __init__(self, *domains: str) -> None:
        self.domains = domains

    def pages(self, service: str, operation: str, key: str, **params: object) -> list[dict]:
        if operation != "ListDistributions":
            return []
        return [
            {"Id": f"E{i}", "Origins": {"Items": [{"DomainName": d}]}}
            for i, d in enumerate(self.domains)
        ]

    def read(self, service: str, operation: str, **params: object) -> dict | None:
        return None


def test_a_previews_distribution_is_found_by_its_origin_bucket_and_only_its_own() -> None:
    """A distribution has no name: it is a preview's when its origin is that preview's
    bucket (pr-7's never pr-70's), and no other project's or other origin's."""
    seven, seventy = (
        Names("trends-anomaly", SAMPLE_ACCOUNT, "us-east-1", f"pr-{i}") for i in (7, 70)
    )
    other = Names("trends-other", SAMPLE_ACCOUNT, "us-east-1", "pr-7")
    aws = _DistributionsAws(
        seven.bucket_domain, seventy.bucket_domain, other.bucket_domain, "example.com"
    )
    found = previews.find(aws, "trends-anomaly")  # type: ignore[arg-type]
    assert found == {7: ["cloudfront_distribution E0"], 70: ["cloudfront_distribution E1"]}


def _distribution_from(cf: Any, bucket_domain: str, reference: str) -> str:
    """A distribution on the test server whose one origin is ``bucket_domain``: its id."""
    return str(create_distribution(cf, bucket_domain, reference)["Distribution"]["Id"])


@pytest.mark.usefixtures("aws_env")
def test_a_previews_distribution_on_the_second_page_of_the_account_is_found() -> None:
    """An account with more distributions than one ListDistributions answer holds (100 at
    most, MaxItems): a preview's on a later page must still be found, by Marker/NextMarker,
    or `previews list` and the sweep leave its billed distribution. The test server pages as
    CloudFront does; here one distribution a page, so the preview's is on the second."""
    import boto3

    from deploy.aws import Aws

    aws = Aws("us-east-1", boto3.Session(region_name="us-east-1"))
    cf = aws.client("cloudfront")
    seven = Names("trends-anomaly", SAMPLE_ACCOUNT, "us-east-1", "pr-7")
    other = Names("trends-other", SAMPLE_ACCOUNT, "us-east-1", "pr-7")
    _distribution_from(cf, other.bucket_domain, "other")  # listed first
    ours = _distribution_from(cf, seven.bucket_domain, "ours")
    pages: list[dict] = []

    def one_a_page(params: dict, **_: object) -> None:
        params["MaxItems"] = "1"

    def seen(parsed: dict, **_: object) -> None:
        pages.append(parsed["DistributionList"])

    cf.meta.events.register("before-parameter-build.cloudfront.ListDistributions", one_a_page)
    cf.meta.events.register("after-call.cloudfront.ListDistributions", seen)
    found = previews.find(aws, "trends-anomaly")
    assert [p["IsTruncated"] for p in pages][:1] == [True]  # ours was not on the first page
    assert [i["Id"] for i in pages[0].get("Items") or []] != [ours]
    assert found == {7: [f"cloudfront_distribution {ours}"]}
