"""deploy.github_api against a REST stand-in on 127.0.0.1 (tests/support/github_stub.py)."""

from __future__ import annotations

import pytest

from deploy.aws import DeployError
from deploy.github_api import GitHub
from tests.support.github_stub import github_stub, pull


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
