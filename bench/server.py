"""The running model server: end-to-end latency, throughput, and /ping under saturation.

Starts ``model/serve`` (gunicorn + gevent, default worker count) on a free loopback port,
talks HTTP/1.1 keep-alive to it from client threads, and stops it afterwards. Every loop is
bounded by a request count and a wall-clock limit.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from devstack.model_server import ModelServer


@dataclass
class Server:
    """The model server as make up runs it (:class:`devstack.model_server.ModelServer`)."""

    model: ModelServer
    log: Path

    @property
    def port(self) -> int:
        return self.model.port

    def conn(self, timeout: float = 60.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def stop(self) -> None:
        self.model.stop(grace_s=30)


def start(log_dir: Path) -> Server:
    """model/serve with SageMaker's default worker count (one per CPU), output in log_dir."""
    log = log_dir / "bench-server.log"
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with open(log, "wb") as out:
        model = ModelServer(
            port=0,  # binds a free port itself
            workers=workers or 1,
            log=out,
            env={"MODEL_SERVER_LOG_LEVEL": "warning"},
        )
        try:
            model.start(timeout_s=60)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; see {log}") from None
        except BaseException:  # stopped while starting (Ctrl-C, SIGTERM): not left running
            model.stop(quick=True)
            raise
    return Server(model, log)


def post_csv(c: http.client.HTTPConnection, body: bytes, attrs: str = "method=auto") -> bytes:
    c.request(
        "POST",
        "/invocations",
        body=body,
        headers={
            "Content-Type": "text/csv",
            "Accept": "application/json",
            "X-Amzn-SageMaker-Custom-Attributes": attrs,
        },
    )
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"/invocations answered {r.status}: {data[:300]!r}")
    return data


def latency(srv: Server, bodies: list[bytes], runs: int, limit_s: float) -> float:
    """Median seconds from sending the request to having the whole answer (the bodies are
    posted in turn: each request meets a time axis the server has not just seen)."""
    c = srv.conn()
    post_csv(c, bodies[-1])  # warm up the connection and the worker
    times = []
    t_end = time.monotonic() + limit_s
    while len(times) < runs and (time.monotonic() < t_end or len(times) < 3):
        body = bodies[len(times) % len(bodies)]
        t0 = time.perf_counter()
        post_csv(c, body)
        times.append(time.perf_counter() - t0)
    c.close()
    times.sort()
    return times[len(times) // 2]


@dataclass
class Load:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)


def throughput(srv: Server, body: bytes, threads: int, seconds: float, max_requests: int) -> Load:
    """Requests/s with ``threads`` concurrent keep-alive clients, bounded in time and count."""
    load = Load()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        c = srv.conn()
        while time.monotonic() < stop_at:
            with lock:
                if load.requests + load.errors >= max_requests:
                    break
            t0 = time.perf_counter()
            try:
                post_csv(c, body)
                ok = True
            except (OSError, RuntimeError, http.client.HTTPException):
                ok = False
                c.close()
                c = srv.conn()
            dt = time.perf_counter() - t0
            with lock:
                if ok:
                    load.requests += 1
                    load.latencies.append(dt)
                else:
                    load.errors += 1
        c.close()

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    load.seconds = time.perf_counter() - t0
    return load


def ping_under_load(
    srv: Server, heavy: bytes, threads: int, pings: int, seconds: float
) -> tuple[list[float], Load]:
    """/ping latencies measured while ``threads`` clients keep /invocations busy."""
    result: list[Load] = []
    bg = threading.Thread(
        target=lambda: result.append(throughput(srv, heavy, threads, seconds, 10_000))
    )
    bg.start()
    time.sleep(min(1.0, seconds / 4))  # let the workers fill up
    lat: list[float] = []
    stop_at = time.monotonic() + seconds - 1.0
    while len(lat) < pings and time.monotonic() < stop_at:
        c = srv.conn(timeout=10)
        t0 = time.perf_counter()
        c.request("GET", "/ping")
        r = c.getresponse()
        r.read()
        lat.append(time.perf_counter() - t0)
        c.close()
        time.sleep(0.01)
    bg.join()
    return lat, result[0] if result else Load()


def percentile(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]
