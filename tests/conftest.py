"""Session-wide: the model image is built before the tests that need it run, and the end of
the output says which base it was built on (or why it was not); under pytest-xdist (`make
test` runs `-n auto --dist loadgroup`), the tests that share one expensive thing run on one
worker, and the workers' image lines reach the end of the output too."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.support.botocore_models import share as share_botocore_models
from tests.support.bytecode import use as use_bytecode_cache
from tests.support.collected import COLLECTED
from tests.support.hypothesis_draws import without_local_constants

# Bytecode, cached outside the source tree (tests/support/bytecode.py: this project's machines
# set PYTHONDONTWRITEBYTECODE, and every worker and every pytest, deploy or model server
# process the tests start compiled every module anew). Here, so `make test`, `make test-fast`
# and a plain `pytest` all get it, before xdist starts the workers. In the venv (ignored by
# git, outside the image's build context, removed by `make clean`), never beside the sources;
# outside a venv there is no place of the project's own, and bytecode stays as it was.
if sys.prefix != sys.base_prefix:
    use_bytecode_cache(Path(sys.prefix) / "pycache")

# `make test` gates every merge (CI runs it on a clean clone): its property tests draw the same
# examples on every run (derandomize, seeded from each test, and no pool of constants lifted
# from whichever of the project's modules the process imported first: tests/support/
# hypothesis_draws.py), alone or with any other tests, in one process or on any xdist worker,
# so a run fails for a change and never for a new draw. HYPOTHESIS_EXPLORE=1 draws new
# examples, to look for what the fixed ones miss.
settings.register_profile("gate", derandomize=True, database=None)
settings.register_profile("explore")
if os.environ.get("HYPOTHESIS_EXPLORE") == "1":
    settings.load_profile("explore")
else:
    settings.load_profile("gate")
    without_local_constants()

# botocore reads a service's model files once per session, and the tests make a session for
# every Aws and every in-process `deploy.cli.main`: one loader per process reads them once
# (tests/support/botocore_models.py; subprocesses keep botocore's own behaviour).
share_botocore_models()

# Tests run together on one worker under `--dist loadgroup`, by marker: the containers (one
# image build and one model container per worker that runs any; a few containers at a time
# on a 2-core machine, as without xdist) and the page in Chromium (one local stack and one
# browser per worker that runs any).
GROUP_BY_MARKER = {"container": "docker", "browser": "browser"}
_WORKER_LINES: list[tuple[str, str]] = []  # on the controller: (worker, line)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """Before every other implementation (xdist's turns the groups into node ids): the groups.
    After them all (pytest's own reorders by parametrized fixture): the `slow` tests first."""
    # Only xdist registers the xdist_group marker: without it (`-p no:xdist`) --strict-markers
    # refused the marker and collection stopped with an INTERNALERROR; one process needs no group.
    # Every id collected, before -m, -k or --deselect drop any (tests/test_node_ids.py).
    config.stash[COLLECTED] = [item.nodeid for item in items]
    grouped = config.pluginmanager.hasplugin("xdist")
    for item in items if grouped else ():
        for marker, group in GROUP_BY_MARKER.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group(group))
                break
    yield
    # A stable sort: the rest keep their order. xdist hands out the tests in collection order,
    # so a slow test collected last (tests/workflows runs whole workflows, minutes each on a
    # loaded machine) kept one worker busy long after the other had run out of work; started
    # first, the many short tests after them even the two workers out at the end.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A 127.0.0.1 port that refuses connections for the whole test, and that nothing else
    can take meanwhile (a port bound, then released, could be: tests/support/ports.py)."""
    from tests.support.ports import closed_port as held

    with held() as port:
        yield port


def pytest_collection_finish(session: Any) -> None:
    """Build the image now when a selected test needs it (marker ``container``), with a line
    on the terminal: a first run installs Docker and builds the stand-in base (minutes).
    Under xdist every worker gets here; the first builds, the others wait for it (a lock)
    and find docker's cache."""
    if session.config.option.collectonly:
        return
    if not any(item.get_closest_marker("container") for item in session.items):
        return
    from tests.support.model_image import prepare, summary

    _say(
        session.config,
        "model image: starting Docker if needed and building the image "
        "(a first run installs docker.io and builds the stand-in base: ~3 min) ...",
    )
    prepare()
    _say(session.config, summary() or "")


def _say(config: Any, line: str) -> None:
    """A line on the terminal now: an xdist worker's stderr is the controller's terminal."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line)
        return
    with config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        sys.stderr.write(f"[{workerinput['workerid']}] {line}\n")
        sys.stderr.flush()


def pytest_sessionfinish(session: Any) -> None:
    """On an xdist worker: hand the image lines to the controller, which prints them."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        from tests.support.model_image import summary

        workeroutput["model_image"] = summary() or ""


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent with `-p no:xdist`
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: keep what a finished worker said about the image."""
    lines = (getattr(node, "workeroutput", None) or {}).get("model_image", "")
    _WORKER_LINES.extend((node.gateway.id, line) for line in lines.splitlines() if line)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.support.model_image import summary

    lines = [line for line in [summary()] if line]
    said: dict[str, list[str]] = {}  # a line the workers said alike, once, with who said it
    for worker, line in sorted(_WORKER_LINES, key=lambda pair: pair[0]):  # stable: in order
        said.setdefault(line, []).append(worker)
    lines += [f"[{', '.join(workers)}] {line}" for line, workers in said.items()]
    if lines:
        terminalreporter.write_sep("-", "model image")
        for line in lines:
            terminalreporter.write_line(line)
