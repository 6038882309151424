"""A --json path that cannot be written is refused before the bench runs, not after."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import bench.__main__ as bench_main

RAN: list[str] = []


def _quality(args: argparse.Namespace, report: dict) -> None:
    """Stands for the part's minutes of work."""
    RAN.append("quality")


@pytest.mark.parametrize("where", ["missing-folder/run.json", "."], ids=["no folder", "a folder"])
def test_an_unwritable_json_path_is_refused_before_any_part_runs(
    where: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--json results/run.json` without a results/ folder (or `--json results/`) ran every
    part, 6 minutes, then ended in FileNotFoundError (IsADirectoryError) when writing: the
    figures were printed, not kept, and the run had to be redone."""
    RAN.clear()
    monkeypatch.setattr(bench_main, "quality_section", _quality)
    monkeypatch.setattr(bench_main, "_stop_on_signals", lambda: None)  # not pytest's handlers
    path = tmp_path / where
    with pytest.raises(SystemExit) as stop:
        bench_main.main(["--only", "quality", "--json", str(path)])
    assert stop.value.code == 2
    assert RAN == []
    err = capsys.readouterr().err
    assert "--json" in err and str(path) in err


def test_a_writable_json_path_gets_the_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    RAN.clear()
    monkeypatch.setattr(bench_main, "quality_section", _quality)
    monkeypatch.setattr(bench_main, "_stop_on_signals", lambda: None)
    path = tmp_path / "run.json"
    assert bench_main.main(["--only", "quality", "--json", str(path)]) == 0
    assert RAN == ["quality"] and path.read_text().startswith("{")
