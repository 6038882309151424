"""The in-process moto server's state saved and put back, for a test that starts many checks
from the same state: each restore is that state as it was saved, without the calls that made
it (an apply's, ~0.5 s of CPU each).

What is saved: every service's backends (all the resources of every account and region, and
what the patched server keeps on them: a role's propagation, a distribution's deployment),
the clock the server's delays run on (aws_clock.CLOCK), and the delays it plays. A restore is
`moto_server.reset` (the server as a test starts: no resources, default delays, quotas and
health), then a fresh copy of the saved backends put in, the clock read as it was saved and
the saved delays: what a state saved right after a step of a run is, is what that run
leaves when it dies there (nothing is called after the step). Quotas and unhealthy images,
which the tests set and no call changes, are the defaults after a restore.

Only for the tests' own server (`moto_server.moto_server`), which runs in this process with a
frozen clock, and between calls: nothing may be in flight while saving or restoring.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

from tests.support.aws_clock import CLOCK, DELAYS, Delays
from tests.support.moto_server import reset


@dataclass(frozen=True)
class Saved:
    """A saved state; `restore` copies it again, so it can be restored any number of times."""

    # (each service's BackendDict, {account: (its AccountSpecificBackend, {region: backend})})
    backends: list[tuple[Any, dict[str, tuple[Any, dict[str, Any]]]]]
    clock: float
    delays: Delays


def save() -> Saved:
    """The server's state now."""
    from moto.core.base_backend import BackendDict, backend_lock

    with backend_lock:
        live = [
            (b, {account: (asb, dict(asb)) for account, asb in b.items()})
            for b in BackendDict._instances
        ]
        backends = _copied(live)
    return Saved(backends, CLOCK.now(), replace(DELAYS))


def restore(saved: Saved, url: str) -> None:
    """The server (at ``url``) as it was when ``saved`` was saved."""
    from moto.core.base_backend import BackendDict, backend_lock

    reset(url)
    with backend_lock:
        for b, accounts in _copied(saved.backends):
            for account, (asb, regions) in accounts.items():
                asb.clear()
                dict.update(asb, regions)
                dict.__setitem__(b, account, asb)
            BackendDict._instances.append(b)
    CLOCK.back_to(saved.clock)
    for f in fields(Delays):
        setattr(DELAYS, f.name, getattr(saved.delays, f.name))


def _copied(
    backends: list[tuple[Any, dict[str, tuple[Any, dict[str, Any]]]]],
) -> list[tuple[Any, dict[str, tuple[Any, dict[str, Any]]]]]:
    """A deep copy of the region backends, in one pass (what one backend's resources share
    with another's stays shared); the BackendDicts and AccountSpecificBackends are kept (the
    server finds the backends through them): a resource that names one names the live one."""
    memo: dict[int, Any] = {}
    for b, accounts in backends:
        memo[id(b)] = b
        for asb, _regions in accounts.values():
            memo[id(asb)] = asb
    with _copiers():
        return copy.deepcopy(backends, memo)


@contextlib.contextmanager
def _copiers() -> Iterator[None]:
    """copy.deepcopy taught what the backends hold that it cannot copy as they need: a lock
    (ECR's registry has one), which a copy gets new and unheld, as a backend made afresh
    would; a WeakValueDictionary (Lambda's functions by ARN), whose own __deepcopy__ keeps
    the original values: the copy's must be the copies, the objects the copy's other
    containers hold (copy.deepcopy's memo makes them the same). Any other weak reference
    (a WeakSet's, say: EC2's) would name the original: refused, not copied wrong."""
    table = copy._deepcopy_dispatch  # type: ignore[attr-defined]
    ours: dict[type, Callable[[Any, dict[int, Any]], Any]] = {
        type(threading.Lock()): lambda _lock, _memo: threading.Lock(),
        type(threading.RLock()): lambda _lock, _memo: threading.RLock(),
        weakref.WeakValueDictionary: _weak_values,
        weakref.ref: _weak_ref,
    }
    table.update(ours)
    try:
        yield
    finally:
        for kind in ours:
            table.pop(kind, None)


def _weak_values(
    d: weakref.WeakValueDictionary[Any, Any], memo: dict[int, Any]
) -> weakref.WeakValueDictionary[Any, Any]:
    new: weakref.WeakValueDictionary[Any, Any] = weakref.WeakValueDictionary()
    memo[id(d)] = new
    for key, value in list(d.items()):
        new[copy.deepcopy(key, memo)] = copy.deepcopy(value, memo)
    return new


def _weak_ref(ref: weakref.ref[Any], _memo: dict[int, Any]) -> Any:
    raise TypeError(f"a weak reference in a backend ({ref!r}): its copy would name the original")
