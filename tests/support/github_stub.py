"""A stand-in for GitHub's REST API on 127.0.0.1: pull requests as the API returns them.

Only what deploy and the workflow scripts read (``GET /repos/{o}/{r}/pulls/{n}``), with the
API's shapes: ``state``, ``labels[].name``, ``head.repo.full_name`` (null when the fork is
gone), 404 for a missing pull request, 401 without a token when one is required.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_PULL = re.compile(r"^/repos/([^/]+/[^/]+)/pulls/(\d+)$")


def pull(
    number: int,
    repo: str = "octo/trends",
    *,
    state: str = "open",
    labels: tuple[str, ...] = ("preview",),
    head_repo: str | None = None,
) -> dict[str, Any]:
    """A pull request document as `GET /repos/{o}/{r}/pulls/{n}` returns it (the fields read)."""
    head = {"full_name": head_repo or repo} if head_repo != "" else None
    return {
        "number": number,
        "state": state,
        "labels": [{"name": name} for name in labels],
        "head": {"repo": head, "sha": "f" * 40},
        "base": {"repo": {"full_name": repo}},
    }


class GitHubStub:
    """Pull requests by (repo, number); `requests` records each path and its token."""

    def __init__(self, token: str | None = None) -> None:
        self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.token = token
        self.url = ""

    def add(self, doc: dict[str, Any]) -> None:
        self.pulls[(doc["base"]["repo"]["full_name"], int(doc["number"]))] = doc


@contextmanager
def github_stub(token: str | None = None) -> Iterator[GitHubStub]:
    stub = GitHubStub(token)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            auth = self.headers.get("Authorization")
            stub.requests.append((self.path, auth))
            m = _PULL.match(self.path)
            if stub.token and auth != f"Bearer {stub.token}":
                self._send(401, {"message": "Requires authentication"})
            elif m and (m.group(1), int(m.group(2))) in stub.pulls:
                self._send(200, stub.pulls[(m.group(1), int(m.group(2)))])
            else:
                self._send(404, {"message": "Not Found"})

        def _send(self, code: int, doc: dict[str, Any]) -> None:
            body = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
