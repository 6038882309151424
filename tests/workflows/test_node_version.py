"""The page's Node.js major is pinned once, in site/.nvmrc, and every other place agrees.

Why: Node was pinned by hand in each workflow's setup-node step (six copies of "20"), besides
package.json's `engines` and README's requirements; nothing bumps or watches them (Dependabot
has no ecosystem for .nvmrc, and does not move `engines`), and nothing kept the copies in
step: a bump that missed one would build the page on two Nodes. The workflows now read the file
(setup-node's `node-version-file`, resolved from the repository root); this test names any
place that still disagrees.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NVMRC = ROOT / "site" / ".nvmrc"
NVMRC_FROM_ROOT = "site/.nvmrc"  # as setup-node resolves it: from the repository root
WORKFLOW_FILES = sorted((ROOT / ".github").rglob("*.yml"))


def pinned_major() -> int:
    """site/.nvmrc: one line, a major version (what setup-node and nvm both read)."""
    text = NVMRC.read_text(encoding="utf-8")
    assert re.fullmatch(r"\d+\n", text), f"{NVMRC_FROM_ROOT} must be one major version: {text!r}"
    return int(text)


def _setup_node_steps() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in WORKFLOW_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        steps = [
            step for job in (doc.get("jobs") or {}).values() for step in job.get("steps") or []
        ] + list((doc.get("runs") or {}).get("steps") or [])
        for step in steps:
            if str(step.get("uses", "")).startswith("actions/setup-node@"):
                yield str(path.relative_to(ROOT)), step


def test_every_setup_node_step_reads_the_pin() -> None:
    steps = list(_setup_node_steps())
    assert steps, "no setup-node step found: the workflows build the page with Node"
    for where, step in steps:
        given = step.get("with") or {}
        # node-version wins over node-version-file when both are given (setup-node's docs).
        assert "node-version" not in given, f"{where}: a hand-pinned node-version"
        assert given.get("node-version-file") == NVMRC_FROM_ROOT, where


def test_each_job_checks_out_before_it_reads_the_pin() -> None:
    """setup-node reads the file from the checkout: a step before it would find none."""
    for path in WORKFLOW_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, job in (doc.get("jobs") or {}).items():
            uses = [str(step.get("uses", "")) for step in job.get("steps") or []]
            node = [i for i, u in enumerate(uses) if u.startswith("actions/setup-node@")]
            checkout = [i for i, u in enumerate(uses) if u.startswith("actions/checkout@")]
            for i in node:
                assert checkout and checkout[0] < i, f"{path.name} {name}: setup-node first"


def test_the_pin_is_a_file_setup_node_finds() -> None:
    assert (ROOT / NVMRC_FROM_ROOT).is_file()
    assert pinned_major() >= 20


def test_package_json_engines_floor_is_the_pin() -> None:
    """`engines.node` is npm's advisory floor for someone building the page by hand."""
    engines = json.loads((ROOT / "site" / "package.json").read_text())["engines"]["node"]
    assert engines == f">={pinned_major()}", engines


def test_readme_requirements_name_the_pin() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.findall(r"\bNode (\d+)\+", readme)
    assert said and all(int(major) == pinned_major() for major in said), said


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_no_other_node_pin_hides_in_a_workflow(path: Path) -> None:
    """A `node-version:` anywhere else (another action's input, an env) is a second pin."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*node-version\s*:", text, re.MULTILINE), path.name


def test_a_job_container_gets_libatomic_before_setup_node() -> None:
    """Node's own Linux binaries link libatomic.so.1 in 26 (26.10.0 checked; 20 and 24 did not),
    and Debian's slim images lack it (libatomic1 is optional): node would not even start in the
    `make test` job's python:*-slim container. GitHub's Ubuntu runners have it."""
    installs = re.compile(r"apt-get install\b.*\blibatomic1\b")
    jobs = []
    for path in WORKFLOW_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, job in (doc.get("jobs") or {}).items():
            steps = job.get("steps") or []
            uses = [str(step.get("uses", "")) for step in steps]
            node = [i for i, u in enumerate(uses) if u.startswith("actions/setup-node@")]
            if job.get("container") and node:
                before = " ".join(str(step.get("run", "")) for step in steps[: node[0]])
                jobs.append((f"{path.name} {name}", installs.search(before)))
    assert jobs, "no job container builds the page: drop this test"
    assert [where for where, found in jobs if not found] == []
