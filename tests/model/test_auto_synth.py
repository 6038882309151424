"""The labelled synthetic generator (bench/synth.py): exact Trends format, deterministic,
labels that point inside the series, and a detector that finds what it injects."""

from __future__ import annotations

import re

import numpy as np
from trends_anomaly.auto import detect_auto
from trends_anomaly.trends import parse_csv

from bench.synth import KINDS, generate, long_series_csv

CELL = re.compile(r"^(<1|\d+)$")


def test_same_seed_same_bytes_other_seed_other_bytes():
    a = generate(25, seed=3)
    b = generate(25, seed=3)
    c = generate(25, seed=4)
    assert [f.csv for f in a] == [f.csv for f in b]
    assert [f.windows for f in a] == [f.windows for f in b]
    assert [f.csv for f in a] != [f.csv for f in c]


def test_files_are_google_trends_exports():
    files = generate(60, seed=11)
    for f in files:
        lines = f.csv.split("\n")
        assert lines[0] == "Category: All categories" and lines[1] == ""
        assert re.match(r"^(Week|Month|Day|Time),term\d{3}: \([^()]+\)$", lines[2])
        rows = [r for r in lines[3:] if r]
        assert len(rows) == f.n
        assert all(CELL.match(r.split(",")[1]) for r in rows)
        values = [int(r.split(",")[1]) for r in rows if r.split(",")[1] != "<1"]
        assert max(values) <= 100
        (s,) = parse_csv(f.csv)
        assert s.values.size == f.n
    assert any("<1" in f.csv for f in files)
    assert {f.freq for f in files} >= {"weekly5y", "monthly", "daily90d", "hourly7d"}


def test_labels_cover_every_kind_and_leave_a_share_clean():
    files = generate(120, seed=5)
    kinds = {k for f in files for k in f.kinds}
    assert kinds == set(KINDS)
    clean = sum(1 for f in files if not f.windows)
    assert 0.2 * len(files) < clean < 0.5 * len(files)
    for f in files:
        assert len(f.windows) == len(f.kinds)
        for a, b in f.windows:
            assert 0 <= a <= b < f.n


def test_detector_finds_most_injected_anomalies():
    """A loose floor (the benchmark measures the real numbers): most windows get a hit."""
    files = [f for f in generate(40, seed=8) if f.windows]
    hits = total = 0
    for f in files:
        (s,) = parse_csv(f.csv)
        idx = np.array([a.index for a in detect_auto(s, {}).anomalies], dtype=int)
        for a, b in f.windows:
            total += 1
            hits += int(((idx >= a) & (idx <= b)).any())
    assert hits >= 0.6 * total


def test_long_series_for_timing_parses():
    (s,) = parse_csv(long_series_csv(3000))
    assert s.values.size == 3000 and s.step.name == "weekly"


def test_the_speed_yardstick_still_runs_on_todays_types():
    """``make bench`` times auto against auto as it was when issue 12 was filed
    (bench/reference/auto_baseline, byte-exact, on shims to today's types): if the shared
    types change under it, the speed target must fail here, not in a bench run."""
    from trends_anomaly.params import resolve
    from trends_anomaly.trends import parse_csv

    from bench.reference.auto_baseline import detect_auto as baseline
    from tests.model.conftest import DATA

    s = parse_csv((DATA / "en_monthly2004_lt1_bitcoin.csv").read_text(encoding="utf-8-sig"))[0]
    d = baseline(s, resolve({"method": "auto"}))
    assert d.expected.shape == d.lower.shape == d.upper.shape == s.values.shape
    assert (d.lower <= d.upper).all()
    assert all(0 <= a.index < s.values.size for a in d.anomalies)
