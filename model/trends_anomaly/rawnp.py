"""numpy's array functions called without their ``__array_function__`` dispatch.

``np.where``, ``np.putmask``, ``np.concatenate``, ``np.empty_like`` and ``np.count_nonzero``
first run a Python-level dispatcher that asks their arguments whether they override numpy:
0.2 to 1 µs a call, and a 261-point ``auto`` request makes some forty such calls on plain
arrays. These are the C routines numpy's dispatch ends in (its ``_implementation``), so every
value is the same; with another numpy layout (no such attribute) the public functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _implementation(f: Callable[..., Any]) -> Callable[..., Any]:
    return getattr(f, "_implementation", f)


where = _implementation(np.where)
putmask = _implementation(np.putmask)
concatenate = _implementation(np.concatenate)
empty_like = _implementation(np.empty_like)


def _count_nonzero() -> Callable[[np.ndarray], int]:
    """The C ``count_nonzero`` that ``np.count_nonzero(a)`` calls (its Python wrapper adds a
    call of its own), when present and in agreement; else the public function."""
    try:
        from numpy._core.multiarray import count_nonzero
    except ImportError:  # pragma: no cover - numpy 1.x
        return np.count_nonzero
    probe = np.array([0.0, 1.0, -0.0, np.nan, 2.0])
    return count_nonzero if count_nonzero(probe) == np.count_nonzero(probe) else np.count_nonzero


count_nonzero = _count_nonzero()
