"""Loopback ports for tests that run side by side (pytest-xdist), without races.

A number found free (bind to 0, close) and bound later by a child process can be taken in
between: the kernel hands the same ephemeral range to other workers' outgoing connections and
to their servers bound to port 0. So, by case:

- a server we start binds port 0 itself and says which port it got, or is handed a socket
  already bound (``devstack.model_server.ModelServer(0)``, ``ModelContainer(image, 0)``,
  ``ThreadedMotoServer(port=0)``, the registry in ``registry.py``);
- a port where nothing must answer is held bound and not listening (``closed_port``):
  connections to it are refused, and nothing else can take it while it is held;
- a program that must be given a number gets one from this worker's own block below the
  ephemeral range (``worker_port``), where neither connections nor port-0 servers land and no
  other worker picks; a caller still retries a few times if it was taken (another program).
"""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Below the ephemeral range, but above the usual fixed ports of local services (5432, 8080…).
LOWEST = 20_000
BLOCKS = 16  # at most this many workers get blocks of their own (gw0…gw15, then they share)


def ephemeral_range(path: Path = EPHEMERAL) -> tuple[int, int]:
    """The kernel's range for outgoing connections and port-0 binds (Linux's default when
    the file is not there)."""
    try:
        low, high = (int(x) for x in path.read_text().split())
    except (OSError, ValueError):
        return 32_768, 60_999
    return low, high


def worker_block(worker: str | None = None, ephemeral: tuple[int, int] | None = None) -> range:
    """This xdist worker's ports (``PYTEST_XDIST_WORKER``, gw0 = the first block; outside
    xdist, gw0's): a sixteenth of the ports from LOWEST to the ephemeral range's start, or, when
    that range starts lower, of the ports above its end."""
    worker = worker if worker is not None else os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    low, high = ephemeral or ephemeral_range()
    start, stop = (LOWEST, low) if low - LOWEST >= 2_000 else (high + 1, 65_536)
    size = (stop - start) // BLOCKS
    if size < 50:
        raise RuntimeError(f"no room for test ports beside the ephemeral range {low}-{high}")
    first = start + (index % BLOCKS) * size
    return range(first, first + size)


_next = itertools.count()  # successive picks in one worker walk through its block


def worker_port(avoid: Iterable[int] = (), headroom: int = 0) -> int:
    """A port of this worker's block that can be bound now and is not in ``avoid``.
    ``headroom``: that many ports above it are in the block too (a program that suggests the
    next ports up stays inside it)."""
    block = worker_block()
    usable = len(block) - headroom
    avoided = set(avoid)
    for _ in range(usable):  # bounded: once round the block
        port = block[next(_next) % usable]
        if port not in avoided and _binds(port):
            return port
    raise RuntimeError(f"no free port in this worker's block {block.start}-{block.stop - 1}")


def _binds(port: int) -> bool:
    """True when ``port`` can be bound now without SO_REUSEADDR, as a test's own socket binds:
    a server's connections left in TIME_WAIT (the last run's, whose picks began at the same
    ports) refuse that bind though they pass ``devstack.ports.is_free``, which sets it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def worker_ports(count: int) -> list[int]:
    """``count`` distinct ports from this worker's block."""
    ports: list[int] = []
    for _ in range(count):
        ports.append(worker_port(avoid=ports))
    return ports


@contextmanager
def closed_port() -> Iterator[int]:
    """A 127.0.0.1 port that refuses connections for the block: bound, never listening, so
    nothing else (a connection's port, another server) can take it meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind((HOST, 0))
        yield int(held.getsockname()[1])
