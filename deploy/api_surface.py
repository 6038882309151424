"""What the public HTTP API exposes: its routes and its CORS rule.

One definition, read by deploy's HTTP API resource (what AWS is told to configure) and by
devstack's API Gateway stand-in (what `make up` answers), so the two cannot drift apart. The
Lambda routes the same keys itself (`lambda/handler.py`); a test ties the three together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Route keys of the HTTP API, all integrated with the one Lambda.
ROUTES = ("POST /detect", "GET /health")
# Request headers a browser may send: the CSV's type and SageMaker's parameter header (the
# page sends query parameters; the Lambda forwards either).
ALLOW_HEADERS = ("content-type", "x-amzn-sagemaker-custom-attributes")
# Response headers a page on another origin may read: the id to quote in a bug report (the
# HTTP API sets it on every answer, its own errors included), and when to try again (the
# function's 429 and 503 say it in Retry-After). A browser shows a script only the
# CORS-safelisted headers unless Access-Control-Expose-Headers names more; sorted, as AWS
# reports them back.
EXPOSE_HEADERS = ("apigw-requestid", "retry-after")
# How long a browser may cache a preflight answer.
MAX_AGE_S = 3600


def route_methods() -> tuple[str, ...]:
    """Every method a browser may send: the routes' own, plus OPTIONS for preflights."""
    return tuple(sorted({key.split(" ", 1)[0] for key in ROUTES} | {"OPTIONS"}))


@dataclass(frozen=True)
class CorsRule:
    """The HTTP API's CORS configuration (AllowOrigins, AllowMethods, ... in AWS's terms)."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = route_methods()
    allow_headers: tuple[str, ...] = ALLOW_HEADERS
    expose_headers: tuple[str, ...] = EXPOSE_HEADERS
    max_age: int = MAX_AGE_S

    def allows(self, origin: str | None) -> bool:
        """Whether a browser on ``origin`` may read the answers."""
        return bool(origin) and ("*" in self.allow_origins or origin in self.allow_origins)


def cors_rule(origins: Iterable[str]) -> CorsRule:
    """The rule for these origins (sorted and unique, as AWS reports them back)."""
    return CorsRule(allow_origins=tuple(sorted(set(origins))))
