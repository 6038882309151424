"""The errors the server itself answers, whatever the model: a body it could not read (400,
408), a body over the limit (413), a path or method it does not serve (404, 405).

A model's own errors subclass :class:`ApiError` too; the server answers any of them in the
one JSON shape.
"""

from __future__ import annotations

from .error_shape import ApiError, PayloadTooLarge

__all__ = [
    "ApiError",
    "BadBody",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "RequestTimeout",
]


class BadBody(ApiError):
    """The HTTP body itself is broken (its framing), whatever it holds."""

    code = "bad_body"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"


class RequestTimeout(ApiError):
    status = 408
    code = "request_timeout"
