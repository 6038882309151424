"""The one error shape of the model and the Lambda: ``{"error": {"code", "message", "hint"}}``.

This file exists twice, byte for byte: ``model/serving/error_shape.py`` (in the model
image) and ``lambda/error_shape.py`` (in the Lambda zip, which holds only ``lambda/*.py``).
Edit one, copy it over the other; ``tests/lambda/test_error_shape.py`` fails while they differ.
Its words hold for any model behind any API: a model's own (the Trends model's 413 hint, its
empty file's) are its own module's, and the Lambda's are ``detect_contract.py``'s.
"""

from __future__ import annotations

from typing import Any

MIB = 1024 * 1024

#: A 413's hint when its caller has no words of its own for what to send instead.
TOO_LARGE_HINT = "Send a smaller body: split the data over several requests."


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
        parameter: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.headers = dict(headers or {})
        # The request parameter the error is about, when one is: a form marks that field
        # without reading the message's words (which are for people and may change).
        self.parameter = parameter
        # More keys of the body, numbers a program acts on that the message only words (a
        # 413's sizes: how many parts to split a file into).
        self.fields = dict(fields or {})

    def body(self, **extra: Any) -> dict[str, Any]:
        """The JSON body; ``extra`` keys join code, message and hint (e.g. a request id), and
        ``parameter`` when the error is about one, and the error's own ``fields``."""
        named = {"parameter": self.parameter} if self.parameter else {}
        error = {"code": self.code, "message": self.message, "hint": self.hint, **named}
        error.update(self.fields)
        return {"error": {**error, **extra}}


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"

    @classmethod
    def over(
        cls, limit: int, size: int | None = None, hint: str = TOO_LARGE_HINT
    ) -> PayloadTooLarge:
        """The one wording for a body over the limit (its size, when known); ``hint`` says
        what to send instead, in the words of the model or API that knows its data."""
        mb = f"{limit / MIB:.3g} MB"
        what = (
            f"The body is {size} bytes; the limit is {limit} bytes ({mb})."
            if size is not None
            else f"The body is over the limit of {limit} bytes ({mb})."
        )
        return cls(what, hint)
