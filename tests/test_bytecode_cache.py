"""The test run caches bytecode under the venv, never beside the sources, in every process it
starts (tests/support/bytecode.py): where PYTHONDONTWRITEBYTECODE is set, each xdist worker,
nested pytest run, `python -m deploy` and server compiled every module anew."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pandas

REPO = Path(__file__).resolve().parents[1]
PREFIX = REPO / ".venv" / "pycache"
SETTINGS = "import json, sys; print(json.dumps([sys.dont_write_bytecode, sys.pycache_prefix]))"


def test_this_process_caches_bytecode_under_the_venv() -> None:
    """Under xdist this is a worker: it got the setting from the controller's environment."""
    assert Path(sys.prefix).resolve() == PREFIX.parent.resolve(), "not the project's .venv"
    assert [sys.dont_write_bytecode, sys.pycache_prefix] == [False, str(PREFIX)]


def test_a_process_the_tests_start_caches_it_there_too() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SETTINGS], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == [False, str(PREFIX)]


def test_the_installed_packages_bytecode_is_found_under_the_prefix() -> None:
    """Linked in from the venv's own __pycache__ (`make setup`), not compiled anew."""
    cached = Path(importlib.util.cache_from_source(pandas.__file__))
    assert cached.is_relative_to(PREFIX) and cached.is_file(), cached
    installed = Path(pandas.__file__).parent / "__pycache__" / cached.name
    assert cached.read_bytes() == installed.read_bytes()


def test_the_test_modules_are_cached_under_the_prefix() -> None:
    """pytest's rewritten module (this one) is written there, not into tests/__pycache__."""
    here = Path(__file__).resolve()
    mirror = PREFIX / here.parent.relative_to(here.anchor)
    assert list(mirror.glob(f"{here.stem}.*-pytest-*.pyc")), sorted(mirror.glob("*"))
