"""The page's pure JavaScript logic (CSV escaping, timestamps, API answers, config) under Node."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pagekit import REPO


def test_javascript_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the page's build needs it anyway (site/.nvmrc)")
    # TAP asked for by name: Node 23+ prints its spec reporter by default even into a pipe, and
    # the lines below read TAP (`not ok`, `# fail 0`); Node 20 chose TAP for a pipe by itself.
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", "test/"],
        cwd=REPO / "site",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # node's TAP puts the failing subtests anywhere in a long output: name them first.
    failing = [line for line in result.stdout.splitlines() if line.lstrip().startswith("not ok")]
    said = "\n".join(failing) or "(no 'not ok' line)"
    assert result.returncode == 0, f"{said}\n---\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
    assert "# fail 0" in result.stdout
