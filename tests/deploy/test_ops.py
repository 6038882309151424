"""status / logs / smoke: smoke runs against the real local stack (model server, Lambda
handler behind the API stand-in), so what it checks is what a deployed stack answers; its
model half (model/smoke.py) is loaded from a fork's own file as well (the shipped file's own
tests: tests/model/test_smoke.py)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploy.aws import DeployError
from deploy.cli import main
from deploy.ops import (
    load_model_smoke,
    merged,
    parse_at,
    parse_since,
    request_pattern,
    smoke,
)
from devstack.http_thread import POLL_S
from tests.deploy.deploy_helpers import edit_config, session, shared_engine

REPO = Path(__file__).resolve().parents[2]


def test_parse_since() -> None:
    assert parse_since("30m") == 30 * 60 * 1000
    assert parse_since("2d") == 2 * 86400 * 1000
    with pytest.raises(DeployError, match="30m, 1h, 2d"):
        parse_since("yesterday")


def test_parse_at_reads_the_time_the_page_shows_as_utc() -> None:
    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text).timestamp() * 1000)

    afternoon = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert parse_at("14:02", afternoon) == ms("2026-12-02T14:02:00+00:00")
    assert parse_at("14:02:31", afternoon) == ms("2026-12-02T14:02:31+00:00")
    morning = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # 14:02 has not come yet today
    assert parse_at("14:02", morning) == ms("2026-12-01T14:02:00+00:00")
    assert parse_at("2026-12-02 14:02:31 UTC".removesuffix(" UTC")) == ms(
        "2026-12-02T14:02:31+00:00"
    )
    assert parse_at("2026-12-02T14:02Z") == ms("2026-12-02T14:02:00+00:00")
    assert parse_at("2026-12-02T15:02+01:00") == ms("2026-12-02T14:02:00+00:00")
    with pytest.raises(DeployError, match="14:02, 2026-12-02T14:02Z"):
        parse_at("2pm")


def test_request_pattern_is_a_quoted_term_of_an_id() -> None:
    assert request_pattern("/OCUVU/rSh2pdQ==") == '"/OCUVU/rSh2pdQ=="'
    assert request_pattern("473bf6b5-a689-4970-851f-e07b64de6ec8").startswith('"473bf6b5')
    for bad in ('a"b', "a b", "", "x" * 129):
        with pytest.raises(DeployError, match="--request-id"):
            request_pattern(bad)


@pytest.mark.usefixtures("aws_env")
def test_status_and_logs_without_health_check_noise(project: Path, capsys) -> None:
    shared_engine(project).apply()
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


LAMBDA_GROUP = "/aws/lambda/trends-anomaly-detect"
ENDPOINT_GROUP = "/aws/sagemaker/Endpoints/trends-anomaly"


def put_lines(group: str, stream: str, events: list[tuple[int, str]]) -> None:
    logs = session().client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": t, "message": m} for t, m in sorted(events)],
    )


@pytest.mark.usefixtures("aws_env")
def test_logs_finds_a_request_by_its_id_or_by_the_time_the_page_showed(
    project: Path, capsys
) -> None:
    """`logs` read the last --since from its start, 500 lines a group, and said nothing when
    it stopped there: the request of an id the page quoted, or of 14:02 yesterday, was found
    only by reading pages of others, if at all. --request-id keeps that request's lines (the
    Lambda's and the model's: both carry the id), --at reads the 10 minutes around a UTC time,
    and a window cut at the limit is said."""
    cfg = str(project / "config.yaml")
    logs = session().client("logs")
    for group in (LAMBDA_GROUP, ENDPOINT_GROUP):
        logs.create_log_group(logGroupName=group)
    now = int(time.time() * 1000)
    earlier = now - 3 * 3600 * 1000  # the time the page showed, 3 hours ago
    wanted, other = "/OCUVU/rSh2pdQ==", "JwpOYzv0TXuQHQ=="
    put_lines(
        LAMBDA_GROUP,
        "2026/12/02/[$LATEST]ab",
        [
            (now - 60_000 + i, f'{{"msg":"detect","request_id":"{other}","status":200,"n":{i}}}')
            for i in range(600)  # a busy hour: more than one read shows
        ]
        + [
            (now - 30_000, f'{{"msg":"detect","request_id":"{wanted}","status":200}}'),
            (earlier, '{"msg":"detect","request_id":"then","status":502}'),
        ],
    )
    put_lines(
        ENDPOINT_GROUP,
        "main/i-0123456789abcdef0",
        [(now - 30_001, f'{{"request_id":"{wanted}","path":"/invocations","status":200}}')],
    )
    capsys.readouterr()
    assert main(["--config", cfg, "logs", "--request-id", wanted]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2, out
    assert "trends-anomaly [i-0123456789abcdef0] | " in out[0] and wanted in out[0]
    assert "trends-anomaly-detect | " in out[1] and wanted in out[1]
    assert main(["--config", cfg, "logs", "--request-id", "NoSuchId1=="]) == 0
    quiet = capsys.readouterr()
    assert quiet.out == "" and "no log line with request id NoSuchId1== in the last 1h" in quiet.err
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(earlier / 1000))
    assert main(["--config", cfg, "logs", "--at", at]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f'{at} trends-anomaly-detect | {{"msg":"detect","request_id":"then","status":502}}'
    ]
    assert main(["--config", cfg, "logs", "--since", "1h"]) == 0
    both = capsys.readouterr()
    assert len(both.out.splitlines()) == 501  # 500 of the Lambda's, the endpoint's one
    assert (
        f"only the first lines of {LAMBDA_GROUP} in the last 1h are shown: narrow it with "
        "--at TIME or --request-id ID"
    ) in both.err
    assert ENDPOINT_GROUP + " in" not in both.err


@pytest.mark.usefixtures("aws_env")
def test_logs_says_when_a_log_group_does_not_exist(project: Path, capsys) -> None:
    """Before the first apply or after destroy there is nothing to read: `logs` must say the
    groups are missing (a deploy problem), not 'send a request first' (a quiet service), and
    exit 1 when there is no log group at all (it exited 0: a script read "no news")."""
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "logs", "--since", "1h"]) == 1
    err = capsys.readouterr().err
    assert (
        "no log group /aws/lambda/trends-anomaly-detect, /aws/sagemaker/Endpoints/"
        "trends-anomaly nor /aws/vendedlogs/apigateway/trends-anomaly in us-east-1: nothing "
        "deployed here? check --config, --env and the "
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

    shipped = load_model_smoke(REPO)  # model/smoke.py: whatever model this repository serves
    stack = start_stack()
    try:
        site = stack.urls["site"].rstrip("/")
        report = smoke(stack.urls["api"], site, shipped)
        assert report[0].startswith("GET /health OK")
        assert report[1].startswith("preflight OK")
        # Any model's check passes (the Trends check's own words: tests/model/test_smoke_trends.py).
        assert report[2].startswith("POST /detect OK (200, "), report
        with pytest.raises(DeployError, match="CORS preflight"):
            smoke(stack.urls["api"], "https://evil.example", shipped)
    finally:
        stack.stop()


def _model_smoke(root: Path, text: str, folder: str = "model") -> Path:
    """A fork's own <folder>/smoke.py under root."""
    (root / folder).mkdir(parents=True, exist_ok=True)
    path = root / folder / "smoke.py"
    path.write_text(text)
    return path


# A fork's smoke.py for a trivial other model: numbers in, a z-score per number out.
ZSCORE_SMOKE = """
import json

def request():
    return "application/json", json.dumps({"values": [1, 2, 1, 2, 40]})

def check(answer):
    z = answer["zscores"]
    assert len(z) == 5, f"{len(z)} z-scores for 5 values"
    assert max(z) == z[4], "the outlier is not the largest"
    return f"z-score {z[4]:.1f} for the outlier"
"""


def _answers(post: list[tuple[int, dict[str, str], bytes]]):
    """A stand-in for ops._request: a healthy API whose POSTs answer ``post`` in turn."""

    def answer(url, method, headers, body=None, timeout=35.0):
        if method == "GET":
            return 200, {}, b'{"status": "ok"}'
        if method == "OPTIONS":
            return 204, {"access-control-allow-origin": headers["Origin"]}, b""
        return post.pop(0)

    return answer


def test_smoke_waits_out_a_cold_start_504_or_503(monkeypatch, tmp_path: Path) -> None:
    from deploy import ops

    _model_smoke(tmp_path, ZSCORE_SMOKE)
    model = load_model_smoke(tmp_path)
    good = json.dumps({"zscores": [-0.5, -0.5, -0.5, -0.5, 2.0]}).encode()
    posts = [
        (504, {}, b'{"message":"Gateway Timeout"}'),
        (503, {}, b'{"message":"Service Unavailable"}'),
        (200, {}, good),
    ]
    monkeypatch.setattr(ops, "_request", _answers(posts))
    slept: list[float] = []
    report = ops.smoke("https://api.example", "https://d1.cloudfront.net", model, slept.append)
    assert slept == [ops.COLD_START_PAUSE_S] * 2
    assert "POST /detect 504 (attempt 1 of 4): the endpoint may be starting cold" in report[2]
    assert report[-1].startswith("POST /detect OK (200, ")
    assert report[-1].endswith(" ms, z-score 2.0 for the outlier)")
    posts[:] = [(504, {}, b"")] * ops.COLD_START_TRIES
    with pytest.raises(DeployError, match="504"):
        ops.smoke("https://api.example", "https://d1.cloudfront.net", model, slept.append)
    posts[:] = [(500, {}, b"bug")]
    with pytest.raises(DeployError, match="500"):  # not a cold start: no retry
        ops.smoke("https://api.example", "https://d1.cloudfront.net", model, slept.append)


class ZScoreApi:
    """A fork's deployed API on 127.0.0.1, for a trivial other model: GET /health, the CORS
    preflight, and POST /detect answering a z-score per value of ``{"values": [...]}``;
    ``posts`` records each POST's Content-Type and body."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, bytes]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, doc: object | None = None) -> None:
                body = json.dumps(doc).encode() if doc is not None else b""
                self.send_response(status)
                self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin", "*"))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._send(200, {"status": "ok"})

            def do_OPTIONS(self) -> None:
                self._send(204)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                api.posts.append((self.headers.get("Content-Type", ""), body))
                values = json.loads(body)["values"]
                mean = sum(values) / len(values)
                sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
                self._send(200, {"zscores": [(v - mean) / sd for v in values]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def zscore_api() -> Iterator[ZScoreApi]:
    api = ZScoreApi()
    threading.Thread(target=api.server.serve_forever, args=(POLL_S,), daemon=True).start()
    yield api
    api.server.shutdown()
    api.server.server_close()


def test_a_forks_own_model_smoke_passes_with_deploy_unchanged(
    project: Path, capsys, zscore_api: ZScoreApi
) -> None:
    """The model owns its smoke test: a fork replacing the model writes model/smoke.py for it
    (another request, another answer) and `deploy smoke` posts that and checks with it."""
    _model_smoke(project, ZSCORE_SMOKE)
    cfg = str(project / "config.yaml")
    argv = ["--config", cfg, "smoke", "--api-url", zscore_api.url, "--origin", "https://x.ex"]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0] == "GET /health OK (200)"
        and out[1] == "preflight OK (204, allow-origin https://x.ex)"
    )
    assert out[2].startswith("POST /detect OK (200, ") and "z-score 2.0 for the outlier" in out[2]
    assert zscore_api.posts == [("application/json", b'{"values": [1, 2, 1, 2, 40]}')]
    # The model's build context is config.yaml's: smoke.py is read from there.
    edit_config(
        project, "region: us-east-1\n", "region: us-east-1\nmodel:\n  build_context: detector\n"
    )
    _model_smoke(project, ZSCORE_SMOKE.replace("1, 2, 1, 2, 40", "2, 1, 2, 1, 50"), "detector")
    assert main(argv) == 0
    assert zscore_api.posts[-1] == ("application/json", b'{"values": [2, 1, 2, 1, 50]}')


def test_the_model_smoke_refusing_the_answer_names_its_file_and_the_readme(
    project: Path, capsys, zscore_api: ZScoreApi
) -> None:
    """A 200 the model's check refuses fails the smoke (it stops a promotion), with the check's
    own words, the file and the docs page's section."""
    _model_smoke(project, ZSCORE_SMOKE.replace("max(z) == z[4]", "min(z) == z[4]"))
    cfg = str(project / "config.yaml")
    argv = ["--config", cfg, "smoke", "--api-url", zscore_api.url, "--origin", "https://x.ex"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: smoke: model/smoke.py refused the answer of POST {zscore_api.url}/detect "
        '(the outlier is not the largest, line 10): b\'{"zscores": ['
    ), err
    assert 'change it with the model (docs/swap-your-model.md, "Swap in your own model")' in err
    assert err.count("\n") == 1 and "Traceback" not in err


# A smoke.py that reads the Trends answer's "series", as the shipped one does: written here, so
# that the test below holds whatever model this repository serves (a fork's smoke.py differs).
SERIES_SMOKE = """
def request():
    return "text/csv", "Week,a\\n2024-01-07,1\\n"

def check(answer):
    series = answer["series"][0]
    return f"{len(series['values'])} points"
"""


def test_a_trends_check_on_another_models_answer_says_what_it_looked_for(
    monkeypatch, tmp_path: Path
) -> None:
    """A fork that replaced the model but not model/smoke.py: the Trends-style check's
    KeyError names the key and the line, and the file to change."""
    from deploy import ops

    _model_smoke(tmp_path, SERIES_SMOKE)
    answer = (200, {}, b'{"zscores": [0.1, -0.2]}')
    monkeypatch.setattr(ops, "_request", _answers([answer]))
    with pytest.raises(DeployError) as err:
        ops.smoke("https://api.example", "https://d1.cloudfront.net", load_model_smoke(tmp_path))
    message = str(err.value)
    assert message.startswith(
        "smoke: model/smoke.py refused the answer of POST https://api.example/detect "
        "(KeyError: 'series', line "
    ), message
    assert message.endswith(
        'change it with the model (docs/swap-your-model.md, "Swap in your own model")'
    )


def test_smoke_of_an_answer_that_is_not_json_says_so(monkeypatch, tmp_path: Path) -> None:
    from deploy import ops

    _model_smoke(tmp_path, ZSCORE_SMOKE)
    monkeypatch.setattr(ops, "_request", _answers([(200, {}, b"<html>hello</html>")]))
    with pytest.raises(DeployError) as err:
        ops.smoke("https://api.example", "https://d1.cloudfront.net", load_model_smoke(tmp_path))
    assert str(err.value).startswith(
        "smoke: POST https://api.example/detect → 200 but no JSON (Expecting value: "
    )


BROKEN_SMOKES = [
    (None, "model/smoke.py is missing"),
    ("def request(:\n", "model/smoke.py cannot be loaded (SyntaxError: "),
    ("import no_such_module_here\n", "cannot be loaded (ModuleNotFoundError: No module named "),
    ("def request():\n    return 'text/csv', 'a'\n", "model/smoke.py defines no check(answer)"),
    ("check = 1\ndef request():\n    return 'text/csv', 'a'\n", "defines no check(answer)"),
    ("def check(a):\n    pass\n", "model/smoke.py defines no request()"),
    (
        "def check(a):\n    pass\ndef request():\n    return {}['csv']\n",
        "model/smoke.py request() failed (KeyError: 'csv', line 4)",
    ),
    (
        "def check(a):\n    pass\ndef request():\n    return 'a,b'\n",
        "model/smoke.py request() returned 'a,b', not (content type, body)",
    ),
    (
        "def check(a):\n    pass\ndef request():\n    return 'csv', 'a,b'\n",
        "model/smoke.py request() returned ('csv', 'a,b'), not (content type, body)",
    ),
]


@pytest.mark.parametrize(("text", "said"), BROKEN_SMOKES)
def test_a_missing_or_broken_model_smoke_names_the_file_before_any_request(
    project: Path, capsys, text: str | None, said: str, closed_port: int
) -> None:
    """The API's URL here refuses connections: a broken smoke.py is said first, in one line
    with the contract and the docs page's section, not as a traceback or a bare ENOENT."""
    if text is not None:
        _model_smoke(project, text)
    cfg = str(project / "config.yaml")
    url = f"http://127.0.0.1:{closed_port}"
    assert main(["--config", cfg, "smoke", "--api-url", url, "--origin", "https://x.ex"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: smoke: model/smoke.py ") and said in err, err
    assert "request() -> (content type, body)" in err and "check(answer)" in err
    assert err.endswith('(docs/swap-your-model.md, "Swap in your own model")\n')
    assert err.count("\n") == 1 and "Traceback" not in err and "could not reach" not in err


def test_the_docs_section_the_smoke_errors_name_holds_the_contract() -> None:
    from deploy.ops import SMOKE_DOC, SMOKE_SECTION

    page = (REPO / SMOKE_DOC).read_text(encoding="utf-8")
    assert page.startswith(f"# {SMOKE_SECTION}\n")
    section = page.split("\n# ", 1)[0]
    for words in ("`model/smoke.py`", "`request()`", "`check(answer)`", "`model/.dockerignore`"):
        assert words in section, words


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
    project: Path, capsys, hangs_up: str, closed_port: int
) -> None:
    _model_smoke(project, ZSCORE_SMOKE)
    cfg = str(project / "config.yaml")
    refused = f"http://127.0.0.1:{closed_port}"
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


@pytest.mark.slow
@pytest.mark.usefixtures("aws_env")
def test_status_shows_the_variants_instances_and_who_owns_the_count(project: Path, capsys) -> None:
    """How many instances were asked for and how many run, of which type, and whether
    config.yaml or Application Auto Scaling sets the count: what an operator checks before
    changing instance_count."""
    shared_engine(project).apply()
    assert (
        "variant main: 1 ml.m5.large instance asked, 1 running; the count is "
        "config.yaml's endpoint.instance_count"
    ) in _status(project, capsys)
    edit_config(
        project,
        "  instance_count: 1\n",
        "  instance_count: 2\n  autoscaling: {min_capacity: 1, max_capacity: 3}\n",
    )
    shared_engine(project).apply()  # the running endpoint keeps its 1: the count is autoscaling's
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
    shared_engine(project).apply()
    assert "variant main: serverless, 3072 MB, max concurrency 4" in _status(project, capsys)


def _status_of_endpoint(project: Path, status: str, **variant: int) -> list[str]:
    """`status_lines` of a stack holding only the endpoint, as DescribeEndpoint described it
    (``variant``: its instances asked and running, when it described a variant)."""
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
            status=status,
            failure_reason=None,
            tags={},
            **variant,
        )
    )
    return [line.strip() for line in status_lines(world, names)]


def test_status_says_an_endpoint_is_still_scaling(project: Path) -> None:
    """DescribeEndpoint's DesiredInstanceCount is what was last asked, CurrentInstanceCount
    what runs: while they differ the endpoint is still scaling (Updating)."""
    lines = _status_of_endpoint(project, "Updating", instances=3, running=1)
    assert (
        "variant main: 3 instances asked, 1 running: still scaling (Updating); the count is "
        "config.yaml's endpoint.instance_count"
    ) in lines


def test_status_of_an_endpoint_with_no_variant_yet_says_it_is_being_created(project: Path) -> None:
    """DescribeEndpoint's ProductionVariants is optional (SageMaker API reference), and while a
    new endpoint is Creating its fleet is described in PendingDeploymentSummary instead: status
    said "None instances asked, None running" of it. It now says none run yet, and why."""
    lines = _status_of_endpoint(project, "Creating")
    variant = next(line for line in lines if line.startswith("variant main:"))
    assert "None" not in variant, variant
    assert variant.startswith("variant main: no instance running yet (Creating)"), variant


@pytest.mark.usefixtures("aws_env")
def test_status_names_the_serving_image_and_the_one_to_roll_back_to(project: Path, capsys) -> None:
    """At 3 a.m. a merge shipped an image that answers 5xx: `status` named only config hashes
    (`configs c-1, c-2`), so the on-call had to read SageMaker by hand to learn which image
    served before. It names the image serving, the config kept for rollback with its image,
    and the command that switches back to it."""
    from tests.deploy.deploy_helpers import IMAGE, IMAGE2

    shared_engine(project).apply()
    shared_engine(project, image=IMAGE2).apply()
    lines = _status(project, capsys)
    assert f"image     {IMAGE2}" in lines
    (previous,) = [line for line in lines if line.startswith("previous  ")]
    assert previous.startswith("previous  trends-anomaly-c-") and previous.endswith(
        f"served before it: image {IMAGE}"
    )
    assert f"to go back to it: python -m deploy apply --image {IMAGE}" in " ".join(lines)


@pytest.mark.usefixtures("aws_env")
def test_status_says_when_the_image_to_roll_back_to_is_gone_from_ecr(project: Path, capsys) -> None:
    """The repository keeps only the newest built images (deploy/image.py, KEEP_IMAGES): a
    production far behind staging may have lost its previous one. `status` said how to go
    back to it as if it were there; it says it is gone and what still works (a revert
    rebuilds the same content-hash tag)."""
    from tests.deploy.deploy_helpers import IMAGE, IMAGE2

    shared_engine(project).apply()
    shared_engine(project, image=IMAGE2).apply()
    session().client("ecr").batch_delete_image(
        repositoryName="trends-anomaly", imageIds=[{"imageTag": "test-1"}]
    )
    lines = _status(project, capsys)
    (gone,) = [line for line in lines if "gone from ECR" in line]
    assert gone.startswith(f"{IMAGE} is gone from ECR (ImageNotFoundException;")
    assert "git revert" in gone
    assert not [line for line in lines if line.startswith("to go back to it:")]


@pytest.mark.usefixtures("aws_env")
def test_status_says_when_the_whole_repository_is_gone_not_an_aged_out_image(
    project: Path, capsys
) -> None:
    """The repository deleted by hand (or never there in this account and region): ECR answers
    RepositoryNotFoundException, and `status` said the image had aged out of the newest ones
    the repository keeps (KEEP_IMAGES). It names the repository, says it does not exist and
    what creates it."""
    from tests.deploy.deploy_helpers import IMAGE, IMAGE2

    shared_engine(project).apply()
    shared_engine(project, image=IMAGE2).apply()
    session().client("ecr").delete_repository(repositoryName="trends-anomaly", force=True)
    lines = _status(project, capsys)
    (gone,) = [line for line in lines if "gone from ECR" in line]
    assert gone.startswith(f"{IMAGE} is gone from ECR (RepositoryNotFoundException): ")
    assert "the ECR repository trends-anomaly itself does not exist" in gone
    assert "`python -m deploy image` creates it" in gone and "git revert" in gone
    assert "keeps the newest" not in gone
    assert not [line for line in lines if line.startswith("to go back to it:")]


@pytest.mark.usefixtures("aws_env")
def test_status_after_an_apply_that_died_before_the_bucket_says_there_is_none(
    project: Path, capsys
) -> None:
    """`status` of a stack whose apply was killed after its endpoint, before the site bucket
    (rehearsed as real processes: SIGKILL after sagemaker:CreateEndpoint) said "site  no
    distribution (0 objects in the bucket)": there is no bucket to hold objects. It says the
    bucket does not exist; once the bucket exists, the count of its objects is said again."""

    def die_before_the_bucket(i: int, action: object) -> None:
        if getattr(action, "kind", "") == "endpoint":
            raise KeyboardInterrupt  # stands for the kill: nothing after this step runs

    eng = shared_engine(project)
    with pytest.raises(KeyboardInterrupt):
        eng.apply(hook=die_before_the_bucket)
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "status"]) == 0
    (site,) = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("  site ")]
    assert "objects in the bucket" not in site, site
    assert site == f"  site      no distribution, no bucket {eng.names.bucket} (apply creates them)"
    session().client("s3").create_bucket(Bucket=eng.names.bucket)
    assert main(["--config", cfg, "status"]) == 0
    (site,) = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("  site ")]
    assert site == "  site      no distribution (0 objects in the bucket)", site


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--api-url", "https://a1b2c3.execute-api.us-east-1.amazonaws.com"], "pass --origin"),
        (["--origin", "https://d111111abcdef8.cloudfront.net"], "pass --api-url"),
        ([], "run apply first, or pass --api-url and --origin"),
    ],
)
def test_smoke_with_nothing_deployed_names_what_is_missing(
    project: Path, capsys, given: list[str], said: str
) -> None:
    """With --api-url given and nothing deployed, smoke said "no HTTP API or site distribution
    deployed … (or pass --api-url and --origin)": the URL was passed; --origin was missing."""
    _model_smoke(project, "def request():\n    return 'text/csv', 'a,b'\ndef check(a):\n    pass\n")
    assert main(["--config", str(project / "config.yaml"), "smoke", *given]) == 1
    err = capsys.readouterr().err
    assert said in err, err
    if given:
        assert "or pass --api-url and --origin" not in err, err


def test_refused_reads_are_one_per_call_with_every_kind_they_left_unread() -> None:
    """A call several modules make, refused, is one grant: one `Unread`, their kinds in the
    order met, each once; another call, or the same refused with another code, stays apart."""
    from deploy.world import Unread

    tags = [
        Unread(("endpoint",), "sagemaker", "ListTags", "AccessDenied"),
        Unread(("site_object",), "s3", "HeadObject", "AccessDenied"),
        Unread(("endpoint_config", "endpoint"), "sagemaker", "ListTags", "AccessDenied"),
        Unread(("sagemaker_model",), "sagemaker", "ListTags", "AccessDeniedException"),
    ]
    assert merged(tags) == [
        Unread(("endpoint", "endpoint_config"), "sagemaker", "ListTags", "AccessDenied"),
        Unread(("site_object",), "s3", "HeadObject", "AccessDenied"),
        Unread(("sagemaker_model",), "sagemaker", "ListTags", "AccessDeniedException"),
    ]
