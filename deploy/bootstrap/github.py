"""What GitHub puts in this repository's OIDC tokens, read from GitHub's REST API.

The deploy roles trust exact ``sub`` claims, and their first part depends on the repository:

- legacy:    ``repo:OWNER/NAME:environment:production``
- immutable: ``repo:OWNER@OWNER_ID/NAME@REPO_ID:environment:production`` — every repository
  created, renamed or transferred since July 15, 2026 (a fork made today is one), or opted
  in (docs.github.com/en/actions/reference/security/oidc, "immutable subject claims").

Which one a repository uses is not derivable from its name or age: GitHub says it in the
``sub_claim_prefix`` of ``GET /repos/{owner}/{repo}/actions/oidc/customization/sub`` (public
repositories have been seen answering ``use_immutable_subject: false`` next to an immutable
prefix, so the prefix is what counts). When that field is missing, the ids from
``GET /repos/{owner}/{repo}`` and the ``--subject-format`` option decide; with no network
(``--owner-id``/``--repo-id``) nothing is read at all.

A repository whose subject is *customized* (``use_default: false``, e.g. an organization
template with ``include_claim_keys``) sends a ``sub`` these roles cannot match: refused with
what to do.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

API_URL = "https://api.github.com"
API_VERSION = "2026-03-10"  # the version that documents sub_claim_prefix
FetchJson = Callable[[str], Any]


class GitHubError(RuntimeError):
    """GitHub could not tell us the subject format; the message says which option to pass."""


@dataclass(frozen=True)
class Subject:
    """The repository's ``sub`` prefix and how it was found (printed by bootstrap)."""

    prefix: str  # e.g. repo:octo@1234/trends@5678
    source: str

    @property
    def immutable(self) -> bool:
        return "@" in self.prefix


def repository_of(subject: str) -> str | None:
    """The ``repo:OWNER[@ID]/NAME[@ID]`` part of a ``sub`` claim or prefix (None: none)."""
    if not subject.startswith("repo:"):
        return None
    return "repo:" + subject.removeprefix("repo:").split(":", 1)[0]


def _parts(prefix: str) -> tuple[str, str, str | None, str | None]:
    """(owner, name, owner id, repository id) of ``repo:OWNER[@ID]/NAME[@ID]``."""
    owner, _, name = prefix.removeprefix("repo:").partition("/")
    owner, _, owner_id = owner.partition("@")
    name, _, repo_id = name.partition("@")
    return owner.lower(), name.lower(), owner_id or None, repo_id or None


def same_repository(a: str, b: str) -> bool:
    """Whether two ``sub`` prefixes name one repository: by ids when both carry them (a
    renamed or transferred repository keeps them), else by OWNER/NAME in any case (one
    repository's legacy and immutable subjects match)."""
    (owner_a, name_a, oid_a, rid_a), (owner_b, name_b, oid_b, rid_b) = _parts(a), _parts(b)
    if oid_a and rid_a and oid_b and rid_b:
        return (oid_a, rid_a) == (oid_b, rid_b)
    return (owner_a, name_a) == (owner_b, name_b)


def shown(prefix: str) -> str:
    """``OWNER/NAME`` of a ``sub`` prefix, as --github-repo takes it."""
    owner, _, name = prefix.removeprefix("repo:").partition("/")
    return f"{owner.partition('@')[0]}/{name.partition('@')[0]}"


def legacy_prefix(repo: str) -> str:
    return f"repo:{repo}"


def immutable_prefix(repo: str, owner_id: int | str, repo_id: int | str) -> str:
    owner, name = repo.split("/", 1)
    return f"repo:{owner}@{owner_id}/{name}@{repo_id}"


def fetch_json(url: str) -> Any:
    """GET a GitHub REST URL (``GITHUB_TOKEN`` or ``GH_TOKEN`` when set: private repositories
    and the customization endpoint need one); None for 404."""
    request = urllib.request.Request(url)
    request.add_header("Accept", "application/vnd.github+json")
    request.add_header("X-GitHub-Api-Version", API_VERSION)
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        raise GitHubError(f"GitHub answered {err.code} for {url}") from err


def subject_of(
    repo: str,
    subject_format: str = "auto",
    owner_id: str | None = None,
    repo_id: str | None = None,
    fetch: FetchJson = fetch_json,
    api_url: str | None = None,
) -> Subject:
    """The ``sub`` prefix this repository's tokens carry.

    ``subject_format``: ``auto`` (what GitHub says; immutable when it says nothing), or
    ``immutable`` / ``legacy`` to insist. Ids given as options are used without asking.
    """
    if subject_format == "legacy":
        return Subject(legacy_prefix(repo), "--subject-format legacy")
    if owner_id and repo_id:
        return Subject(immutable_prefix(repo, owner_id, repo_id), "--owner-id/--repo-id")
    base = (api_url or os.environ.get("GITHUB_API_URL") or API_URL).rstrip("/")
    help_ids = (
        "pass --owner-id and --repo-id (from `gh api repos/OWNER/NAME --jq "
        "'.owner.id, .id'`), or --subject-format legacy for a repository that still uses "
        "repo:OWNER/NAME subjects"
    )
    try:
        custom = fetch(f"{base}/repos/{repo}/actions/oidc/customization/sub")
        if isinstance(custom, dict):
            if custom.get("use_default") is False:
                raise GitHubError(
                    f"{repo} customizes its OIDC subject (use_default: false, claim keys "
                    f"{custom.get('include_claim_keys')}): the roles trust GitHub's default "
                    "subject only. Reset it (gh api -X PUT repos/OWNER/NAME/actions/oidc/"
                    "customization/sub -F use_default=true) and run bootstrap again"
                )
            prefix = custom.get("sub_claim_prefix")
            if isinstance(prefix, str) and prefix.startswith("repo:"):
                if subject_format == "immutable" and "@" not in prefix:
                    raise GitHubError(
                        f"GitHub says {repo} sends legacy subjects ({prefix}), but "
                        "--subject-format immutable was given"
                    )
                return Subject(prefix, "GitHub: actions/oidc/customization/sub")
        info = fetch(f"{base}/repos/{repo}")
    except GitHubError:
        raise
    except Exception as err:  # no network, DNS, TLS ...
        raise GitHubError(f"cannot read {repo} from GitHub ({err}): {help_ids}") from err
    if not isinstance(info, dict) or "id" not in info:
        raise GitHubError(
            f"GitHub does not show {repo} (private? set GITHUB_TOKEN, or): {help_ids}"
        )
    return Subject(
        immutable_prefix(repo, info["owner"]["id"], info["id"]),
        "GitHub: repository and owner ids (immutable: the default since July 2026)",
    )


def branch_rule_commands(repo: str, environment: str, branch: str) -> list[str]:
    """The GitHub CLI commands that restrict the environment's deployment branches to the
    deploy branch (GitHub Pro/Team/Enterprise, or any public repository; the roles' trust
    enforces the branch on the AWS side either way).

    The PUT ("Create or update an environment") is skipped when the environment already
    deploys from selected branches only: its body names ``deployment_branch_policy`` alone,
    and GitHub documents nothing of what happens to the reviewers, wait timer and self-review
    setting a PUT leaves out, so pasting these again (bootstrap re-run for a new environment)
    never sends it to an environment someone has set up."""
    env = f"repos/{repo}/environments/{environment}"
    restricted = (
        f'[ "$(gh api {env} --jq .deployment_branch_policy.custom_branch_policies '
        '2>/dev/null)" = true ]'
    )
    return [
        f"{restricted} || gh api -X PUT {env} --input - <<'JSON'\n"
        '{"deployment_branch_policy": {"protected_branches": false, '
        '"custom_branch_policies": true}}\nJSON',
        branch_policy_command(repo, environment, branch),
    ]


def branch_policy_command(repo: str, environment: str, pattern: str) -> str:
    """Add one deployment-branch rule unless the environment lists it already (GitHub refuses
    a second rule of the same name, which would read as a failure when pasted again)."""
    policies = f"repos/{repo}/environments/{environment}/deployment-branch-policies"
    name = pattern if pattern.replace("-", "").replace("_", "").isalnum() else f"'{pattern}'"
    listed = f"gh api {policies} --jq '.branch_policies[].name' 2>/dev/null | grep -qxF {name}"
    return f"{listed} || gh api -X POST {policies} -f name={name} -f type=branch"
