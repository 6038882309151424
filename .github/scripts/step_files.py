"""The files a workflow step appends to for what comes after it: ``$GITHUB_OUTPUT`` (the later
steps' and jobs' inputs, ``key=value`` lines) and ``$GITHUB_STEP_SUMMARY`` (markdown on the
run's page). Every script here takes them as ``--github-output`` / ``--step-summary`` (absent:
not in a workflow, nothing written) and writes them through these two, the one place that
knows their format.

GitHub drops a step's whole summary when its file ends the step over 1 MiB ("$GITHUB_STEP_SUMMARY
upload aborted, supports content up to a size of 1024k"), so a huge plan or log is cut here to
fit, at a line, its open code block and collapsed sections (``<details>``) closed. A shell
step's text comes through the command line:

    ... | python step_files.py --step-summary "$GITHUB_STEP_SUMMARY" [FILE ...]  (none, -: stdin)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

SUMMARY_LIMIT = 1024 * 1024  # bytes of one step's summary file GitHub still shows
SUMMARY_BUDGET = SUMMARY_LIMIT - 4096  # what this writes at most: room for a later short line
SUMMARY_CUT = (
    "\n*(Cut here: GitHub shows at most 1 MiB of a step's summary. "
    "The step's log has the whole text.)*\n"
)
_FENCES = ("```", "~~~")


def append_outputs(path: Path | None, outputs: Mapping[str, str]) -> None:
    """Append ``key=value`` lines to $GITHUB_OUTPUT (when given)."""
    if path:
        with path.open("a", encoding="utf-8") as fh:
            fh.writelines(f"{k}={v}\n" for k, v in outputs.items())


def _closers(lines: list[str]) -> list[str]:
    """The lines that close what is left open at the end of ``lines``: a code block's fence,
    then each collapsed section (``<details>``, deploy/render.py's lists), which would otherwise
    fold the cut's note away with the rest."""
    fence, details = "", 0
    for line in lines:
        bare = line.lstrip()
        mark = bare[:3]
        if mark in _FENCES and (not fence or mark == fence):
            fence = "" if fence else mark
        elif not fence:
            details += bare.count("<details>") + bare.count("<details ")
            details = max(0, details - bare.count("</details>"))
    return ([fence] if fence else []) + ["", "</details>"] * details


def fit_summary(markdown: str, room: int) -> str:
    """``markdown`` whole when it fits in ``room`` UTF-8 bytes; else cut at a line, its open
    code block and sections closed and SUMMARY_CUT said; '' when not even that fits."""
    data = markdown.encode("utf-8")
    if len(data) <= room:
        return markdown
    # room for the note and a few closers, so that the loop below rarely drops a line
    keep = room - len(SUMMARY_CUT.encode("utf-8")) - 64
    head = data[: max(0, keep)].decode("utf-8", "ignore")
    lines = head.split("\n")[:-1]  # whole lines only
    while True:
        text = "\n".join([*lines, *_closers(lines)]) + "\n" + SUMMARY_CUT
        if len(text.encode("utf-8")) <= room:
            return text
        if not lines:
            return ""
        lines.pop()


def append_summary(path: Path | None, markdown: str) -> None:
    """Append ``markdown`` to $GITHUB_STEP_SUMMARY (when given), cut to keep the file under
    GitHub's limit."""
    if path:
        used = path.stat().st_size if path.exists() else 0
        text = fit_summary(markdown, SUMMARY_BUDGET - used)
        if text:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Append text to $GITHUB_STEP_SUMMARY, capped.")
    parser.add_argument("--step-summary", type=Path, required=True)
    parser.add_argument("files", nargs="*", default=["-"], help="the text ('-': stdin)")
    args = parser.parse_args(argv)
    texts = [
        sys.stdin.read() if f == "-" else Path(f).read_text(encoding="utf-8", errors="replace")
        for f in args.files
    ]
    append_summary(args.step_summary, "".join(texts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
