"""How many times a plan and an apply ask ECR about the model's image (moto server, counted
as sent, by a botocore ``before-send`` hook on every session the commands make). The plan
described the same image twice within milliseconds (the digest compared with the serving
one, then whether it is there at all); apply's check right before CreateModel reads it again
on purpose (it may have changed since the plan)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from deploy.aws import Aws
from deploy.aws_errors import error_code
from deploy.cli import main
from tests.deploy.deploy_helpers import (
    IMAGE2,
    PROJECT,
    engine,
    on_every_session,
    push_fake_image,
    session,
)

pytestmark = pytest.mark.usefixtures("aws_env")


def _counting(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """DescribeImages requests sent to moto, by the image tag asked for."""
    sent: Counter[str] = Counter()

    def count(request: Any, **_: Any) -> None:
        for image in json.loads(request.body)["imageIds"]:
            sent[image.get("imageTag") or image.get("imageDigest")] += 1

    on_every_session(monkeypatch, ("before-send.ecr.DescribeImages", count))
    return sent


def test_plan_then_apply_describe_the_new_image_once_each_and_once_before_create_model(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine(project).apply()  # IMAGE serves
    push_fake_image(PROJECT, IMAGE2.rsplit(":", 1)[1])
    sent = _counting(monkeypatch)
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "plan", "--image", IMAGE2]) == 2
    assert sent["test-2"] == 1, sent
    sent.clear()
    assert main(["--config", cfg, "apply", "--image", IMAGE2]) == 0
    assert sent["test-2"] == 2, sent  # the plan's, and the check before CreateModel


def test_reads_once_answers_a_repeated_read_with_the_first_answer_its_error_too() -> None:
    """`Aws.reads_once`: inside, the same request is sent once (an error replayed as the same
    error); outside, it is sent again; another request is sent as usual."""
    push_fake_image(PROJECT, "there")
    aws = Aws("us-east-1", session())
    ecr = aws.client("ecr")
    sent: list[bytes] = []
    ecr.meta.events.register("before-send.ecr.DescribeImages", lambda request, **_: sent.append(1))

    def describe(tag: str) -> str:
        try:
            found = ecr.describe_images(repositoryName=PROJECT, imageIds=[{"imageTag": tag}])
        except botocore.exceptions.ClientError as err:
            return error_code(err)
        return str(found["imageDetails"][0]["imageDigest"])

    with aws.reads_once("ecr", "DescribeImages"):
        first = [describe("there"), describe("gone")]
        assert [describe("there"), describe("gone")] == first
        assert first[1] == "ImageNotFoundException" and first[0].startswith("sha256:")
        assert len(sent) == 2
    assert [describe("there"), describe("gone")] == first
    assert len(sent) == 4
    with pytest.raises(ValueError):
        aws.reads_once("ecr", "PutImage").__enter__()


def test_a_read_answered_from_memory_is_not_counted_as_an_aws_call() -> None:
    """`Aws.reads_once` answers a repeated read without sending it: the call log counted it
    anyway, so apply's "N AWS calls" and the log's summary said more calls than AWS saw. It
    counts the calls sent; the summary names those answered from memory apart."""
    push_fake_image(PROJECT, "there")
    aws = Aws("us-east-1", session())
    sent: list[int] = []
    aws.client("ecr").meta.events.register(
        "before-send.ecr.DescribeImages", lambda request, **_: sent.append(1)
    )
    with aws.reads_once("ecr", "DescribeImages"):
        for _ in range(3):
            aws.client("ecr").describe_images(
                repositoryName=PROJECT, imageIds=[{"imageTag": "there"}]
            )
    assert len(sent) == 1
    assert aws.log.calls == [("ecr", "DescribeImages")]
    assert aws.log.remembered == [("ecr", "DescribeImages")] * 2
    assert aws.log.summary() == (
        "ecr:DescribeImages×1 (answered from memory, not sent: ecr:DescribeImages×2)"
    )
