"""The repository's OIDC subject, read from a stub of GitHub's REST API on 127.0.0.1.

The stub answers the two endpoints bootstrap reads with the shapes GitHub sends (including the
field combinations seen in public repositories: an immutable ``sub_claim_prefix`` next to
``use_immutable_subject: false``), over real HTTP through bootstrap's own client.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from deploy.bootstrap import github
from deploy.bootstrap.cli import main
from deploy.bootstrap.github import GitHubError, subject_of
from devstack.http_thread import POLL_S

REPO = "octo/trends"
REPO_JSON = {"id": 5678, "full_name": REPO, "owner": {"login": "octo", "id": 1234}}


class StubGitHub:
    """Answers GET paths from ``routes`` (404 otherwise); records the requests' headers."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.seen.append((self.path, dict(self.headers)))
                body = stub.routes.get(self.path)
                self.send_response(404 if body is None else 200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body or {"message": "Not Found"}).encode())

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def gh(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubGitHub]:
    stub = StubGitHub()
    thread = threading.Thread(target=stub.server.serve_forever, args=(POLL_S,), daemon=True)
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", stub.url)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test")
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


CUSTOM = f"/repos/{REPO}/actions/oidc/customization/sub"


def test_the_prefix_github_states_wins_over_its_boolean(gh: StubGitHub) -> None:
    gh.routes[CUSTOM] = {
        "use_default": True,
        "use_immutable_subject": False,  # seen together with an immutable prefix
        "sub_claim_prefix": "repo:octo@1234/trends@5678",
    }
    subject = subject_of(REPO)
    assert subject.prefix == "repo:octo@1234/trends@5678" and subject.immutable
    path, raw = gh.seen[0]
    headers = {k.lower(): v for k, v in raw.items()}
    assert path == CUSTOM and headers["authorization"] == "Bearer ghp_test"
    assert headers["x-github-api-version"] == github.API_VERSION


def test_a_legacy_prefix_from_github_is_kept(gh: StubGitHub) -> None:
    gh.routes[CUSTOM] = {"use_default": True, "sub_claim_prefix": "repo:octo/trends"}
    assert subject_of(REPO).prefix == "repo:octo/trends"
    with pytest.raises(GitHubError, match="legacy subjects"):
        subject_of(REPO, "immutable")


def test_without_a_prefix_the_ids_make_the_immutable_subject(gh: StubGitHub) -> None:
    gh.routes[CUSTOM] = {"use_default": True}  # an older API version: no prefix field
    gh.routes[f"/repos/{REPO}"] = REPO_JSON
    assert subject_of(REPO).prefix == "repo:octo@1234/trends@5678"
    del gh.routes[CUSTOM]  # the customization endpoint refused (404)
    assert subject_of(REPO).prefix == "repo:octo@1234/trends@5678"


def test_a_customized_subject_is_refused_with_the_fix(gh: StubGitHub) -> None:
    gh.routes[CUSTOM] = {"use_default": False, "include_claim_keys": ["repo", "context"]}
    with pytest.raises(GitHubError, match="use_default=true"):
        subject_of(REPO)


def test_an_unknown_repository_says_which_options_to_pass(gh: StubGitHub) -> None:
    with pytest.raises(GitHubError, match="--owner-id and --repo-id"):
        subject_of(REPO)


def test_options_need_no_github() -> None:
    def no_network(url: str) -> Any:
        raise AssertionError(f"asked GitHub for {url}")

    assert subject_of(REPO, "legacy", fetch=no_network).prefix == "repo:octo/trends"
    got = subject_of(REPO, "auto", "1", "2", fetch=no_network)
    assert got.prefix == "repo:octo@1/trends@2"


def test_unreachable_github_is_a_clear_error() -> None:
    def down(url: str) -> Any:
        raise OSError("Name or service not known")

    with pytest.raises(GitHubError, match="cannot read octo/trends from GitHub"):
        subject_of(REPO, fetch=down)


def test_bootstrap_writes_immutable_subjects_from_github(
    gh: StubGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.routes[CUSTOM] = {"use_default": True, "sub_claim_prefix": "repo:octo@1234/trends@5678"}
    config = tmp_path / "config.yaml"
    config.write_text("project: bootproj\nregion: eu-west-1\n", encoding="utf-8")
    assert main(["--github-repo", REPO, "--config", str(config), "--print"]) == 0
    out, err = capsys.readouterr()
    template = json.loads(out)
    trust = template["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]
    cond = trust["Statement"][0]["Condition"]["StringEquals"]
    assert cond["token.actions.githubusercontent.com:sub"] == [
        "repo:octo@1234/trends@5678:environment:production"
    ]
    assert cond["token.actions.githubusercontent.com:ref"] == "refs/heads/main"
    plan = template["Resources"]["PlanRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert plan["Statement"][0]["Condition"]["StringEquals"][
        "token.actions.githubusercontent.com:sub"
    ] == [
        "repo:octo@1234/trends@5678:pull_request",
        "repo:octo@1234/trends@5678:ref:refs/heads/main",
    ]
    assert "environments/production/deployment-branch-policies -f name=main" in err


def test_bootstrap_stops_when_github_cannot_tell(
    gh: StubGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("project: bootproj\nregion: eu-west-1\n", encoding="utf-8")
    assert main(["--github-repo", REPO, "--config", str(config), "--print"]) == 1
    assert "--owner-id and --repo-id" in capsys.readouterr().err
