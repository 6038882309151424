"""Files people send by mistake instead of a CSV, told apart by their first bytes.

A workbook, a PDF or a screenshot of the chart read as text gives "No data rows found", which
sends the sender looking for a problem in a file that is not a CSV at all. One list serves the
model (a CSV request whose body starts so is a 400 that names the file's kind) and the page
(which checks a chosen file before sending it; written to params.json).
"""

from __future__ import annotations

from typing import NamedTuple

TRENDS_HOW = "In Google Trends: Explore → ⋮ (top right of the chart) → Download CSV."
SAVE_AS_CSV = "In Excel, use File → Save As → CSV UTF-8 (Comma delimited), then use that file."


class FileKind(NamedTuple):
    magic: bytes  # the file's first bytes
    what: str  # "an old Excel workbook (.xls)"
    hint: str  # what to do instead


NOT_CSV = (
    FileKind(b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive", SAVE_AS_CSV),
    FileKind(b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)", SAVE_AS_CSV),
    FileKind(b"%PDF", "a PDF document", TRENDS_HOW),
    FileKind(b"\x89PNG", "a PNG image", TRENDS_HOW),
    FileKind(b"\xff\xd8\xff", "a JPEG image", TRENDS_HOW),
    FileKind(b"GIF8", "a GIF image", TRENDS_HOW),
    FileKind(b"\x1f\x8b", "a gzip archive", "Unpack it first, then use the CSV inside."),
)


def not_csv(body: bytes) -> FileKind | None:
    """The kind of file ``body`` is when it starts like one of ``NOT_CSV``, else None."""
    return next((kind for kind in NOT_CSV if body.startswith(kind.magic)), None)
