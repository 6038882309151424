"""Plan → text / markdown / JSON: every form shows the steps apply will run."""

from __future__ import annotations

import json

from deploy import render
from deploy.aws_errors import ErrorKind
from deploy.plan import Action, Call, Change, Wait

ACTIONS = [
    Action("noop", "iam_role", "r", "up to date"),
    Action(
        "create",
        "endpoint_config",
        "p-c-2",
        "new version of p-c-1: variant.instance_type",
        (Change("variant.instance_type", "ml.m5.large", "ml.c5.xlarge"),),
        (Call("sagemaker", "CreateEndpointConfig", {"EndpointConfigName": "p-c-2"}),),
    ),
    Action(
        "update",
        "endpoint",
        "p",
        "switch endpoint from p-c-1 to p-c-2",
        (Change("config", "p-c-1", "p-c-2"),),
        (
            Call("sagemaker", "UpdateEndpoint", {"EndpointName": "p"}),
            Wait("endpoint p is InService on p-c-2", lambda aws: (True, ""), 1800),
        ),
    ),
    Action(
        "delete",
        "endpoint_config",
        "p-c-0",
        "superseded | kept",
        steps=(Call("sagemaker", "DeleteEndpointConfig", {}, ok_if=frozenset({ErrorKind.GONE})),),
        phase="after",
    ),
]


def test_text_shows_changes_and_steps() -> None:
    text = render.text(ACTIONS, "Project p:")
    assert text.splitlines()[0] == "Project p:"
    assert "+ create  endpoint_config   p-c-2  (new version of p-c-1" in text
    assert "variant.instance_type: ml.m5.large → ml.c5.xlarge" in text
    assert "▸ sagemaker:UpdateEndpoint" in text
    assert "▸ wait until endpoint p is InService on p-c-2 (up to 1800 s)" in text
    assert "▸ sagemaker:DeleteEndpointConfig (done if already gone)" in text
    assert "iam_role" not in text and "iam_role" in render.text(ACTIONS, verbose=True)
    assert text.splitlines()[-1] == "Plan: 1 to create, 1 to update, 1 to delete; 1 unchanged."


def test_markdown_for_the_pull_request() -> None:
    md = render.markdown(ACTIONS, "Project p:")
    assert md.startswith("### Deploy plan") and "| ~ | update | endpoint | `p` |" in md
    assert "superseded \\| kept" in md  # a | in a reason does not break the table
    assert "<summary>Steps apply will run</summary>" in md
    assert "    sagemaker:UpdateEndpoint" in md and "- iam_role `r`" in md


def test_json_for_machines() -> None:
    doc = json.loads(render.as_json(ACTIONS, {"project": "p"}))
    assert doc["changes"] is True and doc["project"] == "p"
    assert doc["counts"] == {
        "create": 1,
        "update": 1,
        "replace": 0,
        "delete": 1,
        "wait": 0,
        "noop": 1,
    }
    update = doc["actions"][2]
    assert update["type"] == "endpoint" and update["steps"][0] == {
        "call": "sagemaker:UpdateEndpoint",
        "params": {"EndpointName": "p"},
    }
    assert update["steps"][1] == {
        "wait": "wait until endpoint p is InService on p-c-2 (up to 1800 s)"
    }


def test_nothing_to_do_reads_so() -> None:
    same = [Action("noop", "iam_role", "r", "up to date")]
    assert render.summary_line(same).startswith("No changes")
    assert json.loads(render.as_json(same))["changes"] is False
    waiting = [Action("wait", "endpoint", "p", "endpoint is Updating on c: wait")]
    assert render.summary_line(waiting) == "Plan: 1 to wait for; 0 unchanged."


def test_a_nested_change_shows_the_keys_that_differ() -> None:
    cors = Change(
        "cors",
        {"allow_headers": ["content-type"], "allow_origins": ["http://a"], "max_age": 1},
        {"allow_headers": ["content-type"], "allow_origins": ["https://b"], "max_age": 1},
    )
    text = render.text([Action("update", "http_api", "p", "changed: cors", (cors,))])
    assert 'cors.allow_origins (removed → added): ["http://a"] → ["https://b"]' in text
    assert "allow_headers" not in text
    assert render.change_lines(Change("x", {"a": 1}, {"a": 1})) == [("x", {"a": 1}, {"a": 1})]
    assert render.change_lines(Change("x", ["a", "b"], ["b", "a"])) == [
        ("x", ["a", "b"], ["b", "a"])
    ]
    assert render.change_lines(Change("x", None, ["a"])) == [("x", None, ["a"])]


def test_a_policy_change_shows_the_statement_field_that_differs() -> None:
    """A role's policy whose region changed (the ARNs, past the first 90 characters) must show
    the ARN before and after, not two truncated statements that read the same."""

    def policy(region: str) -> dict[str, object]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "InvokeThisEndpoint",
                    "Action": "sagemaker:InvokeEndpoint",
                    "Effect": "Allow",
                    "Resource": f"arn:aws:sagemaker:{region}:123456789012:endpoint/trends-anomaly",
                },
                {"Action": "logs:PutLogEvents", "Effect": "Allow", "Resource": "*"},
            ],
        }

    change = Change("policy", policy("us-east-1"), policy("eu-west-1"))
    text = render.text([Action("update", "iam_role", "p-lambda", "changed: policy", (change,))])
    assert (
        "policy.Statement[0].Resource: arn:aws:sagemaker:us-east-1:123456789012:endpoint/"
        "trends-anomaly → arn:aws:sagemaker:eu-west-1:123456789012:endpoint/trends-anomaly"
    ) in text
    assert "Statement[1]" not in text  # unchanged statements are left out
    # A statement added or removed changes the list's length: shown whole, as before.
    grown = Change("s", [{"a": 1}], [{"a": 1}, {"b": 2}])
    assert render.change_lines(grown) == [("s", [{"a": 1}], [{"a": 1}, {"b": 2}])]


def test_names_stay_in_one_column_when_a_kind_is_longer_than_the_usual() -> None:
    """cloudfront_distribution (23 characters) overflowed the 17-character kind column, so
    its name started two columns right of every other (seen in every first deploy's plan and
    every destroy's). The column fits the longest kind shown."""
    actions = [
        *ACTIONS,
        Action("create", "cloudfront_distribution", "p-site", "does not exist"),
        Action("create", "http_api", "p", "does not exist"),
    ]
    lines = [line for line in render.text(actions).splitlines() if line.startswith("    ")]
    heads = [line for line in lines if line.strip()[0] in "+~-" and " p" in line]
    starts = {line.index(" p", 12) for line in heads}
    assert len(heads) == 5 and len(starts) == 1, heads
    assert "+ create  http_api                p  (does not exist)" in render.text(actions)
    # Without a long kind, the usual column.
    assert "+ create  endpoint_config   p-c-2  (new version" in render.text(ACTIONS)
