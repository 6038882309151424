"""`deploy bootstrap` against a moto server: creates, converges, repairs, and --print calls nothing.

Real boto3 clients reach moto in server mode over HTTP (AWS_ENDPOINT_URL), fake credentials.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from deploy.bootstrap import policies
from deploy.bootstrap.cli import main
from tests.deploy.bootstrap.conftest import PROJECT, REGION, REPO
from tests.support import moto_iam
from tests.support.moto_quotas import IAM_QUOTAS, POLICIES_PER_ROLE, Quota
from tests.support.moto_server import fake_aws_env
from tests.support.sso_profiles import sso_config

MOTO_ACCOUNT = "123456789012"
OWNER_ID, REPO_ID = "1234", "5678"
PREFIX = f"repo:octo@{OWNER_ID}/trends@{REPO_ID}"
IDS = ("--owner-id", OWNER_ID, "--repo-id", REPO_ID)


def _run(config: Path, *extra: str) -> int:
    return main(["--github-repo", REPO, "--config", str(config), *(extra or IDS)])


def _target() -> policies.Target:
    return policies.Target(PROJECT, REGION, MOTO_ACCOUNT, REPO, subject_prefix=PREFIX)


def _permissions(iam, role: str) -> dict:
    """What the role is granted, as one document: its managed policies' statements in order
    (it has no inline policy)."""
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == []
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    statements = []
    for arn in sorted((p["PolicyArn"] for p in attached), key=lambda a: int(a.rsplit("-", 1)[1])):
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
        document = doc["Document"]
        if isinstance(document, str):  # moto's CloudFormation stores the dict's repr()
            document = ast.literal_eval(document)
        statements += document["Statement"]
    return {"Version": "2012-10-17", "Statement": statements}


def _parts(t: policies.Target | None = None) -> int:
    """How many managed policies bootstrap makes for the roles."""
    return sum(len(parts) for parts in policies.role_policies(t or _target()).values())


def test_creates_provider_and_both_roles(iam, config: Path, capsys) -> None:
    assert _run(config) == 0
    out = capsys.readouterr().out
    # the provider, the roles, their policies, the single deployment's boundary
    assert out.count("created") == 4 + _parts(), out
    assert f"created  arn:aws:iam::{MOTO_ACCOUNT}:policy/{PROJECT}/{PROJECT}-role-boundary" in out
    assert out.count("attached") == _parts(), out
    assert f"AWS_DEPLOY_ROLE_ARN --repo {REPO} --body arn:aws:iam::{MOTO_ACCOUNT}:role/" in out

    (provider,) = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert provider["Arn"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    details = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])
    assert details["ClientIDList"] == ["sts.amazonaws.com"]

    t = _target()
    for name, trust, perms in [
        (
            f"{PROJECT}-github-plan",
            policies.plan_trust_policy(t),
            policies.plan_permissions_policy(t),
        ),
        (
            f"{PROJECT}-github-deploy",
            policies.deploy_trust_policy(t),
            policies.deploy_permissions_policy(t),
        ),
    ]:
        role = iam.get_role(RoleName=name)["Role"]
        assert role["AssumeRolePolicyDocument"] == trust
        assert _permissions(iam, name) == perms
        tags = {x["Key"]: x["Value"] for x in iam.list_role_tags(RoleName=name)["Tags"]}
        assert tags["project"] == PROJECT
    deploy_trust = iam.get_role(RoleName=f"{PROJECT}-github-deploy")["Role"]
    subjects = deploy_trust["AssumeRolePolicyDocument"]["Statement"][0]["Condition"][
        "StringEquals"
    ]["token.actions.githubusercontent.com:sub"]
    assert subjects == [f"{PREFIX}:environment:production"]
    assert "deployment-branch-policies -f name=main" in out  # the branch rule, printed


def test_second_run_changes_nothing(iam, config: Path, capsys) -> None:
    assert _run(config) == 0
    before = {r["RoleName"]: (r["RoleId"], r["CreateDate"]) for r in iam.list_roles()["Roles"]}
    capsys.readouterr()
    assert _run(config) == 0
    out = capsys.readouterr().out
    assert "created" not in out and "updated" not in out, out
    assert out.count("unchanged") == 3 + _parts() and out.count("exists") == 1, out
    after = {r["RoleName"]: (r["RoleId"], r["CreateDate"]) for r in iam.list_roles()["Roles"]}
    assert after == before
    assert len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 1


def test_repairs_drifted_trust_policy_and_a_detached_policy(iam, config: Path, capsys) -> None:
    assert _run(config) == 0
    loose = policies.deploy_trust_policy(_target())
    loose["Statement"][0]["Condition"]["StringEquals"][
        "token.actions.githubusercontent.com:sub"
    ] = "repo:attacker/x:ref:refs/heads/main"
    iam.update_assume_role_policy(
        RoleName=f"{PROJECT}-github-deploy", PolicyDocument=json.dumps(loose)
    )
    (part,) = policies.role_policies(_target())[f"{PROJECT}-github-plan"]
    iam.detach_role_policy(RoleName=f"{PROJECT}-github-plan", PolicyArn=part.arn)
    capsys.readouterr()

    assert _run(config) == 0
    out = capsys.readouterr().out
    assert "trust updated" in out and f"attached {part.arn} to {PROJECT}-github-plan" in out, out
    deploy_role = iam.get_role(RoleName=f"{PROJECT}-github-deploy")["Role"]
    assert deploy_role["AssumeRolePolicyDocument"] == policies.deploy_trust_policy(_target())
    plan = _permissions(iam, f"{PROJECT}-github-plan")
    assert plan == policies.plan_permissions_policy(_target())


def test_existing_provider_gets_the_sts_audience(iam, config: Path, capsys) -> None:
    arn = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["something-else"],
        ThumbprintList=list(policies.GITHUB_THUMBPRINTS),
    )["OpenIDConnectProviderArn"]
    assert _run(config) == 0
    assert "added audience sts.amazonaws.com" in capsys.readouterr().out
    clients = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]
    assert sorted(clients) == ["something-else", "sts.amazonaws.com"]
    assert len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 1


def _roles(iam) -> dict[str, tuple]:
    """Each GitHub role as IAM has it: trust and permissions (what a rewrite would change)."""
    return {
        name: (
            iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"],
            _permissions(iam, name),
        )
        for name in (f"{PROJECT}-github-plan", f"{PROJECT}-github-deploy")
    }


def test_roles_of_the_projects_stack_in_another_region_are_not_rewritten(
    iam, config: Path, tmp_path: Path, capsys
) -> None:
    """IAM names are global: a bootstrap of the same project in a second region would rewrite
    the roles the first region's workflows assume (their policy names its resources)."""
    assert _run(config) == 0
    before = _roles(iam)
    capsys.readouterr()
    us = tmp_path / "us.yaml"
    us.write_text(f"project: {PROJECT}\nregion: us-east-1\n", encoding="utf-8")
    assert _run(us) == 1
    err = capsys.readouterr().err
    # (both roles' policies name the region: the plan role reads the project's functions,
    # models and HTTP APIs by ARN)
    assert err.startswith(
        f"bootstrap: IAM roles {PROJECT}-github-plan, {PROJECT}-github-deploy serve the stack "
        f"of project {PROJECT} in "
        f"{REGION}: their policies name its resources, and IAM role names are global, so "
        f"bootstrapping it in us-east-1 too would rewrite them"
    ), err
    assert "Nothing was changed" in err and "AWS refused" not in err
    assert f"bootstrap and deploy it from {REGION} only (`region: {REGION}`" in err
    assert f"aws iam delete-role --role-name {PROJECT}-github-plan" in err
    assert "give the stack in us-east-1 another name (`project:` in config.yaml)" in err
    assert _roles(iam) == before


def _run_aws_iam(iam, commands: str) -> None:
    """The `aws iam ...` commands a refusal prints (`a && b; c`), run as the AWS CLI would
    (each option `--role-name` is the API's `RoleName`), stopping at the first IAM refuses."""
    import re
    import shlex

    for command in re.split(r" && |; ", commands):
        aws, service, operation, *options = shlex.split(command)
        assert (aws, service) == ("aws", "iam"), command
        params = {
            "".join(w.title() for w in options[i][2:].split("-")): options[i + 1]
            for i in range(0, len(options), 2)
        }
        getattr(iam, operation.replace("-", "_"))(**params)


def test_the_printed_commands_delete_the_roles_of_another_regions_stack(
    iam, config: Path, tmp_path: Path, capsys
) -> None:
    """docs/deploy.md, step 2: bootstrap refuses another region's roles and "prints the `aws
    iam` commands" that delete them: run as printed, they must delete the roles (IAM refuses
    DeleteRole while a managed policy is attached: DeleteConflict), so that bootstrap runs."""
    assert _run(config) == 0
    capsys.readouterr()
    us = tmp_path / "us.yaml"
    us.write_text(f"project: {PROJECT}\nregion: us-east-1\n", encoding="utf-8")
    assert _run(us) == 1
    err = capsys.readouterr().err
    commands = err.split("delete the roles first (", 1)[1].split(") and run bootstrap again")[0]
    _run_aws_iam(iam, commands)
    names = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert not {f"{PROJECT}-github-plan", f"{PROJECT}-github-deploy"} & names
    assert _run(us) == 0


def test_roles_another_repository_trusts_are_not_rewritten_for_a_fork(
    iam, config: Path, capsys
) -> None:
    """A second fork with the same project name, in the same account and region: its
    bootstrap would hand the first repository's roles to the fork."""
    assert _run(config) == 0
    before = _roles(iam)
    capsys.readouterr()
    fork = ["--owner-id", "999", "--repo-id", "777"]
    assert main(["--github-repo", "fork/trends", "--config", str(config), *fork]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"bootstrap: IAM roles {PROJECT}-github-plan, {PROJECT}-github-deploy trust the GitHub "
        f"repository {REPO}: their trust policies name it, and IAM role names are global, so "
        "bootstrapping them for fork/trends would rewrite them and cut octo/trends's workflows "
        "off"
    ), err
    assert f"run bootstrap with `--github-repo {REPO}` if that is this repository" in err
    assert "give this repository's stack another name (`project:` in config.yaml)" in err
    assert _roles(iam) == before


def test_the_same_repository_moving_to_immutable_subjects_is_no_other_repository(
    iam, config: Path, capsys
) -> None:
    assert _run(config, "--subject-format", "legacy") == 0
    capsys.readouterr()
    assert _run(config) == 0  # its owner and repository ids now: the same repository
    assert "trust updated" in capsys.readouterr().out
    trust = iam.get_role(RoleName=f"{PROJECT}-github-deploy")["Role"]["AssumeRolePolicyDocument"]
    assert trust == policies.deploy_trust_policy(_target())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--github-repo", "not a repo"], "OWNER/NAME"),
        (["--github-repo", "o/n", "--branch", "main;rm"], "--branch"),
    ],
)
def test_bad_arguments_fail_clearly(config: Path, capsys, args, message) -> None:
    assert main([*args, "--config", str(config), "--print", *IDS]) == 1
    assert message in capsys.readouterr().err


def test_aws_refusal_is_reported_not_raised(
    config: Path, capsys, monkeypatch, closed_port: int
) -> None:
    fake_aws_env(monkeypatch, f"http://127.0.0.1:{closed_port}", REGION)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert _run(config) == 1
    err = capsys.readouterr().err
    assert "bootstrap: AWS refused" in err and "--print" in err


@pytest.mark.usefixtures("iam")
def test_an_sso_login_expired_says_sign_in_again(
    config: Path, capsys, monkeypatch, tmp_path: Path
) -> None:
    """Bootstrap's own refusal hint (administrator credentials, or --print) was all an
    expired SSO session got: signing in again is the step."""
    sso_config(tmp_path, monkeypatch)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert _run(config) == 1
    err = capsys.readouterr().err
    assert "Error loading SSO Token: Token for corp does not exist" in err
    assert "hint: the credentials have expired" in err and "Traceback" not in err
    assert "run `aws sso login --profile dev`" in err


@pytest.mark.parametrize("config_first", [True, False])
def test_registered_on_the_deploy_cli(config: Path, config_first: bool) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    where = ["--config", str(config)]
    argv = [sys.executable, "-m", "deploy"]
    rest = ["bootstrap", "--github-repo", REPO, "--print", *IDS]
    argv += [*where, *rest] if config_first else [*rest, *where]
    result = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    template = json.loads(result.stdout)
    assert template["Resources"]["DeployRole"]["Properties"]["RoleName"] == (
        f"{PROJECT}-github-deploy"
    )


def test_roles_over_iams_quotas_are_refused_before_any_aws_call(iam, config: Path, capsys) -> None:
    """The roles' permissions are managed policies of at most 6,144 characters, ten a role;
    the deploy role's grow with each environment, and thirty environments take more than
    ten: IAM would refuse the eleventh AttachRolePolicy (LimitExceeded) half-way through.
    Bootstrap says so first and makes nothing."""
    envs = "".join(f"  env{n}: {{}}\n" for n in range(30))
    config.write_text(
        f"project: trends-anomaly\nregion: eu-west-1\nenvironments:\n{envs}", encoding="utf-8"
    )
    assert _run(config) == 1
    err = capsys.readouterr().err
    assert "role trends-anomaly-github-deploy: its permissions take 1" in err
    assert "managed policies, over IAM's default 10 attached to a role" in err
    assert "environments: env0, env1" in err
    assert iam.list_roles()["Roles"] == []
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert _run(config, "--print") == 1  # the template's policies are the same


def test_an_account_with_a_raised_quota_gets_its_twelve_policies(iam, config: Path, capsys) -> None:
    """Twenty-eight environments take the deploy role to twelve managed policies: with "Managed
    policies per role" raised to 20 in Service Quotas (read in us-east-1), bootstrap attaches
    all twelve, and moto holds AttachRolePolicy to the raised value."""
    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10, applied=20)
    envs = "".join(f"  env{n}: {{}}\n" for n in range(28))
    config.write_text(
        f"project: trends-anomaly\nregion: eu-west-1\nenvironments:\n{envs}", encoding="utf-8"
    )
    assert _run(config) == 0, capsys.readouterr().err
    attached = iam.list_attached_role_policies(RoleName="trends-anomaly-github-deploy")
    assert len(attached["AttachedPolicies"]) == 12
    assert "note:" not in capsys.readouterr().err


def test_a_refusal_says_how_to_raise_the_quota_and_that_it_was_not_read(
    iam, config: Path, capsys
) -> None:
    envs = "".join(f"  env{n}: {{}}\n" for n in range(28))
    config.write_text(
        f"project: trends-anomaly\nregion: eu-west-1\nenvironments:\n{envs}", encoding="utf-8"
    )
    assert _run(config) == 1
    err = capsys.readouterr().err
    (note,) = [line for line in err.splitlines() if "note:" in line]
    assert "L-0DA4ABF3" in note and "never raised" in note and "default 10" in note
    assert "Service Quotas raises it up to 20 (IAM, 'Managed policies per role', L-0DA4ABF3, " \
        "in us-east-1" in err  # fmt: skip
    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10, applied=11)
    assert _run(config) == 1
    err = capsys.readouterr().err
    assert "take 12 managed policies, over the 11 this account may attach to a role" in err
    assert "note:" not in err


def test_print_checks_against_a_raised_quota_it_is_told(
    config: Path, capsys, monkeypatch, closed_port: int
) -> None:
    """--print calls no AWS API, so it cannot read the quota bootstrap reads: it refused
    twenty-eight environments' twelve policies on IAM's default 10 with no way to say the account's
    is raised. --attached-policies-max states it; the refusal says so."""
    fake_aws_env(monkeypatch, f"http://127.0.0.1:{closed_port}", REGION)  # nothing listens
    envs = "".join(f"  env{n}: {{}}\n" for n in range(28))
    config.write_text(
        f"project: trends-anomaly\nregion: eu-west-1\nenvironments:\n{envs}", encoding="utf-8"
    )
    assert _run(config, "--print", *IDS) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "managed policies, over IAM's default 10 attached to a role" in err
    assert "--print calls no AWS API, so it checked the roles against 10 managed policies " \
        "per role (IAM's default)" in err  # fmt: skip
    assert "give that value: --print --attached-policies-max N (10 to 20)" in err

    assert _run(config, "--print", "--attached-policies-max", "11", *IDS) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "take 12 managed policies, over the 11 this account may attach" in err
    assert "against 11 managed policies per role (as --attached-policies-max says)" in err

    assert _run(config, "--print", "--attached-policies-max", "12", *IDS) == 0
    resources = json.loads(capsys.readouterr().out)["Resources"]
    assert "DeployRolePolicy12" in resources and "DeployRolePolicy13" not in resources


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--print", "--attached-policies-max", "9"], "from 10 (IAM's default) to 20"),
        (["--print", "--attached-policies-max", "21"], "from 10 (IAM's default) to 20"),
        (["--print", "--attached-policies-max", "ten"], "must be a whole number"),
        (["--attached-policies-max", "20"], "is for --print, which calls no AWS API"),
    ],
)
def test_attached_policies_max_is_validated(
    config: Path, capsys, extra: list[str], said: str
) -> None:
    assert _run(config, *extra, *IDS) == 1
    err = capsys.readouterr().err
    assert err.startswith("bootstrap: --attached-policies-max ") and said in err, err


def test_up_to_fifteen_environments_fit_any_names_and_region() -> None:
    """docs/environments.md, 'Environments and previews': fifteen environments with previews, with
    the longest project and environment names and a long region; the sixteenth takes the deploy
    role past ten managed policies (each environment's roles are named twice: once for what
    needs their boundary, once for the rest)."""

    def target(n: int) -> policies.Target:
        envs = tuple(f"{i:02d}".rjust(20, "e") for i in range(n))  # 20: the longest name
        return policies.Target("a" * 31, "ap-southeast-2", "", REPO, previews=True,
                               environments=envs)  # fmt: skip

    assert policies.quota_problems(target(15)) == []
    (problem,) = policies.quota_problems(target(16))
    assert "its permissions take 11 managed policies" in problem
    assert policies.iam_size({"a": " b c"}) == len('{"a":"bc"}')


def test_iam_size_leaves_out_exactly_what_python_calls_whitespace() -> None:
    """iam_size counts the non-whitespace characters with str.split() (in C): the same
    characters as a count of `not c.isspace()`, for every whitespace character there is."""
    every = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    for text in (f"a{every}b", every, "no whitespace"):
        for document in (text, {"a": text}):
            dumped = json.dumps(document, separators=(",", ":"))
            assert policies.iam_size(document) == sum(not c.isspace() for c in dumped)
    assert moto_iam.iam_size(f"a{every}b {{}}") == len("ab{}")


def test_it_says_a_renamed_or_transferred_repository_needs_bootstrap_again(
    iam, config: Path, capsys
) -> None:
    """The roles trust exact `sub` claims, and both formats carry the names: the immutable one
    "keeps the names but appends the immutable owner ID and repository ID"
    (learn.microsoft.com/entra/workload-id/workload-identities-github-immutable-subjects;
    GitHub Docs, OpenID Connect, "Immutable subject claims"), and a legacy repository renamed
    since July 15, 2026 switches to the immutable format. After a rename or a transfer (a
    fork moved to its organization) every AWS step of every workflow is refused
    (AssumeRoleWithWebIdentity) and `plan` cannot warn: it cannot assume its role either.
    Bootstrap must say so where it prints the subject it trusts."""
    from tests.support.iam_eval import allowed

    assert _run(config) == 0
    err = capsys.readouterr()
    said = err.out + err.err
    trust = iam.get_role(RoleName=f"{PROJECT}-github-deploy")["Role"]["AssumeRolePolicyDocument"]
    renamed = f"repo:octo@{OWNER_ID}/trends-app@{REPO_ID}:environment:production"
    claims = {
        "token.actions.githubusercontent.com:sub": renamed,
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:ref": "refs/heads/main",
    }
    assert not allowed(trust, "sts:AssumeRoleWithWebIdentity", "*", claims)
    assert "Renaming or transferring the repository changes this subject" in said, said
    assert "run bootstrap again with the new --github-repo" in said


@pytest.mark.parametrize(
    ("extra", "warned"),
    [([], False), (["--branch", "release"], True), (["--environment", "prod"], True)],
    ids=["defaults", "another branch", "another environment"],
)
def test_a_branch_or_environment_the_workflows_do_not_use_is_warned_of(
    config: Path, capsys, extra: list[str], warned: bool
) -> None:
    """`--branch` was documented as "the branch that deploys" and `--environment` as the deploy
    jobs' GitHub environment, but the workflows name `main` and `production` themselves
    (deploy.yml's `push: branches: [main]`, the main-only checks of rollback, teardown and
    drift, `environment: production`): roles bootstrapped for another branch or environment
    trust a subject no workflow sends ("repo:…:environment:<name>" and the `ref` claim of the
    branch the job runs on, https://docs.github.com/en/actions/reference/security/oidc), and
    every deploy is refused (or, for another branch, never runs)."""
    assert main(["--github-repo", REPO, "--config", str(config), "--print", *IDS, *extra]) == 0
    err = capsys.readouterr().err
    assert ("the workflows deploy from main in the GitHub environment production" in err) is warned


def test_a_hand_made_role_of_a_github_roles_name_at_another_path_gets_bootstraps_advice(
    iam, config: Path, capsys
) -> None:
    """Bootstrap's GitHub roles are at `/`; a role of one's name elsewhere, not this project's
    (no project tag), cannot be moved (IAM has no call that changes a role's path) nor be
    bootstrap's. The stop says bootstrap's ways on, not the stack's: `destroy` never deletes
    the GitHub roles, and a tag would not move it, so neither is offered. No AWS refused it."""
    role = f"{PROJECT}-github-deploy"
    iam.create_role(RoleName=role, Path="/elsewhere/", AssumeRolePolicyDocument="{}")
    assert _run(config) == 1
    err = capsys.readouterr().err
    assert err == (
        f"bootstrap: IAM role {role} (arn:aws:iam::{MOTO_ACCOUNT}:role/elsewhere/{role}, path "
        f"/elsewhere/) was not created by this project (it has no project={PROJECT} tag), and "
        "bootstrap needs a role of that name at /. IAM role names are unique in an account "
        "whatever the path, and IAM cannot change a role's path, so tagging it as this "
        "project's would not make it usable. Either give this project another name (`project:` "
        f"in config.yaml: the GitHub roles are named {PROJECT}-github-…), or, if that role is "
        "really a leftover of this project, delete it by hand (detach its managed policies and "
        f"delete its inline ones first, then `aws iam delete-role --role-name {role}`) and run "
        "bootstrap again, which creates it at /; then set the role ARN it prints in GitHub\n"
    ), err
    assert iam.get_role(RoleName=role)["Role"]["Path"] == "/elsewhere/"
    # Stopped before any change: before, the provider, the plan role, the managed policies
    # and the boundary were made first, the stop being the deploy role's step.
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == [role]
    assert iam.list_policies(Scope="Local")["Policies"] == []


@pytest.mark.parametrize(
    "tags",
    [[], [{"Key": "project", "Value": "another"}]],
    ids=["untagged", "another project's"],
)
def test_a_hand_made_role_of_a_github_roles_name_is_not_taken_over(
    iam, config: Path, capsys, tags: list[dict]
) -> None:
    """A role named `{project}-github-deploy` at `/` that bootstrap did not make (no
    project={project} tag: every bootstrap created its roles with it, in CreateRole's Tags,
    and the template alike) was rewritten before: its trust replaced, bootstrap's tags put on
    and its policies attached, exit 0. Now bootstrap stops before any change, as the engine's
    apply does (`stacks.not_made_here`), naming the role and the two ways on."""
    role = f"{PROJECT}-github-deploy"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust), Tags=tags)
    iam.put_role_policy(RoleName=role, PolicyName="hand", PolicyDocument=json.dumps(trust | {
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]
    }))  # fmt: skip
    assert _run(config) == 1
    err = capsys.readouterr().err
    arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/{role}"
    assert f"IAM role {role} ({arn}, path /) does not carry this project's tag" in err, err
    assert f"`aws iam tag-role --role-name {role} --tags Key=project,Value={PROJECT}`" in err
    assert "`project:` in config.yaml" in err and "Nothing was changed." in err, err
    assert f"{PROJECT}-github-plan" not in err  # missing, so bootstrap's to create: not named
    got = iam.get_role(RoleName=role)["Role"]
    assert got["AssumeRolePolicyDocument"] == trust
    assert iam.list_role_tags(RoleName=role)["Tags"] == tags
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["hand"]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == [role]
    # Adopted on purpose with the command given, it is bootstrap's to converge.
    command = err.split("(adopt it: `", 1)[1].split("`", 1)[0]
    assert command == f"aws iam tag-role --role-name {role} --tags Key=project,Value={PROJECT}"
    iam.tag_role(RoleName=role, Tags=[{"Key": "project", "Value": PROJECT}])  # what it does
    assert _run(config) == 0
    assert iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"] != trust


def test_a_permissions_boundary_put_on_a_github_role_stops_bootstrap_before_any_change(
    iam, config: Path, capsys
) -> None:
    """Bootstrap gives its GitHub roles no permissions boundary, and has no input that would
    (config.yaml names none, nor does any option): one put on a role by hand is a stop, with
    bootstrap's words (not the stack's "which config.yaml does not give it"), and before any
    change: before, the stop was the role's step, after the provider was made again."""
    assert _run(config) == 0
    role = f"{PROJECT}-github-deploy"
    boundary = f"arn:aws:iam::{MOTO_ACCOUNT}:policy/{PROJECT}/{PROJECT}-role-boundary"
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=boundary)
    (provider,) = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])
    capsys.readouterr()
    assert _run(config) == 1
    err = capsys.readouterr().err
    assert err == (
        f"bootstrap: IAM role {role} has the permissions boundary {boundary}, which bootstrap "
        "does not give its GitHub roles: what they may do is the managed policies bootstrap "
        "attaches to them, and a boundary caps that, so the workflows could be refused what "
        "they need. Nothing was changed. Remove it (aws iam delete-role-permissions-boundary "
        f"--role-name {role}), then run bootstrap again\n"
    ), err
    got = iam.get_role(RoleName=role)["Role"]
    assert got["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
