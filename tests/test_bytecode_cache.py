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


def test_nothing_is_written_beside_the_sources() -> None:
    """The checkout keeps no __pycache__ of its own: everything went under the prefix."""
    tracked = (
        subprocess.run(
            ["git", "ls-files", "-z", "--", "*.py"], cwd=REPO, capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    beside = {(REPO / name).parent / "__pycache__" for name in tracked if name}
    assert not [path for path in sorted(beside) if path.exists()]
