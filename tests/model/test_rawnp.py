"""The request path calls numpy's array functions without their ``__array_function__``
dispatch (see ``rawnp``): at a few hundred points each dispatch costs about what the work does.
"""

from __future__ import annotations

import sys

import numpy as np
from trends_anomaly import rawnp
from trends_anomaly.detect import run_method
from trends_anomaly.params import resolve
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.types import Series

NAMES = {"putmask", "where", "concatenate", "empty_like", "count_nonzero"}


def _dispatches(fn) -> list[str]:
    """The Python-level dispatchers of NAMES that ``fn()`` goes through."""
    seen: list[str] = []

    def profile(frame, event, arg):
        code = frame.f_code
        if event == "call" and code.co_name in NAMES and "numpy" in code.co_filename:
            seen.append(code.co_name)

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return seen


def test_raw_functions_give_numpys_values():
    a = np.array([3.0, -0.0, np.nan, 0.0, 7.0])
    mask = np.array([True, False, True, False, True])
    assert rawnp.count_nonzero(a) == np.count_nonzero(a) == 3  # NaN counts
    assert rawnp.where(mask, a, -a).tobytes() == np.where(mask, a, -a).tobytes()
    assert rawnp.concatenate((a, a[:2])).tobytes() == np.concatenate((a, a[:2])).tobytes()
    assert rawnp.empty_like(a).dtype == a.dtype
    b, c = a.copy(), a.copy()
    rawnp.putmask(b, mask, 1.5)
    np.putmask(c, mask, 1.5)
    assert b.tobytes() == c.tobytes()


def test_a_weekly_request_goes_through_no_dispatcher():
    n = 261
    ts = (np.datetime64("2019-01-06") + 7 * np.arange(n)).astype("datetime64[s]")
    t = np.arange(n)
    rng = np.random.default_rng(3)
    x = np.round(np.clip(40 + 15 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 3, n), 0, 100))
    x[[40, 41, 150]] += 35
    x[200:] += 20  # a level shift
    x = np.clip(x, 0, 100)
    x[:5] = 0.0  # zeros: the sampling floor's path too
    s = Series("t", ts, [str(v) for v in ts], x, infer_step(ts))
    params = resolve({"method": "auto"})
    run_method(s, "auto", params)  # imports, kept layout
    assert _dispatches(lambda: run_method(s, "auto", params)) == []
