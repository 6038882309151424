"""Tests of the ``auto`` detector, one module per stage of ``trends_anomaly.auto``."""
