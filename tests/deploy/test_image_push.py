"""`deploy apply`'s build-and-push path, end to end into a real registry on 127.0.0.1: what
media type does the pushed manifest have? SageMaker's CreateModel accepts only Docker v2
schema 2. On this machine's engine (no buildx plugin) the path is the legacy builder's
`docker build` + `docker push`; where buildx exists (GitHub's runners, Docker Desktop) it is
`docker buildx build ... --provenance=false --sbom=false ... oci-mediatypes=false`."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.image import DOCKER_V2_MANIFEST, has_buildx, push_image
from devstack.model_container import MODEL_DIR, docker
from tests.support.model_image import built_image, note
from tests.support.registry import NoRegistry, Registry, ensure_registry_tools, local_registry

pytestmark = pytest.mark.container


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    built_image()  # skips first where no engine can run
    try:
        ensure_registry_tools()
    except NoRegistry as exc:
        pytest.skip(f"no local registry: {exc}")
    with local_registry(tmp_path) as running:
        yield running


def test_the_pushed_manifest_is_docker_v2_schema_2(registry: Registry) -> None:
    build = built_image()  # the base this machine can build on
    uri = f"{registry.host}/trends-anomaly-model:push-check"
    lines: list[str] = []
    try:
        push_image(uri, str(MODEL_DIR), lines.append, build_args={"BASE_IMAGE": build.base.image})
        content_type, manifest = registry.manifest("trends-anomaly-model", "push-check")
        path = "buildx" if has_buildx() else "legacy builder, no buildx plugin"
        note(f"deploy's push path [{path}] into a registry on 127.0.0.1: {content_type}")
        assert content_type == DOCKER_V2_MANIFEST, (content_type, lines)
        assert manifest["mediaType"] == DOCKER_V2_MANIFEST
        assert manifest["config"]["mediaType"] == "application/vnd.docker.container.image.v1+json"
        assert manifest["layers"] and all(
            layer["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar.gzip"
            for layer in manifest["layers"]
        )
        if shutil.which("skopeo"):  # a second reader: what skopeo sees, with the platform
            raw = subprocess.run(
                ["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{uri}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert json.loads(raw)["mediaType"] == DOCKER_V2_MANIFEST
            config = subprocess.run(
                ["skopeo", "inspect", "--tls-verify=false", "--config", f"docker://{uri}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert (json.loads(config)["os"], json.loads(config)["architecture"]) == (
                "linux",
                "amd64",
            )
    finally:
        docker("rmi", uri, check=False)


def test_a_failed_legacy_build_leaves_no_container_behind(tmp_path: Path) -> None:
    """The legacy builder keeps a failed step's container (``--rm`` removes them only after a
    build that succeeds): every failed `deploy apply` build on an operator's machine would
    leave one. ``--force-rm`` removes it, as devstack's build already does."""
    build = built_image()  # skips first where no engine can run
    if has_buildx():
        pytest.skip("buildx removes its own build containers; this is the legacy builder's")
    (tmp_path / "Dockerfile").write_text(
        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo failing on purpose && false\n"
    )

    def containers() -> set[str]:
        return set(docker("ps", "-aq", "--no-trunc").stdout.split())

    before = containers()
    with pytest.raises(Exception, match=r"failing on purpose|returned a non-zero code"):
        push_image(
            "127.0.0.1:1/never-pushed:x",
            str(tmp_path),
            lambda _line: None,
            build_args={"BASE_IMAGE": build.base.image},
            buildx=False,
        )
    assert containers() - before == set()
