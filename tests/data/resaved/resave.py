"""Write the re-saved variants in this folder from the real exports in tests/data/.

No spreadsheet program runs on this machine or in CI, so each variant is written by the rules
the program follows when it opens a Trends CSV and saves it again as text (README.md here
lists them with their sources): cells that look like dates become dates and are written in
the locale's short-date format; ``<1`` and hourly ``2021-06-02T14`` stay text; every row is
padded with separators to the sheet's width; lines end with CRLF; the encoding is the one
the save option uses. Everything else (terms, numbers, quotes where needed) is kept.

    python tests/data/resaved/resave.py          # rewrite the files
    python tests/data/resaved/resave.py --check  # exit 1 if a file differs from what it writes

tests/model/test_trends.py runs the check, so a variant cannot drift from its rule.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATA_ROW = re.compile(r"^\d{4}-\d{2}")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Variant:
    """One re-save: which export, which program and locale, and how that writes cells."""

    name: str
    source: str
    program: str  # for README and test ids
    day_format: str  # strftime-like with {d} {m} {y} {yy} {dd} {mm}
    month_format: str | None = None  # how a "2004-01" month is written; None = as a day
    delimiter: str = ","
    encoding: str = "cp1252"
    pad: bool = True  # rows padded with delimiters to the sheet's width
    drop_preamble: bool = False  # the person deleted the lines above the header
    rows: int | None = None  # keep only the first N data rows (a cut of the export)
    below_one: str | None = None  # how "<1" is written, when not as exported


VARIANTS = (
    Variant(
        "excel-win-en-us_en_weekly5y_bitcoin.csv",
        "en_weekly5y_bitcoin.csv",
        "Excel for Windows, English (US), Save As CSV (Comma delimited)",
        "{m}/{d}/{y}",
    ),
    Variant(
        "excel-mac-en-us_en_weekly5y_3terms_lt1_glp1.csv",
        "en_weekly5y_3terms_lt1_glp1.csv",
        "Excel for Mac, English (US), Save As CSV: short dates m/d/yy",
        "{m}/{d}/{yy}",
    ),
    Variant(
        "excel-win-en-us_en_monthly2004_2terms_football.csv",
        "en_monthly2004_2terms_football.csv",
        "Excel for Windows, English (US): a 2004-01 month becomes mmm-yy",
        "{m}/{d}/{y}",
        month_format="{mon}-{yy}",
    ),
    Variant(
        "excel-mac-en-us-shortdate_en_monthly2004_lt1_bitcoin.csv",
        "en_monthly2004_lt1_bitcoin.csv",
        "Excel for Mac, English (US), month column formatted as Short Date (m/d/yy)",
        "{m}/{d}/{yy}",
        month_format="{m}/1/{yy}",
    ),
    Variant(
        "excel-win-de-de_de_monthly2004_3terms.csv",
        "de_monthly2004_3terms.csv",
        "Excel for Windows, German: ';' separators, month column formatted TT.MM.JJJJ",
        "{dd}.{mm}.{y}",
        month_format="01.{mm}.{y}",
        delimiter=";",
    ),
    Variant(
        "excel-win-de-de-unicode_en_weekly5y_3terms_lt1_glp1.txt",
        "en_weekly5y_3terms_lt1_glp1.csv",
        "Excel for Windows, German, Save As Unicode Text (UTF-16 LE with BOM, tabs)",
        "{dd}.{mm}.{y}",
        delimiter="\t",
        encoding="utf-16",
    ),
    Variant(
        "excel-win-nl-nl_pt_weekly5y_nopreamble_crlf.csv",
        "pt_weekly5y_nopreamble_crlf.csv",
        "Excel for Windows, Dutch: ';' separators, d-m-yyyy",
        "{d}-{m}-{y}",
        delimiter=";",
    ),
    Variant(
        "excel-win-he-il_he_weekly5y.csv",
        "he_weekly5y.csv",
        "Excel for Windows, Hebrew (Israel), Save As CSV UTF-8: dd/mm/yyyy",
        "{dd}/{mm}/{y}",
        encoding="utf-8-sig",
    ),
    Variant(
        "excel-win-zh-tw_zhtw_weekly5y_flu.csv",
        "zhtw_weekly5y_flu.csv",
        "Excel for Windows, Chinese (Taiwan), Save As CSV UTF-8: yyyy/m/d",
        "{y}/{m}/{d}",
        encoding="utf-8-sig",
    ),
    Variant(
        "excel-win-en-us_en_hourly7d_2terms.csv",
        "en_hourly7d_2terms.csv",
        "Excel for Windows, English (US): hourly 2021-06-02T14 is not a date to Excel (kept)",
        "{m}/{d}/{y}",
    ),
    Variant(
        "sheets-en-gb_uk_weekly1y_pandemic.csv",
        "uk_weekly1y_pandemic.csv",
        "Google Sheets, English (UK), Download as CSV: dd/mm/yyyy, UTF-8",
        "{dd}/{mm}/{y}",
        encoding="utf-8",
    ),
    Variant(
        "sheets-es-cl_es_weekly5y_chile.csv",
        "es_weekly5y_chile.csv",
        "Google Sheets, Spanish (Chile), Download as CSV: d/m/yyyy, UTF-8",
        "{d}/{m}/{y}",
        encoding="utf-8",
    ),
    Variant(
        "sheets-en-us-nopreamble_en_weekly5y_bitcoin.csv",
        "en_weekly5y_bitcoin.csv",
        "Google Sheets, English (US), preamble rows deleted: M/d/yyyy",
        "{m}/{d}/{y}",
        encoding="utf-8",
        drop_preamble=True,
    ),
    Variant(
        "excel-mac-en-us-shortdate-12months_en_monthly2004_2terms_football.csv",
        "en_monthly2004_2terms_football.csv",
        "Excel for Mac, English (US), Short Date m/d/yy, the first 12 months only (ambiguous)",
        "{m}/{d}/{yy}",
        month_format="{m}/1/{yy}",
        rows=12,
    ),
    Variant(
        "excel-win-de-de-12months_de_monthly2004_3terms.csv",
        "de_monthly2004_3terms.csv",
        "Excel for Windows, German, TT.MM.JJJJ, the first 12 months only (ambiguous)",
        "{dd}.{mm}.{y}",
        month_format="01.{mm}.{y}",
        delimiter=";",
        rows=12,
    ),
    Variant(
        "trends-fr_zhcat_fr_weekly2y_lt1_covid.csv",
        "zhcat_fr_weekly2y_lt1_covid.csv",
        "Google Trends in French: '<1' written with a no-break space, '<\\u00a01'",
        "",
        pad=False,
        encoding="utf-8",
        below_one="<\u00a01",
    ),
)


def _fields(d: date) -> dict[str, str]:
    return {
        "d": str(d.day),
        "dd": f"{d.day:02d}",
        "m": str(d.month),
        "mm": f"{d.month:02d}",
        "y": str(d.year),
        "yy": f"{d.year % 100:02d}",
        "mon": _MONTH_ABBR[d.month - 1],
    }


def _cell(text: str, v: Variant) -> str:
    """A cell as the program shows it, hence writes it."""
    if not v.day_format:
        return v.below_one if (v.below_one and text == "<1") else text
    m = _DAY.match(text)
    if m:
        return v.day_format.format(**_fields(date(*map(int, m.groups()))))
    m = _MONTH.match(text)
    if m:
        month = date(int(m.group(1)), int(m.group(2)), 1)
        return (v.month_format or v.day_format).format(**_fields(month))
    return text


def _quoted(cell: str, delimiter: str) -> str:
    """Quotes only where needed, as Excel and Sheets write them."""
    if any(c in cell for c in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def resave(v: Variant) -> bytes:
    text = (DATA / v.source).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    first_data = next(i for i, r in enumerate(rows) if r and _DATA_ROW.match(r[0]))
    if v.drop_preamble:
        rows, first_data = rows[first_data - 1 :], 1
    if v.rows is not None:
        rows = rows[: first_data + v.rows]
    width = max(len(r) for r in rows)
    out = []
    for row in rows:
        cells = [_cell(c, v) if i == 0 or c == "<1" else c for i, c in enumerate(row)]
        if v.pad:
            cells += [""] * (width - len(cells))
        out.append(v.delimiter.join(_quoted(c, v.delimiter) for c in cells))
    text = "\r\n".join(out) + "\r\n"
    if v.encoding == "utf-16":  # little-endian with its BOM, as Windows writes it
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(v.encoding, errors="replace")


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for v in VARIANTS:
        path = HERE / v.name
        body = resave(v)
        if check:
            if not path.is_file() or path.read_bytes() != body:
                stale.append(v.name)
        else:
            path.write_bytes(body)
    if stale:
        print("out of date (run python tests/data/resaved/resave.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
