"""How many managed policies this account lets a role have attached, read from Service Quotas
by bootstrap (and by plan's check of the roles, deploy/bootstrap_version.py), and whether a
role's parts fit in it beside the managed policies others attached (`crowded`: both judge alike).

Why: a GitHub role's permissions are ``{role}-1``, ``{role}-2``, … (policies.role_policies),
and IAM refuses an attachment past the account's "Managed policies per role" quota
(LimitExceeded half-way through). The default is 10 (policies.ATTACHED_POLICIES_MAX); an
account may have it raised, up to 20, in Service Quotas (IAM, quota code L-0DA4ABF3). IAM's
quotas are global: Service Quotas answers them only in us-east-1 (us-gov-west-1 for GovCloud,
policies.iam_quota_region); elsewhere it says NoSuchResource. It lists *applied* values only
(a quota nobody raised is missing). Read with ListServiceQuotas, not GetServiceQuota: same
answer, and ``servicequotas:ListServiceQuotas`` is what the plan and deploy roles already
have (for deploy/quotas.py), so the check they run needs no new grant. When the value cannot
be read (denied, not listed, no network), the default stands, with a one-line note.
"""

from __future__ import annotations

from dataclasses import dataclass

import botocore.exceptions

from deploy.aws import Aws
from deploy.aws_errors import error_code
from deploy.bootstrap.policies import (
    ATTACHED_POLICIES_MAX,
    ATTACHED_POLICIES_RAISED_MAX,
    ATTACHED_QUOTA_CODE,
    Target,
    iam_quota_region,
    is_part_of,
    part_name,
)

SERVICE = "iam"
NAME = "Managed policies per role"


@dataclass(frozen=True)
class AttachedMax:
    """The quota bootstrap plans with, and a note when it is the default for want of a read."""

    value: int
    note: str | None = None


def read(aws: Aws, partition: str = "aws") -> AttachedMax:
    """The account's applied "Managed policies per role"; IAM's default 10 with a note when
    Service Quotas does not say (denied, not found, unreachable)."""
    region = iam_quota_region(partition)
    quotas = Aws(region, aws.session)
    why = "not listed: never raised"
    try:
        listed = quotas.pages("service-quotas", "ListServiceQuotas", "Quotas", ServiceCode=SERVICE)
    except botocore.exceptions.ClientError as err:
        listed, why = [], error_code(err)
    except botocore.exceptions.BotoCoreError as err:
        listed, why = [], type(err).__name__
    got = next((q for q in listed if q.get("QuotaCode") == ATTACHED_QUOTA_CODE), None)
    value = (got or {}).get("Value")
    if isinstance(value, int | float) and value >= 1:
        return AttachedMax(int(value))
    return AttachedMax(
        ATTACHED_POLICIES_MAX,
        f"note: could not read IAM's '{NAME}' quota ({ATTACHED_QUOTA_CODE}) from Service "
        f"Quotas in {region} ({why}): planning with the default "
        f"{ATTACHED_POLICIES_MAX} managed policies per role",
    )


def foreign(t: Target, role: str, attached: tuple[str, ...]) -> list[str]:
    """The managed policies attached to a GitHub role that are not its parts (`is_part_of`):
    an organization's guardrail, or someone else's policy that only looks like a part."""
    return [arn for arn in attached if not is_part_of(t, role, arn)]


def no_room(t: Target, role: str, parts: int, others: list[str], attached_max: int) -> str | None:
    """Why IAM would refuse a role's ``parts`` beside the policies ``others`` attached
    (LimitExceeded at the AttachRolePolicy past the quota), and what to do; None when they fit.
    Parts are attached before those no longer needed are detached, so the peak is this."""
    if parts + len(others) <= attached_max:
        return None
    return (
        f"role {role}: its permissions take {parts} managed policies ({part_name(role, 1)} …), "
        f"and {len(others)} attached to it by others ({', '.join(others)}) count against the "
        f"same quota: {parts + len(others)}, over the {attached_max} this account may attach "
        f"to a role (IAM would refuse the attachment past it with LimitExceeded). Detach a "
        f"policy the role does not need (aws iam detach-role-policy --role-name {role} "
        f"--policy-arn ARN), or raise IAM's 'Managed policies per role' "
        f"({ATTACHED_QUOTA_CODE}) in Service Quotas, in {iam_quota_region(t.partition)}, up to "
        f"{ATTACHED_POLICIES_RAISED_MAX}; then run bootstrap again"
    )


def crowded(
    t: Target, parts: dict[str, int], others: dict[str, list[str]], attached_max: int
) -> list[str]:
    """`no_room` of each role that exists (``others``: its foreign policies, maybe none):
    bootstrap refuses on these before any change, and plan warns with the same words."""
    found = (no_room(t, role, parts[role], arns, attached_max) for role, arns in others.items())
    return [problem for problem in found if problem]


def names_taken(t: Target, parts: dict[str, list[str]], others: dict[str, list[str]]) -> list[str]:
    """Each role's policy attached by others (``others``) whose name is one of the role's
    ``parts`` (names) at another path: IAM's policy names are unique in an account whatever
    the path (CreatePolicy: "policy names must be unique within the account"), so that part
    cannot be made; bootstrap refuses before any change."""
    found = []
    for role, arns in others.items():
        wanted = {name.lower() for name in parts.get(role, [])}
        for arn in arns:
            name = arn.rsplit("/", 1)[-1]
            if name.lower() in wanted:
                found.append(
                    f"role {role}: the managed policy {arn}, attached to it and not bootstrap's "
                    f"(bootstrap makes its parts under {t.names.role_path}), has the name of the "
                    f"part {name} its permissions now take; IAM policy names are unique in an "
                    "account whatever their path, so bootstrap cannot create it. Detach and "
                    f"delete that policy (aws iam detach-role-policy --role-name {role} "
                    f"--policy-arn {arn}; aws iam delete-policy --policy-arn {arn}), under another "
                    "name first if it is needed; then run bootstrap again"
                )
    return found
