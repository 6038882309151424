"""Every error code a caller can get is in the README's tables, found in the code itself.

A client branches on ``error.code``; a code the README does not list is one its author could
not plan for (``upstream_unreachable`` and ``internal_error`` reached callers while the API
section did not name them). The codes are read from the source by AST: ``code="..."`` in a
call, ``code = "..."`` in an error class, ``"code": "..."`` in a dict literal.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def codes_in(files: list[Path]) -> dict[str, str]:
    """code -> the file that can answer it."""
    found: dict[str, str] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg == "code":
                values.append(node.value)
            elif isinstance(node, ast.ClassDef) and node.name != "ApiError":
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "code" for t in stmt.targets
                    ):
                        values.append(stmt.value)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "code":
                        values.append(value)
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.setdefault(value.value, path.name)
    return found


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def documented(text: str) -> set[str]:
    return set(re.findall(r"`([a-z0-9_]+)`", text))


def test_every_code_the_function_answers_is_in_the_readmes_api_section() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    api = section(readme, "## The API", "### The model's own API")
    codes = codes_in(sorted((REPO / "lambda").glob("*.py")))
    assert {"empty_body", "upstream_error", "internal_error"} <= set(codes)  # the scan works
    missing = {code: where for code, where in codes.items() if code not in documented(api)}
    assert not missing, f"codes the README's API section does not list: {missing}"


def test_every_code_the_model_answers_is_in_the_models_error_table() -> None:
    readme = (REPO / "model" / "README.md").read_text(encoding="utf-8")
    errors = section(readme, "### Errors", "### Logs")
    # The model's package, whatever its name (a fork may replace it: README's swap section).
    packages = [p for p in (REPO / "model").iterdir() if (p / "__init__.py").is_file()]
    codes = codes_in(sorted(path for package in packages for path in package.glob("*.py")))
    assert {"bad_csv", "not_acceptable", "internal_error"} <= set(codes)  # the scan works
    missing = {code: where for code, where in codes.items() if code not in documented(errors)}
    assert not missing, f"codes model/README's error table does not list: {missing}"
