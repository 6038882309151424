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
    assert "apigw-requestid" in cors_rule([]).expose_headers


def test_a_page_on_another_origin_may_read_every_header_the_function_answers_with() -> None:
    """The function's 429 and 503 say when to try again in Retry-After, which a browser
    hides from a script on another origin unless the API exposes it (it is not one of the
    CORS-safelisted response headers): a page could not honour it. Collected from the
    function's own error table, so a header added there must be exposed too. (``allow``
    rides only on a 405, which the HTTP API never lets reach the function.)"""
    from detect_contract import client_error

    codes = ("ValidationError", "ModelNotReadyException", "ThrottlingException")
    messages = ("Endpoint x not found.", "Endpoint x is not in service.", "")
    errors = [client_error(code, message, "x") for code in codes for message in messages]
    errors.append(client_error("ServiceUnavailable", "", "x"))
    headers = {name.lower() for error in errors for name in error.headers}
    assert headers == {"retry-after"}
    assert headers <= set(cors_rule([]).expose_headers)
    assert list(cors_rule([]).expose_headers) == sorted(cors_rule([]).expose_headers)
