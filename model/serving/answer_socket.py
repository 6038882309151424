"""The connection's socket as gunicorn writes an answer on it: the head and the body in one send.

gunicorn sends an answer's head (status line and headers) with one send and its body with
another. On loopback, and behind SageMaker's front end alike, each send wakes the client: it
reads the head, asks for the body and sleeps again until the second send wakes it. For a small
answer (a 261-point ``auto`` answer is ~20 kB) the second round of wake-ups was a measurable
part of the request's latency on a busy machine. Held here, the head goes out with the body's
first bytes; a big body (over ``JOIN_MAX_BYTES``) is not copied to join them and follows the
head in a send of its own, as before.

A wrapper around one request's socket (the worker's ``handle_request``), not a change to
gunicorn: everything but ``sendall`` is the socket's own, and whatever reaches past the
wrapper to the socket's file descriptor (``fileno``: ``os.sendfile``) or ends the connection
(``shutdown``) gets the held head first, so bytes never leave out of order.
"""

from __future__ import annotations

import contextlib
from typing import Any

# Bodies up to this size are joined to the head (a copy); bigger ones follow it in their own
# send, where one send more costs nothing next to the time the body takes to compute.
JOIN_MAX_BYTES = 256 * 1024


class AnswerSocket:
    """``sock`` whose first ``sendall`` (gunicorn's head) waits for the second (the body)."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._writes = 0
        self._held: bytes | None = None

    def sendall(self, data: bytes) -> None:
        self._writes += 1
        if self._writes == 1:
            self._held = bytes(data)
            return
        held, self._held = self._held, None
        if held is None:
            self._sock.sendall(data)
        elif len(data) <= JOIN_MAX_BYTES:
            self._sock.sendall(held + data)
        else:
            self._sock.sendall(held)
            self._sock.sendall(data)

    def flush(self) -> None:
        """Send what is held (the head of an answer without a body: a HEAD, a 304)."""
        held, self._held = self._held, None
        if held is not None:
            self._sock.sendall(held)

    def fileno(self) -> int:
        self.flush()
        return self._sock.fileno()

    def shutdown(self, how: int) -> None:
        with contextlib.suppress(OSError):
            self.flush()
        self._sock.shutdown(how)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)
