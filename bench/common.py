"""Paths and formatting shared by the benchmark modules (all inside the repository)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAB_DIR = ROOT / "bench" / "data" / "nab"  # the NAB subset, MIT (see its README)
TRENDS_DIR = ROOT / "tests" / "data"  # the real exports, SOURCES.md and labels.json


def fmt(v: float | None, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def detector_failed(method: str, name: str, exc: Exception) -> RuntimeError:
    """The error to raise from a detector's own (not an ApiError refusal): which method, on
    which series, so that it can be reproduced on that one file (raise it ``from exc``)."""
    return RuntimeError(f"{method} raised on {name}: {type(exc).__name__}: {exc}")
