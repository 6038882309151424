"""Fixtures for the resource modules' own tests: AWS clients answered by botocore's Stubber
(the exact calls and parameters are the assertions), an executor that never sleeps, and the
local inputs of a plan built in memory."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest

from deploy.aws import Aws
from deploy.config import Config, parse_config
from deploy.executor import Executor
from deploy.inputs import Inputs
from deploy.lambda_package import LambdaPackage
from deploy.naming import Names
from deploy.plan import Action
from deploy.site_manifest import SiteFile

ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:src-0123456789ab"


def make_aws(region: str = "us-east-1") -> Aws:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )
    return Aws(region, session)


@pytest.fixture(autouse=True)
def nowhere(monkeypatch: pytest.MonkeyPatch, closed_port: int) -> None:
    """A call no Stubber answers goes to a closed loopback port and fails at once: never AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "0")


@pytest.fixture
def aws() -> Aws:
    return make_aws()


def names(region: str = "us-east-1", project: str = "trends-anomaly") -> Names:
    return Names(project, ACCOUNT, region)


def config(**overrides: object) -> Config:
    return parse_config(overrides)


def inputs(n: Names | None = None, image: str = IMAGE, build: bool = False) -> Inputs:
    from pathlib import Path

    return Inputs(
        names=n or names(),
        image_uri=image,
        build_image=build,
        build_context=Path("/tmp/model"),
        push_commands=(
            (
                "docker",
                "build",
                "--force-rm",
                "--platform",
                "linux/amd64",
                "-t",
                image,
                "/tmp/model",
            ),
            ("docker", "push", image),
        ),
        lambda_package=LambdaPackage(b"PK-zip-bytes", ("handler.py",)),
        site_files=(
            SiteFile(
                "assets/app-5QZ3YVJK.js", b"js", "text/javascript; charset=utf-8", "immutable"
            ),
            SiteFile("index.html", b"<html>", "text/html; charset=utf-8", "no-cache"),
        ),
    )


def execute(aws: Aws, *actions: Action, known: dict[str, str] | None = None) -> list[str]:
    """Run the actions' steps against the (stubbed) clients; returns the log lines."""
    lines: list[str] = []
    Executor(aws, dict(known or {}), lines.append, lambda _s: None).run(list(actions))
    return lines


Run = Callable[..., list[str]]
