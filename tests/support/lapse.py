"""Credentials that lapse in the middle of a run, for tests on the moto server.

Why: an SSO session or an assumed role's keys end on their own clock, not between two
commands; the deploy code must meet that lapse where botocore raises it. Two ways, as AWS
users meet them: botocore's own refreshable credentials whose refresh starts failing
(an SSO token gone: TokenRetrievalError, raised before any request is sent), or AWS refusing
the signed request (ClientError ExpiredToken). Both start after ``after`` mutating calls
answered, counted on every client the session makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3.session
import botocore.credentials
import botocore.exceptions
import botocore.session

from deploy.aws import is_mutating

KEYS = ("testing", "testing", "testing")  # moto takes any keys (tests/support/moto_server.py)


def token_gone() -> Exception:
    """What botocore raises when an sso-session's token cannot be refreshed."""
    return botocore.exceptions.TokenRetrievalError(
        provider="sso", error_msg="the SSO session's token has expired; run aws sso login"
    )


@dataclass
class Lapse:
    """Counts the mutating calls AWS answered; after ``after`` of them the credentials are
    gone: ``mode`` "refresh" makes every credential refresh raise ``error()``, "expired" makes
    AWS answer every request ExpiredToken."""

    after: int
    mode: str = "refresh"
    error: Callable[[], Exception] = token_gone
    mutating: int = 0
    lapsed_at: str = ""  # the call that found the credentials gone first
    refused: int = 0  # requests refused or never sent since

    @property
    def lapsed(self) -> bool:
        return self.mutating >= self.after

    def _refresh(self) -> dict[str, str]:
        if self.lapsed:
            self.refused += 1
            raise self.error()
        key, secret, token = KEYS
        # Within botocore's mandatory refresh window: refreshed (and so checked) every request.
        expiry = datetime.now(UTC) + timedelta(seconds=60)
        return {
            "access_key": key,
            "secret_key": secret,
            "token": token,
            "expiry_time": expiry.isoformat(),
        }

    def _answered(self, model: Any, **_: Any) -> None:
        if is_mutating(model.name):
            self.mutating += 1

    def _refuse(self, model: Any, **_: Any) -> None:
        if self.lapsed:
            self.refused += 1
            self.lapsed_at = self.lapsed_at or model.name
            error = {
                "Error": {
                    "Code": "ExpiredToken",
                    "Message": "The security token included in the request is expired",
                }
            }
            raise botocore.exceptions.ClientError(error, model.name)  # type: ignore[arg-type]

    def session(self, region: str = "us-east-1") -> boto3.session.Session:
        """A boto3 session with these credentials (and counting) on every client it makes."""
        core = botocore.session.Session()
        credentials = botocore.credentials.RefreshableCredentials.create_from_metadata(
            self._refresh(), self._refresh, "lapse"
        )
        core._credentials = credentials  # what get_credentials() returns once resolved
        core.register("after-call.*.*", self._answered)
        if self.mode == "expired":
            core.register("before-call.*.*", self._refuse)
        # boto3.session.Session: the class itself, not boto3.Session, which tests patch
        return boto3.session.Session(botocore_session=core, region_name=region)

    def lapse_after(self, session: boto3.session.Session, call: str) -> None:
        """The credentials go right after ``call`` (``s3.DeleteBucket``) is answered in
        ``session``, whatever the count of mutating calls so far."""

        def gone(**_: Any) -> None:
            self.after = 0

        session.events.register(f"after-call.{call}", gone)
