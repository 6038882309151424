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
