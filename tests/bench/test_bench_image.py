"""bench/image.py's pure parts: what it says when the model refuses its requests."""

from __future__ import annotations

import pytest

from bench.image import require_answer


def test_a_refused_benchmark_request_says_the_requests_are_the_trends_models() -> None:
    """A fork's model that takes JSON answered the 100 000-point Trends CSV with a 415, and the
    benchmark stopped at a bare ``AssertionError: 415`` after a build and five starts."""
    with pytest.raises(RuntimeError) as err:
        require_answer(415, "the 100 000-point request")
    message = str(err.value)
    assert message.startswith("the 100 000-point request got HTTP 415, not 200: ")
    assert "Google Trends CSVs" in message and "bench/image.py" in message
    assert '"Swap in your own model"' in message
    require_answer(200, "the 100 000-point request")  # the shipped model's answer: no error
