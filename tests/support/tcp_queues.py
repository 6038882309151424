"""Whether a server has read what a test sent it, from the kernel's socket queues.

A test that must wait until the server is in some state (holding a slot, computing a body it
read) used to sleep a guess and go on: on a loaded machine the server was not there yet and
the test passed without checking what it said. The kernel knows: /proc/net/tcp and tcp6 list
each loopback connection from both ends, with the bytes sent but not yet acknowledged
(tx_queue) and the bytes received but not yet read by the program (rx_queue). Both zero means
the server's process has taken every byte the test's socket sent. A container on
``--network host`` shares the host's network namespace: its sockets are in these files too.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))

Queues = dict[tuple[int, int], tuple[int, int]]  # (local port, remote port): (tx, rx)


def parse(table: str) -> Queues:
    """Each row's (local port, remote port) and its (tx_queue, rx_queue), from the text of
    /proc/net/tcp or tcp6 (``sl local_address rem_address st tx_queue:rx_queue ...``, the
    addresses as ``HEXIP:HEXPORT``, the queues in hex)."""
    rows: Queues = {}
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        local, remote, queues = fields[1], fields[2], fields[4]
        tx, rx = queues.split(":")
        key = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16))
        rows[key] = (int(tx, 16), int(rx, 16))
    return rows


def queues() -> Queues:
    """Every TCP socket's queues in this network namespace, IPv4 and IPv6 (a server on a
    dual-stack socket holds a connection to 127.0.0.1 as an IPv6 row)."""
    rows: Queues = {}
    for table in TABLES:
        if table.exists():
            rows.update(parse(table.read_text()))
    return rows


def taken(sock: socket.socket) -> bool:
    """True once the peer of ``sock`` (a loopback connection) has read everything ``sock``
    sent: the peer acknowledged it all (``sock``'s tx_queue is 0) and its program read it all
    (the peer's rx_queue is 0). False while either row is missing."""
    mine = sock.getsockname()[1]
    theirs = sock.getpeername()[1]
    rows = queues()
    sent, peer = rows.get((mine, theirs)), rows.get((theirs, mine))
    return sent is not None and peer is not None and sent[0] == 0 and peer[1] == 0


def wait_taken(sock: socket.socket, timeout_s: float = 60.0) -> bool:
    """Wait until ``taken(sock)``, at most ``timeout_s`` (a bound for a loaded machine, not a
    guess of how long the server takes: a caller asserts the result)."""
    deadline = time.monotonic() + timeout_s
    while not taken(sock):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True
