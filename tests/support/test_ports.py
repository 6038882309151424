"""The tests' port helpers must keep their promises, or the races come back."""

from __future__ import annotations

import errno
import itertools
import socket
import time

import pytest

from devstack.ports import is_free
from tests.support import ports
from tests.support.ports import closed_port, ephemeral_range, worker_block, worker_port


def test_a_closed_port_refuses_and_cannot_be_taken_while_held() -> None:
    """Bound and released, a port was free for anyone before the test used it (another
    worker's server, a connection's local port): held, it refuses connections all along."""
    with closed_port() as port:
        with socket.socket() as client:
            assert client.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED
        with socket.socket() as intruder:
            intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with pytest.raises(OSError) as taken:
                intruder.bind(("127.0.0.1", port))
            assert taken.value.errno == errno.EADDRINUSE
        assert not is_free(port)


def test_worker_blocks_are_apart_and_below_the_ephemeral_range() -> None:
    """Outgoing connections and port-0 servers get ports from the ephemeral range only, and
    each worker picks from its own block: no other test of the run can take what it picks."""
    ephemeral = (32_768, 60_999)
    blocks = [worker_block(f"gw{i}", ephemeral) for i in range(4)]
    assert all(b.start >= 20_000 and b.stop <= 32_768 and len(b) >= 50 for b in blocks)
    assert all(a.stop <= b.start for a, b in itertools.pairwise(blocks))
    assert worker_block("master", ephemeral) == blocks[0]  # outside xdist: the first block
    # A range that starts low leaves the ports above it instead.
    high = worker_block("gw1", (1_024, 40_000))
    assert high.start > 40_000 and high.stop <= 65_536
    low, _ = ephemeral_range()
    assert low > 0


def test_worker_ports_are_in_the_block_free_and_new_each_time() -> None:
    block = worker_block()
    picked = [worker_port() for _ in range(3)]
    assert len(set(picked)) == 3 and all(p in block and is_free(p) for p in picked)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", picked[0]))
        busy.listen()
        assert all(worker_port(avoid=picked) not in picked for _ in range(5))
    top = worker_port(headroom=25)
    assert top + 25 < block.stop


def test_a_port_whose_last_connections_refuse_a_plain_bind_is_not_handed_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server with SO_REUSEADDR (gunicorn, http.server) that closed a connection first
    leaves it in TIME_WAIT on its port for a minute: a bind with that option passes (so
    ``is_free`` said free), one without it is refused. A test's own socket binds without it
    (tests/devstack/test_stack.py's socket that takes a port after the check), and the next
    run hands out the same ports from the block's start: it failed "Address already in use"."""
    block = worker_block()
    monkeypatch.setattr(ports, "_next", itertools.count())
    port = worker_port()
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server closes first: its side waits in TIME_WAIT
            assert client.recv(1) == b""
    for _ in range(50):  # bounded: the last FIN's ack, just sent over loopback
        with socket.socket() as plain:
            try:
                plain.bind(("127.0.0.1", port))
            except OSError:
                break
        time.sleep(0.01)
    else:
        pytest.skip("no TIME_WAIT seen on the port (not Linux's bind rules)")
    monkeypatch.setattr(ports, "_next", itertools.count(block.index(port)))
    assert worker_port() != port
