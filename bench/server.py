"""The running model server: end-to-end latency, throughput, and /ping under saturation.

Starts ``model/serve`` (gunicorn + gevent, default worker count) on a free loopback port,
talks HTTP/1.1 keep-alive to it from client threads, and stops it afterwards. Every loop is
bounded by a request count and a wall-clock limit.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .common import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log: Path

    def conn(self, timeout: float = 60.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own process group only
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start(log_dir: Path) -> Server:
    port = free_port()
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}"
    env["MODEL_SERVER_HOST"] = "127.0.0.1"
    env["SAGEMAKER_BIND_TO_PORT"] = str(port)
    env["MODEL_SERVER_LOG_LEVEL"] = "warning"
    log = log_dir / "bench-server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(ROOT / "model" / "serve")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    srv = Server(port, proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"model/serve exited with {proc.returncode}; see {log}")
        try:
            c = srv.conn(timeout=2)
            c.request("GET", "/ping")
            if c.getresponse().status == 200:
                c.close()
                return srv
        except OSError:
            time.sleep(0.2)
    srv.stop()
    raise RuntimeError(f"model/serve did not answer /ping within 60 s; see {log}")


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


def latency(srv: Server, body: bytes, runs: int, limit_s: float) -> float:
    """Median seconds from sending the request to having the whole answer."""
    c = srv.conn()
    post_csv(c, body)  # warm up the connection and the worker
    times = []
    t_end = time.monotonic() + limit_s
    while len(times) < runs and (time.monotonic() < t_end or len(times) < 3):
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
