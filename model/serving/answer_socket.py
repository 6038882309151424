"""The connection's socket as gunicorn writes an answer on it: the head and the body in one send.

gunicorn sends an answer's head (status line and headers) with one send and its body with
another. On loopback, and behind SageMaker's front end alike, each send wakes the client: it
reads the head, asks for the body and sleeps again until the second send wakes it. For a small
answer (a 261-point ``auto`` answer is ~20 kB) the second round of wake-ups was a measurable
part of the request's latency on a busy machine. Held here, the head goes out with the body's
first bytes; a big body (over ``JOIN_MAX_BYTES``) is not copied to join them and follows the
head in a send of its own, as before.

A wrapper around one request's socket (the worker's ``handle_request``), not a change to
gunicorn: everything but the writes is the socket's own. Every other way out gets the held
head first, so bytes never leave out of order and the head is never dropped: ``sendfile``
(gunicorn sends a ``wsgi.file_wrapper`` body, Flask's ``send_file``, with it, which on the
socket itself put the file before its head), ``send`` (an app writing on
``environ["gunicorn.socket"]``), ``fileno`` (``os.sendfile``), ``shutdown`` and ``close``. An
interim answer (a 103 from ``environ["wsgi.early_hints"]``) is no head: it leaves at once, as
it is meant to, while the answer is still being computed.
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
        if self._writes == 0 and _interim(data):
            self._sock.sendall(data)
            return
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

    def send(self, data: bytes, *flags: int) -> int:
        self.flush()
        return int(self._sock.send(data, *flags))

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        self.flush()
        return int(self._sock.sendfile(file, offset, count))

    def shutdown(self, how: int) -> None:
        with contextlib.suppress(OSError):
            self.flush()
        self._sock.shutdown(how)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.flush()
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _interim(data: bytes) -> bool:
    """Whether ``data`` is a 1xx answer's head (``HTTP/1.1 103 Early Hints``), not the final one."""
    return data[:5] == b"HTTP/" and data[8:10] == b" 1"
