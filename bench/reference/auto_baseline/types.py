"""Shim: the baseline imports ``.types``; these are today's (same fields it uses)."""

from trends_anomaly.types import Anomaly, Detection, Series

__all__ = ["Anomaly", "Detection", "Series"]
