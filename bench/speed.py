"""In-process time and peak memory of each method against the reference, by series length.

Every method gets the same weekly Trends-format series (parsed once by the server's parser).
Times are the median of repeated runs, repeated until a small time budget is spent. The
reference STL+ESD is O(n²): past ``ref_max_n`` it is not run and its time is extrapolated
quadratically from the largest size that was run (marked as such in the table).
"""

from __future__ import annotations

import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from trends_anomaly import dbscan as dbscan_mod
from trends_anomaly.auto import layouts
from trends_anomaly.detect import run_method
from trends_anomaly.params import resolve
from trends_anomaly.trends import parse_csv

from .reference.auto_baseline import auto as baseline_module
from .reference.auto_baseline import detect_auto as baseline_auto
from .reference.reference_detectors import reference_dbscan, reference_stl_esd
from .synth import long_series_csv


@dataclass
class Timing:
    seconds: float | None  # median per call; None = not run
    runs: int = 0
    peak_bytes: int | None = None
    extrapolated: bool = False


def time_call(fn: Callable[[], object], budget: float, max_runs: int = 200) -> Timing:
    t0 = time.perf_counter()
    fn()  # warm up (imports, caches); a slow first run is kept as a measurement
    first = time.perf_counter() - t0
    if first > 0.5:
        return Timing(first, 1)
    times: list[float] = []
    spent = 0.0
    while len(times) < max_runs and (spent < budget or len(times) < 3):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
        if dt > budget:  # one long run is enough
            break
    times.sort()
    return Timing(times[len(times) // 2], len(times))


# Turns each side gets at least, however long a call takes: at 100,000 points (about 0.2 s
# a call) the budget alone ended after 4 or 5, and the baseline timed against itself read
# 0.55 to 1.09 in three runs. Nine keep a median steady for about 6 s more per bench run.
MIN_TURNS = 9


def alternate(
    fn: Callable[[], object], other: Callable[[], object], budget: float, max_runs: int = 200
) -> tuple[Timing, Timing]:
    """Medians of ``fn`` and ``other`` called in turn until ``budget`` seconds are spent (and
    ``MIN_TURNS`` each): the machine is shared, and a ratio of two times taken minutes apart
    measures the load."""
    fn(), other()  # warm up both
    a: list[float] = []
    b: list[float] = []
    spent = 0.0
    while len(a) < max_runs and (spent < budget or len(a) < MIN_TURNS):
        for f, times in ((fn, a), (other, b)):
            t0 = time.perf_counter()
            f()
            dt = time.perf_counter() - t0
            times.append(dt)
            spent += dt
        if spent > budget and len(a) >= MIN_TURNS:
            break
    a.sort(), b.sort()
    return Timing(a[len(a) // 2], len(a)), Timing(b[len(b) // 2], len(b))


def peak_memory(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _new_axis(forget: Callable[[], None], fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` as on the first request of a new time axis: ``auto`` and the baseline both keep
    the phase layouts of the last few time axes (``forget`` drops them), and a series timed
    over and over would always find its own."""

    def call() -> object:
        forget()
        return fn()

    return call


def _methods(series, frame):
    period = 52
    return {
        "auto": lambda: run_method(series, "auto", resolve({"method": "auto"})),
        "auto_base": lambda: baseline_auto(series, resolve({"method": "auto"})),
        "stl": lambda: run_method(series, "stl", resolve({"method": "stl"})),
        "dbscan": lambda: run_method(series, "dbscan", resolve({"method": "dbscan"})),
        "ref_stl_esd": lambda: reference_stl_esd(series.values, period),
        "ref_dbscan": lambda: reference_dbscan(frame),
    }


def run(
    sizes: list[int], big: int, ref_max_n: int, budget: float, memory: bool = True
) -> dict[int, dict[str, Timing]]:
    import pandas as pd

    out: dict[int, dict[str, Timing]] = {}
    warnings.simplefilter("ignore")
    for n in [*sizes, big]:
        series = parse_csv(long_series_csv(n))[0]
        frame = pd.DataFrame({"date": series.labels, "value": series.values})
        row: dict[str, Timing] = {}
        methods = _methods(series, frame)
        # auto and the baseline auto (the detector as of commit 766858e) in turn.
        row["auto"], row["auto_base"] = alternate(methods["auto"], methods["auto_base"], budget)
        row["auto_new_axis"], row["auto_base_new_axis"] = alternate(
            _new_axis(layouts.clear, methods["auto"]),
            _new_axis(baseline_module._LAYOUTS.clear, methods["auto_base"]),
            budget,
        )
        # The baseline in turn with itself, timed as auto is with it: two equal times, so
        # their ratio shows how far from 1.00 the bench's own noise puts a ratio (about
        # 3.5 s more over the five sizes on a 2-core machine).
        row["auto_base_self_a"], row["auto_base_self_b"] = alternate(
            methods["auto_base"], methods["auto_base"], budget
        )
        for name, fn in methods.items():
            if name in row:
                if memory:
                    row[name].peak_bytes = peak_memory(fn)
                continue
            too_big_ref = name.startswith("ref_") and n > ref_max_n
            too_big_db = name.endswith("dbscan") and n > min(dbscan_mod.MAX_POINTS, 20_000)
            if n == big and name not in ("auto", "stl"):
                too_big_ref = True
            if too_big_ref or too_big_db:
                row[name] = Timing(None)
                continue
            t = time_call(fn, budget if not name.startswith("ref_") else budget * 2)
            if memory and not (name.startswith("ref_") and n > 1000):
                t.peak_bytes = peak_memory(fn)
            row[name] = t
        out[n] = row
    _extrapolate(out, "ref_stl_esd")
    return out


def _extrapolate(out: dict[int, dict[str, Timing]], name: str) -> None:
    """Quadratic extrapolation of the O(n²) reference from the largest size it ran at."""
    ran = [n for n in sorted(out) if out[n][name].seconds is not None]
    if not ran:
        return
    n0 = ran[-1]
    t0 = out[n0][name].seconds or 0.0
    for n in sorted(out):
        if out[n][name].seconds is None and n > n0:
            out[n][name] = Timing(t0 * (n / n0) ** 2, 0, None, True)
