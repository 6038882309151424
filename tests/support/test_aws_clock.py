"""The test server's clock: frozen while the tests' server runs, so a slow machine's real time
never eats AWS's delays as the server plays them."""

from __future__ import annotations

import json
import time
import types

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.deploy.deploy_helpers import SAGEMAKER_TRUST
from tests.support import aws_clock
from tests.support.aws_clock import CLOCK, SkippingClock, reset_delays, set_delays
from tests.support.moto_server import fake_aws_env, moto_server, reset


class Machine:
    """time.monotonic as aws_clock reads it, with real seconds passed at will (no sleeping)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lag = 0.0
        shim = types.SimpleNamespace(monotonic=lambda: time.monotonic() + self.lag)
        monkeypatch.setattr(aws_clock, "time", shim)

    def stalls(self, seconds: float) -> None:
        self.lag += seconds


def test_a_frozen_clock_moves_by_sleeps_alone_and_thaws_where_it_stood(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    machine, clock = Machine(monkeypatch), SkippingClock()
    start = clock.now()
    machine.stalls(5)
    assert clock.now() >= start + 5  # real time counts by default
    clock.freeze()
    frozen = clock.now()
    machine.stalls(40)
    clock.sleep(2)
    assert clock.now() == frozen + 2
    clock.freeze()  # a second server froze it too
    clock.thaw()  # one stops: still frozen for the other
    machine.stalls(40)
    assert clock.now() == frozen + 2
    clock.thaw()
    thawed = clock.now()
    assert frozen + 2 <= thawed < frozen + 3  # from where it stood, never back
    machine.stalls(5)
    assert clock.now() >= thawed + 5


def test_an_aws_delay_lasts_its_seconds_on_the_clock_however_slow_the_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 300 s deletion stepped 299 s was over when the calls around the step took a second of
    real time (as on a loaded CI runner): the server measured its delays on real time too."""
    machine = Machine(monkeypatch)
    with moto_server() as url:
        fake_aws_env(monkeypatch, url)
        reset(url)
        try:
            set_delays(role_assume_s=10)
            role = boto3.client("iam").create_role(  # assumable 10 s on from here
                RoleName="slow", AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST)
            )["Role"]["Arn"]
            machine.stalls(60)  # a minute of a loaded machine, not of AWS
            CLOCK.sleep(9)
            model = {"ModelName": "m", "ExecutionRoleArn": role, "PrimaryContainer": {"Image": "x"}}
            with pytest.raises(ClientError, match="Could not assume role"):
                boto3.client("sagemaker").create_model(**model)
            CLOCK.sleep(2)
            boto3.client("sagemaker").create_model(**model)
        finally:
            reset_delays()


def test_a_frozen_clock_reads_a_saved_reading_again_and_a_running_one_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`back_to`: what a restored server state needs (tests/support/moto_snapshot.py)."""
    machine, clock = Machine(monkeypatch), SkippingClock()
    with pytest.raises(RuntimeError, match="not frozen"):
        clock.back_to(clock.now())
    clock.freeze()
    saved = clock.now()
    clock.sleep(900)
    machine.stalls(30)
    clock.back_to(saved)
    assert clock.now() == saved
    clock.sleep(10)
    assert clock.now() == saved + 10
