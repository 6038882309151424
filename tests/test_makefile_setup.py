"""`make setup` installs the packages with their bytecode.

Where PYTHONDONTWRITEBYTECODE is set (this project's machines have it set), Python never
writes a `.pyc`, so a package installed without one is compiled from source by every process
that imports it, every time: each model server, `python -m deploy`, moto server and xdist
worker the tests start compiled pandas, scipy, numpy and moto anew (`import pandas,
scipy.stats, moto.sagemaker.responses`: 3.2 s of CPU without, 1.2 s with). `uv sync
--compile-bytecode` writes them once, at install (`uv sync --help`: "Compile Python files to
bytecode after installation").
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_setup_installs_the_packages_with_their_bytecode() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    syncs = re.findall(r"^\t\$\(UV\) sync\b.*$", makefile, flags=re.M)
    assert syncs, "make setup's `$(UV) sync` line is gone: this test reads it"
    assert all("--compile-bytecode" in line for line in syncs), syncs
