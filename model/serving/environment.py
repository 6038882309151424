"""The settings the server reads from its environment, refused in one line when they are not.

``int(os.environ[...])`` in gunicorn_conf.py printed gunicorn's "Failed to read config file"
and a ValueError traceback for ``SAGEMAKER_MODEL_SERVER_TIMEOUT=60s``; a negative or zero
``MODEL_BODY_TIMEOUT_SECONDS`` started a server whose every big request was a 408 (gevent's
timer of 0 s fires at once). gunicorn read ``MODEL_SERVER_LOG_LEVEL=warn`` (or ``verbose``) as
``info`` without a word, ``SAGEMAKER_BIND_TO_PORT=99999`` stopped it with a traceback, and a
``MODEL_SERVER_HOST`` it could not resolve was five retries whose lines masked the name. Each
reader here stops the start instead with one ``Error: NAME='value': what it must be`` line
(gunicorn's form for its own bad settings, and ``MODEL_APP``'s): a SystemExit, which gunicorn
lets through while it reads its config file.

A value that is unset or empty (spaces only) is the default.
"""

from __future__ import annotations

import ipaddress
import math
import os
import socket
from collections.abc import Callable, Mapping
from typing import TypeVar

#: gunicorn's level names (``gunicorn.glogging.Logger.LOG_LEVELS``; any other it reads as
#: ``info``) and the aliases Python's logging gives two of them.
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
LEVEL_ALIASES = {"warn": "warning", "fatal": "critical"}

Number = TypeVar("Number", int, float)


def refused(name: str, written: str, must: str) -> SystemExit:
    """The one line that stops the start: the variable, its value as written, what it must be."""
    return SystemExit(f"Error: {name}={written!r}: {must}")


def text(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    """``name``'s value without the spaces around it; ``default`` when unset or blank."""
    return (os.environ if env is None else env).get(name, "").strip() or default


def _parsed(name: str, written: str, convert: Callable[[str], Number], must: str) -> Number:
    """``convert(written)``, or the one line that stops the start when it cannot."""
    try:
        return convert(written)
    except ValueError:
        raise refused(name, written, must) from None


def seconds(
    name: str, default: str, whole: bool = False, env: Mapping[str, str] | None = None
) -> float | None:
    """``name``'s value in seconds, or None for 0: no limit (gunicorn's own meaning of
    ``--timeout 0``). ``whole``: an integer (gunicorn's own settings)."""
    written = text(name, default, env)
    kind = "a whole number" if whole else "a number"
    must = f"must be {kind} of seconds above 0, or 0 for no limit"
    value = _parsed(name, written, int if whole else float, must)
    if value == 0:
        return None
    if not (math.isfinite(value) and value > 0):
        raise refused(name, written, must)
    return value


def at_least(name: str, written: str, low: int = 1) -> int:
    """``written`` (``name``'s value, or a value given for it) as a whole number >= ``low``."""
    must = f"must be a whole number >= {low}"
    value = _parsed(name, written, int, must)
    if value < low:
        raise refused(name, written, must)
    return value


def whole_number(
    name: str, default: str, low: int = 1, env: Mapping[str, str] | None = None
) -> int:
    """A whole number, at least ``low`` (a count or a size in bytes)."""
    return at_least(name, text(name, default, env), low)


def log_level(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    """gunicorn's name of the level ``name`` gives, in any case (``DEBUG``, ``Info``), or
    logging's alias of one (``warn``, ``fatal``)."""
    written = text(name, default, env)
    level = LEVEL_ALIASES.get(written.lower(), written.lower())
    if level not in LOG_LEVELS:
        raise refused(name, written, f"must be one of {', '.join(LOG_LEVELS)}")
    return level


def port(name: str, default: str, env: Mapping[str, str] | None = None) -> int:
    """A TCP port number; 0 binds any free port (gunicorn's "Listening at" line says which)."""
    written = text(name, default, env)
    must = "must be a port number from 1 to 65535 (SageMaker's is 8080), or 0 for any free port"
    value = _parsed(name, written, int, must)
    if not 0 <= value <= 65535:
        raise refused(name, written, must)
    return value


def host(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    """The address to bind, as gunicorn's ``bind`` takes it before ``:port`` (an IPv6 address
    in brackets): an IP address or a name this machine resolves, without a port."""
    written = text(name, default, env)
    bare = written[1:-1] if written.startswith("[") and written.endswith("]") else written
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = None
    must = (
        "must be an IP address or host name of this machine, without a port (0.0.0.0: every "
        "interface, 127.0.0.1: this machine only; the port is SAGEMAKER_BIND_TO_PORT)"
    )
    if address is not None and getattr(address, "scope_id", None):
        # gunicorn's inet_pton check reads fe80::1%eth0 as no IPv6 address: an IPv4 socket
        # that cannot bind it, five times over, its lines masking the address.
        raise refused(name, written, f"{must}; gunicorn cannot bind an IPv6 zone (%...)")
    if address is not None:
        return f"[{address}]" if address.version == 6 else str(address)
    if ":" in written or "/" in written or any(c.isspace() for c in written):
        raise refused(name, written, must)
    try:
        socket.getaddrinfo(written, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise refused(name, written, f"{must}; it does not resolve ({reason})") from None
    return written
