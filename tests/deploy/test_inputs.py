"""The local inputs of a plan: image URI (built or given), Lambda zip, site files."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.config import ConfigError, parse_config
from deploy.image import image_tag
from deploy.inputs import check_sources, gather
from deploy.naming import Names

N = Names("trends-anomaly", "123456789012", "us-east-1")


def project(root: Path) -> Path:
    (root / "lambda").mkdir()
    (root / "lambda" / "handler.py").write_text("x = 1\n")
    (root / "site" / "dist").mkdir(parents=True)
    (root / "site" / "dist" / "index.html").write_text("<html>")
    (root / "model").mkdir()
    (root / "model" / "serve").write_text("#!/bin/sh\n")
    return root


def test_built_image_named_by_the_context_hash(tmp_path: Path) -> None:
    inp = gather(parse_config({}), project(tmp_path), N)
    assert inp.build_image and inp.image_uri.endswith(":" + image_tag(tmp_path / "model"))
    assert inp.lambda_package.files == ("handler.py",)
    assert [f.key for f in inp.site_files] == ["index.html"]


ECR_Z = "123456789012.dkr.ecr.us-east-1.amazonaws.com/z:2"


def test_a_given_image_is_not_built_and_absolute_paths_stay(tmp_path: Path) -> None:
    root = project(tmp_path)
    given = gather(parse_config({}), root, N, image="x/y:1")
    assert (given.image_uri, given.build_image) == ("x/y:1", False)
    cfg = parse_config(
        {
            "model": {"image": ECR_Z},
            "api": {"lambda": {"source": str(root / "lambda")}},
            "site": {"source": str(root / "site" / "dist")},
        }
    )
    inp = gather(cfg, Path("/nonexistent"), N)
    assert (inp.image_uri, inp.build_image) == (ECR_Z, False)


@pytest.mark.parametrize(
    ("key", "written", "why"),
    [
        ("site.source", "x" * 300, "File name too long"),
        ("api.lambda.source", "lambda/" + "y" * 256, "File name too long"),
        ("model.build_context", "m" * 5000, "File name too long"),
    ],
)
def test_a_directory_the_system_cannot_look_up_is_named_by_its_key(
    tmp_path: Path, key: str, written: str, why: str
) -> None:
    """A path the operating system refuses to look up (a name over 255 bytes; or, not tested
    as root, a directory it may not enter) raised OSError out of Path.exists(): a traceback
    from `plan`, not its key."""
    section, _, name = key.rpartition(".")
    data: dict = {}
    node = data
    for part in section.split("."):
        node = node.setdefault(part, {})
    node[name] = written
    with pytest.raises(ConfigError) as err:
        check_sources(parse_config(data), project(tmp_path))
    msg = str(err.value)
    assert msg.startswith(f"{key}: {written!r} cannot be looked up ({why}"), msg
    assert "relative to" in msg, msg


@pytest.mark.parametrize(
    ("key", "unreadable"),
    [
        ("model.build_context", "model/serve"),
        ("api.lambda.source", "lambda/handler.py"),
        ("site.source", "site/dist/index.html"),
    ],
)
def test_a_file_the_system_will_not_let_plan_read_is_named_by_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, unreadable: str
) -> None:
    """A file a root-run build left behind mode 0600 (say): reading it raised PermissionError
    out of gather, a traceback from `plan`. The refusal is simulated (these tests may run as
    root, whom no mode stops)."""
    root = project(tmp_path)
    read, open_ = Path.read_bytes, Path.open

    def refused(self: Path) -> None:
        if self == root / unreadable:
            raise PermissionError(13, "Permission denied", str(self))

    def refuse(self: Path) -> bytes:
        refused(self)
        return read(self)

    def refuse_open(self: Path, *args, **kwargs):  # the image's hash reads in blocks
        refused(self)
        return open_(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setattr(Path, "open", refuse_open)
    with pytest.raises(ConfigError) as err:
        gather(parse_config({}), root, N)
    msg = str(err.value)
    assert msg.startswith(f"{key}: cannot read {root / unreadable} (Permission denied)"), msg


def test_a_build_context_past_any_models_size_is_named_by_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`plan` says it as a config error (one `error:` line, exit 1), by key."""
    from deploy import image

    root = project(tmp_path)
    monkeypatch.setattr(image, "MAX_CONTEXT_FILES", 0)
    with pytest.raises(ConfigError) as err:
        gather(parse_config({}), root, N)
    msg = str(err.value)
    assert msg.startswith(f"model.build_context: {root / 'model'} holds more than 0 files"), msg
