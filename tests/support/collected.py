"""The ids this session collected, before any selection (-m, -k, --deselect) drops some:
recorded by tests/conftest.py, read by tests/test_node_ids.py."""

from __future__ import annotations

import pytest

COLLECTED: pytest.StashKey[list[str]] = pytest.StashKey()
