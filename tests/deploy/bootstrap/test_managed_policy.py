"""The previews' boundary policy on the moto server: created once, a changed document becomes
the new default version, IAM's five-version limit respected, never deleted by a destroy."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from deploy.aws import Aws, DeployError
from deploy.bootstrap import managed_policy, policies
from deploy.bootstrap.apply import apply
from tests.deploy.deploy_helpers import session

pytestmark = pytest.mark.usefixtures("aws_env")
T = policies.Target(
    "trends-anomaly", "us-east-1", "", "octo/trends", environments=("staging",), previews=True
)
FILLED = policies.Target(
    "trends-anomaly",
    "us-east-1",
    "123456789012",
    "octo/trends",
    environments=("staging",),
    previews=True,
)  # as apply fills in the account
ARN = "arn:aws:iam::123456789012:policy/trends-anomaly/trends-anomaly-preview-boundary"


def _default_document() -> dict:
    iam = session().client("iam")
    version = iam.get_policy(PolicyArn=ARN)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=ARN, VersionId=version)["PolicyVersion"]["Document"]
    return doc if isinstance(doc, dict) else json.loads(doc)


def test_created_then_unchanged_then_versioned(monkeypatch: pytest.MonkeyPatch) -> None:
    aws = Aws("us-east-1", session())
    _, lines = apply(aws, T)
    assert any(line.startswith("created") and ARN in line for line in lines)
    assert _default_document() == policies.preview_boundary_policy(FILLED)
    _, lines = apply(aws, T)
    assert any(line.startswith("unchanged") and ARN in line for line in lines)

    iam = session().client("iam")
    original = policies.preview_boundary_policy
    for n in range(6):  # more changes than IAM keeps versions of

        def changed(t: policies.Target, n: int = n) -> dict:
            doc = original(t)
            last = {**doc["Statement"][-1], "Sid": f"Changed{n}"}
            return {**doc, "Statement": [*doc["Statement"][:-1], last]}

        monkeypatch.setattr(policies, "preview_boundary_policy", changed)
        _, lines = apply(aws, T)
        assert any(line.startswith("updated") and ARN in line for line in lines), lines
        assert _default_document() == changed(FILLED)
        assert len(iam.list_policy_versions(PolicyArn=ARN)["Versions"]) <= 5


def test_destroy_never_removes_it() -> None:
    world_actions = managed_policy.RESOURCE.destroy(None)  # type: ignore[arg-type]
    assert world_actions == []


def test_a_part_whose_name_a_policy_at_another_path_has_says_so_and_what_to_change() -> None:
    """A GitHub role's part (``{role}-1``) whose name a policy of the account has at another
    path, attached to nothing of bootstrap's: GetPolicy of the part's ARN (its path) finds
    nothing, CreatePolicy is refused EntityAlreadyExists (IAM's policy names are unique in an
    account whatever the path), and running bootstrap again fails the same way. It said the
    policy "appeared after the plan was made"; it now names that policy and what to change."""
    aws = Aws("us-east-1", session())
    part = f"{FILLED.names.github_deploy_role}-1"
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}  # fmt: skip
    theirs = aws.client("iam").create_policy(
        PolicyName=part, Path="/elsewhere/", PolicyDocument=json.dumps(document)
    )["Policy"]["Arn"]
    with pytest.raises(DeployError) as refused:
        apply(aws, T)
    said = str(refused.value)
    assert "EntityAlreadyExists" in said and "appeared after the plan was made" not in said
    for words in (
        f"IAM managed policy {part} already exists at path /elsewhere/ ({theirs}), not at "
        "/trends-anomaly/",
        "policy names are unique in an account whatever the path",
        "`project:` in config.yaml",
    ):
        assert words in said, said


def test_observe_reads_every_page_of_the_policys_versions() -> None:
    """ListPolicyVersions is paged by Marker, and "IAM might return fewer than the MaxItems
    number of results even when there are more results available" (IAM API Reference): an
    older version on a second page left out means DeletePolicy refuses (DeleteConflict) until
    every version but the default is deleted."""
    aws = Aws("us-east-1")
    more = {"IsTruncated": True, "Marker": "m"}
    with Stubber(aws.client("iam")) as stub:
        stub.add_response("get_policy", {"Policy": {"Arn": ARN, "DefaultVersionId": "v3"}})
        stub.add_response(
            "get_policy_version", {"PolicyVersion": {"VersionId": "v3", "Document": "%7B%7D"}}
        )
        newest = {"VersionId": "v3", "IsDefaultVersion": True, "CreateDate": "2026-01-03"}
        stub.add_response(
            "list_policy_versions", {"Versions": [newest], **more}, {"PolicyArn": ARN}
        )
        older = {"VersionId": "v1", "IsDefaultVersion": False, "CreateDate": "2026-01-01"}
        stub.add_response(
            "list_policy_versions", {"Versions": [older]}, {"PolicyArn": ARN, "Marker": "m"}
        )
        seen = managed_policy.observe_arn(aws, "boundary", ARN)
        stub.assert_no_pending_responses()
    assert seen is not None and seen.older_versions == ("v1",)
