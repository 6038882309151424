"""IAM's size and count quotas, taught to moto (5.2.5 checks none of them), so bootstrap meets
on the test server the refusals it meets in an account.

From IAM's "IAM and AWS STS quotas" page (whitespace does not count towards a size):

- a role's inline policies together: 10,240 characters. PutRolePolicy past it is refused with
  LimitExceeded "Maximum policy size of 10240 bytes exceeded for role NAME";
- a managed policy: 6,144 characters. CreatePolicy and CreatePolicyVersion past it are refused
  with LimitExceeded "Cannot exceed quota for PolicySize: 6144";
- managed policies attached to a role: 10 by default. AttachRolePolicy of an eleventh is
  refused with LimitExceeded "Cannot exceed quota for PoliciesPerRole: 10"; an account that
  raised it in Service Quotas (moto_quotas.IAM_QUOTAS, up to 20) is held to its value.

A managed policy's name is unique in the account whatever its path (CreatePolicy's
PolicyName: "IAM user, group, role, and policy names must be unique within the account"):
CreatePolicy of a taken one is refused with EntityAlreadyExists, as moto does only for the
same path.

ListRolePolicies answers in pages of MaxItems, 100 unless asked ("If you do not include this
parameter, the number of items defaults to 100", IAM API Reference, ListRolePolicies), with
IsTruncated and a Marker for the rest: moto 5.2.5 listed every name at once
(`patch_iam_paging`).

moto already keeps IAM's five versions per managed policy (CreatePolicyVersion of a sixth:
LimitExceeded). The quotas are module constants: a test may lower one to meet it sooner.
"""

from __future__ import annotations

from typing import Any

from tests.support.moto_quotas import raised_policies_per_role

_PATCHED = "_trends_tests_iam_quotas"
ROLE_INLINE_MAX = 10_240
MANAGED_POLICY_MAX = 6_144
ATTACHED_PER_ROLE_MAX = 10


def iam_size(document: str) -> int:
    """A policy document's size as IAM counts it: whitespace does not count (str.split()
    cuts at exactly what str.isspace() calls whitespace; in C, unlike a generator)."""
    return len("".join(document.split()))


def patch_iam_paging() -> None:
    """ListRolePolicies paged by Marker and MaxItems (default 100), as IAM pages it."""
    from moto.core.responses import ActionResult
    from moto.iam.responses import IamResponse

    if getattr(IamResponse, _PATCHED, False):
        return

    def list_role_policies(self: Any) -> ActionResult:
        names = self.backend.list_role_policies(self._get_param("RoleName"))
        start = int(self._get_param("Marker") or 0)
        end = start + self._get_int_param("MaxItems", 100)
        result: dict[str, Any] = {"PolicyNames": names[start:end], "IsTruncated": end < len(names)}
        if end < len(names):
            result["Marker"] = str(end)
        return ActionResult(result)

    IamResponse.list_role_policies = list_role_policies
    setattr(IamResponse, _PATCHED, True)


def patch_iam_quotas() -> None:
    """Wrap moto's IAMBackend calls that IAM refuses past its quotas (idempotent)."""
    from moto.iam.exceptions import EntityAlreadyExists, LimitExceededException
    from moto.iam.models import IAMBackend

    if getattr(IAMBackend, _PATCHED, False):
        return
    put_role_policy = IAMBackend.put_role_policy
    create_policy = IAMBackend.create_policy
    create_policy_version = IAMBackend.create_policy_version
    attach_role_policy = IAMBackend.attach_role_policy

    def managed_size(document: str) -> None:
        if iam_size(document) > MANAGED_POLICY_MAX:
            quota = f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX}"
            raise LimitExceededException(quota)

    def checked_put(self: Any, role_name: str, policy_name: str, policy_json: str) -> None:
        role = self.get_role(role_name)
        others = sum(iam_size(doc) for name, doc in role.policies.items() if name != policy_name)
        if others + iam_size(policy_json) > ROLE_INLINE_MAX:
            raise LimitExceededException(
                f"Maximum policy size of {ROLE_INLINE_MAX} bytes exceeded for role {role_name}"
            )
        put_role_policy(self, role_name, policy_name, policy_json)

    def checked_create(self: Any, description: str, path: str, policy_document: str,
                       policy_name: str, tags: Any) -> Any:  # fmt: skip
        managed_size(policy_document)
        # IAM: policy names are unique in an account, whatever the path, and case (moto
        # tells policies apart by ARN, so by path too).
        if any(p.name.lower() == policy_name.lower() for p in self.managed_policies.values()):
            raise EntityAlreadyExists(
                f"A policy called {policy_name} already exists. Duplicate names are not allowed."
            )
        return create_policy(self, description, path, policy_document, policy_name, tags)

    def checked_version(self: Any, policy_arn: str, policy_document: str,
                        set_as_default: bool) -> Any:  # fmt: skip
        managed_size(policy_document)
        return create_policy_version(self, policy_arn, policy_document, set_as_default)

    def checked_attach(self: Any, policy_arn: str, role_name: str) -> None:
        attached = self.get_role(role_name).managed_policies
        limit = raised_policies_per_role() or ATTACHED_PER_ROLE_MAX
        if policy_arn not in attached and len(attached) >= limit:
            raise LimitExceededException(f"Cannot exceed quota for PoliciesPerRole: {limit}")
        attach_role_policy(self, policy_arn, role_name)

    IAMBackend.put_role_policy = checked_put
    IAMBackend.create_policy = checked_create
    IAMBackend.create_policy_version = checked_version
    IAMBackend.attach_role_policy = checked_attach
    setattr(IAMBackend, _PATCHED, True)
