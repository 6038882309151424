"""The few GitHub REST calls deploy makes: a pull request's state, for the preview sweep.

Stdlib HTTP only (urllib): the sweep runs in a workflow with GITHUB_TOKEN, and the tests point
``GITHUB_API_URL`` (which GitHub Actions sets too) at a stub server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from deploy.aws import DeployError

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"


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


class GitHub:
    """A token (or none, for public repositories) and the API's base URL."""

    def __init__(self, token: str | None = None, api_url: str | None = None) -> None:
        self.token = token if token is not None else os.environ.get("GITHUB_TOKEN")
        self.api_url = (api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")

    def get(self, path: str, timeout: float = 15.0) -> dict[str, Any] | None:
        """GET a REST path; None on 404; DeployError with GitHub's message otherwise."""
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "trends-anomaly-gitops-deploy",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(f"{self.api_url}{path}", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return dict(json.loads(resp.read() or b"{}"))
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            body = err.read()[:300].decode(errors="replace")
            hint = (
                " (a token with pull-requests: read is needed; GITHUB_TOKEN in a workflow)"
                if err.code in (401, 403)
                else ""
            )
            raise DeployError(f"GitHub GET {path} → {err.code}: {body}{hint}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as err:
            raise DeployError(f"GitHub GET {path}: {err}") from None

    def pull_request(self, repo: str, number: int) -> PullRequest | None:
        """The pull request, None when it does not exist (or the token cannot see it)."""
        doc = self.get(f"/repos/{repo}/pulls/{number}")
        return PullRequest.from_json(doc) if doc is not None else None
