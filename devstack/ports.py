"""Loopback ports for the stack: is one free, find one, and the error that says how to move."""

from __future__ import annotations

import shlex
import socket
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

HOST = "127.0.0.1"
# What runs the stack from the repository root without make: the venv `make setup` creates
# (the system Python lacks gunicorn and the rest).
DEVSTACK_COMMAND = ".venv/bin/python -m devstack"


class PortInUse(RuntimeError):
    """Ports the stack needs are taken; the message gives one command that moves every such
    part at once and keeps the rest of what the user typed (``advice(argv)``). ``notes``: a
    line for each port whose holder is known (devstack/holders.py: a model container)."""

    def __init__(
        self, taken: Mapping[str, int], requested: Iterable[int] = (), notes: Sequence[str] = ()
    ) -> None:
        self.taken = dict(taken)  # flag → the port that is taken
        self.moves = suggest_ports(self.taken, avoid=requested)  # flag → a free port
        self.notes = list(notes)
        super().__init__(self.advice(()))

    def advice(self, argv: Sequence[str]) -> str:
        """The message, its commands being ``argv`` with only the taken ports replaced."""
        args = shlex.join(with_ports(argv, self.moves))
        if len(self.taken) == 1:
            (port,) = self.taken.values()
            what = (
                f"port {port} is already in use: stop what uses it, or start this part on "
                "another port"
            )
        else:
            named = [f"{port} ({flag})" for flag, port in self.taken.items()]
            listed = f"{', '.join(named[:-1])} and {named[-1]}"
            what = (
                f"ports {listed} are already in use: stop what uses them, or start these parts "
                "on other ports"
            )
        moved = f'make up ARGS="{args}"  (or: {DEVSTACK_COMMAND} {args}; 0 = any free port)'
        return "\n".join([f"{what}: {moved}", *self.notes])


class BindFailed(RuntimeError):
    """A server exited while starting because the port it was given is taken (by something
    that took it after ``check_ports_free`` passed): the stack turns it into ``PortInUse``,
    which says how to move it and what holds it, as the check does. ``port``: that port."""

    def __init__(self, port: int, message: str) -> None:
        self.port = port
        super().__init__(message)


def with_ports(argv: Sequence[str], ports: Mapping[str, int]) -> list[str]:
    """``argv`` with each ``--flag N`` / ``--flag=N`` of ``ports`` set to its new port and the
    flags not given appended (argparse keeps the last value, so an abbreviation is overridden)."""
    out: list[str] = []
    given: set[str] = set()
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name, eq, _ = token.partition("=")
        if name in ports:
            given.add(name)
            out.append(f"{name}={ports[name]}" if eq else name)
            if not eq:
                out.append(str(ports[name]))
                i += 1  # the old value
        else:
            out.append(token)
        i += 1
    out += [arg for flag, port in ports.items() if flag not in given for arg in (flag, str(port))]
    return out


def suggest_ports(taken: Mapping[str, int], avoid: Iterable[int] = ()) -> dict[str, int]:
    """A free port near each taken one, none of them the same or one in ``avoid`` (the ports
    given for the other parts); 0 = any, when none is free nearby."""
    avoided = set(avoid)
    chosen: dict[str, int] = {}
    for flag, port in taken.items():
        chosen[flag] = nearby_free_port(port, skip=avoided | set(chosen.values()))
    return chosen


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


def check_ports_free(
    ports: Mapping[str, int],
    host: str = HOST,
    explain: Callable[[Collection[int]], Sequence[str]] | None = None,
) -> None:
    """Raise one PortInUse naming every port of ``ports`` (flag → port) that cannot be bound,
    so the user moves them all in one go (0 always passes); ``explain(taken ports)`` gives its
    lines on what holds them (devstack/holders.py)."""
    taken = {flag: port for flag, port in ports.items() if not is_free(port, host)}
    if taken:
        notes = explain(set(taken.values())) if explain else ()
        raise PortInUse(taken, requested=ports.values(), notes=notes)


def nearby_free_port(port: int, tries: int = 20, skip: Iterable[int] = ()) -> int:
    """The first free port above ``port`` not in ``skip`` (0 = any, when the next ``tries``
    are all taken)."""
    skipped = set(skip)
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        if candidate not in skipped and is_free(candidate):
            return candidate
    return 0


def free_port(host: str = HOST) -> int:
    """A port that is free right now, for a child process that binds it itself: racy, as
    another process's connection or server can take it before the child binds it. Only for a
    program run alone (bench/image.py); servers started here bind port 0 themselves
    (``ModelServer(0)``, ``ModelContainer(image, 0)``) and tests use tests/support/ports.py."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
