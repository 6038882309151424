"""Whether what ``MODEL_APP`` names is a WSGI app, checked once at start (``gunicorn_conf``).

gunicorn serves any callable it finds there. A factory named without its call
(``mymodel.app:create_app``, or ``serving.app:create_app`` itself) is callable too: the server
started without a word and answered every request, ``/ping`` included, with a ``TypeError``
from the factory, so SageMaker's health check failed with nothing in the log at start.
"""

from __future__ import annotations

import inspect

from flask import Flask


def _signature(app: object) -> inspect.Signature | None:
    """``app``'s parameters without their annotations (the message shows them), or None."""
    try:
        signature = inspect.signature(app)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a builtin or C callable: nothing to tell from it
        return None
    bare = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return signature.replace(parameters=bare, return_annotation=inspect.Signature.empty)


def refusal(app: object, uri: str) -> str | None:
    """None when ``app`` can answer a request as WSGI calls it, ``(environ,
    start_response)``; else the one line that says what ``MODEL_APP`` (``uri``) names and
    what it should."""
    if isinstance(app, Flask) or not callable(app):  # gunicorn refuses what is not callable
        return None
    signature = _signature(app)
    if signature is None:
        return None
    if _binds(signature, object(), object()):
        return None
    module, _, name = uri.partition(":")
    name = name or "application"  # gunicorn's default variable when MODEL_APP names none
    kind = "a class" if inspect.isclass(app) else "a function"
    said = (
        f"MODEL_APP={uri} is {kind} that takes {signature}, not a WSGI app, which takes "
        "(environ, start_response): point MODEL_APP at the app (module:variable, a variable "
        "holding the Flask app that create_app returns)"
    )
    if "(" in name or not _binds(signature):  # a call already, or one that needs arguments
        return f"{said}."
    return f"{said}, or have gunicorn call the factory: '{module}:{name}()'."


def _binds(signature: inspect.Signature, *args: object) -> bool:
    try:
        signature.bind(*args)
    except TypeError:
        return False
    return True
