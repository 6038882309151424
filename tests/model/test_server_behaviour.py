"""The server as SageMaker runs it: /ping while busy, start-up settings, fuzzed bodies, SIGTERM.

Each test runs against both targets (tests/model/conftest.py): the process and the container.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import textwrap
import threading
import time
import urllib.request

import numpy as np
import pytest
from serving.app import INLINE_MAX_BYTES

from tests.model.conftest import Client, read_data
from tests.model.test_http_errors import REASONS
from tests.support.model_server import log_with
from tests.support.tcp_queues import wait_taken


def hourly_csv(n: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = np.round(50 + 20 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 3, n), 1)
    stamps = np.datetime64("2010-01-01T00") + t.astype("timedelta64[h]")
    return (
        "time,load\n" + "\n".join(f"{s},{v}" for s, v in zip(stamps, values, strict=True))
    ).encode()


# The Trends model, held: each request says in the log when its worker accepted it (on the
# worker's event loop, as it arrives) and when it starts computing (on the compute thread,
# where a big body goes), then computes, CPU-bound as the model is, until the test creates
# the file "release" beside this module (at most two minutes), and is answered by the Trends
# model. In the container the model directory is /opt/ml/model, a bind mount: the file the
# test creates on the host is seen there too.
HELD_TRENDS_APP = textwrap.dedent(
    """
    import os
    import time

    from serving.app import create_app
    from trends_anomaly.app import HINTS, settings
    from trends_anomaly.contract import invoke

    RELEASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "release")


    def held(req):
        print(f"held request computing in worker {os.getpid()}", flush=True)
        end = time.monotonic() + 120
        while not os.path.exists(RELEASE) and time.monotonic() < end:
            pass
        return invoke(req, settings=settings)


    app = create_app(__name__, held, settings.max_payload_bytes, hints=HINTS)
    _served = app.wsgi_app


    def _arrived(environ, start_response):
        hold = environ.get("HTTP_X_HOLD")
        if hold:
            print(f"held request {hold} arrived in worker {os.getpid()} .", flush=True)
        return _served(environ, start_response)


    app.wsgi_app = _arrived
    """
)


def test_ping_answers_while_every_worker_is_busy(start_server, app_env, tmp_path):
    """Two workers, each computing a long request that the test holds: /ping still answers.
    (The requests were 100 000-point STL ones, 0.25 s each on an idle machine, and the test
    pinged and hoped they were still computing: on a loaded machine they could finish first,
    or the pings could wait for the machine and the test failed. Now the model holds every
    request until the test releases it, and the pings go only once the log says that each
    worker is computing one.)"""
    env = app_env(tmp_path, "held_trends", HELD_TRENDS_APP)
    server = start_server(tmp_path, workers=2, extra_env=env)
    body = hourly_csv(20_000)  # over serving.app.INLINE_MAX_BYTES: computed on the thread
    finished: list[int] = []

    def send(hold: int) -> None:
        c = Client(server.port)
        attrs = {"X-Amzn-SageMaker-Custom-Attributes": "method=stl", "X-Hold": str(hold)}
        finished.append(c.invoke(body, **attrs)[0])

    threads: list[threading.Thread] = []
    workers: set[str] = set()
    try:
        # Which worker accepts a connection is the kernel's choice: send held requests one at
        # a time until both workers have one (a worker busy computing is slow to accept, so
        # the second request nearly always goes to the other; 40 bounds the loop).
        for hold in range(40):
            threads.append(threading.Thread(target=send, args=(hold,)))
            threads[-1].start()
            arrived = f"held request {hold} arrived in worker "
            log = log_with(server, arrived)
            assert arrived in log, log[-3000:]
            workers.add(log.split(arrived, 1)[1].split(" ", 1)[0])
            if len(workers) == 2:
                break
        assert len(workers) == 2, f"{hold + 1} requests all went to worker {workers}"
        for worker in workers:  # each worker's first request computes: nothing is ahead of it
            computing = f"held request computing in worker {worker}"
            assert computing in log_with(server, computing), server.log()[-3000:]
        pings = []
        for _ in range(5):  # new connections: either worker may take each
            with urllib.request.urlopen(f"{server.url}/ping", timeout=30) as resp:
                pings.append(resp.status)
        assert pings == [200] * 5
        assert not finished, "a held request was answered before its release"
    finally:
        (tmp_path / "release").touch()
        for t in threads:
            t.join(timeout=120)
        server.stop()
    assert finished == [200] * len(threads)


def test_a_100k_point_request_is_answered(client):
    status, answer = client.json(hourly_csv(100_000, seed=1))
    assert status == 200
    assert len(answer["series"][0]["values"]) == 100_000
    assert answer["series"][0]["parameters"]["period"] == 24


def test_a_refused_big_request_leaves_no_memory_behind(model_server):
    """An error raised on the compute thread came back through app._offload, whose frame held
    it while its traceback held the frame: a cycle, so every big request refused there kept
    its body alive until a garbage collection: thirty 6 MB bodies refused one after another
    grew the workers by 72-83 MB (a few MB after)."""
    c = Client(model_server.port)
    big = b"x" * (6 * 1024 * 1024 - 1)  # refused (415) after it has been read
    assert c.invoke(big, "application/xml")[0] == 415
    before = model_server.workers_rss_mb()
    for _ in range(30):
        assert c.invoke(big, "application/xml")[0] == 415
    grown = model_server.workers_rss_mb() - before
    assert grown < 30, f"the workers grew by {grown} MB"


def test_ping_answers_with_more_connections_open_than_the_old_limit(model_server):
    """Each worker accepted 100 connections at once (worker_connections); with every one
    taken it stopped accepting and /ping waited in the listen queue behind them: 250
    concurrent clients made it take up to 3.7 s (SageMaker fails a ping after 2 s), and 200
    clients that stall after their headers blocked it outright."""
    head = (
        b"POST /invocations HTTP/1.1\r\nHost: model\r\nContent-Type: text/csv\r\n"
        b"Content-Length: 10\r\n\r\n"
    )
    stalled = []
    try:
        for _ in range(2 * 100 + 10):  # both workers' old limit, and more
            sock = socket.create_connection(("127.0.0.1", model_server.port), timeout=10)
            sock.sendall(head)  # and never the body
            stalled.append(sock)
        # blocked outright before: a bound, not a speed (a loaded machine may take seconds)
        with urllib.request.urlopen(f"{model_server.url}/ping", timeout=30) as resp:
            assert resp.status == 200
    finally:
        for sock in stalled:
            sock.close()


def test_big_bodies_are_read_a_few_at_a_time(start_server, app_env, tmp_path):
    """A worker computes one request at a time but read every body as its connection came:
    with --memory 1g, 100 concurrent 6 MB requests killed both workers (out of memory) in
    20 s. Now a big body waits, unread, for one of admission.BIG_AT_ONCE slots: sixteen 6 MB
    requests queued behind a long one raise the worker's peak memory by a few bodies, not
    sixteen.

    The long request is held (HELD_TRENDS_APP) from the moment the log says it is computing
    until the log says all sixteen have arrived in the worker. (It was a 100 000-point STL
    request, 0.25 s on an idle machine, and the sixteen went 0.3 s after it on a guess that it
    was computing: on a loaded machine it could be still unread, or done before they came, and
    the test passed without anything queued behind it.)"""
    env = app_env(tmp_path, "held_trends", HELD_TRENDS_APP)
    server = start_server(tmp_path, workers=1, extra_env=env)
    release = tmp_path / "release"
    computing = "held request computing in worker "
    try:
        c = Client(server.port)
        long_one = hourly_csv(100_000, seed=4)
        attrs = {"X-Amzn-SageMaker-Custom-Attributes": "method=stl"}
        release.touch()  # the first one is not held: it sets the peak to compare with
        assert c.invoke(long_one, **attrs)[0] == 200
        release.unlink()
        before = server.workers_rss_mb("VmHWM")  # the long request's own peak included
        statuses: list[int] = []
        big = b"x" * (6 * 1024 * 1024 - 1)  # refused (415) once read: only holding it costs

        def send_big(n: int) -> None:
            client = Client(server.port)
            statuses.append(client.invoke(big, "application/xml", **{"X-Hold": f"big{n}"})[0])

        long_status: list[int] = []
        long_request = threading.Thread(
            target=lambda: long_status.append(c.invoke(long_one, **attrs)[0])
        )
        long_request.start()
        log = _log_counting(server, computing, 2)
        assert log.count(computing) == 2, log[-3000:]
        senders = [threading.Thread(target=send_big, args=(n,)) for n in range(16)]
        for t in senders:
            t.start()
        # One wait for all sixteen lines (each request says it once): in the container each
        # reading of the log is a `docker logs`, and a wait per line cost sixteen of them.
        log = _log_counting(server, "held request big", 16)
        for n in range(16):
            arrived = f"held request big{n} arrived in worker "
            assert arrived in log, log[-3000:]
        assert not long_status, "the long request was answered before its release"
        release.touch()
        for t in [long_request, *senders]:
            t.join(timeout=120)
        assert long_status == [200]
        assert statuses == [415] * 16
        grown = server.workers_rss_mb("VmHWM") - before
        assert grown < 48, f"the worker's peak grew by {grown} MB"
    finally:
        release.touch()
        server.stop()


def _log_counting(server, text: str, times: int, timeout_s: float = 60.0) -> str:
    """The server's log once ``text`` is in it ``times`` times (or, after ``timeout_s``, as it
    is then, for the assertion to show)."""
    deadline = time.monotonic() + timeout_s
    log = server.log()
    while log.count(text) < times and time.monotonic() < deadline:
        time.sleep(0.1)
        log = server.log()
    return log


def test_a_client_that_stops_sending_its_body_gets_a_408_and_frees_its_slot(start_server, tmp_path):
    """A big body is read in one of admission.BIG_AT_ONCE slots: two clients that sent their
    headers and stopped would hold both for good, and every big request after them would
    wait. A body must arrive within MODEL_BODY_TIMEOUT_SECONDS (here 3 s, 30 by default).

    The good request's body is under the same deadline once it has a slot. It was 1 s, and
    the body went through http.client's sendall from the test's thread: a loaded machine
    that stalled that thread (or the worker) for a second made it a 408 too. Now the whole
    request is in the kernel's socket buffers before the server asks for its body, so no
    sender can stall it, and the worker has 3 s to read what is already there (it was 5 s:
    the test waits that long for the stalled ones' 408s, and a read of what the kernel holds
    takes milliseconds).

    The good request goes once both stalled ones hold a slot, as the kernel shows it: each sent
    its headers, and once the worker had read them, the first bytes of its body, which the
    worker reads only in a slot. (It slept 0.3 s and hoped: on a loaded machine the good
    request could take a slot first, and the test passed without a slot ever being freed.)"""
    server = start_server(tmp_path, workers=1, extra_env={"MODEL_BODY_TIMEOUT_SECONDS": "3"})
    answers: list[tuple[int, dict, bytes]] = []
    head = b"POST /invocations HTTP/1.1\r\nHost: model\r\nContent-Type: text/csv\r\n"
    stalled_head = head + b"Content-Length: 500000\r\n\r\n"  # big
    body = hourly_csv(8_000)
    assert len(body) > INLINE_MAX_BYTES  # big: it waits for a slot
    whole = head + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    stalled: list[socket.socket] = []
    clients: list[threading.Thread] = []
    try:
        for _ in range(2):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
            stalled.append(sock)
            sock.sendall(stalled_head)
            assert wait_taken(sock), "the worker did not read the stalled request's headers"
            sock.sendall(b"date,v\n")  # and then nothing
            assert wait_taken(sock), "the stalled request's body was never asked for (no slot)"
            clients.append(threading.Thread(target=lambda s=sock: answers.append(_reply(s))))
            clients[-1].start()
        with _sent_whole(server.port, whole) as sock:
            status, data = _answer(sock)
        assert status == 200, data[:300]
        for t in clients:
            t.join(timeout=60)
        assert [(status, error["code"]) for status, error, _ in answers] == [
            (408, "request_timeout")
        ] * 2
        assert "did not arrive within 3 s" in answers[0][1]["message"]
    finally:
        for sock in stalled:
            sock.close()
        server.stop()


def _sent_whole(port: int, data: bytes) -> socket.socket:
    """A connection with all of ``data`` already handed to the kernel: a send buffer that
    holds it, and one non-blocking send. What the server's side has not yet taken waits in
    this socket's buffer and goes on loopback as the server reads (the kernel sends it on the
    server's acknowledgements): no thread of the test needs to run for it to arrive."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2 * len(data))
    sock.setblocking(False)
    try:
        sent = sock.send(data)
    except BlockingIOError:
        sent = 0
    sock.settimeout(60)
    if sent < len(data):
        size = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        sock.close()
        raise AssertionError(
            f"The kernel took {sent} of the request's {len(data)} bytes at once (send buffer "
            f"{size} bytes); the test needs all of them buffered: raise net.core.wmem_max."
        )
    return sock


def _answer(sock: socket.socket) -> tuple[int, bytes]:
    """One answer read from ``sock``: (status, body), by its Content-Length."""
    received = _read_head(sock)
    head, _, rest = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, f"closed inside the answer: {received[:300]!r}"
        rest += chunk
    return int(head.split(b" ", 2)[1]), rest[:length]


def test_stl_requests_with_long_seasons_leave_no_memory_behind(model_server):
    """loess kept every plan it built, 256 of them: a season of 1000 points left ~36 MB per
    series length in the worker, so five 8 KB requests with different seasons grew the
    workers by ~180 MB, and about fifty killed a worker of a 2 GB container. The plans kept
    now weigh at most loess.PLAN_CACHE_BYTES in each of the two workers."""
    from trends_anomaly.loess import PLAN_CACHE_BYTES

    c = Client(model_server.port)

    def stl(period: int) -> None:
        values = ",".join(str(i % 7) for i in range(2 * period + 2))
        status, _, data = c.invoke(
            f'{{"series":[{{"values":[{values}]}}]}}'.encode(),
            "application/json",
            **{"X-Amzn-SageMaker-Custom-Attributes": f"method=stl;period={period}"},
        )
        assert status == 200, data[:300]

    stl(1000)
    before = model_server.workers_rss_mb()
    for period in range(1001, 1006):
        stl(period)
    grown = model_server.workers_rss_mb() - before
    assert grown < 2 * PLAN_CACHE_BYTES // 2**20 + 32, f"the workers grew by {grown} MB"


def test_defaults_json_overrides_default_parameters(start_server, tmp_path):
    (tmp_path / "defaults.json").write_text(json.dumps({"method": "stl", "alpha": 0.01}))
    server = start_server(tmp_path, workers=1)
    try:
        c = Client(server.port)
        status, answer = c.json(read_data("en_weekly5y_bitcoin.csv"))
        assert status == 200
        assert answer["parameters"]["method"] == "stl"
        assert answer["parameters"]["alpha"] == 0.01
        # A request still overrides the file.
        status, answer = c.json(
            read_data("en_weekly5y_bitcoin.csv"),
            **{"X-Amzn-SageMaker-Custom-Attributes": "method=auto"},
        )
        assert answer["parameters"]["method"] == "auto"
    finally:
        server.stop()


def test_invalid_defaults_json_stops_the_server_with_a_message(start_server, tmp_path):
    (tmp_path / "defaults.json").write_text(json.dumps({"sensitivity": 7}))
    with pytest.raises(RuntimeError, match="sensitivity must be"):
        start_server(tmp_path, workers=1, timeout=30)


# A model whose answer waits until its worker has been told to stop (SIGTERM; at most a
# minute), and says on stdout when it starts one: a request certainly in flight when the
# signal comes, however slow the machine. (It slept 3 s: the signal had to come within those
# 3 s of the line reaching the log, a race a loaded machine, or dockerd's log lag, could lose.)
SLOW_APP = textwrap.dedent(
    """
    import signal
    import time

    from serving.app import create_app
    from serving.invocation import Answer

    stopping = []


    def handle(req):
        told = signal.getsignal(signal.SIGTERM)  # the worker's own: it still runs

        def noted(sig, frame):
            stopping.append(sig)
            told(sig, frame)

        signal.signal(signal.SIGTERM, noted)
        print("slow request started", flush=True)
        end = time.monotonic() + 60
        while not stopping and time.monotonic() < end:
            time.sleep(0.05)
        return Answer(200, b'{"slept": true}')


    app = create_app(__name__, handle, 1000)
    """
)


def test_sigterm_finishes_the_requests_in_flight_then_exits_cleanly(
    start_server, app_env, tmp_path
):
    """SageMaker stops a container with SIGTERM and kills it 30 s later: a request already
    being answered still gets its answer, and the server exits 0 well inside those 30 s. That
    answer says "Connection: close": it said keep-alive (gunicorn decides before the app runs),
    then the stopping worker closed the connection, so a client sending its next request on
    it met a closed socket. (This test used a 100 000-point request, answered in 0.2 s: before
    the signal, 0.3 s later, so nothing was in flight when it came. The model here answers
    only once its worker has the signal.)"""
    env = app_env(tmp_path, "slow_app", SLOW_APP)
    server = start_server(tmp_path, workers=1, extra_env=env)
    answers: list[tuple[int, str | None, bytes]] = []
    c = Client(server.port)
    assert c.request("GET", "/ping")[0] == 200  # connected before the signal

    def send() -> None:
        status, headers, body = c.invoke(b"wait", "text/plain")
        answers.append((status, headers.get("Connection"), body))

    sending = threading.Thread(target=send)
    sending.start()
    log_with(server, "slow request started")
    ended = server.terminate(grace_s=30)
    sending.join(timeout=60)
    assert answers == [(200, "close", b'{"slept": true}')], ended.log[-3000:]
    # Exit 0 within the grace (30 s, SageMaker's): a server still running then is killed.
    assert ended.exit_code == 0, ended.log[-3000:]
    assert "Shutting down: Master" in ended.log
    assert "Traceback" not in ended.log


def test_after_a_hup_sigterm_still_finishes_the_requests_in_flight(start_server, app_env, tmp_path):
    """A HUP reloads gunicorn's configuration: gunicorn_conf.py runs again in the master. Its
    start-up SIGTERM handler (exit at once, for a stop while the app loads) then replaced
    the master's own: the next SIGTERM ended the master at once, the request in flight had no
    answer and the workers were left to the container's end."""
    env = app_env(tmp_path, "slow_app", SLOW_APP)
    server = start_server(tmp_path, workers=1, extra_env=env)
    booting = "Booting worker with pid: "
    first = log_with(server, booting).split(booting, 1)[1].split()[0]
    server.hang_up()
    # The reload is over once the worker from before it has exited: the master boots a new
    # worker, stops the old one and waits for it (gunicorn's Arbiter.reload) before it handles
    # another signal. (The wait was 20 s, and ran on when it ran out: on a loaded machine the
    # test could pass without the reload it is about. Then it ended at the new worker's boot:
    # the old one, stopped but still accepting for up to a second, could take the request, and
    # the test's SIGTERM waited in the master, still in the reload, for the old worker's
    # graceful timeout, 25 s, before the request was answered.)
    exited = f"Worker exiting (pid: {first})"
    deadline = time.monotonic() + 60
    while server.log().count("Booting worker") < 2 or exited not in server.log():
        assert time.monotonic() < deadline, server.log()[-3000:]
        time.sleep(0.1)
    answers: list[tuple[int, bytes] | str] = []
    c = Client(server.port)
    assert c.request("GET", "/ping")[0] == 200

    def send() -> None:
        try:
            status, _headers, body = c.invoke(b"wait", "text/plain")
            answers.append((status, body))
        except (OSError, http.client.HTTPException) as exc:
            answers.append(repr(exc))

    sending = threading.Thread(target=send)
    sending.start()
    log_with(server, "slow request started")
    ended = server.terminate(grace_s=30)
    sending.join(timeout=60)
    assert answers == [(200, b'{"slept": true}')], ended.log[-3000:]
    assert ended.exit_code == 0, ended.log[-3000:]
    assert "Shutting down: Master" in ended.log, ended.log[-3000:]


EXTREMES = ["1e308", "-1e308", "0", "1e-320", "5"]
ODD_DATES = ["2024-01-01", "2024-02-30", "1900-01-01", "9999-12-31", "2024/01/05", "05.01.2024"]


def _mutations(rng: random.Random, seeds: list[bytes]):
    """Random and malformed bodies: damaged exports, junk, odd JSON, odd headers."""
    kinds = [
        "text/csv",
        "application/json",
        "text/plain",
        "application/csv",
        "text/csv; charset=latin-1",
    ]
    attrs = [
        "",
        "method=stl",
        "method=dbscan;eps=0.5",
        "period=3",
        "sensitivity=0.9",
        "method=stl;period=2",
        "=",
        ";;",
        "method=auto;max_anomalies=0",
        "alpha=1e-300",
    ]
    while True:
        base = bytearray(rng.choice(seeds))
        op = rng.randrange(9)
        if op == 0:  # flip bytes
            for _ in range(rng.randint(1, 20)):
                base[rng.randrange(len(base))] = rng.randrange(256)
        elif op == 1:  # truncate
            base = base[: rng.randrange(len(base))]
        elif op == 2:  # random bytes
            base = bytearray(rng.randbytes(rng.randint(0, 2000)))
        elif op == 3:  # shuffle lines
            lines = bytes(base).split(b"\n")
            rng.shuffle(lines)
            base = bytearray(b"\n".join(lines))
        elif op == 4:  # random JSON document
            doc = rng.choice(
                [
                    {"csv": bytes(base).decode(errors="replace")[: rng.randrange(4000)]},
                    {
                        "series": [
                            {
                                "values": [
                                    rng.choice([1, "x", None, 1e308, -1, "<1"])
                                    for _ in range(rng.randint(0, 30))
                                ]
                            }
                        ]
                    },
                    {"series": [{"timestamps": ["2024-01-01"] * 3, "values": [1, 2]}]},
                    {
                        "data": bytes(base).decode(errors="replace"),
                        "seasonality": rng.choice([True, False, "yes", None]),
                        "period": rng.choice([1, 12, 0, -5, "x", 10**9]),
                        "eps": rng.choice([0, -1, 0.1, "a"]),
                        "min_pts": rng.choice([0, 4, 1.5]),
                    },
                    [1, 2, 3],
                    "string",
                    None,
                    {"series": "nope"},
                ]
            )
            base = bytearray(json.dumps(doc).encode())
        elif op == 5:  # inject odd cells
            text = (
                bytes(base)
                .decode(errors="replace")
                .replace(
                    ",", rng.choice([",,", ",<1,", ",NaN,", ",inf,", ",-,"]), rng.randint(1, 50)
                )
            )
            base = bytearray(text.encode())
        elif op == 6:  # extreme values
            base = bytearray(
                b"t,v\n"
                + b"".join(
                    f"2024-01-{d:02d},{rng.choice(EXTREMES)}\n".encode()
                    for d in range(1, rng.randint(2, 29))
                )
            )
        elif op == 7:  # duplicated timestamps / weird dates
            base = bytearray(
                b"t,v\n"
                + b"".join(
                    f"{rng.choice(ODD_DATES)},{rng.randint(0, 100)}\n".encode()
                    for _ in range(rng.randint(1, 60))
                )
            )
        yield (
            bytes(base),
            rng.choice(kinds),
            rng.choice(attrs),
            rng.choice(["", "application/json", "text/csv", "*/*", "application/xml"]),
        )


# The server's code is fuzzed in full as a process; the container runs the same code, so a
# fifth as many bodies there check what the image adds (its Python, libraries and locale)
# without making the one worker that runs every container test the suite's longest.
FUZZED_BODIES = {"process": 10_000, "container": 2_000}


@pytest.mark.slow
def test_fuzzed_bodies_never_get_a_5xx_nor_kill_a_worker(model_server):
    """Random and malformed bodies over HTTP: every answer is 2xx or 4xx."""
    seeds = [
        read_data(n)
        for n in (
            "en_weekly5y_3terms_lt1_glp1.csv",
            "en_hourly7d_2terms.csv",
            "it_monthly_quotedterms.csv",
            "en_weekly1y_crlf_lt1_colonterm.csv",
        )
    ]
    rng = random.Random(20261125)
    c = Client(model_server.port)
    statuses: dict[int, int] = {}
    failures = []
    gen = _mutations(rng, seeds)
    bodies = FUZZED_BODIES[model_server.kind]
    for i in range(bodies):
        body, ctype, attrs, accept = next(gen)
        headers = {"X-Amzn-SageMaker-Custom-Attributes": attrs, "Accept": accept}
        status, _, data = c.invoke(body, ctype, **headers)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            failures.append((i, ctype, attrs, body[:200], data[:300]))
    assert not failures, failures[:5]
    assert (
        statuses.get(200, 0) > bodies // 20
        and sum(v for k, v in statuses.items() if 400 <= k < 500) > bodies // 20
    )
    assert model_server.alive()
    assert "Worker exiting" not in model_server.log() and "WORKER TIMEOUT" not in model_server.log()
    with urllib.request.urlopen(f"{model_server.url}/ping", timeout=30) as resp:
        assert resp.status == 200


def test_errors_on_big_bodies_log_one_line_and_no_traceback(model_server):
    """A 400 computed on the worker's thread pool is an answer, not an unhandled error."""
    body = b"date,name\n" + b"2024-01-01,abc\n" * 12000  # > the inline limit, no numeric column
    c = Client(model_server.port)
    status, _, data = c.invoke(body, **{"X-Request-Id": "big-400"})
    assert status == 400
    assert json.loads(data)["error"]["code"] == "no_numeric_column"
    log = log_with(model_server, '"request_id":"big-400"')
    assert "Traceback" not in log
    assert sum('"request_id":"big-400"' in line for line in log.splitlines()) == 1


def _read_head(sock: socket.socket) -> bytes:
    """Bytes from ``sock`` up to the end of an answer's head (and whatever came with it)."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, f"closed without an answer: {received[:300]!r}"
        received += chunk
    return received


def _raw_exchange(port: int, data: bytes, half_close: bool = False) -> tuple[int, dict, bytes]:
    """Send ``data`` as is on a new connection and read one answer (status, error, rest): what
    a client that frames its own body sends, unlike http.client. Bounded by a 60 s timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return _reply(sock)


def _reply(sock: socket.socket) -> tuple[int, dict, bytes]:
    """One answer read from ``sock`` (status, error, rest), and what follows it until the
    server closes the connection."""
    status, body = _answer(sock)
    after = b""  # what else the connection carries: nothing, it closes
    while chunk := sock.recv(65536):
        after += chunk
    return status, json.loads(body).get("error", {}), after


def test_a_broken_or_short_body_is_a_400_that_says_so(model_server):
    """A chunked body with a bad chunk size made gunicorn's body reader raise inside the app:
    500 internal_error and a traceback. A body shorter than its Content-Length (the client
    closed its side) was analysed as the whole file: 200 for a truncated export."""
    head = b"POST /invocations HTTP/1.1\r\nHost: model\r\nContent-Type: text/csv\r\n"
    status, error, after = _raw_exchange(
        model_server.port,
        head + b"Transfer-Encoding: chunked\r\n\r\n7\r\ndate,v\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    )
    assert (status, error["code"]) == (400, "bad_body"), error
    assert "chunked transfer encoding is broken" in error["message"] and error["hint"]
    assert after == b"", after[:300]  # the stream's framing is lost: the connection closes
    csv = b"date,v\n" + b"".join(b"2024-01-%02d,%d\n" % (d, d % 5) for d in range(1, 29))
    status, error, _ = _raw_exchange(
        model_server.port,
        head + b"Content-Length: %d\r\n\r\n" % (len(csv) + 100) + csv,
        half_close=True,
    )
    assert (status, error["code"]) == (400, "bad_body"), error
    assert f"ended after {len(csv)} of the {len(csv) + 100} bytes" in error["message"]
    log = model_server.log()
    assert "Traceback" not in log and '"error_code":"internal_error"' not in log


_BAD_HTTP = {
    "garbage request line": (b"GARBAGE\r\n\r\n", 400, "bad_request"),
    "HTTP/9.9": (b"GET /ping HTTP/9.9\r\n\r\n", 400, "bad_request"),
    "bad Content-Length": (
        b"POST /invocations HTTP/1.1\r\nHost: m\r\nContent-Length: abc\r\n\r\n",
        400,
        "bad_request",
    ),
    "bad header name": (b"GET /ping HTTP/1.1\r\nBad Header: y\r\n\r\n", 400, "bad_request"),
    "URL too long": (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: m\r\n\r\n", 414, "uri_too_long"),
    "too many headers": (
        b"GET /ping HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) + b"\r\n",
        431,
        "headers_too_large",
    ),
    "unknown Expect": (
        b"POST /invocations HTTP/1.1\r\nHost: m\r\nExpect: 100-foo\r\nContent-Length: 1\r\n\r\nx",
        417,
        "expectation_failed",
    ),
    "unknown Transfer-Encoding": (
        b"POST /invocations HTTP/1.1\r\nHost: m\r\nTransfer-Encoding: br\r\n\r\n",
        501,
        "unsupported_transfer_encoding",
    ),
}


@pytest.mark.parametrize("case", list(_BAD_HTTP))
def test_requests_gunicorn_refuses_get_the_json_error_shape(model_server, case):
    """gunicorn answers a request its parser refuses before the app sees it, with an HTML page
    (status right, body useless to an API client); the answer is now {"error": {code, message,
    hint}} as from the app, with gunicorn's status, and the connection closes as before."""
    data, status, code = _BAD_HTTP[case]
    got, error, after = _raw_exchange(model_server.port, data)
    assert (got, error.get("code")) == (status, code), error
    assert error["message"].endswith(".") and len(error["message"]) > 30, error
    assert error["hint"], error
    assert after == b""
    assert Client(model_server.port).request("GET", "/ping")[0] == 200


def test_the_trends_models_414_keeps_its_words(model_server):
    """The worker answers the 414 outside the app, in the served app's words (its hints):
    the Trends model's name its detection parameters; another model's do not (test_serving_app)."""
    _, error, _ = _raw_exchange(model_server.port, _BAD_HTTP["URL too long"][0])
    assert error["hint"] == (
        "Keep the URL under 4094 bytes: send detection parameters in the "
        "X-Amzn-SageMaker-Custom-Attributes header and the data as the body."
    )


@pytest.mark.parametrize("case", list(_BAD_HTTP))
def test_the_status_line_of_a_refusal_gives_its_statuss_reason(model_server, case):
    """gunicorn's 501 (a Transfer-Encoding it does not implement) went out as "HTTP/1.1 501
    Bad Request": it starts every refusal as 400 "Bad Request" and kept that reason."""
    data, status, _ = _BAD_HTTP[case]
    with socket.create_connection(("127.0.0.1", model_server.port), timeout=60) as sock:
        sock.sendall(data)
        line = _read_head(sock).split(b"\r\n", 1)[0].decode("latin-1")
    assert line == f"HTTP/1.1 {status} {REASONS[status]}"


def _answer_and_fate(port: int, data: bytes) -> tuple[int, str, bool]:
    """Send ``data`` on a new connection and read one answer; then ask for /ping on the same
    connection: (status, the answer's Connection header, whether the server closed the
    connection instead of answering). Bounded by a 60 s timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(data)
        received = _read_head(sock)
        head, _, rest = received.partition(b"\r\n\r\n")
        lines = [line.decode("latin-1") for line in head.split(b"\r\n")[1:]]
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk, f"closed inside the answer: {received[:300]!r}"
            rest += chunk
        try:
            sock.sendall(b"GET /ping HTTP/1.1\r\nHost: model\r\n\r\n")
            closed = rest[length:] + sock.recv(65536) == b""
        except (ConnectionResetError, BrokenPipeError):
            closed = True
    return int(head.split(b" ", 2)[1]), headers.get("connection", ""), closed


def test_the_connection_header_says_whether_the_connection_stays_open(start_server, tmp_path):
    """A request whose body could not be read (it stopped arriving: 408; a broken chunk: 400)
    was answered "Connection: keep-alive", and gunicorn then closed the connection (where the
    next request starts is unknown): a client that believed it sent its next request into a
    closed connection. A body refused unread (413 by its Content-Length) was answered
    "keep-alive", and gunicorn then read on to the body's end, however big: the client's
    next request on the connection was taken as body, unanswered. Every answer now says what
    then happens. (A body cut short by the client closing its side is not here: no next
    request can come on it either way.)"""
    server = start_server(tmp_path, workers=1, extra_env={"MODEL_BODY_TIMEOUT_SECONDS": "1"})
    head = b"POST /invocations HTTP/1.1\r\nHost: model\r\nContent-Type: text/csv\r\n"
    csv = b"date,v\n" + b"".join(b"2024-01-%02d,%d\n" % (d, d % 5) for d in range(1, 29))
    cases = {
        "body stopped": (head + b"Content-Length: 500000\r\n\r\ndate,v\n", 408),
        "broken chunk": (
            head + b"Transfer-Encoding: chunked\r\n\r\n7\r\ndate,v\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            400,
        ),
        "gunicorn's own refusal": (b"GARBAGE\r\n\r\n", 400),
        # Refused by its Content-Length, unread: the rest of the body, and a request after it,
        # are never read as the next request (gunicorn read on to the body's end, however big,
        # and the /ping after the answer was taken as body, unanswered).
        "a body refused unread": (head + b"Content-Length: 7000000\r\n\r\ndate,v\n", 413),
        "a whole body refused": (
            b"POST /invocations HTTP/1.1\r\nHost: model\r\nContent-Type: image/png\r\n"
            b"Content-Length: %d\r\n\r\n" % len(csv) + csv,
            415,
        ),
        "a whole body answered": (head + b"Content-Length: %d\r\n\r\n" % len(csv) + csv, 200),
    }
    try:
        seen = {name: _answer_and_fate(server.port, data) for name, (data, _) in cases.items()}
    finally:
        server.stop()
    for name, (status, connection, closed) in seen.items():
        assert status == cases[name][1], (name, status)
        assert connection == ("close" if closed else "keep-alive"), (name, connection, closed)
    # What reads to the end of a body keeps the connection; what cannot, closes it.
    assert [name for name, (_, _, closed) in seen.items() if not closed] == [
        "a whole body refused",
        "a whole body answered",
    ]


def test_a_file_read_as_a_request_line_or_header_is_not_quoted_in_the_log(model_server):
    """gunicorn warns about each request its parser refuses, quoting the offending part: a
    body longer than its Content-Length, or a file sent without an HTTP head, is read as the
    next request line, and its first line (the search terms and the country of an export's
    header) landed in the log. The caller's answer may name it; the log says only the kind."""
    term, geo = "zq-term-" + "4be1", "zq-geo-" + "4be1"  # the upload's, not the code's
    csv = f"Week,{term}: ({geo})\r\n2024-01-07,41\r\n2024-01-14,43\r\n".encode()
    head = b"POST /invocations HTTP/1.1\r\nHost: model\r\nContent-Type: text/csv\r\n"
    before = model_server.log().count("Invalid request from")
    _raw_exchange(model_server.port, head + b"Content-Length: 4\r\n\r\n" + csv)  # overruns
    status, error, _ = _raw_exchange(model_server.port, csv)  # no HTTP head at all
    assert status == 400 and term in error["message"]  # back to the sender: theirs to fix
    _raw_exchange(model_server.port, head + f"X-{term}\x01: y\r\n\r\n".encode())
    deadline = time.monotonic() + 20
    while model_server.log().count("Invalid request from") < before + 3:
        assert time.monotonic() < deadline, model_server.log()[-2000:]
        time.sleep(0.1)
    log = model_server.log()
    assert term not in log and geo not in log
    assert "Invalid HTTP request line: '…'" in log  # what happened is still said


def test_a_client_that_sends_a_refused_body_whole_still_reads_the_413(model_server):
    """A body refused unread now closes its connection. Closed at once with the body's bytes
    unread, the kernel resets it under a client still sending (http.client and requests send
    the whole body before reading): "Connection reset by peer", never the 413. The server
    drops what still comes for a few seconds (gevent_worker.linger), so the 413 is read:
    measured with it off, http.client got BrokenPipeError for 7, 32 and 64 MB bodies."""
    conn = http.client.HTTPConnection("127.0.0.1", model_server.port, timeout=60)
    try:  # not tests' Client, which tries again on a new connection after a reset
        body = b"date,v\n" + b"x" * (7 * 1024 * 1024)
        conn.request("POST", "/invocations", body, {"Content-Type": "text/csv"})
        reply = conn.getresponse()
        status, connection, data = reply.status, reply.getheader("Connection"), reply.read()
    finally:
        conn.close()
    assert (status, json.loads(data)["error"]["code"]) == (413, "payload_too_large")
    assert connection == "close"
    assert Client(model_server.port).request("GET", "/ping")[0] == 200


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"X-Big": "a" * 70_000}, 431, "headers_too_large"),
        ({"X-Bad\x01Name": "y"}, 400, "bad_request"),
    ],
    ids=["headers too large", "a header gunicorn cannot parse"],
)
def test_a_client_sending_a_body_gunicorn_refused_unread_still_reads_the_refusal(
    model_server, headers, status, code
):
    """gunicorn refuses these before the body (its own parser: handle_error) and closes at once
    with the body's bytes unread: the kernel resets the connection under a client still
    sending, and http.client got "Connection reset by peer" for an 8 MB body instead of the
    JSON refusal. The refusal now lingers as the app's own 413 does (gevent_worker.linger)."""
    conn = http.client.HTTPConnection("127.0.0.1", model_server.port, timeout=60)
    try:  # not tests' Client, which tries again on a new connection after a reset
        conn.putrequest("POST", "/invocations")
        body = b"date,v\n" + b"x" * (16 * 1024 * 1024)
        for name, value in {"Content-Type": "text/csv", **headers}.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        conn.send(body)
        reply = conn.getresponse()
        got, data = reply.status, reply.read()
    finally:
        conn.close()
    assert (got, json.loads(data)["error"]["code"]) == (status, code)
