"""The image's inputs: pinned requirements that match uv.lock and the venv the tests run, a
pinned base, serve on PATH."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "model"


def _uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else ["python3", "-m", "uv"]


def _requirements(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_requirements_txt_matches_the_lock():
    exported = subprocess.run(
        [
            *_uv(),
            "export",
            "--only-group",
            "model",
            "--no-emit-project",
            "--frozen",
            "--format",
            "requirements.txt",
            "--quiet",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    committed = (MODEL / "requirements.txt").read_text()
    assert _requirements(exported) == _requirements(committed), (
        "model/requirements.txt is stale: re-export it with the command in model/README.md"
    )
    assert "--hash=sha256:" in committed


def _pins(text: str) -> dict[str, tuple[str, Requirement]]:
    """name -> (version, requirement) for every `name==version [; marker]` line."""
    pins = {}
    for line in text.splitlines():
        if line[:1].isalnum():
            req = Requirement(line.removesuffix("\\").strip())
            (spec,) = req.specifier
            pins[req.name] = (spec.version, req)
    return pins


def test_the_tests_run_the_versions_the_image_installs():
    """The model's tests import it from the dev venv (`uv sync`), the image installs
    requirements.txt: each package the image gets must be in this venv at the same version, or
    the tests vouch for code the image does not run (a venv synced from an older lock, a
    package upgraded in it by hand)."""
    wrong = {}
    for name, (version, req) in _pins((MODEL / "requirements.txt").read_text()).items():
        if req.marker is not None and not req.marker.evaluate():
            continue  # cffi, pycparser: Windows only
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = f"image {version}, venv {installed}"
    assert not wrong, (
        f"the venv differs from model/requirements.txt: {wrong} (run `uv sync --frozen`)"
    )


def test_dockerfile_pins_the_base_and_installs_only_hashed_wheels():
    text = (MODEL / "Dockerfile").read_text()
    # The base is a build argument (the tests build on a stand-in where no registry is
    # reachable); its default, what users and GitHub build, is pinned by digest.
    base = re.search(r"^ARG\s+BASE_IMAGE=(\S+)", text, re.MULTILINE).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+@sha256:[0-9a-f]{64}", base), base
    assert re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE) == ["${BASE_IMAGE}"]
    # Dependabot updates the FROM line of base.Dockerfile, not an ARG default: they must agree.
    watched = re.search(r"^FROM\s+(\S+)", (MODEL / "base.Dockerfile").read_text(), re.MULTILINE)
    assert watched.group(1) == base, (
        f"model/base.Dockerfile pins {watched.group(1)} (Dependabot moved it?): copy it into "
        "the `ARG BASE_IMAGE=` default of model/Dockerfile"
    )
    assert "--require-hashes" in text and "--only-binary=:all:" in text
    # Root, as SageMaker's hosting documentation expects (model/README.md cites it).
    assert not re.search(r"^USER\s", text, re.MULTILINE)
    assert 'CMD ["serve"]' in text and "/opt/program" in text


def _served_module() -> str:
    """The module of MODEL_APP's default in model/serve, the one place that names the model
    package: a fork that replaced trends_anomaly (docs/swap-your-model.md) keeps this test."""
    found = re.search(r"\$\{MODEL_APP:-([\w.]+):", (MODEL / "serve").read_text())
    assert found, "model/serve names no default MODEL_APP (${MODEL_APP:-module:app})"
    return found.group(1)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dev_only_modules(pyproject: str, requirements: str) -> list[str]:
    """The top-level modules of the packages the tests and deploy install (pyproject's dev and
    deploy groups) that the image does not (requirements.txt): a list written here once
    (pandas, statsmodels, sklearn, boto3) failed a fork that moved scikit-learn to the model
    group, as docs/swap-your-model.md says to, with "['sklearn'] == []"."""
    groups = tomllib.loads(pyproject)["dependency-groups"]
    outside = {
        _canonical(Requirement(r).name)
        for group in ("dev", "deploy")
        for r in groups.get(group, [])
        if isinstance(r, str)
    }
    image = {
        _canonical(m.group(1))
        for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)==", requirements, re.MULTILINE)
    }
    only = outside - image
    return sorted(
        module
        for module, dists in metadata.packages_distributions().items()
        if module.isidentifier() and any(_canonical(d) in only for d in dists)
    )


def test_the_dev_only_modules_follow_the_groups():
    pyproject = textwrap.dedent(
        """
        [dependency-groups]
        model = ["flask==3.1.3"]
        deploy = ["boto3==1.44.8"]
        dev = ["scikit-learn==1.9.1", "pandas==3.1.1"]
        """
    )
    requirements = "flask==3.1.3 \\\n    --hash=sha256:00\n"
    found = dev_only_modules(pyproject, requirements)
    assert {"sklearn", "pandas", "boto3"} <= set(found) and "flask" not in found, found
    # scikit-learn moved to the model group (and so into requirements.txt): no longer dev-only
    moved = dev_only_modules(pyproject, requirements + "scikit-learn==1.9.1 \\\n")
    assert "sklearn" not in moved and "pandas" in moved, moved


# Run in a fresh interpreter: the served module imported with the dev-only packages made
# unimportable, as they are in the image. A library's optional import of one (scikit-learn
# tries pandas) is its own business; a module the model needs fails the import.
_WITHOUT_DEV = """
import importlib.abc, sys
dev = set({dev!r})
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in dev:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Absent())
try:
    import {module}
except ModuleNotFoundError as exc:
    print(exc.name)
"""


def test_serve_is_executable_and_the_runtime_imports_no_dev_packages():
    """What the server loads at start (MODEL_APP's module and all it imports) needs no dev
    package: the dev venv would hide one that requirements.txt lacks."""
    assert os.access(MODEL / "serve", os.X_OK)
    dev = dev_only_modules(
        (REPO / "pyproject.toml").read_text(encoding="utf-8"),
        (MODEL / "requirements.txt").read_text(encoding="utf-8"),
    )
    module = _served_module()
    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT_DEV.format(dev=sorted(dev), module=module)],
        cwd=MODEL,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(MODEL), "MODEL_DEFAULTS_PATH": "/nonexistent"},
    ).stdout.strip()
    assert out == "", (
        f"{module} needs {out!r}, which the image lacks (not in model/requirements.txt): "
        "move its package to the model group of pyproject.toml (step 2 of "
        "docs/swap-your-model.md)"
    )
