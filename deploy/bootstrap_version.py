"""Are the workflows' GitHub roles what this commit's bootstrap writes? plan's and apply's check.

Why: a commit that grants the roles something new (policies.py) or changes config.yaml's
`environments:`/`preview:` needs bootstrap run again, by an administrator, before the next
deploy; otherwise the merge's apply stops half-way with AccessDenied. Bootstrap tags each role
with the hash of what it wrote (deploy/bootstrap/fingerprint.py); this reads the tags
(iam:ListRoleTags, granted to every GitHub role on those roles only) and compares them with
the hash this commit renders; it also lists the managed policies attached to them
(iam:ListAttachedRolePolicies, granted alike), since bootstrap counts those others attached
against the "Managed policies per role" quota with its own parts (iam_quota.crowded: the
same judgement and words). A role behind is a warning, never a refusal: most commits need
no new grant, and a fork must not be blocked by one its change does not use. Apply's
AccessDenied then names the role behind and the command (``denied_hint``). A check that cannot
run (a role bootstrapped before it existed may not read the tags) says so and why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import botocore.exceptions

from deploy.aws import Aws, DeployError, tag_dict
from deploy.aws_errors import ErrorKind, classify, error_code, error_message
from deploy.bootstrap import iam_quota
from deploy.bootstrap.fingerprint import TAG, expected
from deploy.bootstrap.policies import ATTACHED_POLICIES_MAX, Target, quota_problems, role_policies
from deploy.config import ConfigFile
from deploy.naming import ecr_repository_arn_of

README = 'docs/deploy.md, "Deploy to your AWS account", step 2'


def image_repositories(file: ConfigFile) -> tuple[str, ...]:
    """The ECR repository of the prebuilt `model.image` config.yaml names (none: the image
    is built into the project's own, granted anyway), which the stacks' role boundaries let
    SageMaker pull from. Read alike by plan's check and by bootstrap."""
    envs = list(file.environments) or [None]
    images = [file.select(env).model.image for env in envs]
    found = [ecr_repository_arn_of(image) for image in images if image]
    return tuple(dict.fromkeys(arn for arn in found if arn))


def target_of(file: ConfigFile) -> Target:
    """What bootstrap renders the roles from, as its CLI reads it from config.yaml."""
    return Target(
        file.base.project,
        file.base.region,
        "",
        "",
        environments=tuple(file.environments),
        previews=file.previews_enabled,
        image_repositories=image_repositories(file),
    )


def command() -> str:
    """The command that brings the roles up to date (the repository's name when in CI)."""
    repo = os.environ.get("GITHUB_REPOSITORY") or "OWNER/NAME"
    return f"`python -m deploy bootstrap --github-repo {repo}`"


@dataclass
class Report:
    """What the check found: roles behind this commit (name → why), or why it could not run."""

    behind: dict[str, str] = field(default_factory=dict)
    unchecked: str | None = None
    # What IAM would refuse of the roles this config.yaml needs (policies.quota_problems):
    # bootstrap refuses to start, so no role can be brought up to date until it is fixed.
    too_big: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """For plan's and apply's warnings (and the pull request's plan comment)."""
        refused = [
            f"bootstrap cannot make the workflows' IAM roles for this config.yaml: {problem}"
            for problem in self.too_big
        ]
        return refused + self._role_warnings()

    def _role_warnings(self) -> list[str]:
        if self.unchecked:
            return [
                f"could not check whether the workflows' IAM roles are up to date with this "
                f"commit: {self.unchecked}. A role bootstrapped before this check may not read "
                f"the roles' tags: run {command()} once with administrator credentials "
                f"({README}); until then, an apply that needs a grant added since the last "
                "bootstrap stops with AccessDenied."
            ]
        if not self.behind:
            return []
        return [
            f"the workflows' IAM roles are behind this commit: {self._roles()}. Run "
            f"{command()} with administrator credentials before the next deploy ({README}; "
            "with the CloudFormation template, deploy the one `--print` renders now): until "
            "then, an apply that needs what changed stops half-way with AccessDenied."
        ]

    def _roles(self) -> str:
        return "; ".join(f"{name} ({why})" for name, why in self.behind.items())

    def on_denied(self, err: DeployError) -> str | None:
        """What to add to an AccessDenied that stopped an apply, or None (not one, or the
        roles were found up to date: the error's own hint stands)."""
        cause = err.__cause__
        if not isinstance(cause, botocore.exceptions.ClientError):
            return None
        if classify(cause) is not ErrorKind.DENIED:
            return None
        if self.behind:
            return (
                f"The workflows' IAM roles are behind this commit: {self._roles()}. Run "
                f"{command()} with administrator credentials, then run the deploy again (it "
                "resumes from what exists)."
            )
        if self.unchecked:
            return (
                f"Whether the workflows' IAM roles are up to date could not be checked "
                f"({self.unchecked}): if deploy/bootstrap/policies.py or config.yaml changed "
                f"since the last bootstrap, run {command()} with administrator credentials, then "
                "run the deploy again."
            )
        return None


def _tags(aws: Aws, name: str) -> dict[str, str] | None:
    """The role's tags, every page (Marker); None when there is no such role."""
    got = aws.read_pages("iam", "ListRoleTags", "Tags", RoleName=name)
    return None if got is None else tag_dict(got)


def _attached(aws: Aws, names: list[str]) -> dict[str, list[str]]:
    """The managed policies attached to each of these roles, or none read at all when a role
    may not list them (bootstrapped before this grant: behind, and bootstrap counts itself)."""
    try:
        return {
            name: [
                p["PolicyArn"]
                for p in aws.pages(
                    "iam", "ListAttachedRolePolicies", "AttachedPolicies", RoleName=name
                )
            ]
            for name in names
        }
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
        return {}


def _quota_problems(aws: Aws, t: Target, attached: dict[str, list[str]]) -> list[str]:
    """What bootstrap would refuse, in its order: `quota_problems`, then a role's parts beside
    the managed policies others attached to it (``attached``: each existing role's, counted as
    bootstrap counts them, iam_quota.crowded). The account's quota is read (iam_quota.py) only
    when IAM's default would refuse: the usual plan makes no extra call for it."""
    parts = {role: len(mine) for role, mine in role_policies(t).items()}
    others = {role: iam_quota.foreign(t, role, tuple(arns)) for role, arns in attached.items()}

    def problems(attached_max: int) -> list[str]:
        return quota_problems(t, attached_max) or iam_quota.crowded(t, parts, others, attached_max)

    if not problems(ATTACHED_POLICIES_MAX):
        return []
    quota = iam_quota.read(aws, t.partition)
    note = f" ({quota.note})" if quota.note else ""
    return [problem + note for problem in problems(quota.value)]


def check(aws: Aws, file: ConfigFile) -> Report:
    """Compare each GitHub role's ``bootstrap-policy-sha256`` tag with this commit's hash.
    No role at all: bootstrap never ran in this account (credentials of one's own): silent."""
    t = target_of(file)
    wanted = expected(t)
    seen: dict[str, dict[str, str] | None] = {}
    for name in wanted:
        try:
            seen[name] = _tags(aws, name)
        except botocore.exceptions.ClientError as err:
            why = f"iam:ListRoleTags on {name}: AWS said {error_code(err)}: {error_message(err)}"
            return Report(unchecked=why, too_big=_quota_problems(aws, t, {}))
        except botocore.exceptions.BotoCoreError as err:
            why = f"iam:ListRoleTags on {name}: {err}"
            return Report(unchecked=why, too_big=_quota_problems(aws, t, {}))
    existing = [name for name, tags in seen.items() if tags is not None]
    too_big = _quota_problems(aws, t, _attached(aws, existing))
    if not existing:
        return Report(too_big=too_big)
    behind: dict[str, str] = {}
    for name, tags in seen.items():
        if tags is None:
            behind[name] = "does not exist: bootstrap creates it" + (
                " (`preview:` added to config.yaml since the last bootstrap?)"
                if name == t.preview_role_name
                else ""
            )
        elif TAG not in tags:
            behind[name] = f"bootstrapped before this check: no {TAG} tag"
        elif tags[TAG] != wanted[name]:
            behind[name] = (
                "its policy or trust differs from what this commit's "
                "deploy/bootstrap/policies.py renders for config.yaml"
            )
    return Report(behind, too_big=too_big)


@contextmanager
def denied_hint(report: Report) -> Iterator[None]:
    """An AccessDenied raised inside names the roles behind and the command to run."""
    try:
        yield
    except DeployError as err:
        hint = report.on_denied(err)
        if hint is None:
            raise
        raise DeployError(f"{err}\n{hint}") from err.__cause__
