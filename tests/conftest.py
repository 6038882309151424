"""Session-wide: say at the end which base the model image was built on (or why not)."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.support.model_image import summary

    line = summary()
    if line:
        terminalreporter.write_sep("-", "model image")
        terminalreporter.write_line(line)
