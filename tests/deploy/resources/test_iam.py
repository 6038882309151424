"""IAM roles: the one reconcile shared by the engine's roles and bootstrap's GitHub roles."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from botocore.stub import Stubber

from deploy.aws import DeployError
from deploy.resources import iam
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import config, execute, inputs, make_aws, names
from tests.support.iam_eval import allowed

N = names()
ROLE = "trends-anomaly-lambda"
TAGS = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}
POLICY = "arn:aws:iam::123456789012:policy/trends-anomaly"
BOUNDARY = f"{POLICY}/trends-anomaly-role-boundary"  # bootstrap's (policies.role_boundary_specs)


def spec() -> iam.RoleSpec:
    (sm, lam) = iam.desired(config(), inputs(N))
    assert sm.name == "trends-anomaly-sagemaker"
    return lam


def seen(**over) -> iam.SeenRole:
    s = spec()
    values = dict(
        name=ROLE,
        arn=s.arn,
        path=s.path,
        description=s.description,
        trust=s.trust,
        policy=s.policy,
        max_session_s=3600,
        other_policies=(),
        tags=dict(TAGS),
        inline_policies=("trends-anomaly-least-privilege",),
        attached=(),
        permissions_boundary=s.permissions_boundary,
    )
    values.update(over)
    return iam.SeenRole(**values)


def role_response(s: iam.RoleSpec, tags: bool = True) -> dict:
    role = {
        "Path": s.path,
        "RoleName": s.name,
        "RoleId": "AROAEXAMPLEEXAMPLE123",
        "Arn": s.arn,
        "CreateDate": "2026-01-01T00:00:00Z",
        "AssumeRolePolicyDocument": json.dumps(s.trust),
        "Description": s.description,
        "MaxSessionDuration": 3600,
    }
    if s.permissions_boundary:
        role["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": s.permissions_boundary,
        }
    if tags:
        role["Tags"] = [{"Key": k, "Value": v} for k, v in TAGS.items()]
    return {"Role": role}


def test_desired_service_roles_trust_their_service_and_grant_least_privilege() -> None:
    sm, lam = iam.desired(config(), inputs(N))
    assert sm.trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert lam.trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert sm.path == "/trends-anomaly/" and sm.arn.endswith(
        ":role/trends-anomaly/trends-anomaly-sagemaker"
    )
    pull = sm.policy["Statement"][0]
    assert pull["Resource"] == "arn:aws:ecr:us-east-1:123456789012:repository/trends-anomaly"
    # In another region every ARN names that region.
    (sm_eu, _) = iam.desired(config(region="eu-west-1"), inputs(names("eu-west-1")))
    groups = sm_eu.policy["Statement"][2]["Resource"]
    assert all(":logs:eu-west-1:" in g for g in groups)


def test_observe_a_role_with_everything_granted_to_it() -> None:
    aws, s = make_aws(), spec()
    with Stubber(aws.client("iam")) as stub:
        stub.add_response("get_role", role_response(s, tags=False), {"RoleName": ROLE})
        stub.add_response(
            "list_role_tags",
            {"Tags": [{"Key": "project", "Value": "trends-anomaly"}]},
            {"RoleName": ROLE},
        )
        stub.add_response(
            "get_role_policy",
            {"RoleName": ROLE, "PolicyName": s.policy_name, "PolicyDocument": json.dumps(s.policy)},
            {"RoleName": ROLE, "PolicyName": s.policy_name},
        )
        stub.add_response(
            "list_role_policies", {"PolicyNames": [s.policy_name, "debug"]}, {"RoleName": ROLE}
        )
        stub.add_response(
            "list_attached_role_policies",
            {
                "AttachedPolicies": [
                    {"PolicyName": "broad", "PolicyArn": "arn:aws:iam::1:policy/broad"}
                ]
            },
            {"RoleName": ROLE},
        )
        got = iam.observe_role(aws, ROLE, s.policy_name)
    assert got is not None and got.policy == s.policy and got.trust == s.trust
    assert got.other_policies == ("inline:debug", "managed:arn:aws:iam::1:policy/broad")
    assert got.tags == {"project": "trends-anomaly"}


def test_observe_reads_every_page_of_a_roles_tags_and_inline_policies() -> None:
    """ListRoleTags and ListRolePolicies are paged by Marker: "IAM might return fewer than
    the MaxItems number of results even when there are more results available" (IAM API
    Reference), so a second page's tag (whose the role is) or inline policy (granted by
    someone else) must be read too."""
    aws, s = make_aws(), spec()
    more = {"IsTruncated": True, "Marker": "m"}
    with Stubber(aws.client("iam")) as stub:
        stub.add_response("get_role", role_response(s, tags=False), {"RoleName": ROLE})
        stub.add_response(
            "list_role_tags",
            {"Tags": [{"Key": "owner", "Value": "me"}], **more},
            {"RoleName": ROLE},
        )
        stub.add_response(
            "list_role_tags",
            {"Tags": [{"Key": "project", "Value": "trends-anomaly"}]},
            {"RoleName": ROLE, "Marker": "m"},
        )
        stub.add_response(
            "get_role_policy",
            {"RoleName": ROLE, "PolicyName": s.policy_name, "PolicyDocument": json.dumps(s.policy)},
            {"RoleName": ROLE, "PolicyName": s.policy_name},
        )
        stub.add_response(
            "list_role_policies", {"PolicyNames": [s.policy_name], **more}, {"RoleName": ROLE}
        )
        stub.add_response(
            "list_role_policies", {"PolicyNames": ["debug"]}, {"RoleName": ROLE, "Marker": "m"}
        )
        stub.add_response(
            "list_attached_role_policies", {"AttachedPolicies": []}, {"RoleName": ROLE}
        )
        got = iam.observe_role(aws, ROLE, s.policy_name)
        stub.assert_no_pending_responses()
    assert got is not None and got.tags == {"owner": "me", "project": "trends-anomaly"}
    assert got.other_policies == ("inline:debug",)


def test_observe_a_missing_role_and_a_role_without_its_policy() -> None:
    aws, s = make_aws(), spec()
    with Stubber(aws.client("iam")) as stub:
        stub.add_client_error("get_role", "NoSuchEntity", "Role not found", 404)
        assert iam.observe_role(aws, ROLE, s.policy_name) is None
        stub.add_response("get_role", role_response(s))
        stub.add_client_error("get_role_policy", "NoSuchEntity", "not found", 404)
        stub.add_response("list_role_policies", {"PolicyNames": []})
        stub.add_response("list_attached_role_policies", {"AttachedPolicies": []})
        got = iam.observe_role(aws, ROLE, s.policy_name)
    assert got is not None and got.policy is None and got.other_policies == ()
    assert iam.plan_role(s, got).changes[0].field == "policy"


def test_the_engine_observes_its_two_roles() -> None:
    aws = make_aws()
    with Stubber(aws.client("iam")) as stub:
        for _ in range(2):
            stub.add_client_error("get_role", "NoSuchEntity", "Role not found", 404)
        assert iam.observe(aws, N, Desired(), World()) == []


def test_create_makes_the_role_then_its_one_policy() -> None:
    aws, s = make_aws(), spec()
    action = iam.plan_role(s, None)
    assert action.op == "create"
    with Stubber(aws.client("iam")) as stub:
        stub.add_response(
            "create_role",
            role_response(s),
            {
                "RoleName": ROLE,
                "Path": "/trends-anomaly/",
                "AssumeRolePolicyDocument": json.dumps(s.trust),
                "Description": "trends-anomaly: managed by the deploy engine",
                "MaxSessionDuration": 3600,
                "Tags": [
                    {"Key": "managed-by", "Value": "trends-anomaly-gitops"},
                    {"Key": "project", "Value": "trends-anomaly"},
                ],
                "PermissionsBoundary": BOUNDARY,
            },
        )
        stub.add_response(
            "put_role_policy",
            {},
            {
                "RoleName": ROLE,
                "PolicyName": "trends-anomaly-least-privilege",
                "PolicyDocument": json.dumps(s.policy),
            },
        )
        execute(aws, action)
        stub.assert_no_pending_responses()


def test_a_role_that_appeared_since_the_plan_is_a_clear_error() -> None:
    aws = make_aws()
    with Stubber(aws.client("iam")) as stub:
        stub.add_client_error("create_role", "EntityAlreadyExists", "Role exists", 409)
        with pytest.raises(DeployError, match=r"Role exists\. It appeared after the plan was made"):
            execute(aws, iam.plan_role(spec(), None))


def test_identical_is_a_noop() -> None:
    assert iam.plan_role(spec(), seen()).op == "noop"


def test_drift_is_repaired_field_by_field() -> None:
    aws, s = make_aws(), spec()
    loose = {"Version": "2012-10-17", "Statement": []}
    action = iam.plan_role(
        s, seen(trust=loose, policy=None, description="x", max_session_s=7200, tags={})
    )
    assert [c.field for c in action.changes] == [
        "description",
        "trust",
        "policy",
        "max_session_s",
        "tags",
    ]
    with Stubber(aws.client("iam")) as stub:
        stub.add_response(
            "update_assume_role_policy",
            {},
            {"RoleName": ROLE, "PolicyDocument": json.dumps(s.trust)},
        )
        stub.add_response(
            "update_role",
            {},
            {"RoleName": ROLE, "Description": s.description, "MaxSessionDuration": 3600},
        )
        stub.add_response(
            "put_role_policy",
            {},
            {"RoleName": ROLE, "PolicyName": s.policy_name, "PolicyDocument": json.dumps(s.policy)},
        )
        stub.add_response(
            "tag_role",
            {},
            {
                "RoleName": ROLE,
                "Tags": [
                    {"Key": "managed-by", "Value": "trends-anomaly-gitops"},
                    {"Key": "project", "Value": "trends-anomaly"},
                ],
            },
        )
        execute(aws, action)
        stub.assert_no_pending_responses()


def test_extra_grants_inline_deleted_managed_stop_with_the_command() -> None:
    aws = make_aws()
    extra = seen(
        other_policies=("inline:debug", "managed:arn:aws:iam::1:policy/broad"),
        inline_policies=("trends-anomaly-least-privilege", "debug"),
        attached=("arn:aws:iam::1:policy/broad",),
    )
    action = iam.plan_role(spec(), extra)
    assert action.steps[-1].describe().startswith("stop: IAM role trends-anomaly-lambda: managed")
    with Stubber(aws.client("iam")) as stub:
        stub.add_client_error(
            "delete_role_policy",
            "NoSuchEntity",
            "gone already",
            404,
            expected_params={"RoleName": ROLE, "PolicyName": "debug"},
        )
        with pytest.raises(
            DeployError, match="aws iam detach-role-policy --role-name trends-anomaly-lambda"
        ):
            execute(aws, action)
        stub.assert_no_pending_responses()


def test_a_different_path_stops_before_changing_anything() -> None:
    action = iam.plan_role(spec(), seen(path="/", trust={}))
    assert action.steps[0].describe().startswith("stop: IAM role trends-anomaly-lambda: path is /")
    with pytest.raises(DeployError, match="IAM cannot change a role's path"):
        execute(make_aws(), action)  # no call is made: the Stubber would refuse it


def test_a_role_at_another_path_without_the_project_tag_is_said_to_be_another_s() -> None:
    """Not "run destroy": destroy leaves a role this project did not make (its tag)."""
    other = seen(path="/elsewhere/", arn=f"arn:aws:iam::1:role/elsewhere/{ROLE}", tags={})
    said = iam.plan_role(spec(), other).steps[0].describe()
    assert said.startswith(f"stop: IAM role {ROLE} (arn:aws:iam::1:role/elsewhere/{ROLE}, path ")
    assert "was not created by this project" in said and "whatever the path" in said
    assert "run `destroy --yes`, then `apply`" in said  # only once tagged as ours
    assert said.index("aws iam tag-role") < said.index("run `destroy --yes`")


def test_delete_removes_inline_policies_then_the_role_gone_is_fine() -> None:
    aws = make_aws()
    action = iam.delete_role(seen())
    with Stubber(aws.client("iam")) as stub:
        stub.add_response(
            "list_attached_role_policies", {"AttachedPolicies": []}, {"RoleName": ROLE}
        )
        stub.add_response(
            "delete_role_policy",
            {},
            {"RoleName": ROLE, "PolicyName": "trends-anomaly-least-privilege"},
        )
        stub.add_client_error(
            "delete_role", "NoSuchEntity", "gone", 404, expected_params={"RoleName": ROLE}
        )
        lines = execute(aws, action)
    assert lines[-1] == "      already gone: nothing to do"
    blocked = iam.delete_role(seen(attached=("arn:aws:iam::1:policy/broad",), inline_policies=()))
    assert [s.describe()[:4] for s in blocked.steps] == ["stop", "iam:"]


def test_delete_stops_on_a_managed_policy_seen_before_deleting_the_inline_one() -> None:
    """Seen before: DeleteRolePolicy ran, then the stop, leaving the role without its
    inline policy (and still there). Now no call is made: the Stubber would refuse it."""
    aws = make_aws()
    action = iam.delete_role(seen(attached=("arn:aws:iam::1:policy/broad",)))
    assert action.steps[0].describe().startswith(f"stop: IAM role {ROLE}: managed policies")
    with Stubber(aws.client("iam")) as stub:
        with pytest.raises(DeployError, match=f"aws iam detach-role-policy --role-name {ROLE}"):
            execute(aws, action)
        stub.assert_no_pending_responses()


def test_delete_looks_for_a_managed_policy_attached_since_before_deleting_anything() -> None:
    """A policy attached by hand after destroy observed the role (its endpoint takes minutes
    to go first): ListAttachedRolePolicies, right before the deletes, stops with the plan's
    words, the inline policy left. Seen before: DeleteRolePolicy, then DeleteRole refused
    with DeleteConflict, the role left without its inline policy."""
    aws = make_aws()
    action = iam.delete_role(seen())
    broad = "arn:aws:iam::1:policy/broad"
    with Stubber(aws.client("iam")) as stub:
        stub.add_response(
            "list_attached_role_policies",
            {"AttachedPolicies": [{"PolicyName": "broad", "PolicyArn": broad}]},
            {"RoleName": ROLE},
        )
        with pytest.raises(DeployError) as err:
            execute(aws, action)
        stub.assert_no_pending_responses()
    assert f"IAM role {ROLE}: managed policies attached outside config.yaml: {broad}" in str(
        err.value
    )


def test_delete_of_a_role_gone_before_its_check_is_done() -> None:
    aws = make_aws()
    action = iam.delete_role(seen())
    with Stubber(aws.client("iam")) as stub:
        stub.add_client_error(
            "list_attached_role_policies", "NoSuchEntity", "gone", 404, {"RoleName": ROLE}
        )
        stub.add_client_error(
            "delete_role_policy",
            "NoSuchEntity",
            "gone",
            404,
            expected_params={"RoleName": ROLE, "PolicyName": "trends-anomaly-least-privilege"},
        )
        stub.add_client_error(
            "delete_role", "NoSuchEntity", "gone", 404, expected_params={"RoleName": ROLE}
        )
        execute(aws, action)
        stub.assert_no_pending_responses()


def test_plan_and_destroy_cover_every_role() -> None:
    desired = Desired.of(iam.desired(config(), inputs(N)))
    world = World.of([seen()])
    actions = iam.plan(PlanContext(desired, world))
    assert [(a.op, a.name) for a in actions] == [
        ("create", "trends-anomaly-sagemaker"),
        ("noop", ROLE),
    ]
    assert [a.name for a in iam.destroy(world)] == [ROLE]


def test_a_roles_region_is_read_from_the_arns_its_policy_grants() -> None:
    sm, lam = iam.desired(config(), inputs(N))
    assert iam.policy_regions(sm.policy) == {"us-east-1"}  # ECR and logs; "*" names none
    assert iam.policy_regions(lam.policy) == {"us-east-1"}
    assert iam.policy_regions(None) == frozenset()
    global_only = iam.document({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"})
    assert iam.policy_regions(global_only) == frozenset()
    (_, lam_eu) = iam.desired(config(region="eu-west-1"), inputs(names("eu-west-1")))
    assert iam.other_regions(seen(policy=lam_eu.policy), "us-east-1") == ("eu-west-1",)
    assert iam.other_regions(seen(), "us-east-1") == ()


def test_destroy_leaves_a_role_that_serves_another_regions_stack() -> None:
    """IAM names are global: the eu-west-1 stack's destroy must not delete the roles the
    us-east-1 stack runs as (their policies name us-east-1's endpoint and log groups)."""
    eu = World(account="123456789012", region="eu-west-1")
    eu.add(seen())  # the us-east-1 stack's Lambda role
    assert iam.roles_elsewhere(eu) == {ROLE: ("us-east-1",)}
    assert iam.destroy(eu) == []
    us = World(account="123456789012", region="us-east-1")
    us.add(seen())
    assert iam.roles_elsewhere(us) == {}
    assert [a.name for a in iam.destroy(us)] == [ROLE]


def _may_assume(trust: dict, context: dict) -> bool:
    """Whether a service call with this request context may assume the role (the trust
    policy's one statement, evaluated as AWS does; trust policies name no Resource)."""
    (statement,) = trust["Statement"]
    return allowed({"Statement": [{**statement, "Resource": "*"}]}, "sts:AssumeRole", "*", context)


def test_sagemaker_assumes_its_role_only_for_this_accounts_resources_in_this_region() -> None:
    """Confused deputy: SageMaker, acting for a resource of another account (or of another
    region's stack), must not get this role. SageMaker's guide gives, for real-time,
    serverless and asynchronous inference, ArnLike aws:SourceArn arn:aws:sagemaker:REGION:
    ACCOUNT:* (the account is in it, so no aws:SourceAccount), never narrowed to one model
    or endpoint."""
    sm, _ = iam.desired(config(), inputs(N))
    (statement,) = sm.trust["Statement"]
    assert statement["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:123456789012:*"}
    }
    ours = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/trends-anomaly"
    assert _may_assume(sm.trust, {"aws:SourceArn": ours})
    assert not _may_assume(
        sm.trust, {"aws:SourceArn": ours.replace("123456789012", "210987654321")}
    )
    assert not _may_assume(sm.trust, {"aws:SourceArn": ours.replace("us-east-1", "eu-west-1")})
    assert not _may_assume(sm.trust, {})  # a call with no source at all
    (sm_eu, _) = iam.desired(config(region="eu-west-1"), inputs(names("eu-west-1")))
    assert sm_eu.trust["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"] == (
        "arn:aws:sagemaker:eu-west-1:123456789012:*"
    )


def test_the_lambda_role_trusts_lambda_without_source_conditions() -> None:
    """Lambda's guide documents no aws:SourceArn / aws:SourceAccount values for the calls it
    makes with a function's execution role (only the generic pointer to IAM's confused-deputy
    page), and a SourceArn condition there is reported to break creating a function in a
    VPC: the Lambda role keeps its plain service trust (see lambda_trust's docstring)."""
    _, lam = iam.desired(config(), inputs(N))
    (statement,) = lam.trust["Statement"]
    assert "Condition" not in statement
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_an_unconditioned_sagemaker_trust_is_repaired_in_place() -> None:
    """A role made before the condition existed: apply puts the new trust policy on it."""
    s, _ = iam.desired(config(), inputs(N))
    old = iam.service_trust("sagemaker.amazonaws.com")
    found = seen(name=s.name, arn=s.arn, policy=s.policy, trust=old)
    action = iam.plan_role(s, found)
    assert action.op == "update" and [c.field for c in action.changes] == ["trust"]
    (call,) = [st for st in action.steps if st.operation == "UpdateAssumeRolePolicy"]
    assert json.loads(call.params["PolicyDocument"]) == s.trust


def test_a_role_without_inline_policy_is_created_bare_and_loses_one_it_has() -> None:
    """The GitHub roles (policy None): their permissions are managed policies bootstrap
    attaches, so no PutRolePolicy; an inline policy of the old shape is deleted."""
    from dataclasses import replace

    from deploy.plan import Call

    bare = replace(spec(), policy=None)
    created = iam.plan_role(bare, None)
    assert [s.operation for s in created.steps if isinstance(s, Call)] == ["CreateRole"]
    updated = iam.plan_role(bare, seen())
    assert [(s.operation, dict(s.params)) for s in updated.steps if isinstance(s, Call)] == [
        ("DeleteRolePolicy", {"RoleName": ROLE, "PolicyName": bare.policy_name})
    ]
    assert iam.plan_role(bare, seen(policy=None)).op == "noop"


def test_observe_reads_every_page_of_the_attached_policies() -> None:
    """IAM pages ListAttachedRolePolicies (IsTruncated, Marker): bootstrap counts every policy
    attached against the account's quota, so a second page must not go unseen."""
    aws, s = make_aws(), spec()

    def page(name: str) -> dict:
        return {"PolicyName": name, "PolicyArn": f"arn:aws:iam::1:policy/{name}"}

    with Stubber(aws.client("iam")) as stub:
        stub.add_response("get_role", role_response(s))
        stub.add_client_error("get_role_policy", "NoSuchEntity", "not found", 404)
        stub.add_response("list_role_policies", {"PolicyNames": []})
        stub.add_response(
            "list_attached_role_policies",
            {"AttachedPolicies": [page("a")], "IsTruncated": True, "Marker": "m1"},
            {"RoleName": ROLE},
        )
        stub.add_response(
            "list_attached_role_policies",
            {"AttachedPolicies": [page("b")], "IsTruncated": False},
            {"RoleName": ROLE, "Marker": "m1"},
        )
        got = iam.observe_role(aws, ROLE, s.policy_name)
    assert got is not None
    assert got.attached == ("arn:aws:iam::1:policy/a", "arn:aws:iam::1:policy/b")


def test_every_stacks_service_roles_carry_its_boundary() -> None:
    """The deploy role writes these roles' policies and passes them to its Lambda and
    endpoint: each must carry the boundary bootstrap makes for its stack (the single
    deployment's, an environment's; a preview's the previews' one), or the deploy role could
    write itself an administrator's policy there."""
    from deploy.naming import Names

    for env, boundary in [
        (None, BOUNDARY),
        ("staging", f"{POLICY}/trends-anomaly-staging-role-boundary"),
        ("preview", f"{POLICY}/trends-anomaly-preview-role-boundary"),  # not the previews'
        ("pr-7", f"{POLICY}/trends-anomaly-preview-boundary"),
    ]:
        n = Names("trends-anomaly", "123456789012", "us-east-1", env)
        roles = iam.desired(config(), inputs(n))
        assert [r.permissions_boundary for r in roles] == [boundary, boundary], env


def test_a_role_made_before_the_boundary_gets_it_in_place_before_its_policy() -> None:
    """A stack deployed before the boundaries existed: apply puts the boundary on each role
    (an update: no role replaced, nothing renamed), and before any PutRolePolicy, which the
    deploy role may call only on a role that carries it."""
    from deploy.plan import Call

    s = spec()
    action = iam.plan_role(s, seen(permissions_boundary=None))
    assert action.op == "update" and [c.field for c in action.changes] == ["permissions_boundary"]
    calls = [(st.operation, dict(st.params)) for st in action.steps if isinstance(st, Call)]
    assert calls == [
        ("PutRolePermissionsBoundary", {"RoleName": ROLE, "PermissionsBoundary": BOUNDARY})
    ]
    drifted = iam.plan_role(s, seen(permissions_boundary=None, policy=None))
    ops = [st.operation for st in drifted.steps if isinstance(st, Call)]
    assert ops == ["PutRolePermissionsBoundary", "PutRolePolicy"]
    aws = make_aws()
    with Stubber(aws.client("iam")) as stub:
        stub.add_response(
            "put_role_permissions_boundary",
            {},
            {"RoleName": ROLE, "PermissionsBoundary": BOUNDARY},
        )
        execute(aws, action)
        stub.assert_no_pending_responses()


def test_a_boundary_the_spec_does_not_give_stops_in_the_stacks_or_bootstraps_words() -> None:
    """The stack's words name config.yaml; bootstrap's GitHub roles (``bootstrap``) have no
    config.yaml key for a boundary, so theirs say bootstrap gives them none."""
    from deploy.plan import Stop

    unbounded = replace(spec(), permissions_boundary=None)
    for s, said in [
        (
            unbounded,
            f"IAM role {ROLE} has the permissions boundary {BOUNDARY}, which config.yaml does "
            f"not give it: remove it (aws iam delete-role-permissions-boundary --role-name "
            f"{ROLE}) if that is intended, then run the command again",
        ),
        (
            replace(unbounded, bootstrap=True),
            f"IAM role {ROLE} has the permissions boundary {BOUNDARY}, which bootstrap does not "
            "give its GitHub roles: what they may do is the managed policies bootstrap attaches "
            "to them, and a boundary caps that, so the workflows could be refused what they "
            "need. Nothing was changed. Remove it (aws iam delete-role-permissions-boundary "
            f"--role-name {ROLE}), then run bootstrap again",
        ),
    ]:
        steps = iam.plan_role(s, seen()).steps
        assert [st.message for st in steps if isinstance(st, Stop)] == [said]


# Both path stops word for word: the rule of whose a role is (its ``project`` tag) is
# `world.made_by`, which `stacks.unowned` uses too; the words a user reads stay these.
OURS_AT_ANOTHER_PATH = (
    "stop: IAM role trends-anomaly-lambda: path is /, /trends-anomaly/ wanted, and IAM cannot "
    "change a role's path: run `destroy --yes`, then `apply`"
)
NOT_OURS_AT_ANOTHER_PATH = (
    "stop: IAM role trends-anomaly-lambda (arn:aws:iam::1:role/elsewhere/trends-anomaly-lambda, "
    "path /elsewhere/) was not created by this project (it has no project=trends-anomaly tag), "
    "and this stack needs a role of that name at /trends-anomaly/. IAM role names are unique in "
    "an account whatever the path, so the name is taken; destroy leaves that role alone. Either "
    "give this stack other names (`project:`, or the environment's name under `environments:`, "
    "in config.yaml), or, if that role is really a leftover of this stack, delete it by hand "
    "(its policies first, then `aws iam delete-role --role-name trends-anomaly-lambda`), or tag "
    "it as this project's (`aws iam tag-role --role-name trends-anomaly-lambda --tags "
    "Key=project,Value=trends-anomaly`) and run `destroy --yes`, then `apply`"
)


@pytest.mark.parametrize(
    ("tags", "said"),
    [
        (dict(TAGS), OURS_AT_ANOTHER_PATH),
        ({}, NOT_OURS_AT_ANOTHER_PATH),
        ({"project": "someone-else"}, NOT_OURS_AT_ANOTHER_PATH),
    ],
)
def test_the_path_stops_words_are_these(tags: dict[str, str], said: str) -> None:
    path = "/" if tags == TAGS else "/elsewhere/"
    other = seen(path=path, arn=f"arn:aws:iam::1:role/elsewhere/{ROLE}", tags=tags)
    assert iam.plan_role(spec(), other).steps[0].describe() == said


def test_a_spec_without_a_project_tag_takes_any_role_as_its_own() -> None:
    """A spec whose tags name no project (none to tell by) has the first stop, whatever the
    role's tags."""
    bare = replace(spec(), tags={})
    other = seen(path="/", tags={"project": "someone-else"})
    assert iam.plan_role(bare, other).steps[0].describe() == OURS_AT_ANOTHER_PATH


def test_bootstraps_own_role_at_another_path_is_not_told_to_run_destroy() -> None:
    """Destroy never deletes a GitHub role (bootstrap's), so its path stop for one of ours says
    to delete it by hand and run bootstrap again; the stack's roles keep their words."""
    github = replace(spec(), bootstrap=True, path="/")
    ours = seen(path="/elsewhere/", tags=dict(TAGS))
    assert iam.plan_role(github, ours).steps[0].describe() == (
        "stop: IAM role trends-anomaly-lambda: path is /elsewhere/, / wanted, and IAM cannot "
        "change a role's path: delete it by hand (detach its managed policies and delete its "
        "inline ones first, then `aws iam delete-role --role-name trends-anomaly-lambda`) and "
        "run bootstrap again, which creates it at /; then set the role ARN it prints in GitHub"
    )
    assert iam.plan_role(spec(), replace(ours, path="/")).steps[0].describe() == (
        OURS_AT_ANOTHER_PATH
    )
