"""Files people send by mistake instead of a Trends CSV: told apart by their first bytes, or,
for Google Trends' other downloads, by their first lines.

A workbook, a PDF or a screenshot of the chart read as text gives "No data rows found", which
sends the sender looking for a problem in a file that is not a CSV at all. Trends' Interest by
region, Related queries and topics, and Trending now lists are CSVs from Google Trends, but
without dates; "Upload a Google Trends export" told their senders to upload what they had just
uploaded. Both lists serve the model (a 400 that names the file's kind and what to download
instead) and the page (which checks a chosen file before sending it; written to params.json).
"""

from __future__ import annotations

import re
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


# Where the one series over time comes from: the first chart on Trends' Explore page.
OVER_TIME = (
    "Download Interest over time (multiTimeline.csv) instead: on Google Trends' Explore page, "
    "the first chart's ⋮ (top right) → Download CSV."
)


class OtherExport(NamedTuple):
    pattern: str  # matched against each of the file's first lines, ignoring case
    what: str  # what the file is, said as the error's message
    hint: str  # what to download instead


# The patterns are written for Python's re and JavaScript's RegExp alike (the page reads them),
# and in linear time: no two unbounded repeats side by side, no \s that runs on over line ends
# (a first try, "\([^()]*\d[^()]*\s[-–]\s[^()]*\d[^()]*\)", took 28 s on a 1.2 KB line).
OTHER_EXPORTS = (
    OtherExport(
        # "Country,bitcoin: (12/2/21 - 12/2/26)": a date range where a term's region would be
        r":[ ]?\([^()\n]{0,30}\d[ ]?[-–][ ]?\d[^()\n]{0,30}\)"
        r"|^[ ]*\"?(?:country|region|subregion|metro|city|dma)\"?[ ]*[,;\t]",
        "This is Google Trends' Interest by region (geoMap.csv): a value per place, with no "
        "dates, so nothing here can be followed over time.",
        OVER_TIME,
    ),
    OtherExport(
        r"^[ ]*\"?(?:top|rising)\"?[ ,;\t\r]*$",  # the heading of each of its two lists
        "This is Google Trends' Related queries or Related topics (relatedQueries.csv, "
        "relatedEntities.csv): the top and rising searches, with no dates.",
        OVER_TIME,
    ),
    OtherExport(
        r"^[ ]*\"?trends\"?[ ]*[,;\t][ ]*\"?search volume",
        "This is a Google Trends Trending now list: searches rising now, with no dates.",
        "Open a trend with its Explore link (the file's last column), then download "
        "Interest over time (multiTimeline.csv): the first chart's ⋮ (top right) → Download CSV.",
    ),
)
HEAD_CHARS = 4096  # the first lines, where each of these says what it is


def other_export(text: str) -> OtherExport | None:
    """Which of Trends' other downloads ``text`` (a file without date rows) is, else None."""
    head = text[:HEAD_CHARS]
    return next(
        (kind for kind in OTHER_EXPORTS if re.search(kind.pattern, head, re.I | re.M)), None
    )
