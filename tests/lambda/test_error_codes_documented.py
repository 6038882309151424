"""Every error code a caller can get is in the API page's and model/README's tables, found in
the code itself.

A client branches on ``error.code``; a code the docs do not list is one its author could not
plan for (``upstream_unreachable`` and ``internal_error`` reached callers while the API
section did not name them). The codes are read from the source by AST
(``tests/support/error_codes.py``, which ``openapi.yaml``'s tests share).
"""

from __future__ import annotations

import re

from tests.support.error_codes import REPO, codes_in, lambda_files, model_files


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def documented(text: str) -> set[str]:
    return set(re.findall(r"`([a-z0-9_]+)`", text))


def test_every_code_the_function_answers_is_in_the_api_page() -> None:
    page = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    api = section(page, "# The API\n", "## The model's own API")
    codes = codes_in(lambda_files())
    assert {"empty_body", "upstream_error", "internal_error"} <= set(codes)  # the scan works
    missing = {code: where for code, where in codes.items() if code not in documented(api)}
    assert not missing, f"codes docs/api.md does not list before its model's API: {missing}"


def test_every_code_the_model_answers_is_in_the_models_error_table() -> None:
    readme = (REPO / "model" / "README.md").read_text(encoding="utf-8")
    errors = section(readme, "### Errors", "### Logs")
    codes = codes_in(model_files())
    # the scan works, gunicorn's refusals (a table of statuses in http_errors.py) included
    assert {"bad_csv", "not_acceptable", "internal_error", "uri_too_long"} <= set(codes)
    missing = {code: where for code, where in codes.items() if code not in documented(errors)}
    assert not missing, f"codes model/README's error table does not list: {missing}"
