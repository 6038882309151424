"""Whether a merge's deploy of one environment is older than what that environment already runs.

Why: deploys of an environment queue in order (``queue: max``), but a run joins the queue when
its checks finish, so a merge whose checks finish later deploys after a newer one and puts the
environment back on an older commit of ``main``. Before applying, a merge's run (a ``push``)
asks GitHub what the environment deployed successfully (the deployment objects its jobs
create, with their commit) and whether one of those commits is a descendant of its own; if so
it deploys nothing. Not only the newest success: a merge this check skipped ends its job
green, so GitHub marks its (older) commit's deployment ``success`` too, and comparing with that
alone would let the next late merge put the environment back behind the commit it runs. The
newest ``SUCCESSES_COMPARED`` successes are compared (a run of that many skips in a row does
not happen; a limit keeps the requests per job bounded). A rollback (``workflow_dispatch``)
and a re-run (run attempt above 1: README, "Rolling back") go back on purpose and are never
skipped. When GitHub cannot be read, the run deploys,
as before this check, and says so: its commit is on ``main`` and passed the checks.

Pure: the GitHub calls are deploy/github_api.py's, the wiring .github/scripts/deploy_order.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# GitHub's compare of base (this run's commit) ... head (the deployed one): "ahead" means the
# deployed commit has every commit of this one and more; "identical" the same commit.
NEWER = "ahead"
SAME = "identical"
# How many of the environment's newest successful deployments a merge compares itself with.
SUCCESSES_COMPARED = 10


def covers(relation: str | None) -> bool:
    """Whether a deployed commit so related to this run's has everything this run would deploy."""
    return relation in (NEWER, SAME)


@dataclass(frozen=True)
class Deployed:
    """An environment's successful deployment: its commit and where it ran."""

    sha: str
    deployment_id: int
    log_url: str  # the job that deployed it (GitHub Actions sets it), or ''


@dataclass(frozen=True)
class Decision:
    skip: bool
    message: str
    level: str  # the annotation: notice (skip or nothing to say) / warning (GitHub unread)


def short(sha: str) -> str:
    return sha[:12]


def success_url(statuses: Iterable[Mapping[str, Any]]) -> str | None:
    """The job URL of a deployment's success status; None when it never succeeded, or deployed
    nothing. Any success counts: GitHub marks a non-production environment's older deployments
    ``inactive`` once a newer one succeeds, after the success (REST "Inactive deployments").

    A merge skipped here succeeds too, so GitHub records a successful deployment of its older
    commit; taken for what runs, a later merge between the two would deploy over the newest.
    deploy.yml tells them apart: its job's ``environment.url`` (``environment_url``) is the site
    URL its summary step gives, and that step runs only when the job deployed."""
    for status in statuses:
        if status.get("state") == "success":
            if not status.get("environment_url"):
                return None  # skipped: nothing deployed
            return str(status.get("log_url") or status.get("target_url") or "")
    return None


def newest_first(deployments: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Deployments by creation, newest first (their ids grow with time)."""
    return sorted(deployments, key=lambda d: int(d.get("id") or 0), reverse=True)


def decide(
    *,
    event: str,
    attempt: int,
    sha: str,
    environment: str,
    current: Deployed | None,
    relation: str | None,
    error: str | None = None,
) -> Decision:
    """Skip (exit 0, nothing applied) only a merge's first attempt older than, or the very
    commit, ``current`` (a successful deployment of ``environment``: the one that covers this
    commit, or else the newest); deploy in every other case."""
    if event != "push":
        return Decision(False, f"a {event} run deploys {short(sha)} whatever is deployed", "notice")
    if attempt > 1:
        return Decision(
            False,
            f"attempt {attempt} of this run (a re-run goes back on purpose): "
            f"{short(sha)} deploys to {environment} whatever is deployed",
            "notice",
        )
    if error:
        return Decision(
            False,
            f"could not read what {environment} runs now ({error}); deploying {short(sha)} "
            "anyway (it is on main and passed the checks), possibly over a newer commit: "
            "check Actions → deploy",
            "warning",
        )
    if current is None:
        return Decision(False, f"{environment} has no successful deployment yet", "notice")
    by = f"by {current.log_url}" if current.log_url else f"(deployment {current.deployment_id})"
    if relation == NEWER:
        return Decision(
            True,
            f"{short(sha)} is older than {short(current.sha)}, already deployed to "
            f"{environment} {by}; nothing to do",
            "notice",
        )
    if relation == SAME:
        return Decision(
            True, f"{short(sha)} is already deployed to {environment} {by}; nothing to do", "notice"
        )
    how = {"behind": "an ancestor of", "diverged": "not in the history of"}.get(
        relation or "", "unrelated to"
    )
    return Decision(
        False,
        f"{environment} runs {short(current.sha)}, {how} {short(sha)}: deploying {short(sha)}",
        "notice",
    )
