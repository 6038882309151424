"""Start ``model/serve`` as a real process on a free loopback port, as SageMaker would.

A thin layer over :class:`deploy.local_model.ModelServer` (what ``make up`` runs) that keeps
the server's output in a file the tests can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deploy.local_model import ModelServer, free_port


@dataclass
class LoggedServer:
    server: ModelServer
    log_path: Path

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def process(self):
        return self.server.process

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.server.stop(grace_s=15, quick=True)


def start_model_server(
    log_dir: Path, workers: int = 2, extra_env: dict[str, str] | None = None, timeout: float = 60
) -> LoggedServer:
    """The server with its output in ``log_dir``; no /opt/ml/model/defaults.json unless
    ``extra_env`` points MODEL_DEFAULTS_PATH at one. Errors carry the server's output."""
    port = free_port()
    log_path = log_dir / f"model-server-{port}.log"
    env = {"MODEL_DEFAULTS_PATH": str(log_dir / "no-defaults.json"), "PYTHONWARNINGS": "default"}
    env.update(extra_env or {})
    with open(log_path, "wb") as log:
        server = ModelServer(port=port, workers=workers, log=log, env=env)
        try:
            server.start(timeout_s=timeout)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}:\n{log_path.read_text(errors='replace')}") from None
    return LoggedServer(server, log_path)
