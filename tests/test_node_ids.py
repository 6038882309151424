"""Every xdist worker collects the suite itself, and xdist stops the run ("Different tests
were collected between gw0 and gw1") unless all of them name the same tests. A test id made
from the clock differs between two workers that collect a second apart, so `make test`
failed now and then at collection; here the suite is collected twice, a day apart by the
clock, and every id must be the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.collected import COLLECTED

REPO = Path(__file__).resolve().parents[1]
COLLECT = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
# A plugin, loaded before any test module is imported: the clock a day ahead.
SHIFTED_CLOCK = """
import time
_real = time.time
time.time = lambda: _real() + 86400
"""


def _collect(tmp_path: Path, *plugin: str) -> subprocess.Popen[str]:
    """The suite's collection in a process of its own (~15 s of CPU)."""
    return subprocess.Popen(
        [*COLLECT, *plugin, "tests"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _ids(run: subprocess.Popen[str]) -> list[str]:
    out, _ = run.communicate(timeout=240)
    assert run.returncode == 0, out[-3000:]
    return [line for line in out.splitlines() if "::" in line]


def _this_sessions_ids(config: pytest.Config) -> list[str] | None:
    """The ids this process collected (under xdist each worker collects the whole suite), when
    it collected the whole suite: `make test`, `make test-fast`, a plain `pytest`; a run of
    some files, or one that skipped files (--lf, --ignore), collects the suite once more."""
    here = config.invocation_params.dir
    whole = [(here / arg).resolve() for arg in config.args] == [REPO / "tests"]
    skipped = (
        config.getoption("lf", False)
        or config.getoption("ignore")
        or config.getoption("ignore_glob")
    )
    return config.stash.get(COLLECTED, None) if whole and not skipped else None


@pytest.mark.slow
def test_the_suite_collects_the_same_test_ids_whenever_it_is_collected(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """This session's own collection (or, for a run of some files, one of the whole suite in
    a process of its own) against one a day later by the clock."""
    (tmp_path / "shifted_clock.py").write_text(SHIFTED_CLOCK)
    now = _this_sessions_ids(request.config)
    runs = (*(() if now else (_collect(tmp_path),)), _collect(tmp_path, "-p", "shifted_clock"))
    try:
        *first, tomorrow = (_ids(run) for run in runs)
    finally:
        for run in runs:  # none outlives the test, even on a timeout
            run.kill()
            run.wait()
    now = now or first[0]
    assert len(now) > 1000
    assert sorted(set(now) ^ set(tomorrow)) == []
