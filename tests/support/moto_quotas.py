"""Service Quotas for SageMaker and IAM, as an account sees them (moto 5.2.5 knows only
``vpc``).

``ListServiceQuotas`` returns *applied* values only ("If the applied quota value is not
available for a quota, the quota is not retrieved", botocore service-quotas model), so a quota
nobody raised is missing there and must be read with ``ListAWSDefaultServiceQuotas``. New
accounts often have 0 for ``ml.m5.large for endpoint usage`` (ResourceLimitExceeded at
CreateEndpoint). `QUOTAS` is the account this test server plays; tests change it.

IAM's "Managed policies per role" (L-0DA4ABF3, default 10, raised up to 20) is `IAM_QUOTAS`:
a global quota, listed by ListServiceQuotas in us-east-1 only (NoSuchResource elsewhere, as
Service Quotas says of IAM's quotas outside it), and only once raised. An applied value is
also what AttachRolePolicy is held to (moto_iam.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Quota:
    default: float
    applied: float | None = None  # None: nobody raised it, ListServiceQuotas omits it


def _default_table() -> dict[str, Quota]:
    return {
        "ml.m5.large for endpoint usage": Quota(default=0, applied=4),
        "ml.m5.xlarge for endpoint usage": Quota(default=0, applied=2),
        "ml.c5.large for endpoint usage": Quota(default=0, applied=4),
        "ml.c5.xlarge for endpoint usage": Quota(default=0, applied=4),
        "ml.t2.medium for endpoint usage": Quota(default=2),
        "ml.m6g.large for endpoint usage": Quota(default=2),
        "Maximum total concurrency that can be allocated across all serverless endpoints": Quota(
            default=10
        ),
    }


QUOTAS: dict[str, Quota] = _default_table()
POLICIES_PER_ROLE = "L-0DA4ABF3"
IAM_QUOTAS: dict[str, Quota] = {POLICIES_PER_ROLE: Quota(default=10)}
IAM_REGION = "us-east-1"  # where Service Quotas answers IAM's global quotas


def reset_quotas() -> None:
    QUOTAS.clear()
    QUOTAS.update(_default_table())
    IAM_QUOTAS.clear()
    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10)


def raised_policies_per_role() -> int | None:
    """The managed policies a role may have attached, when the account raised the quota."""
    applied = IAM_QUOTAS[POLICIES_PER_ROLE].applied
    return None if applied is None else int(applied)


def _iam_record(region: str, account: str, code: str, value: float) -> dict[str, Any]:
    return {
        "ServiceCode": "iam",
        "ServiceName": "AWS Identity and Access Management (IAM)",
        "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:iam/{code}",
        "QuotaCode": code,
        "QuotaName": "Managed policies per role",
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": True,
    }


def quota_code(name: str) -> str:
    return "L-" + hashlib.sha256(name.encode()).hexdigest()[:8].upper()


def _record(region: str, account: str, name: str, value: float, applied: bool) -> dict[str, Any]:
    code = quota_code(name)
    arn = f"arn:aws:servicequotas:{region}:{account}:sagemaker/{code}"
    if not applied:
        arn = f"arn:aws:servicequotas:{region}::sagemaker/{code}"
    return {
        "ServiceCode": "sagemaker",
        "ServiceName": "Amazon SageMaker",
        "QuotaArn": arn,
        "QuotaCode": code,
        "QuotaName": name,
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def patch_quotas() -> None:
    from moto.servicequotas.exceptions import NoSuchResource
    from moto.servicequotas.responses import ServiceQuotasResponse

    def params(self: Any) -> dict[str, Any]:
        return json.loads(self.body or "{}")

    def applied(self: Any) -> list[dict[str, Any]]:
        return [
            _record(self.region, self.current_account, name, q.applied, True)
            for name, q in QUOTAS.items()
            if q.applied is not None
        ]

    def defaults(self: Any) -> list[dict[str, Any]]:
        return [
            _record(self.region, self.current_account, name, q.default, False)
            for name, q in QUOTAS.items()
        ]

    original_defaults = ServiceQuotasResponse.list_aws_default_service_quotas
    original_get = ServiceQuotasResponse.get_service_quota

    def list_service_quotas(self: Any) -> str:
        if params(self).get("ServiceCode") == "iam" and self.region == IAM_REGION:
            raised = [
                _iam_record(self.region, self.current_account, code, q.applied)
                for code, q in IAM_QUOTAS.items()
                if q.applied is not None
            ]
            return json.dumps({"Quotas": raised})
        if params(self).get("ServiceCode") != "sagemaker":
            raise NoSuchResource
        return json.dumps({"Quotas": applied(self)})

    def list_aws_default_service_quotas(self: Any) -> str:
        if params(self).get("ServiceCode") != "sagemaker":
            return original_defaults(self)
        return json.dumps({"Quotas": defaults(self)})

    def get_service_quota(self: Any) -> str:
        p = params(self)
        if p.get("ServiceCode") != "sagemaker":
            return original_get(self)
        found = [q for q in applied(self) if q["QuotaCode"] == p.get("QuotaCode")]
        if not found:
            raise NoSuchResource
        return json.dumps({"Quota": found[0]})

    def get_aws_default_service_quota(self: Any) -> str:
        p = params(self)
        found = [q for q in defaults(self) if q["QuotaCode"] == p.get("QuotaCode")]
        if p.get("ServiceCode") != "sagemaker" or not found:
            raise NoSuchResource
        return json.dumps({"Quota": found[0]})

    ServiceQuotasResponse.list_service_quotas = list_service_quotas
    ServiceQuotasResponse.list_aws_default_service_quotas = list_aws_default_service_quotas
    ServiceQuotasResponse.get_service_quota = get_service_quota
    ServiceQuotasResponse.get_aws_default_service_quota = get_aws_default_service_quota
