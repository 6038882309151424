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
not happen; a limit keeps the requests per job bounded), newest by when they succeeded (their
``success`` status's ``created_at``): GitHub documents no order for the listing, nor that ids
follow creation, and a deployment made first can succeed last (it waited for reviewers).

A re-run (run attempt above 1) follows the same rule: "Re-run failed jobs" of an old merge's run is
no rollback (that is ``workflow_dispatch``, docs/rolling-back.md, "Rolling back"), so it is skipped
when a newer commit deployed over it; the very commit already deployed is applied again on a re-run
only (its first attempt may have failed after the apply). A rollback is never skipped, nor undone by
a run of a commit merged before it (main's head then, or an ancestor): that run, a re-run included,
would put back the image the rollback replaced; the next merge deploys. A teardown (teardown.yml's
job succeeds with no URL) ends what counts: the environment runs nothing after it, so the next merge
deploys, whichever; a success with no URL whose workflow run is not found may be one, so the run
deploys then, with the warning. When GitHub cannot be read, the run deploys, as before this check,
and says so: its commit is on ``main`` and passed the checks.

Pure: the GitHub calls are deploy/github_api.py's, the wiring .github/scripts/deploy_order.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# GitHub's compare of base (this run's commit) ... head (the deployed one): "ahead" means the
# deployed commit has every commit of this one and more; "identical" the same commit.
NEWER = "ahead"
SAME = "identical"
OLDER = "behind"
# How many of the environment's newest successful deployments a merge compares itself with.
SUCCESSES_COMPARED = 10
# How many of its newest deployments (by creation) are read to find them: more than compared,
# since one made earlier can succeed later, and failed or cancelled ones are among them.
DEPLOYMENTS_READ = 30
# The workflow whose job's success in an environment means it was destroyed (teardown.yml).
TEARDOWN_WORKFLOW = "teardown.yml"
# Which job left a deployment status: GitHub Actions sets its ``log_url`` (and ``target_url``,
# the same value: REST "Create a deployment status",
# https://docs.github.com/en/rest/deployments/statuses) to the job's page. Seen in two forms:
# - https://github.com/OWNER/REPO/actions/runs/RUN_ID/job/JOB_ID, today's: code that finds a
#   job's own deployment by it, https://github.com/qoomon/actions--context (lib/actions.ts);
# - https://github.com/OWNER/REPO/runs/CHECK_RUN_ID?check_suite_focus=true, the older one (a
#   check run's page: the job's, with no run id), in an Actions-made deployment status,
#   https://github.com/octokit/webhooks (payload-examples/api.github.com/deployment_status/
#   gh-pages.payload.json).
# A run's own page may add /attempts/N, a query or a fragment. GitHub documents neither form.
_RUN_ID = re.compile(r"/actions/runs/(\d+)(?=[/?#]|$)")
_CHECK_RUN_ID = re.compile(r"^[a-z]+://[^/]+/[^/]+/[^/]+/runs/(\d+)(?=[/?#]|$)")


def known_relation(sha: str, deployed: str, history: Iterable[str]) -> str | None:
    """How ``deployed`` compares with this run's ``sha`` when this run's ``history`` (the
    commit and its ancestors) tells; None when only a compare does (a descendant, a commit
    off its history, or an ancestor older than the page read)."""
    if deployed == sha:
        return SAME
    return OLDER if deployed in history else None


def covers(relation: str | None) -> bool:
    """Whether a deployed commit so related to this run's has everything this run would deploy."""
    return relation in (NEWER, SAME)


@dataclass(frozen=True)
class Deployed:
    """An environment's successful deployment: its commit and where it ran."""

    sha: str
    deployment_id: int
    log_url: str  # the job that deployed it (GitHub Actions sets it), or ''
    at: str = ""  # its success status's created_at (ISO 8601), '' when GitHub gave none
    ran: bool = True  # False: the job succeeded with no environment URL (skipped, teardown)
    rollback: bool = False  # its job ran in a Run workflow (workflow_dispatch) run of deploy.yml


@dataclass(frozen=True)
class Decision:
    skip: bool
    message: str
    level: str  # the annotation: notice (skip or nothing to say) / warning (GitHub unread)


def short(sha: str) -> str:
    return sha[:12]


def _success(statuses: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The newest ``success`` status; any counts: GitHub marks a non-production environment's
    older deployments ``inactive`` once a newer one succeeds, after the success (REST
    "Inactive deployments")."""
    found = [s for s in statuses if s.get("state") == "success"]
    return max(found, key=lambda s: _when(s.get("created_at")), default=None)


def success_of(doc: Mapping[str, Any], statuses: Iterable[Mapping[str, Any]]) -> Deployed | None:
    """A deployment that succeeded, with when (its success's created_at) and whether it
    deployed (an environment URL); None when it never succeeded.

    A merge skipped here succeeds too, so GitHub records a successful deployment of its older
    commit; taken for what runs, a later merge between the two would deploy over the newest.
    deploy.yml tells them apart: its job's ``environment.url`` (``environment_url``) is the site
    URL its summary step gives, and that step runs only when the job deployed (``ran``)."""
    status = _success(statuses)
    if status is None:
        return None
    return Deployed(
        sha=str(doc.get("sha") or ""),
        deployment_id=int(doc.get("id") or 0),
        log_url=str(status.get("log_url") or status.get("target_url") or ""),
        at=str(status.get("created_at") or ""),
        ran=bool(status.get("environment_url")),
    )


def _when(stamp: object) -> datetime:
    """GitHub's ISO 8601 time; the earliest possible when absent or unreadable."""
    try:
        got = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return got if got.tzinfo else got.replace(tzinfo=UTC)


def newest_first(deployments: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Deployments by creation (``created_at``), newest first; the id only breaks a tie (GitHub
    documents neither the listing's order nor ids that follow creation)."""
    return sorted(
        deployments,
        key=lambda d: (_when(d.get("created_at")), int(d.get("id") or 0)),
        reverse=True,
    )


def by_success_time(successes: Iterable[Deployed]) -> list[Deployed]:
    """Successes by when they succeeded, newest first: the order the environment ran them in
    (its deploys run one at a time), whatever order their deployments were made in."""
    return sorted(successes, key=lambda d: (_when(d.at), d.deployment_id), reverse=True)


def run_id(log_url: str) -> int | None:
    """The workflow run of a status's job URL (``…/actions/runs/<id>/job/<job>``)."""
    found = _RUN_ID.search(log_url or "")
    return int(found.group(1)) if found else None


def check_run_id(log_url: str) -> int | None:
    """The job (check run) of a status's older job URL (``…/OWNER/REPO/runs/<id>``), which
    names no run: GET …/actions/jobs/<id> does (its ``run_id``)."""
    found = _CHECK_RUN_ID.search(log_url or "")
    return int(found.group(1)) if found else None


def job_run_id(job: Mapping[str, Any] | None, check_run: int) -> int | None:
    """The workflow run of the job (REST "Get a job for a workflow run") asked for by a check
    run's id, only when it is that check run (``check_run_url`` ends with it): GitHub documents
    no equality of the two ids."""
    url = str((job or {}).get("check_run_url") or "").rstrip("/")
    found = (job or {}).get("run_id")
    if not url.endswith(f"/check-runs/{check_run}") or not str(found or "").isdigit():
        return None
    return int(str(found))


def unidentified(environment: str, deployed: Deployed) -> str:
    """Why the look back stops at a success with no URL whose workflow run is not found
    (deleted, or a log_url in no known form): taken for a skipped merge, a teardown would
    leave the environment empty, so the run deploys (with the warning)."""
    url = deployed.log_url or "no log_url"
    return (
        f"could not tell which workflow left {environment}'s successful deployment "
        f"{deployed.deployment_id} of {short(deployed.sha)} with no URL ({url}): a teardown "
        "(nothing runs since) or a skipped merge"
    )


def is_rollback(run: Mapping[str, Any] | None) -> bool:
    """Whether a workflow run that deployed (a success with the environment's URL) is a
    rollback: deploy.yml's Run workflow (``event`` workflow_dispatch), main's commit with an
    image chosen by hand (docs/rolling-back.md, "Rolling back")."""
    return str((run or {}).get("event") or "") == "workflow_dispatch"


def is_teardown(run: Mapping[str, Any] | None) -> bool:
    """Whether a workflow run (REST "Get a workflow run") is teardown.yml's: its ``path``, the
    workflow file, maybe ``owner/repo/``-prefixed and ``@ref``-suffixed."""
    path = str((run or {}).get("path") or "").split("@", 1)[0]
    return path.rsplit("/", 1)[-1] == TEARDOWN_WORKFLOW


def decide(
    *,
    event: str,
    attempt: int,
    sha: str,
    environment: str,
    current: Deployed | None,
    relation: str | None,
    error: str | None = None,
    torn_down: Deployed | None = None,
) -> Decision:
    """Skip (exit 0, nothing applied) a merge's run, first attempt or re-run, older than
        ``current`` (a successful deployment of ``environment`` since its last teardown,
        ``torn_down``: the newest that covers this commit, or else the newest), and a first attempt
        of the very commit ``current`` deployed, and any run (a re-run too) of a commit ``current``
    covers when it is a rollback; deploy in every other case."""
    if event != "push":
        return Decision(False, f"a {event} run deploys {short(sha)} whatever is deployed", "notice")
    if error:
        return Decision(
            False,
            f"could not read what {environment} runs now ({error}); deploying {short(sha)} "
            "anyway (it is on main and passed the checks), possibly over a newer commit: "
            "check Actions → deploy",
            "warning",
        )
    if current is None:
        if torn_down is not None:
            by = torn_down.log_url or f"deployment {torn_down.deployment_id}"
            return Decision(
                False,
                f"{environment} was torn down by {by} and has deployed nothing since: "
                f"deploying {short(sha)}",
                "notice",
            )
        return Decision(False, f"{environment} has no successful deployment yet", "notice")
    by = f"by {current.log_url}" if current.log_url else f"(deployment {current.deployment_id})"
    if current.rollback and covers(relation):
        return Decision(True, _kept_rollback(sha, environment, current, by), "notice")
    if relation == NEWER:
        rerun = (
            f" (attempt {attempt} of this run: a re-run does not roll back; Run workflow does, "
            'docs/rolling-back.md, "Rolling back")'
            if attempt > 1
            else ""
        )
        return Decision(
            True,
            f"{short(sha)} is older than {short(current.sha)}, already deployed to "
            f"{environment} {by}; nothing to do{rerun}",
            "notice",
        )
    if relation == SAME and attempt > 1:
        return Decision(
            False,
            f"attempt {attempt} of this run: {short(sha)} is what {environment} last deployed "
            f"{by}; deploying it again (a re-run applies what a failed attempt left)",
            "notice",
        )
    if relation == SAME:
        return Decision(
            True, f"{short(sha)} is already deployed to {environment} {by}; nothing to do", "notice"
        )
    how = {OLDER: "an ancestor of", "diverged": "not in the history of"}.get(
        relation or "", "unrelated to"
    )
    return Decision(
        False,
        f"{environment} runs {short(current.sha)}, {how} {short(sha)}: deploying {short(sha)}",
        "notice",
    )


def _kept_rollback(sha: str, environment: str, current: Deployed, by: str) -> str:
    """Why a run of a commit merged before a rollback (main's head then, or an ancestor)
    deploys nothing, a re-run included: it would put back the image the rollback replaced."""
    then = 'the next merge deploys over it (docs/rolling-back.md, "Rolling back")'
    if sha == current.sha:
        return (
            f"{environment} was rolled back on {short(sha)} {by} (Run workflow: this commit "
            f"with an image chosen by hand); deploying it from this run would undo that: "
            f"nothing to do, {then}"
        )
    return (
        f"{short(sha)} is older than {short(current.sha)}, which {environment} runs since a "
        f"rollback {by}: a merge made before the rollback does not undo it; nothing to do, "
        f"{then}"
    )
