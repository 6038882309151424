"""model/smoke.py against the model it ships with, for any model: its request gets a 200 from
the real server (the process and the image) and its check passes that answer. A fork that
replaced the model keeps this file as it is; tests/model/test_smoke_trends.py holds what is
true of the Trends detector's request and check only (the generic half of `deploy smoke`, and
how deploy loads the file, are tests/deploy/test_ops.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.ops import ModelSmoke, load_model_smoke

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> ModelSmoke:
    return load_model_smoke(REPO)


def test_the_check_passes_the_models_own_answer(shipped: ModelSmoke, client) -> None:
    """The promotion's gate agrees with the model it gates: a check that refused this answer
    would stop every deploy after staging, a request the model refused would too."""
    status, answer = client.json(shipped.body, shipped.content_type, Accept="application/json")
    assert status == 200, f"model/smoke.py's request got {status}: {answer}"
    words = shipped.check(answer)
    assert isinstance(words, str) and words.strip(), f"check() returned {words!r}, not words"
