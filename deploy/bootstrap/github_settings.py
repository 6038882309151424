"""What to set in GitHub after bootstrap: variables, environments and their rules, the label.

Pure text (printed by `bootstrap`, tested as text): the GitHub side cannot be made from AWS
credentials, and on some plans part of it cannot be made at all (deployment branch rules need
a public repository or a paid plan; required reviewers a public repository or GitHub
Enterprise).
"""

from __future__ import annotations

from deploy.bootstrap.github import branch_policy_command, branch_rule_commands
from deploy.bootstrap.policies import Target


def _branch_rule(repo: str, env: str, patterns: list[str]) -> list[str]:
    """Deployment branches of one environment: the first pattern by branch_rule_commands, any
    other (``refs/pull/*/merge`` for previews) added to it."""
    first, *more = patterns
    lines = [f"  {command}" for command in branch_rule_commands(repo, env, first)]
    lines += [f"  {branch_policy_command(repo, env, pattern)}" for pattern in more]
    return lines


def settings_lines(t: Target) -> list[str]:
    """The variables, environments and label the workflows expect, with `gh` commands."""
    repo = t.github_repo
    lines = [
        "",
        "Now set, in GitHub, the repository variables (Settings → Secrets and variables → "
        "Actions → Variables):",
        f"  gh variable set AWS_DEPLOY_ROLE_ARN --repo {repo} --body "
        f"{t.role_arn(t.deploy_role_name)}",
        f"  gh variable set AWS_PLAN_ROLE_ARN --repo {repo} --body {t.role_arn(t.plan_role_name)}",
    ]
    if t.previews:
        lines.append(
            f"  gh variable set AWS_PREVIEW_ROLE_ARN --repo {repo} --body "
            f"{t.role_arn(t.preview_role_name)}"
        )
    lines += ["", "and the environments (Settings → Environments):"]
    for env in t.environments or (t.environment,):
        gate = (
            " Add required reviewers here: they approve each promotion to it."
            if env == t.environment
            else ""
        )
        lines.append(f"- {env}: deployment branches: {t.branch} only.{gate}")
        lines += _branch_rule(repo, env, [t.branch])
    if t.environments and t.environment not in t.environments:
        lines.append(f"- {t.environment}: deployment branches: {t.branch} only")
        lines += _branch_rule(repo, t.environment, [t.branch])
    if t.previews:
        lines.append(
            f"- {t.preview_environment}: deployment branches: {t.branch} (the scheduled sweep) "
            "and refs/pull/*/merge (pull-request previews); no reviewers (a preview deploys on "
            "every push of a labelled pull request)."
        )
        lines += _branch_rule(repo, t.preview_environment, [t.branch, "refs/pull/*/merge"])
        lines += [
            "",
            "and the label that asks for a preview:",
            # --force: pasted again, it updates the label where a plain create is refused.
            f"  gh label create preview --repo {repo} --force --color 0e8a16 "
            "--description 'deploy this pull request to its own pr-<N> stack'",
        ]
    lines += [
        "",
        "(Deployment branch rules need a public repository or a paid GitHub plan (Pro, Team, "
        "Enterprise); required reviewers need a public repository or GitHub Enterprise: on "
        "Free, Pro and Team a private repository promotes to production without approval. "
        "Without a branch rule, a job on any branch that names an environment gets that "
        "environment's OIDC subject, and with it the role trusted for it.)",
        "(Safe to paste again: the PUT is skipped for an environment that already deploys "
        "from selected branches only, so the reviewers you add there stay (GitHub documents "
        "nothing of what a PUT does to the settings it leaves out), and a branch rule the "
        "environment has is not added twice.)",
    ]
    return lines
