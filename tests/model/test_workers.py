"""The default worker count: one per CPU, capped by the memory the container may use."""

from __future__ import annotations

import pytest
from serving.workers import (
    BASE_BYTES,
    MB,
    WORKER_PEAK_BYTES,
    cgroup_limit_files,
    choose_from_system,
    choose_workers,
    cpu_quota,
    memory_limit,
    parse_limit,
    parse_meminfo_total,
    usable_cpus,
)

GB = 1024 * MB
MEMINFO_24G = "MemTotal:       24684128 kB\nMemFree:        1 kB\n"
V1_UNLIMITED = "9223372036854771712\n"


def test_limit_files_parse_both_cgroup_versions():
    assert parse_limit("max\n") is None
    assert parse_limit(V1_UNLIMITED) is None
    assert parse_limit("2147483648\n") == 2 * GB
    assert parse_limit("") is None and parse_limit("garbage") is None
    assert parse_meminfo_total(MEMINFO_24G) == 24684128 * 1024


def test_limit_files_walk_up_from_this_process_cgroup():
    v2 = cgroup_limit_files("0::/system.slice/docker-abc.scope\n")
    assert v2[:3] == [
        "/sys/fs/cgroup/system.slice/docker-abc.scope/memory.max",
        "/sys/fs/cgroup/system.slice/memory.max",
        "/sys/fs/cgroup/memory.max",
    ]
    v1 = cgroup_limit_files("5:cpu:/x\n4:memory:/docker/abc\n0::/\n")
    assert "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes" in v1
    assert v1.index("/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes") < v1.index(
        "/sys/fs/cgroup/memory/memory.limit_in_bytes"
    )


def test_cgroup_v1_inside_a_container_reads_the_mounted_root():
    """docker run --memory 2g on cgroup v1: /proc/self/cgroup names the host's path, which
    does not exist inside the container; the container's own cgroup is mounted as the root."""
    files = {
        "/proc/self/cgroup": "4:memory:/docker/0123abcd\n",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes": "2147483648\n",
        "/proc/meminfo": MEMINFO_24G,
    }
    limit, source = memory_limit(files.get)
    assert limit == 2 * GB
    assert source == "cgroup v1 /sys/fs/cgroup/memory/memory.limit_in_bytes"


def test_cgroup_v2_the_smallest_limit_on_the_path_wins():
    files = {
        "/proc/self/cgroup": "0::/a/b\n",
        "/sys/fs/cgroup/a/b/memory.max": "max\n",
        "/sys/fs/cgroup/a/memory.max": "3221225472\n",
        "/sys/fs/cgroup/memory.max": "max\n",
        "/proc/meminfo": MEMINFO_24G,
    }
    assert memory_limit(files.get) == (3 * GB, "cgroup v2 /sys/fs/cgroup/a/memory.max")


def test_no_cgroup_limit_falls_back_to_the_machine_memory():
    """A serverless endpoint's memory may show only as the machine's (a micro-VM's)."""
    files = {
        "/proc/self/cgroup": "0::/\n",
        "/sys/fs/cgroup/memory.max": "max\n",
        "/proc/meminfo": "MemTotal:        2097152 kB\n",
    }
    assert memory_limit(files.get) == (2 * GB, "/proc/meminfo, no cgroup limit")
    assert memory_limit({}.get) == (None, "no limit found")


@pytest.mark.parametrize(
    ("cpus", "limit", "expected"),
    [
        (2, 2 * GB, 2),  # this machine, the serverless default: CPUs are the limit
        (8, 1 * GB, 2),  # a 1 GB serverless endpoint seeing 8 CPUs: memory is
        (96, 16 * GB, 54),  # a large instance with little memory per CPU
        (4, None, 4),  # no limit at all: one per CPU
        (4, 300 * MB, 1),  # never fewer than one
        (0, 4 * GB, 1),
    ],
)
def test_default_is_one_per_cpu_capped_by_memory(cpus, limit, expected):
    choice = choose_workers(cpus, limit, "cgroup v2 /sys/fs/cgroup/memory.max")
    assert choice.workers == expected
    if limit is not None and expected == (limit - BASE_BYTES) // WORKER_PEAK_BYTES < cpus:
        assert "capped by memory" in choice.reason
    assert choice.reason.startswith(f"workers: {expected} (")


def test_the_log_line_says_why():
    capped = choose_workers(8, 1 * GB, "cgroup v1 /sys/fs/cgroup/memory/memory.limit_in_bytes")
    assert capped.reason == (
        "workers: 2 (capped by memory: 8 CPUs, but memory 1024 MB (from cgroup v1 "
        "/sys/fs/cgroup/memory/memory.limit_in_bytes) holds 2 at 300 MB each)"
    )
    free = choose_workers(2, None)
    assert free.reason == "workers: 2 (one per CPU: 2 CPUs; no memory limit found)"


def test_an_explicit_count_wins_with_a_warning_when_memory_cannot_hold_it():
    ok = choose_workers(2, 2 * GB, "x", explicit="3")
    assert ok.workers == 3 and "WARNING" not in ok.reason
    over = choose_workers(2, 1 * GB, "x", explicit="5")
    assert over.workers == 5 and "WARNING" in over.reason
    for bad in ("zero", "0", "-1", "1.5"):
        with pytest.raises(SystemExit, match="SAGEMAKER_MODEL_SERVER_WORKERS"):
            choose_workers(2, None, explicit=bad)


def test_the_per_worker_budget_can_be_set_for_a_bigger_model():
    base = choose_from_system({})
    bigger = choose_from_system({"MODEL_WORKER_MEMORY_MB": "100000"})
    assert bigger.workers == 1 and "at 100000 MB each" in bigger.reason
    assert base.workers >= 1
    with pytest.raises(SystemExit, match="MODEL_WORKER_MEMORY_MB"):
        choose_from_system({"MODEL_WORKER_MEMORY_MB": "lots"})


def test_a_cpu_quota_counts_as_the_cpus_it_allows():
    """`docker run --cpus 1` (ECS's and Kubernetes' CPU limits likewise) sets a CFS quota, not
    a cpuset: the process still sees every CPU of the machine. One worker per CPU must count
    the CPUs the quota allows, rounded up."""
    v1 = {
        "/proc/self/cgroup": "2:cpu,cpuacct:/docker/0123abcd\n4:memory:/docker/0123abcd\n",
        "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "100000\n",
        "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
    }
    assert cpu_quota(v1.get) == (1.0, "cgroup v1 /sys/fs/cgroup/cpu/cpu.cfs_quota_us")
    unlimited = {**v1, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n"}
    assert cpu_quota(unlimited.get) == (None, "no CPU quota")
    v2 = {
        "/proc/self/cgroup": "0::/a/b\n",
        "/sys/fs/cgroup/a/b/cpu.max": "max 100000\n",
        "/sys/fs/cgroup/a/cpu.max": "150000 100000\n",
        "/sys/fs/cgroup/cpu.max": "400000 100000\n",
    }
    assert cpu_quota(v2.get) == (1.5, "cgroup v2 /sys/fs/cgroup/a/cpu.max")
    assert cpu_quota({"/sys/fs/cgroup/cpu.max": "max 100000\n"}.get) == (None, "no CPU quota")
    assert cpu_quota({}.get) == (None, "no CPU quota")
    assert usable_cpus(2, 1.0) == 1
    assert usable_cpus(2, 1.5) == 2
    assert usable_cpus(8, 0.5) == 1
    assert usable_cpus(2, 4.0) == 2
    assert usable_cpus(2, None) == 2
