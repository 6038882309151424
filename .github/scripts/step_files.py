"""The files a workflow step appends to for what comes after it: ``$GITHUB_OUTPUT`` (the later
steps' and jobs' inputs, ``key=value`` lines) and ``$GITHUB_STEP_SUMMARY`` (markdown on the
run's page). Every script here takes them as ``--github-output`` / ``--step-summary`` (absent:
not in a workflow, nothing written) and writes them through these two, the one place that
knows their format.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def append_outputs(path: Path | None, outputs: Mapping[str, str]) -> None:
    """Append ``key=value`` lines to $GITHUB_OUTPUT (when given)."""
    if path:
        with path.open("a", encoding="utf-8") as fh:
            fh.writelines(f"{k}={v}\n" for k, v in outputs.items())


def append_summary(path: Path | None, markdown: str) -> None:
    """Append ``markdown`` to $GITHUB_STEP_SUMMARY (when given)."""
    if path:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(markdown)
