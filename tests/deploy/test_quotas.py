"""Quotas in plan: the endpoint's instance quota read from Service Quotas on the moto server,
which plays an account as AWS answers it (applied values only from ListServiceQuotas; the
default from ListAWSDefaultServiceQuotas), warned about with the console link."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import quotas
from deploy.cli import main
from tests.deploy.deploy_helpers import IMAGE, engine
from tests.support.moto_quotas import QUOTAS, Quota

pytestmark = pytest.mark.usefixtures("aws_env")
M5 = "ml.m5.large for endpoint usage"


def test_an_applied_value_is_read_else_the_aws_default(project: Path) -> None:
    aws = engine(project).aws
    got = quotas.read_quota(aws, M5)
    assert got is not None and (got.value, got.applied) == (4, True)
    QUOTAS[M5] = Quota(default=0)  # nobody raised it: ListServiceQuotas leaves it out
    got = quotas.read_quota(aws, M5)
    assert got is not None and (got.value, got.applied) == (0, False)
    assert quotas.read_quota(aws, "ml.nothing for endpoint usage") is None


def test_plan_warns_when_the_account_cannot_run_the_endpoint(project: Path, capsys) -> None:
    QUOTAS[M5] = Quota(default=0)
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", IMAGE]) == 2
    out = capsys.readouterr().out
    (line,) = [x for x in out.splitlines() if x.startswith("Warning:")]
    assert f"'{M5}' is 0 (AWS default), but the endpoint needs 1" in line
    assert "ResourceLimitExceeded" in line
    code = quotas.read_quota(engine(project).aws, M5).code
    assert (
        f"https://us-east-1.console.aws.amazon.com/servicequotas/home/services/sagemaker/quotas/{code}"
        in line
    )


def test_blue_green_needs_twice_the_fleet_once_the_endpoint_exists(project: Path) -> None:
    QUOTAS[M5] = Quota(default=0, applied=1)
    assert engine(project).plan().warnings == []  # creating needs 1: enough
    engine(project).apply()
    (warning,) = engine(project).plan().warnings
    assert "blue/green update runs the old and the new fleet together and needs 2" in warning
    QUOTAS[M5] = Quota(default=0, applied=2)
    assert engine(project).plan().warnings == []


def test_serverless_concurrency_is_the_accounts_shared_quota(project: Path) -> None:
    path = project / "config.yaml"
    text = path.read_text().replace(
        "  instance_count: 1\n", "  serverless: {memory_mb: 2048, max_concurrency: 20}\n"
    )
    path.write_text(text.replace("  instance_type: ml.m5.large\n", ""))
    (warning,) = engine(project).plan().warnings
    assert "is 10 (AWS default), but endpoint.serverless.max_concurrency is 20" in warning


def test_unreadable_quotas_are_a_warning_not_a_failure(project: Path, monkeypatch) -> None:
    import botocore.exceptions

    def denied(*_a, **_k):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListServiceQuotas"
        )

    eng = engine(project)
    world = eng.plan().world
    monkeypatch.setattr(eng.aws, "pages", denied)
    (warning,) = quotas.warnings(eng.aws, eng.cfg, world)
    assert warning.startswith("could not read the Service Quotas for SageMaker")
