"""`python -m bench compare BEFORE.json AFTER.json`: better or worse, per figure, from two
runs' --json files; targets that flipped; figures one file lacks; files it cannot read
refused in one line."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench import measures
from tests.bench.benchproc import ROOT
from tests.support.readme_text import read

SETS = {"seed": 20260101, "files": 240, "nab_files": None}
AUTO = {
    "method": "auto",
    "precision": 0.9,
    "recall": 0.75,
    "f1": 0.818,
    "tp": 30,
    "fp": 3,
    "fn": 10,
    "refused": 0,
    "seconds": 2.0,
    "flags_in_band_share": 0.0,
    "sensitivity_breaks": 0,
}
# As the bench wrote it before the "bench_json" key existed (the commit a change starts from).
BEFORE = {
    "quick": False,
    "sets": SETS,
    "devset": [AUTO],
    "image": {
        "build_s": 30.0,
        "above_base_bytes": 190e6,
        "start_to_ping_s": [1.0, 1.2, 1.1],
        "worker_peak_rss_bytes": 300 * 2**20,
        "worker_budget_bytes": 400 * 2**20,
    },
}


def _after(**auto: float) -> dict:
    after = copy.deepcopy(BEFORE)
    after["bench_json"] = 1
    after["devset"][0].update(auto)
    del after["image"]
    return after


def _run(tmp_path: Path, before: object, after: object) -> subprocess.CompletedProcess[str]:
    """The real command, as `make bench ARGS="compare ..."` runs it."""
    paths = []
    for name, report in (("before.json", before), ("after.json", after)):
        path = tmp_path / name
        path.write_text(report if isinstance(report, str) else json.dumps(report))
        paths.append(str(path))
    return subprocess.run(
        [sys.executable, "-m", "bench", "compare", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _line(out: str, start: str) -> str:
    found = [line for line in out.splitlines() if line.startswith(start)]
    assert len(found) == 1, (start, out)
    return found[0]


def test_each_changed_figure_says_before_after_and_better_or_worse(tmp_path: Path) -> None:
    """An ML engineer who changed the model had two --json files and no way to read them but
    by eye, 300 figures each, knowing which way is better for each from the docs."""
    run = _run(tmp_path, BEFORE, _after(f1=0.85, fp=5, seconds=2.5))
    assert run.returncode == 0, run.stderr
    f1 = _line(run.stdout, "devset auto f1 ")
    assert re.search(r"0\.818 ->\s+0\.85\s+\+0\.032 .*better$", f1), f1
    assert _line(run.stdout, "devset auto fp ").endswith("worse")
    assert _line(run.stdout, "devset auto seconds ").endswith("worse (timing)")
    assert "devset auto recall " not in run.stdout  # unchanged: counted, not listed
    assert "1 better, 2 worse" in run.stdout


def test_a_target_that_flips_is_flagged_and_a_lost_one_fails(tmp_path: Path) -> None:
    worse = _run(tmp_path, BEFORE, _after(f1=0.79))
    assert worse.returncode == 1, worse.stdout + worse.stderr
    line = _line(worse.stdout, "  MET -> NOT MET")
    assert "auto window F1 on the real development set >= 0.80: 0.818 -> 0.79" in line
    better = _run(tmp_path, _after(f1=0.79), BEFORE)
    assert better.returncode == 0
    assert _line(better.stdout, "  NOT MET -> MET").endswith("0.79 -> 0.818")


def test_figures_in_one_file_only_are_named(tmp_path: Path) -> None:
    run = _run(tmp_path, BEFORE, _after())
    line = _line(run.stdout, f"  only in {tmp_path / 'before.json'}: image")
    assert "image build_s" in line and "image start_to_ping_s" in line
    assert f"only in {tmp_path / 'after.json'}" not in run.stdout


def test_a_method_added_is_named_among_the_figures_one_file_has(tmp_path: Path) -> None:
    """docs/testing.md: compare names the figures only one file has, "a method added or
    dropped" among them. A method's row is more than six figures, and the line said only
    "only in after.json: devset: 10 figures": which method, it did not say."""
    after = _after()
    after["devset"].append({**AUTO, "method": "zscore"})
    run = _run(tmp_path, BEFORE, after)
    line = _line(run.stdout, f"  only in {tmp_path / 'after.json'}: devset")
    assert "devset zscore" in line, run.stdout


@pytest.mark.parametrize(
    ("before", "why"),
    [
        ("== 1a. Quality on the synthetic set\n", "is not JSON"),
        (json.dumps({"name": "site", "version": "1.0.0"}), "not a bench result"),
        (json.dumps([1, 2]), "not a bench result"),
        (json.dumps({**BEFORE, "bench_json": 2}), "format 2, this bench reads format 1"),
        (json.dumps({**BEFORE, "image": {"build_s": 30.0}}), "not laid out as the bench"),
    ],
    ids=["bench-text-output", "other-json", "json-list", "newer-format", "cut-short"],
)
def test_a_file_that_is_not_a_bench_result_is_refused_in_one_line(
    tmp_path: Path, before: str, why: str
) -> None:
    run = _run(tmp_path, before, _after())
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and why in lines[0] and "before.json" in lines[0], run.stderr


def test_the_json_written_says_its_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(bench_main, "quality_section", lambda args, report: None)
    monkeypatch.setattr(bench_main, "_stop_on_signals", lambda: None)
    path = tmp_path / "run.json"
    assert bench_main.main(["--only", "quality", "--json", str(path)]) == 0
    assert json.loads(path.read_text())["bench_json"] == 1


def test_the_testing_page_names_the_directions_compare_reads() -> None:
    """docs/testing.md says which way is better; compare must judge by the same words."""
    text = read("docs/testing.md")
    for way, fields in (
        ("Higher is better", measures.HIGHER_IS_BETTER),
        ("Lower is better", measures.LOWER_IS_BETTER),
    ):
        found = re.search(rf"{way} \(JSON keys\): ([^.]*)\.", text)
        assert found, way
        assert set(re.findall(r"`(\w+)`", found.group(1))) == set(fields), way
    assert "python -m bench compare" in text
