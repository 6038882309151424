"""How many big requests a worker reads and holds at once, and how long a body may take.

A worker computes one request at a time (one pool thread: the app's POOL_THREADS), but read
every body as soon as its connection came: each waiting request held its body (up to 6 MB, and
several times that while gunicorn's reader assembled it). Measured in the image with
``--memory 1g`` (two workers): 100 concurrent 6 MB requests took the container to its limit
in 20 s and the kernel killed both workers, losing all 100. Now a request with a big body
(over the size the app passes, its INLINE_MAX_BYTES, or chunked: size unknown) waits for one
of BIG_AT_ONCE slots before its body is read; the bytes wait in the client's socket meanwhile.
Small requests, computed inline, and /ping never wait for a slot.

A slot must not be held by a client that stops sending: a body must arrive within
BODY_SECONDS of being asked for (``MODEL_BODY_TIMEOUT_SECONDS``, 30 by default: SageMaker's
front end sends the whole request at once; 6 MB at 2 Mbit/s takes 25 s), else the request is
a 408 and its connection closes. ``0`` is no deadline: a client that stops sending then holds
its slot until it closes the connection.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from .environment import seconds

BIG_AT_ONCE = 2  # one computing, one read and ready to compute next
BODY_SECONDS = seconds("MODEL_BODY_TIMEOUT_SECONDS", "30")  # None: no deadline


class BodyTimeout(Exception):
    """Raised into the greenlet reading a body that did not arrive in time. An Exception (not
    gevent's Timeout, a BaseException): gunicorn's body reader then marks the body failed and
    closes the connection instead of reading on."""


_slots: dict[int, Any] = {}  # per process: created in the worker, after the fork


@contextlib.contextmanager
def admitted(length: int | None, small: int) -> Iterator[None]:
    """Hold a big-request slot (under gevent) while the body is read and computed on."""
    if "gevent" not in sys.modules or (length is not None and length <= small):
        yield
        return
    slots = _slots.get(os.getpid())
    if slots is None:
        from gevent.lock import BoundedSemaphore

        slots = _slots[os.getpid()] = BoundedSemaphore(BIG_AT_ONCE)
    with slots:
        yield


def body_deadline() -> contextlib.AbstractContextManager[Any]:
    """BodyTimeout into the reading greenlet after BODY_SECONDS (under gevent). None waits as
    long as the client does: gevent's Timeout(0) would fire at once, a 408 for every body."""
    if "gevent" not in sys.modules or BODY_SECONDS is None:
        return contextlib.nullcontext()
    import gevent

    return gevent.Timeout(BODY_SECONDS, BodyTimeout)
