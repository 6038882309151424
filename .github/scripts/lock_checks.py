"""Lock files that still say what their manifests ask for (pre-commit; check-only, offline).

Why: `make setup` runs `uv sync --frozen` and `make site` runs `npm ci`; the first installs
uv.lock without asking whether pyproject.toml still agrees with it, so a pin edited by hand
(or half a Dependabot bump) would leave the venv, the tests and model/requirements.txt on the
old version while pyproject.toml claims the new one.

    python lock_checks.py uv [DIR]    `uv lock --check --offline` in DIR (default: the repo)
    python lock_checks.py npm [DIR]   DIR/package-lock.json records DIR/package.json's deps
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NPM_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


def _uv() -> list[str]:
    """uv as `make setup` finds it: on PATH, else the one pip installed for python3."""
    found = shutil.which("uv")
    return [found] if found else ["python3", "-m", "uv"]


def check_uv(directory: Path) -> list[str]:
    # --offline: a lock that satisfies pyproject.toml is checked without any download (uv
    # compares the two files); a stale one then fails however uv words it.
    proc = subprocess.run(
        [*_uv(), "lock", "--check", "--offline", "--quiet"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == 0:
        return []
    if "No module named uv" in proc.stderr:
        return [f"uv is not installed: `make setup` installs it ({proc.stderr.strip()})"]
    detail = " ".join(proc.stderr.split())[:400]
    return [
        f"{directory / 'uv.lock'}: does not match pyproject.toml: run `uv lock` (then re-export "
        "model/requirements.txt, see docs/dependencies.md, 'Keeping dependencies current'). "
        f"uv said: {detail}"
    ]


def check_npm(directory: Path) -> list[str]:
    """What `npm ci` refuses, found without node: the lock's root entry must carry
    package.json's dependency maps, and every exactly pinned package must be locked at that
    version (package.json here pins exact versions)."""
    manifest = json.loads((directory / "package.json").read_text(encoding="utf-8"))
    lock_path = directory / "package-lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    packages = lock.get("packages") or {}
    root = packages.get("") or {}
    problems = []
    for field in NPM_FIELDS:
        wanted = manifest.get(field) or {}
        if (root.get(field) or {}) != wanted:
            problems.append(f"{lock_path}: its {field} differ from package.json's")
        for name, spec in wanted.items():
            locked = (packages.get(f"node_modules/{name}") or {}).get("version")
            if locked is None:
                problems.append(f"{lock_path}: {name} is not locked")
            elif spec[:1].isdigit() and locked != spec:
                problems.append(f"{lock_path}: {name} is locked at {locked}, package.json: {spec}")
    if problems:
        problems.append(f"{lock_path}: run `npm install` in {directory} and commit both files")
    return problems


CHECKS: dict[str, tuple[Callable[[Path], list[str]], Path]] = {
    "uv": (check_uv, ROOT),
    "npm": (check_npm, ROOT / "site"),
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in CHECKS or len(args) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    check, default = CHECKS[args[0]]
    problems = check(Path(args[1]) if len(args) > 1 else default)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
