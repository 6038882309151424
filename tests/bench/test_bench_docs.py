"""docs/testing.md and the bench's options agree: every option is documented, and every
bench command the docs show parses."""

from __future__ import annotations

import re
import shlex

import pytest

from bench import answers, compare
from bench.__main__ import build_parser
from tests.support.readme_text import READMES, REPO, read

TESTING = "docs/testing.md"


def test_every_bench_option_is_in_the_testing_page() -> None:
    """--json (the only way to keep a run's numbers, to compare two), --seed and --synthetic
    were in `--help` only: docs/testing.md named --quick and --only and nothing said where a
    run's results could be written."""
    text = read(TESTING)
    options = [
        max(a.option_strings, key=len)
        for a in build_parser()._actions
        if a.option_strings and "--help" not in a.option_strings
    ]
    missing = [o for o in options if not re.search(rf"(?<![\w-]){o}\b", text)]
    assert options and missing == []


def _bench_commands() -> list[tuple[str, str]]:
    """(where, arguments) of every ``python -m bench ...`` and ``make bench ARGS="..."``."""
    found = []
    sources = {r: read(r) for r in READMES} | {"Makefile": (REPO / "Makefile").read_text()}
    for where, text in sources.items():
        found += [(where, m.group(1)) for m in re.finditer(r'make bench ARGS="([^"]*)"', text)]
        found += [(where, m.group(1)) for m in re.finditer(r"python -m bench([^`\n;)]*)", text)]
    return [(w, a) for w, a in found if "..." not in a]


@pytest.mark.parametrize(("where", "arguments"), _bench_commands())
def test_every_bench_command_in_the_docs_parses(where: str, arguments: str) -> None:
    words = shlex.split(arguments)
    parser = build_parser()
    if words[:1] == ["compare"]:  # main hands `compare ...` to its own parser
        parser, words = compare.build_parser(), words[1:]
    elif words[:1] == [".answers"]:  # python -m bench.answers, a module of its own
        parser, words = answers.build_parser(), words[1:]
    try:
        parser.parse_args(words)
    except SystemExit as exc:  # argparse's refusal; --help's exit 0 is no refusal
        if exc.code == 0:
            return
        pytest.fail(f"{where}: `{arguments}` is refused by python -m bench ({exc})")


def test_the_testing_page_says_what_the_exit_status_means() -> None:
    """Nothing said that the bench exits 0 with targets NOT MET: a CI job gating on it passed
    with two targets missed."""
    text = read(TESTING)
    assert "exit status is 0 when every part ran, whatever they say" in text


def test_the_help_gives_each_sets_default_as_the_testing_page_does() -> None:
    """docs/testing.md gives --seed's default (20260101, the set the targets are read on) and
    --synthetic's (240); `--help` gave the second only, so a reader of it could not tell which
    seed is the targets' one."""
    from bench.targets import DEFAULT_SEED

    text = " ".join(build_parser().format_help().split())
    assert f"default {DEFAULT_SEED}" in text and f"default {DEFAULT_SEED}" in read(TESTING)
    assert "default 240" in text
