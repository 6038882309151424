"""Files that are not UTF-8 (Excel for Windows' "CSV (Comma delimited)"): read in the code page
their own Google Trends words say, with a warning that says which; the page reads the same
cases the same way (site/test/units.test.mjs reads tests/data/encodings/cases.json too)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from trends_anomaly.contract import decode_text
from trends_anomaly.legacy_encoding import CODE_PAGES, decode_legacy, words_of_code_page

ENCODINGS = Path(__file__).resolve().parents[1] / "data" / "encodings"
CASES = json.loads((ENCODINGS / "cases.json").read_text(encoding="utf-8"))["cases"]
# A real export saved by Excel on Turkish Windows (README.md there): Windows-1254, no preamble.
TURKISH = ENCODINGS / "tr_monthly2004_2terms_cp1254_nopreamble_crlf.csv"


def test_cases_are_what_their_generator_writes():
    generator = importlib.import_module("tests.data.encodings.cases")
    doc = json.loads((ENCODINGS / "cases.json").read_text(encoding="utf-8"))
    assert doc["cases"] == json.loads(json.dumps(generator.cases(), ensure_ascii=False))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['saved_in']}-{k}" for k, c in enumerate(CASES)])
def test_each_code_page_is_told_by_the_exports_own_words(case):
    text, page, language, _ = decode_legacy(bytes.fromhex(case["hex"]))
    assert text == case["text"]
    if case["read_as"] is None:
        assert (page.codec, language) == ("cp1252", None)
    else:
        assert page.name.startswith(case["read_as"])
        assert language is not None


def test_every_code_page_has_words_and_a_label_of_its_own():
    assert (
        len({p.label for p in CODE_PAGES}) == len({p.codec for p in CODE_PAGES}) == len(CODE_PAGES)
    )
    for page in CODE_PAGES:
        assert words_of_code_page(page), page.name
        "x".encode(page.codec)  # a codec this Python has


def test_utf8_and_a_declared_charset_come_first():
    warnings: list[str] = []
    assert decode_text("Woche,Käse\n".encode(), None, warnings) == "Woche,Käse\n"
    cyrillic = "Неделя,биткоин: (Россия)\n"
    assert decode_text(cyrillic.encode("cp1251"), "windows-1251", warnings) == cyrillic
    assert warnings == []


def test_a_charset_with_a_nul_is_ignored_and_said():
    """codecs.lookup raises ValueError, not LookupError, for a name with a NUL: contract.invoke
    raised it (a 500 in process; gunicorn refuses such a header with its own 400 first)."""
    warnings: list[str] = []
    assert decode_text(b"Week,a\n2024-01-07,3\n", "utf-8\x00", warnings) == "Week,a\n2024-01-07,3\n"
    assert warnings == [
        "the Content-Type's charset 'utf-8\x00' is not an encoding known here; it was ignored"
    ]


def test_a_declared_charset_the_bytes_do_not_fit_falls_back_to_utf8_first():
    """A UTF-8 file sent as charset=us-ascii (text/plain's default label) skipped UTF-8 and
    was read as Windows-1252: 'Fußball' came back as 'FuÃŸball'."""
    warnings: list[str] = []
    text = "Woche,Fußball: (Deutschland)\n2024-01-07,3\n"
    assert decode_text(text.encode(), "us-ascii", warnings) == text
    assert warnings == [
        "the file is not us-ascii text, as its Content-Type's charset says; it was read as UTF-8"
    ]


def test_the_warning_says_what_was_assumed():
    warnings: list[str] = []
    text = decode_text(TURKISH.read_bytes(), None, warnings)
    assert text.startswith("Ay,işkur: (Türkiye),zam: (Türkiye)\r\n")
    assert warnings == [
        "the file is not UTF-8; it was read as Windows-1254 (Turkish), the encoding in which "
        "its Google Trends words (Turkish) read correctly"
    ]
    warnings.clear()
    decode_text("when,café\n2020-01-05,3\n".encode("cp1252"), None, warnings)
    assert "read as Windows-1252" in warnings[0] and "CSV UTF-8" in warnings[0]
    # English words read the same in Windows-1252 and Mac OS Roman: the letters chose, and
    # the warning says it was that close a call.
    warnings.clear()
    decode_text("Week,café: (US)\n2020-01-05,3\n".encode("mac_roman"), None, warnings)
    assert warnings == [
        "the file is not UTF-8; it was read as Mac OS Roman: its Google Trends words (English) "
        "read the same in Windows-1252, and more of its letters read as letters in Mac OS Roman "
        "(if a term shows wrong, save the file as CSV UTF-8)"
    ]


def test_a_real_turkish_excel_export_keeps_its_letters(client):
    status, answer = client.json(TURKISH.read_bytes())
    assert status == 200, answer
    assert [s["name"] for s in answer["series"]] == ["işkur", "zam"]
    assert all(len(s["values"]) == 220 for s in answer["series"])
    assert any("Windows-1254" in w for w in answer["warnings"])


# Windows-1252's characters that a Western term may hold: its letters outside ASCII (not ª º,
# ƒ or ˆ, which are signs) and the quotes, dashes and signs people type.
WINDOWS_1252_TEXT = sorted(
    {ch for ch in bytes(range(0xC0, 0x100)).decode("cp1252") if ch.isalpha()}
    | set("ŠšŒœŽžŸ‘’‚“”„•–—…€™«»")
)


def _encodable(ch: str) -> bool:
    return len(ch) == 1 and ch.encode("cp1252", errors="ignore") != b""


@pytest.mark.parametrize("ch", WINDOWS_1252_TEXT)
def test_a_windows_1252_term_is_never_taken_for_mac_os_roman(ch):
    """An English Windows-1252 export (words that read the same in Mac OS Roman) whose term has
    any of Windows-1252's letters or marks where words have them (small: anywhere; capital: at
    a word's start or in capitals) stays Windows-1252: the tie is broken by letters only when
    Mac OS Roman reads more of them, and none of these reads as more there."""
    small, capital = ch.lower(), ch.upper()
    terms = [f"{small}ber", f"caf{small}", f"na{small}ve", f"Macy{small}s café"]
    terms += [f"{capital}ber", f"{capital}BER", f"CAF{capital}"] if _encodable(capital) else []
    for term in terms if _encodable(small) else []:
        head = f"Category: All categories\r\n\r\nWeek,{term}: (US)\r\n2020-07-12,15\r\n"
        text, page, *_ = decode_legacy(head.encode("cp1252"))
        assert (page.codec, text) == ("cp1252", head), term


@pytest.mark.parametrize("ch", sorted("äåáàâãéüòõ"))
def test_a_mac_term_with_an_accent_windows_1252_reads_as_a_symbol_is_mac_os_roman(ch):
    """The Mac OS Roman letters that Windows-1252 reads as a symbol (á as ‡) or as a capital
    after a small letter (é as Ž) tell the file from a Windows-1252 one."""
    head = f"Category: All categories\r\n\r\nWeek,caf{ch} {ch}b: (US)\r\n2020-07-12,15\r\n"
    text, page, *_ = decode_legacy(head.encode("mac_roman"))
    assert (page.codec, text) == ("mac_roman", head)
