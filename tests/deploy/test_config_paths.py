"""config.yaml's directories (api.lambda.source, site.source, model.build_context) as `python
-m deploy` checks them, on the moto server: a missing one is named by its key and its path
before any AWS call, by the commands that read it only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploy.cli import main
from deploy.image import image_tag
from tests.deploy.deploy_helpers import IMAGE, PROJECT, edit_config, push_fake_image

pytestmark = pytest.mark.usefixtures("aws_env")


def _point(project: Path, key: str, where: str) -> None:
    """Set ``key`` (model.build_context, site.source or api.lambda.source) to ``where``."""
    if key == "api.lambda.source":
        edit_config(project, "api:\n", f"api:\n  lambda:\n    source: {where}\n")
        return
    section, name = key.split(".")
    path = project / "config.yaml"
    path.write_text(path.read_text() + f"{section}:\n  {name}: {where}\n")


@pytest.mark.parametrize(
    ("key", "typo", "argv"),
    [
        ("model.build_context", "modle", ["plan"]),
        ("api.lambda.source", "lamda", ["plan", "--image", IMAGE]),
        ("site.source", "site/dst", ["plan", "--image", IMAGE]),
        ("model.build_context", "modle", ["apply"]),
        ("model.build_context", "modle", ["image"]),
    ],
)
def test_a_missing_directory_is_named_by_its_key_before_any_aws_call(
    project: Path, capsys, monkeypatch, key: str, typo: str, argv: list[str]
) -> None:
    _point(project, key, typo)
    # No AWS at all: the credentials gone, any call would fail with "no credentials".
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--config", str(project / "config.yaml"), *argv]) == 1
    err = capsys.readouterr().err
    said = f"error: {key}: {typo!r} does not exist (relative to {project.resolve()}"
    assert err.startswith(said), err
    assert err.count("\n") == 1 and "credentials" not in err, err


def test_a_source_that_is_a_file_is_named_too(project: Path, capsys) -> None:
    (project / "lambda.py").write_text("")
    _point(project, "api.lambda.source", "lambda.py")
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", IMAGE]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: api.lambda.source: 'lambda.py' is not a directory"), err


@pytest.mark.parametrize("argv", [["status"], ["destroy"], ["plan", "--image", IMAGE]])
def test_commands_that_do_not_read_a_directory_do_not_need_it(
    project: Path, capsys, argv: list[str]
) -> None:
    """status and destroy read AWS only; with --image nothing is built from the model."""
    shutil.rmtree(project / "model")
    if argv[0] != "plan":
        shutil.rmtree(project / "lambda")
        shutil.rmtree(project / "site")
    assert main(["--config", str(project / "config.yaml"), *argv]) in (0, 2)
    assert "error" not in capsys.readouterr().err


def test_image_needs_the_model_only(project: Path, capsys) -> None:
    """`deploy image` builds the model and nothing else: a checkout without the Lambda's
    sources or the built page (CI's image job before `make site`) was refused for them."""
    shutil.rmtree(project / "lambda")
    shutil.rmtree(project / "site")
    digest = push_fake_image(PROJECT, image_tag(project / "model"))  # in ECR: nothing built
    assert main(["--config", str(project / "config.yaml"), "image"]) == 0
    captured = capsys.readouterr()
    assert "error" not in captured.err, captured.err
    assert captured.out.strip().endswith(f"{PROJECT}@{digest}"), captured.out


@pytest.mark.parametrize(
    ("key", "where", "said"),
    [
        # A directory that exists but holds none of the Lambda's sources.
        ("api.lambda.source", "site", "api.lambda.source: 'site' has no *.py file to package"),
        # One that holds no built page (here, the Lambda's sources).
        ("site.source", "lambda", "site.source: 'lambda' has no index.html"),
    ],
)
def test_a_directory_without_what_it_is_for_is_named_before_any_aws_call(
    project: Path, capsys, monkeypatch, key: str, where: str, said: str
) -> None:
    """A directory that exists but holds no Lambda sources, or no built page, failed after the
    account lookup with the path alone ('<dir>: no *.py files to package for the Lambda'):
    the key to fix was left to guess."""
    _point(project, key, where)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", IMAGE]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {said}"), err
    assert "credentials" not in err, err


@pytest.mark.parametrize(
    ("block", "env", "said"),
    [
        # Set under the environment: that is the line to edit.
        (
            "environments:\n  staging:\n    site:\n      source: site/dst\n",
            "staging",
            "environments.staging.site.source: 'site/dst'",
        ),
        # Set by the previews' template.
        ("preview:\n  site:\n    source: site/dst\n", "pr-7", "preview.site.source: 'site/dst'"),
        # Inherited from the top level: the top-level key is the one to edit.
        (
            "site:\n  source: site/dst\nenvironments:\n  staging:\n    endpoint:\n"
            "      instance_count: 1\n",
            "staging",
            "site.source: 'site/dst'",
        ),
    ],
)
def test_an_environments_directory_is_named_where_it_is_written(
    project: Path, capsys, monkeypatch, block: str, env: str, said: str
) -> None:
    """A missing directory an environment sets was named `site.source`: the top-level key,
    which the file may not even have, while the line to fix is under the environment."""
    config = project / "config.yaml"
    config.write_text(config.read_text() + block)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    argv = ["--config", str(config), "plan", "--env", env, "--image", IMAGE]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {said} does not exist"), err
