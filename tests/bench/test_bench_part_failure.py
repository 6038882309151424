"""A part that fails (here the image part, its engine unreachable) is said in one line, and
the parts that ran keep their figures: the targets, the JSON, and an exit status of 1."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import bench.__main__ as bench_main


def _quality(args: argparse.Namespace, report: dict) -> None:
    """Section 1's figure a target reads (the real one takes minutes)."""
    report["devset"] = [{"method": "auto", "f1": 0.9, "sensitivity_breaks": 0}]


def test_a_failed_part_keeps_the_other_parts_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With DOCKER_HOST naming an engine that does not answer, the image part (the last)
    raised, and the run ended in a traceback: the figures of the parts before it (minutes of
    work) got no targets, and --json wrote nothing."""
    monkeypatch.setattr(bench_main, "quality_section", _quality)
    monkeypatch.setattr(bench_main, "_stop_on_signals", lambda: None)  # not pytest's handlers
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")  # a real refusal
    out_json = tmp_path / "run.json"
    code = bench_main.main(["--only", "quality", "--only", "image", "--json", str(out_json)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "MET      auto window F1 on the real development set >= 0.80: 0.9" in out
    assert "image part failed: " in err and "DOCKER_HOST" in err
    written = json.loads(out_json.read_text())
    assert written["devset"][0]["f1"] == 0.9
    assert "DOCKER_HOST" in written["failed"]["image"]
