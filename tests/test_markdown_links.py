"""Every relative link in the repository's Markdown lands: the file or folder it names exists,
and its ``#anchor``, in a Markdown file, is one of that file's headings.

The documentation is split into a front page (README.md) and topic pages (docs/), which link to
each other and to the folders' READMEs by section; a section renamed or moved leaves links that
GitHub renders as working and that land nowhere (or at the top of the page). Links with a
scheme (https:, mailto:) are not followed: no network in tests.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.support.readme_text import REPO, anchors, prose

# Not documentation of this repository: installed or built trees, and the held-out data sets,
# which nothing but the benchmark's scoring reads.
SKIP_DIRS = {".git", ".venv", "node_modules", "dist", ".pytest_cache", ".ruff_cache"}
SKIP_PREFIXES = ("tests/data/heldout",)
# [text](target) or [text](target "title"); images too. Not inside code spans or blocks.
_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_SPAN = re.compile(r"`[^`]*`")


def markdown_files() -> list[Path]:
    found = []
    for root, dirs, files in os.walk(REPO):
        rel = Path(root).relative_to(REPO).as_posix()
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS and not f"{rel}/{d}".lstrip("./").startswith(SKIP_PREFIXES)
        )
        found += [Path(root) / f for f in sorted(files) if f.endswith(".md")]
    return found


def links(text: str) -> list[str]:
    """The targets of every Markdown link outside code."""
    return _LINK.findall(_SPAN.sub("", prose(text)))


def broken_links(path: Path) -> list[str]:
    """Each relative link of ``path`` that lands nowhere, with why."""
    text = path.read_text(encoding="utf-8")
    problems = []
    for target in links(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto:: not followed
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            problems.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text("utf-8")):
            problems.append(f"{target}: no heading #{anchor} in {file_part or path.name}")
    return problems


def test_every_relative_link_in_the_markdown_lands() -> None:
    files = markdown_files()
    assert REPO / "README.md" in files and REPO / "model" / "README.md" in files
    broken = {
        path.relative_to(REPO).as_posix(): problems
        for path in files
        if (problems := broken_links(path))
    }
    assert broken == {}


def test_a_link_to_a_missing_file_or_heading_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Title\n\n## A section, here\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok](other.md#a-section-here) [ok](#mine) [web](https://x.example/#y)\n"
        "`[in code](gone.md)`\n\n```\n[in a block](gone.md)\n```\n\n## Mine\n"
        "[file](gone.md) [heading](other.md#a-section) [here](#nowhere)\n"
    )
    assert broken_links(page) == [
        "gone.md: no such file",
        "other.md#a-section: no heading #a-section in other.md",
        "#nowhere: no heading #nowhere in page.md",
    ]
