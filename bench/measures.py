"""Which way is better for each figure the bench writes to ``--json``: the one place that
says it. ``python -m bench compare`` reads it to call a change better or worse, and
docs/testing.md's "Which way is better" names the same keys (a test keeps them in step).

Keys are the field names of the JSON (the same in every section that has them).
"""

from __future__ import annotations

from typing import Literal

Direction = Literal["higher", "lower", "neither"]

HIGHER_IS_BETTER = (
    "precision",
    "recall",
    "f1",
    "tp",
    "ratio",
    "rps",
    "rps_process",
    "rps_container",
    "rps_ratio",
    "ok",
)
LOWER_IS_BETTER = (
    "fp",
    "fn",
    "clean_fp",
    "fp_per_20_clean",
    "refused",
    "skipped",
    "flags_in_band",
    "flags_in_band_share",
    "out_of_band_unflagged",
    "out_of_band_unflagged_share",
    "band_width_share",
    "band_width_share_structured",
    "band_width_of_scale",
    "sensitivity_breaks",
    "seconds",
    "peak_bytes",
    "latency",
    "errors",
    "ping_p50",
    "ping_p99",
    "build_s",
    "above_base_bytes",
    "start_to_ping_s",
    "memory_idle_bytes",
    "memory_100k_peak_bytes",
    "worker_peak_rss_bytes",
    "master_rss_bytes",
)
# Shown, never called better or worse: the size of what was measured, or a baseline's own
# figure (the reference's time, the worker budget).
NEITHER = (
    "clean_files",
    "flags",
    "out_of_band",
    "structured_terms",
    "runs",
    "ref",
    "ping_count",
    "worker_budget_bytes",
)
# Timings and loads: they move with the machine's load, not only with the code.
TIMINGS = frozenset(
    {
        "seconds",
        "latency",
        "ratio",
        "rps",
        "rps_process",
        "rps_container",
        "rps_ratio",
        "ok",
        "ping_p50",
        "ping_p99",
        "build_s",
        "start_to_ping_s",
        "ref",
    }
)


def direction(field: str) -> Direction:
    """Which way ``field`` is better; "neither" for a field this table does not know (a
    figure added to the bench without its direction is shown, not judged)."""
    if field in HIGHER_IS_BETTER:
        return "higher"
    if field in LOWER_IS_BETTER:
        return "lower"
    return "neither"
