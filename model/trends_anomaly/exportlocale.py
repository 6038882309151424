"""Which day/month order an export's language implies, from the words Google Trends writes.

Only needed when a spreadsheet re-saved the dates as e.g. ``01/02/2020`` and nothing in the
column itself tells day-first from month-first (see :mod:`.timeaxis`). Trends localizes the
preamble (``Category: All categories``, ``Kategorie: Alle Kategorien``, ...), the date column's
header (``Week``, ``Woche``, ``semaine``, ...) and the region in each term's header
(``(United Kingdom)``): those name the exporting person's language, and so the order their
spreadsheet most likely wrote.
"""

from __future__ import annotations

import re

from .timeaxis import DEFAULT_CONVENTION, DateConvention, DateOrder

# Words Trends writes in the preamble's first cell (before the colon) or as the date column's
# header, by language, lower-cased. English "Week"/"Time" are also Dutch/other words, so the
# preamble is read first.
_WORDS: dict[str, tuple[str, ...]] = {
    "English": ("category", "week", "month", "day", "time", "date", "hour"),
    "German": ("kategorie", "woche", "monat", "tag", "zeit", "datum"),
    "French": ("catégorie", "semaine", "mois", "jour", "heure", "temps"),
    "Spanish": ("categoría", "semana", "mes", "día", "tiempo", "hora", "fecha"),
    "Portuguese": ("categoria", "mês", "dia", "tempo", "data"),
    "Italian": ("settimana", "mese", "giorno", "ora"),
    "Dutch": ("categorie", "maand", "dag", "tijd"),
    "Russian": ("категория", "неделя", "месяц", "день", "время"),
    "Ukrainian": ("категорія", "тиждень", "місяць", "час"),
    "Polish": ("kategoria", "tydzień", "miesiąc", "dzień", "czas"),
    "Turkish": ("kategori", "hafta", "ay", "gün", "zaman"),
    "Vietnamese": ("danh mục", "tuần", "tháng", "ngày", "thời gian"),
    "Hebrew": ("קטגוריה", "שבוע", "חודש", "יום", "זמן"),
    "Chinese": ("类别", "類別", "周", "週", "月", "日", "时间", "時間"),
    "Japanese": ("カテゴリ", "時間"),
    "Korean": ("카테고리", "주", "월", "일", "시간"),
}
# Month before day: US English and the East Asian languages (whose short dates are M/D).
_MONTH_FIRST = {"English", "Chinese", "Japanese", "Korean"}
# English-speaking regions that write the day first (named in the terms' headers).
_DAY_FIRST_ENGLISH_REGIONS = {
    "united kingdom",
    "ireland",
    "australia",
    "new zealand",
    "india",
    "south africa",
    "singapore",
}
_LANGUAGE_OF = {word: lang for lang, words in _WORDS.items() for word in words}


def language_of(word: str) -> str | None:
    """The language a word (``language_word``) names, if it is one Trends writes."""
    return _LANGUAGE_OF.get(word)


def words_of(language: str) -> tuple[str, ...]:
    """The words (lower-cased) by which an export names ``language`` (none if unknown)."""
    return _WORDS.get(language, ())


# The key of a preamble line ("Kategorie: Alle Kategorien" -> "Kategorie", with the spaces
# before the colon, which readers strip); the page reads the same pattern (params.page_table).
# Linear in backtracking engines (Python's, the browser's): a lazy key followed by \s* (the
# earlier ^\s*([^:：]+?)\s*[:：]) was quadratic on a cell of a letter and spaces without a
# colon, 15 s for 20 000 spaces, in the model and on the page alike.
PREAMBLE_KEY = re.compile(r"^\s*([^:：\s][^:：]*)[:：]")


def language_word(cell: str) -> str:
    """The word of a preamble line ("Kategorie: ..." -> "kategorie") or of a date column's
    header ("Woche" -> "woche"), lower-cased, that names the export's language."""
    m = PREAMBLE_KEY.match(cell)
    return (m.group(1) if m else cell).strip().strip('"').lower()


def _language(cell: str) -> str | None:
    """The language of a preamble line ("Kategorie: ...") or a date header ("Woche")."""
    return language_of(language_word(cell))


def date_convention(preamble: list[list[str]], header: list[str] | None) -> DateConvention:
    """The day/month order to assume for ambiguous dates, with the reason to report."""
    language = None
    for row in preamble:
        if row and row[0].strip():
            language = _language(row[0])
            if language:
                break
    if language is None and header:
        language = _language(header[0])
    if language is None:
        return DEFAULT_CONVENTION
    order: DateOrder = "month-first" if language in _MONTH_FIRST else "day-first"
    reason = f"the export is in {language}"
    if language == "English" and header:
        regions = {h.rsplit("(", 1)[-1].rstrip(") ").lower() for h in header[1:] if "(" in h}
        if regions and regions <= _DAY_FIRST_ENGLISH_REGIONS:
            region = next(h for h in header[1:] if "(" in h).rsplit("(", 1)[-1].rstrip(") ")
            return DateConvention("day-first", f"the export is in English for {region}")
    return DateConvention(order, reason)
