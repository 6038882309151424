"""What ECR checks that moto 5.2.5 does not: a lifecycle policy's rules, and a tag put on
another image where tags are immutable.

moto validates the policy's schema (its keys, the enums, countNumber ≥ 1) but not the rules
between them that ECR's "Lifecycle policy properties" page states: a rule with tagStatus
``tagged`` must give ``tagPrefixList`` or ``tagPatternList``; one with ``untagged`` must give
neither; every rule has its own ``rulePriority``; a rule with ``any`` has the highest priority
(evaluated last). ECR refuses such a policy (InvalidParameterException); here too.

PutImage in a repository with immutable tags: ECR refuses a tag already on another image with
ImageTagAlreadyExistsException, and the same image put again under its tag with
ImageAlreadyExistsException (ECR API reference, PutImage, Errors:
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html). moto answers
both with ImageAlreadyExistsException, so code that caught only that passed here and failed
in AWS; the first is told apart here too.
"""

from __future__ import annotations

import json
from typing import Any

_PATCHED = "_trends_tests_lifecycle_rules"
_PATCHED_PUT = "_trends_tests_immutable_tags"


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
    """Teach moto's lifecycle policy validator ECR's rules between properties, and its
    PutImage ECR's error for a tag on another image (idempotent)."""
    _patch_put_image()
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


def _patch_put_image() -> None:
    """moto's refusal of a tag that exists (ImageAlreadyExistsException) answered as ECR does
    when that tag is on another image than the one put: ImageTagAlreadyExistsException, with
    the message `docker push` shows for it (aws/containers-roadmap#862)."""
    from moto.core.exceptions import ServiceException
    from moto.ecr.exceptions import ImageAlreadyExistsException
    from moto.ecr.models import ECRBackend

    if getattr(ECRBackend, _PATCHED_PUT, False):
        return

    class ImageTagAlreadyExistsException(ServiceException):
        code = "ImageTagAlreadyExistsException"

    put_image = ECRBackend.put_image

    def checked(self: Any, repository_name: str, image_manifest: str, image_tag: str,
                *args: Any, **kwargs: Any) -> Any:  # fmt: skip
        try:
            return put_image(self, repository_name, image_manifest, image_tag, *args, **kwargs)
        except ImageAlreadyExistsException:
            images = self.repositories[repository_name].images
            holder = next((i for i in images if image_tag in (i.image_tags or [])), None)
            if holder is None or holder.image_manifest == image_manifest:
                raise
            raise ImageTagAlreadyExistsException(
                f"The image tag '{image_tag}' already exists in the '{repository_name}' "
                "repository and cannot be overwritten because the repository is immutable."
            ) from None

    ECRBackend.put_image = checked
    setattr(ECRBackend, _PATCHED_PUT, True)
