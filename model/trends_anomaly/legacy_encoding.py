"""Which code page a file that is not UTF-8 was saved in, told by the export's words.

Excel for Windows saves "CSV (Comma delimited)" in the system's ANSI code page: Windows-1252
in Western Europe and the Americas, 1250 in Central Europe, 1251 for Cyrillic, 1254 for
Turkish, Shift-JIS in Japan, GBK in mainland China... Any bytes decode as Windows-1252, so
reading every such file that way keeps the numbers but garbles each term outside Latin-1
("işkur" comes back as "iþkur", "Категория" as "Êàòåãîðèÿ"). A Google Trends export names its
language in words Trends writes (the preamble's "Category", the date column's "Week"; see
:mod:`.exportlocale`), so each code page is tried, and the one under which most of those
words read as its languages' is taken. Excel for Mac's "CSV (Macintosh)" is Mac OS Roman,
told the same way, and, where its words read the same in both (English: "Category",
"Week"), by the letters of its terms: a Mac "café" is Windows-1252's "cafŽ". Otherwise the
first code page in the list wins a tie. A file whose words say nothing (an edited
header, a language Trends is not known in here) is read as Windows-1252, as before.

The page checks a chosen file the same way (``site/src/filecheck.js``, from the table
``page_table`` writes), so both show the same term names.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from .exportlocale import language_of, language_word, words_of
from .trends import DELIMITERS


class CodePage(NamedTuple):
    codec: str  # Python's codec
    label: str  # the WHATWG encoding label (the page's TextDecoder)
    name: str  # as a person knows it
    languages: tuple[str, ...]  # exports in these languages are saved in it
    # Its languages' characters outside ASCII (small letters; marks written in words), which
    # tell it from a code page of the same languages when their words tie (``letters_read``).
    letters: str = ""


# In the order tried. Japanese kanji headers (月, 日) are also Chinese words: Shift-JIS is
# tried before GBK and Big5, and a word must decode exactly, so another code page's bytes for
# the same character read as something else there.
_WESTERN = ("English", "German", "French", "Spanish", "Portuguese", "Italian", "Dutch")
# The small letters Windows-1252 writes outside ASCII, and the quotes, dashes and signs Western
# text writes that both it and Mac OS Roman have. Each code page reads most of the other's
# letters as a symbol (Mac OS Roman's á is Windows-1252's ‡) or a capital (é is Ž); the few
# that read as one of these here too (ë ì í î ï ñ ó ô ö ú û as ‘ “ ’ ” • – — ™ š œ ž)
# leave a tie.
_WESTERN_LETTERS = "ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿœšž" + "‘’‚“”„•–—…€™«»"
CODE_PAGES = (
    CodePage("cp1252", "windows-1252", "Windows-1252", _WESTERN, _WESTERN_LETTERS),
    # Excel for Mac's "CSV (Macintosh)". Its é is Windows-1252's Ž: a file is taken as Mac OS
    # Roman when more of its words read there (Catégorie, Categoría, Mês), or, its words being
    # the same in both (Category, Week), more of its letters (café).
    CodePage("mac_roman", "macintosh", "Mac OS Roman", _WESTERN, _WESTERN_LETTERS),
    CodePage("cp1250", "windows-1250", "Windows-1250 (Central European)", ("Polish",)),
    CodePage("cp1251", "windows-1251", "Windows-1251 (Cyrillic)", ("Russian", "Ukrainian")),
    CodePage("cp1254", "windows-1254", "Windows-1254 (Turkish)", ("Turkish",)),
    CodePage("cp1255", "windows-1255", "Windows-1255 (Hebrew)", ("Hebrew",)),
    CodePage("cp1258", "windows-1258", "Windows-1258 (Vietnamese)", ("Vietnamese",)),
    CodePage("cp932", "shift_jis", "Shift-JIS (Japanese)", ("Japanese", "Chinese")),
    CodePage("cp936", "gbk", "GBK (Simplified Chinese)", ("Chinese",)),
    CodePage("cp949", "euc-kr", "Windows-949 (Korean)", ("Korean",)),
    CodePage("cp950", "big5", "Big5 (Traditional Chinese)", ("Chinese",)),
)
FALLBACK = CODE_PAGES[0]
# The preamble and the header are within the first few lines.
HEAD_LINES = 8
_FIRST_CELL = re.compile("[" + re.escape("".join(DELIMITERS)) + "]")  # as the parser splits


def words_of_code_page(page: CodePage) -> tuple[str, ...]:
    """The words that, read under ``page``, say a file was saved in it."""
    return tuple(sorted({w for lang in page.languages for w in words_of(lang)}))


def head_words(text: str) -> list[str]:
    """The language word (``language_word``) of the first cell of each of the first lines."""
    out = []
    for line in text.splitlines()[:HEAD_LINES]:
        if line.strip():
            out.append(language_word(_FIRST_CELL.split(line, maxsplit=1)[0]))
    return out


def letters_read(text: str, letters: str) -> int:
    """How many characters of ``text`` outside ASCII read as ``letters``: a small letter or
    mark among them, or the capital of such a letter where a word may have one (not right
    after a small letter: "Škoda", "CAFÉ", but not "cafŽ")."""
    return sum(_reads_as_letter(text, k, letters) for k, ch in enumerate(text) if not ch.isascii())


def _reads_as_letter(text: str, k: int, letters: str) -> bool:
    ch = text[k]
    if ch in letters:
        return True
    capital = ch.isupper() and ch.lower() in letters
    return capital and not (k and text[k - 1].islower())


def _decode(body: bytes, page: CodePage) -> str | None:
    try:
        text = body.decode(page.codec)
    except UnicodeDecodeError:
        return None
    # Windows-1258 writes many Vietnamese letters as a base and a combining mark; Trends and
    # every other source write them composed.
    return unicodedata.normalize("NFC", text) if page.codec == "cp1258" else text


class Decoded(NamedTuple):
    text: str
    page: CodePage  # the code page it was read in
    language: str | None  # of the first word that chose it; None: none did (Windows-1252)
    # The code page whose words read as well, which the letters put behind (None: the words
    # alone chose): a person is told that this was a closer call.
    over: CodePage | None = None


def decode_legacy(body: bytes) -> Decoded:
    """The text of ``body`` (not UTF-8), the code page it was read in, the language of the
    first word that chose it (None: no word did, and it was read as Windows-1252), and the
    code page that the letters put behind when the words tied (``Decoded``). The code
    page under which most head words are its languages' words (``words_of_code_page``) is
    taken: "Semaine" reads in Windows-1252 and in Mac OS Roman alike, "Catégorie" in one of
    them only. On a tie, the one under which more of the head reads as its letters
    (``letters_read``: "café" in Mac OS Roman is "cafŽ" in Windows-1252), then the first in
    ``CODE_PAGES``. (The page applies the same rule to the same table.)"""
    # The words are counted in the head alone (no code page here has 0x0A inside a
    # character), and the whole file is decoded in the best-placed page it fits.
    head = b"\n".join(body.split(b"\n", HEAD_LINES)[:HEAD_LINES])
    ranked = []
    for order, (page, words) in enumerate(_WORDS_OF_PAGE):
        text = _decode(head, page)
        found = [word for word in head_words(text) if word in words] if text else []
        if found:
            letters = letters_read(text, page.letters)  # text: found holds its words
            ranked.append((-len(found), -letters, order, page, found[0]))
    ranked.sort()
    for found, letters, order, page, word in ranked:
        text = _decode(body, page)
        if text is not None:
            # Those its words tied with, which came first but read fewer letters.
            tied = [p for f, n, o, p, _ in ranked if f == found and n > letters and o < order]
            return Decoded(text, page, language_of(word), tied[0] if tied else None)
    return Decoded(body.decode(FALLBACK.codec, errors="replace"), FALLBACK, None)


_WORDS_OF_PAGE = tuple((page, frozenset(words_of_code_page(page))) for page in CODE_PAGES)
