"""The model container's own start and stop on the real Docker engine (marker ``container``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack import model_container
from devstack.model_container import ModelContainer


@pytest.mark.container
def test_ctrl_c_while_the_container_starts_leaves_no_container(tmp_path: Path, monkeypatch) -> None:
    """A KeyboardInterrupt (Ctrl-C, or SIGTERM as the bench and make up raise it) between
    `docker run` and the first answer to /ping left the container running: start() raised
    before returning it, so no caller had it to stop (the bench2 pass's list; bench/image.py
    had worked around it). start() now stops and removes what it ran, and raises on."""
    from tests.support.model_image import built_image

    image = built_image().tag

    def interrupted(url: str) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(model_container, "_ping", interrupted)
    container = ModelContainer(image, 0, workers=1, model_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        container.start(timeout_s=60)
    left = model_container.docker(
        "ps", "-a", "--filter", f"name=^{container.name}$", "--format", "{{.Names}}", check=False
    ).stdout.split()
    if left:
        model_container.docker("rm", "-f", *left, check=False)  # not left to the next test
    assert left == []
