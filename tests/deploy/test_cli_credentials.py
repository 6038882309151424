"""Credentials that do not work, as an engineer meets them: `plan` says which failure it is
and the one step that fixes it, in one line with exit code 1, never a traceback.

Expired (an SSO session, a role's keys), unknown (a key AWS does not know, a secret that
does not match it) and refused (a grant missing) each have their own fix; all three were told
"the credentials may not make this call: the workflows' roles come from bootstrap". AWS's
refusals come from the moto server with its authentication on (moto checks keys against its
IAM users); the credential chain's own errors from real botocore reading a temporary
AWS_CONFIG_FILE and SSO token cache.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import boto3
import pytest

from deploy.cli import main
from tests.deploy.deploy_helpers import IMAGE
from tests.support.refusals import refuse
from tests.support.sso_profiles import START_URL, expired_token, sso_config

pytestmark = pytest.mark.usefixtures("aws_env")
WRONG_ADVICE = "the workflows' roles come from"  # the DENIED hint: a grant fixes none of these


def _plan(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """plan's stderr, one line, after it exits 1."""
    capsys.readouterr()
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", IMAGE]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err.count("\n") == 1, captured.err
    return captured.err


def _moto_auth(url: str, count: str) -> None:
    """moto checks every request's key and signature after ``count`` more requests ("inf":
    never, its default)."""
    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    urllib.request.urlopen(request, timeout=10).read()


def _keys(monkeypatch: pytest.MonkeyPatch, key_id: str, secret: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.delenv("AWS_SESSION_TOKEN")


def _user_key() -> tuple[str, str]:
    """An IAM user's access key in moto, made before moto checks keys."""
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="engineer")
    key = iam.create_access_key(UserName="engineer")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_an_access_key_aws_does_not_know_says_check_the_key(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _keys(monkeypatch, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    err = _plan_with_auth(project, capsys)
    assert err.startswith("error: AWS GetCallerIdentity: ")
    assert "(InvalidClientTokenId)" in err
    assert "AWS does not know the credentials' access key" in err
    assert "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in err
    assert WRONG_ADVICE not in err


def test_a_secret_that_does_not_match_its_key_says_check_the_key(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key_id, _ = _user_key()
    _keys(monkeypatch, key_id, "not-the-secret-of-that-key")
    err = _plan_with_auth(project, capsys)
    assert "(SignatureDoesNotMatch)" in err
    assert "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in err
    assert WRONG_ADVICE not in err


def test_a_read_refused_is_denied_and_names_the_roles(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one of the three a grant fixes keeps its hint, now said outside the engine's steps
    too (plan's reads said AWS's words alone). (moto's own checks answer CloudFront's calls
    with no error code at all: AWS's refusal is given instead.)"""
    denied = "User: arn:aws:iam::123456789012:user/engineer is not authorized to perform: x"
    refuse(monkeypatch, "iam", "GetRole", "AccessDenied", denied)
    err = _plan(project, capsys)
    assert "(AccessDenied)" in err
    assert "the credentials may not make this call" in err and WRONG_ADVICE in err


def _plan_with_auth(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`_plan` while moto checks keys (turned on after the test's IAM user was made)."""
    url = os.environ["AWS_ENDPOINT_URL"]
    _moto_auth(url, "0")
    try:
        return _plan(project, capsys)
    finally:
        _moto_auth(url, "inf")


def test_an_expired_token_says_sign_in_again(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto never expires a token: STS's own answer, given to the first call."""
    refuse(
        monkeypatch,
        "sts",
        "GetCallerIdentity",
        "ExpiredToken",
        "The security token included in the request is expired",
    )
    err = _plan(project, capsys)
    assert "(ExpiredToken)" in err and "the credentials have expired" in err
    assert "run `aws sso login`" in err and "re-run the job" in err
    assert WRONG_ADVICE not in err


# --- the credential chain: botocore refuses before any request --------------------------------


@pytest.mark.parametrize(
    ("profile", "cached", "botocore_said"),
    [
        ("legacy", False, "Error loading SSO Token: Token for"),  # never signed in
        ("dev", False, "Error loading SSO Token: Token for corp does not exist"),
        ("legacy", True, "The SSO session associated with this profile has expired"),
        ("dev", True, "Error when retrieving token from sso: Token has expired"),
    ],
)
def test_an_sso_profile_without_a_live_login_says_aws_sso_login_with_it(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    profile: str,
    cached: bool,
    botocore_said: str,
) -> None:
    cache = sso_config(tmp_path, monkeypatch)
    if cached:
        expired_token(cache, START_URL if profile == "legacy" else "corp", profile == "dev")
    monkeypatch.setenv("AWS_PROFILE", profile)
    err = _plan(project, capsys)
    assert err.startswith("error: AWS: ") and botocore_said in err
    assert f"run `aws sso login --profile {profile}`" in err
    assert WRONG_ADVICE not in err


def test_a_profile_that_is_not_there_says_how_to_make_one(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    err = _plan(project, capsys)
    assert "The config profile (nosuch) could not be found" in err
    assert "set AWS_PROFILE to a profile of ~/.aws/config (`aws configure sso`" in err


def test_a_key_without_its_secret_says_set_both(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    err = _plan(project, capsys)
    assert "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY" in err
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in err
