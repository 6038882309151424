"""Counts said as a person says them: "1 change", "2 changes", never "change(s)"."""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, the noun plural unless ``n`` is 1 (every noun deploy counts takes
    an "s": change, resource, preview, problem, action, path, day)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
