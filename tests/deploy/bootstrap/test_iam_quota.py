"""Bootstrap reads the account's "Managed policies per role" from Service Quotas on the moto
server (tests/support/moto_quotas.py plays IAM's global quota: us-east-1 only, applied values
only), and falls back to IAM's default 10 with a note when it cannot."""

from __future__ import annotations

import botocore.exceptions
import pytest

from deploy.aws import Aws
from deploy.bootstrap import iam_quota
from tests.deploy.deploy_helpers import session
from tests.support.moto_quotas import IAM_QUOTAS, POLICIES_PER_ROLE, Quota

pytestmark = pytest.mark.usefixtures("aws_env")


def test_a_raised_quota_is_read_from_us_east_1_whatever_the_stack_region() -> None:
    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10, applied=14)
    assert iam_quota.read(Aws("eu-west-1", session())) == iam_quota.AttachedMax(14)


def test_a_quota_nobody_raised_is_the_default_with_a_note() -> None:
    got = iam_quota.read(Aws("us-east-1", session()))
    assert got.value == 10
    assert got.note is not None
    assert "L-0DA4ABF3" in got.note and "us-east-1" in got.note
    assert "never raised" in got.note and "default 10" in got.note


def test_a_denied_read_is_the_default_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10, applied=14)
    error = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}
    # as a role without servicequotas:ListServiceQuotas is answered

    def denied(*_args: object, **_kwargs: object) -> None:
        raise botocore.exceptions.ClientError(error, "GetServiceQuota")

    monkeypatch.setattr(Aws, "pages", denied)
    got = iam_quota.read(Aws("eu-west-1", session()))
    assert got.value == 10
    assert got.note is not None and "AccessDeniedException" in got.note
    assert "\n" not in got.note  # one line


def test_govcloud_asks_us_gov_west_1() -> None:
    """Service Quotas knows IAM's quotas in one region a partition: elsewhere, no service."""
    IAM_QUOTAS[POLICIES_PER_ROLE] = Quota(default=10, applied=14)
    got = iam_quota.read(Aws("us-east-1", session()), "aws-us-gov")
    assert got.value == 10 and got.note is not None
    assert "us-gov-west-1" in got.note and "NoSuchResource" in got.note
