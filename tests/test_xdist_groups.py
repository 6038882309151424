"""`make test`'s `--dist loadgroup` keeps each group on one worker, with the pinned pytest.

tests/conftest.py marks the container tests and the browser tests with an `xdist_group` from
`pytest_collection_modifyitems`, so that one worker runs each group (one model container, one
local stack and one Chromium per group). pytest 9.2.0 silently undoes that: xdist still puts
the group in the node ids, but pytest no longer reads them, so the tests go round-robin with
no error (pytest-dev/pytest-xdist#1386, open). This runs a small suite the way `make test`
does, with a conftest that marks as ours does, and fails if a group is split or unmarked.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CONFTEST = """
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("together"):
            item.add_marker(pytest.mark.xdist_group("together"))
    yield
"""

TESTS = """
import pytest

@pytest.mark.together
@pytest.mark.parametrize("i", range(6))
def test_grouped(i):
    pass

@pytest.mark.parametrize("i", range(6))
def test_free(i):
    pass
"""


def test_a_group_marked_at_collection_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_a.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "test_b.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    together: grouped\n", encoding="utf-8"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-v",
            "-p",
            "no:cacheprovider",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    grouped = re.findall(r"\[(gw\d)\].*PASSED (\S*test_grouped\S*)", run.stdout)
    assert len(grouped) == 12, run.stdout
    assert all(node.endswith("@together") for _, node in grouped), run.stdout
    assert len({worker for worker, _ in grouped}) == 1, run.stdout


MARKED = """
import pytest

@pytest.mark.browser
def test_marked():
    pass
"""


def test_the_suites_markers_collect_without_xdist(tmp_path: Path) -> None:
    """`-p no:xdist` (pytest without the plugin, to debug one test in one process) stopped at
    collection with INTERNALERROR "'xdist_group' not found in `markers` configuration option"
    once a container or browser test was collected: tests/conftest.py added the group marker,
    which only xdist registers, and pyproject's --strict-markers refused it. Runs one
    browser-marked test with the project's conftest and settings, without xdist."""
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "test_marked.py").write_text(MARKED, encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.conftest",
            "-c",
            str(root / "pyproject.toml"),
            "--rootdir",
            str(root),
            str(tmp_path / "test_marked.py"),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout, run.stdout
