"""Turn `deploy apply --summary-json` output into the job summary and step outputs.

Why: the job summary of a deploy must list the API URL, the site URL and what changed, and the
GitHub Environment's URL must point at the site; both come from this one file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from step_files import append_outputs, append_summary  # beside this script


def _change_line(change: Any) -> str:
    if isinstance(change, str):
        return change
    if isinstance(change, dict):
        kind = change.get("action") or change.get("kind") or change.get("op") or "change"
        what = change.get("resource") or change.get("name") or change.get("id") or ""
        if isinstance(what, dict):
            what = what.get("name") or what.get("id") or json.dumps(what, sort_keys=True)
        why = change.get("reason") or change.get("why") or ""
        return " ".join(p for p in (f"**{kind}**", f"`{what}`" if what else "", why) if p)
    return json.dumps(change, sort_keys=True)


def _kept(summary: dict[str, Any]) -> list[str]:
    """What the run left and said so (`kept` of apply's and destroy's --summary-json: a
    resource of the stack's names this project did not make, one of ours such a resource
    uses, destroy's shared image repository): a section of its own, none when nothing was."""
    kept = summary.get("kept") or []
    if not isinstance(kept, list) or not kept:
        return []
    return ["", f"### Kept ({len(kept)})", "", *(f"- {_change_line(line)}" for line in kept)]


def render_failure(summary: dict[str, Any], commit: str = "", title: str = "") -> str:
    """A failed apply's error (`deploy apply` writes it to --summary-json when it fails): said
    first in the job summary, e.g. that SageMaker rolled the switch back and what still serves."""
    head = f"## Deploy failed{f': {title}' if title else ''}{f' `{commit[:12]}`' if commit else ''}"
    body = str(summary.get("error")).replace("~~~", "~ ~ ~")
    lines = [head, ""]
    stopped = summary.get("failed")
    if isinstance(stopped, dict):  # the step it stopped at, and its kind (expired: sign in)
        lines += [
            f"Stopped at `{stopped.get('resource')}`, `{stopped.get('step')}` "
            f"({stopped.get('kind')}).",
            "",
        ]
        sent = stopped.get("sent") or []
        if sent:  # a call AWS accepted before the failed step (a wait): it may still act on it
            calls = ", ".join(f"`{call}`" for call in sent)
            lines += [
                f"{calls} was sent and accepted before it: AWS may still be carrying it out.",
                "",
            ]
    if summary.get("lock") == "held":
        lines += [f"The stack lock {_held(summary)}: the error says how to release it.", ""]
    lines += ["~~~text", body, "~~~"]
    changes = summary.get("changes") or []
    if changes:  # what the failed apply did change: the next run resumes after it
        lines += ["", f"### Done before it ({len(changes)})", ""]
        lines += [f"- {_change_line(c)}" for c in changes]
    lines += _kept(summary)
    return "\n".join(lines) + "\n"


def _held(summary: dict[str, Any]) -> str:
    """A lock said held: "is still held", or "may still be held" when its release was
    interrupted (``lock_release``), its DeleteObject perhaps reaching S3."""
    if summary.get("lock_release") == "interrupted":
        return "may still be held (its release was interrupted)"
    return "is still held"


def render(summary: dict[str, Any], commit: str = "", title: str = "") -> str:
    """Markdown for $GITHUB_STEP_SUMMARY (``title``: the environment, when there are several)."""
    if summary.get("error"):
        return render_failure(summary, commit, title)
    changes = summary.get("changes") or []
    lines = [
        f"## Deployed{f' {title}' if title else ''}{f' `{commit[:12]}`' if commit else ''}",
        "",
        "| | |",
        "|---|---|",
        f"| API URL | {summary.get('api_url') or '—'} |",
        f"| Site URL | {summary.get('site_url') or '—'} |",
        f"| Endpoint | `{summary.get('endpoint_name') or '—'}` "
        f"({summary.get('endpoint_status') or 'unknown'}) |",
        "",
        f"### Changes ({len(changes)})",
        "",
    ]
    lines += [f"- {_change_line(c)}" for c in changes] or ["Nothing changed: AWS already matched."]
    lines += _kept(summary)
    if summary.get("lock") == "held":  # every change landed, then the lock's release failed
        note = str(summary.get("lock_note") or "").replace("~~~", "~ ~ ~")
        said = f"The stack lock {_held(summary)}: the next run stops at it until released."
        lines += ["", said, "", "~~~text", note, "~~~"]
    return "\n".join(lines) + "\n"


def rollback_note(image: str, title: str = "") -> str:
    """What a rollback (deploy.yml's workflow_dispatch) leaves to do: main still holds the bad
    model, so the next merge would deploy it again unless a revert (or a pin) lands first."""
    where = f" {title}" if title else ""
    return (
        f"> [!WARNING]\n> **Rolled back{where} to `{image}`.** `main` still holds the model "
        "this replaced: **the next merge to main deploys it again** unless a revert lands "
        "first. Now `git revert -m 1 <merge commit>` (or pin `model: {image: ...}` in "
        'config.yaml), pull request, merge: docs/rolling-back.md, "Rolling back", step 2.\n\n'
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("summary_json", type=Path)
    parser.add_argument("--commit", default="")
    parser.add_argument("--title", default="", help="the environment deployed (staging, pr-7)")
    parser.add_argument("--step-summary", type=Path, help="append markdown here")
    parser.add_argument("--github-output", type=Path, help="append api_url=/site_url= here")
    parser.add_argument(
        "--rollback-image", default="", help="a rollback's image: say a revert on main must follow"
    )
    args = parser.parse_args(argv)
    if not args.summary_json.exists():
        # The summary step runs `if: always()`: a job that stopped before apply (credentials
        # refused, the image build failed) has none, and the step before says why.
        where = args.title or "the deployment"
        said = (
            f"no deploy summary for {where}: `python -m deploy apply` did not run, or stopped "
            "before writing one; the first failed step of this job says why."
        )
        print(f"::error title=deploy summary::{said}")
        append_summary(
            args.step_summary, f"## Deploy failed: {where}\n\n{said[0].upper()}{said[1:]}\n"
        )
        return 1
    try:
        summary = json.loads(args.summary_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"::error title=deploy summary::cannot read {args.summary_json}: {exc}")
        return 1
    markdown = render(summary, args.commit, args.title)
    if args.rollback_image and not summary.get("error"):
        markdown = rollback_note(args.rollback_image, args.title) + markdown
        print(
            f"::warning title=rolled back, now revert on main::{args.title or 'the deployment'} "
            f"serves {args.rollback_image}; the next merge to main deploys main's model again "
            "unless a revert (or a model.image pin) lands first "
            '(docs/rolling-back.md, "Rolling back", step 2)'
        )
    print(markdown)
    append_summary(args.step_summary, markdown)
    urls = {k: str(summary.get(k) or "").replace("\n", "") for k in ("api_url", "site_url")}
    append_outputs(args.github_output, urls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
