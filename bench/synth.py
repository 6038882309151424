"""Labelled synthetic Google Trends exports, deterministic by seed.

Each file is byte-for-byte what Trends writes: the "Category: All categories" preamble, a
blank line, a localized-looking header (``Week,term: (Worldwide)``), integer values 0-100
and ``<1`` for tiny shares. Underneath: a level with a trend (sometimes starting from a run
of zeros), yearly / weekly / daily seasonality, noise that grows with the level (search
counts are sampled), then anomalies of each kind with the window in which flagging them is
correct. A share of files has no anomaly, to count false alarms.

    from bench.synth import generate
    for f in generate(240, seed=1):
        f.name, f.csv, f.windows, f.kinds
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from trends_anomaly.trends_export import export_csv

KINDS = ("spike", "dip", "level_shift", "temporary_change", "seasonal_break")

# name, header word, points, step in the date axis, season length, share of files
FREQS = (
    ("weekly5y", "Week", 261, "W", 52, 0.40),
    ("weekly1y", "Week", 52, "W", 52, 0.10),
    ("monthly", "Month", 0, "M", 12, 0.20),
    ("daily90d", "Day", 90, "D", 7, 0.15),
    ("hourly7d", "Time", 168, "h", 24, 0.15),
)
GEOS = ("Worldwide", "United States", "Germany", "Brazil", "India")
CLEAN_SHARE = 0.35
NOISE = (0.25, 0.9)  # noise sd = c * sqrt(level) + 0.3, c drawn from this range


@dataclass
class Labelled:
    name: str
    freq: str
    csv: str
    windows: list[tuple[int, int]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    n: int = 0


def _dates(freq: str, n: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Date labels as Trends writes them, and the same dates as datetime64[D] (or [h])."""
    if freq == "W":
        start = np.datetime64("2019-01-06") + 7 * int(rng.integers(0, 300))
        d = start + 7 * np.arange(n)
        return [str(v) for v in d], d
    if freq == "M":
        start = np.datetime64("2004-01", "M") + int(rng.integers(0, 24))
        m = start + np.arange(n)
        return [str(v) for v in m], m.astype("datetime64[D]")
    if freq == "D":
        start = np.datetime64("2023-01-01") + int(rng.integers(0, 600))
        d = start + np.arange(n)
        return [str(v) for v in d], d
    start = np.datetime64("2024-03-01T00", "h") + int(rng.integers(0, 2000))
    h = start + np.arange(n)
    return [str(v)[:13] for v in h], h


def _season(
    period: int, n: int, freq: str, dates: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Relative seasonal pattern (mean ~0), random phase and shape.

    Yearly seasons follow the calendar (day of year), as real search interest does: a
    52-week "year" drifts by a day and a quarter each year against it.
    """
    if freq in ("W", "M"):
        days = dates.astype("datetime64[D]")
        doy = (days - days.astype("datetime64[Y]")).astype(int)
        phase = doy / 365.25
    else:
        phase = np.arange(n) % period / period
    off = rng.uniform(0, 1)
    if freq == "D":  # weekday pattern: weekend dip or bump
        day = np.arange(n) % 7
        pat = np.where(day >= 5, -1.0, 0.4) * rng.choice([-1.0, 1.0])
        amp = rng.uniform(0.05, 0.3)
        s = amp * pat / np.max(np.abs(pat))
    else:
        amp = rng.uniform(0.1, 0.6) if freq == "h" else rng.uniform(0.05, 0.45)
        s = amp * np.sin(2 * np.pi * (phase + off))
        if rng.uniform() < 0.5:
            s += 0.5 * amp * np.sin(4 * np.pi * (phase + rng.uniform()))
        if freq in ("W", "M") and rng.uniform() < 0.3:  # a holiday peak on fixed dates
            first = int(rng.integers(0, 358))
            width = 7 if freq == "W" else 31
            s += rng.uniform(0.2, 0.6) * ((doy >= first) & (doy < first + width))
    return s - s.mean()


def _noise_sd(mu: np.ndarray, c: float) -> np.ndarray:
    return c * np.sqrt(np.maximum(mu, 0.0)) + 0.3


def _inject(
    mu: np.ndarray,
    base: np.ndarray,
    season: np.ndarray,
    period: int,
    seasonal: bool,
    c: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[tuple[int, int]], list[str]]:
    n = mu.size
    count = int(rng.integers(1, 4 if n > 120 else 3))
    kinds_ok = [k for k in KINDS if k != "seasonal_break" or (seasonal and n >= 2 * period)]
    taken = np.zeros(n, dtype=bool)
    windows, kinds = [], []
    margin = max(3, n // 20)
    for _ in range(count):
        kind = str(rng.choice(kinds_ok))
        for _attempt in range(20):
            if kind == "spike" or kind == "dip":
                length = int(rng.integers(1, 3))
            elif kind == "temporary_change":
                length = int(rng.integers(3, max(4, min(13, n // 12))))
            elif kind == "seasonal_break":
                length = max(3, period // int(rng.integers(2, 5)))
            else:
                length = max(8, n // 8)
            lo = margin if kind != "spike" else 2
            hi = n - (length if kind != "level_shift" else margin)
            if hi <= lo:
                break
            s = int(rng.integers(lo, hi))
            e = min(s + length, n)
            w0 = max(s - 2, 0)
            w1 = min(e + 1, n - 1) if kind != "level_shift" else min(s + 3, n - 1)
            if taken[max(w0 - 6, 0) : min(w1 + 7, n)].any():
                continue
            sd = _noise_sd(mu[s:e], c)
            k = rng.uniform(6, 12)
            if kind == "spike":
                mu[s:e] += np.maximum(k * sd, 0.6 * mu[s:e] + 5)
            elif kind == "dip":
                drop = np.maximum(k * sd, 0.5 * mu[s:e])
                if np.any(mu[s:e] - drop < 0.3 * mu[s:e]):
                    drop = 0.7 * mu[s:e]
                if np.any(drop < 4 * sd):
                    kind = "spike"
                    mu[s:e] += np.maximum(k * sd, 0.6 * mu[s:e] + 5)
                else:
                    mu[s:e] -= drop
            elif kind == "level_shift":
                r = rng.uniform(0.35, 0.9) * rng.choice([-1.0, 1.0])
                if np.median(np.abs(r) * mu[s:] / _noise_sd(mu[s:], c)) < 4:
                    r = abs(r)
                    r = max(r, float(np.median(5 * _noise_sd(mu[s:], c) / np.maximum(mu[s:], 1))))
                mu[s:] *= 1 + r
                e = s + 1
            elif kind == "temporary_change":
                r = rng.uniform(0.4, 1.0) * rng.choice([-1.0, 1.0])
                if np.median(np.abs(r) * mu[s:e] / sd) < 4 or r < -0.75:
                    r = abs(r) + 0.3
                mu[s:e] *= 1 + r
            else:  # seasonal_break: this stretch loses (or flips) its seasonal swing
                flip = rng.choice([0.0, -1.0])
                mu[s:e] = base[s:e] * (1 + flip * season[s:e])
                if np.max(np.abs(season[s:e] * base[s:e]) / sd) < 3:
                    mu[s:e] += 6 * sd
            windows.append((w0, w1))
            kinds.append(kind)
            taken[w0 : w1 + 1] = True
            break
    order = np.argsort([w[0] for w in windows])
    return mu, [windows[i] for i in order], [kinds[i] for i in order]


def make_one(i: int, rng: np.random.Generator) -> Labelled:
    shares = np.array([f[5] for f in FREQS])
    tag, word, n, step, period, _ = FREQS[int(rng.choice(len(FREQS), p=shares / shares.sum()))]
    if n == 0:
        n = int(rng.integers(150, 262))
    if tag == "weekly5y" and rng.uniform() < 0.5:
        n += 1  # the partial current week Trends appends
    t = np.arange(n) / n
    level = np.exp(rng.normal(0, 0.45) * t + rng.normal(0, 0.2) * np.maximum(t - rng.uniform(), 0))
    if rng.uniform() < 0.12:  # the term did not exist at first: zeros then a smooth rise
        t0 = rng.uniform(0.1, 0.3)
        level = level / (1 + np.exp(-(t - t0 - 0.05) * rng.uniform(10, 30)))
    seasonal = period <= n // 2 and rng.uniform() < 0.75
    labels, dates = _dates(step, n, rng)
    season = _season(period, n, step, dates, rng) if seasonal else np.zeros(n)
    scale = rng.uniform(8, 70)  # typical value on the 0-100 scale before the final rescale
    base = scale * level
    mu = base * (1 + season)
    c = rng.uniform(*NOISE)
    windows: list[tuple[int, int]] = []
    kinds: list[str] = []
    if rng.uniform() >= CLEAN_SHARE:
        mu, windows, kinds = _inject(mu.copy(), base, season, period, seasonal, c, rng)
    x = np.maximum(mu + rng.normal(0, 1, n) * _noise_sd(mu, c), 0.0)
    top = 100.0 if rng.uniform() < 0.7 else rng.uniform(20, 100)  # shared scale of multi-term
    x = x * top / max(float(x.max()), 1e-9)
    geo = str(rng.choice(GEOS))
    term = f"term{i:03d}"
    text = export_csv(word, list(labels), {term: [float(v) for v in x]}, region=geo)
    return Labelled(f"synth_{i:03d}_{tag}.csv", tag, text, windows, kinds, n)


def generate(count: int = 240, seed: int = 20260101) -> list[Labelled]:
    """``count`` labelled exports; the same seed gives the same bytes."""
    out = []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        out.append(make_one(i, rng))
    return out


def long_series_csv(n: int, seed: int = 5, start: str = "1990-01-07") -> str:
    """A weekly Trends-format export of any length, with a season and a few spikes (timing).

    ``start`` moves the time axis: timings use many, so no cache of a known axis helps."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    mu = 40 + 15 * np.sin(2 * np.pi * t / 52) + 5 * np.sin(2 * np.pi * t / n)
    x = mu + rng.normal(0, 1, n) * _noise_sd(mu, 0.5)
    spikes = rng.choice(n, size=max(1, n // 200), replace=False)
    x[spikes] += 40
    x = np.clip(x * 100 / x.max(), 0, None)
    d = np.datetime64(start) + 7 * t
    return export_csv("Week", list(d.astype(str)), {"load": [float(v) for v in x]})


AXES = 9  # one more time axis than auto's layout cache holds (8): posted in turn, all miss


def timing_bodies(n: int) -> list[bytes]:
    """The same series on AXES different date ranges, for request timings."""
    starts = np.datetime64("1990-01-07") + 7 * np.arange(AXES)
    return [long_series_csv(n, start=str(s)).encode() for s in starts]
