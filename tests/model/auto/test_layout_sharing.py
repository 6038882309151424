"""A kept layout serves series after series unchanged: two different series run alternately
(and in threads, as a threaded or gevent worker would) through one time axis's layout get
the answers a fresh process gives, at the sizes where the index type changes (4096, 4097)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from trends_anomaly.auto import layouts
from trends_anomaly.auto.pipeline import detect_auto
from trends_anomaly.auto.season import NATIVE_INDEX_POINTS
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.types import Series

# (start, step in days, points, period or None): calendar weeks, index phases on both sides
# of the index-type boundary, and an odd count of cycles.
AXES = [
    ("2019-01-06", 7, 261, None),
    ("2010-01-03", 1, NATIVE_INDEX_POINTS, 7),
    ("2010-01-03", 1, NATIVE_INDEX_POINTS + 1, 7),
    ("2020-01-01", 1, 100, 7),
]


def _pair(start: str, days: int, n: int) -> tuple[Series, Series]:
    ts = (np.datetime64(start) + days * np.arange(n)).astype("datetime64[s]")
    labels = [str(t) for t in ts]
    step = infer_step(ts)
    t = np.arange(n)
    rng = np.random.default_rng(n)
    a = np.round(40 + 15 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 3, n))
    a[n // 3] += 40
    b = np.round(60 - 20 * np.cos(2 * np.pi * t / 7) + rng.normal(0, 5, n)) - 30  # negatives
    b[n // 2 : n // 2 + 5] -= 50
    return Series("a", ts, labels, a, step), Series("b", ts, labels, b, step)


def _answer(s: Series, period: int | None) -> tuple:
    d = detect_auto(s, {} if period is None else {"period": period})
    return (d.expected.tobytes(), d.lower.tobytes(), d.upper.tobytes(), repr(d.anomalies))


def _all_answers() -> list[tuple]:
    out = []
    for start, days, n, period in AXES:
        for s in _pair(start, days, n):
            out.append(_answer(s, period))
    return out


def _fresh() -> list[tuple]:
    """Each answer from a new process (no layout kept from anything before it)."""
    code = (
        "import importlib.util, pickle, sys\n"
        f"spec = importlib.util.spec_from_file_location('sharing', {__file__!r})\n"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
        "sys.stdout.buffer.write(pickle.dumps(mod._all_answers()))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env)
    return pickle.loads(done.stdout)


@pytest.fixture(scope="module")
def fresh() -> list[tuple]:
    return _fresh()


def _work() -> list[tuple[int, Series, int | None]]:
    jobs = []
    for k, (start, days, n, period) in enumerate(AXES):
        a, b = _pair(start, days, n)
        for _ in range(3):  # a, b, a, b, a, b through the same kept layout
            jobs += [(2 * k, a, period), (2 * k + 1, b, period)]
    return jobs


def test_alternate_series_through_one_kept_layout(fresh):
    layouts.clear()
    for i, s, period in _work():
        assert _answer(s, period) == fresh[i], (s.name, s.values.size)


def test_alternate_series_in_threads(fresh):
    layouts.clear()
    jobs = _work() * 2
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda job: (job[0], _answer(job[1], job[2])), jobs))
    for i, answer in got:
        assert answer == fresh[i]
