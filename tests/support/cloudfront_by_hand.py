"""A CloudFront distribution made by hand on the test server: one S3 origin, the managed
CachingOptimized policy, as the tests that need one the engine did not make create it."""

from __future__ import annotations

from typing import Any

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # CloudFront's managed cache policy


def create_distribution(
    cf: Any, origin_domain: str, reference: str, comment: str = "", oac_id: str | None = None
) -> dict[str, Any]:
    """CreateDistribution's answer for one enabled distribution whose one origin is the bucket
    ``origin_domain`` (through the origin access control ``oac_id`` when given)."""
    origin: dict[str, Any] = {
        "Id": "o",
        "DomainName": origin_domain,
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    if oac_id is not None:
        origin["OriginAccessControlId"] = oac_id
    config = {
        "CallerReference": reference,
        "Comment": comment,
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "o",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": CACHING_OPTIMIZED,
        },
    }
    return cf.create_distribution(DistributionConfig=config)
