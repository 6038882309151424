"""The property tests draw the same examples on every run of `make test` (tests/conftest.py's
"gate" profile): CI gates every merge on that run, so a merge must fail for what it changed,
never for a new random draw."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]


def _drawn() -> list[int]:
    """The examples one run of a property draws."""
    seen: list[int] = []

    @settings(max_examples=20)
    @given(st.integers(min_value=0, max_value=10**9))
    def prop(n: int) -> None:
        seen.append(n)

    prop()
    return seen


def test_two_runs_of_a_property_draw_the_same_examples() -> None:
    if os.environ.get("HYPOTHESIS_EXPLORE") == "1":
        pytest.skip("HYPOTHESIS_EXPLORE=1 draws new examples on purpose")
    first, second = _drawn(), _drawn()
    assert len(set(first)) > 1 and first == second
    assert settings.default.database is None  # nothing found on one machine replays elsewhere


# A module of the project's own (any file outside the standard library and site-packages, test
# files aside) with constants in the drawn range, and a property test that records its draws.
_LIFTED = "NUMBERS = (" + ", ".join(str(100_003 + 7919 * k) for k in range(40)) + ")\n"
_PROPERTY = """
import os
from hypothesis import given, settings, strategies as st

@settings(max_examples=30)
@given(st.lists(st.integers(0, 10**6), min_size=10, max_size=10))
def test_draws(xs):
    with open(os.environ["DRAWN"], "a") as out:
        out.write(f"{xs}\\n")
"""
_IMPORTS_LIFTED = "def test_imports_a_module():\n    import lifted  # noqa: F401\n"
# The gate as it was: derandomize and no database, nothing else.
_BARE_GATE = """
from hypothesis import settings
settings.register_profile("bare", derandomize=True, database=None)
settings.load_profile("bare")
"""


def _draws_of_a_run(tmp_path: Path, name: str, files: list[str], plugin: str) -> list[str]:
    """The examples test_b_draws.py drew in one pytest process that ran `files` in order."""
    drawn = tmp_path / f"{name}.txt"
    run = subprocess.run(
        [*PYTEST, "-p", plugin, *files],
        cwd=REPO,
        env={
            **os.environ,
            "DRAWN": str(drawn),
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}",
            "HYPOTHESIS_EXPLORE": "0",  # the gate, even when this run explores
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return drawn.read_text().splitlines()


def test_a_property_draws_the_same_examples_whatever_ran_before_it(tmp_path: Path) -> None:
    """Hypothesis draws about 1 number in 40 from the constants of the project's modules
    imported so far, and derandomize seeds the generator, not that pool: the DBSCAN property
    drew a 19-row series in `make test` that it never drew alone. With the gate (tests/
    conftest.py), a test imported after another module of the project draws what it drew
    before; with derandomize alone it does not, which shows this test can fail."""
    (tmp_path / "lifted.py").write_text(_LIFTED)
    (tmp_path / "test_a_imports.py").write_text(_IMPORTS_LIFTED)
    (tmp_path / "test_b_draws.py").write_text(_PROPERTY)
    (tmp_path / "bare_gate.py").write_text(_BARE_GATE)
    alone, after = (
        [str(tmp_path / "test_b_draws.py")],
        [
            str(tmp_path / "test_a_imports.py"),
            str(tmp_path / "test_b_draws.py"),
        ],
    )
    gate = "tests.conftest"
    assert _draws_of_a_run(tmp_path, "alone", alone, gate) == _draws_of_a_run(
        tmp_path, "after", after, gate
    )
    bare_alone = _draws_of_a_run(tmp_path, "bare-alone", alone, "bare_gate")
    assert bare_alone == _draws_of_a_run(tmp_path, "bare-alone-again", alone, "bare_gate")
    assert bare_alone != _draws_of_a_run(tmp_path, "bare-after", after, "bare_gate"), (
        "derandomize alone drew the same examples after a module with constants in range was "
        "imported: Hypothesis no longer draws from the project's constants? Then "
        "tests/support/hypothesis_draws.py can go."
    )
