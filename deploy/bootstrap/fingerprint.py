"""What bootstrap wrote into each GitHub role, as one hash its tag carries (the role's
"bootstrap version", as AWS CDK's bootstrap stack has one).

Why: when a commit grants the roles something new, every fork must run bootstrap again before
its next deploy, or the merge's apply stops half-way with AccessDenied. Bootstrap tags each
role with ``bootstrap-policy-sha256``: a hash of what it rendered for the role (trust, its
managed policies' names and documents, session length; for the deploy role also the
deployments' boundaries, for the preview role the previews' one: what caps the roles they
may create).
A role bootstrapped with the inline policy of earlier commits has another hash, so plan says
it is behind until bootstrap moves it to managed policies; a deploy role bootstrapped before
the deployments' boundaries existed has another too, so plan says to run bootstrap again. `plan` and
`apply` render the same for this commit and compare (deploy/bootstrap_version.py).

Plan knows the project, region and config.yaml, not bootstrap's command line (repository,
branch, GitHub environment, subject format) nor, in a CloudFormation template, the account.
So the hash is of the documents rendered with those replaced by fixed placeholders: it
changes with the code of policies.py and with config.yaml (`environments:`, `preview:`),
never with the arguments bootstrap was run with. Pure: no AWS call.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from deploy.bootstrap.managed_policy import PolicySpec
from deploy.bootstrap.policies import (
    Target,
    boundary_spec,
    github_roles,
    role_boundary_specs,
    role_policies,
)
from deploy.resources.iam import RoleSpec

TAG = "bootstrap-policy-sha256"
# What plan cannot know, as the same fixed values on both sides (the account as CloudFormation
# spells it, so a template and a direct bootstrap write the same hash).
_PLACEHOLDERS = {
    "account": "${AWS::AccountId}",
    "github_repo": "OWNER/NAME",
    "subject_prefix": "repo:OWNER/NAME",
    "branch": "BRANCH",
    "environment": "ENVIRONMENT",
}


def neutral(t: Target) -> Target:
    """``t`` with what plan cannot know replaced by placeholders (the module docstring)."""
    return replace(t, **_PLACEHOLDERS)


def digest(role: RoleSpec, parts: list[PolicySpec], boundary: Any = None) -> str:
    """sha256 of what the role is granted (its managed policies, as cut) and who may assume
    it, as canonical JSON."""
    rendered = {
        "path": role.path,
        "trust": role.trust,
        "policy": role.policy,  # None: bootstrap writes no inline policy
        "managed": [{"name": p.name, "path": p.path, "document": p.document} for p in parts],
        "max_session_s": role.max_session_s,
    }
    if boundary is not None:  # the deploy / preview role may create roles only with it
        rendered["boundary"] = boundary
    text = json.dumps(rendered, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def expected(t: Target) -> dict[str, str]:
    """Each GitHub role's name → the hash this commit's policies.py renders for it."""
    n = neutral(t)
    boundaries: dict[str, Any] = {n.deploy_role_name: [b.document for b in role_boundary_specs(n)]}
    if n.previews:
        boundaries[n.preview_role_name] = boundary_spec(n).document
    parts = role_policies(n)
    return {r.name: digest(r, parts[r.name], boundaries.get(r.name)) for r in github_roles(n)}


def stamped(t: Target) -> list[RoleSpec]:
    """The GitHub roles as bootstrap writes them (no inline policy: policies.github_roles),
    tagged with their hash."""
    sums = expected(t)
    return [replace(r, tags={**(r.tags or {}), TAG: sums[r.name]}) for r in github_roles(t)]
