"""A bug's traceback in the log keeps its frames and masks what its messages quote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from serving.app import create_app
from serving.invocation import Answer
from serving.tracebacks import masked, redacted


def _raised(make):
    try:
        make()
    except Exception as exc:  # the exception is the subject
        return exc
    raise AssertionError("nothing raised")


def test_quoted_values_are_masked_and_the_rest_kept():
    assert masked("could not convert string to float: 'Jane Doe, 4 Elm St'") == (
        "could not convert string to float: '…'"
    )
    assert masked("""KeyError "it's" and b'\\x00secret' at index 7""") == (
        "KeyError '…' and '…' at index 7"
    )
    assert len(masked("x" * 5000)) == 300


def test_the_traceback_has_frames_types_and_causes_but_no_quoted_data():
    cell = "-".join(("secret", "cell"))  # the data, as a request brings it (not in the code)

    def parse():
        float(cell)

    def outer():
        try:
            parse()
        except ValueError as exc:
            raise RuntimeError(f"parsing {cell!r} failed") from exc

    text = redacted(_raised(outer))
    assert "secret" not in text
    assert text.count("Traceback (most recent call last):") == 2
    assert "in parse" in text and "in outer" in text  # the frames say where
    assert "ValueError: could not convert string to float: '…'" in text
    assert "RuntimeError: parsing '…' failed" in text


def test_a_bug_answers_500_and_logs_no_quoted_body(capsys):
    """The server's own 500 path, around any model's handler: formerly traceback.format_exc(),
    which quoted the message."""

    def broken_invoke(req):
        float(req.body.decode().splitlines()[1].split(",")[1])  # a bug that quotes a cell

    client = create_app(__name__, broken_invoke, 1024 * 1024).test_client()
    body = b"date,v\n2024-01-01,private-value-42\n"
    resp = client.post("/invocations", data=body, headers={"Content-Type": "text/csv"})
    assert resp.status_code == 500
    assert resp.get_json()["error"]["code"] == "internal_error"
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert "private-value-42" not in json.dumps(lines)
    bug, request = lines
    assert bug["level"] == "ERROR" and bug["error_type"] == "ValueError"
    assert "in broken_invoke" in bug["traceback"]
    assert request["status"] == 500 and request["error_code"] == "internal_error"
    assert request["level"] == "ERROR"


def test_a_handler_that_returns_no_answer_is_a_500_whose_log_says_what_to_return(capsys):
    """A fork's handler returning a dict (or a Flask Response) met an AttributeError outside
    the server's 500 path: Flask's HTML page, and a log line that did not say what to fix."""
    client = create_app(__name__, lambda req: {"n": len(req.body)}, 1024).test_client()
    resp = client.post("/invocations", data=b"abc")
    assert resp.status_code == 500 and resp.get_json()["error"]["code"] == "internal_error"
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    bug, request = lines
    assert bug["error_type"] == "TypeError"
    assert "returned dict, not a serving.invocation.Answer" in bug["traceback"]
    assert request["status"] == 500 and request["error_code"] == "internal_error"


def test_an_exception_escaping_a_view_answers_in_the_json_shape():
    """Whatever escapes the view (here an answer whose body has no length) is Flask's 500:
    the one JSON shape, not Flask's HTML page."""
    client = create_app(__name__, lambda req: Answer(200, 123), 1024).test_client()  # type: ignore[arg-type]
    resp = client.post("/invocations", data=b"abc")
    assert resp.status_code == 500 and resp.content_type == "application/json"
    assert resp.get_json()["error"]["code"] == "internal_error"


def test_flask_logs_an_escaped_exception_without_quoted_data(caplog):
    """An exception escaping a view is logged by Flask, message and all, to the same stream
    (formerly: ``could not convert string to float: '<the cell>'``)."""
    cell = "-".join(("private", "cell"))
    exc = _raised(lambda: float(cell))
    # any model's app (serving.app.create_app), not the Trends one: a fork that replaced
    # trends_anomaly lost every test of this file to an ImportError at collection
    app = create_app(__name__, lambda req: Answer(200, b"{}"), 1024)
    with app.test_request_context("/invocations", method="POST"):
        app.log_exception((type(exc), exc, exc.__traceback__))
    assert "ValueError: could not convert string to float: '…'" in caplog.text
    assert "private" not in caplog.text


def test_a_message_that_quotes_a_cell_without_escaping_it_masks_all_of_it(capsys):
    """numpy quotes a date it cannot read as it is, in double quotes, without escaping: a cell
    holding a '"' closed the quote early and the rest of the cell reached the log
    ('Error parsing datetime string '…'private-42" at position 10')."""
    cell = '2024-01-01"' + "-".join(("private", "42"))

    def broken_invoke(req):
        np.array([req.body.decode()], dtype="datetime64[s]")  # a bug that quotes the cell raw

    client = create_app(__name__, broken_invoke, 1024 * 1024).test_client()
    resp = client.post("/invocations", data=cell.encode(), headers={"Content-Type": "text/csv"})
    assert resp.status_code == 500
    out = capsys.readouterr().out
    assert "Error parsing datetime string" in out  # the message is there, its cell is not
    assert "private" not in out
    assert masked("""got "it"s" and 'a'b' at 7""") == "got '…' and '…' at 7"


def test_masking_a_long_message_of_unclosed_quotes_takes_linear_time():
    """A message of many quotes that never close (here 1 MB, as a bug quoting an upload may
    write) made the old pattern rescan to the line's end from every quote: quadratic, hours
    for a 1 MB message, with the worker's event loop stuck meanwhile. Linear now: well under a
    second; the generous timeout only catches the catastrophic case, never a slow machine."""
    code = (
        "from serving.tracebacks import masked\n"
        "out = masked('got ' + 'x' + \"\\\\'\" * 500_000)\n"
        "assert out == 'got x' + chr(92) + \"'…'\", out\n"
    )
    model = Path(__file__).resolve().parents[2] / "model"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=model, timeout=120, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_quotes_of_both_kinds_overlapping_mask_all_of_both():
    """A message quoting a cell raw in double quotes after a single-quoted part (a bug's
    message around numpy's): the single quotes' part, from the first to the last ', ended
    inside the cell, which took its opening '"' with it, and the rest of the cell reached
    the log ('row '…'private" at position 3'). The part now runs on to the other kind's last
    quote when one of that kind follows its first closing quote."""
    cell = "a'" + "-".join(("private", "42"))
    message = f"""row 'x' failed: Error parsing datetime string "{cell}" at position 3"""
    assert masked(message) == "row '…' at position 3"
    assert masked(f"""row 'x' failed on "{cell}" and 'y'""") == "row '…'"
    assert masked("""one 'a' two "b" three""") == "one '…' two '…' three"
