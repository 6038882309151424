"""What holds an IAM name a create was refused (EntityAlreadyExists) for.

The plan finds this project's roles and managed policies where it makes them (a role by
name, a policy by its ARN, which holds its path), so a create refused because the name exists
reads, by default, as one made after the plan (another run at the same time). But IAM's role
and policy names are unique in an account whatever the path ("IAM user, group, role, and
policy names must be unique within the account. Names are not distinguished by case": IAM API
Reference, CreateRole and CreatePolicy): one of the same name at another path, another
project's or made by hand, refuses the create too, and running the command again never helps.
This reads what holds the name and says so. The reads are the executor's only when a create
was refused, and a refused read leaves the generic words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from deploy.aws import DeployError

if TYPE_CHECKING:
    from deploy.aws import Aws

RENAME = (
    "give this stack a name no other in the account has: another `project:` in config.yaml "
    "(or another environment name under `environments:`), since every IAM name it makes "
    "starts with the stack's; or, if nothing uses that {what}, delete it (IAM cannot rename "
    "one). Then run the command again"
)


class NameTaken(DeployError):
    """A create refused because another role or policy, not this project's, has the name:
    ``todo`` says what to change (the failure record's "what to do")."""

    def __init__(self, message: str, todo: str) -> None:
        super().__init__(message)
        self.todo = todo


@dataclass(frozen=True)
class Holder:
    """What has the name: its kind in words, its name, path and ARN."""

    what: str  # "role" / "managed policy"
    name: str
    path: str
    arn: str


def role_holder(aws: Aws, params: Mapping[str, Any]) -> Holder | None:
    """The role named as CreateRole's ``params`` name it, at whatever path (GetRole takes a
    name alone; the deploy role may read only its own roles: another's is refused)."""
    got = aws.read("iam", "GetRole", RoleName=params["RoleName"])
    role = (got or {}).get("Role")
    return Holder("role", role["RoleName"], role["Path"], role["Arn"]) if role else None


# What holds the name a create was refused for, by the create: the engine's. Bootstrap adds
# CreatePolicy's (deploy/bootstrap/managed_policy.py: a ListPolicies the deploy role lacks).
Lookup = Callable[["Aws", Mapping[str, Any]], Holder | None]
ENGINE_LOOKUPS: Mapping[str, Lookup] = {"CreateRole": role_holder}


def holder(
    aws: Aws, operation: str, params: Mapping[str, Any], lookups: Mapping[str, Lookup]
) -> Holder | None:
    """What has the name ``params`` create by ``operation``; None for a call ``lookups`` has
    no lookup for, or when it is gone again or cannot be read."""
    look = lookups.get(operation)
    if look is None:
        return None
    try:
        return look(aws, params)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
        return None  # refused or unanswered: the generic words stand


def clash(found: Holder | None, params: Mapping[str, Any]) -> str | None:
    """What happened, when ``found`` is not what the create would have made (another path,
    or the name in another case); None when it is (made after the plan, at this path)."""
    if found is None:
        return None
    path = str(params.get("Path") or "/")
    name = str(params.get("RoleName") or params.get("PolicyName"))
    if found.path == path and found.name == name:
        return None
    plural = {"role": "roles", "managed policy": "managed policies"}[found.what]
    if found.path != path:
        held = (
            f"IAM {found.what} {found.name} already exists at path {found.path} ({found.arn}), "
            f"not at {path} where this project makes its {plural}"
        )
    else:
        held = (
            f"IAM {found.what} {found.name} already exists ({found.arn}), a name that differs "
            f"from {name} only in case"
        )
    return (
        f"{held}, so {name} cannot be made: IAM {found.what.split()[-1]} names are unique in "
        "an account whatever the path (and case), and that one belongs to something else "
        "(another project, or made by hand): running the command again cannot help. To fix "
        "it, " + RENAME.format(what=found.what)
    )
