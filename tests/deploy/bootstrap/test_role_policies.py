"""The GitHub roles' permissions as customer managed policies, on the moto server with IAM's
quotas (tests/support/moto_iam.py): two and three environments bootstrap, a role of the
inline shape of earlier bootstraps converges, and parts no longer needed go."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from deploy.aws import Aws
from deploy.bootstrap import policies
from deploy.bootstrap.apply import apply
from deploy.bootstrap.fingerprint import TAG, expected
from tests.deploy.deploy_helpers import session
from tests.support.iam_eval import grants

pytestmark = pytest.mark.usefixtures("aws_env")
ACCOUNT = "123456789012"  # moto's


def _target(*envs: str, previews: bool = True) -> policies.Target:
    return policies.Target(
        "trends-anomaly", "us-east-1", "", "octo/trends", environments=envs, previews=previews
    )


def _document(iam, arn: str) -> dict:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    return doc if isinstance(doc, dict) else json.loads(doc)


def _granted(iam, role: str) -> tuple[list[str], list[dict]]:
    """The role's attached policies (by part number) and their statements, in that order."""
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)[
        "AttachedPolicies"]]  # fmt: skip
    attached.sort(key=lambda arn: int(arn.rsplit("-", 1)[1]))
    return attached, [st for arn in attached for st in _document(iam, arn)["Statement"]]


def _assert_managed_shape(t: policies.Target) -> None:
    """Every role: no inline policy, its whole permissions in its attached managed policies,
    each within IAM's 6,144 characters, no more than ten; tagged with this commit's hash."""
    iam = session().client("iam")
    filled = replace(t, account=ACCOUNT)
    sums = expected(t)
    for role in policies.roles(filled):
        assert iam.list_role_policies(RoleName=role.name)["PolicyNames"] == []
        attached, statements = _granted(iam, role.name)
        assert grants(statements) == grants(role.policy["Statement"]), role.name
        assert 1 <= len(attached) <= 10
        for arn in attached:
            document = _document(iam, arn)
            assert policies.iam_size(document) <= 6_144
            sids = [st["Sid"] for st in document["Statement"]]
            assert len(set(sids)) == len(sids)  # IAM: unique within a policy
        tags = {x["Key"]: x["Value"] for x in iam.list_role_tags(RoleName=role.name)["Tags"]}
        assert tags[TAG] == sums[role.name]


@pytest.mark.parametrize(
    "envs",
    [
        ("staging", "production"),
        ("dev", "staging", "production"),
        tuple(f"env{n}" for n in range(12)),  # the log groups' statements cut by resources
    ],
)
def test_two_and_three_environments_bootstrap_within_iams_quotas(envs: tuple[str, ...]) -> None:
    """The deploy role of two environments comes to over 11,000 characters: as one inline
    policy IAM refused it (LimitExceeded); as managed policies it fits, and a second run
    changes nothing. So do twelve."""
    t = _target(*envs)
    assert policies.quota_problems(t) == []
    aws = Aws("us-east-1", session())
    _, lines = apply(aws, t)
    assert any(line.startswith("attached") for line in lines), lines
    _assert_managed_shape(t)
    _, again = apply(aws, t)
    assert all(line.startswith(("unchanged", "exists")) for line in again), again


def test_a_role_of_the_inline_shape_converges_to_managed_policies() -> None:
    """A fork bootstrapped before: each role has its permissions as the inline policy named
    after it. Bootstrap again attaches the managed policies, then removes the inline policy,
    and says so."""
    t = _target("production")
    iam = session().client("iam")
    for role in policies.roles(replace(t, account=ACCOUNT)):  # as bootstrap wrote them
        tags = {**(role.tags or {}), TAG: "an-older-hash"}  # its project tag, an older hash
        iam.create_role(RoleName=role.name, AssumeRolePolicyDocument=json.dumps(role.trust),
                        Description=role.description, MaxSessionDuration=role.max_session_s,
                        Tags=[{"Key": k, "Value": v} for k, v in tags.items()])  # fmt: skip
        iam.put_role_policy(
            RoleName=role.name, PolicyName=role.name, PolicyDocument=json.dumps(role.policy)
        )
    _, lines = apply(Aws("us-east-1", session()), t)
    for role in policies.roles(t):
        arn = f"arn:aws:iam::{ACCOUNT}:role/{role.name}"
        removed = [line for line in lines if line.startswith("removed") and arn in line]
        assert removed and "now the managed policies attached to it" in removed[0], lines
        assert lines.index(removed[0]) > max(
            i for i, line in enumerate(lines) if line.endswith(f" to {role.name}")
        )  # attached first: the role is never without its permissions
    _assert_managed_shape(t)
    _, again = apply(Aws("us-east-1", session()), t)
    assert not [line for line in again if line.startswith(("removed", "attached"))], again


def test_parts_no_longer_needed_are_detached_and_deleted() -> None:
    """Fewer environments, fewer parts: the deploy role's last one is detached, then deleted
    with its versions; a changed part becomes a new version of the same policy."""
    aws = Aws("us-east-1", session())
    iam = session().client("iam")
    three = _target("dev", "staging", "production", previews=False)
    one = _target("production", previews=False)
    filled = replace(three, account=ACCOUNT)
    parts = policies.role_policies(filled)[filled.deploy_role_name]
    assert len(parts) > len(policies.role_policies(replace(one, account=ACCOUNT))[
        filled.deploy_role_name])  # fmt: skip
    apply(aws, three)
    _, lines = apply(aws, one)
    last = parts[-1].arn
    assert f"detached {last} from {filled.deploy_role_name} (no longer needed)" in lines, lines
    assert f"deleted  {last} (no longer needed)" in lines
    assert any(line.startswith("updated") and parts[0].arn in line for line in lines), lines
    with pytest.raises(ClientError) as err:
        iam.get_policy(PolicyArn=last)
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    _assert_managed_shape(one)


def test_a_part_left_detached_by_an_interrupted_bootstrap_is_deleted() -> None:
    """A bootstrap stopped between DetachRolePolicy and DeletePolicy left the part behind,
    attached to nothing: the next run finds it by name and deletes it."""
    aws = Aws("us-east-1", session())
    iam = session().client("iam")
    three = _target("dev", "staging", "production", previews=False)
    apply(aws, three)
    filled = replace(three, account=ACCOUNT)
    last = policies.role_policies(filled)[filled.deploy_role_name][-1].arn
    iam.detach_role_policy(RoleName=filled.deploy_role_name, PolicyArn=last)
    _, lines = apply(aws, _target("production", previews=False))
    assert f"deleted  {last} (no longer needed)" in lines, lines
    # (the plan role's second part, which three environments' names take, is detached as usual)
    deploy = f"from {filled.deploy_role_name} "
    assert not [line for line in lines if line.startswith("detached") and deploy in line], lines
    with pytest.raises(ClientError):
        iam.get_policy(PolicyArn=last)
