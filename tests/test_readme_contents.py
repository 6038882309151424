"""README's table of contents lists every section, in order, with links that land.

The list between ``<!-- toc -->`` markers is written by hand; a section added without it is one
a reader scanning the top of the README never finds (it happened: "Keeping dependencies
current")."""

from __future__ import annotations

import re

from tests.support.readme_text import github_anchor, prose, read

_TOC = re.compile(r"<!-- toc -->\n(.*?)<!-- /toc -->", re.DOTALL)
_ENTRY = re.compile(r"^- \[([^\]]+)\]\(#([^)]+)\)$", re.MULTILINE)


def test_the_contents_list_every_section_in_order() -> None:
    text = read("README.md")
    toc = _TOC.search(text)
    assert toc, "README.md has no <!-- toc --> … <!-- /toc --> list"
    entries = _ENTRY.findall(toc.group(1))
    headings = re.findall(r"^## (.+)$", prose(text), re.MULTILINE)
    assert [title for title, _ in entries] == headings
    assert [anchor for _, anchor in entries] == [github_anchor(h) for h in headings]


def test_github_anchor_drops_punctuation() -> None:
    assert github_anchor("Tests, lint and benchmarks") == "tests-lint-and-benchmarks"
    assert github_anchor("What is where") == "what-is-where"
