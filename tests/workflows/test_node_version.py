"""The page's Node.js major is pinned once, in site/.nvmrc, and every other place agrees.

Why: Node was pinned by hand in each workflow's setup-node step (six copies of "20"), besides
package.json's `engines` and README's requirements; nothing bumps or watches them (Dependabot
has no ecosystem for .nvmrc, and does not move `engines`), and nothing kept the copies in
step: a bump that missed one would build the page on two Nodes. The workflows now read the file
(setup-node's `node-version-file`, resolved from the repository root); this test names any
place that still disagrees.

The pin is the major CI runs (an LTS line); `engines.node` is a separate, lower-or-equal floor:
the oldest major the page's build and tests were run on, so a machine still on it (Node 20,
which ran `make test` when the pin moved to 26) is told in one line, not failed
(scripts/check-node, run by `make site`, hence by `make up` and `make test`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
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


def engines_floor() -> int:
    """`engines.node`: npm's advisory floor for a build by hand, `>=` one major."""
    engines = json.loads((ROOT / "site" / "package.json").read_text())["engines"]["node"]
    match = re.fullmatch(r">=(\d+)", engines)
    assert match, f"site/package.json engines.node must be >=MAJOR: {engines!r}"
    return int(match.group(1))


def test_package_json_engines_floor_is_at_most_the_pin() -> None:
    """A floor above the pin would have npm warn on the very Node CI builds with."""
    assert 20 <= engines_floor() <= pinned_major()


def test_readme_requirements_name_the_floor_and_the_pin() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.findall(r"\bNode (\d+)\+", readme)
    assert said and all(int(major) == engines_floor() for major in said), said
    requirements = next(para for para in readme.split("\n\n") if "Requirements:" in para)
    pin = f"CI builds the page with Node {pinned_major()},"
    assert pin in requirements.replace("\n", " "), requirements


def _check_node(tmp_path: Path, node_version: str | None) -> subprocess.CompletedProcess[str]:
    """scripts/check-node with `node --version` saying node_version (None: no node at all)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "tr", "dirname"):
        found = next(Path(d) / tool for d in ("/usr/bin", "/bin") if (Path(d) / tool).exists())
        (bin_dir / tool).symlink_to(found)
    if node_version is not None:
        node = bin_dir / "node"
        node.write_text(f"#!/bin/sh\necho {node_version}\n", encoding="utf-8")
        node.chmod(0o755)
    return subprocess.run(
        [str(ROOT / "scripts" / "check-node")],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_node_older_than_the_pin_gets_a_one_line_note_not_a_failure(tmp_path: Path) -> None:
    older = f"v{pinned_major() - 1}.4.0"
    result = _check_node(tmp_path, older)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert older in lines[0] and f"Node {pinned_major()} (site/.nvmrc)" in lines[0], lines


@pytest.mark.parametrize("offset", [0, 1])
def test_the_pinned_node_or_a_newer_one_says_nothing(tmp_path: Path, offset: int) -> None:
    result = _check_node(tmp_path, f"v{pinned_major() + offset}.0.1")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_no_node_says_nothing_here(tmp_path: Path) -> None:
    """Without node, npm ci fails by itself when the page must be built; a built page runs."""
    result = _check_node(tmp_path, None)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("target", ["site", "up", "test"])
def test_make_checks_the_node_before_it_uses_it(target: str) -> None:
    """`make up` and `make test` reach node through `make site`: the note comes from there."""
    env = {**os.environ, "MAKEFLAGS": ""}
    result = subprocess.run(
        ["make", "-n", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "scripts/check-node" in result.stdout.splitlines(), result.stdout


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
