"""Which previews stay: open, labelled, same-repository pull requests only; pr-7 never
claims pr-70's resources."""

from __future__ import annotations

from deploy import previews
from deploy.github_api import PullRequest


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

    def __init__(self) -> None:
        self.calls: list[str] = []

    def pages(self, service: str, operation: str, key: str, **params: object) -> list[dict]:
        self.calls.append(operation)
        if operation == "ListRoles":
            return [{"RoleName": "trends-anomaly-pr-7-lambda"}]
        return []

    def read(self, service: str, operation: str, **params: object) -> dict | None:
        self.calls.append(operation)
        if operation == "GetFunction":
            return (
                {"Configuration": {}}
                if params["FunctionName"] == "trends-anomaly-pr-7-detect"
                else None
            )
        return {}


def test_a_previews_function_is_found_by_name_not_by_listing_every_function() -> None:
    """ListFunctions returns every function of the region with its environment variables;
    the roles that list previews (the plan role among them) must not need it."""
    aws = _ListingAws()
    assert previews.find(aws, "trends-anomaly") == {  # type: ignore[arg-type]
        7: ["iam_role trends-anomaly-pr-7-lambda", "lambda_function trends-anomaly-pr-7-detect"]
    }
    assert "ListFunctions" not in aws.calls and aws.calls.count("GetFunction") == 1
