"""The model image, measured as SageMaker runs it (`python -m bench --only image`).

Build time and MB of layers above the base; `docker run` to the first `/ping` 200; the
container's memory (its cgroup, as `docker stats` counts it) at idle and while answering a
100 000-point request, and one worker's peak RSS on the largest request a worker detects in
full (the 6 MB body, asking for the anomalies as CSV) against the budget the default worker
count is computed with; requests/s for 261-point requests against the container and the bare
process, in the same run (a ratio). Skipped, with the reason, where no Docker engine can run.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack import model_container as mc
from devstack.ports import free_port

from . import image_tags, server

# Each run builds under a tag of its own and removes it at its end: with one shared tag, a run
# that began while another ran untagged (`rmi -f`) or re-tagged the image the other was still
# starting containers from, and every run left its image tagged. A killed run's tag is removed
# at the next run's start (bench/image_tags.py).
TAG_PREFIX = image_tags.TAG_PREFIX

# Run inside the container: its cgroup's memory (v2 or v1) and the gunicorn processes' RSS.
_PROBE = r"""
import json, os, glob
def read(p):
    try:
        return open(p).read()
    except OSError:
        return None
def stat(text):
    return dict((k, int(v)) for k, v in (l.split() for l in (text or "").splitlines()))
out = {}
if read("/sys/fs/cgroup/memory.current") is not None:
    s = stat(read("/sys/fs/cgroup/memory.stat"))
    out["usage"] = int(read("/sys/fs/cgroup/memory.current")) - s.get("inactive_file", 0)
    peak = read("/sys/fs/cgroup/memory.peak")
    out["peak_with_cache"] = int(peak) if peak else None
else:
    s = stat(read("/sys/fs/cgroup/memory/memory.stat"))
    usage = int(read("/sys/fs/cgroup/memory/memory.usage_in_bytes"))
    out["usage"] = usage - s.get("total_inactive_file", 0)
    out["peak_with_cache"] = int(read("/sys/fs/cgroup/memory/memory.max_usage_in_bytes"))
procs = []
for d in glob.glob("/proc/[0-9]*"):
    cmd = (read(d + "/cmdline") or "").replace("\0", " ")
    if "gunicorn" not in cmd or int(d[6:]) == os.getpid():
        continue
    st = dict(l.split(":", 1) for l in (read(d + "/status") or "").splitlines() if ":" in l)
    procs.append({"pid": int(d[6:]), "ppid": int(st["PPid"]),
                  "rss": int(st["VmRSS"].split()[0]) * 1024,
                  "hwm": int(st["VmHWM"].split()[0]) * 1024})
out["procs"] = procs
print(json.dumps(out))
"""


def probe(name: str) -> dict[str, Any]:
    """Memory of the running container ``name`` (bytes)."""
    proc = mc.docker("exec", name, "python3", "-c", _PROBE)
    return json.loads(proc.stdout)


@dataclass
class ContainerServer:
    """A started container with the interface of :class:`bench.server.Server`."""

    container: mc.ModelContainer

    @property
    def port(self) -> int:
        return self.container.port

    def conn(self, timeout: float = 60.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def stop(self) -> None:
        self.container.stop()


def _mb(n: float | None) -> str:
    """Disk (image layers), in MB as docker counts them."""
    return "-" if n is None else f"{n / 1e6:.0f} MB"


def _mib(n: float | None) -> str:
    """Memory, in MiB as the cgroup limits (--memory 2g = 2048 MiB) count it."""
    return "-" if n is None else f"{n / 2**20:.0f} MiB"


def _layers_above(image: str, base: str) -> int:
    """Bytes of the image's layers that are not its base's (uncompressed, as docker counts)."""
    size = int(mc.docker("image", "inspect", "-f", "{{.Size}}", image).stdout)
    base_size = int(mc.docker("image", "inspect", "-f", "{{.Size}}", base).stdout)
    return size - base_size


@contextlib.contextmanager
def _started(
    image: str, workers: int | None, memory: str = mc.DEFAULT_MEMORY
) -> Iterator[mc.ModelContainer]:
    """A container of ``image``, answering /ping; removed on the way out, whatever ends the
    block, a Ctrl-C or SIGTERM (KeyboardInterrupt, ``bench.__main__``) included, even one
    that arrives while it starts."""
    # A number found free, not port 0 as the tests use: port 0 is read by polling `docker logs`
    # for gunicorn's "Listening at" line, and that polling would count in the start-up time
    # measured here. The bench runs alone (no xdist workers), so the race that
    # tests/support/ports.py avoids has no one to race with.
    c = mc.ModelContainer(
        image,
        free_port(),
        workers=workers,
        memory=memory,
        env={"MODEL_SERVER_LOG_LEVEL": "warning"},
    )
    try:
        yield c.start(timeout_s=90)
    finally:
        c.stop(quick=True)
        # A stop that came while `docker run` was creating it: the container exists, and
        # ModelContainer does not know it yet (an error here when there is none: ignored).
        mc.docker("rm", "-f", c.name, check=False)


@contextlib.contextmanager
def _built(base: mc.Base, quick: bool) -> Iterator[tuple[str, float]]:
    """(tag, build seconds) of the model image built under a tag of this run's own, untagged
    on the way out (its layers go with it unless another image shares them). The image is
    labelled with this process as its owner: a later run removes the tag if this one is killed
    (image_tags.sweep), and leaves it while this one runs."""
    tag = f"{TAG_PREFIX}{uuid.uuid4().hex[:10]}"
    cmd = ["build", "--network", "host", "--build-arg", f"BASE_IMAGE={base.image}"]
    cmd += image_tags.build_label_args()
    cmd += ([] if quick else ["--no-cache"]) + ["-t", tag, str(mc.MODEL_DIR)]
    try:
        t0 = time.monotonic()
        mc.docker(*cmd)
        yield tag, time.monotonic() - t0
    finally:
        removed = mc.docker("rmi", tag, check=False)
        if removed.returncode != 0 and mc.image_exists(tag):
            print(f"could not remove the image {tag}: {removed.stderr.strip()}")


# What to do when the requests below are not the model's (bench/image.py's requests are the
# Trends model's: CSVs, method=auto).
TRENDS_REQUESTS = (
    "this benchmark posts Google Trends CSVs (method=auto; the largest, 6 MB, with Accept: "
    "text/csv); for a model that takes another input, change the requests in bench/image.py "
    '(docs/swap-your-model.md, "Swap in your own model")'
)


def require_answer(status: int, what: str) -> None:
    """Stop on a refused request, saying why: these requests are the Trends model's (CSVs,
    method=auto), and a fork's model that takes another input refuses them, which measured
    its refusals, or stopped at a bare status."""
    if status != 200:
        raise RuntimeError(f"{what} got HTTP {status}, not 200: {TRENDS_REQUESTS}")


def trends_csv(points: int) -> bytes:
    """A Trends export of ``points`` points, the benchmark's request body. ``bench.synth``
    writes it with the Trends package, imported here and not at the top: a fork that replaced
    ``trends_anomaly`` got a bare ``ModuleNotFoundError`` from ``python -m bench --only
    image`` instead of the advice, so it stops with the advice, before a build."""
    try:
        from .synth import long_series_csv
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("trends_anomaly"):
            raise
        raise RuntimeError(f"no model package trends_anomaly here: {TRENDS_REQUESTS}") from exc
    return long_series_csv(points).encode()


def _post(port: int, body: bytes, attrs: str = "method=auto") -> tuple[int, float]:
    status, seconds, _ = _exchange(port, body, attrs)
    return status, seconds


def _exchange(
    port: int, body: bytes, attrs: str = "method=auto", accept: str | None = None
) -> tuple[int, float, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Content-Type": "text/csv", "X-Amzn-SageMaker-Custom-Attributes": attrs}
    if accept:
        headers["Accept"] = accept
    t0 = time.perf_counter()
    c.request("POST", "/invocations", body=body, headers=headers)
    r = c.getresponse()
    answer = r.read()
    c.close()
    return r.status, time.perf_counter() - t0, answer


# The largest request asks for the anomalies as CSV: its JSON answer (some 20 MB for 450 000
# points) is over the 6 MB SageMaker returns, known from the input alone, so the model refuses
# it with a 413 before detection (contract._fits_before_detection), and a worker's memory on it
# is that of parsing, not of its heaviest work. Asking for CSV, the whole body is detected and
# answered. Peak RSS measured in one process (ru_maxrss, the app imported and warm): 236 MiB
# for this request, the heaviest; 255 MiB for its JSON when auto still detected it before the
# 413; 161 MiB for the largest JSON request still detected (216 900 points, its 10 MB answer
# refused after), 129 MiB for the largest JSON answer that fits (136 718 points, 6.28 MB); with
# CSV answers, stl on this body 226 MiB, auto on 500 000 JSON values 179 MiB, on 25 columns of
# 20 000 rows 137 MiB.
LARGEST_ACCEPT = "text/csv"


def computed_in_full(status: int, answer: bytes) -> str:
    """How the largest request was answered, for its line: a 200 (the anomalies as CSV, the
    whole body detected). RuntimeError for anything else, so that no memory figure is reported
    of a request a worker did not compute: a 413 ``result_too_large`` said "would be at least"
    before detection (by the input's size alone), and any other refusal stops the part too."""
    if status == 413:
        try:
            error = json.loads(answer)["error"]
            code, message = error["code"], error["message"]
        except (ValueError, KeyError, TypeError):
            code, message = "", ""
        if code == "result_too_large":
            when = "before detection" if "would be at least" in message else "after detection"
            raise RuntimeError(
                f"the largest request got HTTP 413 result_too_large ({when}), not 200: its "
                "memory figure is to be of a request detected in full and answered, so none is "
                f"reported. It asks for Accept: {LARGEST_ACCEPT} (the anomalies alone), which "
                "the model answers in full; JSON for 450 000 points is refused before detection."
            )
    require_answer(status, "the largest request")
    return f"answered {status} to Accept: {LARGEST_ACCEPT}, detected in full"


def largest_request(port: int, name: str) -> tuple[str, float, dict[str, Any]]:
    """(how it was answered, seconds, the container's memory after) of the largest body, sent
    to the one worker of container ``name``; RuntimeError, before any memory is read, when it
    was not detected in full (``computed_in_full``)."""
    status, seconds, answer = _exchange(port, _largest_body(), accept=LARGEST_ACCEPT)
    answered = computed_in_full(status, answer)
    return answered, seconds, probe(name)


def _largest_body() -> bytes:
    """The largest body the server accepts (6 MB): ~450 000 daily points, short rows."""
    import numpy as np

    n = 450_000
    days = np.datetime64("1000-01-01") + np.arange(n)
    values = np.random.default_rng(0).integers(0, 100, n)
    rows = "\n".join(f"{d},{v}" for d, v in zip(days.astype(str), values, strict=True))
    return ("d,v\n" + rows).encode()


def _peak_during(name: str, work: Any) -> tuple[Any, int]:
    """Run ``work()`` while sampling the container's memory; (its result, peak usage)."""
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(RuntimeError, ValueError, KeyError):
                peak[0] = max(peak[0], probe(name)["usage"])
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = work()
    finally:
        done.set()
        sampler.join()
    return result, peak[0]


def run(quick: bool) -> dict[str, Any]:
    """Every figure of the image (prints them as it goes); {"skipped": why} without an engine."""
    big, body = trends_csv(100_000), trends_csv(261)  # first: a fork's model stops here
    try:
        mc.ensure_engine()
    except mc.NoEngine as exc:
        print(f"skipped: no Docker engine can run here ({exc})")
        return {"skipped": str(exc)}
    # A killed run's container goes with its watcher or owners.py's sweep; its tag, here.
    removed = image_tags.sweep(mc.docker)
    if removed:
        print(f"removed the image tag(s) of killed bench runs: {', '.join(removed)}")
    report: dict[str, Any] = {}
    base = mc.resolve_base(log=print)
    print(f"base: {base.describe()}")
    # Build: from scratch above the base unless --quick (then docker's layer cache serves).
    with _built(base, quick) as (tag, build_s):
        _measure(tag, base, quick, big, body, report, build_s)
    return report


def _measure(
    tag: str, base: mc.Base, quick: bool, big: bytes, body: bytes, report: dict, build_s: float
) -> None:
    """Every figure of the image ``tag`` (built in ``build_s`` on ``base``) into ``report``."""
    report["build_s"] = build_s
    report["above_base_bytes"] = _layers_above(tag, base.image)
    cache = "docker's layer cache allowed" if quick else "--no-cache, the base present"
    print(
        f"build: {report['build_s']:.1f} s ({cache}); layers above the base: "
        f"{_mb(report['above_base_bytes'])} (target: at most 237 MB)"
    )

    # Start to first /ping, as SageMaker starts it (no worker count: the server chooses).
    starts = []
    for _ in range(3 if quick else 5):
        with _started(tag, workers=None) as c:
            starts.append(c.ready_s)
    report["start_to_ping_s"] = starts
    print(
        "docker run -> first /ping 200: "
        + ", ".join(f"{s:.2f}" for s in starts)
        + f" s (median {statistics.median(starts):.2f} s, min {min(starts):.2f} s)"
    )

    # Memory: idle, during a 100 000-point request, and one worker on the largest request.
    with _started(tag, workers=None) as c:
        time.sleep(2)  # every worker booted
        idle = probe(c.name)
        (status, seconds), peak = _peak_during(c.name, lambda: _post(c.port, big))
        require_answer(status, "the 100 000-point request")
        report["memory_idle_bytes"] = idle["usage"]
        report["memory_100k_peak_bytes"] = peak
        print(
            f"memory (--memory 2g, {len(idle['procs']) - 1} workers): idle "
            f"{_mib(idle['usage'])}; while answering a 100 000-point request ({seconds:.2f} s) "
            f"peak {_mib(peak)} (cgroup usage less inactive file cache, sampled every ~0.1 s)"
        )
    with _started(tag, workers=1) as c:
        answered, seconds, after = largest_request(c.port, c.name)
        worker = max(p["hwm"] for p in after["procs"] if p["pid"] != 1)
        master = next(p["rss"] for p in after["procs"] if p["pid"] == 1)
        report["worker_peak_rss_bytes"] = worker
        report["master_rss_bytes"] = master
        from serving.workers import WORKER_PEAK_BYTES

        report["worker_budget_bytes"] = WORKER_PEAK_BYTES
        print(
            f"one worker's peak RSS on the largest request (6 MB, 450 000 points, {answered}; "
            f"{seconds:.1f} s): {_mib(worker)} (budget {_mib(WORKER_PEAK_BYTES)}); master RSS "
            f"{_mib(master)}"
        )

    # Requests/s, 261-point requests, the container vs the bare process, alternated.
    secs = 4.0 if quick else 8.0
    rps: dict[str, list[float]] = {"process": [], "container": []}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        proc_srv = server.start(Path(tmp))
        stack.callback(proc_srv.stop)  # also when the container below fails to start
        cont_srv = ContainerServer(
            stack.enter_context(_started(tag, workers=proc_srv.model.workers))
        )
        for _ in range(2):
            for kind, srv in (("process", proc_srv), ("container", cont_srv)):
                server.post_csv(srv.conn(), body)  # warm
                load = server.throughput(srv, body, threads=8, seconds=secs, max_requests=20_000)
                rps[kind].append(load.requests / load.seconds if load.seconds else 0.0)
    p, k = statistics.mean(rps["process"]), statistics.mean(rps["container"])
    report["rps_process"], report["rps_container"] = p, k
    report["rps_ratio"] = k / p if p else None
    print(
        f"throughput, 261-point auto requests, 8 clients, {proc_srv.model.workers} workers, "
        f"2 x {secs:.0f} s each, alternated: process {p:.0f} req/s, container {k:.0f} req/s, "
        f"container/process {report['rps_ratio']:.2f}"
    )


def targets(report: dict[str, Any]) -> list[tuple[str, float | None, bool | None]]:
    """The image's "done when" lines with the numbers measured."""
    if not report or "skipped" in report:
        return []
    start = statistics.median(report["start_to_ping_s"])
    above = report["above_base_bytes"] / 1e6
    worker = report["worker_peak_rss_bytes"] / 2**20
    budget = report["worker_budget_bytes"] / 2**20
    return [
        ("image: docker run -> first /ping 200 <= 1.5 s (median, s)", start, start <= 1.5),
        ("image: MB of layers above the base <= 237", above, above <= 237),
        (f"image: worker peak RSS (MiB) on the largest request <= budget {budget:.0f}", worker,
         worker <= budget),
    ]  # fmt: skip
