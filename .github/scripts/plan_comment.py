"""The pull request's sticky plan comment: one section per environment, in promotion order.

Why a script: the comment must show every environment's plan (staging and production differ
in size and endpoint type, so one change can plan differently in each), say at a glance which
environments a merge changes, and still be posted when a plan fails. The workflow runs
`python -m deploy plan --env NAME --format markdown` per environment into ``DIR/NAME.md``,
``DIR/NAME.err`` and ``DIR/NAME.rc``; this renders them.

    python plan_comment.py DIR --env staging --env production [--head-sha SHA --run-id N]

Prints the comment (``--step-summary``: also appends it there, cut to GitHub's 1 MiB); exits
0. ``--github-output`` gets ``rc=`` (1: a plan failed, 2: changes, 0: none) and ``changed=``
(the environments a merge changes).

An environment the workflows never apply (neither of deploy.yml's stages, e.g. ``qa``) is
planned and drift-checked only: the comment says so where it lists it, and leaves it out of
what "a merge changes".
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from step_files import append_outputs, append_summary  # noqa: E402 (beside this script)

from deploy.naming import WORKFLOW_STAGES as STAGES  # noqa: E402 (deploy.yml's promotion order)

MARKER = "<!-- deploy-plan -->"
SINGLE = "-"  # the file stem of the single deployment's plan (config.yaml without environments)
_SUMMARY = re.compile(r"^\*\*(.+)\*\*$", re.MULTILINE)
ERR_TAIL = 4000
COMMENT_BUDGET = 60000  # GitHub refuses comments over 65536 characters


@dataclass(frozen=True)
class EnvPlan:
    env: str  # "" for the single deployment
    rc: int
    markdown: str
    stderr: str

    @property
    def title(self) -> str:
        return f"`{self.env}`" if self.env else "the deployment"

    @property
    def applied(self) -> bool:
        """True when a merge applies it: one of deploy.yml's stages, or the single deployment
        (its production stage applies that)."""
        return not self.env or self.env in STAGES

    @property
    def planned_only(self) -> str:
        """What follows its name wherever it is listed: "" when a merge applies it."""
        return "" if self.applied else " (planned only: never applied)"

    @property
    def outcome(self) -> str:
        if self.rc == 0:
            return "no changes"
        if self.rc == 2:
            m = _SUMMARY.search(self.markdown)
            return m.group(1).removeprefix("Plan: ").rstrip(".") if m else "changes"
        return f"plan failed (exit {self.rc})"


def read(directory: Path, env: str) -> EnvPlan:
    stem = env or SINGLE

    def text(suffix: str) -> str:
        path = directory / f"{stem}{suffix}"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    rc_text = text(".rc").strip()
    return EnvPlan(
        env, int(rc_text) if rc_text.lstrip("-").isdigit() else 1, text(".md"), text(".err")
    )


def _body(plan: EnvPlan, budget: int = COMMENT_BUDGET) -> list[str]:
    """The engine's markdown under this environment's heading (its own heading dropped), cut
    to ``budget`` characters (the job summary keeps every plan whole)."""
    markdown = plan.markdown.strip("\n")
    if len(markdown) > budget:
        markdown = markdown[:budget].rsplit("\n", 1)[0] + (
            "\n\n*(cut to fit a comment: the whole plan is in the job summary)*"
        )
    lines = markdown.splitlines()
    if lines and lines[0].startswith("### Deploy plan"):
        lines = lines[1:]
    out = [f"#### {plan.title}{plan.planned_only}: {plan.outcome}", *lines]
    if plan.rc not in (0, 2):
        out += ["", "```text", plan.stderr[-ERR_TAIL:].strip() or "(no error output)", "```"]
    return out


def overall_rc(plans: list[EnvPlan]) -> int:
    if any(p.rc not in (0, 2) for p in plans):
        return 1
    return 2 if any(p.rc == 2 for p in plans) else 0


def _order(plans: list[EnvPlan]) -> list[str]:
    """What a merge applies, in order, and each environment it never applies, said plainly."""
    stages = [p.title for p in plans if p.env and p.applied]
    out = []
    if stages:
        out.append(
            f"A merge applies {', then '.join(stages)}, in this order; each stage's smoke test "
            "must pass before the next."
        )
    for p in plans:
        if not p.applied:
            out.append(
                f"{p.title}: planned only; the workflows apply {' and '.join(STAGES)}, never "
                f"{p.env} (apply it by hand: `python -m deploy apply --env {p.env}`)."
            )
    return out


def render(
    plans: list[EnvPlan], head_sha: str = "", run_id: str = "", budget: int = COMMENT_BUDGET
) -> str:
    rc = overall_rc(plans)
    changed = [p.title for p in plans if p.rc == 2 and p.applied]
    differs = [p.title for p in plans if p.rc == 2 and not p.applied]
    if rc == 1:
        title = "### Deploy plan failed"
    elif changed:
        title = f"### Deploy plan: merging this pull request changes AWS ({', '.join(changed)})"
    elif differs:
        title = (
            "### Deploy plan: merging this pull request changes nothing the workflows apply "
            f"({', '.join(differs)} {'differs' if len(differs) == 1 else 'differ'}: planned only)"
        )
    else:
        title = "### Deploy plan: no changes"
    lines = [MARKER, title, ""]
    if len(plans) > 1 or plans[0].env:
        lines += ["| environment | plan |", "|---|---|"]
        lines += [f"| {p.title} | {p.outcome}{p.planned_only} |" for p in plans]
        lines.append("")
        for said in _order(plans):  # each its own paragraph
            lines += [said, ""]
    for plan in plans:
        lines += [*_body(plan, budget // len(plans) if budget else sys.maxsize), ""]
    if head_sha or run_id:
        lines.append(f"<sub>Plan for {head_sha[:12]} (run {run_id}); updated on every push.</sub>")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument(
        "--env", action="append", default=[], help=f"in promotion order; {SINGLE!r}: the single"
    )
    parser.add_argument("--head-sha", default="")
    parser.add_argument("--run-id", default="")
    parser.add_argument("--github-output", type=Path)
    parser.add_argument("--step-summary", type=Path, help="append the text here too (capped)")
    parser.add_argument(
        "--budget", type=int, default=COMMENT_BUDGET, help="characters (0: no cut, for summaries)"
    )
    args = parser.parse_args(argv)
    envs = [e for arg in args.env for e in arg.split()] or [SINGLE]
    plans = [read(args.directory, "" if e == SINGLE else e) for e in envs]
    text = render(plans, args.head_sha, args.run_id, args.budget)
    print(text, end="")
    append_summary(args.step_summary, text)
    changed = " ".join(p.env or SINGLE for p in plans if p.rc == 2 and p.applied)
    append_outputs(args.github_output, {"rc": str(overall_rc(plans)), "changed": changed})
    return 0


if __name__ == "__main__":
    sys.exit(main())
