"""What the bench prints and its --help name the targets and baselines by what they are, not
by the numbers of issues in a tracker a fork does not have."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from bench import compare
from bench.__main__ import build_parser, print_targets
from tests.bench.benchproc import ROOT

ISSUE = re.compile(r"\bissues?\s+(?:\d|#)", re.IGNORECASE)  # --help wraps lines
SETS = {"seed": 20260101, "files": 240, "nab_files": None}
AUTO = {"method": "auto", "f1": 0.9, "fp_per_20_clean": 0.5, "flags_in_band_share": 0.0}
TIMED = {"seconds": 0.002}
# A report with the figures of every target the bench has.
REPORT = {
    "quick": False,
    "sets": SETS,
    "devset": [{**AUTO, "out_of_band_unflagged_share": 0.0, "sensitivity_breaks": 0}],
    "synthetic": [AUTO],
    "nab": [AUTO],
    "speed": {
        n: {m: TIMED for m in ("auto", "auto_base", "auto_new_axis", "auto_base_new_axis", "stl")}
        | {"ref_stl_esd": {"seconds": 1.0}}
        for n in ("261", "10000", "100000")
    },
    "server_latency": [{"n": 261, "latency": 0.01, "ratio": 30.0}],
    "server": {"ping_p99": 0.01},
    "image": {
        "start_to_ping_s": [1.0],
        "above_base_bytes": 2e8,
        "worker_peak_rss_bytes": 2**28,
        "worker_budget_bytes": 2**29,
    },
}


def test_the_targets_block_says_what_its_targets_are(capsys: pytest.CaptureFixture[str]):
    """It was headed "Targets (issues 3, 4, 10 and 12)", and a speed target read "auto
    in-process time / auto when issue 12 was filed": numbers of this repository's tracker,
    which a team that forked it cannot look up."""
    print_targets(REPORT)
    out = capsys.readouterr().out
    assert out.count("MET    ") >= 14, out
    assert ISSUE.findall(out) == [], out
    assert "bench/targets.py" in out  # where they are defined, to change them


def test_help_names_no_issue_numbers() -> None:
    for parser in (build_parser(), compare.build_parser()):
        text = parser.format_help()
        assert ISSUE.findall(text) == [], text


@pytest.mark.parametrize("path", sorted((ROOT / "bench").glob("*.py")), ids=lambda p: p.name)
def test_no_printed_text_of_the_bench_names_an_issue_number(path: Path) -> None:
    """Every string of the bench's modules (headings, the image's size line "issue 10
    baseline: 237 MB", the speed heading's "auto when issue 12 was filed")."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    kinds = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}  # 3.12+
    strings = [t.string for t in tokens if t.type in kinds]
    assert [s for s in strings if ISSUE.search(s)] == []
