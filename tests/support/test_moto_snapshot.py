"""The moto server's state saved and put back: the resources, what the patched server keeps on
them (a role's propagation), its clock and delays; a saved state restores any number of
times."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.deploy.deploy_helpers import SAGEMAKER_TRUST
from tests.support.aws_clock import CLOCK, DELAYS, reset_delays, set_delays
from tests.support.moto_server import fake_aws_env, moto_server, reset
from tests.support.moto_snapshot import restore, save

LAMBDA_TRUST = json.loads(json.dumps(SAGEMAKER_TRUST).replace("sagemaker", "lambda"))


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def test_a_saved_state_comes_back_whole_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    with moto_server() as url:
        fake_aws_env(monkeypatch, url)
        reset(url)
        try:
            iam, lam, s3 = boto3.client("iam"), boto3.client("lambda"), boto3.client("s3")
            set_delays(role_assume_s=0)
            role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
            lam.create_function(
                FunctionName="f", Runtime="python3.12", Role=role["Role"]["Arn"],
                Handler="handler.handler", Code={"ZipFile": _zip()},
            )  # fmt: skip
            set_delays(role_assume_s=10)
            # A new trust policy: the role is not assumable for 10 s on the clock from here.
            iam.update_assume_role_policy(RoleName="r", PolicyDocument=json.dumps(LAMBDA_TRUST))
            saved, at = save(), CLOCK.now()
            for _ in range(2):
                lam.delete_function(FunctionName="f")
                iam.delete_role(RoleName="r")
                s3.create_bucket(Bucket="made-after")
                CLOCK.sleep(60)
                reset_delays()
                restore(saved, url)
                assert CLOCK.now() == at and DELAYS.role_assume_s == 10
                assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == []
                assert (
                    lam.get_function(FunctionName="f")["Configuration"]["Role"]
                    == (role["Role"]["Arn"])
                )
                sm = boto3.client("sagemaker")
                model = {
                    "ModelName": "m",
                    "ExecutionRoleArn": role["Role"]["Arn"],
                    "PrimaryContainer": {"Image": "x"},
                }
                with pytest.raises(ClientError, match="Could not assume role"):
                    sm.create_model(**model)  # still propagating, as when saved
        finally:
            reset_delays()
