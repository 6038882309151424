"""`python -m deploy <command> --help` says what the command does, not only its options: argparse
shows a subcommand's ``help`` only in its parent's list, so each has a ``description`` too."""

from __future__ import annotations

import argparse

import pytest

from deploy.cli import build_parser


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (sub)command's path, parser and the one line its parent's list gives it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            lines = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, lines.get(name)
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))


def test_every_command_is_listed_with_a_line_of_help() -> None:
    names = {" ".join(path) for path, _, _ in COMMANDS}
    assert {"plan", "apply", "destroy", "smoke", "logs", "previews list", "bootstrap"} <= names
    assert all(line for _, _, line in COMMANDS), [p for p, _, line in COMMANDS if not line]


@pytest.mark.parametrize(
    ("sub", "line"),
    [(sub, line) for _, sub, line in COMMANDS],
    ids=[" ".join(p) for p, _, _ in COMMANDS],
)
def test_a_commands_help_says_what_it_does(sub: argparse.ArgumentParser, line: str) -> None:
    assert sub.description, f"{sub.prog} --help has no description (its list line: {line!r})"
    assert " ".join(sub.description.split()) in " ".join(sub.format_help().split())
