"""What CloudFront does that moto 5.2.5 does not, taught to moto's CloudFront backend.

Each rule is what AWS documents (botocore cloudfront model and waiters, the DeleteDistribution
API reference) and moto skips:

- a distribution keeps its origins' ``OriginAccessControlId`` and ``S3OriginConfig`` (moto
  drops both, so an OAC-served bucket could never be seen as configured);
- every change gives a new ETag, and Update/Delete need ``IfMatch`` equal to the current one
  (``PreconditionFailed`` otherwise, ``InvalidIfMatchVersion`` without);
- a change is ``InProgress`` for a while, then ``Deployed`` (moto: Deployed at the first read,
  and never InProgress again after an update);
- an enabled distribution, or one whose disabling is not yet Deployed, cannot be deleted
  (``DistributionNotDisabled``);
- an origin access control's name is unique and at most 64 characters; it cannot be deleted
  while a distribution uses it (``OriginAccessControlInUse``), and needs ``IfMatch`` too;
- an invalidation is ``InProgress`` then ``Completed`` (moto answers "COMPLETED", which boto3's
  own waiter never accepts); the same CallerReference returns the same invalidation;
- a distribution's Comment is at most 128 characters.

Times come from tests/support/aws_clock.py (CLOCK, DELAYS).
"""

from __future__ import annotations

from typing import Any

from tests.support.aws_clock import CLOCK, DELAYS


def _error(code: str, message: str) -> Exception:
    from moto.cloudfront.exceptions import CloudFrontException

    return CloudFrontException(code, message)


def _check_if_match(current: str, given: Any) -> None:
    if not given:
        raise _error(
            "InvalidIfMatchVersion",
            "The If-Match version is missing or not valid for the resource.",
        )
    if given != current:
        raise _error(
            "PreconditionFailed",
            "The precondition given in one or more of the request-header fields evaluated to "
            "false.",
        )


def _check_comment(config: dict[str, Any]) -> None:
    if len(str(config.get("Comment") or "")) > 128:
        raise _error("InvalidArgument", "The parameter Comment is too long (at most 128).")


def patch_cloudfront() -> None:
    from moto.cloudfront import models
    from moto.cloudfront.models import CloudFrontBackend, Distribution, Invalidation, Origin

    original_origin_init = Origin.__init__

    def origin_init(self: Any, origin: dict[str, Any]) -> None:
        original_origin_init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId", "")
        if "S3OriginConfig" in origin:
            self.s3_origin_config = dict(origin["S3OriginConfig"])

    Origin.__init__ = origin_init

    def deployed_at(dist: Any) -> float:
        return getattr(dist, "_deployed_at", 0.0)

    def status(dist: Any) -> str:
        return "Deployed" if CLOCK.now() >= deployed_at(dist) else "InProgress"

    def set_status(dist: Any, value: str) -> None:
        dist._deployed_at = (
            0.0 if value == "Deployed" else CLOCK.now() + DELAYS.distribution_deploy_s
        )

    Distribution.status = property(status, set_status)

    def changed(dist: Any) -> None:
        dist._deployed_at = CLOCK.now() + DELAYS.distribution_deploy_s
        dist.etag = models.random_id()

    create = CloudFrontBackend.create_distribution_with_tags

    def create_with_tags(self: Any, distribution_config: dict[str, Any], tags: Any) -> Any:
        _check_comment(distribution_config)
        for origin in distribution_config.get("Origins", {}).get("Items", []):
            oac = origin.get("OriginAccessControlId")
            if oac and oac not in self.origin_access_controls:
                raise _error(
                    "NoSuchOriginAccessControl",
                    "The specified origin access control does not exist.",
                )
        dist, location, _ = create(self, distribution_config, tags)
        changed(dist)
        return dist, location, dist.etag

    CloudFrontBackend.create_distribution_with_tags = create_with_tags

    def update_distribution(self: Any, dist_config: dict[str, Any], _id: str, if_match: Any) -> Any:
        dist = self.distributions.get(_id)
        if dist is None:
            raise _error("NoSuchDistribution", "The specified distribution does not exist.")
        _check_if_match(dist.etag, if_match)
        _check_comment(dist_config)
        if dist_config.get("CallerReference") != dist.distribution_config.caller_reference:
            raise _error("IllegalUpdate", "The CallerReference of a distribution cannot change.")
        dist.distribution_config = models.DistributionConfig(dist_config)
        changed(dist)
        return dist, dist.location, dist.etag

    CloudFrontBackend.update_distribution = update_distribution

    def delete_distribution(self: Any, distribution_id: str, if_match: Any) -> None:
        dist = self.distributions.get(distribution_id)
        if dist is None:
            raise _error("NoSuchDistribution", "The specified distribution does not exist.")
        _check_if_match(dist.etag, if_match)
        enabled = dist.distribution_config.Enabled in (True, "true")
        if enabled or dist.status != "Deployed":
            raise _error(
                "DistributionNotDisabled",
                "The distribution you are trying to delete has not been disabled.",
            )
        del self.distributions[distribution_id]

    CloudFrontBackend.delete_distribution = delete_distribution

    # --- origin access controls ------------------------------------------------------------
    create_oac = CloudFrontBackend.create_origin_access_control

    def create_origin_access_control(self: Any, config_dict: dict[str, str]) -> Any:
        name = config_dict.get("Name") or ""
        if len(name) > 64:
            raise _error("InvalidArgument", "The parameter Name is too long (at most 64).")
        if any(o.name == name for o in self.origin_access_controls.values()):
            raise _error(
                "OriginAccessControlAlreadyExists",
                "An origin access control with the specified parameters already exists.",
            )
        return create_oac(self, config_dict)

    CloudFrontBackend.create_origin_access_control = create_origin_access_control

    def in_use(self: Any, control_id: str) -> bool:
        return any(
            getattr(origin, "origin_access_control_id", "") == control_id
            for dist in self.distributions.values()
            for origin in dist.distribution_config.Origins["Items"]
        )

    def delete_origin_access_control(self: Any, control_id: str, if_match: Any = None) -> None:
        control = self.origin_access_controls.get(control_id)
        if control is None:
            raise _error(
                "NoSuchOriginAccessControl", "The specified origin access control does not exist."
            )
        _check_if_match(control.etag, if_match)
        if in_use(self, control_id):
            raise _error(
                "OriginAccessControlInUse",
                "Cannot delete the origin access control because it's in use by one or more "
                "distributions.",
            )
        del self.origin_access_controls[control_id]

    CloudFrontBackend.delete_origin_access_control = delete_origin_access_control

    from moto.cloudfront.responses import CloudFrontResponse
    from moto.core.responses import EmptyResult

    def delete_oac_response(self: Any) -> Any:
        self.backend.delete_origin_access_control(self._get_param("Id"), self._get_param("IfMatch"))
        return EmptyResult()

    CloudFrontResponse.delete_origin_access_control = delete_oac_response

    update_oac = CloudFrontBackend.update_origin_access_control

    def update_origin_access_control(self: Any, control_id: str, config: dict[str, str]) -> Any:
        control = update_oac(self, control_id, config)
        control.etag = models.random_id()
        return control

    CloudFrontBackend.update_origin_access_control = update_origin_access_control

    # --- invalidations ---------------------------------------------------------------------
    def invalidation_status(inv: Any) -> str:
        return "Completed" if CLOCK.now() >= getattr(inv, "_done_at", 0.0) else "InProgress"

    Invalidation.status = property(invalidation_status, lambda inv, value: None)

    def create_invalidation(self: Any, dist_id: str, paths: list[str], caller_ref: str) -> Any:
        dist, _ = self.get_distribution(dist_id)
        for existing in self.invalidations.get(dist_id, []):
            if existing.caller_ref == caller_ref:
                if sorted(existing.paths) != sorted(paths):
                    raise _error(
                        "InvalidationBatchAlreadyExists",
                        "The CallerReference was used before with other paths.",
                    )
                return existing
        invalidation = Invalidation(dist, paths, caller_ref)
        invalidation._done_at = CLOCK.now() + DELAYS.invalidation_s
        self.invalidations.setdefault(dist_id, []).append(invalidation)
        return invalidation

    CloudFrontBackend.create_invalidation = create_invalidation
