"""gunicorn's own log lines keep their words and lose what they quote of a request."""

from __future__ import annotations

import logging

from serving.server_log import MASK_REQUEST_DATA


def _written(msg: str, *args: object) -> str:
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1, msg, args, None)
    assert MASK_REQUEST_DATA.filter(record)
    return record.getMessage()


def test_gunicorns_bind_failure_keeps_its_apostrophe_and_its_port():
    """gunicorn's last line when it cannot bind: the apostrophe of "Can't" opened a quote
    that ran to the address's last quote ("Can'…', 8080)"). The template is gunicorn's own
    text, so only its argument can quote request data, and that is masked as before."""
    address = str(("127.0.0.1", 8080))
    assert _written("Can't connect to %s", address) == "Can't connect to ('…', 8080)"
    assert _written("Connection in use: %s", address) == "Connection in use: ('…', 8080)"


def test_a_template_not_known_as_gunicorns_own_is_masked_whole():
    """Any other message may carry request data in its text, not only in its arguments: its
    apostrophes still open a quote (a letter before a quote does not prove it is no opening
    one: ``f"column{name!r}"``)."""
    assert _written("column'secret' at %s", "row 3") == "column'…' at row 3"
    assert _written("Can't connect to " + str(("127.0.0.1", 8080))) == "Can'…', 8080)"
    assert _written("Can't connect to %s", "'a' and 'b'") == "Can't connect to '…'"
