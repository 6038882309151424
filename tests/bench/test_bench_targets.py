"""The targets block decides a target only on the set it is defined on."""

from __future__ import annotations

import pytest

from bench.__main__ import print_targets

SYNTHETIC = {"method": "auto", "f1": 0.925, "fp_per_20_clean": 1.48}  # --quick's figures
NAB = {"method": "auto", "f1": 0.441}


def _targets(capsys: pytest.CaptureFixture[str], report: dict) -> dict[str, str]:
    print_targets(report)
    out = capsys.readouterr().out
    return {
        line.split(": ")[0][9:]: line[:7].strip()
        for line in out.splitlines()
        if line[:7] in ("MET    ", "NOT MET", "n/a    ")
    }


@pytest.mark.parametrize(
    "synthetic_set",
    [
        {"quick": True, "seed": 20260101, "files": 80, "nab_files": 8},
        {"quick": False, "seed": 7, "files": 240, "nab_files": None},
    ],
    ids=["--quick", "--seed 7"],
)
def test_a_target_read_on_another_set_is_not_decided(
    capsys: pytest.CaptureFixture[str], synthetic_set: dict
) -> None:
    """`--quick` reads the synthetic targets on 80 files instead of 240 and the NAB one on 8
    of the 20: it printed 'NOT MET  auto false alarms per 20 clean series <= 1: 1.48' where
    the full run measures 0.75, MET, and a forker took it for a regression."""
    quick = synthetic_set["quick"]
    report = {"quick": quick, "sets": synthetic_set, "synthetic": [SYNTHETIC], "nab": [NAB]}
    got = _targets(capsys, report)
    assert got["auto false alarms per 20 clean series <= 1"] == "n/a"
    assert got["auto window F1 on the synthetic set >= 0.90"] == "n/a"
    assert got["auto window F1 on NAB >= 0.45"] == ("n/a" if quick else "NOT MET")


def test_on_the_targets_sets_they_are_decided(capsys: pytest.CaptureFixture[str]) -> None:
    sets = {"quick": False, "seed": 20260101, "files": 240, "nab_files": None}
    report = {"quick": False, "sets": sets, "synthetic": [SYNTHETIC], "nab": [NAB]}
    got = _targets(capsys, report)
    assert got["auto false alarms per 20 clean series <= 1"] == "NOT MET"
    assert got["auto window F1 on the synthetic set >= 0.90"] == "MET"
    assert got["auto window F1 on NAB >= 0.45"] == "NOT MET"


def test_speed_against_auto_as_it_was_is_decided_at_every_size_the_bench_times(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The bench times 261, 1,000, 5,000 and 10,000 points (and 100,000), but the "within
    10 %" target read only 261, 10,000 and 100,000: at 1,000 points (a weekly export since
    2004 has about 1,100) auto took 1.11 to 1.18 times auto as of 766858e, and no line said
    so."""

    def timed(auto: float) -> dict:
        return {
            "auto": {"seconds": auto},
            "auto_base": {"seconds": 1.0},
            "auto_new_axis": {"seconds": 1.0},
            "auto_base_new_axis": {"seconds": 1.0},
        }

    sizes = {"261": 1.05, "1000": 1.15, "5000": 1.0, "10000": 0.9, "100000": 0.8}
    got = _targets(capsys, {"speed": {n: timed(t) for n, t in sizes.items()}})
    text = "auto in-process time / auto_base (auto at 766858e) <= 1.10 at n={}"
    assert {n: got[text.format(n)] for n in sizes} == {
        "261": "MET",
        "1000": "NOT MET",
        "5000": "MET",
        "10000": "MET",
        "100000": "MET",
    }
