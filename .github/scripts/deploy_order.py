"""Before a merge's apply: is a newer commit of main already deployed to this environment?

Why: deploys of an environment queue in order, but a merge's run joins the queue when its checks
finish, so an older merge can come after a newer one and put the environment back on an older commit
(docs/environments.md, "Environments and previews"). The decision is deploy/deploy_order.py's; this
reads GitHub (the environment's deployments, their statuses, the workflow run of a success with no
URL: a skipped merge or a teardown, this commit's history, and the compare of a deployed commit not
in it) with the job's GITHUB_TOKEN (``deployments: read``, ``actions: read``, ``contents: read``).

    python deploy_order.py --environment production --repo o/r --sha SHA --event push
        [--attempt N] [--step-summary PATH] [--github-output PATH]

Writes ``skip=true|false``; a skip is a job-summary line and a notice.
Exits 0 whatever GitHub answers: unread, the run deploys, with a warning (never silently).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from step_files import append_outputs, append_summary  # noqa: E402 (beside this script)

from deploy.deploy_order import (  # noqa: E402
    DEPLOYMENTS_READ,
    SUCCESSES_COMPARED,
    Decision,
    Deployed,
    by_success_time,
    check_run_id,
    covers,
    decide,
    is_rollback,
    is_teardown,
    job_run_id,
    known_relation,
    newest_first,
    run_id,
    success_of,
    unidentified,
)
from deploy.errors import DeployError  # noqa: E402 (not deploy.aws: no boto3 here)
from deploy.github_api import GitHub  # noqa: E402


def successes(gh: GitHub, repo: str, environment: str) -> list[Deployed]:
    """The environment's successes among its newest DEPLOYMENTS_READ deployments (by
    creation), newest success first (by when it succeeded)."""
    found = []
    for doc in newest_first(gh.deployments(repo, environment))[:DEPLOYMENTS_READ]:
        got = success_of(doc, gh.deployment_statuses(repo, int(doc["id"])))
        if got is not None:
            found.append(got)
    return by_success_time(found)


def workflow_of(
    gh: GitHub, repo: str, log_url: str, runs: dict[int, dict[str, Any] | None]
) -> dict[str, Any] | None:
    """The workflow run of a status's job, from its URL (through the job when the URL names
    only the job); None when not found. ``runs`` keeps those read: a re-run's jobs share one."""
    run = run_id(log_url)
    if run is None and (check := check_run_id(log_url)) is not None:
        run = job_run_id(gh.workflow_job(repo, check), check)
    if run is None:
        return None
    if run not in runs:
        runs[run] = gh.workflow_run(repo, run)
    return runs[run]


def marked(
    gh: GitHub, repo: str, deployed: Deployed, runs: dict[int, dict[str, Any] | None]
) -> Deployed:
    """The success that covers this run, marked when its run was a rollback (one read, only
    then); unread, taken for a merge's (skipped as before)."""
    try:
        return replace(
            deployed, rollback=is_rollback(workflow_of(gh, repo, deployed.log_url, runs))
        )
    except DeployError:
        return deployed


def deployed_over(
    gh: GitHub, repo: str, environment: str, sha: str
) -> tuple[Deployed | None, str | None, Deployed | None]:
    """The newest successful deployment since the last teardown whose commit is ``sha`` or a
    descendant, among the newest SUCCESSES_COMPARED; else the newest (a job running now has
    none yet), each with how it compares; and the teardown that ended the look back, if any.
    A success with no URL deployed nothing: a skipped merge's job (deploy/deploy_order.py),
    passed over, or a teardown's, which ends it (its workflow run tells them apart)."""
    newest: tuple[Deployed | None, str | None] = (None, None)
    torn_down: Deployed | None = None
    relations: dict[str, str] = {}
    runs: dict[int, dict[str, Any] | None] = {}
    history: set[str] | None = None
    compared = 0
    for deployed in successes(gh, repo, environment):
        if not deployed.ran:
            run = workflow_of(gh, repo, deployed.log_url, runs)
            if run is None:  # deploy, with the warning: never leave a torn-down one empty
                raise DeployError(unidentified(environment, deployed))
            if is_teardown(run):
                torn_down = deployed  # what deployed before it runs no more
                break
            continue
        if deployed.sha not in relations:
            if history is None and deployed.sha != sha:
                history = set(gh.history(repo, sha))  # once: most deployed commits are in it
            known = known_relation(sha, deployed.sha, history or ())
            relations[deployed.sha] = known or gh.compare(repo, sha, deployed.sha)
        relation = relations[deployed.sha]
        if covers(relation):
            return marked(gh, repo, deployed, runs), relation, None
        if newest[0] is None:
            newest = (deployed, relation)
        compared += 1
        if compared >= SUCCESSES_COMPARED:
            break
    return newest[0], newest[1], torn_down


def judge(
    gh: GitHub, *, repo: str, environment: str, sha: str, event: str, attempt: int
) -> Decision:
    """Read GitHub only for a merge's run (a re-run too); any failure to read becomes the
    warning."""
    current, relation, torn_down, error = None, None, None, None
    if event == "push":
        try:
            current, relation, torn_down = deployed_over(gh, repo, environment, sha)
        except DeployError as exc:
            error = str(exc)
    return decide(
        event=event, attempt=attempt, sha=sha, environment=environment,
        current=current, relation=relation, error=error, torn_down=torn_down,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", required=True, help="the job's GitHub environment")
    parser.add_argument("--repo", required=True, help="owner/name (GITHUB_REPOSITORY)")
    parser.add_argument("--sha", required=True, help="this run's commit (GITHUB_SHA)")
    parser.add_argument("--event", required=True, help="github.event_name")
    parser.add_argument("--attempt", default="1", help="GITHUB_RUN_ATTEMPT ('' counts as 1)")
    parser.add_argument("--step-summary", type=Path)
    parser.add_argument("--github-output", type=Path)
    args = parser.parse_args(argv)
    attempt = int(args.attempt) if str(args.attempt).strip().isdigit() else 1
    decision = judge(
        GitHub(), repo=args.repo, environment=args.environment, sha=args.sha,
        event=args.event, attempt=attempt,
    )  # fmt: skip
    title = "nothing to deploy" if decision.skip else "deploy order"
    print(f"::{decision.level} title={title}::{decision.message}")
    if decision.skip or decision.level == "warning":
        mark = "> [!WARNING]\n> " if decision.level == "warning" else ""
        append_summary(args.step_summary, f"## {args.environment}\n\n{mark}{decision.message}\n\n")
    append_outputs(args.github_output, {"skip": "true" if decision.skip else "false"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
