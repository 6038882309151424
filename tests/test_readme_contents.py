"""README's table of contents lists every section, in order, with links that land; its
Documentation table links every page of docs/, by the page's title.

The list between ``<!-- toc -->`` markers is written by hand; a section added without it is one
a reader scanning the top of the README never finds (it happened: "Keeping dependencies
current"). Likewise a docs/ page the front page does not link is one nobody finds."""

from __future__ import annotations

import re

from tests.support.readme_text import DOCS, github_anchor, prose, read, section, table_rows

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


def test_the_documentation_table_links_every_page_by_its_title() -> None:
    rows = table_rows(section(read("README.md"), "## Documentation"), "page")
    linked = [re.fullmatch(r"\[([^\]]+)\]\(([^)#]+)\)", row[0]) for row in rows]
    assert all(linked), [row[0] for row, m in zip(rows, linked, strict=True) if not m]
    assert sorted(m.group(2) for m in linked if m) == sorted(DOCS)
    for m in linked:
        assert m and read(m.group(2)).startswith(f"# {m.group(1)}\n"), m and m.group(2)


def test_every_page_leads_back_to_the_readme() -> None:
    for page in DOCS:
        title = read(page).split("\n", 1)[0].removeprefix("# ")
        assert f"\n[README](../README.md) › {title}\n" in read(page), page
