"""Numbers the server reads from its environment, refused in one line when they are not.

``int(os.environ[...])`` in gunicorn_conf.py printed gunicorn's "Failed to read config file"
and a ValueError traceback for ``SAGEMAKER_MODEL_SERVER_TIMEOUT=60s``; a negative or zero
``MODEL_BODY_TIMEOUT_SECONDS`` started a server whose every big request was a 408. A
SystemExit with the variable, its value and what it must be stops the start instead (as
``workers.choose_from_system`` does for its own variables).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping


def seconds(
    name: str, default: str, whole: bool = False, env: Mapping[str, str] | None = None
) -> float:
    """``name``'s value in seconds (``default``, written as the variable would be, when unset
    or empty), > 0; ``whole``: an integer (gunicorn's own settings)."""
    text = (os.environ if env is None else env).get(name, "").strip() or default
    kind = "a whole number" if whole else "a number"
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise SystemExit(f"{name}={text!r}: must be {kind} of seconds above 0") from None
    if not (math.isfinite(value) and value > 0):
        raise SystemExit(f"{name}={text}: must be {kind} of seconds above 0")
    return value
