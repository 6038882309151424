"""The day/month order an export's language implies (only used for ambiguous dates)."""

from __future__ import annotations

import pytest
from trends_anomaly.exportlocale import date_convention


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
