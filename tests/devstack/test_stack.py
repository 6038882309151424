"""`make up` end to end: model server process, runtime and API stand-ins, the real handler, site.

Started once on free ports with ``devstack.stack.start_stack``; requests go over real HTTP.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from devstack import REPO
from devstack.model_container import docker
from devstack.model_server import ModelServer
from devstack.ports import PortInUse
from devstack.stack import Stack, start_stack, wait_until_ready
from tests.support.children import inner_pytest
from tests.support.model_image import built_image
from tests.support.ports import worker_port

CSV = (REPO / "tests" / "data" / "en_weekly5y_bitcoin.csv").read_bytes()
OTHER_ORIGIN = "https://evil.example"


def request(
    url: str, method: str = "GET", path: str = "/", body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request; header names in the answer are lower-cased."""
    target = urlsplit(url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    conn.request(
        method, path, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, data


def preflight(api_url: str, origin: str) -> tuple[int, dict[str, str], bytes]:
    """The browser's CORS preflight for the page's POST /detect from ``origin``."""
    return request(
        api_url,
        "OPTIONS",
        "/detect",
        Origin=origin,
        Access_Control_Request_Method="POST",
        Access_Control_Request_Headers="content-type",
    )


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("dist")
    (site / "index.html").write_text(
        "<!doctype html><title>t</title><script src=config.js></script>"
    )
    (site / "app.js").write_text("console.log(1);\n")
    (site / "style.css").write_text("body{}\n")
    return site


@pytest.fixture(
    scope="module",
    params=["process", pytest.param("container", marks=pytest.mark.container)],
)
def stack(
    request: pytest.FixtureRequest, site_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The stack with the model as a process (`make up`) and from its image
    (`make up ARGS="--model container"`)."""
    if request.param == "container":
        built_image()  # skips where no Docker engine can run
    with (tmp_path_factory.mktemp("logs") / "model.log").open("wb") as log:
        running = start_stack(site_dir=site_dir, model_log=log, model=request.param)
        yield running
        running.stop()


def test_post_detect_answers_the_models_json(stack: Stack) -> None:
    status, headers, body = request(
        stack.urls["api"], "POST", "/detect?method=stl&period=52", CSV, Content_Type="text/csv"
    )
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    direct = request(
        stack.urls["model"],
        "POST",
        "/invocations",
        CSV,
        Content_Type="text/csv",
        X_Amzn_SageMaker_Custom_Attributes="method=stl;period=52",
    )
    assert direct[0] == 200 and body == direct[2]
    assert json.loads(body)["series"][0]["name"] == "bitcoin"
    assert "apigw-requestid" in headers


def test_health_through_the_real_handler_with_cors(stack: Stack) -> None:
    site_port = urlsplit(stack.urls["site"]).port
    origin = f"http://127.0.0.1:{site_port}"
    status, headers, body = request(stack.urls["api"], "GET", "/health", Origin=origin)
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["access-control-allow-origin"] == origin
    assert headers["cache-control"] == "no-store"
    status, headers, _ = request(
        stack.urls["api"], "OPTIONS", "/health", Origin=origin, Access_Control_Request_Method="GET"
    )
    assert status == 204 and "GET" in headers["access-control-allow-methods"]
    wait_until_ready(stack, timeout_s=30)  # answers at once; a loaded machine may take seconds


def test_a_page_reads_the_request_id_and_errors_quote_it(stack: Stack) -> None:
    """The id to quote in a bug report: the apigw-requestid header, readable by a page on an
    allowed origin (exposed), and in the body of the Lambda's errors, 4xx too, its own and the
    model's alike."""
    origin = f"http://127.0.0.1:{urlsplit(stack.urls['site']).port}"
    for body, code in ((b"not a csv", "bad_csv"), (b"", "empty_body")):
        status, headers, answer = request(
            stack.urls["api"], "POST", "/detect", body, Content_Type="text/csv", Origin=origin
        )
        assert status == 400
        exposed = headers["access-control-expose-headers"].lower().split(",")
        assert "apigw-requestid" in [name.strip() for name in exposed]
        error = json.loads(answer)["error"]
        assert (error["code"], error["request_id"]) == (code, headers["apigw-requestid"])


def model_log(stack: Stack) -> str:
    """What the model wrote so far: the process's log file, or the container's output."""
    if isinstance(stack.model, ModelServer):
        return Path(getattr(stack.model.log, "name", "")).read_text(errors="replace")
    return stack.model.logs()


def test_the_id_a_caller_quotes_finds_the_models_log_line(stack: Stack) -> None:
    """The apigw-requestid of an answer, good or bad, is the request_id of the model's line
    for it: from what the page shows to the container's line in one search (the model
    logged an id of its own)."""
    for body, status in ((b"not a csv", 400), (CSV, 200)):
        got, headers, _ = request(
            stack.urls["api"], "POST", "/detect", body, Content_Type="text/csv"
        )
        assert got == status
        request_id = headers["apigw-requestid"]
        mine = _model_lines(stack, request_id)
        assert [(x["request_id"], x["status"]) for x in mine] == [(request_id, status)]


def _model_lines(stack: Stack, request_id: str, wait_s: float = 30.0) -> list[dict]:
    """The model's JSON log lines naming ``request_id``, once there is one. The server writes
    its line before the answer, but the container's output reaches `docker logs` through the
    engine's log driver, which may lag behind the answer on a busy machine (an empty list
    failed the test once in a run of the whole folder)."""
    deadline = time.monotonic() + wait_s
    while True:
        lines = [line for line in model_log(stack).splitlines() if line.startswith("{")]
        mine = [json.loads(line) for line in lines if request_id in line]
        if mine or time.monotonic() > deadline:
            return mine
        time.sleep(0.2)


def test_wait_until_ready_names_what_does_not_answer(stack: Stack, closed_port: int) -> None:
    class Silent:
        url = f"http://127.0.0.1:{closed_port}"  # nothing listens here

    silent = Stack(model=stack.model, runtime=stack.runtime, api=Silent(), site=stack.site)  # type: ignore[arg-type]
    with pytest.raises(
        RuntimeError, match=r"no answer after 0 s from http://127\.0\.0\.1:\d+/health"
    ):
        wait_until_ready(silent, timeout_s=0.0)


def test_model_errors_reach_the_caller(stack: Stack) -> None:
    status, _, body = request(
        stack.urls["api"], "POST", "/detect", b"not a csv", Content_Type="text/csv"
    )
    assert status == 400
    assert json.loads(body)["error"]["code"] == "bad_csv"


# The local site's two spellings: the stack adds them itself (config.yaml, the production
# config, lists no dev origin).
@pytest.mark.parametrize("origin", ["site-127", "site-localhost"])
def test_preflight_from_an_allowed_origin(stack: Stack, origin: str) -> None:
    site_port = urlsplit(stack.urls["site"]).port
    origin = {
        "site-127": f"http://127.0.0.1:{site_port}",
        "site-localhost": f"http://localhost:{site_port}",
    }.get(origin, origin)
    status, headers, _ = preflight(stack.urls["api"], origin)
    assert status == 204
    assert headers["access-control-allow-origin"] == origin
    assert "POST" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"].lower()
    assert int(headers["access-control-max-age"]) > 0
    status, headers, _ = request(
        stack.urls["api"], "POST", "/detect", CSV, Content_Type="text/csv", Origin=origin
    )
    assert status == 200 and headers["access-control-allow-origin"] == origin


def test_other_origins_get_no_cors_headers(stack: Stack) -> None:
    status, headers, _ = request(
        stack.urls["api"],
        "OPTIONS",
        "/detect",
        Origin=OTHER_ORIGIN,
        Access_Control_Request_Method="POST",
    )
    assert status == 204
    assert not any(name.startswith("access-control-") for name in headers)
    status, headers, _ = request(
        stack.urls["api"], "POST", "/detect", CSV, Content_Type="text/csv", Origin=OTHER_ORIGIN
    )
    assert status == 200  # the browser, not the server, withholds the answer
    assert not any(name.startswith("access-control-") for name in headers)


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/detect"), ("POST", "/other"), ("GET", "/"), ("POST", "/health")]
)
def test_unknown_routes_are_the_gateways_404(stack: Stack, method: str, path: str) -> None:
    status, _, body = request(stack.urls["api"], method, path)
    assert status == 404
    assert json.loads(body) == {"message": "Not Found"}


def test_site_serves_the_page_and_a_config_js_for_the_local_api(stack: Stack) -> None:
    site = stack.urls["site"]
    status, headers, body = request(site, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"config.js" in body
    status, headers, body = request(site, "GET", "/config.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    limit = 4 * 1024 * 1024  # what fits in Lambda's 6 MB event (the endpoint takes 6 MB)
    assert body.decode() == (
        f'window.TRENDS_CONFIG = {{"apiUrl": "{stack.urls["api"]}", "maxUploadBytes": {limit}}};\n'
    )
    assert request(site, "GET", "/app.js")[1]["content-type"].startswith("text/javascript")
    assert request(site, "GET", "/style.css")[1]["content-type"].startswith("text/css")
    assert request(site, "GET", "/missing.js")[0] == 404


def test_the_handler_runs_with_the_stacks_environment(stack: Stack) -> None:
    assert os.environ["ENDPOINT_NAME"] == "trends-anomaly"
    assert os.environ["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] == stack.urls["runtime"]
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"


def daily_csv(days: int) -> bytes:
    """A plain daily CSV of ``days`` rows (its JSON answer is about 3.3 times its size)."""
    import datetime

    start = datetime.date(1900, 1, 1)
    rows = "".join(f"{start + datetime.timedelta(days=i)},{(i * 37) % 100}\n" for i in range(days))
    return f"day,term\n{rows}".encode()


def test_an_answer_sagemaker_cannot_return_is_a_413_that_says_how(stack: Stack) -> None:
    """A 2.3 MB CSV answers ~7.6 MB of JSON, over InvokeEndpoint's 6 MB response cap. Before,
    the runtime stand-in passed it on and the Lambda said 413, where AWS cannot return it
    (a 502 to the caller); now the model refuses it itself, a 413 that reaches the caller."""
    body = daily_csv(165_000)
    assert 2_000_000 < len(body) < 4 * 1024 * 1024
    status, headers, data = request(
        stack.urls["api"], "POST", "/detect", body, Content_Type="text/csv"
    )
    error = json.loads(data)["error"]
    assert (status, error["code"]) == (413, "result_too_large"), data
    assert "text/csv" in error["hint"] and error["request_id"] == headers["apigw-requestid"]
    status, _, table = request(
        stack.urls["api"], "POST", "/detect", body, Content_Type="text/csv", Accept="text/csv"
    )
    assert status == 200 and table.startswith(b"series,index,")


def marked_export(term: str, geo: str, value: str, cell: str = "") -> bytes:
    """A weekly Google Trends export whose term, region, one value and (optionally) one bad
    cell are markers: text that must come back to the caller and reach no log."""
    import datetime

    start = datetime.date(2020, 1, 5)
    rows = [f"{start + datetime.timedelta(weeks=i)},{(i * 29) % 90 + 5}" for i in range(60)]
    rows[7] = f"{start + datetime.timedelta(weeks=7)},{value}"
    if cell:
        rows[11] = f"{cell},40"
    preamble = f"Category: All categories\n\nWeek,{term}: ({geo})\n"
    return (preamble + "\n".join(rows) + "\n").encode()


def test_an_uploads_terms_region_and_values_reach_no_log_line(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """What happens to an uploaded file (docs/uploaded-files.md): the Lambda's and the model's lines
    carry sizes, counts and codes, never the file's text, for a good file and for refused ones
    alike."""
    term, geo, value, cell = "zq-term-" + "9c3f", "zq-geo-" + "9c3f", "88.9" + "361", "zq-cell"
    json_type, bytes_type = "application/json", "application/octet-stream"
    uploads = (
        (marked_export(term, geo, value), "text/csv", 200),
        (marked_export(term, geo, value, cell=cell + "-9c3f"), "text/csv", 400),  # a bad date
        (marked_export(term, geo, "-" + value), "text/csv", 200),
        (json.dumps({"csv": marked_export(term, geo, value).decode()}).encode(), json_type, 200),
        (json.dumps({"series": [{"name": term, "values": [cell]}]}).encode(), json_type, 400),
        (f"{term},{geo}\n{value}\n".encode(), "text/csv", 400),
        (marked_export(term, geo, value).decode().encode("utf-16"), bytes_type, 200),
    )
    ids = []
    for body, content_type, status in uploads:
        got, headers, answer = request(
            stack.urls["api"], "POST", "/detect", body, Content_Type=content_type
        )
        assert got == status, answer
        ids.append(headers["apigw-requestid"])
    # As text/csv, the gateway hands the function UTF-8 text that lost the file's bytes: the
    # function refuses it (400 bad_body) without calling the model, and says nothing of it.
    utf16 = marked_export(term, geo, value).decode().encode("utf-16")
    got, headers, answer = request(
        stack.urls["api"], "POST", "/detect", utf16, Content_Type="text/csv"
    )
    assert got == 400 and b"bad_body" in answer, answer
    refused = headers["apigw-requestid"]
    handler = capsys.readouterr()  # the handler runs in this process, as in Lambda
    model = model_log(stack)
    # docker copies a container's output asynchronously, later on a loaded machine: a bound for
    # lines that come, not a speed
    deadline = time.monotonic() + 60
    while ids[-1] not in model and time.monotonic() < deadline:
        time.sleep(0.1)
        model = model_log(stack)
    assert all(i in handler.out and i in model for i in ids)  # both wrote their lines
    assert refused in handler.out
    logged = model + handler.out + handler.err
    for marker in (term, geo, value, "9c3f"):
        assert marker not in logged, marker


@pytest.mark.parametrize(
    "model", ["process", pytest.param("container", marks=pytest.mark.container)]
)
def test_the_model_runs_with_the_configs_endpoint_environment(
    model: str, site_dir: Path, tmp_path: Path
) -> None:
    """The model gets config.yaml's `endpoint.environment`, as CreateModel gives it on
    SageMaker: a fork's own variables (a threshold, a limit) reach its model locally too. The
    port, the address and the worker count stay make up's (127.0.0.1, --workers)."""
    if model == "container":
        built_image()  # skips where no Docker engine can run
    limit = 64 * 1024
    config = tmp_path / "config.yaml"
    config.write_text(
        "project: trends-anomaly\nendpoint:\n  environment:\n"
        f'    MODEL_MAX_PAYLOAD_BYTES: "{limit}"\n'
        '    SAGEMAKER_BIND_TO_PORT: "1"\n    MODEL_SERVER_HOST: "0.0.0.0"\n'
        '    SAGEMAKER_MODEL_SERVER_WORKERS: "7"\n',
        encoding="utf-8",
    )
    body = daily_csv(6000)
    assert len(body) > limit
    with (tmp_path / "model.log").open("wb") as log:
        running = start_stack(site_dir=site_dir, config_path=config, model_log=log, model=model)
        try:
            status, _, answer = request(
                running.urls["api"], "POST", "/detect", body, Content_Type="text/csv"
            )
            small = request(
                running.urls["api"], "POST", "/detect", daily_csv(60), Content_Type="text/csv"
            )
        finally:
            running.stop()
    assert status == 413, answer
    assert json.loads(answer)["error"]["code"] == "payload_too_large", answer
    assert small[0] == 200, small[2]
    if model == "process":  # the container's log is docker's, not this file
        text = (tmp_path / "model.log").read_text(encoding="utf-8", errors="replace")
        assert "workers: 1 (" in text and "127.0.0.1" in text, text[-2000:]


# A model container of an earlier `make up ARGS="--model container"` on PORT, in a run the test
# kills together with the container's watcher (as `kill -9` of a whole process tree does).
TINY_ORPHAN = """
import os, time
from pathlib import Path
from typing import Any

from devstack.model_container import ModelContainer


def test_serves_until_killed():
    container = ModelContainer(os.environ["IMAGE"], int(os.environ["PORT"]), 1).start()
    Path(os.environ["PID_FILE"]).write_text(f"{container.name} {container._watcher.pid}")
    time.sleep(600)  # the outer test kills this run here
"""


@pytest.mark.container
def test_a_container_start_sweeps_a_killed_runs_container_off_its_port(
    site_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make up ARGS="--model container"` killed with its watcher (`kill -9` of its process
    group and the watcher's) left its container serving the model port; the next one said
    "port 8080 is already in use: stop what uses it", naming nothing, and on another port
    left it running for good. The start sweeps it first (devstack/owners.py) and says so."""
    image = built_image().tag
    port = worker_port()
    name = ""
    try:
        with inner_pytest(tmp_path, TINY_ORPHAN, IMAGE=image, PORT=str(port)) as (run, said):
            name, watcher = said.split()
            os.kill(int(watcher), signal.SIGKILL)
            run.kill()
            run.wait(timeout=60)
        assert docker("inspect", name, check=False).returncode == 0, "nothing left to sweep"
        capsys.readouterr()
        running = start_stack(site_dir=site_dir, model_port=port, model="container")
        try:
            status, _, _ = request(running.urls["model"], "GET", "/ping")
        finally:
            running.stop()
        assert status == 200
        assert f"removed 1 model container left by a killed run: {name}" in capsys.readouterr().out
        assert docker("inspect", name, check=False).returncode != 0
    finally:
        if name:
            docker("rm", "-f", name, check=False)


@pytest.mark.container
def test_a_port_held_by_a_model_container_names_it_and_how_to_remove_it(site_dir: Path) -> None:
    """A plain `make up` (the process model: no sweep, no engine started) whose port a model
    container holds said only "port 8080 is already in use: stop what uses it", and under
    `--network host` nothing (`docker ps`, `docker port`) shows which container that is. The
    message names the container, whether its owner is gone, and the command that removes it,
    and removes nothing itself. One container was asked for its port, one for port 0 (the port
    its gunicorn chose, from its log)."""
    from devstack.model_container import ModelContainer

    image = built_image().tag
    fixed = ModelContainer(image, worker_port(), 1)
    chosen = ModelContainer(image, 0, 1)
    try:
        fixed.start()
        chosen.start()
        for held in (fixed, chosen):
            with pytest.raises(PortInUse) as raised:
                start_stack(site_dir=site_dir, model_port=held.port)
            message = str(raised.value)
            assert f"port {held.port} is held by the model container {held.name}" in message
            assert f"its owner, process {os.getpid()}, still runs" in message
            assert f"docker rm -f {held.name}" in message
            assert held.alive(), "the message removes nothing"
    finally:
        fixed.stop(quick=True)
        chosen.stop(quick=True)


@pytest.mark.parametrize("flag", ["--site-port", "--api-port"])
def test_a_port_taken_after_the_check_says_what_holds_it_as_the_check_does(
    monkeypatch: pytest.MonkeyPatch, site_dir: Path, flag: str
) -> None:
    """A port free at the check and taken before the server binds it (another program got it
    in between): the message had only the plain "port N is already in use" line, without the
    lines devstack/holders.py adds on what holds it, and its suggested port could be one asked
    for another part (the site's next port up is the API's here)."""
    from devstack.ports import is_free

    for _ in range(20):  # bounded: two neighbouring free ports of this worker's block
        site_port = worker_port(headroom=2)
        if is_free(site_port + 1):
            break
    ports = {"--site-port": site_port, "--api-port": site_port + 1}
    port = ports[flag]
    raised, seen = _taken_after_the_check(
        monkeypatch, port, site_dir=site_dir, site_port=site_port, api_port=site_port + 1
    )
    assert raised.value.taken == {flag: port}
    assert seen == [(port,)]
    assert str(raised.value).endswith("\nheld")
    assert raised.value.advice(["--workers", "1"]).endswith("\nheld")  # what make up prints
    assert raised.value.moves[flag] not in ports.values()


def _taken_after_the_check(
    monkeypatch: pytest.MonkeyPatch, port: int, **start: Any
) -> tuple[pytest.ExceptionInfo[PortInUse], list[tuple[int, ...]]]:
    """``start_stack(**start)`` with ``port`` free at the port check and taken right after it
    (another program got it in between); what it raised, and each call of holders.explain
    (stubbed to say "held")."""
    from devstack import holders
    from devstack import stack as stack_module

    checked = stack_module.check_ports_free
    seen: list[tuple[int, ...]] = []
    monkeypatch.setattr(holders, "explain", lambda taken: seen.append(tuple(taken)) or ["held"])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as thief:

        def check_then_take(*args: Any, **kwargs: Any) -> None:
            checked(*args, **kwargs)  # passes: the port is free here
            thief.bind(("127.0.0.1", port))
            thief.listen()

        monkeypatch.setattr(stack_module, "check_ports_free", check_then_take)
        with pytest.raises(PortInUse) as raised:
            start_stack(**start)
    return raised, seen


@pytest.mark.parametrize(
    "model", ["process", pytest.param("container", marks=pytest.mark.container)]
)
def test_a_model_port_taken_after_the_check_says_what_holds_it_as_the_check_does(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], site_dir: Path, model: str
) -> None:
    """--model-port free at the check and taken before gunicorn binds it: the model server
    (process or container) exited, gunicorn having logged "Connection in use", and make up said
    only "the model server exited with code 1 while starting", where the site's and the API's
    ports say which port to move, how, and what holds it. The process model's gunicorn, whose
    output is make up's, printed five retries' "Connection in use" lines before that message:
    it is not started now (devstack binds the port)."""

    if model == "container":
        built_image()  # skips where no Docker engine can run
    port = worker_port()
    raised, seen = _taken_after_the_check(
        monkeypatch, port, site_dir=site_dir, model_port=port, model=model
    )
    assert raised.value.taken == {"--model-port": port}
    assert seen == [(port,)]
    assert str(raised.value).endswith("\nheld")
    assert raised.value.moves["--model-port"] != port
    if model == "process":
        assert "Connection in use" not in "".join(capfd.readouterr())
