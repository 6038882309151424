"""A stand-in for GitHub's REST API on 127.0.0.1: pull requests as the API returns them.

Only what deploy and the workflow scripts call, with the API's shapes: ``GET
/repos/{o}/{r}/pulls/{n}`` (``state``, ``labels[].name``, ``head.repo.full_name``: null when the
fork is gone), a pull request's comments (``GET /repos/{o}/{r}/issues/{n}/comments``, paged by
``per_page``/``page``; ``PATCH /repos/{o}/{r}/issues/comments/{id}``), 404 for what is missing,
401 without a token when one is required, 403 for a write with a read-only token.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_PULL = re.compile(r"^/repos/([^/]+/[^/]+)/pulls/(\d+)$")
_COMMENTS = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
_COMMENT = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")


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


def comment(body: str, login: str = "github-actions[bot]", kind: str = "Bot") -> dict[str, Any]:
    """A comment's fields that deploy reads (its id is given when it is added)."""
    return {"body": body, "user": {"login": login, "type": kind}}


class GitHubStub:
    """Pull requests by (repo, number) and their comments; `requests` records each path and
    its token, `edits` each PATCH's path and body."""

    def __init__(self, token: str | None = None) -> None:
        self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.edits: list[tuple[str, dict[str, Any]]] = []
        self.token = token
        self.read_only = False  # a token with pull-requests: read (the sweep's before)
        self.url = ""

    def add(self, doc: dict[str, Any]) -> None:
        self.pulls[(doc["base"]["repo"]["full_name"], int(doc["number"]))] = doc

    def add_comment(self, number: int, doc: dict[str, Any], repo: str = "octo/trends") -> int:
        ids = [c["id"] for cs in self.comments.values() for c in cs]
        made = {**doc, "id": max(ids, default=1000) + 1}
        self.comments.setdefault((repo, number), []).append(made)
        return int(made["id"])

    def _get(self, path: str) -> tuple[int, Any]:
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if m := _PULL.match(url.path):
            doc = self.pulls.get((m.group(1), int(m.group(2))))
            return (200, doc) if doc else (404, {"message": "Not Found"})
        if (m := _COMMENTS.match(url.path)) and (m.group(1), int(m.group(2))) in self.pulls:
            size, page = int(query.get("per_page", 30)), int(query.get("page", 1))
            listed = self.comments.get((m.group(1), int(m.group(2))), [])
            return 200, listed[(page - 1) * size : page * size]
        return 404, {"message": "Not Found"}

    def _patch(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        if self.read_only:
            return 403, {"message": "Resource not accessible by integration"}
        self.edits.append((path, body))
        m = _COMMENT.match(path)
        for (repo, _number), listed in self.comments.items():
            for c in listed:
                if m and repo == m.group(1) and c["id"] == int(m.group(2)):
                    c["body"] = body["body"]
                    return 200, c
        return 404, {"message": "Not Found"}


@contextmanager
def github_stub(token: str | None = None) -> Iterator[GitHubStub]:
    stub = GitHubStub(token)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self._authorized():
                self._send(*stub._get(self.path))

        def do_PATCH(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(size) or b"{}")
            if self._authorized():
                self._send(*stub._patch(self.path, body))

        def _authorized(self) -> bool:
            auth = self.headers.get("Authorization")
            stub.requests.append((self.path, auth))
            if stub.token and auth != f"Bearer {stub.token}":
                self._send(401, {"message": "Requires authentication"})
                return False
            return True

        def _send(self, code: int, doc: Any) -> None:
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
