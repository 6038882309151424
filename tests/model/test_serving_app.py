"""model/serving's app around a model that is not Trends: what a fork keeps when it replaces
trends_anomaly/, and MODEL_APP, the one name that plugs a model in (model/serve)."""

from __future__ import annotations

import functools
import http.client
import json
import textwrap

import pytest
from flask import Flask
from serving.app import create_app
from serving.errors import ApiError
from serving.hints import Hints
from serving.invocation import Answer, Invocation
from serving.model_app import refusal
from werkzeug.wrappers import Request, Response

from tests.model.test_server_behaviour import _raw_exchange
from tests.support.model_server import log_with

URI_HINT = Hints().uri_too_long

# A model of a few lines: the body's length, or its own 4xx for an empty body.
TOY_APP = textwrap.dedent(
    """
    import sys

    from serving.app import create_app
    from serving.errors import ApiError
    from serving.invocation import Answer


    def handle(req):
        if not req.body:
            raise ApiError("Nothing sent.", "Send some bytes.", code="empty")
        trends = "trends_anomaly" in sys.modules
        body = b'{"n": %d, "trends": %s}' % (len(req.body), b"true" if trends else b"false")
        return Answer(200, body, log={"toy": 1})


    def make():  # a factory, as a model may write its app: MODEL_APP calls it as make()
        return create_app(__name__, handle, 1000)


    app = make()
    """
)


def _toy(req: Invocation) -> Answer:
    if not req.body:
        raise ApiError("Nothing sent.", "Send some bytes.", code="empty")
    return Answer(200, json.dumps({"n": len(req.body), "type": req.content_type}).encode())


def test_the_server_app_serves_any_models_handler(capsys):
    client = create_app(__name__, _toy, 1000).test_client()
    assert client.get("/ping").get_json() == {"status": "healthy"}
    resp = client.post("/invocations", data=b"abc", headers={"Content-Type": "x/y"})
    assert resp.status_code == 200 and resp.get_json() == {"n": 3, "type": "x/y"}
    assert resp.headers["X-Request-Id"]
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert line["status"] == 200 and line["bytes_in"] == 3 and line["path"] == "/invocations"
    empty = client.post("/invocations", data=b"")
    assert empty.status_code == 400 and empty.get_json()["error"]["code"] == "empty"
    big = client.post("/invocations", data=b"x" * 1001)
    assert big.status_code == 413 and big.get_json()["error"]["code"] == "payload_too_large"
    assert client.get("/nowhere").get_json()["error"]["code"] == "not_found"
    assert client.get("/invocations").headers["Allow"] == "OPTIONS, POST"


def test_a_query_check_refuses_before_the_body_is_read():
    def no_query(query: bytes) -> None:
        if query:
            raise ApiError("No query.", status=400, code="bad_parameter")

    client = create_app(__name__, _toy, 1000, check_query=no_query).test_client()
    resp = client.post("/invocations?a=1", data=b"x" * 5000)  # over the limit: the query first
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_parameter"


def test_model_app_serves_another_model_without_the_trends_package(start_server, app_env, tmp_path):
    """``MODEL_APP`` in serve's environment: the toy model above, found on PYTHONPATH (the
    model directory, /opt/ml/model in the container), served by the real gunicorn setup
    (worker class, logger, worker count, all from serving/) with no Trends module loaded."""
    env = app_env(tmp_path, "toy_app", TOY_APP)
    server = start_server(tmp_path, workers=1, extra_env=env)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/invocations", body=b"hello")
        resp = conn.getresponse()
        assert (resp.status, json.loads(resp.read())) == (200, {"n": 5, "trends": False})
        conn.request("POST", "/invocations", body=b"x" * 1001)
        resp = conn.getresponse()
        assert resp.status == 413 and json.loads(resp.read())["error"]["code"] == (
            "payload_too_large"
        )
        conn.close()
        assert '"toy":1' in log_with(server, '"toy":1')  # the request's log line, the model's key
        # gunicorn's 414, answered by the worker in this model's words: it named none, so the
        # server's own, which are no Trends model's ("send detection parameters").
        long_url = b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: m\r\n\r\n"
        status, error, _ = _raw_exchange(server.port, long_url)
        assert (status, error["hint"]) == (414, f"Keep the URL under 4094 bytes: {URI_HINT}")
    finally:
        server.stop()


def _wsgi(environ, start_response):
    return []


class _WsgiClass:
    """PEP 3333's AppClass: the class is the app, each instance the answer's body."""

    def __init__(self, environ, start_response):
        pass

    def __iter__(self):
        yield b""


def _wsgi_with(extra, environ, start_response):
    return []


def _all_optional(environ=None, start_response=None):
    return []


def _make(config=None, debug=False):  # a factory or an app: nothing tells, so it is served
    return create_app(__name__, _toy, 1000)


def _make_annotated(config=None, debug=False) -> Flask:
    return create_app(__name__, _toy, 1000)


def _make_unresolvable(config=None, debug=False) -> flask_alias.Flask:  # noqa: F821
    return create_app(__name__, _toy, 1000)


class _CallableApp:
    def __init__(self, config=None, debug=False):
        pass

    def __call__(self, environ, start_response):
        return []


class _FlaskApp(Flask):
    pass


@Request.application
def _request_app(request):  # werkzeug's decorator: the WSGI app is its (*args) wrapper
    return Response("ok")


def _logged(app):
    @functools.wraps(app)  # the wrapper's signature is the one WSGI calls, not app's
    def logged(*args):
        return app(*args)

    return logged


@functools.cache
def _cached_factory():
    return create_app(__name__, _toy, 1000)


@pytest.mark.parametrize(
    "app",
    [
        create_app(__name__, _toy, 1000),
        _wsgi,
        _WsgiClass,
        print,
        functools.partial(_wsgi_with, "extra"),
        functools.partial(_wsgi),
        _all_optional,
        _make,
        _CallableApp(),
        create_app(__name__, _toy, 1000).wsgi_app,
        _request_app,
        _logged(_WsgiClass),
    ],
)
def test_a_wsgi_app_is_served(app):
    """Whatever can take (environ, start_response) and does not say it makes an app: a
    partial that leaves those two, parameters all optional, a bound method, a decorator's
    wrapper (werkzeug's ``Request.application``) whose wrapped function takes other ones."""
    assert refusal(app, "m:app") is None


@pytest.mark.parametrize(
    ("app", "what", "call"),
    [
        (
            functools.partial(create_app, __name__, _toy, 1000),
            "a functools.partial of create_app that takes (check_query=None, hints=None, "
            "inline_max_bytes=131072) and makes a Flask app",
            True,
        ),
        (
            functools.partial(create_app, __name__, _toy),
            "a functools.partial of create_app that takes (max_payload_bytes, check_query=None, "
            "hints=None, inline_max_bytes=131072) and makes a Flask app",
            False,
        ),
        (
            _make_annotated,
            "a function that takes (config=None, debug=False) and makes a Flask app",
            True,
        ),
        (
            _make_unresolvable,
            "a function that takes (config=None, debug=False) and makes a Flask app",
            True,
        ),
        (
            _CallableApp,
            "a class that takes (config=None, debug=False) and makes _CallableApp objects, "
            "which are not iterable",
            True,
        ),
        (_FlaskApp, "a class that takes (import_name, static_url_path=None", False),
    ],
)
def test_a_factory_that_could_take_two_arguments_is_refused(app, what, call):
    """These bind (environ, start_response) too, and were served: every request then called
    the factory with them (a partial of create_app with its three arguments, a function
    annotated ``-> Flask``, a Flask subclass, a class whose instances are the app)."""
    said = refusal(app, "m:app")
    assert said is not None and "\n" not in said
    assert said.startswith(f"MODEL_APP=m:app is {what}"), said
    assert ("'m:app()'" in said) is call, said


@pytest.mark.parametrize(
    ("app", "what", "call"),
    [
        (create_app, "a function that takes (import_name, handler, max_payload_bytes", False),
        (lambda: create_app(__name__, _toy, 1000), "a function that takes ()", True),
        (lambda config=None: None, "a function that takes (config=None)", True),
        (_cached_factory, "a function that takes ()", True),
    ],
)
def test_a_factory_is_refused_in_one_line_that_names_model_app(app, what, call):
    """The line says what MODEL_APP names, what it should, and the call syntax gunicorn
    offers (``module:factory()``) when the factory needs no argument."""
    said = refusal(app, "mymodel.app:create_app")
    assert said is not None and "\n" not in said
    assert said.startswith(f"MODEL_APP=mymodel.app:create_app is {what}"), said
    assert "(module:variable" in said
    assert ("'mymodel.app:create_app()'" in said) is call, said
    called = refusal(app, "mymodel.app:make()")  # a call already: no call to suggest
    assert called is not None and called.startswith("MODEL_APP=mymodel.app:make() is")
    assert "have gunicorn call" not in called
    if call:  # gunicorn reads 'module' alone as module:application
        assert "'mymodel:application()'" in (refusal(app, "mymodel") or "")


def test_model_app_naming_a_factory_stops_the_server_at_start(start_server, app_env, tmp_path):
    """gunicorn serves any callable it finds: a factory named without its call started, said
    nothing, and answered every request, /ping too, with a TypeError (SageMaker's health check
    fails, the deploy waits for nothing). The server now refuses it before any worker starts,
    and ``module:factory()``, gunicorn's own call syntax, serves what the factory returns."""
    env = app_env(tmp_path, "toy_app", TOY_APP, "toy_app:make")
    with pytest.raises(RuntimeError) as refused:
        start_server(tmp_path, workers=1, extra_env=env, timeout=30)
    said = [line for line in str(refused.value).splitlines() if "MODEL_APP" in line]
    assert len(said) == 1 and said[0].startswith("Error: MODEL_APP=toy_app:make is a function"), (
        str(refused.value)[-2000:]
    )
    assert "Traceback" not in str(refused.value)
    assert "Booting worker" not in str(refused.value)
    server = start_server(tmp_path, workers=1, extra_env={**env, "MODEL_APP": "toy_app:make()"})
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/invocations", body=b"hello")
        resp = conn.getresponse()
        assert (resp.status, json.loads(resp.read())) == (200, {"n": 5, "trends": False})
        conn.close()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("model_app", "said"),
    [
        (
            "toy_app:application",
            "Error: MODEL_APP=toy_app:application: module 'toy_app' (",
        ),
        ("toy_app", "Error: MODEL_APP=toy_app: module 'toy_app' ("),
        ("no_such_model:app", "Error: MODEL_APP=no_such_model:app: no module 'no_such_model' in "),
        (
            "no_such_pkg.app:app",
            "Error: MODEL_APP=no_such_pkg.app:app: no module 'no_such_pkg' (of 'no_such_pkg.app')",
        ),
        ("toy_app.py:app", "Error: MODEL_APP=toy_app.py:app: no module 'toy_app.py' in "),
        # a file's path, as a fork names its own package's app.py
        ("models/toy_app.py:app", "Error: MODEL_APP=models/toy_app.py:app: no module "),
        ("models/toy_app:app", "Error: MODEL_APP=models/toy_app:app: no module "),
    ],
)
def test_model_app_naming_nothing_stops_the_server_in_one_line(
    start_server, app_env, tmp_path, model_app, said
):
    """A MODEL_APP whose module imports but has no such attribute, or whose module is not on
    the path, stopped gunicorn with its and importlib's traceback (``AppImportError: Failed
    to find attribute``); now one line before any worker, naming what was looked for and
    where: the module's file and the Flask apps it does hold, or the folders searched."""
    env = app_env(tmp_path, "toy_app", TOY_APP, model_app)
    path = env["PYTHONPATH"]
    with pytest.raises(RuntimeError) as refused:
        start_server(tmp_path, workers=1, extra_env=env, timeout=30)
    log = str(refused.value)
    lines = [line for line in log.splitlines() if "MODEL_APP" in line]
    assert len(lines) == 1 and lines[0].startswith(said), log[-2000:]
    if model_app in ("toy_app:application", "toy_app"):
        assert f"{path}/toy_app.py) has no 'application'" in lines[0]
        assert "it holds a Flask app as app:" in lines[0]  # what to name instead
    else:
        assert f" {path}" in lines[0] or f" {path}," in lines[0]  # where it looked
    if model_app.startswith("toy_app.py"):
        assert "on PYTHONPATH, without .py ('toy_app')" in lines[0]
    if model_app.startswith("models/"):  # the path as the dotted name Python imports
        assert "('models.toy_app')" in lines[0], lines[0]
    assert "Traceback" not in log and "Booting worker" not in log


def test_model_app_naming_the_apps_file_says_its_module_in_one_line(
    start_server, app_env, tmp_path
):
    """MODEL_APP naming the app's file by its path (``model/mymodel/app.py:app``, from the
    repository) stopped the server with two tracebacks ending in gunicorn's "did you mean
    'model/mymodel/app:app'?", no module either; the line names the module to write."""
    env = app_env(tmp_path, "toy_app", TOY_APP)
    env["MODEL_APP"] = f"{env['PYTHONPATH']}/toy_app.py:app"  # the file, as the server sees it
    with pytest.raises(RuntimeError) as refused:
        start_server(tmp_path, workers=1, extra_env=env, timeout=30)
    log = str(refused.value)
    lines = [line for line in log.splitlines() if "MODEL_APP" in line]
    assert len(lines) == 1 and lines[0].startswith(f"Error: MODEL_APP={env['MODEL_APP']}: "), log
    assert "('toy_app')" in lines[0], lines[0]
    assert "Traceback" not in log and "Booting worker" not in log


MISSING_DEPENDENCY_APP = textwrap.dedent(
    """
    import xgboost_not_installed  # a package the fork's model needs and the image lacks

    from serving.app import create_app

    app = create_app(lambda req: {"n": 0})
    """
)


def test_a_model_importing_a_package_the_image_lacks_says_where_dependencies_go(
    start_server, app_env, tmp_path
):
    """A fork's model importing a package not installed where it serves stopped gunicorn with
    its traceback alone (kept: its frames say which line of the model imports it), and no word
    of the fix. The traceback now ends with the note: which package, and where the model's
    dependencies go (the `model` group, requirements.txt, docs/swap-your-model.md)."""
    env = app_env(tmp_path, "needs_pkg", MISSING_DEPENDENCY_APP)
    with pytest.raises(RuntimeError) as refused:
        start_server(tmp_path, workers=1, extra_env=env, timeout=30)
    log = str(refused.value)
    assert "needs_pkg.py" in log and "import xgboost_not_installed" in log  # the frames stay
    notes = [line for line in log.splitlines() if "'xgboost_not_installed'" in line]
    note = next((line for line in notes if "model group" in line), "")
    assert "requirements.txt" in note and "docs/swap-your-model.md" in note, log[-1500:]
    assert "Booting worker" not in log


SLOW_APP = textwrap.dedent(
    """
    import os
    import sys
    import time

    from serving.app import create_app
    from serving.invocation import Answer

    RELEASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "release")


    def handle(req):
        # CPU-bound, as a model's compute is: no gevent yield until the test releases it
        sys.stdout.write("slow model: computing\\n")
        sys.stdout.flush()
        end = time.monotonic() + 60
        while not os.path.exists(RELEASE) and time.monotonic() < end:
            pass
        return Answer(200, b'{"done": true}')


    app = create_app(__name__, handle, 1000, inline_max_bytes=0)
    """
)


def test_a_slow_model_on_small_requests_keeps_ping_answered(start_server, app_env, tmp_path):
    """Requests up to serving.app.INLINE_MAX_BYTES ran on the event loop (the Trends model
    answers them in milliseconds): a fork's model that computes for seconds on a small body
    held /ping of its worker as long, past SageMaker's 2 s. ``create_app(...,
    inline_max_bytes=0)`` puts every request on the compute thread."""
    env = app_env(tmp_path, "slow_app", SLOW_APP)
    server = start_server(tmp_path, workers=1, extra_env=env)
    try:
        held = http.client.HTTPConnection("127.0.0.1", server.port, timeout=90)
        held.request("POST", "/invocations", body=b"a small request")
        assert "slow model: computing" in log_with(server, "slow model: computing")
        ping = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        ping.request("GET", "/ping")
        assert ping.getresponse().status == 200  # while the request computes: not released
        ping.close()
        (tmp_path / "release").touch()
        resp = held.getresponse()
        assert (resp.status, json.loads(resp.read())) == (200, {"done": True})
        held.close()
    finally:
        (tmp_path / "release").touch()
        server.stop()


def test_a_stop_that_cuts_a_request_off_says_so_in_the_log(start_server, app_env, tmp_path):
    """SIGTERM (SageMaker's stop, on an update or a scale-in) waits for the requests being
    answered up to gunicorn's graceful timeout; then the master kills the worker, and a request
    still computing got no answer with nothing in the log (gunicorn's own "Worker graceful
    timeout" line comes after the master's SIGKILL, so it never appears). Now the worker says,
    a second before the timeout, how many requests it is still answering and that the stop
    cuts them off. The timeout is made 2 s here (GUNICORN_CMD_ARGS overrides the config):
    the line comes 1 s after SIGTERM, 1 s before the kill, as at any timeout (it was 4 s, and
    the test waited 2 s more for the same margin)."""
    env = app_env(tmp_path, "slow_app", SLOW_APP)
    env["GUNICORN_CMD_ARGS"] = "--graceful-timeout 2"
    server = start_server(tmp_path, workers=1, extra_env=env)
    try:
        held = http.client.HTTPConnection("127.0.0.1", server.port, timeout=90)
        held.request("POST", "/invocations", body=b"a small request")
        log_with(server, "slow model: computing")
        ended = server.terminate(grace_s=30)
        lines = [line for line in ended.log.splitlines() if "Stopping:" in line]
        assert len(lines) == 1, ended.log[-2000:]
        assert "1 request still being answered" in lines[0], lines[0]
        assert "graceful timeout (2 s) will cut it off unanswered" in lines[0], lines[0]
        held.close()
    finally:
        (tmp_path / "release").touch()


def test_a_stop_with_nothing_to_cut_off_says_nothing_of_it(start_server, app_env, tmp_path):
    """The line is only for requests the stop cuts off: an idle server stops without it."""
    env = app_env(tmp_path, "slow_app", SLOW_APP)
    env["GUNICORN_CMD_ARGS"] = "--graceful-timeout 4"
    server = start_server(tmp_path, workers=1, extra_env=env)
    ping = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    ping.request("GET", "/ping")  # a keep-alive connection left open: idle, not answering
    assert ping.getresponse().read() is not None
    ended = server.terminate(grace_s=30)
    assert "Stopping:" not in ended.log and "unanswered" not in ended.log, ended.log[-2000:]
    ping.close()


def test_a_model_whose_own_import_fails_keeps_its_traceback(start_server, app_env, tmp_path):
    """Not MODEL_APP's module missing but one it imports: the frames say which line."""
    env = app_env(tmp_path, "toy_app", "import not_installed_dependency\n")
    with pytest.raises(RuntimeError) as failed:
        start_server(tmp_path, workers=1, extra_env=env, timeout=30)
    log = str(failed.value)
    assert "Traceback" in log and 'toy_app.py", line 1' in log, log[-2000:]
    assert "No module named 'not_installed_dependency'" in log
    assert "Booting worker" not in log


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "SAGEMAKER_MODEL_SERVER_TIMEOUT",
            "60s",
            "Error: SAGEMAKER_MODEL_SERVER_TIMEOUT='60s': must be a whole number of seconds above "
            "0, or 0 for no limit",
        ),
        ("MODEL_BODY_TIMEOUT_SECONDS", "-1", "Error: MODEL_BODY_TIMEOUT_SECONDS='-1': must be a"),
        (
            "MODEL_SERVER_LOG_LEVEL",
            "verbose",
            "Error: MODEL_SERVER_LOG_LEVEL='verbose': must be one of debug, info, warning, "
            "error, critical",
        ),
        ("SAGEMAKER_BIND_TO_PORT", "99999", "Error: SAGEMAKER_BIND_TO_PORT='99999': must be a"),
        ("MODEL_SERVER_HOST", "127.0.0.1:9000", "Error: MODEL_SERVER_HOST='127.0.0.1:9000': "),
        ("SAGEMAKER_MODEL_SERVER_WORKERS", "two", "Error: SAGEMAKER_MODEL_SERVER_WORKERS='two'"),
    ],
)
def test_a_setting_that_is_not_one_stops_the_server_in_one_line(
    start_server, app_env, tmp_path, variable, value, said
):
    """gunicorn_conf.py's int() printed "Failed to read config file" and a ValueError
    traceback; a body timeout of 0 started a server whose every big request was a 408; a log
    level gunicorn does not know was info without a word; a port over 65535 a traceback; a
    host with a port bound that port, not SAGEMAKER_BIND_TO_PORT's."""
    env = {**app_env(tmp_path, "toy_app", TOY_APP), variable: value}
    with pytest.raises(RuntimeError) as refused:
        start_server(tmp_path, workers=1, extra_env=env, timeout=30)
    log = str(refused.value)
    lines = [line for line in log.splitlines() if variable in line]
    assert len(lines) == 1 and lines[0].startswith(said), log[-2000:]
    assert "Traceback" not in log and "Booting worker" not in log
