"""The one error shape of the model and the Lambda: ``{"error": {"code", "message", "hint"}}``.

This file exists twice, byte for byte: ``model/serving/error_shape.py`` (in the model
image) and ``lambda/error_shape.py`` (in the Lambda zip, which holds only ``lambda/*.py``).
Edit one, copy it over the other; ``tests/lambda/test_error_shape.py`` fails while they differ.
"""

from __future__ import annotations

from typing import Any

MIB = 1024 * 1024

#: What an empty upload is told, by the model and by the Lambda alike (words for an analyst).
EMPTY_FILE_MESSAGE = "The file is empty: it has no rows to analyse."
EMPTY_FILE_HINT = (
    "Choose a Google Trends export (Explore → ⋮ → Download CSV); calling the API "
    "directly, send the file's text as the request body."
)


class ApiError(Exception):
    """An answer for the caller: HTTP status, a stable code, what was wrong and how to fix it.

    Subclasses set ``status`` and ``code``; one-off errors pass them as keywords.
    """

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        status: int | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.headers = dict(headers or {})

    def body(self, **extra: Any) -> dict[str, Any]:
        """The JSON body; ``extra`` keys join code, message and hint (e.g. a request id)."""
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint, **extra}}


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"

    @classmethod
    def over(cls, limit: int, size: int | None = None) -> PayloadTooLarge:
        """The one wording for a body over the limit (its size, when known)."""
        mb = f"{limit / MIB:.3g} MB"
        what = (
            f"The body is {size} bytes; the limit is {limit} bytes ({mb})."
            if size is not None
            else f"The body is over the limit of {limit} bytes ({mb})."
        )
        return cls(what, "Export a shorter time range or fewer terms from Google Trends.")
