"""A killed image bench's tag is removed at the next bench's start, and nothing else is: a tag a
container uses, a concurrent bench's (built, its container not started yet), other tags. The
docker client is a fake (``mc.docker``); the real engine's cleanup: test_bench_image_cleanup.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bench import image, image_tags
from devstack import model_container as mc
from devstack import owners

NOW = time.time()


def _rfc3339(seconds_ago: float) -> str:
    """A time as docker writes it: nanoseconds, Z."""
    when = datetime.fromtimestamp(NOW - seconds_ago, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


@pytest.fixture
def alive_owner() -> Iterator[str]:
    """The owner label of a process that runs: a concurrent bench."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        owner = owners.identity(child.pid)
        assert owner is not None
        yield owner
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def gone_owner() -> str:
    """The owner label of a process that has ended, as a killed bench leaves it."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    owner = owners.identity(child.pid)
    child.wait()
    assert owner is not None and owners.orphaned(owner)
    return owner


class FakeDocker:
    """The docker client over ``images`` (tag → `docker image inspect` item) and the image
    names ``containers`` were created from; every call is kept."""

    def __init__(self, images: dict[str, dict[str, Any]], containers: list[str]) -> None:
        self.images = images
        self.containers = containers
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, *args: str, check: bool = True, timeout: float | None = None) -> Any:
        self.calls.append(args)
        rc, out = 0, ""
        if args[0] == "images":
            out = "\n".join(t for t in self.images if t.startswith(f"{args[-1]}:"))
        elif args[:2] == ("ps", "-a"):
            out = "\n".join(self.containers)
        elif args[:2] == ("image", "inspect"):
            found = [self.images[t] for t in args[2:] if t in self.images]
            rc, out = (0, json.dumps(found)) if found else (1, "[]")
        elif args[0] == "rmi":
            rc = 0 if self.images.pop(args[1], None) is not None else 1
        elif args[0] == "build":
            labels = dict(args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "--label")
            tag = args[args.index("-t") + 1]
            self.images[tag] = _item(labels=labels, tagged=0)
        if check and rc:
            raise RuntimeError(f"docker {' '.join(args)} failed")
        return subprocess.CompletedProcess(args, rc, out, "")


def _item(owner: str = "", tagged: float | None = None, created: float = 86400.0, labels=None):
    """An image as `docker image inspect` describes it (the fields read)."""
    labels = labels if labels is not None else ({image_tags.OWNER_LABEL: owner} if owner else None)
    return {
        "Created": _rfc3339(created),
        "Config": {"Labels": labels},
        "Metadata": {
            "LastTagTime": _rfc3339(tagged) if tagged is not None else "0001-01-01T00:00:00Z"
        },
    }


def _images(alive_owner: str, gone_owner: str) -> dict[str, dict[str, Any]]:
    p = image_tags.TAG_PREFIX
    return {
        f"{p}killed0001": _item(gone_owner, tagged=60),  # a killed bench's: removed
        f"{p}concurrent": _item(alive_owner, tagged=30),  # built, no container yet: kept
        f"{p}inuse00001": _item(gone_owner, tagged=60),  # a stopped container's image: kept
        f"{p}unlabelold": _item(tagged=2 * 3600),  # an older bench's, long ago: removed
        f"{p}unlabelnew": _item(tagged=60, created=30 * 86400),  # cached image, tagged now: kept
        "trends-anomaly-model:bench": _item(tagged=30 * 86400),  # not a run's own tag
        "trends-anomaly-model:test": _item(tagged=30 * 86400),
    }


def test_the_sweep_removes_only_unused_tags_of_killed_benches(
    alive_owner: str, gone_owner: str
) -> None:
    docker = FakeDocker(_images(alive_owner, gone_owner), [f"{image_tags.TAG_PREFIX}inuse00001"])
    removed = image_tags.sweep(docker, now=NOW)
    p = image_tags.TAG_PREFIX
    assert removed == [f"{p}killed0001", f"{p}unlabelold"]
    assert set(docker.images) == {
        f"{p}concurrent", f"{p}inuse00001", f"{p}unlabelnew",
        "trends-anomaly-model:bench", "trends-anomaly-model:test",
    }  # fmt: skip
    assert all("-f" not in call and "--force" not in call for call in docker.calls)


def test_the_bench_removes_a_killed_runs_tag_before_it_builds_its_own_labelled_one(
    monkeypatch: pytest.MonkeyPatch, alive_owner: str, gone_owner: str
) -> None:
    """A killed `python -m bench --only image` left `trends-anomaly-model:bench-<hex>` behind
    (its container is swept, by its watcher or devstack/owners.py; the tag was not), one more
    with every such run. The next bench removes it at its start, and labels its own image with
    itself as owner, so that a later bench keeps it while it runs and removes it once killed."""
    docker = FakeDocker(_images(alive_owner, gone_owner), [f"{image_tags.TAG_PREFIX}inuse00001"])
    monkeypatch.setattr(mc, "docker", docker)
    monkeypatch.setattr(mc, "ensure_engine", lambda: None)
    monkeypatch.setattr(mc, "resolve_base", lambda log: mc.Base("base:1", False, "test"))
    monkeypatch.setattr(image, "trends_csv", lambda points: b"")
    built: list[str] = []

    def measure(tag: str, *_: object) -> None:
        built.append(tag)
        labels = docker.images[tag]["Config"]["Labels"]
        assert labels == {image_tags.OWNER_LABEL: owners.identity(os.getpid())}
        assert f"{image_tags.TAG_PREFIX}killed0001" not in docker.images  # gone before

    monkeypatch.setattr(image, "_measure", measure)
    image.run(quick=True)
    (tag,) = built
    kinds = [call[0] for call in docker.calls]
    swept = docker.calls.index(("rmi", f"{image_tags.TAG_PREFIX}killed0001"))
    assert swept < kinds.index("build")
    p = image_tags.TAG_PREFIX
    assert f"{p}unlabelold" not in docker.images and tag not in docker.images  # its own: untagged
    assert {f"{p}concurrent", f"{p}inuse00001", f"{p}unlabelnew"} <= set(docker.images)


@pytest.mark.parametrize("fails", ["images", "ps"])
def test_when_docker_cannot_say_nothing_is_removed(
    alive_owner: str, gone_owner: str, fails: str
) -> None:
    docker = FakeDocker(_images(alive_owner, gone_owner), [])

    def failing(*args: str, check: bool = True, timeout: float | None = None) -> Any:
        if args[0] == fails:
            return subprocess.CompletedProcess(args, 1, "", "Cannot connect to the Docker daemon")
        return docker(*args, check=check, timeout=timeout)

    assert image_tags.sweep(failing, now=NOW) == []
    assert not [call for call in docker.calls if call[0] == "rmi"]


def test_dockers_times_are_read_to_the_microsecond_and_the_zero_time_is_none() -> None:
    assert image_tags._stamp("2026-12-05T21:00:00.123456789Z") == pytest.approx(
        datetime(2026, 12, 5, 21, 0, 0, 123456, tzinfo=UTC).timestamp()
    )
    assert (
        image_tags._stamp("2026-12-05T21:00:00Z")
        == datetime(2026, 12, 5, 21, tzinfo=UTC).timestamp()
    )
    assert image_tags._stamp("2026-12-05T22:00:00.5+01:00") == pytest.approx(
        datetime(2026, 12, 5, 21, 0, 0, 500000, tzinfo=UTC).timestamp()
    )
    for none in ("0001-01-01T00:00:00Z", "", None, "yesterday"):
        assert image_tags._stamp(none) is None
