"""A stand-in for GitHub's REST API on 127.0.0.1: pull requests as the API returns them.

Only what deploy and the workflow scripts call, with the API's shapes: ``GET
/repos/{o}/{r}/pulls/{n}`` (``state``, ``labels[].name``, ``head.repo.full_name``: null when the
fork is gone), a pull request's comments (``GET /repos/{o}/{r}/issues/{n}/comments``, paged by
``per_page``/``page``; ``PATCH /repos/{o}/{r}/issues/comments/{id}``), 404 for what is missing,
401 without a token when one is required, 403 for a write with a read-only token. For
deploy.yml's order check: ``GET /repos/{o}/{r}/deployments?environment=`` (newest first),
``GET .../deployments/{id}/statuses`` (newest first), ``GET .../compare/{base}...{head}``
(``status`` ahead/behind/identical/diverged, from a commit graph the test gives; 404 for a
commit it lacks), ``GET .../commits?sha=`` (that commit and its ancestors, newest first),
``GET .../actions/runs/{id}`` (``path``, ``event``: which workflow a deployment's job ran in)
and ``GET .../actions/jobs/{id}`` (``run_id``, ``check_run_url``); ``deployments_forbidden``
answers 403 as for a job without ``deployments: read``. A status's ``log_url`` (and
``target_url``, which GitHub sets to the same) is the job's page as GitHub Actions writes it:
``https://github.com/{o}/{r}/actions/runs/{run}/job/{job}``, or with ``log_form="check_run"``
the older ``https://github.com/{o}/{r}/runs/{job}?check_suite_focus=true`` (a check run's
page: the job's id, no run id; octokit/webhooks'
payload-examples/api.github.com/deployment_status/gh-pages.payload.json).
GitHub's documented rules the stub keeps: every deployment and status
has a ``created_at``; a ``success`` of a non-production environment's deployment adds
``inactive`` to the earlier successful ones (``auto_inactive``, REST "Create a deployment
status"). GitHub documents no order for the deployments listing: the stub lists them by id,
highest first, and a test may give ids that do not follow creation.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devstack.http_thread import POLL_S

_PULL = re.compile(r"^/repos/([^/]+/[^/]+)/pulls/(\d+)$")
_COMMENTS = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
_COMMENT = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")
_DEPLOYMENTS = re.compile(r"^/repos/([^/]+/[^/]+)/deployments$")
_STATUSES = re.compile(r"^/repos/([^/]+/[^/]+)/deployments/(\d+)/statuses$")
_RUN = re.compile(r"^/repos/([^/]+/[^/]+)/actions/runs/(\d+)$")
_JOB = re.compile(r"^/repos/([^/]+/[^/]+)/actions/jobs/(\d+)$")
_COMMITS = re.compile(r"^/repos/([^/]+/[^/]+)/commits$")
_COMPARE = re.compile(r"^/repos/([^/]+/[^/]+)/compare/([0-9a-f]+)\.\.\.([0-9a-f]+)$")


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
        # (repo, environment) -> deployments, oldest first; id -> statuses, oldest first
        self.deployments: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.statuses: dict[int, list[dict[str, Any]]] = {}
        self.parents: dict[str, tuple[str, ...]] = {}  # the commit graph compare walks
        self.runs: dict[int, dict[str, Any]] = {}  # run id -> GET .../actions/runs/{id}
        self.jobs: dict[int, dict[str, Any]] = {}  # job id -> GET .../actions/jobs/{id}
        self.deployments_forbidden = False
        self.actions_forbidden = False  # a job without `actions: read`
        self.clock = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # each record made ticks a second
        self.repos = {"octo/trends"}  # others answer 404, as an unseen repository does

    def commit(self, sha: str, *parents: str) -> None:
        self.parents[sha] = tuple(parents)

    def _tick(self, at: datetime | None = None) -> str:
        """GitHub's ``created_at`` (ISO 8601, UTC, seconds) of the next record made."""
        self.clock = at or self.clock + timedelta(seconds=1)
        return self.clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def deploy(
        self,
        environment: str,
        sha: str,
        *states: str,
        repo: str = "octo/trends",
        run: int = 7,
        url: str = "https://d111111abcdef8.cloudfront.net",
        workflow: str = "deploy.yml",
        event: str = "push",
        deployment_id: int | None = None,
        created: datetime | None = None,
        done: datetime | None = None,
        log_form: str = "job",
    ) -> int:
        """A deployment as a GitHub Actions job leaves it: its statuses in order (e.g. queued,
        in_progress, success), each pointing at the job (``log_url``). ``url``: the job's
        ``environment.url`` (its site URL once deployed), GitHub's ``environment_url`` of the
        success; "" for a job whose order check skipped the deploy (no summary step ran), or a
        teardown's (``workflow="teardown.yml"``). ``created``/``done``: the deployment's and
        its last status's ``created_at`` (else the stub's clock, a second a record);
        ``deployment_id``: an id out of creation order."""
        ids = [d["id"] for ds in self.deployments.values() for d in ds]
        made = {"id": deployment_id or max(ids, default=500) + 1, "sha": sha,
                "environment": environment, "ref": "main", "task": "deploy",
                "created_at": self._tick(created)}  # fmt: skip
        self.deployments.setdefault((repo, environment), []).append(made)
        job_id = run * 10
        job = (
            f"https://github.com/{repo}/runs/{job_id}?check_suite_focus=true"
            if log_form == "check_run"
            else f"https://github.com/{repo}/actions/runs/{run}/job/{job_id}"
        )
        path = f"{repo}/.github/workflows/{workflow}@refs/heads/main"  # the documented form
        self.runs[run] = {"id": run, "event": event, "path": path}
        api = f"https://api.github.com/repos/{repo}"
        self.jobs[job_id] = {"id": job_id, "run_id": run,
                             "check_run_url": f"{api}/check-runs/{job_id}"}  # fmt: skip
        statuses = [
            {"state": s, "log_url": job, "target_url": job,
             "environment_url": url if s == "success" else "",
             "created_at": self._tick(done if i == len(states) - 1 else None)}
            for i, s in enumerate(states)
        ]  # fmt: skip
        if "success" in states and environment != "production":  # auto_inactive
            for other in self.deployments[(repo, environment)][:-1]:
                had = self.statuses.get(other["id"], [])
                if any(st["state"] == "success" for st in had) and had[-1]["state"] != "inactive":
                    had.append({"state": "inactive", "log_url": had[-1]["log_url"],
                                "target_url": had[-1]["log_url"], "environment_url": "",
                                "created_at": self._tick()})  # fmt: skip
        self.statuses[made["id"]] = statuses
        return int(made["id"])

    def _ancestors(self, sha: str) -> set[str]:
        seen, todo = set(), [sha]
        while todo:
            at = todo.pop()
            if at not in seen:
                seen.add(at)
                todo.extend(self.parents.get(at, ()))
        return seen

    def _history(self, sha: str, size: int) -> tuple[int, Any]:
        """``GET .../commits?sha=``: the commit and its ancestors, newest first (one page)."""
        if sha not in self.parents:
            return 404, {"message": f"No commit found for SHA: {sha}"}
        seen: list[str] = []
        todo = [sha]
        while todo:
            at = todo.pop(0)
            if at not in seen:
                seen.append(at)
                todo.extend(self.parents.get(at, ()))
        return 200, [{"sha": c} for c in seen[:size]]

    def _compare(self, base: str, head: str) -> tuple[int, Any]:
        if base not in self.parents or head not in self.parents:
            return 404, {"message": "Not Found"}
        if base == head:
            return 200, {"status": "identical"}
        if base in self._ancestors(head):
            return 200, {"status": "ahead"}
        if head in self._ancestors(base):
            return 200, {"status": "behind"}
        return 200, {"status": "diverged"}

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
        if self.deployments_forbidden and "/deployments" in url.path:
            return 403, {"message": "Resource not accessible by integration"}
        if (m := _DEPLOYMENTS.match(url.path)) and m.group(1) in self.repos:
            listed = self.deployments.get((m.group(1), query.get("environment", "")), [])
            by_id = sorted(listed, key=lambda d: int(d["id"]), reverse=True)
            return 200, by_id[: int(query.get("per_page", 30))]
        if (m := _STATUSES.match(url.path)) and int(m.group(2)) in self.statuses:
            return 200, list(reversed(self.statuses[int(m.group(2))]))
        if self.actions_forbidden and "/actions/" in url.path:
            return 403, {"message": "Resource not accessible by integration"}
        if (m := _RUN.match(url.path)) and int(m.group(2)) in self.runs:
            return 200, self.runs[int(m.group(2))]
        if (m := _JOB.match(url.path)) and int(m.group(2)) in self.jobs:
            return 200, self.jobs[int(m.group(2))]
        if m := _COMPARE.match(url.path):
            return self._compare(m.group(2), m.group(3))
        if (m := _COMMITS.match(url.path)) and m.group(1) in self.repos:
            return self._history(query.get("sha", ""), int(query.get("per_page", 30)))
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
    thread = threading.Thread(target=server.serve_forever, args=(POLL_S,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
