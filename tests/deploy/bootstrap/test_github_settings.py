"""The GitHub settings bootstrap prints: every role variable, each environment's branch rule,
the preview environment open to pull-request merge refs, the label."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from deploy.bootstrap.github_settings import settings_lines
from deploy.bootstrap.policies import Target

A = "123456789012"


def _text(**kw) -> str:
    return "\n".join(settings_lines(Target("trends-anomaly", "us-east-1", A, "octo/trends", **kw)))


def test_single_deployment_two_variables_and_production() -> None:
    text = _text()
    assert f"AWS_DEPLOY_ROLE_ARN --repo octo/trends --body arn:aws:iam::{A}:role" in text
    assert "AWS_PLAN_ROLE_ARN" in text and "AWS_PREVIEW_ROLE_ARN" not in text
    assert "- production: deployment branches: main only. Add required reviewers" in text
    assert "environments/staging" not in text and "gh label" not in text


def test_environments_and_previews() -> None:
    text = _text(environments=("staging", "production"), previews=True)
    assert f"AWS_PREVIEW_ROLE_ARN --repo octo/trends --body arn:aws:iam::{A}:role/" in text
    assert "trends-anomaly-github-preview" in text
    staging = text.index("- staging:")
    production = text.index("- production:")
    assert staging < production, "listed in promotion order"
    assert "required reviewers" not in text[staging:production].lower()
    assert "Add required reviewers here" in text[production:]
    assert (
        "gh api -X POST repos/octo/trends/environments/preview/deployment-branch-policies "
        "-f name='refs/pull/*/merge' -f type=branch"
    ) in text
    assert "gh label create preview --repo octo/trends" in text
    assert "need a public repository or a paid" in text


def test_plan_limits_name_enterprise_for_private_required_reviewers() -> None:
    """GitHub's plans: deployment branches in a private repository need Pro, Team or
    Enterprise, but "If you are on a GitHub Free, GitHub Pro, or GitHub Team plan, other
    deployment protection rules, such as a wait timer or required reviewers, are only
    available for public repositories"
    (https://docs.github.com/actions/reference/deployments-and-environments; the same note
    heads "Managing environments for deployment"). "A paid plan" told a private fork on Team that
    the production reviewers bootstrap asks for would gate its promotions; they cannot."""
    text = _text(environments=("staging", "production"))
    assert "required reviewers need a public repository or GitHub Enterprise" in text
    assert "promotes to production without approval" in text
    assert "required reviewers need a public repository or a paid" not in text


LABEL_GH = r"""#!/usr/bin/env bash
# gh label create as the GitHub CLI manual has it: a label that exists is refused unless
# --force ("Create a new label on GitHub, or update an existing one with --force").
[ "$1 $2" = "label create" ] || exit 2
if [ -f "$GH_STATE/$3" ]; then
  for arg in "$@"; do [ "$arg" = --force ] && exit 0; done
  echo "label with name \"$3\" already exists; use \`--force\` to update it" >&2
  exit 1
fi
touch "$GH_STATE/$3"
"""


def test_the_printed_label_command_can_be_pasted_again(tmp_path) -> None:
    """docs/deploy.md says to run bootstrap again for each new environment, and its printed
    commands are pasted again: the label's `gh label create` failed the second time (the
    workflow-setup pass's list). With --force it creates the label, then updates it."""
    if not shutil.which("bash"):
        pytest.skip("needs bash")
    line = next(x.strip() for x in _text(previews=True).splitlines() if "gh label create" in x)
    (tmp_path / "gh").write_text(LABEL_GH, encoding="utf-8")
    (tmp_path / "gh").chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "GH_STATE": str(tmp_path)}
    for _ in range(2):
        done = subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
