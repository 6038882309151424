"""WCAG 2 colour contrast, for the page tests that read colours from computed styles or from
screenshot pixels (one formula: three test files had their own copies)."""

from __future__ import annotations

import re
from collections.abc import Sequence

WHITE = (255, 255, 255)


def rgb(css: str) -> tuple[float, ...]:
    """The red, green and blue of a computed CSS colour (``rgb(…)`` / ``rgba(…)``)."""
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def luminance(colour: Sequence[float]) -> float:
    """WCAG relative luminance of 0–255 channels."""
    lin = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        for c in (v / 255 for v in colour[:3])
    ]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def ratio(a: Sequence[float], b: Sequence[float]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two computed CSS colours."""
    return ratio(rgb(a), rgb(b))
