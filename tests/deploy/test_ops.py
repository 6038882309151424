"""status / logs / smoke: smoke runs against the real local stack (model server, Lambda
handler behind the API stand-in), so what it checks is what a deployed stack answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.aws import DeployError
from deploy.cli import main
from deploy.ops import example_csv, parse_since, smoke
from tests.deploy.deploy_helpers import edit_config, engine, session


def test_parse_since() -> None:
    assert parse_since("30m") == 30 * 60 * 1000
    assert parse_since("2d") == 2 * 86400 * 1000
    with pytest.raises(DeployError, match="30m, 1h, 2d"):
        parse_since("yesterday")


def test_example_csv_is_a_trends_export_the_model_reads() -> None:
    lines = example_csv().splitlines()
    assert lines[0].startswith("Category:") and lines[2] == "Week,smoke test: (Worldwide)"
    assert len(lines) == 3 + 104
    from trends_anomaly.trends import parse_csv

    (series,) = parse_csv(example_csv())  # the model's own reader
    assert len(series.values) == 104 and series.values[70] == 100


@pytest.mark.usefixtures("aws_env")
def test_status_and_logs_without_health_check_noise(project: Path, capsys) -> None:
    engine(project).apply()
    logs = session().client("logs")
    now = int(time.time() * 1000)
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    # Before any event: said on stderr, not an empty screen.
    assert main(["--config", cfg, "logs", "--since", "1h"]) == 0
    quiet = capsys.readouterr()
    assert quiet.out == ""
    assert "no log events in the last 1h in /aws/lambda/trends-anomaly-detect and" in quiet.err
    for group, msgs in [
        (
            "/aws/lambda/trends-anomaly-detect",
            ["START RequestId: 1", "detect ok 200", '{"msg":"health","status":200}'],
        ),
        (
            "/aws/sagemaker/Endpoints/trends-anomaly",
            ['"GET /ping HTTP/1.1" 200', "POST /invocations 200"],
        ),
    ]:
        stream = "main/i-0123456789abcdef0" if "sagemaker" in group else "2026/12/02/[$LATEST]ab"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": now - 1000 + i, "message": m} for i, m in enumerate(msgs)],
        )
    assert main(["--config", cfg, "logs", "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert "detect ok 200" in out and "POST /invocations 200" in out
    assert "/ping" not in out and '"msg":"health"' not in out
    # When, and which instance: the first questions at 3 a.m.
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime((now - 1000) / 1000))
    assert f"{when} trends-anomaly-detect | START RequestId: 1" in out, out
    assert "trends-anomaly [i-0123456789abcdef0] | POST /invocations 200" in out, out
    assert main(["--config", cfg, "status"]) == 0
    out = capsys.readouterr().out
    assert "InService on trends-anomaly-c-" in out and "execute-api" in out


@pytest.mark.usefixtures("aws_env")
def test_logs_says_when_a_log_group_does_not_exist(project: Path, capsys) -> None:
    """Before the first apply or after destroy there is nothing to read: `logs` must say the
    groups are missing (a deploy problem), not 'send a request first' (a quiet service), and
    exit 1 when there is no log group at all (it exited 0: a script read "no news")."""
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "logs", "--since", "1h"]) == 1
    err = capsys.readouterr().err
    assert (
        "no log group /aws/lambda/trends-anomaly-detect nor /aws/sagemaker/Endpoints/"
        "trends-anomaly in us-east-1: nothing deployed here? check --config, --env and the "
        "region; `python -m deploy status` shows what exists"
    ) in err
    assert "send a request first" not in err
    session().client("logs").create_log_group(logGroupName="/aws/lambda/trends-anomaly-detect")
    assert main(["--config", cfg, "logs", "--since", "1h"]) == 0
    err = capsys.readouterr().err
    assert "no log group /aws/sagemaker/Endpoints/trends-anomaly in us-east-1" in err
    assert "no log events in the last 1h in /aws/lambda/trends-anomaly-detect" in err


@pytest.mark.slow
def test_smoke_against_the_local_stack() -> None:
    from devstack.stack import start_stack

    stack = start_stack()
    try:
        site = stack.urls["site"].rstrip("/")
        report = smoke(stack.urls["api"], site)
        assert report[0].startswith("GET /health OK")
        assert report[1].startswith("preflight OK")
        assert "spike at week 70" in report[2]
        with pytest.raises(DeployError, match="CORS preflight"):
            smoke(stack.urls["api"], "https://evil.example")
    finally:
        stack.stop()


def test_smoke_waits_out_a_cold_start_504_or_503(monkeypatch) -> None:
    import json

    from deploy import ops

    good = json.dumps({"series": [{"values": [0] * 104, "anomalies": [{"index": 70}]}]}).encode()
    posts = [
        (504, {}, b'{"message":"Gateway Timeout"}'),
        (503, {}, b'{"message":"Service Unavailable"}'),
        (200, {}, good),
    ]

    def answer(url, method, headers, body=None, timeout=35.0):
        if method == "GET":
            return 200, {}, b'{"status": "ok"}'
        if method == "OPTIONS":
            return 204, {"access-control-allow-origin": headers["Origin"]}, b""
        return posts.pop(0)

    monkeypatch.setattr(ops, "_request", answer)
    slept: list[float] = []
    report = ops.smoke("https://api.example", "https://d1.cloudfront.net", slept.append)
    assert slept == [ops.COLD_START_PAUSE_S] * 2
    assert "POST /detect 504 (attempt 1 of 4): the endpoint may be starting cold" in report[2]
    assert "spike at week 70" in report[-1]
    posts[:] = [(504, {}, b"")] * ops.COLD_START_TRIES
    with pytest.raises(DeployError, match="504"):
        ops.smoke("https://api.example", "https://d1.cloudfront.net", slept.append)
    posts[:] = [(500, {}, b"bug")]
    with pytest.raises(DeployError, match="500"):  # not a cold start: no retry
        ops.smoke("https://api.example", "https://d1.cloudfront.net", slept.append)


def test_smoke_of_a_model_without_the_trends_writer_says_what_to_change(monkeypatch) -> None:
    """A fork that replaced model/trends_anomaly: the smoke's example comes from its Trends
    writer, so smoke says which check belongs to the old model, not a bare ENOENT."""
    from deploy import ops

    monkeypatch.setattr(ops, "TRENDS_EXPORT", ops.TRENDS_EXPORT.with_name("gone.py"))
    with pytest.raises(DeployError) as err:
        ops.example_csv()
    message = str(err.value)
    assert message.startswith("smoke: model/trends_anomaly/gone.py is missing")
    assert "deploy/ops.py" in message and "Swap in your own model" in message


def test_smoke_of_another_models_answer_says_the_check_is_the_trends_models(monkeypatch) -> None:
    """A 200 in another model's shape fails the check (it stops a promotion): the message says
    the check is the shipped detector's and where to change it."""
    from deploy import ops

    def answer(url, method, headers, body=None, timeout=35.0):
        if method == "GET":
            return 200, {}, b'{"status": "ok"}'
        if method == "OPTIONS":
            return 204, {"access-control-allow-origin": headers["Origin"]}, b""
        return 200, {}, b'{"zscores": [0.1, -0.2]}'

    monkeypatch.setattr(ops, "_request", answer)
    with pytest.raises(DeployError) as err:
        ops.smoke("https://api.example", "https://d1.cloudfront.net", lambda _s: None)
    message = str(err.value)
    assert message.startswith("smoke: unexpected answer ('series')")
    assert "deploy/ops.py" in message and "Swap in your own model" in message


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts each connection and closes it without an answer."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_smoke_that_reaches_nothing_says_so_in_one_line(
    project: Path, capsys, hangs_up: str
) -> None:
    cfg = str(project / "config.yaml")
    refused = f"http://127.0.0.1:{_closed_port()}"
    for url, reason in [(refused, "Connection refused"), (hangs_up, "")]:
        assert main(["--config", cfg, "smoke", "--api-url", url, "--origin", "https://x.ex"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: smoke: could not reach {url}/health: {reason}"), err
        assert "check the URL" in err and "the stack is deployed" in err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_smoke_refuses_a_url_that_is_not_http_before_any_request(project: Path, capsys) -> None:
    cfg = str(project / "config.yaml")
    for url in ["not-a-url", "ftp://api.example", "127.0.0.1:3000", "https://"]:
        assert main(["--config", cfg, "smoke", "--api-url", url, "--origin", "https://x.ex"]) == 1
        err = capsys.readouterr().err
        assert (
            err == f"error: smoke: --api-url {url!r} is not an http(s) URL: give the API's "
            "address, e.g. https://abc123.execute-api.us-east-1.amazonaws.com\n"
        )


def _status(project: Path, capsys) -> list[str]:
    capsys.readouterr()
    assert main(["--config", str(project / "config.yaml"), "status"]) == 0
    return [line.strip() for line in capsys.readouterr().out.splitlines()]


@pytest.mark.usefixtures("aws_env")
def test_status_shows_the_variants_instances_and_who_owns_the_count(project: Path, capsys) -> None:
    """How many instances were asked for and how many run, of which type, and whether
    config.yaml or Application Auto Scaling sets the count: what an operator checks before
    changing instance_count."""
    engine(project).apply()
    assert (
        "variant main: 1 ml.m5.large instance asked, 1 running; the count is "
        "config.yaml's endpoint.instance_count"
    ) in _status(project, capsys)
    edit_config(
        project,
        "  instance_count: 1\n",
        "  instance_count: 2\n  autoscaling: {min_capacity: 1, max_capacity: 3}\n",
    )
    engine(project).apply()  # the running endpoint keeps its 1: the count is autoscaling's
    assert (
        "variant main: 1 ml.m5.large instance asked, 1 running; autoscaling owns the count "
        "(1-3, target 100 invocations per instance): instance_count is only what a new fleet "
        "starts with"
    ) in _status(project, capsys)


@pytest.mark.usefixtures("aws_env")
def test_status_shows_a_serverless_variants_settings(project: Path, capsys) -> None:
    edit_config(
        project,
        "  instance_type: ml.m5.large\n  instance_count: 1\n",
        "  serverless: {memory_mb: 3072, max_concurrency: 4}\n",
    )
    engine(project).apply()
    assert "variant main: serverless, 3072 MB, max concurrency 4" in _status(project, capsys)


def test_status_says_an_endpoint_is_still_scaling(project: Path) -> None:
    """DescribeEndpoint's DesiredInstanceCount is what was last asked, CurrentInstanceCount
    what runs: while they differ the endpoint is still scaling (Updating)."""
    from deploy.config import load_config
    from deploy.ops import status_lines
    from deploy.resources.endpoint import SeenEndpoint
    from deploy.world import World

    names = load_config(project / "config.yaml").names("123456789012")
    world = World(account="123456789012", region="us-east-1")
    world.add(
        SeenEndpoint(
            name=names.endpoint,
            arn="arn:aws:sagemaker:us-east-1:123456789012:endpoint/trends-anomaly",
            config="trends-anomaly-c-0123456789",
            status="Updating",
            failure_reason=None,
            tags={},
            instances=3,
            running=1,
        )
    )
    lines = [line.strip() for line in status_lines(world, names)]
    assert (
        "variant main: 3 instances asked, 1 running: still scaling (Updating); the count is "
        "config.yaml's endpoint.instance_count"
    ) in lines
