"""Helpers shared by the test suites (servers started as real processes, free ports)."""
