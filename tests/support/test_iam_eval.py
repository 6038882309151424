"""The test-only IAM evaluator must itself be right, or the policy tests prove nothing."""

from __future__ import annotations

import pytest

from tests.support.iam_eval import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, evaluate, glob_match


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_glob_star_question_mark_and_literal_brackets() -> None:
    assert glob_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y")
    assert glob_match("model/p-m-????????", "model/p-m-0123abcd")
    assert not glob_match("model/p-m-????????", "model/p-m-m-0123abcd")
    assert not glob_match("a[bc]", "ab")  # IAM has no character classes
    assert glob_match("a[bc]", "a[bc]")
    assert not glob_match("Arn:*", "arn:x")  # resources are case-sensitive
    assert glob_match("S3:Get*", "s3:GetObject", case_sensitive=False)


def test_allow_needs_action_and_resource_match() -> None:
    p = _policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"})
    assert evaluate(p, "s3:GetObject", "arn:aws:s3:::b/k") == ALLOW
    assert evaluate(p, "S3:getobject", "arn:aws:s3:::b/k") == ALLOW
    assert evaluate(p, "s3:PutObject", "arn:aws:s3:::b/k") == IMPLICIT_DENY
    assert evaluate(p, "s3:GetObject", "arn:aws:s3:::other/k") == IMPLICIT_DENY


def test_explicit_deny_wins_and_not_action() -> None:
    p = _policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "*"},
    )
    assert evaluate(p, "s3:GetObject", "x") == ALLOW
    assert evaluate(p, "s3:PutObject", "x") == EXPLICIT_DENY


def test_conditions_all_keys_must_hold_and_missing_key_fails() -> None:
    p = _policy(
        {
            "Effect": "Allow",
            "Action": "x:Do",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:ResourceTag/project": "p", "k:aud": ["a", "b"]},
                "StringLike": {"k:sub": "repo:o/n:*"},
            },
        }
    )
    good = {"aws:ResourceTag/project": "p", "k:aud": "b", "k:sub": "repo:o/n:pull_request"}
    assert evaluate(p, "x:Do", "r", good) == ALLOW
    assert evaluate(p, "x:Do", "r", {**good, "aws:ResourceTag/project": "q"}) == IMPLICIT_DENY
    assert evaluate(p, "x:Do", "r", {**good, "k:sub": "repo:o/other:x"}) == IMPLICIT_DENY
    missing = {k: v for k, v in good.items() if k != "k:aud"}
    assert evaluate(p, "x:Do", "r", missing) == IMPLICIT_DENY


def test_null_asks_whether_the_key_is_absent() -> None:
    """IAM User Guide, "Condition operators", Null: "true" when the key is absent from the
    request context, "false" when it is present (whatever its value)."""
    absent = _policy(
        {
            "Effect": "Allow",
            "Action": "x:Do",
            "Resource": "*",
            "Condition": {"Null": {"aws:ResourceTag/project": "true"}},
        }
    )
    assert evaluate(absent, "x:Do", "r", {}) == ALLOW
    assert evaluate(absent, "x:Do", "r", {"aws:ResourceTag/project": "p"}) == IMPLICIT_DENY
    assert evaluate(absent, "x:Do", "r", {"aws:resourcetag/PROJECT": ""}) == IMPLICIT_DENY
    present = _policy(
        {
            "Effect": "Allow",
            "Action": "x:Do",
            "Resource": "*",
            "Condition": {"Null": {"k:v": "false"}},
        }
    )
    assert evaluate(present, "x:Do", "r", {"k:v": "any"}) == ALLOW
    assert evaluate(present, "x:Do", "r", {}) == IMPLICIT_DENY


def test_negated_operator_and_unknown_operator() -> None:
    p = _policy(
        {
            "Effect": "Allow",
            "Action": "x:Do",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"k:v": "bad"}},
        }
    )
    assert evaluate(p, "x:Do", "r", {"k:v": "good"}) == ALLOW
    assert evaluate(p, "x:Do", "r", {"k:v": "bad"}) == IMPLICIT_DENY
    assert evaluate(p, "x:Do", "r", {}) == ALLOW
    weird = _policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {}}}
    )
    with pytest.raises(NotImplementedError):
        evaluate(weird, "x:Do", "r")


def test_http_api_children_carry_no_tags_in_the_request_context() -> None:
    from tests.support.iam_eval import apigateway_context

    api = "arn:aws:apigateway:us-east-1::/apis/a1b2c3d4e5"
    stage = f"{api}/stages/$default"
    tags = {api: {"project": "p"}, stage: {"project": "p"}}
    assert apigateway_context(api, tags) == {"aws:ResourceTag/project": "p"}
    assert apigateway_context(stage, tags) == {"aws:ResourceTag/project": "p"}
    for child in ("routes", "routes/r1", "integrations/i1", "deployments", "stages"):
        assert apigateway_context(f"{api}/{child}", tags) == {}, child
    assert apigateway_context(f"{api}/routes", tags, {"project": "p"}) == {
        "aws:RequestTag/project": "p"
    }
