"""model/README.md's example error is the answer the model gives for its request.

The page shows one error body, the `sensitivity=2` refusal, as the shape every error takes: a
reader (or a client written from it) learns the fields from that block. It had lost a field:
the model also names the request parameter the error is about (`parameter`, which the page uses
to mark the field), and the quote did not. Held here against the real app, in process.
"""

from __future__ import annotations

import json

from trends_anomaly.app import app

from tests.support.readme_text import REPO, fenced_blocks, read, section

BITCOIN = "tests/data/en_weekly5y_bitcoin.csv"


def quoted_error() -> dict[str, object]:
    """The one JSON block of model/README.md's ### Errors."""
    (block,) = [
        b for b in fenced_blocks(section(read("model/README.md"), "### Errors")) if "{" in b
    ]
    return json.loads(block)


def test_the_quoted_error_is_the_models_answer_to_sensitivity_2() -> None:
    answer = app.test_client().post(
        "/invocations",
        data=(REPO / BITCOIN).read_bytes(),
        headers={"Content-Type": "text/csv", "X-Amzn-SageMaker-Custom-Attributes": "sensitivity=2"},
    )
    assert answer.status_code == 400
    assert answer.get_json() == quoted_error()
