"""gunicorn's and Flask's own log lines, with what they quote of a request masked.

The app's JSON line never holds the body (README, "Logs"), but two other writers reach the
same stream. gunicorn warns about every request its parser refuses and quotes the offending
part: ``Invalid HTTP request line: 'Week,<search term>: (<country>)'`` when a body overran its
``Content-Length`` or a file was sent without an HTTP head, the remainder read as the next
request. Flask logs an exception that escapes a view with its message. Both keep what
happened (the kind of error, the frames) and lose the quoted text, as ``tracebacks.py`` does
for the app's own 500.
"""

from __future__ import annotations

import logging

from gunicorn.glogging import Logger

from .tracebacks import mask_quotes, redacted


class MaskRequestData(logging.Filter):
    """Rewrites a record before any handler formats it: its message with every quoted part
    masked, its traceback (if any) as :func:`tracebacks.redacted` writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format must not break the log
            message = str(record.msg)
        record.msg, record.args = mask_quotes(message), None
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
