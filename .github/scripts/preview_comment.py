"""The sticky comment of a pull request's preview: its URLs while it lives, a note when it goes.

    python preview_comment.py deployed SUMMARY_JSON --env pr-7 --head-sha SHA --run-id N
    python preview_comment.py removed --env pr-7 --reason "pull request closed" --run-id N

Why a script: the comment is what a reviewer clicks, so its URLs must come from what `deploy
apply --summary-json` saw in AWS, and one marker keeps it a single comment across pushes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy.wording import counted  # noqa: E402 (imports nothing: no boto3 for this step)

MARKER = "<!-- preview -->"


def _lifetime(preview: dict[str, Any]) -> str:
    """How long it lives: while labelled and open, and (``max_idle_days``) while pushed to."""
    said = (
        "It is redeployed on every push while the pull request has the `preview` label; "
        "removing the label or closing the pull request destroys it"
    )
    days = preview.get("max_idle_days")
    if not days:
        return f"{said}."
    return (
        f"{said}, and so does the scheduled sweep when no push has deployed it for "
        f"{counted(days, 'day')} (`preview.max_idle_days`): push again to bring it back."
    )


def deployed(summary: dict[str, Any], env: str, head_sha: str = "", run_id: str = "") -> str:
    changes = summary.get("changes") or []
    preview = summary.get("preview") or {}
    warnings = [f"> **Warning:** {w}\n" for w in preview.get("warnings") or []]  # as the plan
    return "\n".join(
        [
            MARKER,
            f"### Preview `{env}` is up",
            "",
            "| | |",
            "|---|---|",
            f"| Site | {summary.get('site_url') or '—'} |",
            f"| API | {summary.get('api_url') or '—'} |",
            f"| Endpoint | `{summary.get('endpoint_name') or '—'}` "
            f"({summary.get('endpoint_status') or 'unknown'}) |",
            "",
            f"{counted(len(changes), 'change')} applied for {head_sha[:12] or 'this push'} "
            f"(run {run_id}). " + _lifetime(preview),
            "",
            *warnings,
        ]
    )


def removed(env: str, reason: str, run_id: str = "") -> str:
    return "\n".join(
        [
            MARKER,
            f"### Preview `{env}` removed",
            "",
            f"{reason}: every `{env}` resource was destroyed (run {run_id}). Add the `preview` "
            "label again to bring it back.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("deployed")
    up.add_argument("summary_json", type=Path)
    down = sub.add_parser("removed")
    down.add_argument("--reason", default="The preview was taken down")
    for p in (up, down):
        p.add_argument("--env", required=True)
        p.add_argument("--head-sha", default="")
        p.add_argument("--run-id", default="")
    args = parser.parse_args(argv)
    if args.command == "removed":
        print(removed(args.env, args.reason, args.run_id), end="")
        return 0
    try:
        summary = json.loads(args.summary_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"::error title=preview comment::cannot read {args.summary_json}: {exc}")
        return 1
    print(deployed(summary, args.env, args.head_sha, args.run_id), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
