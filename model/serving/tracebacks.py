"""Tracebacks for the log that do not quote the request.

The log never holds the body (README, "Logs"), but a bug's exception message often quotes the
value it choked on: ``could not convert string to float: '<a cell of the upload>'``, a
``KeyError`` naming a column. The frames (file, line, code) say where the bug is; the quoted
parts of the messages, which are the caller's data, are masked.
"""

from __future__ import annotations

import re
import traceback

# A quoted part: from a quote to the last quote of its kind on its line ('…', "…", b'…'). Not
# a Python repr's grammar, on purpose: numpy quotes a value as it is ('Error parsing datetime
# string "<cell>" at position 10'), so a cell holding a '"' closed that quote early and the
# rest of the cell reached the log; and that grammar, tried from every quote of a line of
# unclosed ones, rescanned the line from each (quadratic: hours for a 1 MB message). This one
# is linear: once it matches on a line, no quote of that kind is left there to try. It masks
# more than a repr (the text between two quoted parts of one kind), never less: a quote of the
# other kind after the part's first closing quote may open a part that closes past the
# part's end (row 'x': ... "a'<cell>"), so the part then runs to the other kind's last quote
# too (it ended at the cell's "'", and the rest of the cell reached the log). A lone
# apostrophe ("can't") masks nothing, as before.
_QUOTE = re.compile(r"""['"]""")
MASK = "'…'"
MESSAGE_CHARS = 300
CHAIN_MAX = 8


def mask_quotes(text: str) -> str:
    """``text`` with every quoted part (see ``_QUOTE``) replaced by ``'…'``, otherwise as
    it is."""
    return "\n".join(_mask_line(line) for line in text.split("\n"))


def _mask_line(line: str) -> str:
    last = {quote: line.rfind(quote) for quote in "'\""}
    out: list[str] = []
    at = 0  # the first character not yet written
    found = _QUOTE.search(line)
    while found:
        i = found.start()
        quote = line[i]
        other = "'" if quote == '"' else '"'
        end = last[quote]
        if end == i:  # a lone quote (the apostrophe of "can't"): not a quoted part
            found = _QUOTE.search(line, i + 1)
            continue
        closes = line.find(quote, i + 1)  # where a repr opened at i would close at the latest
        if last[other] > end and line.find(other, closes, end) != -1:
            end = last[other]
        start = i - 1 if i > at and line[i - 1] == "b" else i
        out += (line[at:start], MASK)
        at = end + 1
        found = _QUOTE.search(line, at)
    return "".join(out) + line[at:]


def masked(message: str) -> str:
    """``message`` with every quoted part replaced by ``'…'``, on one bounded line."""
    return " ".join(mask_quotes(message).split())[:MESSAGE_CHARS]


def redacted(exc: BaseException) -> str:
    """``exc``'s traceback as Python prints it (its causes first), messages masked."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(chain) < CHAIN_MAX and link not in chain:
        chain.append(link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    parts: list[str] = []
    for i, link in enumerate(reversed(chain)):
        if i:
            parts.append("\nThe above exception led to the following one:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        kind = type(link)
        name = (
            kind.__qualname__
            if kind.__module__ == "builtins"
            else f"{kind.__module__}.{kind.__qualname__}"
        )
        parts.append(f"{name}: {masked(_message(link))}\n")
    return "".join(parts)


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a broken __str__ must not break the error path
        return "<unprintable message>"
