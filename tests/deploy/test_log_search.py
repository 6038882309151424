"""`deploy logs` reads the gateway's access log too, and follows one request through the
gateway, the Lambda and the model: on the moto server, with real boto3 clients (the time and
id parsing: tests/deploy/test_ops.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from deploy.aws import DeployError
from deploy.cli import main
from deploy.log_search import SOURCES, parse_sources
from tests.deploy.deploy_helpers import session
from tests.deploy.test_ops import put_lines

GATEWAY_GROUP = "/aws/vendedlogs/apigateway/trends-anomaly"
LAMBDA_GROUP = "/aws/lambda/trends-anomaly-detect"
ENDPOINT_GROUP = "/aws/sagemaker/Endpoints/trends-anomaly"
WANTED, OTHER = "JwpOYzv0TXuQHQ==", "/OCUVU/rSh2pdQ=="
LAMBDA_ID = "473bf6b5-a689-4970-851f-e07b64de6ec8"  # Lambda's own id of WANTED's invocation


def _access(request_id: str, route: str, status: str, **more: str) -> str:
    """An access-log line as API Gateway writes it (deploy/api_access_log.py: every value a
    string, "-" where the variable has none)."""
    fields = {"request_id": request_id, "route": route, "status": status}
    fields |= {"integration_request_id": "-", "error": "-", **more}
    return json.dumps(fields, separators=(",", ":"))


def _groups(*groups: str) -> None:
    for group in groups:
        session().client("logs").create_log_group(logGroupName=group)


def test_parse_sources() -> None:
    assert parse_sources("all") == SOURCES == ("gateway", "lambda", "model")
    assert parse_sources("model, Gateway") == ("gateway", "model")  # a request's order
    assert parse_sources("lambda,all") == SOURCES
    for bad in ("", ",", "api", "gateway,lamda"):
        with pytest.raises(DeployError, match="use all, or one or more of gateway, lambda, model"):
            parse_sources(bad)


@pytest.mark.usefixtures("aws_env")
def test_logs_follows_one_request_through_the_gateway_the_lambda_and_the_model(
    project: Path, capsys
) -> None:
    """`logs` did not read the API's access log, so what the gateway said of a request was
    not there, and Lambda's START/END/REPORT of it (which carry Lambda's id, not the one the
    page quotes) were left out of --request-id. Now every source, in time order, labelled,
    and Lambda's lines found by the id the gateway's and the function's lines name."""
    cfg = str(project / "config.yaml")
    _groups(GATEWAY_GROUP, LAMBDA_GROUP, ENDPOINT_GROUP)
    now = int(time.time() * 1000) - 60_000
    wanted_line = _access(WANTED, "POST /detect", "502", integration_request_id=LAMBDA_ID)
    put_lines(
        GATEWAY_GROUP,
        "access",
        [
            (now + 90, wanted_line),
            (now + 200, _access(OTHER, "POST /detect", "200")),
            (now + 300, _access("HealthId1==", "GET /health", "200")),  # the page's polling
        ],
    )
    function_line = json.dumps(
        {"msg": "detect", "request_id": WANTED, "lambda_request_id": LAMBDA_ID, "status": 502},
        separators=(",", ":"),
    )
    put_lines(
        LAMBDA_GROUP,
        "2026/12/02/[$LATEST]ab",
        [
            (now + 1, f"START RequestId: {LAMBDA_ID} Version: $LATEST"),
            (now + 50, function_line),
            (now + 60, f"END RequestId: {LAMBDA_ID}"),
            (now + 60, f"REPORT RequestId: {LAMBDA_ID}\tDuration: 59.1 ms"),
            (now + 150, f'{{"msg":"detect","request_id":"{OTHER}","status":200}}'),
        ],
    )
    model_line = f'{{"request_id":"{WANTED}","path":"/invocations","status":500}}'
    put_lines(ENDPOINT_GROUP, "main/i-0123456789abcdef0", [(now + 40, model_line)])
    capsys.readouterr()

    assert main(["--config", cfg, "logs", "--request-id", WANTED]) == 0
    seen = capsys.readouterr()
    assert [line.split(" ", 1)[1] for line in seen.out.splitlines()] == [
        f"trends-anomaly-detect | START RequestId: {LAMBDA_ID} Version: $LATEST",
        f"trends-anomaly [i-0123456789abcdef0] | {model_line}",
        f"trends-anomaly-detect | {function_line}",
        f"trends-anomaly-detect | END RequestId: {LAMBDA_ID}",  # its order kept at one time
        f"trends-anomaly-detect | REPORT RequestId: {LAMBDA_ID}\tDuration: 59.1 ms",
        f"trends-anomaly (gateway) | {wanted_line}",
    ], seen.out
    assert (
        f"request {WANTED}: 1 gateway line, 4 lambda lines (with Lambda's own id {LAMBDA_ID}: "
        "START, END, REPORT), 1 model line"
    ) in seen.err

    # One source, or some; the gateway's health checks left out as the others' are.
    assert main(["--config", cfg, "logs", "--source", "gateway"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" | ", 1)[1] for line in out] == [
        wanted_line,
        _access(OTHER, "POST /detect", "200"),
    ]
    assert main(["--config", cfg, "logs", "--source", "gateway,model", "--request-id", WANTED]) == 0
    seen = capsys.readouterr()
    assert len(seen.out.splitlines()) == 2 and "trends-anomaly-detect" not in seen.out
    assert f"request {WANTED}: 1 gateway line, 1 model line" in seen.err
    assert main(["--config", cfg, "logs", "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 8 and "GET /health" not in out  # 2 + 5 + 1
    # A health check asked for by its id is shown: the id says it is the one wanted.
    assert main(["--config", cfg, "logs", "--request-id", "HealthId1=="]) == 0
    assert '"route":"GET /health"' in capsys.readouterr().out


@pytest.mark.usefixtures("aws_env")
def test_logs_says_what_a_gateway_line_without_a_function_line_means(project: Path, capsys) -> None:
    """What the gateway answered on its own (a route that does not exist) is only in the
    access log: `logs` shows it and says what its lone line means."""
    cfg = str(project / "config.yaml")
    _groups(GATEWAY_GROUP, LAMBDA_GROUP, ENDPOINT_GROUP)
    refused = _access(WANTED, "$default", "404", error="Not Found")
    put_lines(GATEWAY_GROUP, "access", [(int(time.time() * 1000) - 5_000, refused)])
    capsys.readouterr()
    assert main(["--config", cfg, "logs", "--request-id", WANTED]) == 0
    seen = capsys.readouterr()
    assert seen.out.splitlines()[0].endswith(f"trends-anomaly (gateway) | {refused}")
    assert f"request {WANTED}: 1 gateway line, 0 lambda lines, 0 model lines" in seen.err
    assert "it never reached the function, or the function died before it logged" in seen.err


@pytest.mark.usefixtures("aws_env")
def test_logs_says_when_the_access_log_group_does_not_exist_yet(project: Path, capsys) -> None:
    """A stack deployed before the access log has the Lambda's and the endpoint's groups and
    not the gateway's: said as that (its next apply creates it), not as "nothing deployed";
    asked for alone, a missing group is exit 1 with both readings."""
    cfg = str(project / "config.yaml")
    _groups(LAMBDA_GROUP, ENDPOINT_GROUP)
    capsys.readouterr()
    assert main(["--config", cfg, "logs"]) == 0
    err = capsys.readouterr().err
    assert (
        f"no log group {GATEWAY_GROUP} (the API's access log) in us-east-1: was this stack "
        "deployed before the API wrote one? its next apply creates it (`python -m deploy plan` "
        f"shows `+ create log_group {GATEWAY_GROUP}`"
    ) in err
    assert "nothing deployed here" not in err
    assert f"no log events in the last 1h in {LAMBDA_GROUP} and {ENDPOINT_GROUP} (" in err
    assert main(["--config", cfg, "logs", "--source", "gateway"]) == 1
    err = capsys.readouterr().err
    assert f"no log group {GATEWAY_GROUP} in us-east-1: nothing deployed here?" in err
    assert "or deployed before the API's access log existed: its next apply creates it" in err


@pytest.mark.usefixtures("aws_env")
def test_logs_with_nothing_deployed_names_every_group_it_read(project: Path, capsys) -> None:
    """Nothing deployed: `logs` reads the gateway's access log, the Lambda's and the
    endpoint's groups, and the message named only the last two (as if the access log were not
    read), though deploy creates all three and the read found none."""
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "logs"]) == 1
    err = capsys.readouterr().err
    assert (
        f"no log group {LAMBDA_GROUP}, {ENDPOINT_GROUP} nor {GATEWAY_GROUP} in us-east-1: "
        "nothing deployed here? check --config, --env and the region"
    ) in err, err
    assert "send a request first" not in err
    assert main(["--config", cfg, "logs", "--source", "gateway,model"]) == 1
    err = capsys.readouterr().err
    assert f"no log group {ENDPOINT_GROUP} nor {GATEWAY_GROUP} in us-east-1: nothing" in err, err
    assert LAMBDA_GROUP not in err  # not asked for, so not read


@pytest.mark.usefixtures("aws_env")
def test_a_mistyped_source_is_said_before_any_aws_call(project: Path, capsys) -> None:
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "logs", "--source", "gatway"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --source 'gatway': use all, or one or more of gateway, lambda")


@pytest.mark.usefixtures("aws_env")
def test_an_empty_at_window_suggests_what_may_be_given_with_at(project: Path, capsys) -> None:
    """--since and --at exclude each other (argparse refuses both), so a read `--at TIME` that
    found nothing must not say "try a longer --since" as if it could be added."""
    cfg = str(project / "config.yaml")
    _groups(GATEWAY_GROUP, LAMBDA_GROUP, ENDPOINT_GROUP)
    with pytest.raises(SystemExit):
        main(["--config", cfg, "logs", "--at", "14:02", "--since", "2h"])
    capsys.readouterr()
    for extra in ([], ["--request-id", WANTED]):
        assert main(["--config", cfg, "logs", "--at", "14:02", *extra]) == 0
        err = capsys.readouterr().err
        assert "the 10 minutes around" in err
        assert "longer --since" not in err and "or --at the time" not in err, err
        assert "--since with a span reaching back past that time, in place of --at" in err, err
    assert main(["--config", cfg, "logs", "--since", "2h"]) == 0
    assert "try a longer --since" in capsys.readouterr().err
