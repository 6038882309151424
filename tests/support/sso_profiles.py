"""SSO profiles for real botocore, as `aws configure sso` writes them: a temporary
AWS_CONFIG_FILE with a legacy-form profile (``legacy``) and an sso-session one (``dev``, session
``corp``), and botocore's token cache pointed at a temporary directory, with or without a
token `aws sso login` cached long ago. No request is made: botocore refuses first."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import botocore.credentials
import botocore.tokens
import pytest

START_URL = "https://example.awsapps.com/start"


def sso_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two SSO profiles (the legacy form and an sso-session) in a temporary AWS_CONFIG_FILE,
    and a temporary token cache for botocore's ~/.aws/sso/cache; no keys in the env."""
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile legacy]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n"
        "region = us-east-1\n\n"
        "[profile dev]\n"
        "sso_session = corp\n"
        "sso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n"
        "[sso-session corp]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    )
    cache = tmp_path / "sso-cache"
    cache.mkdir()
    # botocore reads ~ once, when imported: its two readers of the cache are pointed here.
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    return cache


def expired_token(cache: Path, key: str, refreshable: bool) -> None:
    """A token `aws sso login` cached long ago (botocore names the file by sha1 of the start
    URL, or of the sso-session's name)."""
    token = {
        "startUrl": START_URL,
        "region": "us-east-1",
        "accessToken": "old",
        "expiresAt": "2020-01-01T00:00:00Z",
    }
    if refreshable:
        token |= {
            "clientId": "c",
            "clientSecret": "s",
            "registrationExpiresAt": "2020-01-01T00:00:00Z",
            "refreshToken": "r",
        }
    name = hashlib.sha1(key.encode()).hexdigest()  # botocore's file name
    (cache / f"{name}.json").write_text(json.dumps(token))
