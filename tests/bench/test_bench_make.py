"""`make bench` passes the bench's options on, as `make up` does (``ARGS="..."``)."""

from __future__ import annotations

import subprocess

from tests.bench.benchproc import ROOT


def test_make_bench_passes_args_to_the_bench() -> None:
    """`make bench ARGS="--only quality"` (the form `make up` takes) dropped ARGS and ran every
    part, the Docker image's build included, for 6 minutes: `make bench ARGS=--help` started
    a full run. Read with `make -n`: the command make would run, without running it."""
    out = subprocess.run(
        ["make", "-n", "bench", "ARGS=--only quality --quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    runs = [line for line in out.splitlines() if "-m bench" in line]
    assert runs, out
    assert runs[-1].endswith("-m bench --only quality --quick"), runs[-1]
