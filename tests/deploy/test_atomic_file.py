"""--summary-json is written whole or not at all (deploy/atomic_file.py): a Ctrl-C, a crash
or a full disk mid-write leaves the old file or none, never half a JSON document, and no
temporary file; the file's mode is what a plain open() gives it."""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy import atomic_file, cli

OLD = {"status": "applied", "changes": [{"op": "create", "name": "old"}]}
NEW = {"status": "failed", "error": "x" * 100_000, "changes": []}  # more than one write's


@pytest.fixture
def umask() -> Iterator[int]:
    """A umask of 027 for the test (set back after)."""
    before = os.umask(0o027)
    yield 0o027
    os.umask(before)


def _left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("old", [True, False])
def test_a_summary_write_interrupted_before_its_rename_leaves_the_old_file_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: bool
) -> None:
    """Ctrl-C between the temporary file's write and its rename over the summary: the old
    summary stays whole (or there is none), and the temporary file is gone."""
    path = tmp_path / "summary.json"
    if old:
        cli._write_summary(path, OLD)
    monkeypatch.setattr(atomic_file.os, "replace", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        cli._write_summary_quietly(path, NEW)
    assert _left(tmp_path) == (["summary.json"] if old else [])
    if old:
        assert json.loads(path.read_text()) == OLD


def test_a_full_disk_mid_write_leaves_the_old_summary_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write itself fails (ENOSPC at the flush to disk): quietly, as before, but the old
    summary is whole, not truncated to what fitted."""
    path = tmp_path / "summary.json"
    cli._write_summary(path, OLD)

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic_file.os, "fsync", full)
    cli._write_summary_quietly(path, NEW)  # best effort: no error
    assert _left(tmp_path) == ["summary.json"]
    assert json.loads(path.read_text()) == OLD
    with pytest.raises(OSError, match="No space"):
        atomic_file.write_text(path, "{}")
    assert _left(tmp_path) == ["summary.json"]


def test_a_new_summary_has_the_umasks_mode_and_a_rewritten_one_keeps_its_own(
    tmp_path: Path, umask: int
) -> None:
    path = tmp_path / "summary.json"
    cli._write_summary(path, OLD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask == 0o640
    path.chmod(0o604)
    cli._write_summary(path, NEW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    assert json.loads(path.read_text()) == NEW and _left(tmp_path) == ["summary.json"]


def test_a_symlinked_summary_is_written_where_it_points_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "out" / "summary.json"
    real.parent.mkdir()
    link = tmp_path / "summary.json"
    link.symlink_to(real)
    cli._write_summary(link, OLD)
    assert link.is_symlink() and json.loads(real.read_text()) == OLD


def test_what_is_not_a_regular_file_is_written_in_place(tmp_path: Path) -> None:
    """``--summary-json /dev/stdout`` (or a named pipe) cannot be renamed over: written as a
    plain open() would, not refused, and the device stays a device."""
    atomic_file.write_text(Path("/dev/null"), json.dumps(OLD))
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so opening to write works
    try:
        atomic_file.write_text(fifo, "{}\n")
        assert os.read(reader, 10) == b"{}\n"
    finally:
        os.close(reader)
    assert _left(tmp_path) == ["pipe"]


def test_dev_stdout_that_is_a_pipe_is_written_to_it() -> None:
    """``--summary-json /dev/stdout`` in a pipeline (CI's ``| jq``, a captured step): the link
    resolves to ``/proc/<pid>/fd/pipe:[N]``, no file at all, and the temporary file beside it
    could not be made (FileNotFoundError) where a plain open() writes into the pipe."""
    import subprocess
    import sys

    code = "from pathlib import Path; from deploy import atomic_file; " + (
        "atomic_file.write_text(Path('/dev/stdout'), '{\"ok\": 1}\\n')"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == '{"ok": 1}\n'
