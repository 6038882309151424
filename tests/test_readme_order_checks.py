"""What the docs quote of the order check's summaries is what it says.

A merge's deploy job that finds its environment already running a newer commit (or a rollback
of one) applies nothing and says why in its summary (`deploy.deploy_order.decide`). The pages
quote those lines so that a reader who meets one knows it; a quote written for another case
(docs/rolling-back.md quoted the newer-commit line where a rollback's applies) sends them
looking for words no run prints. Each quote is held against what `decide` says in every case
its page is about: docs/rolling-back.md's are of runs after a rollback, the others' of merges.
"""

from __future__ import annotations

import itertools
import re

from deploy.deploy_order import NEWER, OLDER, SAME, Deployed, decide
from tests.support.readme_text import READMES, code_spans, read

# The order check's own words: a code span with one of them quotes its summary.
_WORDS = (
    "already deployed to",
    "since a rollback by",
    "was rolled back on",
    "deployed nothing since",
    "deploying it again",
    "a re-run does not roll back",
)
# Where the pages quote it today: a phrase that stops matching is a test that checks nothing.
PAGES = {"docs/environments.md", "docs/rolling-back.md"}
# The pages whose quotes are of a merge's run after a rollback deployed (Run workflow).
AFTER_ROLLBACK = {"docs/rolling-back.md"}
JOB = "https://github.com/octo/trends/actions/runs/11/job/22"


def quotes() -> list[tuple[str, str]]:
    """Every (page, code span) quoting the order check."""
    return [
        (page, span)
        for page in READMES
        for span in code_spans(read(page))
        if any(w in span for w in _WORDS)
    ]


def said(after_rollback: bool) -> list[str]:
    """What `decide` says for a merge to production, in every case it tells apart, when the
    newest deployment it compares with is a rollback's (``after_rollback``) or a merge's."""
    out = []
    deployed = Deployed(sha="b" * 40, deployment_id=7, log_url=JOB, rollback=after_rollback)
    for current, relation, attempt, sha in itertools.product(
        [None, deployed], [NEWER, SAME, OLDER, "diverged"], [1, 2], ["a" * 40, "b" * 40]
    ):
        out.append(
            decide(
                event="push",
                attempt=attempt,
                sha=sha,
                environment="production",
                current=current,
                relation=relation,
                torn_down=deployed if current is None else None,
            ).message
        )
    return out


def _pattern(span: str) -> re.Pattern[str]:
    """A quote as a pattern: `…` and a `<placeholder>` stand for any text."""
    parts = re.split(r"…|<[^>]+>", span)
    return re.compile(".+".join(re.escape(p) for p in parts))


def test_the_docs_quote_what_the_order_check_says() -> None:
    messages = {after: said(after) for after in (False, True)}
    wrong = [
        (page, span)
        for page, span in quotes()
        if not any(_pattern(span).search(m) for m in messages[page in AFTER_ROLLBACK])
    ]
    assert wrong == [], f"no summary of deploy/deploy_order.py's decide() says these: {wrong}"


def test_every_page_that_quotes_the_order_check_is_read() -> None:
    assert {page for page, _ in quotes()} >= PAGES
