"""Where gunicorn keeps each worker's heartbeat file.

The master makes one file per worker, which the worker touches to say it is alive, in the
temporary directory unless told (``worker_tmp_dir``). In a container that is /tmp on the
image's disk-backed layers, where gunicorn's docs warn the touch "may block a worker for
arbitrary time" (its ``worker_tmp_dir`` setting); and with a read-only root (`docker run
--read-only`, ECS's readonlyRootFilesystem) there is no temporary directory, and the start was
a traceback ("No usable temporary directory found"). /dev/shm is a tmpfs in every container:
the files go there when it can be written, else where gunicorn puts them (macOS, `make up`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence

IN_MEMORY = ("/dev/shm",)


def heartbeat_dir(candidates: Sequence[str] = IN_MEMORY) -> str | None:
    """The first of ``candidates`` this user can make files in; None: the temporary directory
    (gunicorn's default), or the one line that stops the start when there is none."""
    for folder in candidates:
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    try:
        tempfile.gettempdir()
    except FileNotFoundError:
        raise SystemExit(
            "Error: the server needs a folder it can write for its workers' heartbeat files: "
            f"{' or '.join(candidates)}, or /tmp (with a read-only root, mount a tmpfs there: "
            "docker run --tmpfs /tmp)."
        ) from None
    return None
