"""What ECR checks in a lifecycle policy that moto 5.2.5 does not.

moto validates the policy's schema (its keys, the enums, countNumber ≥ 1) but not the rules
between them that ECR's "Lifecycle policy properties" page states: a rule with tagStatus
``tagged`` must give ``tagPrefixList`` or ``tagPatternList``; one with ``untagged`` must give
neither; every rule has its own ``rulePriority``; a rule with ``any`` has the highest priority
(evaluated last). ECR refuses such a policy (InvalidParameterException); here too.
"""

from __future__ import annotations

import json
from typing import Any

_PATCHED = "_trends_tests_lifecycle_rules"


def lifecycle_rule_problem(policy_text: str) -> str | None:
    """Why ECR refuses this policy's rules, None when it does not (the schema aside)."""
    rules: list[dict[str, Any]] = json.loads(policy_text).get("rules", [])
    priorities = [r.get("rulePriority") for r in rules]
    if len(set(priorities)) != len(priorities):
        return "each rule must have a unique rulePriority"
    for rule in rules:
        selection = rule.get("selection", {})
        status = selection.get("tagStatus")
        tags = "tagPrefixList" in selection or "tagPatternList" in selection
        if status == "tagged" and not tags:
            return "a tagged rule must specify tagPrefixList or tagPatternList"
        if status == "untagged" and tags:
            return "an untagged rule must not specify tagPrefixList or tagPatternList"
        if status == "any" and rule.get("rulePriority") != max(priorities):
            return "a rule with tagStatus any must have the highest rulePriority"
    return None


def patch_ecr() -> None:
    """Teach moto's lifecycle policy validator ECR's rules between properties (idempotent)."""
    from moto.ecr.exceptions import InvalidParameterException
    from moto.ecr.policy_validation import EcrLifecyclePolicyValidator

    if getattr(EcrLifecyclePolicyValidator, _PATCHED, False):
        return
    validate = EcrLifecyclePolicyValidator.validate

    def checked(self: Any) -> None:
        validate(self)
        problem = lifecycle_rule_problem(self._policy_text)
        if problem:
            raise InvalidParameterException(f"{self.INVALID_PARAMETER_ERROR_MESSAGE}{problem}'")

    EcrLifecyclePolicyValidator.validate = checked
    setattr(EcrLifecyclePolicyValidator, _PATCHED, True)
