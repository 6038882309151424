"""What the READMEs and docs/ pages quote, read out of their Markdown: code spans, code blocks,
sections, tables.

The doc tests (tests/test_readme_*.py) hold these against the code, so that a reader who runs what a
README or a docs/ page says, command by command, gets what it says. Deliberately small: it knows the
Markdown these READMEs use (fenced blocks, inline spans that may wrap a line, pipe tables).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The topic pages README.md links to, every one of them: a page added is checked as it lands.
DOCS = tuple(f"docs/{p.name}" for p in sorted((REPO / "docs").glob("*.md")))
# The READMEs and pages a newcomer follows command by command.
READMES = (
    "README.md",
    *DOCS,
    "deploy/README.md",
    "model/README.md",
    "devstack/README.md",
    "lambda/README.md",
)
_FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
_SPAN = re.compile(r"`([^`]+)`")


def read(readme: str) -> str:
    return (REPO / readme).read_text(encoding="utf-8")


def fenced_blocks(text: str) -> list[str]:
    """The contents of every fenced code block."""
    return _FENCE.findall(text)


def prose(text: str) -> str:
    """The text without its fenced code blocks."""
    return _FENCE.sub("", text)


def code_spans(text: str) -> list[str]:
    """Every inline code span outside the fenced blocks; one wrapped over lines is joined."""
    return [" ".join(span.split()) for span in _SPAN.findall(prose(text))]


def section(text: str, heading: str) -> str:
    """From ``heading`` (a whole line, e.g. ``## Configuration``; a page's first line too) to
    the next heading of its level or higher. A ``# comment`` in a code block is no heading."""
    level = len(heading) - len(heading.lstrip("#"))
    found = re.search(rf"^{re.escape(heading)}\n", text, re.MULTILINE)
    if found is None:
        raise ValueError(f"no heading {heading!r}")
    body = text[found.end() :]
    blanked = _FENCE.sub(lambda block: re.sub(r"[^\n]", " ", block.group(0)), body)
    ends = [m.start() for m in re.finditer(rf"^#{{1,{level}}} ", blanked, re.MULTILINE)]
    return body[: ends[0]] if ends else body


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor the headings of ``text`` get on GitHub (outside code blocks); a repeated
    heading's second anchor ends in ``-1``, its third in ``-2``."""
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose(text), re.MULTILINE):
        anchor = github_anchor(heading)
        n = seen.get(anchor, 0)
        seen[anchor] = n + 1
        out.add(anchor if n == 0 else f"{anchor}-{n}")
    return out


def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of each row of the pipe table whose header row starts with ``| {header} |``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def spans_in(cell: str) -> list[str]:
    """The code spans of one table cell or line."""
    return _SPAN.findall(cell)
