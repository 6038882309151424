"""Every command the READMEs tell a reader to run exists as written: `python -m deploy` with its
subcommands, flags and choices; `make` targets; `make up ARGS=...` and `python -m devstack`
flags. And the other way round: every deploy subcommand and flag is in docs/deploy-commands.md,
so a flag added to the parser is not one a reader can only find in `--help`.
"""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from deploy.cli import build_parser
from devstack import cli as devstack_cli
from devstack.stack import DEFAULT_PORTS
from tests.support.readme_text import (
    READMES,
    REPO,
    code_spans,
    fenced_blocks,
    read,
    section,
)

# Flags every stack command takes, said once in the Deploy commands' first line.
COMMON = {"--config", "--env", "-h", "--help"}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _commands() -> dict[str, argparse.ArgumentParser]:
    """``plan``, ..., ``previews list``, ``previews sweep``: each parser by its words."""
    out = {}
    for name, sub in _subparsers(build_parser()).items():
        nested = _subparsers(sub)
        out[name] = sub
        out.update({f"{name} {n}": p for n, p in nested.items()})
    return out


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {s: a for a in parser._actions for s in a.option_strings}


def _deploy_invocations() -> list[tuple[str, str]]:
    """(readme, the words after ``python -m deploy``) of every command the READMEs show."""
    found = []
    for readme in READMES:
        text = read(readme)
        lines = [*code_spans(text), *(ln for b in fenced_blocks(text) for ln in b.splitlines())]
        for line in lines:
            for m in re.finditer(r"python -m deploy (?!\.)([^|;&#)`]*)", line):
                found.append((readme, m.group(1).split(" > ")[0].strip()))
    return found


def _split(words: str) -> tuple[str | None, list[str]]:
    """The command these words name (None: a placeholder such as ``<command>``) and the rest."""
    tokens = words.split()
    while tokens[:1] == ["--config"]:
        tokens = tokens[2:]
    commands = _commands()
    if len(tokens) >= 2 and f"{tokens[0]} {tokens[1]}" in commands:
        return f"{tokens[0]} {tokens[1]}", tokens[2:]
    if tokens and tokens[0] in commands:
        return tokens[0], tokens[1:]
    return None, tokens


def _problems(command: str | None, tokens: list[str]) -> list[str]:
    """Flags the parser of ``command`` lacks, and choices it does not offer."""
    commands = _commands()
    if command is None:  # `python -m deploy <command> [--config ...] [--env NAME]`
        known = set().union(*(_options(p) for p in commands.values()))
        options: dict[str, argparse.Action] = {}
    else:
        options = _options(commands[command]) | _options(build_parser())
        known = set(options)
    problems = []
    for i, token in enumerate(tokens):
        flag = token.strip("[]()").split("=")[0]
        if not re.fullmatch(r"--?[a-z][a-z-]*", flag):
            continue
        if flag not in known:
            problems.append(f"{command or '<command>'}: no {flag}")
            continue
        action = options.get(flag)
        if action is None or not action.choices or i + 1 >= len(tokens):
            continue
        value = tokens[i + 1].strip("[]()")
        if "|" in value or value.isidentifier():  # `--format text|markdown|json`, `legacy`
            wrong = [v for v in value.split("|") if v not in action.choices]
            if wrong:
                problems.append(f"{command} {flag}: no choice {wrong}")
    return problems


def test_the_readmes_show_deploy_commands() -> None:
    """The extraction works: it sees commands from each kind of place."""
    shown = {words.split()[0] for _, words in _deploy_invocations() if words}
    assert {"plan", "apply", "bootstrap", "logs", "previews"} <= shown


def test_every_deploy_command_in_the_readmes_exists_with_its_flags() -> None:
    problems = [
        f"{readme}: `python -m deploy {words}`: {problem}"
        for readme, words in _deploy_invocations()
        for problem in _problems(*_split(words))
    ]
    assert problems == []


def _command_bullets() -> dict[str, str]:
    """docs/deploy-commands.md's list: each bullet's synopsis (its code spans before ` — `)."""
    body = section(read("docs/deploy-commands.md"), "# Deploy commands")
    bullets = re.findall(r"^- (`.*?) —\s", body, re.MULTILINE | re.DOTALL)
    out: dict[str, str] = {}
    for bullet in bullets:
        for span in re.findall(r"`([^`]+)`", bullet):
            words = " ".join(span.split())
            command, _ = _split(words)
            if command:
                out.setdefault(command, words)
    return out


def test_every_deploy_synopsis_in_deploy_commands_exists_with_its_flags() -> None:
    problems = [p for words in _command_bullets().values() for p in _problems(*_split(words))]
    assert problems == []


def test_every_deploy_command_and_flag_is_in_the_deploy_commands_page() -> None:
    bullets = _command_bullets()
    missing = []
    for name, parser in _commands().items():
        if name == "previews":  # its two subcommands have the bullet
            continue
        if name not in bullets:
            missing.append(f"no bullet for `{name}`")
            continue
        for action in parser._actions:  # one of its spellings: `-v` says `--verbose`
            flags = set(action.option_strings) - COMMON
            if flags and not any(re.search(rf"{f}\b", bullets[name]) for f in flags):
                missing.append(f"`{name}` lacks {max(flags, key=len)}")
    assert missing == []


def test_what_is_where_lists_every_deploy_command() -> None:
    line = next(ln for ln in read("README.md").splitlines() if ln.startswith("deploy/ "))
    listed = line.split("python -m deploy ", 1)[1].split("|")
    assert sorted(listed) == sorted(_subparsers(build_parser()))


def _make_targets() -> set[str]:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))


def _make_invocations() -> list[tuple[str, str]]:
    found = []
    for readme in READMES:
        text = read(readme)
        lines = [*code_spans(text), *(ln for b in fenced_blocks(text) for ln in b.splitlines())]
        for line in lines:
            found += [(readme, m.group(0)) for m in re.finditer(r"\bmake [^`#;&|]*", line)]
    return found


def test_every_make_command_in_the_readmes_is_a_target() -> None:
    targets = _make_targets()
    wrong = []
    for readme, command in _make_invocations():
        words = [w.rstrip(":)") for w in shlex.split(command)[1:] if "=" not in w]
        wrong += [f"{readme}: `{command}`" for w in words[:1] if w not in targets]
    assert _make_invocations() and wrong == []


def _devstack_arguments() -> list[tuple[str, str]]:
    """(where, argument string) of every ``make up ARGS="..."`` and ``python -m devstack ...``
    in the READMEs and in `make help`."""
    found = []
    sources = {r: read(r) for r in READMES} | {"Makefile": (REPO / "Makefile").read_text()}
    for where, text in sources.items():
        for m in re.finditer(r'make up ARGS="([^"]*)"', text):
            found.append((where, m.group(1)))
        for m in re.finditer(r"python -m devstack([^`\n;)]*)", text):
            found.append((where, m.group(1)))
    return found


@pytest.mark.parametrize(("where", "arguments"), _devstack_arguments())
def test_every_devstack_command_in_the_readmes_parses(where: str, arguments: str) -> None:
    try:
        devstack_cli._parse_args(shlex.split(arguments))
    except SystemExit as exc:  # argparse's refusal: an unknown flag, a bad value
        pytest.fail(f"{where}: `{arguments}` is refused by python -m devstack ({exc})")


def test_readmes_local_ports_are_devstacks_defaults() -> None:
    table = section(read("README.md"), "## Run it locally")
    ports = {int(p) for p in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert ports == set(DEFAULT_PORTS.values())
    assert f"page :{DEFAULT_PORTS['site']}, API :{DEFAULT_PORTS['api']}, model :" in (
        REPO / "Makefile"
    ).read_text(encoding="utf-8")


def test_every_pytest_command_in_the_readmes_runs_the_venvs_pytest() -> None:
    """`make setup` puts pytest in .venv only: a bare `pytest -m browser` runs whatever pytest
    is on PATH (another Python's, without the project's packages: its collection fails), so a
    command the READMEs show runs `.venv/bin/python -m pytest`, as the others do."""
    bare = []
    for readme in (*READMES, "tests/README.md"):
        text = read(readme)
        lines = [*code_spans(text), *(ln for b in fenced_blocks(text) for ln in b.splitlines())]
        bare += [f"{readme}: `{line}`" for line in lines if re.match(r"\s*pytest\s", line)]
    assert bare == []


def test_every_gh_command_in_the_readmes_names_the_repository() -> None:
    """In a fork's clone, gh picks the repository from the remotes, `upstream` first: "gh will
    look for the first match of the following remotes (in the same order): upstream, github,
    and origin" (cli/cli#11219), and `gh repo clone` of a fork adds the parent as `upstream`.
    A bare `gh variable set` or `gh workflow enable` then acts on the repository forked from,
    not the fork; each command the READMEs show says which one, as bootstrap's printed ones do
    (`gh api` names it in its path)."""
    bare = []
    for readme in (*READMES, "tests/README.md"):
        text = read(readme)
        lines = [*code_spans(text), *(ln for b in fenced_blocks(text) for ln in b.splitlines())]
        for line in lines:
            for m in re.finditer(r"\bgh (?!api\b)[a-z]+ [^`#;]*", line):
                if "--repo OWNER/NAME" not in m.group(0):
                    bare.append(f"{readme}: `{m.group(0).strip()}`")
    assert bare == []
