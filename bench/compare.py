"""`python -m bench compare BEFORE.json AFTER.json`: did a change make the figures better or
worse. Reads two files written by ``python -m bench --json``; prints each figure present in
both that changed (before -> after, the change, better or worse by ``bench.measures``), the
targets that flipped between MET and NOT MET (the targets of ``bench.targets``), and which
figures only one file has.

Exit status: 0 when no target went from MET to NOT MET; 1 when one did; 2 when a file is
not a bench result (or from a bench whose JSON this one cannot read), or on a wrong option.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from .measures import TIMINGS, direction
from .targets import target_lines

# The layout of the JSON `--json` writes (its "bench_json" key). Files written before the
# key existed have the same layout as format 1: their "sets" key marks them.
FORMAT = 1

Figures = dict[str, tuple[str, float | None]]  # name -> (field, value)


class NotComparable(Exception):
    """A file the comparison cannot read; the message says which and why, in one line."""


def load(path: Path) -> dict[str, Any]:
    """The report in ``path``, or NotComparable saying why it is not one."""
    hint = "compare reads the files `python -m bench --json FILE` writes"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotComparable(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotComparable(f"{path} is not JSON (line {exc.lineno}): {hint}") from exc
    if not isinstance(report, dict) or not isinstance(report.get("sets"), dict):
        raise NotComparable(f"{path} is JSON but not a bench result: {hint}")
    version = report.get("bench_json", FORMAT)
    if version != FORMAT:
        raise NotComparable(
            f"{path} is bench JSON format {version!r}, this bench reads format {FORMAT}: "
            "compare it with the bench of the commit that wrote it, or run both again"
        )
    return report


def _number(v: Any) -> float | None:
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def _add(out: Figures, prefix: str, row: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    for field, v in row.items():
        if field in skip:
            continue
        if isinstance(v, list) and v and all(_number(x) is not None for x in v):
            v = statistics.median(v)  # start_to_ping_s: the median, as its target reads it
        if v is None or _number(v) is not None:
            out[f"{prefix} {field}"] = (field, v)


def figures(report: dict[str, Any]) -> Figures:
    """Every figure of a report, by a name that says where it is (section, set, method)."""
    out: Figures = {}
    for section in ("synthetic", "nab", "devset"):
        for row in report.get(section) or []:
            _add(out, f"{section} {row.get('method')}", row, ("method",))
    for held in report.get("heldout") or []:
        name = Path(str(held.get("set", "?"))).name
        for row in held.get("rows") or []:
            _add(out, f"{name} {row.get('method')}", row, ("method",))
    for row in report.get("synthetic_other_seeds") or []:
        _add(out, f"synthetic seed {row.get('seed')} auto", row, ("seed",))
    for n, methods in (report.get("speed") or {}).items():
        for method, timing in methods.items():
            _add(out, f"speed n={n} {method}", timing, ("extrapolated",))
    for row in report.get("server_latency") or []:
        _add(out, f"server n={row.get('n')}", row, ("n",))
    server = dict(report.get("server") or {})
    load_ = server.pop("load", None) or {}
    _add(out, "server", server)
    _add(out, "server load", load_)
    image = report.get("image") or {}
    if "skipped" not in image:
        _add(out, "image", image)
    return out


def judge(field: str, before: float | None, after: float | None) -> str:
    """'better', 'worse', 'same' or '' (no direction, or a figure missing on one side)."""
    if before is None or after is None:
        return ""
    if after == before:
        return "same"
    way = direction(field)
    if way == "neither":
        return ""
    return "better" if (after > before) == (way == "higher") else "worse"


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


def _change(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return ""
    delta = after - before
    pct = f" ({100 * delta / abs(before):+.1f} %)" if before else ""
    return f"{delta:+.4g}{pct}"


def _targets(report: dict[str, Any], path: Path) -> dict[str, tuple[str, bool | None]]:
    """The report's targets, as the run printed them; NotComparable when its figures are
    not laid out as the bench writes them (a file edited by hand, cut short)."""
    try:
        lines = target_lines(report)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise NotComparable(
            f"{path} is not laid out as the bench writes it ({type(exc).__name__}: {exc}): "
            "compare reads the files `python -m bench --json FILE` writes, unedited"
        ) from exc
    return {text.strip(): (value, ok) for text, value, ok in lines}


def _status(ok: bool | None) -> str:
    return "n/a" if ok is None else "MET" if ok else "NOT MET"


def _only(names: list[str], where: Path) -> None:
    """The figures only ``where`` has, a section's worth in one line. A long list is counted,
    with what it is a list of (``devset zscore``: a method added), which the count alone hid."""
    by_part: dict[str, list[str]] = {}
    for name in names:
        by_part.setdefault(name.split(" ")[0], []).append(name)
    for part, items in by_part.items():
        listed = ", ".join(items) if len(items) <= 6 else f"{len(items)} figures{_of(items)}"
        print(f"  only in {where}: {part}: {listed}")


def _of(items: list[str]) -> str:
    """The rows the figures are of (a name less its field: ``devset zscore``) when a few rows
    hold them all, as " of <rows>"; "" for a whole part, whose rows are too many to name."""
    rows = list(dict.fromkeys(name.rsplit(" ", 1)[0] for name in items))
    return f" of {', '.join(rows)}" if len(rows) <= 3 else ""


def compare(before_path: Path, after_path: Path, show_all: bool = False) -> int:
    before, after = load(before_path), load(after_path)
    tb, ta = _targets(before, before_path), _targets(after, after_path)  # before any output
    print(f"before: {before_path}\nafter:  {after_path}")
    for key, what in (("quick", "--quick"), ("sets", "sets (seed, synthetic files, NAB files)")):
        if before.get(key) != after.get(key):
            print(
                f"note: the runs differ in {what}: {before.get(key)} vs {after.get(key)}; "
                "their quality figures are read on different data"
            )
    fb, fa = figures(before), figures(after)
    common = [k for k in fb if k in fa]
    rows = []
    for name in common:
        field, b = fb[name]
        a = fa[name][1]
        if b == a and not show_all:
            continue
        verdict = judge(field, b, a)
        if field in TIMINGS and verdict in ("better", "worse"):
            verdict += " (timing)"
        rows.append((name, _fmt(b), _fmt(a), _change(b, a), verdict))
    width = max([len(r[0]) for r in rows] + [7])
    print(f"\n{'figure':<{width}}  {'before':>10}    {'after':>10}  {'change':>20}  verdict")
    for name, b, a, change, verdict in rows:
        print(f"{name:<{width}}  {b:>10} -> {a:>10}  {change:>20}  {verdict}")
    changed = sum(1 for k in common if fb[k][1] != fa[k][1])
    better = sum(1 for r in rows if r[4].startswith("better"))
    worse = sum(1 for r in rows if r[4].startswith("worse"))
    print(
        f"{len(common)} figures in both, {changed} changed: {better} better, {worse} worse, "
        f"{changed - better - worse} with no better way or missing on one side; "
        f"{len(common) - changed} unchanged"
        + ("" if show_all else " (--all lists them)")
        + ". (timing): moves with the machine's load: compare runs on the same quiet machine"
    )
    flips = [
        (t, tb[t], ta[t])
        for t in tb
        if t in ta and tb[t][1] is not None and ta[t][1] is not None and tb[t][1] != ta[t][1]
    ]
    regressed = [f for f in flips if f[1][1]]
    print("\nTargets that flipped:" if flips else "\nTargets that flipped: none")
    for text, (vb, ok_b), (va, ok_a) in flips:
        print(f"  {_status(ok_b)} -> {_status(ok_a)}  {text}: {vb} -> {va}")
    only_b = [k for k in fb if k not in fa] + [f"target: {t}" for t in tb if t not in ta]
    only_a = [k for k in fa if k not in fb] + [f"target: {t}" for t in ta if t not in tb]
    if only_b or only_a:
        print("\nFigures in one file only (a part not run, or a method added or dropped):")
        _only(only_b, before_path)
        _only(only_a, after_path)
    return 1 if regressed else 0


def build_parser() -> argparse.ArgumentParser:
    doc = __doc__ or ""
    p = argparse.ArgumentParser(
        prog="python -m bench compare",
        description=doc.split("\n\n")[0].replace("\n", " "),
        epilog=doc.split("\n\n")[1].replace("\n", " ") + " How to read it: docs/testing.md.",
    )
    p.add_argument("before", type=Path, help="the run before the change (python -m bench --json)")
    p.add_argument("after", type=Path, help="the run after it")
    p.add_argument("--all", action="store_true", help="list the unchanged figures too")
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        return compare(args.before, args.after, show_all=args.all)
    except NotComparable as exc:
        print(f"python -m bench compare: {exc}", file=sys.stderr)
        return 2
