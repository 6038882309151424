"""Bytecode for the test run, cached outside the source tree (tests/conftest.py).

This project's machines set PYTHONDONTWRITEBYTECODE (CI's too), so no process wrote a .pyc:
every process that collects (each xdist worker, and the pytest runs of tests/test_node_ids.py,
test_property_tests.py and test_xdist_groups.py) rewrote and compiled every test module anew,
and every `python -m deploy`, model server and moto server the tests start compiled the
project's modules anew (`pytest --collect-only tests`: 31 s of CPU without, 14 s with).

`use(prefix)` turns bytecode on with ``sys.pycache_prefix`` (and the two variables that carry
it to the xdist workers and every process the tests start), so the .pyc files go under the
prefix, never into a __pycache__ beside the sources. With a prefix Python reads .pyc files
only from there, not the __pycache__ directories `make setup` wrote (uv sync
--compile-bytecode), and a fresh venv's first run would compile the packages and the standard
library it imports anew (16 s of CPU for a collection); so the first run links those .pyc
files into the prefix instead, once per venv.
"""

from __future__ import annotations

import contextlib
import os
import sys
import sysconfig
from pathlib import Path

MIRRORED = ".mirrored"  # in the prefix once the installed .pyc files are linked in


def use(prefix: Path) -> None:
    if not (prefix / MIRRORED).exists():
        _mirror(prefix)
    sys.dont_write_bytecode = False
    sys.pycache_prefix = str(prefix)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(prefix)


def _mirror(prefix: Path) -> None:
    """Each installed `dir/__pycache__/name.TAG.pyc` as `prefix/dir/name.TAG.pyc`, the path
    Python looks for with the prefix (importlib.util.cache_from_source); the file is the same
    (its header names the source's mtime and size, not its path)."""
    tag = f".{sys.implementation.cache_tag}."
    roots = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    for root in sorted(roots):
        for top, dirs, files in os.walk(root):
            if os.path.basename(top) != "__pycache__":
                continue
            dirs.clear()
            target = prefix / Path(os.path.dirname(top)).relative_to("/")
            for name in files:
                if tag not in name or not name.endswith(".pyc") or name.count(".") != 2:
                    continue  # another interpreter's, or an optimized (.opt-1) one
                _link(os.path.join(top, name), target / name)
    (prefix / MIRRORED).parent.mkdir(parents=True, exist_ok=True)
    (prefix / MIRRORED).touch()


def _link(source: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        pass
    except OSError:  # another file system; if that fails too, Python compiles that one
        with contextlib.suppress(OSError):
            target.write_bytes(Path(source).read_bytes())
