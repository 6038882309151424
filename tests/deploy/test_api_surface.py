"""The HTTP API's routes and CORS rule: one definition for deploy, devstack and the Lambda."""

from __future__ import annotations

from deploy.api_surface import ALLOW_HEADERS, ROUTES, cors_rule, route_methods


def test_methods_are_the_routes_plus_preflight() -> None:
    assert ROUTES == ("POST /detect", "GET /health")
    assert route_methods() == ("GET", "OPTIONS", "POST")


def test_the_rule_allows_listed_origins_or_any() -> None:
    rule = cors_rule(["https://b.example", "https://a.example", "https://a.example"])
    assert rule.allow_origins == ("https://a.example", "https://b.example")
    assert rule.allow_headers == ALLOW_HEADERS and rule.max_age == 3600
    assert rule.allows("https://a.example") and not rule.allows("https://evil.example")
    assert not rule.allows(None) and not rule.allows("")
    assert cors_rule(["*"]).allows("https://anything.example")


def test_a_page_on_another_origin_may_read_the_request_id() -> None:
    assert cors_rule([]).expose_headers == ("apigw-requestid",)
