"""What `python -m bench` prints while it works, seen as CI or `make bench | tee log` see
it: on a pipe."""

from __future__ import annotations

import select
from pathlib import Path

from tests.bench import benchproc

# The bench, its first scoring (section 1a's) held: it says so on stderr and waits forever.
HELD = """
import sys, threading
import bench.__main__ as m
import bench.quality as q
def held(*args, **kwargs):
    print("held", file=sys.stderr, flush=True)
    threading.Event().wait()
q.run_all = held
sys.exit(m.main(["--only", "quality", "--quick"]))
"""


def test_a_part_says_what_it_is_doing_before_it_works_even_on_a_pipe(tmp_path: Path) -> None:
    """Each part printed its heading only after its work: a full run sat silent for minutes
    (over 3 on the NAB scoring alone, whose reference STL+ESD takes 200 s here) with no word
    of which part was running. On a pipe, Python's 8 KB buffer held even the lines printed
    back to the last flush. The heading of 1a must be readable while 1a's scoring runs."""
    child = benchproc.start(tmp_path, code=HELD)
    try:
        assert child.stderr is not None and child.stdout is not None
        assert child.stderr.readline().strip() == "held", "the bench did not reach 1a"
        # A bound against waiting forever, not a timing: the heading is there or never comes.
        ready, _, _ = select.select([child.stdout], [], [], 60)
        heading = child.stdout.readline() if ready else ""
        while ready and not heading.strip():
            heading = child.stdout.readline()
    finally:
        benchproc.stop(child)
    assert heading.startswith("== 1a. Quality on the synthetic Trends-format set"), heading
