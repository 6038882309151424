"""The clock the patched moto server keeps AWS's delays by, shared with the engine under test.

AWS is eventually consistent: a role is unusable for seconds after it is created, a
CloudFront change takes minutes to deploy. The test server measures those delays on
`CLOCK`, which jumps ahead when a test's engine "sleeps" through it (`CLOCK.sleep`): an
engine that retries and waits as it would against AWS sees the delays pass, in no real time.
Under the tests' server (`moto_server.moto_server`) it is frozen: only those sleeps move it,
so a delay lasts as long on a loaded machine as on an idle one. (Real time counted too: with
each AWS call taking 1 s, as on a loaded machine, destroy found the endpoint gone and the
disable deployed a poll early, and a test stepping 299 s of a 300 s deletion found it over.)
The server run by hand (`python -m tests.support.moto_server`), where `python -m deploy`
sleeps for real, leaves it running with real time. Nothing here is imported by deploy/.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields, replace


class SkippingClock:
    """Monotonic seconds: real time (unless frozen) plus every sleep skipped so far."""

    def __init__(self) -> None:
        self._skipped = 0.0
        self._frozen_at: float | None = None  # real time stopped counting here
        self._freezes = 0  # servers that froze it and are still running (they nest)
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        frozen = self._frozen_at
        return (time.monotonic() if frozen is None else frozen) + self._skipped

    def freeze(self) -> None:
        """From now on only `sleep` moves the clock: real time no longer counts."""
        with self._lock:
            self._freezes += 1
            if self._frozen_at is None:
                self._frozen_at = time.monotonic()

    def thaw(self) -> None:
        """Undo one `freeze`; after the last, real time counts again, from the reading the
        clock had (it never goes back)."""
        with self._lock:
            self._freezes = max(0, self._freezes - 1)
            if self._freezes == 0 and self._frozen_at is not None:
                self._skipped += self._frozen_at - time.monotonic()
                self._frozen_at = None

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._skipped += max(0.0, seconds)
            self.sleeps.append(seconds)

    def back_to(self, reading: float) -> None:
        """Read ``reading`` again (an earlier `now`): for a test that puts back a server state
        saved when the clock read it (tests/support/moto_snapshot.py), so each delay the state
        holds (a role assumable at, a distribution deployed at) is as far off as it was. Only
        while frozen: real time would not stand still after it."""
        with self._lock:
            if self._frozen_at is None:
                raise RuntimeError("the clock is not frozen: real time would move it on")
            self._skipped = reading - self._frozen_at


CLOCK = SkippingClock()


@dataclass
class Delays:
    """How long AWS takes, as the test server plays it (seconds on CLOCK).

    Measured in public reports, not promised by AWS: a new role is refused by Lambda for
    seconds to minutes (aws/aws-cli#7700; one probe saw 274 s); CloudFront deploys a change in
    minutes (its waiter polls 35 min); an invalidation completes in about a minute.
    """

    role_assume_s: float = 10.0  # SageMaker / Lambda cannot assume a role created this recently
    role_policy_s: float = 10.0  # an endpoint cannot pull its image with a policy put this recently
    distribution_deploy_s: float = 120.0  # CloudFront: InProgress → Deployed after a change
    invalidation_s: float = 60.0  # CloudFront: an invalidation InProgress → Completed
    # SageMaker: an endpoint Deleting → gone after DeleteEndpoint (minutes on AWS); 0, moto's
    # own behaviour, unless a test sets it: most tests delete and re-create at once.
    endpoint_delete_s: float = 0.0


DEFAULT_DELAYS = Delays()
DELAYS = Delays()


def set_delays(**values: float) -> None:
    """Change some delays (tests restore them with `reset_delays`)."""
    for key, value in values.items():
        setattr(DELAYS, key, value)


def reset_delays() -> None:
    for f in fields(Delays):
        setattr(DELAYS, f.name, getattr(DEFAULT_DELAYS, f.name))


def defaults() -> Delays:
    return replace(DEFAULT_DELAYS)
