"""What GitHub Actions really does, checked against our workflows (docs/workflows.md, "What
GitHub does that the workflows allow for"): a job's implicit `success()` covers every ancestor,
a `run:` step without `shell: bash` runs without pipefail, a step's summary over 1 MiB is
dropped, and a fork's or Dependabot's pull request gets no AWS credentials.

Why: each of these is a rule GitHub applies silently (a skipped job in a green run, a pipe
whose failure passes, a summary replaced by an error annotation, a red plan with an OIDC error);
tests/workflows/gha.py follows the first two when it runs the workflows, and these tests keep
the workflow files on the right side of all four.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.workflows.gha import Expression, Runner, bash_env, render

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
SCRIPTS = ROOT / ".github" / "scripts"
ALL_WORKFLOWS = sorted(WORKFLOWS.glob("*.yml"))
PUSH = {"event_name": "push", "repository": "team/trends", "ref": "refs/heads/main"}
STATUS = re.compile(r"\b(always|success|failure|cancelled)\(\s*\)")

sys.path.insert(0, str(SCRIPTS))
import plan_comment  # noqa: E402
import step_files  # noqa: E402


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


# ------------------------------------------------------------------------------ needs and if


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: p.name)
def test_a_job_after_one_that_runs_past_a_skip_checks_its_needs_itself(path: Path) -> None:
    """A job whose `if:` has no status function gets `success() && (...)`, and a job's
    `success()` is false when any *ancestor* was skipped or failed, not only a direct need
    (https://github.com/actions/runner/issues/2205). A need that runs past a skipped or failed
    job of its own (its `if:` has `!cancelled()` or `always()`) therefore skips this job even
    when it succeeds: deploy.yml's rollback (checks skipped) skipped staging in a green run."""
    jobs = _load(path)["jobs"]
    for name, job in jobs.items():
        if STATUS.search(str(job.get("if", ""))):
            continue
        for need in _needs(job):
            assert not STATUS.search(str(jobs[need].get("if", ""))), (
                f"{path.name}: {name} needs {need}, which runs past a skipped or failed job; "
                f"{name}'s `if:` must say `!cancelled() && needs.{need}.result == 'success'` itself"
            )


# ------------------------------------------------------------------------------ shell


def _shell(doc: dict[str, Any], job: dict[str, Any], step: dict[str, Any]) -> str | None:
    for level in (step, (job.get("defaults") or {}).get("run") or {}):
        if level.get("shell"):
            return str(level["shell"])
    return ((doc.get("defaults") or {}).get("run") or {}).get("shell")


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: p.name)
def test_every_run_step_runs_under_bash_with_pipefail(path: Path) -> None:
    """Without a `shell:`, GitHub runs a step as `bash -e {0}`: no pipefail, so `cmd | tee log`
    passes when cmd fails. `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`
    (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsshell)."""
    doc = _load(path)
    for name, job in doc["jobs"].items():
        for step in job.get("steps", []):
            if "run" in step:
                assert _shell(doc, job, step) == "bash", f"{path.name}: {name}: {step.get('name')}"


def test_the_test_runner_runs_a_step_as_github_does(tmp_path: Path) -> None:
    """gha.py gives a step without `shell:` no pipefail, as GitHub does, and `shell: bash` it."""
    workflow = tmp_path / "shells.yml"
    step = {"id": "s", "run": 'false | true\necho ran=yes >> "$GITHUB_OUTPUT"'}
    jobs = {
        "plain": {
            "runs-on": "x",
            "steps": [step],
            "outputs": {"ran": "${{ steps.s.outputs.ran }}"},
        },
        "bash": {"runs-on": "x", "steps": [{**step, "shell": "bash"}]},
    }
    workflow.write_text(yaml.safe_dump({"on": "push", "jobs": jobs}), encoding="utf-8")
    runner = Runner(workflow, tmp_path, PUSH, {}, bash_env({}), {})
    done = runner.run()
    assert done["plain"].result == "success" and done["plain"].outputs["ran"] == "yes"
    assert done["bash"].result == "failure"


def test_the_test_runner_skips_a_job_whose_ancestor_was_skipped(tmp_path: Path) -> None:
    """As GitHub does (https://github.com/actions/runner/issues/2205): c's implicit success()
    sees a, skipped, although its need b ran (`!cancelled()`) and succeeded."""
    workflow = tmp_path / "chain.yml"
    run = [{"run": "true"}]
    jobs = {
        "a": {"if": "false", "runs-on": "x", "steps": run},
        "b": {"needs": "a", "if": "${{ !cancelled() }}", "runs-on": "x", "steps": run},
        "c": {"needs": "b", "runs-on": "x", "steps": run},
        "d": {"needs": "b", "if": "!cancelled() && needs.b.result == 'success'", "runs-on": "x",
              "steps": run},
    }  # fmt: skip
    workflow.write_text(yaml.safe_dump({"on": "push", "jobs": jobs}), encoding="utf-8")
    done = Runner(workflow, tmp_path, PUSH, {}, bash_env({}), {}).run()
    assert {n: j.result for n, j in done.items()} == {
        "a": "skipped", "b": "success", "c": "skipped", "d": "success"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "github"),
    [
        ("'abc' == 'ABC'", True),  # strings: case ignored
        ("out == 'true'", True),
        ("out == true", False),  # string and boolean: both numbers, 'true' is NaN
        ("out != true", True),
        ("one == true", True),  # '1' is 1
        ("one == 1.0", True),
        ("padded == 1", True),  # ' 01 ' is 1
        ("missing == false", True),  # null is 0, false is 0
        ("missing == ''", True),  # '' is 0 too
        ("missing == 'false'", False),  # 'false' is NaN
        ("1 == 1.0", True),  # numbers as numbers
        ("items == 'a'", False),  # an array is NaN
        ("items != 'a'", True),
    ],
)
def test_the_test_runner_compares_as_github_does(expression: str, github: bool) -> None:
    """GitHub compares loosely: values of different types are both made numbers (null 0, a
    boolean 0 or 1, a string its JSON number, '' 0, anything else NaN, never equal), strings
    without case (https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#operators).
    gha.py compared their texts: `needs.x.outputs.ok == true` held there and never on GitHub
    (an output is a string, 'true' NaN), so a test passed a job GitHub skips."""
    contexts = {"out": "true", "one": "1", "padded": " 01 ", "missing": None, "items": ["a"]}
    status = {"always": True, "cancelled": False, "success": True, "failure": False}
    assert Expression(expression, contexts, status).value() is github


# ------------------------------------------------------------------------------ step summary

LIMIT = 1024 * 1024  # "$GITHUB_STEP_SUMMARY upload aborted, supports content up to ... 1024k"


def test_a_summary_over_the_limit_is_cut_with_its_code_block_closed(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("### before\n", encoding="utf-8")
    huge = "### Plan\n\n```text\n" + "".join(f"line {i} é\n" for i in range(300_000)) + "```\n"
    assert len(huge.encode()) > 2 * LIMIT
    step_files.append_summary(summary, huge)
    text = summary.read_text(encoding="utf-8")
    assert len(text.encode()) <= LIMIT
    assert text.startswith("### before\n### Plan")
    assert text.count("```") % 2 == 0, "the cut closes the code block it was in"
    assert text.rstrip().endswith(step_files.SUMMARY_CUT.strip())
    step_files.append_summary(summary, "more\n")  # full: nothing more, still under the limit
    assert len(summary.read_bytes()) <= LIMIT


def test_a_summary_cut_inside_a_collapsed_section_closes_it(tmp_path: Path) -> None:
    """A plan's longest part is its `<details>` list of unchanged resources (deploy/render.py):
    a cut there left the section open, and the cut's note inside it, folded away with the rest
    of the list, so the summary did not show that it had been cut."""
    unchanged = "".join(f"- thing `thing-{i}`\n" for i in range(60_000))
    plan = f"### Plan\n\n<details><summary>60000 unchanged</summary>\n\n{unchanged}\n</details>\n"
    summary = tmp_path / "summary.md"
    step_files.append_summary(summary, plan)
    text = summary.read_text(encoding="utf-8")
    assert len(text.encode()) <= LIMIT
    assert text.count("<details>") == text.count("</details>") == 1
    assert text.index("</details>") < text.index(step_files.SUMMARY_CUT.strip())
    for room in range(0, 400, 7):  # small rooms too: what is kept is closed, and fits
        cut = step_files.fit_summary(plan, room)
        assert len(cut.encode()) <= room and cut.count("<details>") == cut.count("</details>")
    assert "- thing `thing-0`\n" in step_files.fit_summary(plan, 300)
    assert "`\n\n</details>\n\n*(Cut here" in step_files.fit_summary(plan, 300)


def test_a_small_summary_is_appended_whole(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    step_files.append_summary(summary, "a\n")
    step_files.append_summary(summary, "b\n")
    assert summary.read_text(encoding="utf-8") == "a\nb\n"


def test_the_plan_summary_of_a_huge_plan_stays_under_the_limit(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    for env in ("staging", "production"):
        rows = "".join(f"| update | `thing-{i}` | a reason |\n" for i in range(40_000))
        (plans / f"{env}.md").write_text(f"### Deploy plan\n\n**Plan: 40000 to update.**\n\n{rows}")
        (plans / f"{env}.rc").write_text("2\n")
    summary = tmp_path / "summary.md"
    argv = [str(plans), "--env", "staging production", "--budget", "0"]
    assert plan_comment.main([*argv, "--step-summary", str(summary)]) == 0
    text = summary.read_text(encoding="utf-8")
    assert len(text.encode()) <= LIMIT and "#### `staging`" in text
    assert step_files.SUMMARY_CUT.strip() in text


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: p.name)
def test_every_summary_is_written_through_the_capped_writer(path: Path) -> None:
    """Each step's summary goes through step_files.append_summary (a script's --step-summary,
    or step_files.py for a shell's text), never `>> "$GITHUB_STEP_SUMMARY"` of a plan or log."""
    for job in _load(path)["jobs"].values():
        for step in job.get("steps", []):
            run = str(step.get("run", ""))
            for m in re.finditer(r"\$\{?GITHUB_STEP_SUMMARY\}?", run):
                before = run[: m.start()].rstrip('"').rstrip()
                assert before.endswith("--step-summary"), f"{path.name}: {step.get('name')}"


# ------------------------------------------------------------------------------ forks, Dependabot


def _plan_job(tmp_path: Path, head_repo: str, actor: str, vars_: dict[str, str]) -> Any:
    repo = "team/trends"
    github = {
        "event_name": "pull_request",
        "event": {"pull_request": {"number": 5, "head": {
            "repo": {"full_name": head_repo} if head_repo else None, "sha": "f" * 40}}},
        "repository": repo, "actor": actor, "ref": "refs/pull/5/merge", "run_id": "1",
    }  # fmt: skip
    noop = lambda _job, _with: None  # noqa: E731
    uses = {a: noop for a in ("actions/checkout", "$/.github/actions/setup", "actions/setup-node",
                              "aws-actions/configure-aws-credentials",
                              "marocchino/sticky-pull-request-comment")}  # fmt: skip
    env = bash_env({"GITHUB_REPOSITORY": repo})
    runner = Runner(WORKFLOWS / "pr.yml", tmp_path, github, vars_, env, uses)
    return runner.run()["plan"]


ROLE = {"AWS_PLAN_ROLE_ARN": "arn:aws:iam::123456789012:role/trends-anomaly-github-plan"}


@pytest.mark.parametrize("vars_", [ROLE, {}], ids=["variables", "no variables"])
@pytest.mark.parametrize(
    ("head_repo", "actor", "said"),
    [
        ("someone/trends", "someone", "Pull requests from forks get no AWS credentials"),
        ("", "someone", "Pull requests from forks get no AWS credentials"),  # fork deleted
        ("team/trends", "dependabot[bot]", "Runs triggered by Dependabot get no AWS credentials"),
    ],
    ids=["fork", "deleted fork", "dependabot"],
)
def test_a_fork_or_dependabot_plan_passes_and_says_why_it_has_no_aws(
    tmp_path: Path, head_repo: str, actor: str, said: str, vars_: dict[str, str]
) -> None:
    """A fork's and Dependabot's runs get no OIDC token and no secrets
    (https://docs.github.com/en/code-security/dependabot/troubleshooting-dependabot/troubleshooting-dependabot-on-github-actions,
    https://docs.github.com/en/actions/reference/security/secure-use#using-openid-connect-to-access-cloud-resources):
    the plan job passes (it never blocks a merge) and says why, whether or not the repository's
    variables reach the run; never 'AWS is not configured', which tells a contributor to set up
    what the maintainers did set up."""
    plan = _plan_job(tmp_path, head_repo, actor, vars_)
    assert plan.result == "success"
    first, *rest = plan.steps
    assert said in first.stdout, first.stdout
    assert "AWS is not configured" not in first.stdout
    assert all(s.outcome == "skipped" for s in rest), [(s.name, s.outcome) for s in rest]


# ------------------------------------------------------------------------------ OIDC subjects


def test_a_drift_check_run_by_hand_on_a_branch_stops_before_aws(tmp_path: Path) -> None:
    """*Run workflow* may pick any branch, and a job without an environment gets the subject
    `repo:OWNER/NAME:ref:refs/heads/<that branch>`
    (https://docs.github.com/en/actions/reference/security/oidc, "Example subject claims":
    "Filtering for a specific branch: repo:<orgName/repoName>:ref:refs/heads/branchName").
    The plan role trusts pull requests and `main` only (plan_trust_policy), so drift.yml run
    on another branch failed at configure-aws-credentials with "Not authorized to perform
    sts:AssumeRoleWithWebIdentity", after setup and `make site`, saying nothing of why. It must
    stop first, saying to run it from main, as teardown and rollback do."""
    github = {"event_name": "workflow_dispatch", "event": {}, "repository": "team/trends",
              "ref": "refs/heads/feature", "run_id": "1"}  # fmt: skip
    noop = lambda _job, _with: None  # noqa: E731
    uses = {a: noop for a in ("actions/checkout", "$/.github/actions/setup")}
    env = bash_env({"GITHUB_REPOSITORY": "team/trends"})
    runner = Runner(WORKFLOWS / "drift.yml", tmp_path, github, ROLE, env, uses)
    jobs = runner.run()
    settings = jobs["settings"]
    assert settings.result == "failure"
    first, *rest = settings.steps
    assert first.outcome == "failure" and "from the main branch" in first.stdout, first.stdout
    assert all(s.outcome == "skipped" for s in rest), [(s.name, s.outcome) for s in rest]
    assert jobs["drift"].result == "skipped"


# ------------------------------------------------------------------------------ merge queue

MERGE_GROUP_REF = "refs/heads/gh-readonly-queue/main/pr-5-" + "a" * 40


def test_the_required_checks_also_run_for_a_merge_queue() -> None:
    """docs/workflows.md says to require `checks / …` (and, if you like, the plan job). A
    branch that requires them and uses a merge queue waits for them on each merge group, and
    "To trigger a GitHub Actions workflow for a merge group, the merge_group trigger should be
    used" (https://github.blog/changelog/2022-08-18-merge-group-webhook-event-and-github-actions-workflow-trigger/;
    GitHub Docs, "Managing a merge queue"): without it the checks never report, the queue
    times out and no pull request merges."""
    on = _load(WORKFLOWS / "pr.yml")["on"]
    assert "pull_request" in on and "merge_group" in on


def test_each_merge_group_has_its_own_concurrency_group() -> None:
    """pr.yml cancels in progress per pull request. A merge_group event has no
    `github.event.pull_request`, so `pr-${{ github.event.pull_request.number }}` put every
    merge group in one group `pr-`, where each new group's run cancelled the one before it
    (and the queue dropped its pull requests as failed)."""
    group = _load(WORKFLOWS / "pr.yml")["concurrency"]["group"]
    status = {"success": True, "always": True, "cancelled": False, "failure": False}

    def rendered(github: dict[str, Any]) -> str:
        return str(render(group, {"github": github}, status))

    first = rendered({"event_name": "merge_group", "event": {}, "ref": MERGE_GROUP_REF})
    second = rendered(
        {"event_name": "merge_group", "event": {}, "ref": MERGE_GROUP_REF.replace("pr-5", "pr-6")}
    )
    push_a = rendered({"event_name": "pull_request", "event": {"pull_request": {"number": 5}},
                       "ref": "refs/pull/5/merge"})  # fmt: skip
    push_b = rendered({"event_name": "pull_request", "event": {"pull_request": {"number": 5}},
                       "ref": "refs/pull/5/merge"})  # fmt: skip
    assert first != second, first
    assert push_a == push_b  # a new push still cancels the pull request's older run


def test_a_merge_group_plan_passes_and_says_why_it_has_no_aws(tmp_path: Path) -> None:
    """A merge group's commit is on `gh-readonly-queue/main/…`: its OIDC subject
    `repo:…:ref:refs/heads/gh-readonly-queue/…` is not one the plan role trusts, and the plan
    was shown on the pull request. The plan job (a check that may be required) passes with a
    notice, never 'from a fork' (a merge_group event has no pull_request.head.repo)."""
    repo = "team/trends"
    event = {"merge_group": {"head_sha": "a" * 40, "head_ref": MERGE_GROUP_REF}}
    github = {"event_name": "merge_group", "event": event, "repository": repo,
              "actor": "someone", "ref": MERGE_GROUP_REF, "run_id": "1"}  # fmt: skip
    noop = lambda _job, _with: None  # noqa: E731
    uses = {a: noop for a in ("actions/checkout", "$/.github/actions/setup", "actions/setup-node",
                              "aws-actions/configure-aws-credentials",
                              "marocchino/sticky-pull-request-comment")}  # fmt: skip
    env = bash_env({"GITHUB_REPOSITORY": repo})
    plan = Runner(WORKFLOWS / "pr.yml", tmp_path, github, ROLE, env, uses).run()["plan"]
    assert plan.result == "success"
    first, *rest = plan.steps
    assert "merge queue" in first.stdout, first.stdout
    assert "fork" not in first.stdout
    assert all(s.outcome == "skipped" for s in rest), [(s.name, s.outcome) for s in rest]


# ------------------------------------------------------------------------------ expressions


def test_a_preview_teardown_never_falls_back_to_the_deploy_role() -> None:
    """GitHub's expressions have no ternary: `cond && a || b` gives b whenever a is falsy,
    and an empty string (an unset variable) is falsy
    (https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#operators;
    the "fake ternary ... the second AND condition must be truthy",
    https://github.com/orgs/community/discussions/26738). teardown.yml's destroy job chose its
    role with
    `preview == 'true' && vars.AWS_PREVIEW_ROLE_ARN || vars.AWS_DEPLOY_ROLE_ARN`: for a
    pr-<N> teardown without AWS_PREVIEW_ROLE_ARN it got the deploy role, so its "is not set"
    check passed and configure-aws-credentials presented the `preview` environment's token to
    the deploy role (refused: "Not authorized to perform sts:AssumeRoleWithWebIdentity")."""
    job = _load(WORKFLOWS / "teardown.yml")["jobs"]["destroy"]
    status = {"success": True, "always": True, "cancelled": False, "failure": False}
    deploy_arn = "arn:aws:iam::123456789012:role/trends-anomaly-github-deploy"
    preview_arn = "arn:aws:iam::123456789012:role/trends-anomaly-github-preview"

    def role(preview: str, vars_: dict[str, str]) -> str:
        ctx = {"needs": {"confirm": {"outputs": {"preview": preview}}}, "vars": vars_,
               "github": {}, "env": {}}  # fmt: skip
        return str(render(job["env"]["ROLE_ARN"], ctx, status))

    both = {"AWS_DEPLOY_ROLE_ARN": deploy_arn, "AWS_PREVIEW_ROLE_ARN": preview_arn}
    assert role("true", both) == preview_arn
    assert role("false", both) == deploy_arn
    assert role("true", {"AWS_DEPLOY_ROLE_ARN": deploy_arn}) == ""  # the step says: not set
    assert role("false", {"AWS_PREVIEW_ROLE_ARN": preview_arn}) == ""


@pytest.mark.parametrize("head_repo", ["someone/trends", ""], ids=["fork", "deleted fork"])
def test_a_forks_preview_run_says_forks_get_none_not_that_previews_are_unset(
    tmp_path: Path, head_repo: str
) -> None:
    """GitHub passes no configuration variables to a run a fork's pull request triggers
    ("Workflow configuration variables are not available for pull requests from forks",
    cilium/cilium#23169; "Variables are not passed to workflows that are triggered by a pull
    request from a fork", mdn/content's workflows): preview.yml's decide job then saw
    AWS_PREVIEW_ROLE_ARN empty and told every fork's pull request, in a repository whose
    previews are set up, "Previews are not configured: add `preview:` to config.yaml, run
    bootstrap and set the repository variable AWS_PREVIEW_ROLE_ARN". It must say what pr.yml's
    plan job says: a fork gets none."""
    repo = "team/trends"
    github = {
        "event_name": "pull_request",
        "event": {"action": "labeled", "label": {"name": "preview"}, "pull_request": {
            "number": 5, "state": "open", "labels": [{"name": "preview"}],
            "head": {"repo": {"full_name": head_repo} if head_repo else None, "sha": "f" * 40},
            "base": {"sha": "e" * 40}}},
        "repository": repo, "actor": "someone", "ref": "refs/pull/5/merge", "run_id": "1",
    }  # fmt: skip
    noop = lambda _job, _with: None  # noqa: E731
    uses = {a: noop for a in ("actions/checkout", "$/.github/actions/setup")}
    env = bash_env({"GITHUB_REPOSITORY": repo})
    jobs = Runner(WORKFLOWS / "preview.yml", tmp_path, github, {}, env, uses).run()
    decide = jobs["decide"]
    assert decide.result == "success"
    said = "".join(step.stdout for step in decide.steps)
    assert "forks never get a preview" in said, said
    assert "not configured" not in said, said
    assert decide.outputs.get("action") == "skip"
    assert all(jobs[j].result == "skipped" for j in ("deploy", "destroy")), jobs
