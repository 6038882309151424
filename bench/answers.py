"""`python -m bench.answers save FILE` / `check FILE`: auto's whole answer on every series the
project holds, kept and compared, so that a change meant to make auto faster is shown to
change nothing it answers.

The series: every column of every CSV under tests/data (the development and held-out sets
among them; a file the parser refuses is left out), the synthetic set of the targets' seed and
of the bench's other seeds, every NAB file, and the speed section's series at each length. Each
runs at the default parameters, and the CSVs also at sensitivity 0 and 1 (the ends of the
grid the sensitivity-breaks check walks). An answer is the band as computed (not rounded),
the anomalies with every field, the chosen parameters and the notes a person reads. ``check``
compares exactly; floats that differ by at most ``TOLERANCE`` relative (a sum taken in
another order) are counted apart, and any larger difference fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trends_anomaly.contract import _term_notes, decode_text
from trends_anomaly.detect import run_method
from trends_anomaly.errors import ApiError
from trends_anomaly.params import resolve
from trends_anomaly.trends import parse_csv
from trends_anomaly.types import Series

from .common import TRENDS_DIR

TOLERANCE = 1e-12
SPEED_SIZES = (261, 1000, 5000, 10_000, 100_000)
CSV_SENSITIVITIES = (None, 0.0, 1.0)


def _csv_series() -> Iterator[tuple[str, Series]]:
    for path in sorted(TRENDS_DIR.rglob("*.csv")):
        try:
            table = parse_csv(decode_text(path.read_bytes(), None, []))
        except ApiError:
            continue
        for k, s in enumerate(table):
            yield f"{path.relative_to(TRENDS_DIR)}#{k + 1}", s


def _synthetic_series(seeds: tuple[int, ...]) -> Iterator[tuple[str, Series]]:
    """The synthetic sets the quality section scores (`quality.synthetic_items`)."""
    from .quality import synthetic_items
    from .targets import DEFAULT_SYNTHETIC

    for seed in seeds:
        for item in synthetic_items(DEFAULT_SYNTHETIC, seed)[0]:
            yield f"synthetic/{seed}/{item.name}", item.series


def _nab_series() -> Iterator[tuple[str, Series]]:
    """The NAB files the quality section scores (`quality.nab_items`)."""
    from .quality import nab_items

    for item in nab_items():
        yield f"nab/{item.name}", item.series


def _speed_series(sizes: tuple[int, ...]) -> Iterator[tuple[str, Series]]:
    from .synth import long_series_csv

    for n in sizes:
        yield f"speed/{n}", parse_csv(long_series_csv(n))[0]


def answer(s: Series, sensitivity: float | None) -> dict[str, Any]:
    """auto's answer on ``s`` as plain JSON data (or the refusal it raised)."""
    request: dict[str, Any] = {"method": "auto"}
    if sensitivity is not None:
        request["sensitivity"] = sensitivity
    try:
        d = run_method(s, "auto", resolve(request))
    except ApiError as exc:
        return {"refused": str(exc)}
    return {
        "expected": d.expected.tolist(),
        "lower": d.lower.tolist(),
        "upper": d.upper.tolist(),
        "anomalies": [dataclasses.asdict(a) for a in d.anomalies],
        "parameters": d.chosen,
        "notes": _term_notes(s, d),
    }


def collect(quick: bool = False) -> dict[str, Any]:
    """Every answer, by series name and sensitivity (``quick``: the CSVs and the shorter
    speed series at the default sensitivity, for the tests)."""
    from .__main__ import OTHER_SEEDS
    from .targets import DEFAULT_SEED

    out: dict[str, Any] = {}
    warnings.simplefilter("ignore")
    for name, s in _csv_series():
        for sens in CSV_SENSITIVITIES[:1] if quick else CSV_SENSITIVITIES:
            out[f"{name}@{sens}"] = answer(s, sens)
    if quick:
        sources: list[Iterator[tuple[str, Series]]] = [_speed_series(SPEED_SIZES[:1])]
    else:
        sources = [
            _synthetic_series((DEFAULT_SEED, *OTHER_SEEDS)),
            _nab_series(),
            _speed_series(SPEED_SIZES),
        ]
    for source in sources:
        for name, s in source:
            out[f"{name}@None"] = answer(s, None)
    return json.loads(json.dumps(out, default=_plain))  # as saved: tuples become lists


def _plain(v: Any) -> Any:
    if hasattr(v, "item"):  # a numpy scalar
        return v.item()
    raise TypeError(f"{type(v).__name__} in an answer")


def differences(before: Any, after: Any, where: str = "") -> tuple[list[str], int]:
    """Where ``after`` differs from ``before`` beyond ``TOLERANCE``, and how many floats
    differ within it."""
    if isinstance(before, float) and isinstance(after, float):
        if before == after and math.copysign(1.0, before) == math.copysign(1.0, after):
            return [], 0
        if math.isnan(before) and math.isnan(after):
            return [], 0
        if before == after:  # 0.0 and -0.0: an answer that reads differently
            return [f"{where}: {before!r} -> {after!r}"], 0
        if abs(before - after) <= TOLERANCE * max(1.0, abs(before), abs(after)):
            return [], 1
        return [f"{where}: {before!r} -> {after!r}"], 0
    if isinstance(before, dict) and isinstance(after, dict):
        if before.keys() != after.keys():
            return [f"{where}: keys {sorted(before)} -> {sorted(after)}"], 0
        pairs = [(before[k], after[k], f"{where}/{k}") for k in before]
    elif isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{where}: {len(before)} items -> {len(after)}"], 0
        pairs = [
            (a, b, f"{where}[{i}]") for i, (a, b) in enumerate(zip(before, after, strict=True))
        ]
    else:
        ok = type(before) is type(after) and before == after
        return ([] if ok else [f"{where}: {before!r} -> {after!r}"]), 0
    found: list[str] = []
    close = 0
    for a, b, w in pairs:
        f, c = differences(a, b, w)
        found += f
        close += c
    return found, close


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.answers", description=__doc__)
    p.add_argument("action", choices=["save", "check"])
    p.add_argument("file", type=Path)
    p.add_argument(
        "--quick",
        action="store_true",
        help="the CSVs and the shortest speed series, at the default sensitivity",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    now = collect(args.quick)
    if args.action == "save":
        args.file.write_text(json.dumps(now), encoding="utf-8")
        print(f"saved {len(now)} answers to {args.file}")
        return 0
    kept = json.loads(args.file.read_text(encoding="utf-8"))
    found, close = differences(kept, now)
    for line in found[:50]:
        print(line)
    print(
        f"{len(now)} answers: {len(found)} differences, {close} floats within "
        f"{TOLERANCE:g} relative"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
