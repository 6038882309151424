"""Start ``model/serve`` as a real process on a free loopback port, as SageMaker would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVE = REPO / "model" / "serve"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ModelServer:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            # SIGINT is gunicorn's quick shutdown: tests need not wait for idle keep-alives.
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_model_server(
    log_dir: Path, workers: int = 2, extra_env: dict[str, str] | None = None, timeout: float = 60
) -> ModelServer:
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
            "MODEL_SERVER_HOST": "127.0.0.1",
            "SAGEMAKER_BIND_TO_PORT": str(port),
            "SAGEMAKER_MODEL_SERVER_WORKERS": str(workers),
            "MODEL_DEFAULTS_PATH": str(log_dir / "no-defaults.json"),
            "PYTHONWARNINGS": "default",
        }
    )
    env.update(extra_env or {})
    log_path = log_dir / f"model-server-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(SERVE)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = ModelServer(proc, port, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"model/serve exited with {proc.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/ping", timeout=1) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"model/serve did not answer /ping within {timeout}s:\n{server.log()}")
