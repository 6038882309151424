"""Fixtures: a moto server on 127.0.0.1 (server mode, real boto3 clients via AWS_ENDPOINT_URL)
and a throw-away project directory (config, lambda sources, built site, model context)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from deploy.engine import Engine
from tests.deploy.deploy_helpers import (
    IMAGE,
    cli_shares_clients,
    image_in_ecr,
    make_project,
    make_role_boundaries,
)
from tests.support.aws_clock import CLOCK
from tests.support.moto_server import fake_aws_env, moto_server, reset


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def aws_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fake credentials, region, endpoint; a clean moto state for every test."""
    fake_aws_env(monkeypatch, moto_url)
    reset(moto_url)
    make_role_boundaries()  # bootstrap's, which the tests of a missing one delete
    # The CLI's engine sleeps on the test server's clock too: AWS's delays pass at once.
    monkeypatch.setattr("deploy.cli.Engine", partial(Engine, sleep=CLOCK.sleep, clock=CLOCK.now))
    return moto_url


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory: config.yaml, lambda/*.py, site/dist/ (small, fixed content)."""
    return make_project(tmp_path)


@pytest.fixture
def image_pushed(aws_env: str, project: Path) -> None:
    """``--image IMAGE`` is in ECR before the test's commands run, as after `deploy image` and
    a push (`image_in_ecr`): a plan that creates the repository refuses an image in it."""
    image_in_ecr(project, IMAGE)


@pytest.fixture
def cli_clients(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's commands in one test share their clients (`cli_shares_clients`), for a file
    whose tests run `deploy.cli.main` many times; a test that hooks the sessions still gets
    its own, and one that registers a hook on them takes it off with `cli_hooked`."""
    cli_shares_clients(monkeypatch)
