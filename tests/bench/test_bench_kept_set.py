"""Held-out set 4, kept to judge the next change, shows its figures on every run and its
term-by-term disagreements only when asked: a list printed on every run is a list to tune on."""

from __future__ import annotations

import re

import pytest

import bench.__main__ as bench_main
from bench import devset, quality

SET3, SET4 = devset.HELDOUT_SETS[2], devset.HELDOUT_SETS[3]
# A line of the disagreement list or of the sensitivity breaks: it names a term ("file.csv#1").
TERM_LINE = re.compile(r"^  (?:sensitivity break: )?\S+\.csv#\d+")


def _blocks(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str, dict]:
    """Sections 1-style output of held-out sets 3 and 4, scored with auto alone (seconds)."""
    monkeypatch.setattr(devset, "HELDOUT_SETS", (SET3, SET4))
    monkeypatch.setattr(quality, "scored_methods", lambda: ("auto",))
    report: dict = {}
    bench_main.heldout_section(bench_main.build_parser().parse_args(argv), report)
    out = capsys.readouterr().out
    third, fourth = out.split("\n== 1e. ")
    return third, fourth, report


def test_the_kept_set_shows_its_figures_not_its_disagreements(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every `make bench` printed set 4's full list of missed windows and extra flags, term by
    term, under the heading that says it is kept for the next change."""
    third, fourth, report = _blocks([], monkeypatch, capsys)
    assert [line for line in third.splitlines() if TERM_LINE.match(line)]  # set 3: listed
    assert [line for line in fourth.splitlines() if TERM_LINE.match(line)] == []
    assert re.search(r"^auto\s+\d\.\d{3}\s+\d\.\d{3}\s+\d\.\d{3}", fourth, re.M)  # its figures
    assert "--show-kept-set" in fourth
    assert report["heldout"][1]["rows"][0]["f1"] is not None


def test_asked_for_the_kept_sets_disagreements_are_listed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, fourth, _ = _blocks(["--show-kept-set"], monkeypatch, capsys)
    assert [line for line in fourth.splitlines() if TERM_LINE.match(line)]
