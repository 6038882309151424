"""`python -m deploy bootstrap`: GitHub OIDC provider + plan/deploy roles for the workflows.

Why this exists: the workflows must reach AWS without long-lived keys. A one-time, human-run
bootstrap (with admin credentials) creates GitHub's OIDC identity provider and two roles that
the workflows assume through OIDC (deploy/bootstrap/policies.py says what each may do).
``--print`` renders them as a CloudFormation template instead and calls no AWS API. It takes
no stack lock: it writes none of a stack's resources (deploy/lock.py says why that is safe).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import replace
from typing import Any

import botocore.exceptions

from deploy.aws import Aws, DeployError
from deploy.aws_errors import LAPSED_KINDS, classify, hint
from deploy.bootstrap import iam_quota
from deploy.bootstrap.apply import BoundaryNameTaken, NoRoomForParts, RolesTaken, apply
from deploy.bootstrap.github import GitHubError, Subject, subject_of
from deploy.bootstrap.github_settings import settings_lines
from deploy.bootstrap.handover import NoRoomToHold
from deploy.bootstrap.policies import (
    ATTACHED_POLICIES_MAX,
    ATTACHED_POLICIES_RAISED_MAX,
    ATTACHED_QUOTA_CODE,
    WORKFLOW_BRANCH,
    WORKFLOW_ENVIRONMENT,
    Target,
    iam_quota_region,
    quota_problems,
)
from deploy.bootstrap.template import cloudformation_template
from deploy.bootstrap_version import image_repositories
from deploy.config import load_config_file
from deploy.executor import Stopped

_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_BRANCH_RE = re.compile(r"^[A-Za-z0-9._/-]+$")
_ENV_RE = re.compile(r"^[A-Za-z0-9._ -]+$")


def _target(config_path: str, args: argparse.Namespace) -> Target:
    """Project, region, environments and previews from config.yaml (the engine's loader)."""
    file = load_config_file(config_path)
    return Target(
        file.base.project,
        file.base.region,
        "",
        args.github_repo,
        args.branch,
        args.environment,
        environments=tuple(file.environments),
        previews=file.previews_enabled,
        image_repositories=image_repositories(file),
    )


def add_parser(subparsers: Any) -> None:
    """Register ``bootstrap`` on the deploy CLI's subparsers."""
    p = subparsers.add_parser(
        "bootstrap",
        help="create the GitHub OIDC provider and the plan/deploy(/preview) roles (once, with "
        "admin creds)",
        description=(
            "Creates (idempotently) GitHub's OIDC provider and the IAM roles the workflows "
            "assume: {project}-github-plan (read-only), {project}-github-deploy (this "
            "project's resources only, every environment of config.yaml) and, when config.yaml "
            "has `preview:`, {project}-github-preview ({project}-pr-* only), with the "
            "permissions boundaries the roles they create must carry (each stack's, the "
            "previews'). Then prints the GitHub settings to make. With "
            "--print, prints a CloudFormation template instead and calls no AWS API."
        ),
    )
    p.add_argument("--github-repo", required=True, metavar="OWNER/NAME", help="e.g. octo/trends")
    p.add_argument(
        "--print",
        action="store_true",
        dest="print_template",
        help="print a CloudFormation template; make no AWS call",
    )
    p.add_argument(
        "--attached-policies-max",
        metavar="N",
        help=f"with --print: the account's raised 'Managed policies per role' quota "
        f"({ATTACHED_POLICIES_MAX} to {ATTACHED_POLICIES_RAISED_MAX}; Service Quotas, IAM, "
        f"{ATTACHED_QUOTA_CODE}), which --print cannot read (default: IAM's "
        f"{ATTACHED_POLICIES_MAX}); bootstrap itself reads it",
    )
    p.add_argument(
        "--branch",
        default=WORKFLOW_BRANCH,
        help=f"branch that deploys (default: {WORKFLOW_BRANCH}, as the workflows have it; "
        "another needs them edited to match)",
    )
    p.add_argument(
        "--environment",
        default=WORKFLOW_ENVIRONMENT,
        help=f"GitHub Environment of the deploy jobs (default: {WORKFLOW_ENVIRONMENT}, as "
        "deploy.yml names it; another needs the workflows edited to match)",
    )
    p.add_argument(
        "--subject-format",
        choices=("auto", "immutable", "legacy"),
        default="auto",
        help="the repository's OIDC subject format: auto (ask GitHub's REST API; set "
        "GITHUB_TOKEN for a private repository), immutable (repo:OWNER@ID/NAME@ID:…, every "
        "repository created since July 2026) or legacy (repo:OWNER/NAME:…)",
    )
    p.add_argument(
        "--owner-id", help="the owner's numeric GitHub id (immutable subjects; no API call)"
    )
    p.add_argument("--repo-id", help="the repository's numeric GitHub id (with --owner-id)")
    # SUPPRESS: a --config given before the subcommand (on the main parser) is not clobbered.
    p.add_argument("--config", default=argparse.SUPPRESS, help="path to config.yaml")
    p.set_defaults(func=run)


def _validate(args: argparse.Namespace) -> str | None:
    if not _REPO_RE.match(args.github_repo):
        return f"--github-repo must look like OWNER/NAME, got {args.github_repo!r}"
    if not _BRANCH_RE.match(args.branch):
        return f"--branch has characters a git branch name here may not have: {args.branch!r}"
    if not _ENV_RE.match(args.environment):
        return f"--environment must be a plain GitHub environment name, got {args.environment!r}"
    ids = [v for v in (args.owner_id, args.repo_id) if v is not None]
    if len(ids) == 1 or not all(v.isdigit() for v in ids):
        return "--owner-id and --repo-id go together, both numeric (gh api repos/OWNER/NAME)"
    if ids and args.subject_format == "legacy":
        return "--owner-id/--repo-id are for immutable subjects; drop them with legacy"
    return _attached_problem(args)


def _attached_problem(args: argparse.Namespace) -> str | None:
    """--attached-policies-max: only with --print (bootstrap reads the quota itself), and a
    value Service Quotas can set."""
    given = getattr(args, "attached_policies_max", None)
    if given is None:
        return None
    if not args.print_template:
        return (
            "--attached-policies-max is for --print, which calls no AWS API; without --print, "
            "bootstrap reads the account's 'Managed policies per role' quota from Service Quotas"
        )
    lo, hi = ATTACHED_POLICIES_MAX, ATTACHED_POLICIES_RAISED_MAX
    if not given.isdigit() or not lo <= int(given) <= hi:
        return (
            f"--attached-policies-max must be a whole number from {lo} (IAM's default) to {hi} "
            f"(the most Service Quotas raises 'Managed policies per role' to), got {given!r}"
        )
    return None


def _print_quota_note(wanted: Target, attached_max: int, given: bool) -> str | None:
    """Why --print refused a role's number of managed policies, and how to state a raised
    quota: it calls no AWS API, so it cannot read the account's (bootstrap does). None when
    the number is not what IAM would refuse, or is already IAM's most."""
    if quota_problems(wanted, attached_max) == quota_problems(wanted, ATTACHED_POLICIES_RAISED_MAX):
        return None  # only sizes refused, which no quota of attachments changes
    checked = "as --attached-policies-max says" if given else "IAM's default"
    return (
        f"note: --print calls no AWS API, so it checked the roles against {attached_max} managed "
        f"policies per role ({checked}), not the account's quota. If Service Quotas shows IAM's "
        f"'Managed policies per role' ({ATTACHED_QUOTA_CODE}, in "
        f"{iam_quota_region(wanted.partition)}) raised for the account the template is for, give "
        f"that value: --print --attached-policies-max N ({ATTACHED_POLICIES_MAX} to "
        f"{ATTACHED_POLICIES_RAISED_MAX})"
    )


def _subjects(subject: Subject) -> str:
    return (
        f"OIDC subjects: {subject.prefix}:… ({subject.source}). The roles trust only the "
        "environments above, and the deploy role only on the deploy branch (AWS checks the "
        "ref claim too): where GitHub cannot restrict an environment, that is the guard. "
        "Renaming or transferring the repository changes this subject (its OWNER/NAME, and a "
        "legacy one's format): run bootstrap again with the new --github-repo, or AWS refuses "
        "every workflow's role (AssumeRoleWithWebIdentity)."
    )


def _refused_hint(exc: Exception) -> str:
    """Credentials expired, unknown or missing: that one fix (administrator credentials would
    be the next refusal's); anything else: administrator credentials, or --print."""
    kind = classify(exc.__cause__ or exc)
    if kind in LAPSED_KINDS:
        fix = hint(kind, os.environ.get("AWS_PROFILE", ""))
        return f"{fix}; bootstrap needs administrator credentials of the target account"
    return (
        "run bootstrap once with administrator credentials of the target account (it creates "
        "IAM resources), or use --print and deploy the template yourself."
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m deploy bootstrap``: 0 done, 1 error (message on stderr)."""
    problem = _validate(args)
    if problem:
        print(f"bootstrap: {problem}", file=sys.stderr)
        return 1
    if (args.branch, args.environment) != (WORKFLOW_BRANCH, WORKFLOW_ENVIRONMENT):
        # The workflows name main and production themselves: roles trusting another branch or
        # environment trust a subject no workflow sends, unless .github is edited to match.
        print(
            "bootstrap: warning: the workflows deploy from main in the GitHub environment "
            "production (deploy.yml's push branches and environment, the main-only checks of "
            "rollback, teardown and drift in .github/workflows and .github/scripts/"
            f"ci_settings.py); roles for --branch {args.branch} --environment "
            f"{args.environment} are refused to them until those files say the same",
            file=sys.stderr,
        )
    try:
        wanted = _target(getattr(args, "config", None) or "config.yaml", args)
    except Exception as exc:  # config errors already say what to fix
        print(f"bootstrap: cannot read the config: {exc}", file=sys.stderr)
        return 1
    aws = None if args.print_template else Aws(wanted.region)
    given = getattr(args, "attached_policies_max", None)
    attached = (
        iam_quota.read(aws, wanted.partition)
        if aws
        else iam_quota.AttachedMax(int(given or ATTACHED_POLICIES_MAX))
    )
    too_big = quota_problems(wanted, attached.value)
    if too_big:  # IAM would refuse it half-way (LimitExceeded): nothing is made
        note = attached.note
        if args.print_template:
            note = _print_quota_note(wanted, attached.value, given is not None)
        if note:  # said only where it matters: most accounts never raised it
            print(f"bootstrap: {note}", file=sys.stderr)
        print("bootstrap: IAM would refuse these roles:", file=sys.stderr)
        print("\n".join(f"  {problem}" for problem in too_big), file=sys.stderr)
        return 1
    try:
        subject = subject_of(args.github_repo, args.subject_format, args.owner_id, args.repo_id)
    except GitHubError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        return 1
    if args.print_template:
        template = cloudformation_template(
            wanted.project,
            wanted.region,
            args.github_repo,
            branch=args.branch,
            environment=args.environment,
            environments=wanted.environments,
            previews=wanted.previews,
            subject_prefix=subject.prefix,
        )
        print(json.dumps(template, indent=2))
        # The GitHub side is the same for the CloudFormation route (the account is the stack's).
        github_side = settings_lines(replace(wanted, account="<account>"))
        print("\n".join([*github_side, "", _subjects(subject)]), file=sys.stderr)
        return 0
    try:
        target, lines = apply(
            aws or Aws(wanted.region),
            replace(wanted, subject_prefix=subject.prefix),
            attached.value,
        )
    except (RolesTaken, BoundaryNameTaken, Stopped) as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        return 1
    except (NoRoomForParts, NoRoomToHold) as exc:
        if attached.note:  # the quota it was held to is IAM's default, for want of a read
            print(f"bootstrap: {attached.note}", file=sys.stderr)
        print("\n".join(f"bootstrap: {line}" for line in str(exc).splitlines()), file=sys.stderr)
        return 1
    except (DeployError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        print(f"bootstrap: AWS refused: {exc}\nhint: {_refused_hint(exc)}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print("\n".join(settings_lines(target)))
    print("\n" + _subjects(subject))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m deploy.bootstrap``), same options as the subcommand."""
    parser = argparse.ArgumentParser(prog="python -m deploy")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bootstrap", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
