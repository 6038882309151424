"""Shim: the baseline imports ``.timeaxis``; today's period table is the same."""

from trends_anomaly.timeaxis import default_period

__all__ = ["default_period"]
