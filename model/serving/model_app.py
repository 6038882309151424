"""Whether what ``MODEL_APP`` names loads and is a WSGI app, checked once at start
(``gunicorn_conf``'s ``on_starting``, before any worker).

gunicorn serves any callable it finds there. A factory named without its call
(``mymodel.app:create_app``, or ``serving.app:create_app`` itself) is callable too: the server
started without a word and answered every request, ``/ping`` included, with a ``TypeError``
from the factory, so SageMaker's health check failed with nothing in the log at start.

A ``MODEL_APP`` whose module is not on the Python path, or whose module has no such attribute,
stopped the server with thirty lines of gunicorn's and importlib's traceback ending in
``AppImportError: Failed to find attribute 'app' in 'mymodel'``; :func:`load` says it in one
line, with where it looked. An error raised while the module runs (its own import of a
missing dependency, a bug) keeps its traceback: its frames say where to fix it; a module
missing there gets a note after them, of where the model's dependencies go.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from typing import Any

from flask import Flask
from gunicorn.errors import AppImportError


def load(application: Any) -> object:
    """The app gunicorn's ``application`` (``server.app``) names, loaded once in the master;
    a RuntimeError (gunicorn prints it as one ``Error:`` line and exits 1) when its module or
    attribute is not there."""
    uri = application.app_uri
    module, _, obj = uri.partition(":")
    try:
        return application.wsgi()
    except ModuleNotFoundError as exc:
        if exc.name is None or not (module == exc.name or module.startswith(f"{exc.name}.")):
            # A module the model imports, not the one MODEL_APP names: the frames say which
            # line imports it, and the note (printed after them) where dependencies go.
            if exc.name is not None:
                exc.add_note(_missing_dependency(exc.name))
            raise
        raise RuntimeError(_no_module(uri, module, exc.name)) from None
    except ImportError as exc:
        # gunicorn's "did you mean 'm:app'?" for a file m.py it finds from the current folder:
        # right for m.py there, not for a path (mymodel/app.py), which is no module either.
        cause = exc.__context__
        named = (module, module.removesuffix(".py"))
        if not (isinstance(cause, ModuleNotFoundError) and cause.name in named):
            raise
        if "/" not in module:
            raise RuntimeError(f"MODEL_APP={uri}: {exc}") from None
        raise RuntimeError(_no_module(uri, module, cause.name or module)) from None
    except AppImportError as exc:
        raise RuntimeError(_no_attribute(uri, module, obj) or f"MODEL_APP={uri}: {exc}") from None


def _missing_dependency(name: str) -> str:
    """What to do when the model imports a module that is not installed where it serves."""
    package = name.partition(".")[0]
    return (
        f"The model imports {name!r}, which is not installed here. A package from PyPI goes in "
        f"the model group of pyproject.toml (uv add --group model {package}), then re-export "
        "model/requirements.txt, which the image installs (docs/swap-your-model.md, step 2); "
        "a module of your own must be on PYTHONPATH under that name."
    )


def _no_module(uri: str, module: str, missing: str) -> str:
    of = "" if missing == module else f" (of {module!r})"
    py = _dotted(module)
    return (
        f"MODEL_APP={uri}: no module {missing!r}{of} in {_searched()} or the installed "
        f"packages: name the module by its dotted path from a folder on PYTHONPATH{py} "
        "(serve puts its own folder there)."
    )


def _dotted(module: str) -> str:
    """The words for a file's name or path given as the module (``app.py``,
    ``model/mymodel/app.py``, ``mymodel/app``): the dotted name Python imports, from the
    folder on the path that holds the file (the message said "without .py
    ('model/mymodel/app')", no module either)."""
    bare = module.removesuffix(".py")
    if "/" not in module:
        return f", without .py ({bare!r})" if bare != module else ""
    real = os.path.realpath(bare)
    within = [f for f in _folders() if real.startswith(f + os.sep)]
    if within:  # the innermost folder: model/, not the repository above it
        dotted = os.path.relpath(real, max(within, key=len)).replace(os.sep, ".")
    else:
        dotted = bare.strip("/").replace("/", ".")
    return f", not a file's path ({dotted!r})"


def _folders() -> list[str]:
    """The folders of sys.path a model's module may be in: the current folder, PYTHONPATH,
    gunicorn's --chdir; Python's own and the installed packages' folders left out."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    mine: list[str] = []
    for entry in sys.path:
        real = os.path.realpath(entry or ".")
        if any(real == p or real.startswith(p + os.sep) for p in prefixes):
            continue
        if real not in mine:
            mine.append(real)
    return mine


def _searched() -> str:
    mine = _folders()
    return f"the folders {', '.join(mine)}" if mine else "no folder of its own"


def _no_attribute(uri: str, module: str, obj: str) -> str | None:
    """The line for a module found without the attribute MODEL_APP names; None when that is
    not what went wrong (gunicorn's own message is one line then)."""
    name = (obj or "application").split("(", 1)[0].strip()  # gunicorn's default variable
    loaded = sys.modules.get(module)
    if loaded is None or not name.isidentifier() or hasattr(loaded, name):
        return None
    where = getattr(loaded, "__file__", None) or module
    apps = sorted(k for k, v in vars(loaded).items() if isinstance(v, Flask))
    holds = f"; it holds a Flask app as {', '.join(apps)}" if apps else ""
    default = "" if obj else " (gunicorn's name when MODEL_APP names none)"
    return (
        f"MODEL_APP={uri}: module {module!r} ({where}) has no {name!r}{default}{holds}: point "
        "MODEL_APP "
        "at the variable holding the app (module:variable) or at a factory's call "
        "(module:factory())."
    )


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
    what it should.

    A callable whose parameters take two positional arguments may be either a WSGI app or a
    factory with optional parameters (``def make(config=None, debug=False)``, a
    ``functools.partial`` of ``create_app`` with its three arguments given): it is served,
    unless it shows that it makes an app (:func:`_makes`), which no WSGI app returns. A real
    WSGI app is never refused."""
    if isinstance(app, Flask) or not callable(app):  # gunicorn refuses what is not callable
        return None
    signature = _signature(app)
    if signature is None:
        return None
    makes = _makes(app)
    if makes is None and (_binds(signature, object(), object()) or _wrapper_binds(app)):
        return None
    module, _, name = uri.partition(":")
    name = name or "application"  # gunicorn's default variable when MODEL_APP names none
    what = (
        ", not a WSGI app, which takes (environ, start_response)"
        if makes is None
        else f" and makes {makes}: a factory, not the WSGI app itself"
    )
    said = (
        f"MODEL_APP={uri} is {_kind(app)} that takes {signature}{what}: point MODEL_APP at the "
        "app (module:variable, a variable holding the Flask app that create_app returns)"
    )
    if "(" in name or not _binds(signature):  # a call already, or one that needs arguments
        return f"{said}."
    return f"{said}, or have gunicorn call the factory: '{module}:{name}()'."


def _kind(app: object) -> str:
    if inspect.isclass(app):
        return "a class"
    if isinstance(app, functools.partial):
        return f"a functools.partial of {getattr(app.func, '__qualname__', repr(app.func))}"
    return "a function"


def _makes(app: object) -> str | None:
    """What ``app`` makes when that shows it is no WSGI app, else None.

    A class is a WSGI app only if its instances are the answer's body, an iterable of bytes
    (PEP 3333's ``AppClass``): a class whose instances are not iterable (a Flask subclass, a
    class with ``__call__``) is a factory. A function or partial annotated to return a Flask
    app is one too (the annotation read as written when its module cannot evaluate it)."""
    if inspect.isclass(app):
        if issubclass(app, Flask):
            return "a Flask app"
        iterable = hasattr(app, "__iter__") or hasattr(app, "__getitem__")
        return None if iterable else f"{app.__qualname__} objects, which are not iterable"
    try:
        returns = inspect.signature(app, eval_str=True).return_annotation  # type: ignore[arg-type]
    except Exception:  # an annotation its module cannot evaluate: read it as written
        try:
            returns = inspect.signature(app).return_annotation  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    if isinstance(returns, type):
        return "a Flask app" if issubclass(returns, Flask) else None
    written = returns.strip("'\" ").rsplit(".", 1)[-1] if isinstance(returns, str) else ""
    return "a Flask app" if written == "Flask" else None


def _wrapper_binds(app: object) -> bool:
    """Whether a decorator's wrapper takes (environ, start_response) where the function it
    wraps (``__wrapped__``, which `_signature` reads) does not: werkzeug's
    ``@Request.application`` makes a WSGI app of a ``def app(request)``."""
    if getattr(app, "__wrapped__", None) is None:
        return False
    try:
        own = inspect.signature(app, follow_wrapped=False)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # functools.cache's wrapper: a C object, nothing to tell
        return False
    return _binds(own, object(), object())


def _binds(signature: inspect.Signature, *args: object) -> bool:
    try:
        signature.bind(*args)
    except TypeError:
        return False
    return True
