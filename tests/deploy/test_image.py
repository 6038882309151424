"""The model image: a content hash of the build context names the tag."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploy.aws import DeployError
from deploy.image import (
    build_commands,
    context_hash,
    describe_build,
    image_tag,
    image_uri,
    push_commands,
    run_subprocess,
)
from deploy.naming import Names


def test_the_tag_changes_with_content_and_mode_not_with_caches(tmp_path: Path) -> None:
    (tmp_path / "serve").write_text("#!/bin/sh\n")
    first = image_tag(tmp_path)
    assert first.startswith("src-") and len(first) == 16
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"1")
    (tmp_path / ".hidden").write_text("x")
    assert image_tag(tmp_path) == first
    os.chmod(tmp_path / "serve", 0o755)
    assert image_tag(tmp_path) != first
    with pytest.raises(FileNotFoundError, match=r"model\.build_context"):
        context_hash(tmp_path / "missing")


def test_uri_and_the_commands_the_plan_shows(monkeypatch) -> None:
    from deploy import image

    uri = image_uri(Names("p-x", "123456789012", "eu-west-1"), "src-1")
    assert uri == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/p-x:src-1"
    legacy = build_commands(uri, "model", buildx=False)
    assert describe_build(legacy) == (
        f"docker login (ECR token); docker build --platform linux/amd64 -t {uri} model; "
        f"docker push {uri}"
    )
    # What this machine's docker has decides the commands, at plan time.
    monkeypatch.setattr(image, "has_buildx", lambda: True)
    monkeypatch.setattr(image, "build_network", lambda: "host")
    (buildx,) = push_commands(uri, "model")
    assert buildx[:3] == ["docker", "buildx", "build"] and "--network" in buildx


def test_subprocess_failures_say_what_failed() -> None:
    lines: list[str] = []
    run_subprocess(["true"], lines.append)
    assert lines == ["    $ true"]
    with pytest.raises(DeployError, match=r"`sh -c echo boom >&2; exit 3 ...` failed \(3\): boom"):
        run_subprocess(["sh", "-c", "echo boom >&2; exit 3", "x"], lines.append)
    with pytest.raises(DeployError, match="building the model image needs Docker"):
        run_subprocess(["no-such-docker-here"], lines.append)
