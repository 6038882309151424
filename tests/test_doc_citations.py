"""Every place the code sends a reader to the docs names a page and a section that are there.

Error messages, workflow notices and comments cite a section as ``docs/rolling-back.md,
"Rolling back"`` (the page, then the heading or the lead-in words of a list item). When the
README was split into docs/ pages, some twenty such citations named a README section that had
moved: nothing failed, and a reader following one found nothing there. A bare ``README`` names
the README of the citing file's own folder or the nearest above it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.support.readme_text import REPO, anchors, github_anchor, prose

SKIP_DIRS = {".git", ".venv", "node_modules", "dist", ".pytest_cache", ".ruff_cache", "data"}
CODE = (".py", ".yml", ".yaml", ".mjs", ".js", ".sh", ".toml")
CODE_NAMES = {"Makefile", "Dockerfile", "serve"}
# `<page>.md, "<section>"`, `README "<section>"`, `README's '<section>'`; a section may wrap
# onto a comment's next line.
_CITE = re.compile(
    r"(?P<page>(?:[\w.-]+/)*[\w.-]+\.md|\bREADME)(?:'s)?,? "
    r"(?:\"(?P<double>[^\"`]+?)\"|'(?P<single>[^'`]+?)')"
)


def code_files() -> list[Path]:
    """Every file of code, workflow or build in the repository but this test's own (its
    examples are wrong on purpose)."""
    found = []
    for root, dirs, files in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found += [Path(root) / f for f in sorted(files) if f.endswith(CODE) or f in CODE_NAMES]
    return [p for p in found if p != Path(__file__)]


def _page(citing: Path, page: str, root: Path) -> Path:
    if page != "README":
        return root / page
    folder = citing.parent
    while not (folder / "README.md").is_file() and folder != root:
        folder = folder.parent
    return folder / "README.md"


def _words(text: str) -> str:
    """Section words as cited: a comment's wrap and a string's escapes undone."""
    return " ".join(re.sub(r"\n\s*(#|//)?", " ", text.replace("\\'", "'")).split())


def _sections(text: str) -> tuple[set[str], set[str]]:
    """What a citation may name, as anchors: the headings and bold run-in headings, whole; and
    the openings of list items (``- What names cannot narrow, and ...``), by their first words."""
    whole, openings = set(anchors(text)), set()
    for line in prose(text).splitlines():
        if m := re.match(r"\s*(?:[-*] |\d+\. )?\*\*([^*]+)\*\*", line):
            whole.add(github_anchor(m.group(1)))
        if m := re.match(r"\s*- ([^:.(`*]+)", line):
            openings.add(github_anchor(m.group(1)))
    return whole, openings


def citations(path: Path) -> list[tuple[str, str]]:
    """(page as written, section) of each citation in ``path``."""
    text = path.read_text(encoding="utf-8")
    return [(m["page"], _words(m["double"] or m["single"])) for m in _CITE.finditer(text)]


def wrong_citations(path: Path, root: Path = REPO) -> list[str]:
    problems = []
    for page, words in citations(path):
        target = _page(path, page, root)
        where = target.relative_to(root).as_posix()
        if not target.is_file():
            problems.append(f'{page}, "{words}": no page {where}')
            continue
        said = github_anchor(words)
        whole, openings = _sections(target.read_text(encoding="utf-8"))
        if said not in whole and not any(o == said or o.startswith(f"{said}-") for o in openings):
            problems.append(f'{page}, "{words}": no such section in {where}')
    return problems


def test_every_citation_of_a_docs_section_lands() -> None:
    files = code_files()
    assert REPO / "deploy" / "rollback.py" in files and REPO / "Makefile" in files
    found = {p.relative_to(REPO).as_posix(): wrong_citations(p) for p in files}
    assert sum(len(citations(p)) for p in files) > 20  # the scan sees them
    assert {p: w for p, w in found.items() if w} == {}


def test_a_citation_of_a_moved_section_is_found(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Tool\n\n## Run it\n\n- **Costs**: money.\n")
    (tmp_path / "docs").mkdir()
    code = tmp_path / "docs" / "x.py"
    code.write_text(
        '"""Run it (README, "Run it"); README\'s "Costs"; see README "Rolling back", or\n'
        '# README.md, "Keeping\n# dependencies current")."""\n'
    )
    assert wrong_citations(code, tmp_path) == [
        'README, "Rolling back": no such section in README.md',
        'README.md, "Keeping dependencies current": no such section in README.md',
    ]
    code.write_text('"""See docs/gone.md, "Rolling back"; README, "Run"."""\n')
    assert wrong_citations(code, tmp_path) == [
        'docs/gone.md, "Rolling back": no page docs/gone.md',
        'README, "Run": no such section in README.md',
    ]
