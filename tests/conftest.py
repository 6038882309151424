"""Session-wide: the model image is built before the tests that need it run, and the end of
the output says which base it was built on (or why it was not)."""

from __future__ import annotations

from typing import Any


def pytest_collection_finish(session: Any) -> None:
    """Build the image now when a selected test needs it (marker ``container``), with a line
    on the terminal: a first run installs Docker and builds the stand-in base (minutes)."""
    if session.config.option.collectonly:
        return
    if not any(item.get_closest_marker("container") for item in session.items):
        return
    from tests.support.model_image import prepare, summary

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            "model image: starting Docker if needed and building the image "
            "(a first run installs docker.io and builds the stand-in base: ~3 min) ..."
        )
    prepare()
    if reporter is not None:
        reporter.write_line(summary() or "")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.support.model_image import summary

    line = summary()
    if line:
        terminalreporter.write_sep("-", "model image")
        terminalreporter.write_line(line)
