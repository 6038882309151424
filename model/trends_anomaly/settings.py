"""The server's environment, read once at start-up (as sagemaker-inference-toolkit does)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serving.environment import text, whole_number

from .params import SAGEMAKER_PAYLOAD_LIMIT, validate_defaults

__all__ = ["SAGEMAKER_PAYLOAD_LIMIT", "Settings"]


@dataclass(frozen=True)
class Settings:
    max_payload_bytes: int = SAGEMAKER_PAYLOAD_LIMIT
    defaults: dict[str, Any] = field(default_factory=dict)
    defaults_path: str = ""


def _read_if_there(path: Path) -> bytes | None:
    """The file's bytes; None when there is no such file. One that the server's user may not
    read, or whose folder it may not look in (then whether there is one cannot be told), stops
    the start in one line: it said "not valid JSON" of the first, and the second was a
    traceback of pathlib's stat. A serverless endpoint may not run the container as root
    (model/README.md, "Root")."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError as exc:
        raise SystemExit(
            f"{path}: cannot be read ({exc}); the server may run without root's permissions "
            "(a serverless endpoint): make it and its folders readable by others (chmod o+rX) "
            "in the model archive"
        ) from exc


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Limits from the environment and parameter defaults from the model directory.

    ``/opt/ml/model/defaults.json`` (``MODEL_DEFAULTS_PATH`` overrides the location) may hold
    e.g. ``{"method": "auto", "sensitivity": 0.6}``; an invalid file stops the server with a
    message rather than serving unexpected answers.
    """
    env = dict(os.environ if env is None else env)
    path = Path(text("MODEL_DEFAULTS_PATH", "/opt/ml/model/defaults.json", env))
    defaults: dict[str, Any] = {}
    written = _read_if_there(path)
    if written is not None:
        try:
            loaded = json.loads(written.decode("utf-8"))
        except ValueError as exc:  # UnicodeDecodeError too
            raise SystemExit(f"{path}: not valid JSON ({exc})") from exc
        if not isinstance(loaded, dict):
            raise SystemExit(f"{path}: must be a JSON object of parameter defaults")
        try:
            defaults = validate_defaults(loaded)
        except ValueError as exc:
            raise SystemExit(str(exc)) from exc
    # int() of a typo (6MB) was a traceback from the app's import; one Error: line instead.
    limit = whole_number("MODEL_MAX_PAYLOAD_BYTES", str(SAGEMAKER_PAYLOAD_LIMIT), env=env)
    return Settings(
        max_payload_bytes=limit,
        defaults=defaults,
        defaults_path=str(path) if defaults else "",
    )
