"""The targets the bench reads its figures against: each one's text, the figure measured
and MET / NOT MET / n/a, from a report (what a run collects, what ``--json`` writes). The run
prints them (``bench.__main__``); ``python -m bench compare`` compares two reports' targets.
Each line states its bound; a fork that holds its model to other bounds changes them here.
"""

from __future__ import annotations

# The sets the synthetic and NAB targets are defined on: the default seed and size,
# and every NAB file of bench/data/nab.
DEFAULT_SEED = 20260101
DEFAULT_SYNTHETIC = 240
NAB_FILES = 20


def row_of(rows: list[dict], method: str) -> dict:
    """The row of ``method`` in a table of the report; {} when it has none."""
    return next((r for r in rows if r["method"] == method), {})


def target_lines(report: dict) -> list[tuple[str, str, bool | None]]:
    """(target, figure measured, MET / NOT MET / None = n/a) of each target the report has
    the figures of: what the run prints, and what ``python -m bench compare`` compares."""
    lines: list[tuple[str, str, bool | None]] = []

    def add(text: str, value: float | None, ok: bool | None) -> None:
        lines.append((text, "-" if value is None else f"{value:.3g}", ok))

    if "devset" in report:
        a = row_of(report["devset"], "auto")
        f1 = a.get("f1")
        add("auto window F1 on the real development set >= 0.80", f1, (f1 or 0) >= 0.80)
        v = a.get("flags_in_band_share")
        add("auto flags inside their band <= 5 %", v, v is not None and v <= 0.05)
        v = a.get("out_of_band_unflagged_share")
        add("auto out-of-band points without a flag <= 1 %", v, v is not None and v <= 0.01)
        v = a.get("sensitivity_breaks")
        add("auto sensitivity breaks (0.0 ... 1.0) == 0", v, v == 0)
        v = a.get("band_width_share")
        add("auto median band width / p5-95 range <= 0.5", v, v is not None and v <= 0.5)
    # The synthetic and NAB targets are defined on the default sets: on --quick's subsets,
    # another seed or size, a figure is printed but decides nothing (n/a).
    sets = report.get("sets", {})
    synthetic_is_targets = (
        sets.get("seed") == DEFAULT_SEED and sets.get("files") == DEFAULT_SYNTHETIC
    )
    nab_is_targets = sets.get("nab_files") is None
    if "synthetic" in report:
        a = row_of(report["synthetic"], "auto")
        f1, fa = a.get("f1"), a.get("fp_per_20_clean")
        ok = synthetic_is_targets
        add("auto window F1 on the synthetic set >= 0.90", f1, (f1 or 0) >= 0.90 if ok else None)
        add(
            "auto false alarms per 20 clean series <= 1",
            fa,
            (fa is not None and fa <= 1) if ok else None,
        )
    if "nab" in report:
        f1 = row_of(report["nab"], "auto").get("f1")
        add("auto window F1 on NAB >= 0.45", f1, (f1 or 0) >= 0.45 if nab_is_targets else None)
    speed = report.get("speed", {})

    def ratio(n: str, method: str) -> float | None:
        row = speed.get(n, {})
        ref, t = row.get("ref_stl_esd", {}).get("seconds"), row.get(method, {}).get("seconds")
        return ref / t if ref and t else None

    # Every size the bench times (a weekly export since 2004 has about 1,100 points; the
    # stages that grow from 261 to 1,000 points are not those that grow to 10,000).
    for n in ("261", "1000", "5000", "10000", "100000"):
        row = speed.get(n, {})
        for suffix, text in (
            ("", f"auto in-process time / auto_base (auto at 766858e) <= 1.10 at n={n}"),
            ("_new_axis", f"  the same on a new time axis (no kept layout) at n={n}"),
        ):
            t = row.get(f"auto{suffix}", {}).get("seconds")
            base = row.get(f"auto_base{suffix}", {}).get("seconds")
            if t and base:
                add(text, t / base, t / base <= 1.10)
    for n, method, goal in (("261", "stl", 5), ("10000", "stl", 30)):
        if n not in speed:
            continue
        r = ratio(n, method)
        ok = r is not None and r >= goal
        add(f"{method} in-process >= {goal}x the reference at n={n}", r, ok)
    for row in report.get("server_latency", []):
        n, r, lat = row["n"], row["ratio"], row["latency"]
        if n in (261, 5000):
            goal = 20 if n == 261 else 200
            add(f"auto through the server >= {goal}x the reference at n={n}", r, (r or 0) >= goal)
        else:
            add(f"auto through the server, n={n}, seconds < 1", lat, lat < 1.0)
    srv = report.get("server", {})
    if srv:
        p99 = srv.get("ping_p99")
        add("/ping p99 under saturation < 50 ms (seconds)", p99, p99 is not None and p99 < 0.05)
    if report.get("image"):
        from . import image

        for text, value, ok in image.targets(report["image"]):
            add(text, value, ok)
    return lines
