"""The workflows' triggers, permissions, concurrency and pinning, and a clean actionlint/zizmor run.

These are the properties issue 7 fixes; a change that loosens one must fail here, not in a
security review.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONS = ROOT / ".github" / "actions"
VENV_BIN = ROOT / ".venv" / "bin"

# The verified pins (each tag's commit, checked against the action's repository when pinned):
# tag -> commit for every action we use.
PINS = {
    "actions/checkout": ("v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1"),
    "actions/setup-node": ("v7.0.0", "820762786026740c76f36085b0efc47a31fe5020"),
    "aws-actions/configure-aws-credentials": (
        "v6.2.3",
        "e6de054238d6b7531b4efff3b6587d9aade6a06c",
    ),
    "aws-actions/amazon-ecr-login": ("v2.1.7", "03f1aad4c6c7ffd436567f42f9384779290529bd"),
    "docker/setup-buildx-action": ("v4.3.0", "37fe631027851001ddb9b187196cc803df7f5f0e"),
    "docker/build-push-action": ("v7.3.0", "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a"),
    "astral-sh/setup-uv": ("v10.0.1", "20cfd1bf945f4377ade1205e4dbc17946fc9a30d"),
    "marocchino/sticky-pull-request-comment": (
        "v3.0.5",
        "5770ad5eb8f42dd2c4f34da00c94c5381e49af88",
    ),
}
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as the boolean true
        data["on"] = data.pop(True)
    return data


def _workflow(name: str) -> dict[str, Any]:
    return _load(WORKFLOWS / name)


ALL_FILES = sorted(WORKFLOWS.glob("*.yml")) + sorted(ACTIONS.glob("*/action.yml"))
ALL_WORKFLOWS = sorted(WORKFLOWS.glob("*.yml"))


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in doc:
        return doc["runs"].get("steps", [])
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def _assumes_role(job: dict[str, Any]) -> bool:
    return any(str(s.get("uses", "")).startswith(AWS_CREDENTIALS) for s in job.get("steps", []))


def test_the_expected_workflows_exist() -> None:
    names = {p.name for p in ALL_WORKFLOWS}
    assert names == {
        "checks.yml", "pr.yml", "deploy.yml", "teardown.yml", "drift.yml", "preview.yml"
    }  # fmt: skip


def test_triggers() -> None:
    assert _workflow("pr.yml")["on"] == {"pull_request": None, "merge_group": None}
    deploy = _workflow("deploy.yml")["on"]
    # a merge, or a rollback (docs/rolling-back.md)
    assert set(deploy) == {"push", "workflow_dispatch"}
    assert deploy["push"] == {"branches": ["main"]}
    rollback = deploy["workflow_dispatch"]["inputs"]
    assert set(rollback) == {"image", "environments"}
    assert rollback["image"]["required"] is True and rollback["image"]["type"] == "string"
    assert "status" in rollback["image"]["description"]
    assert rollback["environments"]["type"] == "choice"
    assert rollback["environments"]["options"] == [
        "production", "staging", "staging-then-production"
    ]  # fmt: skip
    assert _workflow("checks.yml")["on"] == {"workflow_call": None}
    drift = _workflow("drift.yml")["on"]
    assert set(drift) == {"schedule", "workflow_dispatch"}
    (cron,) = drift["schedule"]
    fields = cron["cron"].split()
    assert len(fields) == 5 and fields[2:] == ["*", "*", "*"], "daily"
    teardown = _workflow("teardown.yml")["on"]
    assert set(teardown) == {"workflow_dispatch"}
    confirm = teardown["workflow_dispatch"]["inputs"]["confirm"]
    assert confirm["required"] is True and confirm["type"] == "string"
    assert "environment" in teardown["workflow_dispatch"]["inputs"], "teardown asks which"
    preview = _workflow("preview.yml")["on"]
    assert set(preview) == {"pull_request", "schedule", "workflow_dispatch"}
    assert set(preview["pull_request"]["types"]) == {
        "opened", "synchronize", "reopened", "labeled", "unlabeled", "closed"
    }  # fmt: skip
    assert "pull_request_target" not in preview, "never run a pull request's code with secrets"


def test_pr_and_deploy_run_the_same_checks() -> None:
    for name in ("pr.yml", "deploy.yml"):
        assert _workflow(name)["jobs"]["checks"]["uses"] == "$/.github/workflows/checks.yml"
    checks = _workflow("checks.yml")["jobs"]
    runs = {
        name: " ".join(str(s.get("run", "")) for s in job["steps"]) for name, job in checks.items()
    }
    assert "make lint" in runs["lint"]
    assert "make test" in runs["test"]
    # The image job runs the container tests on the runner's Docker (see checks.yml).
    assert "pytest -m container" in runs["image"]
    assert any(s.get("uses") == "$/.github/actions/setup" for s in checks["image"]["steps"])
    jobs = _workflow("deploy.yml")["jobs"]
    assert jobs["settings"]["needs"] == "checks"
    assert jobs["staging"]["needs"] == "settings"
    assert jobs["production"]["needs"] == ["settings", "staging"]


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_empty_at_the_top_and_minimal_per_job(path: Path) -> None:
    doc = _load(path)
    assert doc["permissions"] == {}, "top-level permissions must be {}"
    allowed_writes = {"id-token", "pull-requests"}
    for name, job in doc["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"{path.name}:{name} must declare its permissions"
        for scope, level in perms.items():
            assert level in {"read", "write"}, (name, scope, level)
            if level == "write":
                assert scope in allowed_writes, f"{path.name}:{name} writes {scope}"
        # id-token only where a role is assumed, and always there.
        assert (perms.get("id-token") == "write") == _assumes_role(job), f"{path.name}:{name}"
        if perms.get("pull-requests") == "write":
            assert (path.name, name) in {
                ("pr.yml", "plan"), ("preview.yml", "deploy"), ("preview.yml", "destroy"),
                ("preview.yml", "sweep"),  # rewrites the preview comment of what it removed
            }  # fmt: skip


def test_roles_come_from_repository_variables_and_the_right_role_per_job() -> None:
    expected = {
        ("pr.yml", "plan"): "${{ vars.AWS_PLAN_ROLE_ARN }}",
        ("drift.yml", "drift"): "${{ vars.AWS_PLAN_ROLE_ARN }}",
        ("deploy.yml", "staging"): "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
        ("deploy.yml", "production"): "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
        ("teardown.yml", "destroy"): "${{ env.ROLE_ARN }}",  # deploy role, or preview role
        ("preview.yml", "deploy"): "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
        ("preview.yml", "destroy"): "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
        ("preview.yml", "sweep"): "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
    }
    found = {}
    for path in ALL_WORKFLOWS:
        for name, job in _load(path)["jobs"].items():
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith(AWS_CREDENTIALS):
                    found[(path.name, name)] = step["with"]["role-to-assume"]
                    assert "aws-access-key-id" not in step["with"]
                    assert step["with"]["aws-region"] == "${{ steps.settings.outputs.region }}"
    assert found == expected


def test_deploys_never_overlap_and_each_job_binds_its_environment() -> None:
    deploy = _workflow("deploy.yml")["jobs"]
    destroy = _workflow("teardown.yml")["jobs"]["destroy"]
    preview = _workflow("preview.yml")["jobs"]
    group = "deploy-${{ github.repository }}-"
    for job, stage in [
        (deploy["staging"], "staging"),
        (deploy["production"], "production"),
        (preview["deploy"], "${{ needs.decide.outputs.env }}"),
        (preview["destroy"], "${{ needs.decide.outputs.env }}"),
        (destroy, "${{ needs.confirm.outputs.env || 'production' }}"),
    ]:
        assert job["concurrency"] == {
            "group": group + stage, "cancel-in-progress": False, "queue": "max"
        }  # fmt: skip
    assert deploy["staging"]["environment"]["name"] == "staging"
    assert deploy["production"]["environment"]["name"] == "production"
    assert destroy["environment"] == "${{ needs.confirm.outputs.github_environment }}"
    assert destroy["needs"] == "confirm"
    for name in ("deploy", "destroy", "sweep"):
        env = preview[name]["environment"]
        assert (env["name"] if isinstance(env, dict) else env) == "preview"
    assert preview["decide"]["permissions"] == {"contents": "read", "pull-requests": "read"}


def _concurrency_blocks() -> dict[tuple[str, str | None], Any]:
    """Every `concurrency:` of every workflow, by (file, job), job None for the workflow's own."""
    found: dict[tuple[str, str | None], Any] = {}
    for path in ALL_WORKFLOWS:
        doc = _load(path)
        if "concurrency" in doc:
            found[(path.name, None)] = doc["concurrency"]
        for name, job in doc["jobs"].items():
            if "concurrency" in job:
                found[(path.name, name)] = job["concurrency"]
    return found


def _group(block: Any) -> str:
    return block if isinstance(block, str) else str(block["group"])


def test_every_deploy_group_queues_every_run_in_order() -> None:
    """A run waiting in a `deploy-…` group is something someone asked for: a merge, a rollback,
    a teardown, a preview. Without `queue: max` GitHub keeps one pending run per group and
    cancels it when a newer one arrives (a merge silently dropped a rollback waiting behind a
    running deploy); with it up to 100 wait and run first in, first out (GitHub Docs, "Control
    the concurrency of workflows and jobs"). A running one is never cancelled either."""
    deploy_groups = {
        where: block
        for where, block in _concurrency_blocks().items()
        if _group(block).startswith("deploy-")
    }
    # deploy.yml's settings, staging and production; preview.yml's deploy and destroy; teardown
    assert len(deploy_groups) == 6, sorted(deploy_groups, key=str)
    for where, block in deploy_groups.items():
        assert isinstance(block, dict), where
        assert block.get("queue") == "max", f"{where}: a newer run would cancel the waiting one"
        assert block.get("cancel-in-progress") is False, where


# What each concurrency group does with a run that arrives while one runs and one waits.
# "max": it waits its turn (nothing asked for vanishes); "single": it replaces the waiting one
# (harmless only where every run acts on the state when it runs); "cancel": it cancels the
# running one too (a newer push makes the older result worthless). A new group must be decided.
QUEUE_POLICY: dict[tuple[str, str | None], str] = {
    ("deploy.yml", "settings"): "max",  # a rollback waiting here must not be dropped by a merge
    ("deploy.yml", "staging"): "max",
    ("deploy.yml", "production"): "max",
    ("preview.yml", "deploy"): "max",  # shares pr-<N>'s group with teardown.yml
    ("preview.yml", "destroy"): "max",
    ("teardown.yml", None): "max",  # each teardown was asked for, each of its own environment
    ("teardown.yml", "destroy"): "max",
    ("preview.yml", None): "single",  # decide re-reads the pull request: the newest run suffices
    ("pr.yml", None): "cancel",
    ("drift.yml", None): "cancel",
}


def test_each_concurrency_group_queues_as_decided() -> None:
    found = {}
    for where, block in _concurrency_blocks().items():
        assert isinstance(block, dict), f"{where}: say cancel-in-progress (and queue) explicitly"
        cancel, queue = block.get("cancel-in-progress"), block.get("queue", "single")
        assert queue in {"single", "max"}, where
        assert not (cancel is True and queue == "max"), f"{where}: GitHub refuses the workflow"
        found[where] = "cancel" if cancel is True else queue
    assert found == QUEUE_POLICY


@pytest.mark.parametrize("job", ["staging", "production"])
def test_each_stage_applies_smokes_and_summarises(job: str) -> None:
    runs = [str(s.get("run", "")) for s in _workflow("deploy.yml")["jobs"][job]["steps"]]
    text = "\n".join(runs)
    apply_at = text.index("-m deploy apply")
    assert "--summary-json" in text[apply_at:] and "--image" in text
    assert text.index("-m deploy smoke") > apply_at
    assert "deploy_summary.py" in text and "GITHUB_STEP_SUMMARY" in text


def _expressions(node: Any, path: str = "") -> list[tuple[str, str]]:
    """(where, value) of every string in a workflow that holds an expression."""
    if isinstance(node, dict):
        return [e for k, v in node.items() for e in _expressions(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [e for i, v in enumerate(node) for e in _expressions(v, f"{path}[{i}]")]
    return [(path, node)] if isinstance(node, str) and "${{" in node else []


def test_a_rollback_runs_the_merges_jobs_and_reads_its_inputs_only_through_env() -> None:
    """One source of truth: the rollback is deploy.yml's own jobs (their environments,
    concurrency groups and smoke tests, checked above), with no job of its own. Its inputs
    reach a script only through a step's env: (and the settings job, which has no AWS
    credentials, checks the image before any job that has them)."""
    doc = _workflow("deploy.yml")
    jobs = doc["jobs"]
    assert set(jobs) == {"checks", "settings", "staging", "production"}
    used = [(where, v) for where, v in _expressions(jobs) if "inputs." in v]
    assert used, "the rollback's inputs are used"
    for where, _value in used:
        assert re.fullmatch(r"\.settings\.steps\[\d+\]\.env\.\w+", where), where
    settings = jobs["settings"]
    assert not _assumes_role(settings) and "id-token" not in settings["permissions"]
    offline = [s for s in settings["steps"] if "check-image" in str(s.get("run", ""))]
    assert len(offline) == 1 and "--offline" in offline[0]["run"]
    assert "--account" in offline[0]["run"] and "${{ inputs.image }}" in offline[0]["env"].values()
    assert settings["outputs"]["image"] == "${{ steps.rollback.outputs.image }}"
    assert offline[0]["id"] == "rollback"
    for name in ("staging", "production"):
        steps = jobs[name]["steps"]
        runs = [str(s.get("run", "")) for s in steps]
        aws = next(
            i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith(AWS_CREDENTIALS)
        )
        check = next(i for i, r in enumerate(runs) if "-m deploy check-image" in r)
        apply_at = next(i for i, r in enumerate(runs) if "-m deploy apply" in r)
        assert aws < check < apply_at, name  # ECR is asked with credentials, before apply
        assert "--offline" not in runs[check]
        assert jobs[name]["env"]["ROLLBACK_IMAGE"] == "${{ needs.settings.outputs.image }}"
        summary = next(r for r in runs if "deploy_summary.py" in r)
        assert '--rollback-image "${ROLLBACK_IMAGE}"' in summary  # it says: revert main now


def test_plan_comment_is_sticky_and_in_the_summary() -> None:
    steps = _workflow("pr.yml")["jobs"]["plan"]["steps"]
    sticky = [s for s in steps if "sticky-pull-request-comment" in str(s.get("uses", ""))]
    assert len(sticky) == 1 and sticky[0]["with"]["header"] == "deploy-plan"
    plan_run = next(s["run"] for s in steps if "-m deploy plan" in str(s.get("run", "")))
    assert "--format markdown" in plan_run and "GITHUB_STEP_SUMMARY" in plan_run


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_action_is_pinned_to_a_verified_commit_with_its_tag(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    uses_lines = [line for line in lines if re.match(r"^\s*(-\s+)?uses:", line)]
    assert uses_lines
    for line in uses_lines:
        ref = line.split("uses:", 1)[1].strip()
        if ref.startswith("$/"):
            continue  # this repository, at the workflow's own commit
        m = re.fullmatch(r"([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)", ref)
        assert m, f"{path.name}: not pinned by SHA with a # vX.Y.Z comment: {ref}"
        action, sha, tag = m.groups()
        assert PINS.get(action) == (tag, sha), f"{path.name}: {action}@{sha} # {tag} unverified"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_expression_is_interpolated_into_a_shell(path: Path) -> None:
    for step in _steps(_load(path)):
        assert "${{" not in str(step.get("run", "")), f"{path.name}: {step.get('name')}: use env:"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_checkout_never_persists_credentials(path: Path) -> None:
    for step in _steps(_load(path)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def _tool(name: str) -> str:
    path = VENV_BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    assert found, f"{name} is missing: run `make setup`"
    return found


def test_actionlint_reports_nothing() -> None:
    result = subprocess.run(
        [
            _tool("actionlint"),
            "-shellcheck",
            _tool("shellcheck"),
            *[str(p) for p in ALL_WORKFLOWS],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_zizmor_reports_nothing_even_pedantic() -> None:
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", "--persona=pedantic", ".github"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("name", "job", "command"),
    [
        ("pr.yml", "plan", "-m deploy plan"),
        ("drift.yml", "drift", "-m deploy plan"),
        ("deploy.yml", "staging", "-m deploy apply"),
        ("deploy.yml", "production", "-m deploy apply"),
        ("preview.yml", "deploy", "-m deploy apply"),
    ],
)
def test_site_is_built_before_the_engine_compares_it(name: str, job: str, command: str) -> None:
    runs = [str(s.get("run", "")) for s in _workflow(name)["jobs"][job]["steps"]]
    site = next(i for i, r in enumerate(runs) if r.strip() == "make site")
    engine = next(i for i, r in enumerate(runs) if command in r)
    assert site < engine


def test_pre_commit_hooks_are_local_and_cover_every_linter() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    hooks = {h["id"]: h for h in repo["hooks"]}
    for hook in hooks.values():
        assert hook["language"] == "system"
        assert hook["entry"].startswith(".venv/bin/"), hook["id"]
        assert (ROOT / hook["entry"].split()[0]).exists(), hook["entry"]
    assert {
        "ruff-check",
        "ruff-format",
        "hadolint",
        "actionlint",
        "zizmor",
        "shellcheck",
        "check-yaml",
        "trailing-whitespace",
        "end-of-file",
    } <= set(hooks)
    assert "--check" in hooks["ruff-format"]["entry"]  # lint never rewrites files
    assert "--offline" in hooks["zizmor"]["entry"]


_LOCKING = re.compile(r"-m deploy (apply|destroy|previews sweep)\b")


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: p.name)
def test_every_job_that_takes_the_stack_lock_says_when_it_ends(path: Path) -> None:
    """A lock left by a runner that died is taken over once its job's time limit has passed
    (deploy/lock.py), which the job tells the engine: DEPLOY_LOCK_MAX_MINUTES must be its
    timeout-minutes. A longer value only delays a takeover; a shorter one would let a run take
    over the lock of a job still running."""
    for name, job in _load(path)["jobs"].items():
        if not any(_LOCKING.search(str(s.get("run", ""))) for s in job.get("steps", [])):
            continue
        said = job.get("env", {}).get("DEPLOY_LOCK_MAX_MINUTES")
        assert said == str(job["timeout-minutes"]), f"{path.name} {name}: {said!r}"


@pytest.mark.parametrize("job", ["staging", "production"])
def test_a_merge_older_than_what_its_environment_runs_applies_nothing(job: str) -> None:
    """docs/environments.md, "Environments and previews": the order check runs on a push only (a
    rollback goes back on purpose), before anything is built or applied, with its inputs through
    env: and the token's `deployments: read` (and `actions: read`: which workflow left a success
    with no URL, a skipped merge or a teardown); when it says skip, every later step but a
    rollback's is skipped."""
    jobs = _workflow("deploy.yml")["jobs"]
    steps = jobs[job]["steps"]
    at = next(i for i, s in enumerate(steps) if "deploy_order.py" in str(s.get("run", "")))
    order = steps[at]
    assert order["id"] == "order" and order["if"] == "github.event_name == 'push'"
    assert "${{" not in order["run"] and f"--environment {job}" in order["run"]
    assert order["env"] == {
        "GITHUB_TOKEN": "${{ github.token }}", "EVENT": "${{ github.event_name }}"
    }  # fmt: skip
    assert jobs[job]["environment"]["name"] == job  # the deployments it reads are its own
    assert jobs[job]["permissions"]["deployments"] == "read"
    assert jobs[job]["permissions"]["actions"] == "read"
    assert [s.get("uses", "") for s in steps[:at]] == [
        f"actions/checkout@{PINS['actions/checkout'][1]}", "$/.github/actions/setup"
    ]  # fmt: skip
    skip = "steps.order.outputs.skip != 'true'"
    for step in steps[at + 1 :]:
        cond = str(step.get("if", ""))
        if "needs.settings.outputs.image != ''" in cond:  # a rollback's: never skipped
            continue
        assert skip in cond, step.get("name") or step.get("uses")
    assert jobs["staging"]["outputs"]["superseded"] == "${{ steps.order.outputs.skip }}"
    assert "needs.staging.outputs.superseded != 'true'" in jobs["production"]["if"]
