"""Every error code a caller can get is in the API page's and model/README's tables, found in
the code itself.

A client branches on ``error.code``; a code the docs do not list is one its author could not
plan for (``upstream_unreachable`` and ``internal_error`` reached callers while the API
section did not name them). The codes are read from the source by AST
(``tests/support/error_codes.py``, which ``openapi.yaml``'s tests share).
"""

from __future__ import annotations

import re
from pathlib import Path

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


def missing_from_the_error_table(readme: str, files: list[Path]) -> dict[str, str]:
    """The codes ``files`` answer that model/README's error table (``readme``) does not list."""
    errors = section(readme, "### Errors", "### Logs")
    codes = codes_in(files)
    # the scan works (classes, keywords, gunicorn's refusals: a table of statuses in
    # http_errors.py), checked on model/serving's own codes, which every model's server
    # answers: Trends codes here failed this test for a fork that had replaced the model,
    # before it could name the fork's own codes the table lacks
    assert {"bad_body", "request_timeout", "internal_error", "uri_too_long"} <= set(codes)
    return {code: where for code, where in codes.items() if code not in documented(errors)}


def test_every_code_the_model_answers_is_in_the_models_error_table() -> None:
    readme = (REPO / "model" / "README.md").read_text(encoding="utf-8")
    missing = missing_from_the_error_table(readme, model_files())
    assert not missing, f"codes model/README's error table does not list: {missing}"


def test_a_replaced_model_is_asked_for_its_own_codes(tmp_path: Path) -> None:
    """A fork's package beside serving/ (docs/swap-your-model.md): the test names the fork's
    code the table lacks, not the Trends codes the fork no longer has."""
    package = tmp_path / "mymodel"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text(
        "from serving.errors import ApiError\n\n\n"
        "def handle(req):\n"
        '    raise ApiError("No rows.", "Send rows.", code="no_rows")\n'
    )
    serving = sorted((REPO / "model" / "serving").glob("*.py"))
    readme = (REPO / "model" / "README.md").read_text(encoding="utf-8")
    files = serving + sorted(package.glob("*.py"))
    assert missing_from_the_error_table(readme, files) == {"no_rows": "app.py"}
