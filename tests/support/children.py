"""Children a test starts die with the test run: a killed pytest (SIGKILL, `timeout`'s SIGTERM,
a cancelled CI job) runs no teardown, and a `python -m devstack` or moto server it started
would otherwise keep its ports and CPU for the next run.

``die_with_parent`` is a ``preexec_fn``: Linux's PR_SET_PDEATHSIG (prctl(2)) asks the kernel
to SIGKILL the child when the thread that forked it exits. Tests run on the main thread of
pytest and of each xdist worker, so that thread lives as long as the run. The setting is not
inherited by the child's own children: a server the child starts in a session of its own is
the child's job (devstack's model server has its reaper, devstack/reaper.py).
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the parent dies; at once if it already has."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent died before the call: nothing would signal us
        os.kill(os.getpid(), signal.SIGKILL)
