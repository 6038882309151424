"""What the bootstrap CLI tests share: one project in one region of a moto server, the
config.yaml that names it, and the IAM client that inspects what bootstrap made."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.support.moto_server import fake_aws_env, reset

REPO = "octo/trends"
PROJECT = "bootproj"
REGION = "eu-west-1"


@pytest.fixture
def iam(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Fake credentials pointed at moto; moto state reset between tests."""
    fake_aws_env(monkeypatch, moto_url, REGION)
    reset(moto_url)
    yield boto3.client("iam", region_name=REGION)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"project: {PROJECT}\nregion: {REGION}\n", encoding="utf-8")
    return path
