"""Where gunicorn's worker heartbeat files go (serving/heartbeat.py). A folder the user cannot
write (as root here, every folder can be) is in test_image.py: the image as another user with
a read-only /dev/shm and root."""

from __future__ import annotations

import sys

import pytest
from serving.heartbeat import heartbeat_dir


def test_the_first_folder_there_is_taken(tmp_path):
    a_file, folder = tmp_path / "a-file", tmp_path / "folder"
    a_file.write_text("", encoding="utf-8")
    folder.mkdir()
    assert heartbeat_dir([str(tmp_path / "missing"), str(a_file), str(folder)]) == str(folder)


def test_without_one_it_is_gunicorns_temporary_directory(tmp_path):
    assert heartbeat_dir([str(tmp_path / "missing")]) is None


@pytest.mark.skipif(sys.platform != "linux", reason="macOS has no /dev/shm")
def test_in_a_container_it_is_the_in_memory_one():
    """/dev/shm on Linux (this machine and the image's Debian)."""
    assert heartbeat_dir() == "/dev/shm"
