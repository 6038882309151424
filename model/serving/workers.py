"""How many gunicorn workers the container can hold: one per CPU (the CPUs its cpuset and CPU
quota allow), as many as its memory allows.

SageMaker's convention (``SAGEMAKER_MODEL_SERVER_WORKERS``, default one worker per CPU) ignores
memory. A serverless endpoint has 1-6 GB; an instance type may have many CPUs and little memory
per CPU. A worker answering the largest request (a 6 MB body, ~450 000 points) peaks at ~270 MB
RSS (measured in the image: ``python -m bench --only image``), so the default is capped at what
the container's memory limit (its cgroup, else the machine's memory) can hold.

Pure functions over the text of /proc and /sys files, so the decision is unit-tested without
a container; :func:`choose_from_system` reads the real files.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .environment import at_least

MB = 1024 * 1024
# Peak RSS of one worker answering the largest request it computes in full (6 MB CSV, ~450 000
# points, auto, Accept: text/csv; the same asking for JSON is refused before detection): 227 MiB
# measured in the image (bench/image.py; 242-269 while auto's JSON was detected, then refused),
# rounded up.
WORKER_PEAK_BYTES = 300 * MB
# The master (the app preloaded: numpy, scipy, Flask; ~80 MB RSS, shared with the workers after
# fork) plus headroom for the container's other processes and the page cache.
BASE_BYTES = 160 * MB
# cgroup v1 reports "no limit" as a huge number (PAGE_COUNTER_MAX pages); anything at or above
# this is no limit.
_UNLIMITED = 1 << 60
WORKERS = "SAGEMAKER_MODEL_SERVER_WORKERS"
MEMORY = "MODEL_WORKER_MEMORY_MB"


@dataclass(frozen=True)
class WorkerChoice:
    workers: int
    reason: str  # one line for the start-up log: the count and why


def parse_limit(text: str) -> int | None:
    """A cgroup memory limit file (v2 ``memory.max``, v1 ``memory.limit_in_bytes``) in bytes;
    None for no limit."""
    value = text.strip()
    if not value or value == "max":
        return None
    try:
        limit = int(value)
    except ValueError:
        return None
    return None if limit >= _UNLIMITED else limit


def parse_meminfo_total(text: str) -> int | None:
    """``MemTotal`` from /proc/meminfo, in bytes."""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1]) * 1024
    return None


def cgroup_limit_files(
    proc_self_cgroup: str,
    root: str = "/sys/fs/cgroup",
    controller: str = "memory",
    v2_name: str = "memory.max",
    v1_name: str = "memory.limit_in_bytes",
) -> list[str]:
    """Files that may hold this process's memory limit (or another ``controller``'s), most
    specific first.

    v2 (one ``0::/path`` line): ``memory.max`` of the cgroup and of each ancestor (a parent's
    limit applies too). v1 (a ``N:memory:/path`` line): ``memory.limit_in_bytes`` likewise.
    Inside a container the cgroup is usually mounted as the root, so the root file is always
    last in the list: whatever exists is read, and the smallest limit wins.
    """
    files: list[str] = []
    for line in proc_self_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _id, controllers, path = parts
        if controllers == "":
            base, name = root, v2_name
        elif controller in controllers.split(","):
            base, name = f"{root}/{controller}", v1_name
        else:
            continue
        segments = [s for s in path.strip().split("/") if s]
        for depth in range(len(segments), -1, -1):
            files.append("/".join([base, *segments[:depth], name]))
    # The root files as well, for a /proc/self/cgroup that names host paths (cgroup v1 inside a
    # container) or is missing.
    for fallback in (f"{root}/{v2_name}", f"{root}/{controller}/{v1_name}"):
        if fallback not in files:
            files.append(fallback)
    return files


def memory_limit(
    read: Callable[[str], str | None],
) -> tuple[int | None, str]:
    """The smallest memory limit that applies to this process, and where it came from.

    ``read(path)`` returns a file's text or None when it is missing (tests pass a dict's get).
    """
    best: tuple[int | None, str] = (None, "no limit found")
    for path in cgroup_limit_files(read("/proc/self/cgroup") or ""):
        text = read(path)
        if text is None:
            continue
        limit = parse_limit(text)
        if limit is not None and (best[0] is None or limit < best[0]):
            version = "v2" if path.endswith("memory.max") else "v1"
            best = (limit, f"cgroup {version} {path}")
    total = parse_meminfo_total(read("/proc/meminfo") or "")
    if total is not None and (best[0] is None or total < best[0]):
        best = (total, "/proc/meminfo, no cgroup limit")
    return best


def _quota_in_cpus(path: str, text: str, read: Callable[[str], str | None]) -> float | None:
    """The CPUs a cgroup CPU quota file allows: v2 ``cpu.max`` ("150000 100000": quota and
    period; "max ...": none), v1 ``cpu.cfs_quota_us`` (-1: none) over the ``cpu.cfs_period_us``
    beside it. None for no quota, or a file that says nothing readable."""
    try:
        if path.endswith("cpu.max"):
            quota, _, period = text.strip().partition(" ")
            if quota == "max":
                return None
            return int(quota) / int(period or "100000")
        quota_us = int(text.strip())
        period_us = int((read(path.replace("cfs_quota_us", "cfs_period_us")) or "100000").strip())
    except ValueError:
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


def cpu_quota(read: Callable[[str], str | None]) -> tuple[float | None, str]:
    """The smallest CPU quota that applies to this process, in CPUs (1.5: one and a half), and
    where it came from; ``read`` as for :func:`memory_limit`. `docker run --cpus 1` (and ECS's
    and Kubernetes' CPU limits) set such a quota, not a cpuset: the process still sees, and
    may be scheduled on, every CPU of the machine."""
    best: tuple[float | None, str] = (None, "no CPU quota")
    own = read("/proc/self/cgroup") or ""
    for path in cgroup_limit_files(
        own, controller="cpu", v2_name="cpu.max", v1_name="cpu.cfs_quota_us"
    ):
        text = read(path)
        if text is None:
            continue
        cpus = _quota_in_cpus(path, text, read)
        if cpus is not None and (best[0] is None or cpus < best[0]):
            version = "v2" if path.endswith("cpu.max") else "v1"
            best = (cpus, f"cgroup {version} {path}")
    return best


def usable_cpus(seen: int, quota: float | None) -> int:
    """The CPUs the process can use: those it ``seen`` (its cpuset), no more than its CPU
    ``quota`` allows, rounded up (a quota of 1.5 keeps two busy part of the time)."""
    if quota is None:
        return max(1, seen)
    return max(1, min(seen, math.ceil(quota)))


def choose_workers(
    cpus: int,
    limit_bytes: int | None,
    limit_source: str = "",
    explicit: str | None = None,
    worker_bytes: int = WORKER_PEAK_BYTES,
    base_bytes: int = BASE_BYTES,
    cpu_note: str = "",
) -> WorkerChoice:
    """Workers for gunicorn: ``explicit`` (SAGEMAKER_MODEL_SERVER_WORKERS) when set, else one
    per CPU, capped at what ``limit_bytes`` holds (never below one). ``cpu_note`` follows the
    CPU count in the reason (where a quota set it)."""
    fits = None
    if limit_bytes is not None:
        fits = max(1, (limit_bytes - base_bytes) // worker_bytes)
    memory = (
        f"memory {limit_bytes // MB} MB (from {limit_source}) holds {fits} "
        f"at {worker_bytes // MB} MB each"
        if fits is not None
        else "no memory limit found"
    )
    if explicit is not None and explicit.strip():  # unset or blank: the default
        n = at_least(WORKERS, explicit)
        warning = (
            "; WARNING: more than the memory holds: large requests may run out of memory"
            if fits is not None and n > fits
            else ""
        )
        return WorkerChoice(n, f"workers: {n} (SAGEMAKER_MODEL_SERVER_WORKERS; {memory}){warning}")
    cpus = max(1, cpus)
    if fits is not None and fits < cpus:
        return WorkerChoice(
            fits, f"workers: {fits} (capped by memory: {cpus} CPUs{cpu_note}, but {memory})"
        )
    return WorkerChoice(cpus, f"workers: {cpus} (one per CPU: {cpus} CPUs{cpu_note}; {memory})")


def cpu_count() -> int:
    """CPUs this process may run on (the container's cpuset), at least 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def choose_from_system(env: dict[str, str] | None = None) -> WorkerChoice:
    """The choice for this process, from the real /proc and /sys files and the environment."""
    env = dict(os.environ if env is None else env)
    limit, source = memory_limit(_read)
    per_worker = env.get("MODEL_WORKER_MEMORY_MB", "").strip()
    worker_bytes = at_least(MEMORY, per_worker) * MB if per_worker else WORKER_PEAK_BYTES
    seen = cpu_count()
    quota, quota_source = cpu_quota(_read)
    cpus = usable_cpus(seen, quota)
    note = f" (CPU quota {quota:g} of {seen} seen, {quota_source})" if cpus < seen else ""
    return choose_workers(
        cpus,
        limit,
        source,
        explicit=env.get("SAGEMAKER_MODEL_SERVER_WORKERS"),
        worker_bytes=worker_bytes,
        cpu_note=note,
    )
