"""Errors that carry their HTTP status, a stable code, and a hint that says how to fix them.

Raised anywhere below the HTTP layer; ``app`` turns them into
``{"error": {"code", "message", "hint"}}`` with the status. Anything else is a bug (500).
"""

from __future__ import annotations


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, hint: str = "", *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code:
            self.code = code

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


class BadCsv(ApiError):
    code = "bad_csv"


class BadJson(ApiError):
    code = "bad_json"


class NoNumericColumn(ApiError):
    code = "no_numeric_column"


class BadParameter(ApiError):
    code = "bad_parameter"


class TooFewPoints(ApiError):
    code = "too_few_points"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"

    @classmethod
    def over(cls, limit: int, size: int | None = None) -> PayloadTooLarge:
        """The one wording for a body over the limit (its size, when known)."""
        what = (
            f"The body is {size} bytes; the limit is {limit}."
            if size is not None
            else (f"The body is over the {limit}-byte limit.")
        )
        return cls(
            what, "Send a shorter range or fewer terms (SageMaker real-time endpoints accept 6 MB)."
        )


class NotFound(ApiError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class NotAcceptable(ApiError):
    status = 406
    code = "not_acceptable"
