"""The sweep's rewrite of a pull request's preview comment: it finds the comment the preview
workflow writes (tests/deploy/test_engine_environments.py runs it through the sweep)."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import yaml

from deploy import preview_notice, previews
from deploy.github_api import PullRequest
from deploy.previews import Verdict
from tests.support.github_stub import comment

ROOT = Path(__file__).resolve().parents[2]
STICKY_ACTION = "marocchino/sticky-pull-request-comment@"


def test_it_looks_for_the_markers_the_preview_workflow_writes() -> None:
    """preview_comment.py's marker, and the sticky action's for preview.yml's header: the
    one comment the workflow keeps updating."""
    path = ROOT / ".github" / "scripts" / "preview_comment.py"
    spec = importlib.util.spec_from_file_location("preview_comment", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.MARKER == preview_notice.MARKER
    jobs = yaml.safe_load((ROOT / ".github" / "workflows" / "preview.yml").read_text())["jobs"]
    headers = {
        step["with"]["header"]
        for job in jobs.values()
        for step in job.get("steps", [])
        if str(step.get("uses", "")).startswith(STICKY_ACTION)
    }
    assert headers == {preview_notice.STICKY_HEADER}


def test_only_the_bots_comment_with_both_markers_is_the_preview_comment() -> None:
    ours = f"{preview_notice.MARKER}\n### Preview `pr-7` is up\n{preview_notice.STICKY}"
    quoted = comment(ours, login="alice", kind="User")  # a person quoting it
    plan = comment("<!-- Sticky Pull Request Commentplan -->")  # the plan's sticky comment
    found = preview_notice.find([quoted, plan, {**comment(ours), "id": 5}, comment(ours)])
    assert found is not None and found["id"] == 5  # the oldest, as the sticky action picks


def test_the_body_says_removed_why_and_how_to_get_it_back_for_each_reason() -> None:
    pull = PullRequest(7, "open", ("preview",), "o/r", "o/r")
    idle = previews.judge_idle(
        Verdict(7, True, "open"),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 2, 1, tzinfo=UTC),
        14,
    )
    assert idle.idle and "To get it back" not in idle.reason  # the comment says it once
    assert preview_notice.comeback(pull, idle, "preview") == (
        "push to pull request #7 or re-run its latest preview workflow run"
    )
    closed = PullRequest(7, "closed", ("preview",), "o/r", "o/r")
    gone = Verdict(7, False, "pull request #7 is closed")
    assert preview_notice.comeback(closed, gone, "preview") == (
        "reopen pull request #7, labelled `preview`"
    )
    unlabelled = PullRequest(7, "open", (), "o/r", "o/r")
    assert preview_notice.comeback(unlabelled, gone, "preview") == "add the `preview` label again"
    text = preview_notice.body("pr-7", "why", "how", run_id="42")
    assert text.startswith(preview_notice.MARKER) and text.endswith(preview_notice.STICKY)
    assert "### Preview `pr-7` removed" in text and "(run 42): why." in text
    assert "no longer answer. To get it back, how." in text
