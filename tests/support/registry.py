"""A container registry on 127.0.0.1 (Debian's docker-registry, the distribution project's
registry 2.x) for checking what a push really uploads; read back over its HTTP API.

It binds port 0 itself and its log says which port it got ("listening on 127.0.0.1:N", at
level info): a number found free beforehand could be taken before it binds it."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENSURE_REGISTRY = REPO / "scripts" / "ensure-registry"
# Every manifest type a registry may hold, so that it answers with what it has.
ACCEPT = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)


LISTENING = re.compile(r'msg="listening on 127\.0\.0\.1:(\d+)"')


class NoRegistry(RuntimeError):
    """docker-registry cannot be installed here; the message says why."""


@dataclass
class Registry:
    port: int
    log_path: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def manifest(self, repository: str, reference: str) -> tuple[str, dict]:
        """(Content-Type, manifest) of ``repository:reference`` as the registry serves it."""
        req = urllib.request.Request(
            f"http://{self.host}/v2/{repository}/manifests/{reference}", headers={"Accept": ACCEPT}
        )
        with urllib.request.urlopen(req, timeout=10) as reply:
            return reply.headers.get("Content-Type", ""), json.loads(reply.read())


def ensure_registry_tools() -> None:
    proc = subprocess.run([str(ENSURE_REGISTRY)], capture_output=True, text=True, check=False)
    if proc.returncode == 3:
        raise NoRegistry(proc.stderr.strip())
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/ensure-registry failed: {proc.stderr.strip()}")


def _listening_port(log_path: Path) -> int:
    """The port the registry says it listens on; 0 before it says so."""
    found = LISTENING.search(log_path.read_text(errors="replace"))
    return int(found.group(1)) if found else 0


@contextmanager
def local_registry(workdir: Path) -> Iterator[Registry]:
    """docker-registry serving ``workdir/storage`` on a free 127.0.0.1 port, for the block."""
    ensure_registry_tools()
    config = workdir / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: info}\n"  # the "listening on" line
        f"storage: {{filesystem: {{rootdirectory: {workdir / 'storage'}}}}}\n"
        "http: {addr: '127.0.0.1:0'}\n"
    )
    log_path = workdir / "registry.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
    registry = Registry(0, log_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                registry.port = registry.port or _listening_port(log_path)
                if not registry.port:
                    raise ConnectionRefusedError("not listening yet")
                with urllib.request.urlopen(f"http://{registry.host}/v2/", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"docker-registry did not start: {log_path.read_text()[-2000:]}"
                    ) from None
                time.sleep(0.1)
        yield registry
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
