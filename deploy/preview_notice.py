"""The pull request's preview comment, rewritten when the sweep removes its preview.

The preview workflow keeps one sticky comment per pull request with the preview's URLs
(.github/scripts/preview_comment.py writes it, marocchino/sticky-pull-request-comment posts it
with ``header: preview``). Its own `destroy` job rewrites it, but the scheduled sweep removes
previews too (a pull request closed without its event, or an idle one still open): left alone,
the comment would show URLs that now answer errors. So the sweep rewrites the same comment: the
one a bot wrote that carries both markers, the sticky action's kept so that the next deploy
updates this comment again rather than adding one.
"""

from __future__ import annotations

import os
from typing import Any

from deploy.github_api import GitHub, PullRequest
from deploy.naming import preview_env
from deploy.previews import Verdict

# preview_comment.py's first line (tests/deploy/test_preview_notice.py holds them equal).
MARKER = "<!-- preview -->"
# What the sticky action appends to the comments it writes: ``header: preview`` in preview.yml.
STICKY_HEADER = "preview"
STICKY = f"<!-- Sticky Pull Request Comment{STICKY_HEADER} -->"


def comeback(pull: PullRequest, verdict: Verdict, label: str) -> str:
    """How the author gets the preview back, for the reason it went."""
    if verdict.comeback:  # the sweep's own (an idle preview)
        return verdict.comeback
    if not pull.open:
        return f"reopen pull request #{pull.number}, labelled `{label}`"
    return f"add the `{label}` label again"


def body(env: str, reason: str, comeback_: str, run_id: str = "") -> str:
    """The comment once the sweep removed the preview: that, why, and how to get it back."""
    run = f" (run {run_id})" if run_id else ""
    return "\n".join(
        [
            MARKER,
            f"### Preview `{env}` removed",
            "",
            f"The scheduled preview sweep destroyed every `{env}` resource{run}: {reason}. Its "
            f"site and API URLs no longer answer. To get it back, {comeback_}.",
            "",
            STICKY,
        ]
    )


def find(comments: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The preview comment: the oldest a bot wrote with both markers, as the sticky action
    finds it (a person's comment quoting them is never rewritten)."""
    for comment in comments:
        text = str(comment.get("body") or "")
        by_bot = (comment.get("user") or {}).get("type") == "Bot"
        if by_bot and MARKER in text and STICKY in text:
            return comment
    return None


def say_removed(github: GitHub, repo: str, pull: PullRequest, verdict: Verdict, label: str) -> str:
    """Rewrite the pull request's preview comment; what was done, for the sweep's log.
    DeployError when GitHub refuses (the caller says it; the preview is gone either way)."""
    env = preview_env(pull.number)
    found = find(github.comments(repo, pull.number))
    if found is None:
        return f"no preview comment on pull request #{pull.number} to update"
    how = comeback(pull, verdict, label)
    text = body(env, verdict.reason, how, os.environ.get("GITHUB_RUN_ID", ""))
    if not github.edit_comment(repo, int(found["id"]), text):
        return f"the preview comment of pull request #{pull.number} is gone"
    return f"updated the preview comment of pull request #{pull.number}: removed, and why"
