"""The image bench's own tags: who built each, and a sweep of those a killed bench left.

Each image bench builds under a tag of its own (``trends-anomaly-model:bench-<hex>``) and
removes it when it ends, Ctrl-C and SIGTERM included; a bench killed outright (``kill -9``, an
OOM kill, a cancelled CI job) leaves it. Its container is swept by devstack/owners.py; the tag
stays, and one more piles up with every such run. So each build labels its image with its
owner (``OWNER_LABEL``, owners.py's ``<boot id>/<pid namespace>/<pid>/<start time>``), and a
bench's start removes a bench tag that:

- no container uses, running or stopped (``docker ps -a``: the image a container was created
  from, by the name it was given), and
- whose owner is gone (``owners.orphaned``), or, for an image without the label (built by a
  bench before it labelled, or by hand), that was last tagged ``UNLABELLED_AGE_S`` ago or more.

A concurrent bench's tag stays: its owner runs, whether it has started its containers yet or
is between its build and its first ``docker run``. A label naming a process of another boot
or pid namespace (a bench in another container sharing the engine) cannot be judged and
stays, as owners.py leaves such containers. ``docker rmi`` without ``--force`` refuses a tag
that a container created meanwhile is using as its image's last name.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devstack import owners

REPOSITORY = "trends-anomaly-model"
TAG_PREFIX = f"{REPOSITORY}:bench-"
OWNER_LABEL = "trends-anomaly.bench-owner"
# An unlabelled bench tag is taken for a killed run's once it is this old: a bench's build
# and measurements take minutes, not an hour.
UNLABELLED_AGE_S = 3600.0

Docker = Callable[..., subprocess.CompletedProcess[str]]


def build_label_args(pid: int | None = None) -> list[str]:
    """`docker build` arguments that name this process (or ``pid``) as the image's owner."""
    owner = owners.identity(os.getpid() if pid is None else pid)
    return ["--label", f"{OWNER_LABEL}={owner}"] if owner else []


def _stamp(text: object) -> float | None:
    """Seconds since the epoch of docker's RFC 3339 time (nanoseconds cut to microseconds);
    None for an absent one or Go's zero time (``0001-01-01T00:00:00Z``: never tagged)."""
    if not isinstance(text, str) or not text or text.startswith("0001-"):
        return None
    head, dot, rest = text.replace("Z", "+00:00").partition(".")
    if dot:  # "…:05.123456789+00:00" → "…:05.123456+00:00"
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        head = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    try:
        return datetime.fromisoformat(head).timestamp()
    except ValueError:
        return None


def _left_behind(item: dict[str, Any], now: float) -> bool:
    """Whether an image (``docker image inspect``) is a killed bench's: its owner is gone, or,
    without an owner label, it was last tagged (else created) UNLABELLED_AGE_S ago or more."""
    labels = (item.get("Config") or {}).get("Labels") or {}
    owner = labels.get(OWNER_LABEL)
    if isinstance(owner, str) and owner:
        return owners.orphaned(owner)
    when = _stamp((item.get("Metadata") or {}).get("LastTagTime")) or _stamp(item.get("Created"))
    return when is not None and now - when >= UNLABELLED_AGE_S


def left_behind(docker: Docker, now: float | None = None) -> list[str]:
    """The bench tags a killed bench left (see the module's docstring); [] when docker cannot
    say (the sweep is a courtesy: it never stops a bench)."""
    now = time.time() if now is None else now
    listed = docker("images", "--format", "{{.Repository}}:{{.Tag}}", REPOSITORY, check=False)
    tags = [t for t in listed.stdout.split() if t.startswith(TAG_PREFIX)]
    if listed.returncode != 0 or not tags:
        return []
    used = docker("ps", "-a", "--no-trunc", "--format", "{{.Image}}", check=False)
    if used.returncode != 0:
        return []  # which tags containers use is unknown: remove none
    unused = [t for t in tags if t not in set(used.stdout.split())]
    stale = []
    for tag in unused:  # one at a time: a tag removed meanwhile fails alone
        inspected = docker("image", "inspect", tag, check=False)
        try:
            (item,) = json.loads(inspected.stdout or "[]")
        except (ValueError, TypeError):
            continue
        if isinstance(item, dict) and _left_behind(item, now):
            stale.append(tag)
    return stale


def sweep(docker: Docker, now: float | None = None) -> list[str]:
    """Remove the bench tags a killed bench left; the tags removed."""
    return [
        tag
        for tag in left_behind(docker, now)
        if docker("rmi", tag, check=False).returncode == 0  # no --force: see above
    ]
