"""gunicorn's and Flask's own log lines, with what they quote of a request masked.

The app's JSON line never holds the body (README, "Logs"), but two other writers reach the
same stream. gunicorn warns about every request its parser refuses and quotes the offending
part: ``Invalid HTTP request line: 'Week,<search term>: (<country>)'`` when a body overran its
``Content-Length`` or a file was sent without an HTTP head, the remainder read as the next
request. Flask logs an exception that escapes a view with its message. Both keep what
happened (the kind of error, the frames) and lose the quoted text, as ``tracebacks.py`` does
for the app's own 500.

A line's text is masked whole (``tracebacks.mask_quotes``), so the apostrophe of a word opens a
quote: no rule can tell it from an opening quote glued to a word (``f"column{name!r}"``). Only
gunicorn's own templates (``OWN_TEMPLATES``) are known to hold no request data: their arguments
are masked one by one and the template's words kept ("Can't connect to ('…', 8080)").
"""

from __future__ import annotations

import logging

from gunicorn.glogging import Logger

from .tracebacks import mask_quotes, redacted

# gunicorn's constant templates (gunicorn/sock.py) with a word's apostrophe, which masked whole
# read as an opening quote: "Can't connect to ('127.0.0.1', 8080)" became "Can'…', 8080)".
OWN_TEMPLATES = frozenset({"Can't connect to %s"})


def masked_message(record: logging.LogRecord) -> str:
    """``record``'s message with every quoted part masked: one of ``OWN_TEMPLATES`` keeps its
    words and has each argument masked; any other message is masked whole."""
    own = isinstance(record.msg, str) and record.msg in OWN_TEMPLATES
    if own and isinstance(record.args, tuple) and record.args:
        try:
            return record.msg % tuple(mask_quotes(str(arg)) for arg in record.args)
        except (TypeError, ValueError):  # not the arguments gunicorn gives: masked whole
            pass
    try:
        message = record.getMessage()
    except Exception:  # a broken format must not break the log
        message = str(record.msg)
    return mask_quotes(message)


class MaskRequestData(logging.Filter):
    """Rewrites a record before any handler formats it: its message with every quoted part
    masked, its traceback (if any) as :func:`tracebacks.redacted` writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = masked_message(record), None
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            record.exc_text = redacted(exc).rstrip("\n")
        return True


MASK_REQUEST_DATA = MaskRequestData()


class MaskingLogger(Logger):
    """gunicorn's logger (``logger_class`` in gunicorn_conf.py) whose error log masks what it
    quotes. Set on every setup: a configuration reload runs it again (adding the same filter
    twice is a no-op)."""

    def setup(self, cfg) -> None:  # type: ignore[no-untyped-def]
        super().setup(cfg)
        self.error_log.addFilter(MASK_REQUEST_DATA)
