"""Loopback ports for the stack: is one free, find one, and the error that says how to move."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


class PortInUse(RuntimeError):
    """A port the stack needs is taken; the message gives a command that moves that part."""

    def __init__(self, port: int, flag: str) -> None:
        other = nearby_free_port(port)
        super().__init__(
            f"port {port} is already in use: stop what uses it, or start this part on another "
            f'port: make up ARGS="{flag} {other}"  (or: python -m devstack {flag} {other}; '
            "0 = any free port)"
        )
        self.port = port
        self.flag = flag
        self.suggested = other


def is_free(port: int, host: str = HOST) -> bool:
    """True when ``host:port`` can be bound right now (0 always can)."""
    if port == 0:
        return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def check_port_free(port: int, flag: str, host: str = HOST) -> None:
    """Raise PortInUse when ``host:port`` cannot be bound (0 always passes)."""
    if not is_free(port, host):
        raise PortInUse(port, flag)


def nearby_free_port(port: int, tries: int = 20) -> int:
    """The first free port above ``port`` (0 = any, when the next ``tries`` are all taken)."""
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        if is_free(candidate):
            return candidate
    return 0


def free_port(host: str = HOST) -> int:
    """A port that is free right now (for a child process, which binds it itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
