"""The image part of a real `python -m bench --only image --quick`, on the real Docker engine,
stopped while its containers start: it leaves no container and no tag of its own, and it
never touches a tag another run may be using."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from bench.image_tags import TAG_PREFIX
from devstack.model_container import docker
from tests.bench import benchproc
from tests.support.model_image import built_image

pytestmark = pytest.mark.container

IMAGE_PART = """
import sys
import bench.__main__ as m
sys.exit(m.main(["--only", "image", "--quick"]))
"""
# The one tag every run used to build, `rmi -f` and leave behind.
SHARED_TAG = "trends-anomaly-model:bench"


def _containers() -> set[str]:
    """The containers of a bench's image (by its tag prefix): not every container, since
    another xdist worker may start one of its own while this test runs. Counting any new one
    sent the stop on another worker's container (while the bench still built its image) and
    counted that container as the bench's leftover (reproduced: "containers outlived the
    bench" with a `docker run` of another image in the bench's first seconds)."""
    out = docker("ps", "-a", "--format", "{{.Names}} {{.Image}}").stdout
    rows = (line.split(" ", 1) for line in out.splitlines() if " " in line)
    return {name for name, image in rows if image.startswith(TAG_PREFIX)}


def _tags() -> set[str]:
    out = docker("images", "--format", "{{.Repository}}:{{.Tag}}", "trends-anomaly-model")
    return set(out.stdout.split())


def _image_id(tag: str) -> str | None:
    proc = docker("image", "inspect", "-f", "{{.Id}}", tag, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def test_a_stopped_image_part_leaves_no_container_and_no_tag(tmp_path: Path) -> None:
    """A Ctrl-C (or SIGTERM) in the image part's loop of five starts left the container it
    had started running (no try/finally between start and stop: `docker ps` showed it "Up"
    after the bench had exited). Every run built, `rmi -f`-ed and left behind the one tag
    trends-anomaly-model:bench: a second run at the same time untagged the image the first
    was still starting containers from (its next `docker run` ended in "No such image"), or
    re-tagged it under it. Here another run's image holds that tag while this one runs."""
    build = built_image()
    earlier = _image_id(SHARED_TAG)
    docker("tag", build.base.image, SHARED_TAG)  # another run's image, by the shared name
    other = _image_id(SHARED_TAG)
    containers, tags = _containers(), _tags()
    child = benchproc.start(tmp_path, code=IMAGE_PART)
    try:
        # Bounds against waiting forever, not timings: the build is cached (--quick).
        deadline = time.monotonic() + 600
        while not (_containers() - containers) and child.poll() is None:
            assert time.monotonic() < deadline, "no container started"
            time.sleep(0.1)
        assert child.poll() is None, child.communicate()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=180)
    finally:
        benchproc.stop(child)
        left = _containers() - containers
        for name in left:  # not left to the next test
            docker("rm", "-f", name, check=False)
        still, tags_after = _image_id(SHARED_TAG), _tags()
        if earlier:
            docker("tag", earlier, SHARED_TAG)
        else:
            docker("rmi", SHARED_TAG, check=False)
    assert child.returncode == 130, out + err
    assert left == set(), "containers outlived the bench"
    assert still == other, "the run moved or removed the tag another run was using"
    # Fewer is allowed: a killed earlier run's bench tag is removed at the start (image_tags).
    assert tags_after - tags == set(), "the run left a tag of its own"
