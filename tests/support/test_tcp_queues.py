"""The queue wait must tell bytes left unread from bytes read, or the tests that wait on it
go on as they did with a sleep: before the server is where they say it is."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support.tcp_queues import parse, wait_taken


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A loopback connection: (the client's end, the accepted server end)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname(), timeout=10)
        server, _ = listener.accept()
    with client, server:
        yield client, server


def test_bytes_left_unread_are_seen_until_the_peer_reads_them_all(pair) -> None:
    client, server = pair
    client.sendall(b"x" * 1000)
    # Unread, however long one waits: the bound ends the wait, and the answer is no.
    assert not wait_taken(client, timeout_s=0.5)
    server.settimeout(10)
    got = b""
    while len(got) < 600:
        got += server.recv(600 - len(got))
    assert not wait_taken(client, timeout_s=0.5)  # 400 bytes still wait
    while len(got) < 1000:
        got += server.recv(1000 - len(got))
    assert wait_taken(client, timeout_s=30)


def test_a_dual_stack_server_end_is_found_in_tcp6() -> None:
    """A server on ``::`` holds an IPv4 client's connection as an IPv6 row (a v4-mapped
    address): the rows of /proc/net/tcp6 count too."""
    if not socket.has_dualstack_ipv6():
        pytest.skip("no dual-stack IPv6 here")
    with socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True) as lsn:
        port = lsn.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            server, _ = lsn.accept()
            with server:
                client.sendall(b"abc")
                assert not wait_taken(client, timeout_s=0.5)
                server.settimeout(10)
                got = b""
                while len(got) < 3:
                    got += server.recv(3)
                assert wait_taken(client, timeout_s=30)


def test_rows_are_read_by_port_with_hex_queues() -> None:
    table = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
        "   0: 0100007F:B813 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0\n"
        "   3: 0100007F:B813 0100007F:D4B6 01 00000000:00000064 00:00000000 00000000     0\n"
        "  57: 0100007F:D4B6 0100007F:B813 01 0000000A:00000000 00:00000000 00000000     0\n"
    )
    assert parse(table) == {(47123, 0): (0, 0), (47123, 54454): (0, 100), (54454, 47123): (10, 0)}
    v6 = (
        "  sl  local_address                         remote_address                        st"
        " tx_queue rx_queue tr tm->when retrnsmt   uid\n"
        "   0: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C350 01"
        " 00000000:00001000 00:00000000 00000000     0\n"
    )
    assert parse(v6) == {(8080, 50000): (0, 4096)}
