"""Bootstrap changes a role's managed policies without a moment in which a permission it
keeps is denied (deploy/bootstrap/handover.py).

On the moto server: bootstrap one configuration, plan the next, then replay the plan's IAM
calls in order against a model of each role's effective permissions (its attached policies'
default versions and its inline policy) and evaluate, after every call, each request the role
allows both before and after (tests/support/iam_eval.py). The parts are packed in order, so
an environment added or removed moves statements across parts: changed part by part in the
order of their numbers, a statement left its old part before its new one had it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from deploy.aws import Aws
from deploy.bootstrap import policies
from deploy.bootstrap.apply import apply, plan
from deploy.executor import Executor
from deploy.plan import Call
from tests.deploy.deploy_helpers import session
from tests.support.iam_eval import allowed, grants, request_of

pytestmark = pytest.mark.usefixtures("aws_env")
ACCOUNT = "123456789012"  # moto's
ONE = ("production",)
TWO = ("staging", "production")
THREE = ("dev", "staging", "production")


# Nine environments of a long project name: the deploy role's statements naming every
# environment's resources are cut into runs (policies._split) spread over its parts.
NINE = ("production", "staging", "dev", "qa", "perf", "sandbox", "uat", "demo", "eu")
LONG = "a-much-longer-project-name"


def _target(
    envs: tuple[str, ...], previews: bool, project: str = "trends-anomaly"
) -> policies.Target:
    return policies.Target(
        project, "us-east-1", "", "octo/trends", environments=envs, previews=previews
    )


def _document(value: Any) -> dict:
    return value if isinstance(value, dict) else json.loads(value)


class Roles:
    """What each role grants while a plan runs: the default version of every policy, which
    policies each role has attached, its inline policy; changed by the plan's IAM calls."""

    def __init__(self, names: list[str]) -> None:
        iam = session().client("iam")
        self.default: dict[str, dict] = {}
        self.attached: dict[str, set[str]] = {}
        self.inline: dict[str, dict[str, dict]] = {}  # role → inline policy name → document
        for role in names:
            listed = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
            self.attached[role] = {p["PolicyArn"] for p in listed}
            for arn in self.attached[role]:
                version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                got = iam.get_policy_version(PolicyArn=arn, VersionId=version)
                self.default[arn] = _document(got["PolicyVersion"]["Document"])
            self.inline[role] = {
                name: _document(
                    iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
                )
                for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
            }

    def run(self, call: Call) -> str | None:
        """Apply one call; the role whose permissions it changes, if any."""
        p = call.params
        match call.operation:
            case "CreatePolicy":
                arn = f"arn:aws:iam::{ACCOUNT}:policy{p['Path']}{p['PolicyName']}"
                self.default[arn] = json.loads(p["PolicyDocument"])
            case "CreatePolicyVersion" if p.get("SetAsDefault"):
                self.default[p["PolicyArn"]] = json.loads(p["PolicyDocument"])
                return next((r for r, a in self.attached.items() if p["PolicyArn"] in a), None)
            case "AttachRolePolicy":
                self.attached.setdefault(p["RoleName"], set()).add(p["PolicyArn"])
                return p["RoleName"]
            case "DetachRolePolicy":
                self.attached[p["RoleName"]].discard(p["PolicyArn"])
                return p["RoleName"]
            case "PutRolePolicy":
                policies = self.inline.setdefault(p["RoleName"], {})
                policies[p["PolicyName"]] = json.loads(p["PolicyDocument"])
                return p["RoleName"]
            case "DeleteRolePolicy":
                self.inline.get(p["RoleName"], {}).pop(p["PolicyName"], None)
                return p["RoleName"]
        return None

    def policy(self, role: str) -> dict:
        documents = [self.default[a] for a in self.attached.get(role, ())]
        documents += list(self.inline.get(role, {}).values())
        return {"Statement": [st for d in documents for st in d["Statement"]]}


def _parts(t: policies.Target) -> int:
    """How many managed policies the deploy role's permissions take."""
    return len(policies.role_policies(t)[t.deploy_role_name])


def _kept(before: policies.Target, after: policies.Target) -> dict[str, set]:
    """Each role's requests allowed before and after, as (effect, action, resource, condition)."""
    old = {r.name: r.policy for r in policies.roles(replace(before, account=ACCOUNT))}
    new = {r.name: r.policy for r in policies.roles(replace(after, account=ACCOUNT))}
    return {
        name: grants(old[name]["Statement"]) & grants(new[name]["Statement"])
        for name in old.keys() & new.keys()
    }


def _lapses(model: Roles, role: str, kept: set) -> list[tuple[str, str]]:
    policy = model.policy(role)
    return [
        (action, resource)
        for _, action, resource, condition in sorted(kept)
        if not allowed(policy, action, resource, request_of(json.loads(condition)))
    ]


@pytest.mark.parametrize("previews", [False, True])
@pytest.mark.parametrize(
    ("before", "after"),
    [(ONE, TWO), (TWO, THREE), (THREE, TWO), (ONE, THREE)],
    ids=["1-to-2", "2-to-3", "3-to-2", "1-to-3"],
)
def test_no_kept_permission_lapses_while_the_parts_change(
    before: tuple[str, ...], after: tuple[str, ...], previews: bool
) -> None:
    _replay(_target(before, previews), _target(after, previews))


@pytest.mark.parametrize(
    "after", [NINE[::-1], NINE[1:] + NINE[:1]], ids=["reversed", "production-last"]
)
def test_no_kept_permission_lapses_when_parts_trade_statements_both_ways(
    after: tuple[str, ...],
) -> None:
    """Reordering the environments reorders the resources of a statement cut into runs
    across parts: part 4 takes what part 5 held and part 5 what part 4 held, a cycle no order
    of single swaps keeps. A temporary part holds the first one's permissions meanwhile, and
    is detached and deleted at the end."""
    old, new = _target(NINE, True, LONG), _target(after, True, LONG)
    calls = _replay(old, new)
    deploy = old.deploy_role_name
    created = [c.params["PolicyName"] for c in calls if c.operation == "CreatePolicy"]
    n = _parts(old)
    assert created == [f"{deploy}-{n + 1}"], created  # the deploy role's parts, and one more
    deleted = [c.params["PolicyArn"] for c in calls if c.operation == "DeletePolicy"]
    assert [a.rsplit("/", 1)[-1] for a in deleted] == [f"{deploy}-{n + 1}"]
    iam = session().client("iam")
    attached = iam.list_attached_role_policies(RoleName=deploy)["AttachedPolicies"]
    assert sorted(p["PolicyName"] for p in attached) == [f"{deploy}-{i}" for i in range(1, n + 1)]
    again = plan(Aws("us-east-1", session()), new).actions
    assert [a for a in again if a.op != "noop"] == []  # converged, the temporary part gone


GUARDRAIL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}


def test_a_role_at_its_quota_holds_the_waiting_part_in_an_inline_policy() -> None:
    """The deploy role's parts (six) and guardrails others attached take IAM's ten: no
    room for a temporary part. Before, the lowest waiting part went first regardless and the
    role lost what it kept for a moment; now its permissions wait in an inline policy
    (IAM's 10,240 characters a role, beside no other), deleted at the end."""
    old, new = _target(NINE, True, LONG), _target(NINE[::-1], True, LONG)
    deploy = old.deploy_role_name
    iam = session().client("iam")

    def guardrails() -> None:
        for n in range(10 - _parts(old)):
            made = iam.create_policy(PolicyName=f"org-guardrail-{n}",
                                     PolicyDocument=json.dumps(GUARDRAIL))  # fmt: skip
            iam.attach_role_policy(RoleName=deploy, PolicyArn=made["Policy"]["Arn"])

    calls = _replay(old, new, before_plan=guardrails)
    assert [c.operation for c in calls if c.operation in ("CreatePolicy", "AttachRolePolicy")] == []
    put = [c.params["PolicyName"] for c in calls if c.operation == "PutRolePolicy"]
    deleted = [c.params["PolicyName"] for c in calls if c.operation == "DeleteRolePolicy"]
    assert len(put) == 1 and deleted == put, (put, deleted)
    assert iam.list_role_policies(RoleName=deploy)["PolicyNames"] == []
    assert len(iam.list_attached_role_policies(RoleName=deploy)["AttachedPolicies"]) == 10
    again = plan(Aws("us-east-1", session()), new).actions
    assert [a for a in again if a.op != "noop"] == []


def _replay(
    old: policies.Target, new: policies.Target, before_plan: Callable[[], None] = lambda: None
) -> list[Call]:
    """Bootstrap ``old``, then run the plan of ``new`` call by call on moto, evaluating after
    each IAM call every request a role allows before and after; the IAM calls made.
    ``before_plan``: what changes in the account between the two (a policy attached by hand)."""
    aws = Aws("us-east-1", session())
    apply(aws, old)
    before_plan()
    planned = plan(aws, new)
    kept = _kept(old, new)
    model = Roles(sorted(kept))
    deploy = planned.target.deploy_role_name
    assert any(  # not vacuous: a part of the deploy role gets a new version
        isinstance(s, Call) and s.operation == "CreatePolicyVersion" and deploy in str(s.params)
        for a in planned.actions
        for s in a.steps
    )
    calls: list[Call] = []
    for action in planned.actions:
        for step in action.steps:
            if not (isinstance(step, Call) and step.service == "iam"):
                continue
            calls.append(step)
            role = model.run(step)
            if role in kept:
                lapsed = _lapses(model, role, kept[role])
                assert not lapsed, (step.operation, step.params.get("PolicyArn"), lapsed[:5])
        # and on moto, action by action: IAM's quotas and conflicts (tests/support/moto_iam.py)
        Executor(aws, log=lambda _line: None).run([action])
    for role, requests in kept.items():  # and the model ends where the plan converges
        assert grants(model.policy(role)["Statement"]) >= requests
    return calls


def test_an_inline_hold_left_by_an_interrupted_bootstrap_goes_on_the_next_run() -> None:
    """Bootstrap stopped just after it put the inline hold (a cancelled job): the next run
    must not refuse at its own leftover (NoRoomToHold, 'delete its other inline policies'),
    but hold again and leave the role with no inline policy, converged."""
    from deploy.bootstrap import handover

    old, new = _target(NINE, True, LONG), _target(NINE[::-1], True, LONG)
    deploy = old.deploy_role_name
    iam = session().client("iam")
    aws = Aws("us-east-1", session())
    apply(aws, old)
    for n in range(10 - _parts(old)):
        made = iam.create_policy(PolicyName=f"org-guardrail-{n}",
                                 PolicyDocument=json.dumps(GUARDRAIL))  # fmt: skip
        iam.attach_role_policy(RoleName=deploy, PolicyArn=made["Policy"]["Arn"])
    actions = plan(aws, new).actions
    upto = next(i for i, a in enumerate(actions) if a.kind == handover.INLINE_HOLD) + 1
    Executor(aws, log=lambda _line: None).run(actions[:upto])  # then the job was cancelled
    assert len(iam.list_role_policies(RoleName=deploy)["PolicyNames"]) == 1
    apply(aws, new)
    assert iam.list_role_policies(RoleName=deploy)["PolicyNames"] == []
    again = plan(aws, new).actions
    assert [a for a in again if a.op != "noop"] == []
