"""The few GitHub REST calls deploy makes, for the preview sweep: a pull request's state, and
its preview comment (found among its comments, rewritten when the sweep removes the preview);
for deploy.yml's order check (deploy/deploy_order.py): an environment's deployments, their
statuses, the workflow run a status's job belongs to (through the job when its URL names only
the job), a commit's history and how two commits compare.

Stdlib HTTP only (urllib): the sweep runs in a workflow with GITHUB_TOKEN, and the tests point
``GITHUB_API_URL`` (which GitHub Actions sets too) at a stub server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from deploy.errors import DeployError  # not deploy.aws: no boto3 for the GitHub steps

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
PAGE = 100  # the most a REST listing returns per page


@dataclass(frozen=True)
class PullRequest:
    """What the preview lifecycle depends on."""

    number: int
    state: str  # "open" / "closed"
    labels: tuple[str, ...]
    head_repo: str | None  # "owner/name" of the branch; None when the fork was deleted
    base_repo: str | None

    @property
    def open(self) -> bool:
        return self.state == "open"

    @property
    def same_repository(self) -> bool:
        return self.head_repo is not None and self.head_repo == self.base_repo

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> PullRequest:
        head = (doc.get("head") or {}).get("repo") or {}
        base = (doc.get("base") or {}).get("repo") or {}
        return cls(
            number=int(doc["number"]),
            state=str(doc.get("state", "")),
            labels=tuple(str(label.get("name", "")) for label in doc.get("labels") or []),
            head_repo=head.get("full_name"),
            base_repo=base.get("full_name"),
        )


def _scope(path: str) -> str:
    """The GITHUB_TOKEN permission a path needs (job `permissions:`), for a refusal's hint:
    judged by what follows ``/repos/OWNER/REPO``, never by the names in it (a repository
    called ``commits-app`` asks nothing of ``contents``)."""
    endpoint = _REPO_PREFIX.sub("", path.split("?", 1)[0], count=1)
    if endpoint.startswith("/deployments"):
        return "deployments"
    if endpoint.startswith("/actions/"):
        return "actions"
    if endpoint.startswith(("/compare/", "/commits")):
        return "contents"
    return "pull-requests"


_REPO_PREFIX = re.compile(r"^/repos/[^/]+/[^/]+")


class GitHub:
    """A token (or none, for public repositories) and the API's base URL."""

    def __init__(self, token: str | None = None, api_url: str | None = None) -> None:
        self.token = token if token is not None else os.environ.get("GITHUB_TOKEN")
        self.api_url = (api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")

    def get(self, path: str, timeout: float = 15.0) -> Any:
        """GET a REST path; None on 404; DeployError with GitHub's message otherwise."""
        return self._call("GET", path, None, timeout)

    def _call(self, method: str, path: str, body: dict[str, Any] | None, timeout: float) -> Any:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "trends-anomaly-gitops-deploy",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(
            f"{self.api_url}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            said = err.read()[:300].decode(errors="replace")
            access = "read" if method == "GET" else "write"
            hint = (
                f" (a token with {_scope(path)}: {access} is needed; GITHUB_TOKEN in a workflow)"
                if err.code in (401, 403)
                else ""
            )
            raise DeployError(f"GitHub {method} {path} → {err.code}: {said}{hint}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as err:
            raise DeployError(f"GitHub {method} {path}: {err}") from None

    def pull_request(self, repo: str, number: int) -> PullRequest | None:
        """The pull request, None when it does not exist (or the token cannot see it)."""
        doc = self.get(f"/repos/{repo}/pulls/{number}")
        return PullRequest.from_json(dict(doc)) if doc is not None else None

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Every comment of the pull request's conversation, oldest first (pages of 100)."""
        out: list[dict[str, Any]] = []
        for page in range(1, 100):  # 9,900 comments: GitHub's own cap is lower
            path = f"/repos/{repo}/issues/{number}/comments?per_page={PAGE}&page={page}"
            got = self.get(path) or []
            out.extend(got)
            if len(got) < PAGE:
                break
        return out

    def edit_comment(self, repo: str, comment_id: int, body: str) -> bool:
        """Rewrite a comment; False when it is gone."""
        path = f"/repos/{repo}/issues/comments/{comment_id}"
        return self._call("PATCH", path, {"body": body}, 15.0) is not None

    def deployments(self, repo: str, environment: str) -> list[dict[str, Any]]:
        """The environment's newest deployments (one page of 100, newest first; GitHub Actions
        creates one per job run that names the environment). A 404 (no such repository, or a
        token that cannot see it) raises: "nothing deployed" must not be guessed from it."""
        query = urllib.parse.urlencode({"environment": environment, "per_page": PAGE})
        path = f"/repos/{repo}/deployments?{query}"
        got = self.get(path)
        if got is None:
            raise DeployError(f"GitHub GET {path} → 404 (no such repository, or not visible)")
        return list(got)

    def deployment_statuses(self, repo: str, deployment_id: int) -> list[dict[str, Any]]:
        """A deployment's statuses, newest first (queued, in_progress, success, inactive...)."""
        got = self.get(f"/repos/{repo}/deployments/{deployment_id}/statuses?per_page={PAGE}")
        return list(got or [])

    def workflow_run(self, repo: str, run_id: int) -> dict[str, Any] | None:
        """A workflow run (its ``path``: which workflow file; ``event``), None when it is gone
        (runs can be deleted); ``actions: read``."""
        got = self.get(f"/repos/{repo}/actions/runs/{run_id}")
        return dict(got) if got is not None else None

    def workflow_job(self, repo: str, job_id: int) -> dict[str, Any] | None:
        """A workflow job (its ``run_id``, ``check_run_url``), None when it is gone;
        ``actions: read``."""
        got = self.get(f"/repos/{repo}/actions/jobs/{job_id}")
        return dict(got) if got is not None else None

    def history(self, repo: str, sha: str) -> list[str]:
        """The commit and its newest ancestors (one page of 100, newest first: GET
        /commits?sha=); one request tells which deployed commits are behind it, where a
        compare asks one. Raises when GitHub does not have the commit."""
        path = f"/repos/{repo}/commits?sha={sha}&per_page={PAGE}"
        got = self.get(path)
        if got is None:
            raise DeployError(f"GitHub GET {path} → 404 (a commit GitHub does not have)")
        return [str(c.get("sha") or "") for c in got]

    def compare(self, repo: str, base: str, head: str) -> str:
        """``ahead`` (head has every commit of base, and more), ``behind``, ``identical`` or
        ``diverged``: GET /compare/{base}...{head}'s ``status``. Raises when either is unknown."""
        path = f"/repos/{repo}/compare/{base}...{head}?per_page=1"
        got = self.get(path)
        if not got or "status" not in got:
            raise DeployError(f"GitHub GET {path} → no comparison (a commit GitHub does not have)")
        return str(got["status"])
