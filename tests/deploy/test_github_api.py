"""deploy.github_api against a REST stand-in on 127.0.0.1 (tests/support/github_stub.py)."""

from __future__ import annotations

import pytest

from deploy.aws import DeployError
from deploy.github_api import GitHub
from tests.support.github_stub import comment, github_stub, pull


def test_a_pull_requests_state_labels_and_head() -> None:
    with github_stub(token="t0ken") as stub:
        stub.add(pull(7, labels=("preview", "bug")))
        stub.add(pull(8, head_repo="fork/trends", state="closed", labels=()))
        gh = GitHub(token="t0ken", api_url=stub.url)
        seven = gh.pull_request("octo/trends", 7)
        eight = gh.pull_request("octo/trends", 8)
        assert seven is not None and eight is not None
        assert seven.open and seven.labels == ("preview", "bug") and seven.same_repository
        assert not eight.open and not eight.same_repository
        assert gh.pull_request("octo/trends", 9) is None
        assert stub.requests[0] == ("/repos/octo/trends/pulls/7", "Bearer t0ken")


def test_a_deleted_fork_is_not_this_repository() -> None:
    with github_stub() as stub:
        stub.add(pull(3, head_repo=""))
        got = GitHub(token="", api_url=stub.url).pull_request("octo/trends", 3)
        assert got is not None and got.head_repo is None and not got.same_repository


def test_refusals_say_what_token_is_needed() -> None:
    with github_stub(token="right") as stub:
        stub.add(pull(7))
        with pytest.raises(DeployError, match=r"401.*pull-requests: read"):
            GitHub(token="wrong", api_url=stub.url).pull_request("octo/trends", 7)
    with pytest.raises(DeployError, match="GitHub GET"):
        GitHub(token="", api_url="http://127.0.0.1:9").pull_request("octo/trends", 7)


def test_a_pull_requests_comments_are_read_page_by_page_and_one_is_rewritten() -> None:
    with github_stub(token="t0ken") as stub:
        stub.add(pull(7))
        ids = [stub.add_comment(7, comment(f"c{i}")) for i in range(101)]
        gh = GitHub(token="t0ken", api_url=stub.url)
        got = gh.comments("octo/trends", 7)
        assert [c["id"] for c in got] == ids and got[100]["body"] == "c100"
        assert gh.comments("octo/trends", 9) == []  # no such pull request
        assert gh.edit_comment("octo/trends", ids[3], "new") is True
        assert stub.comments[("octo/trends", 7)][3]["body"] == "new"
        assert stub.edits == [(f"/repos/octo/trends/issues/comments/{ids[3]}", {"body": "new"})]
        assert gh.edit_comment("octo/trends", 1, "x") is False  # gone
        stub.read_only = True
        with pytest.raises(DeployError, match=r"PATCH .* 403.*pull-requests: write"):
            gh.edit_comment("octo/trends", ids[3], "newer")


def test_an_environments_deployments_their_statuses_and_a_compare() -> None:
    a, b, c = "a" * 40, "b" * 40, "c" * 40
    with github_stub(token="t0ken") as stub:
        stub.commit(a)
        stub.commit(b, a)
        stub.commit(c, b)
        old = stub.deploy("production", a, "queued", "in_progress", "success", run=5)
        new = stub.deploy("production", c, "queued", "in_progress")
        stub.deploy("staging", b, "success")
        gh = GitHub(token="t0ken", api_url=stub.url)
        listed = gh.deployments("octo/trends", "production")
        assert [(d["id"], d["sha"]) for d in listed] == [(new, c), (old, a)]  # newest first
        assert [s["state"] for s in gh.deployment_statuses("octo/trends", old)] == [
            "success", "in_progress", "queued"
        ]  # fmt: skip
        assert gh.deployment_statuses("octo/trends", 99999) == []
        assert gh.compare("octo/trends", b, c) == "ahead"
        assert gh.compare("octo/trends", b, a) == "behind"
        assert gh.compare("octo/trends", b, b) == "identical"
        assert (
            stub.requests[0][0]
            == "/repos/octo/trends/deployments?environment=production&per_page=100"
        )
        with pytest.raises(DeployError, match="no comparison"):
            gh.compare("octo/trends", b, "d" * 40)


def test_a_workflow_run_says_which_workflow_and_needs_actions_read() -> None:
    with github_stub(token="t0ken") as stub:
        stub.deploy("production", "a" * 40, "success", run=90, workflow="teardown.yml")
        gh = GitHub(token="t0ken", api_url=stub.url)
        run = gh.workflow_run("octo/trends", 90)
        assert run is not None and run["path"].endswith("/teardown.yml@refs/heads/main")
        assert stub.requests[-1][0] == "/repos/octo/trends/actions/runs/90"
        assert gh.workflow_run("octo/trends", 12345) is None  # deleted: no such run
        stub.actions_forbidden = True
        with pytest.raises(DeployError, match=r"403.*actions: read"):
            gh.workflow_run("octo/trends", 90)


def test_deployments_unreadable_raise_and_say_the_permission() -> None:
    with github_stub(token="t0ken") as stub:
        stub.deployments_forbidden = True
        gh = GitHub(token="t0ken", api_url=stub.url)
        with pytest.raises(DeployError, match=r"403.*deployments: read"):
            gh.deployments("octo/trends", "production")
        stub.deployments_forbidden = False
        with pytest.raises(DeployError, match=r"404"):  # "nothing deployed" is never guessed
            GitHub(token="t0ken", api_url=stub.url).deployments("nobody/else", "production")


@pytest.mark.parametrize("repo", ["octo/commits-app", "octo/deployments", "actions/trends"])
def test_the_permission_named_follows_the_endpoint_not_the_repositorys_name(repo: str) -> None:
    """A 401 on a pull request asks for pull-requests: read, whatever the owner or repository
    is called (a repository named commits-app was told contents: read)."""
    with github_stub(token="right") as stub:
        stub.add(pull(7))
        with pytest.raises(DeployError, match=r"401.*pull-requests: read"):
            GitHub(token="wrong", api_url=stub.url).pull_request(repo, 7)
