"""Section 2 shows the bench's own noise beside its ratios: the baseline timed in turn with
itself, as ``auto`` is timed in turn with it."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

import bench.speed as speed
from bench.__main__ import speed_section
from bench.speed import Timing


def test_run_times_the_baseline_in_turn_with_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """auto/base read 1.05 and 1.11 at 1,000 points in two runs a minute apart, against a
    bound of 1.10, and nothing said how far from 1.00 a ratio of two equal times lands."""
    calls: list[str] = []
    pairs: list[tuple[list[str], list[str]]] = []

    def recorded(name: str, fn: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            calls.append(name)
            return fn(*args, **kwargs)

        return call

    def alternate(fn: Callable[[], object], other: Callable[[], object], budget: float):
        sides = []
        for f in (fn, other):
            calls.clear()
            f()
            sides.append(list(calls))
        pairs.append((sides[0], sides[1]))
        return Timing(1.0, 3), Timing(1.0, 3)

    monkeypatch.setattr(speed, "baseline_auto", recorded("base", speed.baseline_auto))
    monkeypatch.setattr(speed, "run_method", recorded("model", speed.run_method))
    monkeypatch.setattr(speed, "alternate", alternate)
    monkeypatch.setattr(speed, "time_call", lambda fn, budget: Timing(1.0, 3))
    monkeypatch.setattr(speed, "peak_memory", lambda fn: 1)
    row = speed.run([261], 261, 261, budget=0.01, memory=False)[261]
    assert (["base"], ["base"]) in pairs, pairs
    assert row["auto_base_self_a"].seconds == row["auto_base_self_b"].seconds == 1.0


def test_the_table_prints_the_baselines_ratio_to_itself(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ("auto", "auto_base", "stl", "dbscan", "ref_stl_esd", "ref_dbscan")
    row = {m: Timing(1e-3, 3) for m in names}
    row |= {"auto_base_self_a": Timing(1.04e-3, 3), "auto_base_self_b": Timing(1e-3, 3)}
    monkeypatch.setattr(speed, "run", lambda *args, **kwargs: {261: row})
    speed_section(argparse.Namespace(quick=True), {})
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("n "))
    assert header.split()[-1] == "base/base", header
    assert next(line for line in lines if line.lstrip().startswith("261 ")).split()[-1] == "1.04"
    assert any(line.startswith("base/base: ") for line in lines), lines


def test_a_ratio_rests_on_enough_turns_when_each_call_is_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 100,000 points a call takes about 0.2 s and the 1 s budget ended after 4 or 5 turns
    a side: base/base, two equal times, read 0.55, 0.87 and 1.09 in three runs. A median needs
    more turns than that to be steady; the clock here makes every call outlast the budget."""
    now = [0.0]
    monkeypatch.setattr(speed.time, "perf_counter", lambda: now[0])

    def slow() -> None:
        now[0] += 0.4

    a, b = speed.alternate(slow, slow, budget=1.0)
    assert a.runs == b.runs >= speed.MIN_TURNS >= 9, (a.runs, b.runs)
