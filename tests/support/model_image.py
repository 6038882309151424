"""The model image for the tests: a Docker engine (started when none runs), the image built
once per test session on whichever base this machine can have, and a line saying which."""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy.image import image_tag
from devstack import owners
from devstack.model_container import (
    MODEL_DIR,
    Build,
    NoEngine,
    build_image,
    docker,
    ensure_engine,
)

# Tagged by the content of model/ (as deploy tags what it pushes): checkouts that share one
# Docker engine (worktrees, a clean clone beside a working copy) never run each other's image.
TEST_TAG = f"trends-anomaly-model:test-{image_tag(MODEL_DIR)}"

_built: dict[str, Build | str] = {}  # "build" -> Build, "skip" -> why, "error" -> what failed
_notes: list[str] = []


def prepare() -> None:
    """Start the engine and build the image, once per session. Called before the first test
    runs (tests/conftest.py) when any selected test needs the image, so that a first run's
    minutes (installing docker.io, the stand-in base) count against no test's timeout."""
    if _built:
        return
    # pytest-xdist workers each get here: one builds, the others wait and find the cache.
    with _machine_lock():
        _prepare()


@contextmanager
def _machine_lock() -> Iterator[None]:
    path = Path(tempfile.gettempdir()) / "trends-anomaly-model-image.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prepare() -> None:
    try:
        ensure_engine()
    except NoEngine as exc:
        _built["skip"] = f"no Docker engine: {exc}"
        return
    # Containers of an earlier run killed with its watchers (a concurrent run's stay).
    line = owners.said(owners.sweep(docker))
    if line:
        note(line)
    try:
        _built["build"] = build_image(TEST_TAG)
    except RuntimeError as exc:
        _built["error"] = str(exc)


def built_image() -> Build:
    """The image; skips the test where no engine can run, fails it where the build failed."""
    prepare()
    if "skip" in _built:
        pytest.skip(str(_built["skip"]))
    if "error" in _built:
        pytest.fail(f"the model image could not be built: {_built['error']}", pytrace=False)
    build = _built["build"]
    assert isinstance(build, Build)
    return build


def note(line: str) -> None:
    """A line for the end of the test output (e.g. what a push of the image produced)."""
    _notes.append(line)


def summary() -> str | None:
    """Lines for the end of the test output: which base the image was built on, or why the
    image tests were skipped, and the notes (None when no test asked for the image)."""
    lines = []
    if "build" in _built:
        build = _built["build"]
        assert isinstance(build, Build)
        seconds = f"{build.seconds:.1f} s"
        lines.append(f"model image {build.tag}: built in {seconds} on the {build.base.describe()}")
    if "skip" in _built:
        lines.append(f"model image: not built, container tests skipped ({_built['skip']})")
    if "error" in _built:
        lines.append(f"model image: the build failed: {str(_built['error'])[:500]}")
    return "\n".join(lines + _notes) or None
