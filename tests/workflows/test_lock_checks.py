"""The lint hooks that keep uv.lock and site/package-lock.json in step with their manifests
(.github/scripts/lock_checks.py), run on copies with one side edited."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "scripts" / "lock_checks.py"


def _module():
    spec = importlib.util.spec_from_file_location("lock_checks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("lock_checks", module)
    spec.loader.exec_module(module)
    return module


lock_checks = _module()


def _copy(tmp_path: Path, *names: str, source: Path = ROOT) -> Path:
    for name in names:
        shutil.copy(source / name, tmp_path / name)
    return tmp_path


def test_the_repository_passes_both() -> None:
    assert lock_checks.main(["uv"]) == 0
    assert lock_checks.main(["npm"]) == 0


def test_uv_agrees_with_an_untouched_copy(tmp_path: Path) -> None:
    assert lock_checks.check_uv(_copy(tmp_path, "pyproject.toml", "uv.lock")) == []


def test_uv_fails_on_a_pin_edited_without_relocking(tmp_path: Path) -> None:
    """What `uv sync --frozen` (make setup) and `uv export --frozen` never notice."""
    work = _copy(tmp_path, "pyproject.toml", "uv.lock")
    text = (work / "pyproject.toml").read_text()
    (work / "pyproject.toml").write_text(text.replace('"flask==3.1.3"', '"flask==3.1.2"'))
    assert text != (work / "pyproject.toml").read_text()
    (problem,) = lock_checks.check_uv(work)
    assert "does not match pyproject.toml: run `uv lock`" in problem


def test_uv_fails_on_a_package_added_without_relocking(tmp_path: Path) -> None:
    work = _copy(tmp_path, "pyproject.toml", "uv.lock")
    text = (work / "pyproject.toml").read_text()
    (work / "pyproject.toml").write_text(
        text.replace('"orjson==3.13.0",', '"orjson==3.13.0",\n    "six==1.17.0",')
    )
    assert lock_checks.check_uv(work)


def _site(tmp_path: Path) -> Path:
    return _copy(tmp_path, "package.json", "package-lock.json", source=ROOT / "site")


def test_npm_agrees_with_an_untouched_copy(tmp_path: Path) -> None:
    assert lock_checks.check_npm(_site(tmp_path)) == []


def _edit_json(path: Path, edit) -> None:
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc, indent=2))


def test_npm_fails_on_a_pin_edited_without_npm_install(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _edit_json(site / "package.json", lambda d: d["devDependencies"].update(esbuild="0.28.3"))
    problems = lock_checks.check_npm(site)
    assert any("esbuild is locked at 0.28.2, package.json: 0.28.3" in p for p in problems)
    assert "run `npm install`" in problems[-1]


def test_npm_fails_on_a_lock_edited_alone(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _edit_json(
        site / "package-lock.json",
        lambda d: d["packages"]["node_modules/uplot"].update(version="1.6.31"),
    )
    assert any("uplot is locked at 1.6.31" in p for p in lock_checks.check_npm(site))


def test_npm_fails_on_a_dependency_the_lock_lacks(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _edit_json(site / "package.json", lambda d: d["dependencies"].update({"left-pad": "1.3.0"}))
    problems = lock_checks.check_npm(site)
    assert any("left-pad is not locked" in p for p in problems)
    assert any("dependencies differ" in p for p in problems)


@pytest.mark.parametrize(
    ("hook", "argument", "paths"),
    [
        ("uv-lock-check", "uv", ["pyproject.toml", "uv.lock"]),
        ("npm-lock-check", "npm", ["site/package.json", "site/package-lock.json"]),
    ],
)
def test_lint_runs_them_when_either_file_changes(hook: str, argument: str, paths: list[str]):
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert hook in hooks, f"`make lint` does not run {hook}"
    found = hooks[hook]
    assert found["entry"] == f".venv/bin/python .github/scripts/lock_checks.py {argument}"
    assert found["pass_filenames"] is False
    assert all(re.search(found["files"], path) for path in paths)
    assert not re.search(found["files"], "model/requirements.txt")
