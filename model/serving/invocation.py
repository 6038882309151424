"""What the server hands a model and gets back: one request's bytes and headers in, one
answer out. The model's code (a ``handler`` given to :func:`serving.app.create_app`) turns
an :class:`Invocation` into an :class:`Answer`; the server does the HTTP around it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from .error_shape import ApiError

JSON = "application/json"


@dataclass
class Invocation:
    body: bytes
    content_type: str = ""
    accept: str = ""
    custom_attributes: str = ""


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = JSON
    # What the request log line reports besides status and sizes.
    log: dict[str, Any] = field(default_factory=dict)


def error_answer(err: ApiError) -> Answer:
    return Answer(err.status, orjson.dumps(err.body()), JSON, {"error_code": err.code})
