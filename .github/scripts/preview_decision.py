"""What the preview workflow does for a pull-request event: deploy, destroy or nothing.

Why a script: the decision must follow the pull request's *current* state, not the event that
started the run. preview.yml's per-pull-request concurrency group keeps GitHub's default (one
running and one pending run; a newer one cancels the pending one), so a burst of push, unlabel,
push can drop the middle event; a run that
reconciles to the current state (re-read through the REST API when a token is given) still ends
right. Forks never get a preview (no AWS credentials reach their code).

    python preview_decision.py --event "$GITHUB_EVENT_PATH" [--github-output PATH]

Writes ``action=deploy|destroy|skip``, ``env=pr-<N>``, ``number=<N>`` and prints why.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from step_files import append_outputs  # noqa: E402 (beside this script)

from deploy.github_api import GitHub, PullRequest  # noqa: E402
from deploy.naming import PREVIEW_LABEL, preview_env  # noqa: E402 (not previews.py: no boto3)

# The activities after which a labelled, open pull request's preview is (re)deployed.
DEPLOY_ON = {"opened", "reopened", "synchronize", "labeled"}
DEPENDABOT = "dependabot[bot]"


@dataclass(frozen=True)
class Decision:
    action: str  # deploy / destroy / skip
    number: int
    reason: str

    @property
    def env(self) -> str:
        return preview_env(self.number)


def decide(
    event: dict[str, Any], current: PullRequest | None, label: str = PREVIEW_LABEL
) -> Decision:
    """The action for one `pull_request` event, judged on ``current`` (the pull request as
    GitHub has it now) or, without it, on the event's own copy."""
    doc = event.get("pull_request") or {}
    number = int(doc.get("number") or event.get("number") or 0)
    if not number:
        return Decision("skip", 0, "not a pull-request event")
    pull = current or PullRequest.from_json(doc)
    activity = str(event.get("action", ""))
    labelled = label in pull.labels
    if not pull.same_repository:
        return Decision("skip", number, f"#{number} comes from a fork: forks never get a preview")
    if (doc.get("user") or {}).get("login") == DEPENDABOT:
        # Dependabot's runs get no OIDC token (they are treated like a fork's).
        return Decision("skip", number, f"#{number} is Dependabot's: its runs get no AWS access")
    ours = (event.get("label") or {}).get("name") == label
    if not pull.open:
        if labelled:
            return Decision("destroy", number, f"#{number} is {pull.state}")
        # Never labelled (or unlabelled before, which destroyed it); the sweep removes any
        # preview a lost event left behind.
        return Decision("skip", number, f"#{number} is {pull.state} and not labelled {label!r}")
    if activity in ("labeled", "unlabeled") and not ours:
        return Decision("skip", number, f"another label changed on #{number}; preview unchanged")
    if not labelled:
        if activity == "unlabeled":
            return Decision("destroy", number, f"the {label!r} label was removed from #{number}")
        return Decision("skip", number, f"#{number} is not labelled {label!r}")
    if activity in DEPLOY_ON or activity == "unlabeled":  # unlabeled, but labelled again since
        return Decision("deploy", number, f"#{number} is open and labelled {label!r}")
    return Decision("skip", number, f"{activity or 'this event'} does not change the preview")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", type=Path, default=os.environ.get("GITHUB_EVENT_PATH"))
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY", ""))
    parser.add_argument("--label", default=PREVIEW_LABEL)
    parser.add_argument("--github-output", type=Path)
    args = parser.parse_args(argv)
    event = json.loads(args.event.read_text(encoding="utf-8")) if args.event else {}
    number = int((event.get("pull_request") or {}).get("number") or 0)
    current = None
    if number and args.repo and os.environ.get("GITHUB_TOKEN"):
        current = GitHub().pull_request(args.repo, number)  # the state now, not the event's
    decision = decide(event, current, args.label)
    print(f"preview {decision.env}: {decision.action} ({decision.reason})")
    outputs = {"action": decision.action, "env": decision.env, "number": str(decision.number)}
    append_outputs(args.github_output, outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
