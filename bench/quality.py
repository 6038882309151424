"""Window precision / recall / F1 of every method on the synthetic set and on NAB.

Our methods run through ``trends_anomaly.detect.run_method`` with parameters resolved by the
server's own ``params.resolve`` (so defaults are the served ones); the two reference
detectors run as the original app ran them. A method that refuses a series (e.g. stl on a
series shorter than two periods) counts as "no detection" and is reported as refused.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from trends_anomaly import params
from trends_anomaly.detect import run_method
from trends_anomaly.errors import ApiError
from trends_anomaly.params import resolve
from trends_anomaly.timeaxis import default_period
from trends_anomaly.trends import parse_csv
from trends_anomaly.types import Series

from .common import NAB_DIR, detector_failed
from .reference.reference_detectors import reference_dbscan, reference_stl_esd
from .reference.score import score_file, score_many

REFS = ("ref_stl_esd", "ref_dbscan")


def scored_methods() -> tuple[str, ...]:
    """The methods the model serves (``params.METHODS``, read at each call), then the two
    references. A list of our own kept a fork's dropped method as a row of 'refused' files
    and left out one it added (docs/swap-your-model.md)."""
    return tuple(params.METHODS) + REFS


@dataclass
class Item:
    name: str
    series: Series
    windows: list[tuple[int, int]]
    csv: str = ""


@dataclass
class MethodResult:
    method: str
    detections: dict[str, list[int]] = field(default_factory=dict)
    refused: int = 0
    skipped: int = 0
    seconds: float = 0.0


def _ref_frame(item: Item):
    import pandas as pd

    s = item.series
    return pd.DataFrame({"date": s.labels, "value": s.values})


def detect_indices(method: str, item: Item, ref_max_n: int | None) -> list[int] | None:
    """Row indices flagged by ``method``; None when the method refused or was skipped."""
    s = item.series
    if method not in REFS:
        try:
            d = run_method(s, method, resolve({"method": method}))
        except ApiError:
            return None
        except Exception as exc:  # the detector's own error: said with the series
            raise detector_failed(method, item.name, exc) from exc
        return [a.index for a in d.anomalies]
    if ref_max_n is not None and len(s.values) > ref_max_n:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "ref_dbscan":
            return reference_dbscan(_ref_frame(item))
        period = default_period(s.step)
        if not period or len(s.values) < 2 * period:
            return None  # the original needs a period and two cycles (it crashed otherwise)
        return reference_stl_esd(s.values, period)


def run_all(
    items: list[Item], methods: tuple[str, ...], ref_max_n: int | None = None
) -> dict[str, MethodResult]:
    out: dict[str, MethodResult] = {}
    for m in methods:
        r = MethodResult(m)
        t0 = time.perf_counter()
        for it in items:
            idx = detect_indices(m, it, ref_max_n)
            if idx is None:
                if m in REFS and ref_max_n is not None and len(it.series.values) > ref_max_n:
                    r.skipped += 1
                else:
                    r.refused += 1
                idx = []
            r.detections[it.name] = idx
        r.seconds = time.perf_counter() - t0
        out[m] = r
    return out


def summarize(items: list[Item], res: MethodResult) -> dict:
    truth = {it.name: it.windows for it in items}
    micro, _ = score_many(res.detections, truth)
    clean = [it for it in items if not it.windows]
    clean_fp = sum(score_file(res.detections[it.name], []).fp for it in clean)
    return {
        "method": res.method,
        "precision": micro.precision,
        "recall": micro.recall,
        "f1": micro.f1,
        "tp": micro.tp,
        "fp": micro.fp,
        "fn": micro.fn,
        "clean_files": len(clean),
        "clean_fp": clean_fp,
        "fp_per_20_clean": (20.0 * clean_fp / len(clean)) if clean else None,
        "refused": res.refused,
        "skipped": res.skipped,
        "seconds": res.seconds,
    }


def synthetic_items(count: int, seed: int) -> tuple[list[Item], dict]:
    from .synth import generate

    files = generate(count, seed)
    items = [Item(f.name, parse_csv(f.csv)[0], list(f.windows), f.csv) for f in files]
    kinds: dict[str, int] = {}
    for f in files:
        for k in f.kinds:
            kinds[k] = kinds.get(k, 0) + 1
    return items, kinds


def nab_items(limit: int | None = None) -> list[Item]:
    from .reference.score import load_nab

    items = []
    for rel, _df, windows in load_nab(NAB_DIR):
        text = (NAB_DIR / "data" / rel).read_text(encoding="utf-8")
        items.append(Item(rel, parse_csv(text)[0], list(windows)))
    if limit is not None:
        items = sorted(items, key=lambda it: len(it.series.values))[:limit]
    return items


def kind_recall(items: list[Item], res: MethodResult, kinds_of: dict[str, list[str]]) -> dict:
    """Share of labelled windows of each kind that got a detection."""
    hit: dict[str, list[int]] = {}
    for it in items:
        det = np.asarray(res.detections.get(it.name, []), dtype=int)
        for (a, b), k in zip(it.windows, kinds_of.get(it.name, []), strict=False):
            h = hit.setdefault(k, [0, 0])
            h[1] += 1
            h[0] += int(((det >= a) & (det <= b)).any())
    return {k: v[0] / v[1] for k, v in sorted(hit.items())}
