"""The Lambda in-process as Lambda runs it: a fresh import per stack, deploy's environment."""

from __future__ import annotations

import os

import pytest

from deploy.config import parse_config
from deploy.resources.lambda_function import function_environment
from devstack.lambda_container import apply_environment, handler_environment, load_handler


def test_each_load_is_a_new_container() -> None:
    first, second = load_handler(), load_handler()
    assert first is not second and first.__module__ != second.__module__
    assert first.__globals__["runtime_client"] is not second.__globals__["runtime_client"]


def test_the_environment_is_deploys_pointed_at_the_stand_in() -> None:
    cfg = parse_config({"endpoint": {"serverless": {}}, "region": "eu-west-1"})
    env = handler_environment(cfg, "http://127.0.0.1:9")
    assert {k: env[k] for k in function_environment(cfg)} == function_environment(cfg)
    assert env["MAX_BODY_BYTES"] == str(4 * 1024 * 1024)
    assert env["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] == "http://127.0.0.1:9"
    assert env["AWS_REGION"] == "eu-west-1" and env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["AWS_PROFILE"] is None and env["AWS_SESSION_TOKEN"] is None  # unset: no real keys


def test_apply_environment_sets_unsets_and_gives_back_the_old(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEVSTACK_T_A", "old")
    monkeypatch.delenv("DEVSTACK_T_B", raising=False)
    saved = apply_environment({"DEVSTACK_T_A": None, "DEVSTACK_T_B": "new"})
    assert "DEVSTACK_T_A" not in os.environ and os.environ["DEVSTACK_T_B"] == "new"
    apply_environment(saved)
    assert os.environ["DEVSTACK_T_A"] == "old" and "DEVSTACK_T_B" not in os.environ
