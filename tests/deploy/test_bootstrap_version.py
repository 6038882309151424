"""plan and apply compare each GitHub role's bootstrap-policy-sha256 tag with this commit's: a
role behind is named with the command to run, a check that cannot run says why, neither fails.

On the moto server with real boto3: bootstrap (deploy/bootstrap/apply.py) tags the roles, then
`python -m deploy plan` / `apply` as a user runs them. A policy changed "by a later commit" is
policies.py monkeypatched in this process after bootstrap ran.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from deploy import bootstrap_version
from deploy.aws import Aws
from deploy.bootstrap import policies
from deploy.bootstrap.apply import apply as bootstrap_apply
from deploy.cli import main
from deploy.config import load_config_file
from tests.deploy.deploy_helpers import IMAGE, PROJECT, session
from tests.support.iam_eval import allowed
from tests.support.moto_quotas import IAM_QUOTAS, POLICIES_PER_ROLE, Quota
from tests.support.refusals import refuse

pytestmark = pytest.mark.usefixtures("aws_env", "image_pushed")
REGION = "us-east-1"
PLAN_ROLE = f"{PROJECT}-github-plan"
DEPLOY_ROLE = f"{PROJECT}-github-deploy"
BEHIND = "the workflows' IAM roles are behind this commit"
COULD_NOT = "could not check whether the workflows' IAM roles are up to date"
TAG = "bootstrap-policy-sha256"  # spelled out: these tests must fail without the change


def _bootstrap(**kw: Any) -> None:
    bootstrap_apply(Aws(REGION, session()), policies.Target(PROJECT, REGION, "", "octo/t", **kw))


def _plan(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    capsys.readouterr()
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "plan", "--image", IMAGE, *extra]) == 2  # nothing deployed
    return capsys.readouterr().out


def _grant_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a later commit does to policies.py: one more grant for the deploy role."""
    rendered = policies.deploy_permissions_policy

    def more(t: policies.Target) -> policies.Policy:
        policy = rendered(t)
        new = {"Sid": "New", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}
        return {**policy, "Statement": [*policy["Statement"], new]}

    monkeypatch.setattr(policies, "deploy_permissions_policy", more)


def _record_role_tag_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The roles every client the commands make reads the tags of."""
    read: list[str] = []
    make = Aws.client

    def record(params: dict[str, Any], **_: Any) -> None:
        read.append(params["RoleName"])

    def client(self: Aws, service: str) -> Any:
        made = make(self, service)
        if service == "iam":
            made.meta.events.register(
                "before-parameter-build.iam.ListRoleTags", record, unique_id="read-role-tags"
            )
        return made

    monkeypatch.setattr(Aws, "client", client)
    return read


def test_bootstrap_then_plan_warns_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _bootstrap()
    iam = boto3.client("iam", region_name=REGION)
    for role in (PLAN_ROLE, DEPLOY_ROLE):
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]}
        assert len(tags[TAG]) == 64, tags
    read = _record_role_tag_reads(monkeypatch)
    out = _plan(project, capsys)
    assert BEHIND not in out and COULD_NOT not in out, out
    assert "Warning:" not in out, out
    # What it read, the plan role may read (on those roles' ARNs alone: the last test).
    assert read == [PLAN_ROLE, DEPLOY_ROLE]
    t = policies.Target(PROJECT, REGION, "123456789012", "octo/t")
    plan_role = policies.plan_permissions_policy(t)
    assert all(allowed(plan_role, "iam:ListRoleTags", t.role_arn(name)) for name in read)


def test_a_policy_changed_since_bootstrap_is_a_warning_naming_the_role(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "fork/trends")
    _bootstrap()
    _grant_more(monkeypatch)
    out = _plan(project, capsys)
    (warning,) = [line for line in out.splitlines() if BEHIND in line]
    assert f"{DEPLOY_ROLE} (its policy or trust differs from what this commit's" in warning
    assert PLAN_ROLE not in warning  # its policy did not change
    assert "Run `python -m deploy bootstrap --github-repo fork/trends`" in warning
    assert "AccessDenied" in warning
    # The pull request's plan comment and the JSON plan say it too.
    markdown = _plan(project, capsys, "--format", "markdown")
    assert f"> **Warning:** {BEHIND}: {DEPLOY_ROLE} (" in markdown
    doc = json.loads(_plan(project, capsys, "--format", "json"))
    assert any(DEPLOY_ROLE in w for w in doc["warnings"] if BEHIND in w)
    # Bootstrap again (with this commit's policies): up to date.
    _bootstrap()
    assert BEHIND not in _plan(project, capsys)


def test_a_role_without_the_tag_was_bootstrapped_before_this_check(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    _bootstrap()
    boto3.client("iam", region_name=REGION).untag_role(RoleName=PLAN_ROLE, TagKeys=[TAG])
    out = _plan(project, capsys)
    (warning,) = [line for line in out.splitlines() if BEHIND in line]
    assert f"{PLAN_ROLE} (bootstrapped before this check: no {TAG} tag)" in warning
    assert DEPLOY_ROLE not in warning
    assert "`python -m deploy bootstrap --github-repo OWNER/NAME`" in warning


def test_previews_added_since_bootstrap_name_the_missing_preview_role(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _bootstrap()
    config = project / "config.yaml"
    config.write_text(config.read_text() + "preview: {}\n")
    out = _plan(project, capsys)
    (warning,) = [line for line in out.splitlines() if BEHIND in line]
    assert f"{PROJECT}-github-preview (does not exist: bootstrap creates it (`preview:`" in warning
    # The plan and deploy roles' hashes cover config.yaml's `preview:` too (their reads of
    # the previews' resources): behind as well.
    assert PLAN_ROLE in warning and DEPLOY_ROLE in warning


def test_never_bootstrapped_here_says_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No GitHub role at all: plan runs with one's own credentials, not the workflows'."""
    out = _plan(project, capsys)
    assert BEHIND not in out and COULD_NOT not in out, out


def test_the_image_step_warns_as_plan_does_before_it_builds(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`deploy image` is the merge's first AWS step (deploy.yml): it says a role is behind in
    plan's words, and goes on (a warning, never a refusal)."""
    monkeypatch.setenv("GITHUB_REPOSITORY", "fork/trends")
    _bootstrap()
    _grant_more(monkeypatch)
    capsys.readouterr()
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "image", "--image", IMAGE]) == 0
    out = capsys.readouterr().out
    (warning,) = [line for line in out.splitlines() if BEHIND in line]
    assert warning.startswith(f"Warning: {BEHIND}: {DEPLOY_ROLE} (")
    assert "`python -m deploy bootstrap --github-repo fork/trends`" in warning
    assert out.index(warning) < out.index("image=")  # said before the image is resolved
    assert warning in _plan(project, capsys).splitlines()  # the very words plan prints


def test_plan_without_the_bootstrap_check_reads_no_role(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workflows plan each environment; the check covers them all, so one plan runs it."""
    _bootstrap()
    _grant_more(monkeypatch)
    read = _record_role_tag_reads(monkeypatch)
    out = _plan(project, capsys, "--no-bootstrap-check")
    assert read == [] and BEHIND not in out, out


def _deny_list_role_tags(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every client the commands make refuses iam:ListRoleTags as AWS refuses a role without
    the grant (a role bootstrapped before it existed); the names asked for are returned."""
    asked: list[str] = []
    make = Aws.client

    def deny(params: dict[str, Any], **_: Any) -> None:
        asked.append(params["RoleName"])
        message = (
            f"User: arn:aws:sts::123456789012:assumed-role/{PLAN_ROLE}/GitHubActions is not "
            f"authorized to perform: iam:ListRoleTags on resource: role {params['RoleName']} "
            "because no identity-based policy allows the iam:ListRoleTags action"
        )
        error = {"Error": {"Code": "AccessDenied", "Message": message}}
        raise botocore.exceptions.ClientError(error, "ListRoleTags")  # type: ignore[arg-type]

    def client(self: Aws, service: str) -> Any:
        made = make(self, service)
        if service == "iam":
            made.meta.events.register(
                "before-parameter-build.iam.ListRoleTags", deny, unique_id="deny-list-role-tags"
            )
        return made

    monkeypatch.setattr(Aws, "client", client)
    return asked


def test_a_plan_role_that_may_not_read_the_tags_could_not_check_and_plans(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _bootstrap()
    asked = _deny_list_role_tags(monkeypatch)
    out = _plan(project, capsys)  # the plan itself: exit 2, every action shown
    assert asked == [PLAN_ROLE]  # one refusal is enough
    (warning,) = [line for line in out.splitlines() if COULD_NOT in line]
    assert f"iam:ListRoleTags on {PLAN_ROLE}: AWS said AccessDenied: User: " in warning
    assert "bootstrapped before this check may not read" in warning
    assert "`python -m deploy bootstrap --github-repo" in warning
    assert BEHIND not in out
    assert "+ create  lambda_function         trends-anomaly-detect" in out


def test_apply_warns_first_and_its_access_denied_names_the_role_behind(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A role behind does not stop the apply (the change may not need what it lacks); the
    AccessDenied it may then meet names the role and the command."""
    _bootstrap()
    _grant_more(monkeypatch)
    refuse(monkeypatch, "sagemaker", "CreateModel", "AccessDeniedException", "not authorized")
    capsys.readouterr()
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 1
    captured = capsys.readouterr()
    assert f"Warning: {BEHIND}: {DEPLOY_ROLE} (" in captured.out
    assert "[1/" in captured.out  # it went ahead
    assert "sagemaker:CreateModel failed: AWS said AccessDeniedException" in captured.err
    assert f"The workflows' IAM roles are behind this commit: {DEPLOY_ROLE} (" in captured.err
    assert "then run the deploy again" in captured.err


def test_apply_whose_credentials_expired_says_sign_in_again_not_the_roles_behind(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials that expire half-way (an SSO session, a role's 1-hour keys) are no grant a
    role lacks: neither the roles behind nor bootstrap are the fix, signing in again is."""
    _bootstrap()
    _grant_more(monkeypatch)
    expired = "The security token included in the request is expired"
    refuse(monkeypatch, "sagemaker", "CreateModel", "ExpiredTokenException", expired)
    capsys.readouterr()
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 1
    err = capsys.readouterr().err
    assert "sagemaker:CreateModel failed: AWS said ExpiredTokenException" in err
    assert "The credentials have expired" in err and "`aws sso login`" in err
    assert "behind this commit" not in err and "bootstrap" not in err


@pytest.mark.parametrize("previews", [False, True])
def test_every_github_role_may_read_the_github_roles_tags_and_no_other_roles(
    previews: bool,
) -> None:
    t = policies.Target(PROJECT, REGION, "123456789012", "octo/t", previews=previews)
    github = [t.plan_role_name, t.deploy_role_name] + ([t.preview_role_name] if previews else [])
    documents = [policies.plan_permissions_policy(t), policies.deploy_permissions_policy(t)]
    documents += [policies.preview_permissions_policy(t)] if previews else []
    for document in documents:
        for name in github:
            assert allowed(document, "iam:ListRoleTags", t.role_arn(name)), name
        for other in ("admin", f"{PROJECT}-github-other", f"{PROJECT}x-github-plan"):
            assert not allowed(document, "iam:ListRoleTags", t.role_arn(other)), other


def test_roles_past_ten_policies_are_refused_unless_the_account_raised_the_quota(
    tmp_path: Path,
) -> None:
    """Twenty-eight environments take the deploy role to twelve managed policies: plan's check
    says bootstrap cannot make it under IAM's default 10, and not once the account's
    "Managed policies per role" is 20 (read with ListServiceQuotas, which the roles have)."""
    envs = "".join(f"  env{n}: {{}}\n" for n in range(28))
    config = tmp_path / "config.yaml"
    config.write_text(f"project: {PROJECT}\nregion: {REGION}\nenvironments:\n{envs}", "utf-8")
    file = load_config_file(str(config))
    aws = Aws(REGION, session())
    (problem,) = bootstrap_version.check(aws, file).too_big
    assert "take 12 managed policies, over IAM's default 10" in problem
    assert "L-0DA4ABF3" in problem and "never raised" in problem
    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10, applied=20)
    assert bootstrap_version.check(aws, file).too_big == []
    t = policies.Target(PROJECT, REGION, "123456789012", "octo/t")
    for role in (policies.plan_permissions_policy(t), policies.deploy_permissions_policy(t)):
        assert allowed(role, "servicequotas:ListServiceQuotas", "*")


def test_policies_others_attached_count_against_the_quota_as_bootstrap_counts_them(
    tmp_path: Path,
) -> None:
    """Bootstrap keeps the managed policies someone else attached to a role (a guardrail)
    and refuses when its parts and those pass "Managed policies per role": plan's check says
    so first. Three environments take the deploy role to three parts: beside eight
    guardrails, eleven."""
    _bootstrap()  # no environments: two parts, room for eight more
    iam = boto3.client("iam", region_name=REGION)
    deny = {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
    guardrail = json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    guardrails = []
    for n in range(8):
        arn = iam.create_policy(PolicyName=f"org-guardrail-{n}", PolicyDocument=guardrail)
        guardrails.append(arn["Policy"]["Arn"])
        iam.attach_role_policy(RoleName=DEPLOY_ROLE, PolicyArn=guardrails[-1])
    envs = "".join(f"  {e}: {{}}\n" for e in ("dev", "staging", "production"))
    config = tmp_path / "config.yaml"
    config.write_text(f"project: {PROJECT}\nregion: {REGION}\nenvironments:\n{envs}", "utf-8")
    file = load_config_file(str(config))
    aws = Aws(REGION, session())
    (problem,) = bootstrap_version.check(aws, file).too_big
    assert f"role {DEPLOY_ROLE}: its permissions take 3 managed policies" in problem, problem
    assert "8 attached to it by others" in problem and all(a in problem for a in guardrails)
    assert "over the 10 this account may attach" in problem and "never raised" in problem
    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10, applied=11)
    assert bootstrap_version.check(aws, file).too_big == []
    t = policies.Target(PROJECT, REGION, "123456789012", "octo/t")
    for role in (policies.plan_permissions_policy(t), policies.deploy_permissions_policy(t)):
        for name in (PLAN_ROLE, DEPLOY_ROLE):
            assert allowed(role, "iam:ListAttachedRolePolicies", t.role_arn(name))
        assert not allowed(role, "iam:ListAttachedRolePolicies", t.role_arn("admin"))


def test_a_deploy_role_bootstrapped_before_the_boundaries_is_behind(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Roles written by a bootstrap from before the stacks' permissions boundaries (its deploy
    role may write its roles' policies with no boundary, and no boundary policy exists): plan
    says, in its usual words, that bootstrap must run again; once it has, nothing."""
    monkeypatch.setenv("GITHUB_REPOSITORY", "fork/trends")
    rendered = policies.deploy_permissions_policy

    def unbounded(t: policies.Target) -> policies.Policy:
        policy = rendered(t)
        statements = [
            {k: v for k, v in st.items() if k != "Condition"}
            if st["Sid"] == "IamProjectRolesOnlyWithTheBoundary"
            else st
            for st in policy["Statement"]
        ]
        return {**policy, "Statement": statements}

    with monkeypatch.context() as before:
        before.setattr(policies, "deploy_permissions_policy", unbounded)
        before.setattr(policies, "role_boundary_specs", lambda t: [])
        _bootstrap()
    iam = boto3.client("iam", region_name=REGION)
    out = _plan(project, capsys)
    (warning,) = [line for line in out.splitlines() if BEHIND in line]
    assert f"{DEPLOY_ROLE} (its policy or trust differs from what this commit's" in warning
    assert PLAN_ROLE not in warning
    assert "Run `python -m deploy bootstrap --github-repo fork/trends`" in warning
    _bootstrap()
    assert BEHIND not in _plan(project, capsys)
    boundary = f"arn:aws:iam::123456789012:policy/{PROJECT}/{PROJECT}-role-boundary"
    assert iam.get_policy(PolicyArn=boundary)["Policy"]["DefaultVersionId"]


def test_the_roles_are_rendered_with_the_repositories_of_config_yamls_prebuilt_images(
    tmp_path: Path,
) -> None:
    """The stacks' boundaries let SageMaker pull a prebuilt `model.image` (its role's policy
    names that repository): plan and bootstrap read the same repositories from config.yaml."""
    image = "210987654321.dkr.ecr.us-east-1.amazonaws.com/shared/models@sha256:" + "a" * 64
    path = tmp_path / "config.yaml"
    path.write_text(
        f"project: {PROJECT}\nregion: {REGION}\nmodel: {{image: '{image}'}}\n"
        "environments:\n  staging: {}\n  production: {}\n",
        encoding="utf-8",
    )
    t = bootstrap_version.target_of(load_config_file(path))
    assert t.image_repositories == ("arn:aws:ecr:us-east-1:210987654321:repository/shared/models",)


def test_a_roles_tags_are_read_to_their_last_page() -> None:
    """ListRoleTags is paged by Marker, and "IAM might return fewer than the MaxItems number
    of results even when there are more results available" (IAM API Reference): the
    bootstrap's fingerprint tag on a second page was read as missing (the roles behind)."""
    aws = Aws(REGION)
    with Stubber(aws.client("iam")) as stub:
        first = {"Tags": [{"Key": "project", "Value": PROJECT}], "IsTruncated": True, "Marker": "m"}
        stub.add_response("list_role_tags", first, {"RoleName": PLAN_ROLE})
        second = {"Tags": [{"Key": TAG, "Value": "abc"}]}
        stub.add_response("list_role_tags", second, {"RoleName": PLAN_ROLE, "Marker": "m"})
        assert bootstrap_version._tags(aws, PLAN_ROLE) == {"project": PROJECT, TAG: "abc"}
        stub.assert_no_pending_responses()
        stub.add_client_error("list_role_tags", "NoSuchEntity", "gone", 404)
        assert bootstrap_version._tags(aws, PLAN_ROLE) is None
