"""Quotas in plan: the endpoint's instance quota read from Service Quotas on the moto server,
which plays an account as AWS answers it (applied values only from ListServiceQuotas; the
default from ListAWSDefaultServiceQuotas), warned about with the console link."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import quotas
from deploy.aws import Aws
from deploy.cli import main
from tests.deploy.deploy_helpers import (
    IMAGE,
    IMAGE2,
    edit_config,
    engine,
    image_in_ecr,
    other_endpoint,
    session,
    shared_engine,
)
from tests.support.moto_quotas import QUOTAS, Quota

pytestmark = pytest.mark.usefixtures("aws_env")
M5 = "ml.m5.large for endpoint usage"
M5_TYPE = "ml.m5.large"
M5X = "ml.m5.xlarge for endpoint usage"
ONE = {"InitialInstanceCount": 1}


def test_an_applied_value_is_read_else_the_aws_default(project: Path) -> None:
    aws = shared_engine(project).aws
    got = quotas.read_quota(aws, M5)
    assert got is not None and (got.value, got.applied) == (4, True)
    QUOTAS[M5] = Quota(default=0)  # nobody raised it: ListServiceQuotas leaves it out
    got = quotas.read_quota(aws, M5)
    assert got is not None and (got.value, got.applied) == (0, False)
    assert quotas.read_quota(aws, "ml.nothing for endpoint usage") is None


def test_plan_warns_when_the_account_cannot_run_the_endpoint(project: Path, capsys) -> None:
    QUOTAS[M5] = Quota(default=0)
    image_in_ecr(project)  # pushed, as before a first apply: no warning of a missing image
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", IMAGE]) == 2
    out = capsys.readouterr().out
    (line,) = [x for x in out.splitlines() if x.startswith("Warning:")]
    assert f"'{M5}' is 0 (AWS default), but the endpoint needs 1" in line
    assert "ResourceLimitExceeded" in line
    code = quotas.read_quota(shared_engine(project).aws, M5).code
    assert (
        f"https://us-east-1.console.aws.amazon.com/servicequotas/home/services/sagemaker/quotas/{code}"
        in line
    )


def test_only_a_switch_runs_two_fleets_an_unchanged_endpoint_needs_nothing(project: Path) -> None:
    """The check counts what the plan starts: a blue/green switch (a new model or instance
    type) runs the old and the new fleet together; a plan that changes nothing starts none."""
    QUOTAS[M5] = Quota(default=0, applied=1)
    assert shared_engine(project).plan().warnings == []  # creating needs 1: enough
    shared_engine(project).apply()
    assert shared_engine(project).plan().warnings == []  # nothing changes: nothing new runs
    (warning,) = shared_engine(project, image=IMAGE2).plan().warnings  # a new model
    assert (
        f"'{M5}' is 1 (applied), but the update needs 2: a blue/green switch (new model or "
        "instance type) runs the old fleet of 1 and the new one of 1 together"
    ) in warning
    QUOTAS[M5] = Quota(default=0, applied=2)
    assert shared_engine(project, image=IMAGE2).plan().warnings == []


def test_a_new_instance_type_needs_only_its_own_fleet_of_that_types_quota(project: Path) -> None:
    """SageMaker's endpoint quotas are per instance type ("ml.m5.xlarge for endpoint usage"),
    and its ResourceLimitExceeded counts that type's current use: the old fleet of another
    type, serving until the switch, holds none of the new type's quota."""
    QUOTAS[M5] = Quota(default=0, applied=2)
    QUOTAS[M5X] = Quota(default=0, applied=2)
    edit_config(project, "  instance_count: 1\n", "  instance_count: 2\n")
    shared_engine(project).apply()
    edit_config(project, "instance_type: ml.m5.large", "instance_type: ml.m5.xlarge")
    assert shared_engine(project).plan().warnings == []  # 2 of ml.m5.xlarge: enough
    QUOTAS[M5X] = Quota(default=0, applied=1)
    (warning,) = shared_engine(project).plan().warnings
    assert (
        f"'{M5X}' is 1 (applied), but the update needs 2: a blue/green switch to another "
        "instance type starts a fleet of 2 (the old fleet of 2 runs ml.m5.large, another "
        "quota)"
    ) in warning


def test_an_in_place_scale_needs_the_new_count_and_a_scale_down_nothing(project: Path) -> None:
    """UpdateEndpointWeightsAndCapacities adds instances next to the running ones (the account
    is charged its current use plus the delta), so a scale needs the new count, not twice it;
    a scale-down starts nothing."""
    QUOTAS[M5] = Quota(default=0, applied=2)
    shared_engine(project).apply()
    edit_config(project, "  instance_count: 1\n", "  instance_count: 2\n")
    assert shared_engine(project).plan().warnings == []  # 2 of 2: enough (it asked for 4)
    shared_engine(project).apply()
    QUOTAS[M5] = Quota(default=0, applied=1)
    edit_config(project, "  instance_count: 2\n", "  instance_count: 1\n")
    assert shared_engine(project).plan().warnings == []  # fewer: nothing new runs
    edit_config(project, "  instance_count: 1\n", "  instance_count: 3\n")
    (warning,) = shared_engine(project).plan().warnings
    assert (
        f"'{M5}' is 1 (applied), but scaling in place from 2 to 3 needs 3: the 2 running stay "
        "and 1 more start next to them (no second fleet)"
    ) in warning
    assert "UpdateEndpointWeightsAndCapacities would fail with ResourceLimitExceeded" in warning


def test_serverless_concurrency_is_the_accounts_shared_quota(project: Path) -> None:
    path = project / "config.yaml"
    text = path.read_text().replace(
        "  instance_count: 1\n", "  serverless: {memory_mb: 2048, max_concurrency: 20}\n"
    )
    path.write_text(text.replace("  instance_type: ml.m5.large\n", ""))
    (warning,) = shared_engine(project).plan().warnings
    assert "is 10 (AWS default), but endpoint.serverless.max_concurrency is 20" in warning


def test_unreadable_quotas_are_a_warning_not_a_failure(project: Path, monkeypatch) -> None:
    import botocore.exceptions

    def denied(*_a, **_k):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListServiceQuotas"
        )

    eng = engine(project)  # clients of its own: its Aws.pages is patched below
    planned = eng.plan()
    desired = eng.desired(planned.inputs)
    monkeypatch.setattr(eng.aws, "pages", denied)
    (warning,) = quotas.warnings(eng.aws, eng.cfg, planned.world, planned.actions, desired)
    assert warning.startswith("could not read the Service Quotas for SageMaker")


def test_a_serverless_concurrency_lowered_in_place_needs_nothing_more(project: Path) -> None:
    """A serverless max_concurrency is updated in place: raising it allocates the new value of
    the account's shared quota, lowering it allocates nothing more."""
    edit_config(
        project,
        "  instance_type: ml.m5.large\n  instance_count: 1\n",
        "  serverless: {memory_mb: 2048, max_concurrency: 4}\n",
    )
    shared_engine(project).apply()
    QUOTAS[quotas.SERVERLESS_QUOTA] = Quota(default=2)
    edit_config(project, "max_concurrency: 4", "max_concurrency: 3")
    assert shared_engine(project).plan().warnings == []
    edit_config(project, "max_concurrency: 3", "max_concurrency: 5")
    (warning,) = shared_engine(project).plan().warnings
    assert "is 2 (AWS default), but endpoint.serverless.max_concurrency is 5" in warning


def test_the_projects_other_stacks_draw_on_the_same_quota(project: Path) -> None:
    """Staging's endpoint holds an instance of the type production asks for: the account's
    quota is shared, so the plan counts it (and not another project's, whose name merely
    contains this one's, nor an endpoint of another instance type)."""
    sm = session().client("sagemaker")
    m5 = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    other_endpoint(sm, "trends-anomaly-staging", m5, project="trends-anomaly")
    other_endpoint(sm, "old-trends-anomaly", {**m5, "InitialInstanceCount": 3})
    other_endpoint(sm, "trends-anomaly-pr-7", {**m5, "InstanceType": "ml.c5.large"})
    QUOTAS[M5] = Quota(default=0, applied=2)
    assert shared_engine(project).plan().warnings == []  # 1 + staging's 1: enough
    QUOTAS[M5] = Quota(default=0, applied=1)
    (warning,) = shared_engine(project).plan().warnings
    assert (
        f"'{M5}' is 1 (applied), but the endpoint needs 1: creating it starts 1, and the "
        "project's other endpoints hold 1 instances (trends-anomaly-staging: 1); CreateEndpoint "
        "would fail with ResourceLimitExceeded. Ask for at least 2 at"
    ) in warning


def test_the_projects_other_serverless_endpoints_share_the_concurrency(project: Path) -> None:
    edit_config(
        project,
        "  instance_type: ml.m5.large\n  instance_count: 1\n",
        "  serverless: {memory_mb: 2048, max_concurrency: 4}\n",
    )
    sm = session().client("sagemaker")
    other_endpoint(
        sm,
        "trends-anomaly-pr-7",
        {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}},
        project="trends-anomaly",
    )
    assert shared_engine(project).plan().warnings == []  # 4 + 5 of the default 10
    edit_config(project, "max_concurrency: 4", "max_concurrency: 6")
    (warning,) = shared_engine(project).plan().warnings
    assert (
        "is 10 (AWS default), but endpoint.serverless.max_concurrency is 6 (shared by every "
        "serverless endpoint in the account), and the project's other endpoints hold 5 of "
        "concurrency (trends-anomaly-pr-7: 5)"
    ) in warning


def test_an_endpoint_gone_since_the_listing_holds_nothing(project: Path, monkeypatch) -> None:
    """An endpoint deleted between ListEndpoints and its DescribeEndpoint holds nothing and is
    skipped; one whose endpoint config was deleted under it (SageMaker allows that) still runs
    an unknown instance type, so it is named as not counted."""
    sm = session().client("sagemaker")
    other_endpoint(sm, "trends-anomaly-staging", {"InstanceType": "ml.m5.large"} | ONE)
    sm.delete_endpoint_config(EndpointConfigName="trends-anomaly-staging-c")
    listed = Aws.pages

    def with_a_deleted_one(self: Aws, service: str, operation: str, *args, **kw) -> list:
        gone = {"EndpointName": "trends-anomaly-pr-9", "EndpointStatus": "InService"}
        return [*listed(self, service, operation, *args, **kw), gone]

    monkeypatch.setattr(Aws, "pages", with_a_deleted_one)
    held = quotas.held_elsewhere(Aws("us-east-1", session()), "trends-anomaly", set(), M5_TYPE)
    assert held == quotas.Held(
        unread=("trends-anomaly-staging (its endpoint config trends-anomaly-staging-c is gone)",)
    )


def test_another_projects_endpoint_named_like_a_stack_of_this_one_is_not_called_ours(
    project: Path,
) -> None:
    """A project named ``trends-anomaly-staging`` names its endpoint as this project's staging
    would: it holds instances of the account's quota (so it is counted), but it is that
    project's (its ``project`` tag), not this one's other endpoint, and the warning says whose
    each is. An endpoint without the tag (made by hand) is said to be untagged."""
    sm = session().client("sagemaker")
    m5 = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    two = {**m5, "InitialInstanceCount": 2}
    other_endpoint(sm, "trends-anomaly-staging", two, project="trends-anomaly-staging")
    other_endpoint(sm, "trends-anomaly-pr-7", m5, project="trends-anomaly")
    other_endpoint(sm, "trends-anomaly-manual", m5)
    QUOTAS[M5] = Quota(default=0, applied=1)
    (warning,) = shared_engine(project).plan().warnings
    assert (
        "creating it starts 1, and the project's other endpoints hold 1 instances "
        "(trends-anomaly-pr-7: 1), and project trends-anomaly-staging's endpoints (another "
        "project, whose names start as this project's do) hold 2 instances "
        "(trends-anomaly-staging: 2), and endpoints without a project tag (not made by deploy) "
        "hold 1 instances (trends-anomaly-manual: 1); CreateEndpoint would fail"
    ) in warning, warning
    assert "Ask for at least 5 at" in warning


def test_an_endpoint_whose_tags_cannot_be_read_is_not_called_untagged(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ListTags refused for one endpoint (a role narrowed by hand, an SCP): it still holds its
    instances, counted, but nothing says whose it is; it was said to be "without a project
    tag (not made by deploy)", which its tags may well contradict."""
    import botocore.exceptions

    sm = session().client("sagemaker")
    m5 = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    other_endpoint(sm, "trends-anomaly-pr-7", m5, project="trends-anomaly")
    other_endpoint(sm, "trends-anomaly-pr-8", m5, project="trends-anomaly")
    read_pages = Aws.read_pages

    def refused_for_pr_8(
        self: Aws, service: str, operation: str, key: str, **params: object
    ) -> object:
        if operation == "ListTags" and str(params.get("ResourceArn", "")).endswith(
            "/trends-anomaly-pr-8"
        ):
            error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
            raise botocore.exceptions.ClientError(error, "ListTags")  # type: ignore[arg-type]
        return read_pages(self, service, operation, key, **params)

    monkeypatch.setattr(Aws, "read_pages", refused_for_pr_8)
    held = quotas.held_elsewhere(Aws("us-east-1", session()), "trends-anomaly", set(), M5_TYPE)
    assert held.count == 2
    assert held.words("instances") == (
        ", and the project's other endpoints hold 1 instances (trends-anomaly-pr-7: 1), and "
        "endpoints whose tags could not be read (sagemaker:ListTags refused) hold 1 instances "
        "(trends-anomaly-pr-8: 1)"
    )


@pytest.mark.parametrize(
    ("instance_type", "said"),
    [
        # A family SageMaker has no such type of: the likely typo, and where to read the list.
        ("ml.z9.large", "ml.z9.large is not among the 2"),
        # A real family, a size it does not come in: the sizes it does.
        ("ml.m5.48xlarge", "ml.m5 comes in large, xlarge, 2xlarge, 4xlarge, 12xlarge, 24xlarge"),
    ],
)
def test_an_instance_type_sagemaker_does_not_list_is_said_at_plan(
    project: Path, capsys, instance_type: str, said: str
) -> None:
    """Service Quotas has no quota for a type that does not exist, and the plan said only
    'check it yourself': the first deploy then failed at CreateEndpointConfig. botocore's
    SageMaker model lists every type an endpoint takes (ProductionVariantInstanceType); a
    type outside it is named as such in the warning (a warning, not a refusal: a type newer
    than the installed botocore is real)."""
    edit_config(project, "instance_type: ml.m5.large", f"instance_type: {instance_type}")
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", IMAGE]) == 2
    out = capsys.readouterr().out
    (line,) = [x for x in out.splitlines() if x.startswith("Warning:") and instance_type in x]
    assert said in line, line
    assert "CreateEndpointConfig" in line and "upgrade" in line, line


def test_a_listed_type_without_a_quota_is_not_called_unknown(project: Path, capsys) -> None:
    edit_config(project, "instance_type: ml.m5.large", "instance_type: ml.c6i.large")
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", IMAGE]) == 2
    out = capsys.readouterr().out
    (line,) = [x for x in out.splitlines() if x.startswith("Warning:") and "ml.c6i" in x]
    assert "has no quota named" in line and "not among" not in line, line
