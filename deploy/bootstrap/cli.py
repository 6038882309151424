"""`python -m deploy bootstrap`: GitHub OIDC provider + plan/deploy roles for the workflows.

Why this exists: the workflows must reach AWS without long-lived keys. A one-time, human-run
bootstrap (with admin credentials) creates GitHub's OIDC identity provider and two roles that
the workflows assume through OIDC (deploy/bootstrap/policies.py says what each may do).
``--print`` renders them as a CloudFormation template instead and calls no AWS API.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

import botocore.exceptions

from deploy.aws import Aws, DeployError
from deploy.bootstrap.apply import apply
from deploy.bootstrap.github import GitHubError, Subject, branch_rule_commands, subject_of
from deploy.bootstrap.policies import Target
from deploy.bootstrap.template import cloudformation_template
from deploy.config import load_config

_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_BRANCH_RE = re.compile(r"^[A-Za-z0-9._/-]+$")
_ENV_RE = re.compile(r"^[A-Za-z0-9._ -]+$")


def _project_and_region(config_path: str) -> tuple[str, str]:
    """Project name and region from config.yaml through the deploy engine's loader."""
    config = load_config(config_path)
    return config.project, config.region


def add_parser(subparsers: Any) -> None:
    """Register ``bootstrap`` on the deploy CLI's subparsers."""
    p = subparsers.add_parser(
        "bootstrap",
        help="create the GitHub OIDC provider and the plan/deploy roles (once, with admin creds)",
        description=(
            "Creates (idempotently) GitHub's OIDC provider and two IAM roles the workflows "
            "assume: {project}-github-plan (read-only) and {project}-github-deploy (this "
            "project's resources only). With --print, prints a CloudFormation template instead "
            "and calls no AWS API."
        ),
    )
    p.add_argument("--github-repo", required=True, metavar="OWNER/NAME", help="e.g. octo/trends")
    p.add_argument(
        "--print",
        action="store_true",
        dest="print_template",
        help="print a CloudFormation template; make no AWS call",
    )
    p.add_argument("--branch", default="main", help="branch that deploys (default: main)")
    p.add_argument(
        "--environment",
        default="production",
        help="GitHub Environment of the deploy jobs (default: production)",
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
    return None


def _branch_rule(args: argparse.Namespace, subject: Subject) -> str:
    commands = "\n".join(
        f"  {c}" for c in branch_rule_commands(args.github_repo, args.environment, args.branch)
    )
    return (
        f"OIDC subjects: {subject.prefix}:… ({subject.source}).\n"
        f"The deploy role trusts only jobs in the {args.environment!r} environment on "
        f"refs/heads/{args.branch} (AWS checks both claims). Restrict the environment's "
        f"deployment branches to {args.branch!r} on GitHub too (required reviewers go there), "
        "with the GitHub CLI:\n"
        f"{commands}\n"
        "(GitHub Free cannot restrict environments of private repositories: there the AWS "
        "trust is the only guard.)"
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m deploy bootstrap``: 0 done, 1 error (message on stderr)."""
    problem = _validate(args)
    if problem:
        print(f"bootstrap: {problem}", file=sys.stderr)
        return 1
    try:
        project, region = _project_and_region(getattr(args, "config", None) or "config.yaml")
    except Exception as exc:  # config errors already say what to fix
        print(f"bootstrap: cannot read the config: {exc}", file=sys.stderr)
        return 1
    try:
        subject = subject_of(args.github_repo, args.subject_format, args.owner_id, args.repo_id)
    except GitHubError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        return 1
    if args.print_template:
        template = cloudformation_template(
            project,
            region,
            args.github_repo,
            branch=args.branch,
            environment=args.environment,
            subject_prefix=subject.prefix,
        )
        print(json.dumps(template, indent=2))
        print(_branch_rule(args, subject), file=sys.stderr)
        return 0
    try:
        target, lines = apply(
            Aws(region),
            Target(
                project,
                region,
                "",
                args.github_repo,
                args.branch,
                args.environment,
                subject.prefix,
            ),
        )
    except (DeployError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        print(
            f"bootstrap: AWS refused: {exc}\n"
            "hint: run bootstrap once with administrator credentials of the target account "
            "(it creates IAM resources), or use --print and deploy the template yourself.",
            file=sys.stderr,
        )
        return 1
    print("\n".join(lines))
    print(
        "\nNow set the repository variables (Settings → Secrets and variables → Actions → "
        "Variables), e.g. with the GitHub CLI:\n"
        f"  gh variable set AWS_DEPLOY_ROLE_ARN --repo {args.github_repo} "
        f"--body {target.role_arn(target.deploy_role_name)}\n"
        f"  gh variable set AWS_PLAN_ROLE_ARN --repo {args.github_repo} "
        f"--body {target.role_arn(target.plan_role_name)}"
    )
    print("\n" + _branch_rule(args, subject))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m deploy.bootstrap``), same options as the subcommand."""
    parser = argparse.ArgumentParser(prog="python -m deploy")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bootstrap", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
