"""The model image: a content hash of the build context names the tag; build only if missing."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path

from deploy.aws import Aws
from deploy.naming import Names

_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules"}


def context_hash(build_context: str | Path) -> str:
    """sha256 over (relative path, mode bit x, bytes) of every file; 12 hex chars."""
    root = Path(build_context)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: model build context not found (model.build_context)")
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if path.suffix in (".pyc", ".pyo") or path.name.startswith("."):
            continue
        h.update(rel.as_posix().encode() + b"\0")
        h.update(b"x" if path.stat().st_mode & 0o111 else b"-")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:12]


def image_tag(build_context: str | Path) -> str:
    return f"src-{context_hash(build_context)}"


def image_uri(names: Names, tag: str) -> str:
    return f"{names.ecr_registry}/{names.ecr_repository}:{tag}"


def build_and_push(
    aws: Aws, names: Names, uri: str, build_context: str, log: Callable[[str], None]
) -> None:
    """docker build (linux/amd64) and push, logging in to ECR with a short-lived token."""
    from deploy.executor import run_subprocess

    token = aws.client("ecr").get_authorization_token()["authorizationData"][0]
    user, password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)
    registry = token["proxyEndpoint"].removeprefix("https://")
    run_subprocess(
        ["docker", "login", "--username", user, "--password-stdin", registry],
        log,
        stdin=password.encode(),
    )
    run_subprocess(["docker", "build", "--platform", "linux/amd64", "-t", uri, build_context], log)
    run_subprocess(["docker", "push", uri], log)
