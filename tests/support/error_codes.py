"""The error codes a package can answer, found in its source by AST, with their status.

A client branches on ``error.code``; the READMEs' tables and ``openapi.yaml`` list the codes,
and tests compare those lists with what the code can emit. Codes are found where they are
written: ``code="..."`` in a call (with ``status=<int>`` beside it, when given as a number),
``code = "..."`` in an error class (its ``status`` from the class or its bases, else
``ApiError``'s 400), ``"code": "..."`` in a dict literal (status unknown), and a table of
statuses to ``(code, ...)`` tuples (``http_errors.py``: the words for gunicorn's refusals,
which the first three rules did not see).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BASE_CLASS = "ApiError"  # the shared error class (error_shape.py): its own code is a default
BASE_STATUS = 400


@dataclass(frozen=True)
class Emitted:
    """One place that answers ``code``; ``status`` is None where the source does not say."""

    code: str
    status: int | None
    file: str


def lambda_files() -> list[Path]:
    return sorted((REPO / "lambda").glob("*.py"))


def model_files() -> list[Path]:
    """The model's package, whatever its name (a fork may replace it: docs/swap-your-model.md)."""
    packages = [p for p in (REPO / "model").iterdir() if (p / "__init__.py").is_file()]
    return sorted(path for package in packages for path in package.glob("*.py"))


def _str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _int(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _class_attribute(node: ast.ClassDef, name: str) -> ast.expr | None:
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets
        ):
            return stmt.value
    return None


def _class_status(name: str, classes: dict[str, ast.ClassDef], seen: frozenset[str]) -> int:
    """A class's HTTP status: its own, else its first base's that has one, else 400."""
    node = classes.get(name)
    if node is None or name in seen:
        return BASE_STATUS
    own = _int(_class_attribute(node, "status"))
    if own is not None:
        return own
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in classes and base.id != BASE_CLASS:
            return _class_status(base.id, classes, seen | {name})
    return BASE_STATUS


def emitted(files: list[Path]) -> list[Emitted]:
    """Every (code, status) the files can answer, in source order."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    classes = {
        node.name: node
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    found: list[Emitted] = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                words = {k.arg: k.value for k in node.keywords if k.arg}
                code = _str(words.get("code"))
                if code is not None:
                    # No status keyword: the class's own; a computed one: unknown.
                    status = _int(words["status"]) if "status" in words else None
                    if "status" not in words and isinstance(node.func, ast.Name):
                        status = _class_status(node.func.id, classes, frozenset())
                    found.append(Emitted(code, status, path.name))
            elif isinstance(node, ast.ClassDef) and node.name != BASE_CLASS:
                code = _str(_class_attribute(node, "code"))
                if code is not None:
                    status = _class_status(node.name, classes, frozenset())
                    found.append(Emitted(code, status, path.name))
            elif isinstance(node, ast.Dict):
                statuses = [_int(k) for k in node.keys]
                if statuses and all(s is not None and 100 <= s <= 599 for s in statuses):
                    for status, value in zip(statuses, node.values, strict=True):
                        if isinstance(value, ast.Tuple) and value.elts:
                            code = _str(value.elts[0])
                            if code is not None:
                                found.append(Emitted(code, status, path.name))
                    continue
                for key, value in zip(node.keys, node.values, strict=True):
                    code = _str(value)
                    if _str(key) == "code" and code is not None:
                        found.append(Emitted(code, None, path.name))
    return found


def codes_in(files: list[Path]) -> dict[str, str]:
    """code -> the first file that can answer it."""
    out: dict[str, str] = {}
    for item in emitted(files):
        out.setdefault(item.code, item.file)
    return out
