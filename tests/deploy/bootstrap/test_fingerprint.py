"""The hash bootstrap tags each GitHub role with: what the commit's policies.py and config.yaml
decide, not bootstrap's command line nor the account (plan knows neither)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deploy.bootstrap import policies
from deploy.bootstrap.fingerprint import TAG, expected, stamped

T = policies.Target("trends-anomaly", "us-east-1", "123456789012", "octo/trends")


def test_each_role_is_stamped_with_its_own_hash() -> None:
    sums = expected(T)
    assert list(sums) == [T.plan_role_name, T.deploy_role_name]
    assert len(set(sums.values())) == 2 and all(len(s) == 64 for s in sums.values())
    for role in stamped(T):
        assert role.tags == {**policies.tags(T), TAG: sums[role.name]}
        (spec,) = [r for r in policies.github_roles(T) if r.name == role.name]
        assert (role.trust, role.policy) == (spec.trust, None)  # only the tag added


@pytest.mark.parametrize(
    "what",
    [
        {"account": "210987654321"},
        {"account": "${AWS::AccountId}"},  # the CloudFormation template's
        {"github_repo": "fork/trends", "subject_prefix": "repo:fork@1/trends@2"},
        {"branch": "release", "environment": "prod"},
    ],
)
def test_what_plan_cannot_know_leaves_the_hash_alone(what: dict[str, str]) -> None:
    assert expected(replace(T, **what)) == expected(T)


def test_config_and_policies_change_the_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    before = expected(T)
    staged = expected(replace(T, environments=("staging", "production")))
    assert staged[T.deploy_role_name] != before[T.deploy_role_name]
    with_previews = expected(replace(T, previews=True))
    assert set(with_previews) == {T.plan_role_name, T.deploy_role_name, T.preview_role_name}
    assert with_previews[T.plan_role_name] != before[T.plan_role_name]  # reads the previews'
    boundary = policies.preview_boundary_policy

    def wider(t: policies.Target) -> policies.Policy:
        doc = boundary(t)
        return {**doc, "Statement": [*doc["Statement"], {"Effect": "Allow", "Action": "*"}]}

    monkeypatch.setattr(policies, "preview_boundary_policy", wider)
    changed = expected(replace(T, previews=True))
    assert changed[T.preview_role_name] != with_previews[T.preview_role_name]  # its boundary
    assert changed[T.deploy_role_name] == with_previews[T.deploy_role_name]
    monkeypatch.setattr(policies, "DEPLOY_SESSION_SECONDS", 3600)  # its sessions' length
    assert expected(T)[T.deploy_role_name] != before[T.deploy_role_name]
    assert expected(T)[T.plan_role_name] == before[T.plan_role_name]


def test_the_deploy_roles_hash_covers_the_deployments_boundaries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deploy role may create and change its stacks' roles only with their boundary: a
    boundary that changes (or a deploy role bootstrapped before there was one) needs bootstrap
    again, and plan must say so (deploy/bootstrap_version.py), in its usual words."""
    before = expected(T)
    boundary = policies.role_boundary_policy

    def wider(t: policies.Target, d: object) -> policies.Policy:
        doc = boundary(t, d)
        return {**doc, "Statement": [*doc["Statement"], {"Effect": "Allow", "Action": "*"}]}

    monkeypatch.setattr(policies, "role_boundary_policy", wider)
    changed = expected(T)
    assert changed[T.deploy_role_name] != before[T.deploy_role_name]
    assert changed[T.plan_role_name] == before[T.plan_role_name]
