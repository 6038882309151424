"""The day/month order an export's language implies (only used for ambiguous dates)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from trends_anomaly.exportlocale import date_convention

MODEL = Path(__file__).resolve().parents[2] / "model"


@pytest.mark.parametrize(
    ("preamble", "header", "order", "reason"),
    [
        ("Category: All categories", "Week,a: (Worldwide)", "month-first", "in English"),
        ("Category: All categories", "Week,a: (United Kingdom)", "day-first", "for United Kingdom"),
        ("Kategorie: Alle Kategorien", "Monat,R: (Weltweit)", "day-first", "in German"),
        ("Catégorie : Toutes catégories", "Semaine,a: (France)", "day-first", "in French"),
        ("类别：所有类别", "semaine,COVID Delta: (Monde)", "month-first", "in Chinese"),
        ("Категорія: Усі категорії", "Тиждень,x: (Україна)", "day-first", "in Ukrainian"),
        ("", "Semana,chuva: (Brasil)", "day-first", "in Spanish"),  # no preamble: the header
        ("", "date,visits", "month-first", "in English"),
        ("", "t,v", "day-first", "no language was recognised"),
    ],
)
def test_language_from_preamble_then_header(preamble, header, order, reason):
    rows = [[preamble], []] if preamble else []
    convention = date_convention(rows, header.split(","))
    assert convention.order == order
    assert reason in convention.reason


# A preamble key: a letter, a million spaces, no colon (PREAMBLE_KEY's worst case).
LONG_KEY = """
from trends_anomaly.exportlocale import PREAMBLE_KEY
assert PREAMBLE_KEY.match("a" + " " * 1_000_000) is None
print("read")
"""


def test_the_preamble_key_is_found_in_linear_time() -> None:
    """PREAMBLE_KEY was ^\\s*([^:：]+?)\\s*[:：], quadratic on a letter and spaces without a
    colon: 2 s for 20 000 spaces here, so about 5 000 s (2 500 times) for a million; the pattern
    now reads them in milliseconds. A guard against that hang, not a measure of speed: in a
    process of its own, which the 60 s timeout ends (a match in progress cannot be interrupted
    in this one)."""
    run = subprocess.run(
        [sys.executable, "-c", LONG_KEY],
        cwd=MODEL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (run.returncode, run.stdout) == (0, "read\n"), run.stderr
