"""Managed policies attached to a GitHub role by someone else (an organization's guardrail):
bootstrap keeps them, counts them against IAM's "Managed policies per role" quota, and
refuses before any change when its own parts and those no longer fit (IAM would refuse the
attachment past the quota with LimitExceeded, tests/support/moto_iam.py)."""

from __future__ import annotations

import json
from pathlib import Path

from deploy.bootstrap.cli import main
from tests.deploy.bootstrap.conftest import PROJECT, REGION, REPO
from tests.support.moto_quotas import IAM_QUOTAS, POLICIES_PER_ROLE, Quota

DEPLOY = f"{PROJECT}-github-deploy"
IDS = ("--owner-id", "1234", "--repo-id", "5678")
GUARDRAIL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}


def _run(config: Path) -> int:
    return main(["--github-repo", REPO, "--config", str(config), *IDS])


def _three_environments(config: Path) -> None:
    """The deploy role's permissions then take three managed policies (two before)."""
    envs = "".join(f"  {e}: {{}}\n" for e in ("dev", "staging", "production"))
    config.write_text(
        f"project: {PROJECT}\nregion: {REGION}\nenvironments:\n{envs}", encoding="utf-8"
    )


def _attach_guardrails(iam, count: int) -> list[str]:
    arns = []
    for n in range(count):
        arn = iam.create_policy(PolicyName=f"org-guardrail-{n}",
                                PolicyDocument=json.dumps(GUARDRAIL))["Policy"]["Arn"]  # fmt: skip
        iam.attach_role_policy(RoleName=DEPLOY, PolicyArn=arn)
        arns.append(arn)
    return arns


def _attached(iam, role: str = DEPLOY) -> list[str]:
    listed = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    return sorted(p["PolicyArn"] for p in listed)


def _ours(iam) -> list[tuple[str, str]]:
    listed = iam.list_policies(Scope="Local")["Policies"]
    return sorted((p["PolicyName"], p["DefaultVersionId"]) for p in listed)


def test_a_guardrail_attached_by_hand_is_kept_and_bootstrap_converges(iam, config, capsys):
    """Before: any managed policy bootstrap did not make stopped it ("attached outside
    config.yaml"), after it had already changed the roles' policies."""
    assert _run(config) == 0
    (guardrail,) = _attach_guardrails(iam, 1)
    _three_environments(config)
    capsys.readouterr()
    assert _run(config) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"attached arn:aws:iam::123456789012:policy/{PROJECT}/{DEPLOY}-3 to {DEPLOY}" in out
    assert guardrail in _attached(iam)
    assert len(_attached(iam)) == 4
    assert f"kept on {DEPLOY}, not made by bootstrap" in out and guardrail in out, out
    assert _run(config) == 0  # and again: nothing to do, the guardrail still there
    out = capsys.readouterr().out
    assert "created" not in out and "attached" not in out and "updated" not in out, out
    assert f"kept on {DEPLOY}, not made by bootstrap" in out and guardrail in out, out
    assert f"kept on {PROJECT}-github-plan" not in out, out  # only roles that have some
    assert guardrail in _attached(iam)


def test_parts_and_foreign_policies_over_the_quota_are_refused_before_any_change(
    iam, config, capsys
):
    """Two parts and eight guardrails take the deploy role's ten; a third part would be the
    eleventh, which IAM refuses (LimitExceeded) after the other parts changed."""
    assert _run(config) == 0
    guardrails = _attach_guardrails(iam, 8)
    before = (_ours(iam), _attached(iam), _attached(iam, f"{PROJECT}-github-plan"))
    _three_environments(config)
    capsys.readouterr()
    assert _run(config) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"role {DEPLOY}" in err, err
    assert all(arn in err for arn in guardrails), err
    assert "3 managed policies" in err and "8 attached to it by others" in err, err
    assert "the 10 this account may attach to a role" in err, err
    assert "L-0DA4ABF3" in err and "us-east-1" in err and "up to 20" in err, err
    assert "Nothing was changed" in err, err
    assert (_ours(iam), _attached(iam), _attached(iam, f"{PROJECT}-github-plan")) == before

    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10, applied=11)  # raised: it fits
    assert _run(config) == 0, capsys.readouterr().err
    assert len(_attached(iam)) == 11


def test_a_policy_named_like_a_part_outside_the_projects_path_is_not_bootstraps(
    iam, config, capsys
):
    """Before: a part was judged by its name alone, so someone else's ``{role}-5`` (made at
    IAM's default path ``/``) attached to the role was a part no longer needed: detached and
    deleted. Bootstrap's parts live under ``/{project}/``: one elsewhere is kept, counted and
    listed like any guardrail."""
    assert _run(config) == 0
    made = iam.create_policy(PolicyName=f"{DEPLOY}-5", PolicyDocument=json.dumps(GUARDRAIL))
    lookalike = made["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=DEPLOY, PolicyArn=lookalike)
    capsys.readouterr()
    assert _run(config) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert lookalike in _attached(iam), out
    assert iam.get_policy(PolicyArn=lookalike)["Policy"]["Arn"] == lookalike
    assert f"kept on {DEPLOY}, not made by bootstrap" in out and lookalike in out, out
    assert "detached" not in out and "deleted" not in out, out


def test_a_lookalike_holding_a_needed_parts_name_is_refused_before_any_change(iam, config, capsys):
    """IAM's policy names are unique in an account whatever their path (CreatePolicy: "IAM
    user, group, role, and policy names must be unique within the account"). Someone's
    ``{role}-3`` at ``/``, attached to the deploy role, is kept as theirs; when the deploy role
    then needs a third part, bootstrap's CreatePolicy of ``/{project}/{role}-3`` would be
    refused (EntityAlreadyExists) after its other changes: it is refused first, saying why."""
    assert _run(config) == 0
    made = iam.create_policy(PolicyName=f"{DEPLOY}-3", PolicyDocument=json.dumps(GUARDRAIL))
    lookalike = made["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=DEPLOY, PolicyArn=lookalike)
    before = (_ours(iam), _attached(iam), _attached(iam, f"{PROJECT}-github-plan"))
    _three_environments(config)
    capsys.readouterr()
    assert _run(config) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"role {DEPLOY}" in err and lookalike in err, err
    assert f"{DEPLOY}-3" in err and "unique" in err, err
    assert "Nothing was changed" in err, err
    assert (_ours(iam), _attached(iam), _attached(iam, f"{PROJECT}-github-plan")) == before
