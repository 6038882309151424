"""Small file checks for pre-commit (check-only, never rewrites anyone's file).

Why here and not the pre-commit-hooks package: hooks must run offline from `.venv` only
(`language: system`), and a lint run must not edit files owned by someone else — it reports
`path:line` and fails instead.

    python text_checks.py yaml FILE...        every file parses with yaml.safe_load_all
    python text_checks.py whitespace FILE...  no trailing blanks (Markdown's 2-space break ok)
    python text_checks.py eof FILE...         non-empty files end with exactly one newline
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def check_yaml(path: Path, data: bytes) -> list[str]:
    import yaml

    try:
        for _ in yaml.safe_load_all(data):
            pass
    except yaml.YAMLError as exc:
        return [f"{path}: not valid YAML: {exc}".replace("\n", " ")]
    return []


def check_whitespace(path: Path, data: bytes) -> list[str]:
    markdown = path.suffix.lower() in {".md", ".markdown"}
    problems = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        body = line.removesuffix(b"\r")
        stripped = body.rstrip(b" \t")
        if stripped == body:
            continue
        if markdown and body.endswith(b"  ") and stripped and len(body) - len(stripped) == 2:
            continue  # a Markdown hard line break
        problems.append(f"{path}:{number}: trailing whitespace")
    return problems


def check_eof(path: Path, data: bytes) -> list[str]:
    if not data:
        return []
    if not data.endswith(b"\n"):
        return [f"{path}: no newline at the end of the file"]
    if data.endswith(b"\n\n") or data.endswith(b"\r\n\r\n"):
        return [f"{path}: blank lines at the end of the file"]
    return []


CHECKS: dict[str, Callable[[Path, bytes], list[str]]] = {
    "yaml": check_yaml,
    "whitespace": check_whitespace,
    "eof": check_eof,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in CHECKS:
        print(__doc__, file=sys.stderr)
        return 2
    check = CHECKS[args[0]]
    problems = [p for name in args[1:] for p in check(Path(name), Path(name).read_bytes())]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
