"""Write cases.json here: the head of an export in each language, saved in the code page Excel
for Windows (or Excel for Mac's "CSV (Macintosh)") uses for it, with the text both readers must
get back (the model's legacy_encoding.decode_legacy and the page's filecheck.decodeText; tests
on each side read this file).

    python tests/data/encodings/cases.py          # rewrite cases.json
    python tests/data/encodings/cases.py --check  # exit 1 if cases.json differs

The texts are written here, in the words Trends uses (model/trends_anomaly/exportlocale.py);
the real Turkish export beside this file is a byte-exact copy (README.md).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = "\r\n2020-07-12,15\r\n2020-07-19,<1\r\n"
# (code page Excel saves in, export head, the code page's name in the warning, or None when
# no word tells and the file is read as Windows-1252)
CASES = (
    ("cp1252", "Kategorie: Alle Kategorien\r\n\r\nWoche,Käse: (Österreich)", "Windows-1252"),
    ("cp1250", "Kategoria: Wszystkie kategorie\r\n\r\nTydzień,łódź: (Polska)", "Windows-1250"),
    ("cp1251", "Категория: Все категории\r\n\r\nНеделя,биткоин: (Россия)", "Windows-1251"),
    ("cp1251", "Тиждень,біткоїн: (Україна)", "Windows-1251"),
    ("cp1254", "Kategori: Tüm kategoriler\r\n\r\nHafta,işkur: (Türkiye)", "Windows-1254"),
    ("cp1255", "קטגוריה: כל הקטגוריות\r\n\r\nשבוע,ביטקוין: (ישראל)", "Windows-1255"),
    ("cp1258", "Danh mục: Tất cả danh mục\r\n\r\nTuần,bóng đá: (Việt Nam)", "Windows-1258"),
    ("cp932", "カテゴリ: すべてのカテゴリ\r\n\r\n週,ビットコイン: (日本)", "Shift-JIS"),
    ("cp932", "月,ビットコイン: (日本)", "Shift-JIS"),
    ("cp936", "类别：所有类别\r\n\r\n周,比特币: (中国)", "GBK"),
    ("cp936", "月,比特币: (中国)", "GBK"),
    ("cp949", "카테고리: 모든 카테고리\r\n\r\n주,비트코인: (대한민국)", "Windows-949"),
    ("cp950", "類別：所有類別\r\n\r\n週,比特幣: (台灣)", "Big5"),
    ("cp950", "月,比特幣: (台灣)", "Big5"),
    # Excel for Mac's "CSV (Macintosh)": Mac OS Roman, where é is Windows-1252's Ž; told by
    # the words with accents, which read as words there and not in Windows-1252.
    (
        "mac_roman",
        "Catégorie : Toutes catégories\r\n\r\nSemaine,café crème: (France)",
        "Mac OS Roman",
    ),
    ("mac_roman", "Categoría: Todas las categorías\r\n\r\nSemana,fútbol: (España)", "Mac OS Roman"),
    # Words without accents read the same in both; the term's letters tell: é is Windows-1252's
    # Ž, a capital after a small letter, which words do not have (ö, its š, would tie).
    ("mac_roman", "Category: All categories\r\n\r\nWeek,café: (France)", "Mac OS Roman"),
    (
        "mac_roman",
        "Category: All categories\r\n\r\nWeek,Pokémon schön: (Worldwide)",
        "Mac OS Roman",
    ),
    # ...but ñ is Windows-1252's en dash, which reads as well: no reader can tell: Windows-1252.
    ("mac_roman", "Category: All categories\r\n\r\nWeek,año: (Spain)", "Windows-1252"),
    # A Windows-1252 file with its own letters, quotes, dashes and signs stays Windows-1252:
    # each of them reads in Mac OS Roman as a symbol, a capital after a small letter, or a
    # letter that Windows-1252's reading matches (’ í, – ñ, ™ ô, š ö, Š ä, Œ å).
    (
        "cp1252",
        "Category: All categories\r\n\r\nWeek,Macy’s café – Škoda™ Œuvre naïve: (US)",
        "Windows-1252",
    ),
    # No word of the export's own: read as Windows-1252 (the term comes back as it is there).
    ("cp1252", "when,café crème", None),
    # English words with a Cyrillic term: the words say Windows-1252, so the term is garbled
    # as before (no reader can tell without guessing from the letters).
    ("cp1251", "Category: All categories\r\n\r\nWeek,биткоин: (Russia)", "Windows-1252"),
)


def windows_encode(text: str, codec: str) -> bytes:
    """``text`` as Windows writes it in ``codec``: Windows-1258 has few composed Vietnamese
    letters, so a letter it lacks is written as a composed letter it has plus combining
    marks."""
    out = b""
    for ch in text:
        try:
            out += ch.encode(codec)
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        # The base with one of its marks composed (ê of ệ), the others combining after it;
        # else the bare base and every mark combining (u and a dot below for ụ).
        ways = [(base + marks[k], marks[:k] + marks[k + 1 :]) for k in range(len(marks))]
        for head, rest in [*ways, (base, marks)]:
            try:
                out += unicodedata.normalize("NFC", head).encode(codec)
                out += "".join(rest).encode(codec)
                break
            except UnicodeEncodeError:
                continue
        else:
            raise ValueError(f"{codec} cannot write {ch!r}")
    return out


def cases() -> list[dict[str, str | None]]:
    out = []
    for codec, head, name in CASES:
        text = head + ROWS
        raw = windows_encode(text, codec)
        expected = text if name != "Windows-1252" or codec == "cp1252" else raw.decode("cp1252")
        out.append({"saved_in": codec, "hex": raw.hex(), "text": expected, "read_as": name})
    return out


def main() -> int:
    path = HERE / "cases.json"
    doc = (
        json.dumps(
            {"generated_by": "tests/data/encodings/cases.py", "cases": cases()},
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    if sys.argv[1:] == ["--check"]:
        return 0 if path.read_text(encoding="utf-8") == doc else 1
    path.write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
