"""Errors that carry their HTTP status, a stable code, and a hint that says how to fix them.

Raised anywhere below the HTTP layer; ``app`` turns them into
``{"error": {"code", "message", "hint"}}`` with the status. Anything else is a bug (500).
The base class and the 413 wording are shared with the Lambda (``serving/error_shape.py``),
the hints below are the Trends model's (the Lambda, the Trends API, says the same:
``tests/lambda/test_error_shape.py``); the server's own errors (400 bad_body, 404, 405, 408)
are ``serving/errors.py``'s, named here too so that the model's code finds every error in one
place.
"""

from __future__ import annotations

from serving.errors import (
    ApiError,
    BadBody,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
)

#: A 413's hint: the body over the limit is an export, which a shorter one fits under.
TOO_LARGE_HINT = "Export a shorter time range or fewer terms from Google Trends."
#: What an empty upload is told, by the model and by the Lambda alike (words for an analyst).
EMPTY_FILE_MESSAGE = "The file is empty: it has no rows to analyse."
EMPTY_FILE_HINT = (
    "Choose a Google Trends export (Explore → ⋮ → Download CSV); calling the API "
    "directly, send the file's text as the request body."
)

__all__ = [
    "ApiError",
    "BadBody",
    "BadCsv",
    "BadJson",
    "BadParameter",
    "MethodNotAllowed",
    "NoNumericColumn",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "RequestTimeout",
    "ResultTooLarge",
    "TooFewPoints",
    "UnsupportedMediaType",
]


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


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class NotAcceptable(ApiError):
    status = 406
    code = "not_acceptable"


class ResultTooLarge(ApiError):
    """An answer SageMaker cannot carry back: InvokeEndpoint's response body has the same
    6 MB cap as its request (``BodyBlob``, max 6291456, in the runtime's service model), so a
    bigger answer never reached the caller, who got a 5xx for a request that was fine."""

    status = 413
    code = "result_too_large"
