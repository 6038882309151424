"""Write a file whole or not at all: `--summary-json`, which a workflow step reads.

A plain ``open(path, "w")`` truncates first and writes after: a Ctrl-C or a crash in between,
or a reader (the job-summary step, a script polling for the file) arriving meanwhile, finds
half a JSON document. The text goes to a temporary file in the same directory (same file
system, so the rename is atomic), flushed to disk, then renamed over ``path``: a reader sees
the old file or the new one. The new file gets the mode a plain open would give it: the old
file's when there is one, else 0o666 less the umask (``mkstemp`` makes it 0o600). What is not
a regular file (``/dev/stdout``, a named pipe) cannot be replaced: it is written as before.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_text(path: Path, text: str) -> None:
    """``text`` in ``path`` (UTF-8), whole: the old file stays until the new one is complete,
    and no temporary file is left behind when the write fails or is interrupted."""
    try:  # what open() would open, links followed: /dev/stdout's pipe is a pipe
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        # Written through ``path`` itself: the realpath of /dev/stdout on a pipe is
        # /proc/<pid>/fd/pipe:[N], which names no file and has no directory to write beside.
        Path(path).write_text(text, encoding="utf-8")
        return
    target = Path(os.path.realpath(path))  # a symlink's file, as open() would write it
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:  # Ctrl-C and SIGTERM too: the temporary file goes either way
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it: set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
