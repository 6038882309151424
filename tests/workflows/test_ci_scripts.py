"""The workflows' own logic, run for real: their shell steps under bash and their helper
scripts. (The image job runs the container tests themselves: tests/model, `-m container`.)"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest
import yaml

from tests.workflows.gha import bash_env

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / ".github" / "scripts"
WORKFLOWS = ROOT / ".github" / "workflows"
PYTHON = sys.executable


def _step(workflow: str, job: str, contains: str) -> str:
    """The `run:` text of the step of `job` whose name or run contains `contains`."""
    doc = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
    for step in doc["jobs"][job]["steps"]:
        if contains in str(step.get("name", "")) or contains in str(step.get("run", "")):
            return step["run"]
    raise AssertionError(f"no step with {contains!r} in {workflow}:{job}")


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a step the way GitHub does: bash --noprofile --norc -eo pipefail <file>."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "step.sh"
        path.write_text(script, encoding="utf-8")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
            cwd=cwd,
            env=bash_env({"HOME": scratch, **env}),
            capture_output=True,
            text=True,
            timeout=60,
        )


def test_steps_use_the_test_runs_bytecode_cache(tmp_path: Path) -> None:
    """The python a step starts reads and writes bytecode under the test run's prefix
    (tests/support/bytecode.py), as gha.py's steps do, never beside the sources."""
    prefix = os.environ.get("PYTHONPYCACHEPREFIX")
    if not prefix:
        pytest.skip("no bytecode cache in this run (outside a venv)")
    said = _bash(f'"{PYTHON}" -c "import sys; print(sys.pycache_prefix)"', tmp_path, {})
    assert said.stdout.strip() == prefix, said.stderr
    assert bash_env({})["PYTHONPYCACHEPREFIX"] == prefix


def _gh_env(tmp_path: Path) -> dict[str, str]:
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    return {
        "RUNNER_TEMP": str(temp),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_RUN_ID": "42",
        "HEAD_SHA": "fedcba9876543210fedcba9876543210fedcba98",
        "GITHUB_REPOSITORY": "octo/trends",
    }


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""


# ----------------------------------------------------------------- "is AWS configured?" steps


ROLE = "arn:aws:iam::1:role/x"


@pytest.mark.parametrize(
    ("role", "head_repo", "actor", "enabled", "notice"),
    [
        ("", "octo/trends", "octo", "false", "AWS_PLAN_ROLE_ARN"),
        (ROLE, "fork/trends", "octo", "false", "forks get no AWS credentials"),
        # Dependabot's branches are in this repository, but its runs get no OIDC token.
        (ROLE, "octo/trends", "dependabot[bot]", "false", "Dependabot get no AWS credentials"),
        (ROLE, "octo/trends", "octo", "true", None),
    ],
)
def test_pr_plan_is_skipped_with_a_notice_without_aws(
    tmp_path: Path, role: str, head_repo: str, actor: str, enabled: str, notice: str | None
) -> None:
    env = {**_gh_env(tmp_path), "PLAN_ROLE_ARN": role, "HEAD_REPO": head_repo, "ACTOR": actor}
    result = _bash(_step("pr.yml", "plan", "Is AWS configured"), tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert f"enabled={enabled}" in _read(env["GITHUB_OUTPUT"])
    if notice:
        assert "::notice" in result.stdout and notice in result.stdout
    else:
        assert "::notice" not in result.stdout


def test_deploy_and_drift_skip_with_a_notice_teardown_fails_without_aws(tmp_path: Path) -> None:
    env = {**_gh_env(tmp_path), "DEPLOY_ROLE_ARN": "", "PLAN_ROLE_ARN": ""}
    env["REF"] = "refs/heads/main"  # drift's settings job env: a run on main
    deploy = _bash(_step("deploy.yml", "settings", "Is AWS configured"), tmp_path, env)
    assert deploy.returncode == 0 and "::notice" in deploy.stdout
    drift = _bash(_step("drift.yml", "settings", "Is AWS configured"), tmp_path, env)
    assert drift.returncode == 0 and "::notice" in drift.stdout
    assert _read(env["GITHUB_OUTPUT"]).count("enabled=false") == 2
    teardown = _bash(_step("teardown.yml", "destroy", "Is AWS configured"), tmp_path, env)
    assert teardown.returncode == 1 and "::error" in teardown.stdout
    # docs/deploy.md says what a fork without the variables sees: teardown is the exception
    # (a teardown asked for must not pass green having destroyed nothing).
    said = " ".join((ROOT / "docs" / "deploy.md").read_text(encoding="utf-8").split())
    without = said[said.index("Without the variables") :]
    assert "teardown" in without[: without.index(".", without.index("notice"))], without[:200]


# ----------------------------------------------------------------- plan / drift exit codes


def _fake_deploy_cli(tmp_path: Path, rc: int) -> None:
    """A stand-in `.venv/bin/python` for `-m deploy plan`: prints a plan, exits with `rc`
    (the workflow's own scripts, .github/scripts/*, run on the real python)."""
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'[ "$1" = -m ] || exec {PYTHON} "$@"\n'
        'echo "args: $*"\n'
        'echo "| resource | action |"\n'
        f'[ {rc} = 1 ] && echo "plan: AccessDenied on sagemaker:DescribeEndpoint" >&2\n'
        f"exit {rc}\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    if not (tmp_path / ".github").exists():
        (tmp_path / ".github").symlink_to(ROOT / ".github")


@pytest.mark.parametrize("environments", ["staging production", ""])
@pytest.mark.parametrize(
    ("rc", "title"),
    [(0, "no changes"), (2, "merging this pull request changes AWS"), (1, "failed")],
)
def test_pr_plan_step_builds_one_comment_for_every_outcome(
    tmp_path: Path, rc: int, title: str, environments: str
) -> None:
    _fake_deploy_cli(tmp_path, rc)
    env = {**_gh_env(tmp_path), "ENVIRONMENTS": environments}
    result = _bash(_step("pr.yml", "plan", "-m deploy plan"), tmp_path, env)
    assert result.returncode == 0, result.stderr  # the comment is posted even when plan fails
    comment = _read(str(Path(env["RUNNER_TEMP"]) / "plan-comment.md"))
    assert comment.startswith("<!-- deploy-plan -->") and title in comment
    if environments:
        first, *others = environments.split()
        # The roles' bootstrap check covers every environment: the first plan alone runs it.
        assert f"args: -m deploy plan --env {first} --format markdown" in comment
        for name in others:
            assert f"args: -m deploy plan --env {name} --no-bootstrap-check --format markdown" in (
                comment
            )
        for name in environments.split():
            assert f"#### `{name}`" in comment
        assert comment.index("#### `staging`") < comment.index("#### `production`")
    else:
        assert "args: -m deploy plan --format markdown" in comment
        assert "#### the deployment" in comment and "| environment |" not in comment
    assert "Plan for fedcba987654 (run 42)" in comment
    assert ("AccessDenied" in comment) is (rc == 1)
    assert comment in _read(env["GITHUB_STEP_SUMMARY"])
    assert f"rc={rc}" in _read(env["GITHUB_OUTPUT"])


def test_pr_plan_failure_fails_the_job_after_commenting(tmp_path: Path) -> None:
    env = {**_gh_env(tmp_path), "RC": "1"}
    result = _bash(_step("pr.yml", "plan", "Fail when the plan"), tmp_path, env)
    assert result.returncode == 1 and "::error" in result.stdout


@pytest.mark.parametrize(
    ("rc", "step_rc", "heading"), [(0, 0, "No drift"), (2, 1, "Drift:"), (1, 1, "failed")]
)
def test_drift_check_fails_on_exit_code_2(
    tmp_path: Path, rc: int, step_rc: int, heading: str
) -> None:
    _fake_deploy_cli(tmp_path, rc)
    env = _gh_env(tmp_path)
    result = _bash(_step("drift.yml", "drift", "-m deploy plan"), tmp_path, env)
    assert result.returncode == step_rc
    assert heading in _read(env["GITHUB_STEP_SUMMARY"])
    assert ("::error title=drift" in result.stdout) is (rc == 2)


@pytest.mark.parametrize(
    ("stage", "advice"),
    [
        ("staging", "Re-run the deploy workflow on main"),
        ("qa", "apply it by hand (deploy apply --env qa"),
    ],
)
def test_drift_says_how_to_put_each_environment_back(
    tmp_path: Path, stage: str, advice: str
) -> None:
    # deploy.yml applies staging and production only: re-running it never puts qa back.
    _fake_deploy_cli(tmp_path, 2)
    env = {
        **_gh_env(tmp_path),
        "STAGE": stage,
        "ENVIRONMENTS": "staging production qa",
        "STAGING": "staging",
        "PRODUCTION": "production",
    }
    result = _bash(_step("drift.yml", "drift", "-m deploy plan"), tmp_path, env)
    assert result.returncode == 1
    error = next(line for line in result.stdout.splitlines() if line.startswith("::error"))
    assert advice in error
    assert ("Re-run the deploy workflow" in error) is (stage != "qa")
    assert ("never applies" in _read(env["GITHUB_STEP_SUMMARY"])) is (stage == "qa")


# ----------------------------------------------------------------- teardown confirmation


def _project() -> str:
    from deploy.config import load_config

    return load_config(ROOT / "config.yaml").project


def _confirm(tmp_path: Path, typed: str) -> subprocess.CompletedProcess[str]:
    # The real step, run from the repository root with the typed text in the environment.
    script = _step("teardown.yml", "confirm", "typed name").replace(".venv/bin/python", PYTHON)
    return _bash(script, ROOT, {**_gh_env(tmp_path), "CONFIRM": typed})


@pytest.mark.slow
def test_teardown_proceeds_only_when_the_project_name_is_typed(tmp_path: Path) -> None:
    ok = _confirm(tmp_path, _project())
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "confirmed" in ok.stdout
    wrong = _confirm(tmp_path, _project() + "-typo")
    assert wrong.returncode == 1 and "::error title=teardown not confirmed" in wrong.stdout
    empty = _confirm(tmp_path, "")
    assert empty.returncode == 1


def test_teardown_input_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    result = _confirm(tmp_path, f'x"; touch {marker}; echo "$(touch {marker})')
    assert result.returncode == 1
    assert not marker.exists()


def test_teardown_runs_only_from_main(tmp_path: Path) -> None:
    script = _step("teardown.yml", "confirm", "Only from main")
    assert _bash(script, tmp_path, {"REF": "refs/heads/main"}).returncode == 0
    other = _bash(script, tmp_path, {"REF": "refs/heads/feature"})
    assert other.returncode == 1 and "::error" in other.stdout


# ----------------------------------------------------------------- helper scripts


def _script(name: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(SCRIPTS / name), *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


@functools.cache
def _script_module(name: str) -> types.ModuleType:
    """.github/scripts/<name> imported once, as its directory on sys.path imports it."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        return importlib.import_module(name.removesuffix(".py"))
    finally:
        sys.path.remove(str(SCRIPTS))


def _main(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python .github/scripts/<name> args`` as its ``main(args)`` in this process: the exit
    code and what it printed. For the checks of what ci_settings.py answers to given arguments
    and a given config.yaml (all of them pass --config): a process costs ~0.9 s of CPU (the
    deploy engine's imports and botocore's data, read again each time), this ~5 ms once loaded.
    The script still runs as a process where its steps are checked: the teardown tests here run
    teardown.yml's confirm step, test_promotion_and_previews.py each workflow's settings and
    stages steps, and test_settings_come_from_config_yaml both its exits."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = _script_module(name).main(list(args))
        except SystemExit as exit_:  # argparse's refusal
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess([name, *args], code, out.getvalue(), err.getvalue())


@pytest.mark.slow
def test_settings_come_from_config_yaml(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("project: other-proj\nregion: eu-central-1\n", encoding="utf-8")
    result = _script("ci_settings.py", "--config", str(config), "settings", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "project=other-proj", "region=eu-central-1", "staging=", "production=",
        "environments=-", 'environments_json=[""]', "previews=false",
    ]  # fmt: skip
    config.write_text(
        "project: other-proj\nenvironments: {staging: {}, production: {}, dev: {}}\n",
        encoding="utf-8",
    )
    staged = _main("ci_settings.py", "--config", str(config), "settings")
    assert "staging=staging" in staged.stdout and "production=production" in staged.stdout
    assert "environments=staging production dev" in staged.stdout
    assert "environment dev is planned and drift-checked but never deployed" in staged.stderr
    config.write_text("project: other-proj\nenvironments: {prod: {}}\n", encoding="utf-8")
    unstaged = _main("ci_settings.py", "--config", str(config), "settings")
    assert unstaged.returncode == 1 and "promote staging → production" in unstaged.stdout
    config.write_text("project: Bad_Name\n", encoding="utf-8")
    bad = _script("ci_settings.py", "--config", str(config), "settings", cwd=tmp_path)
    assert bad.returncode == 1 and bad.stdout.startswith("::error title=config.yaml::")
    assert "\n" not in bad.stdout.strip()


def _settings(tmp_path: Path, config_text: str) -> dict[str, str]:
    """ci_settings.py settings on ``config_text``: its $GITHUB_OUTPUT lines as a dict."""
    config = tmp_path / "c.yaml"
    config.write_text(config_text, encoding="utf-8")
    result = _main("ci_settings.py", "--config", str(config), "settings")
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


@pytest.mark.slow
@pytest.mark.parametrize(
    "listed",
    [
        "production: {}, staging: {}",
        "qa: {}, production: {}, staging: {}",
        "production: {}, qa: {}, staging: {}",
    ],
)
def test_the_plan_comment_lists_environments_in_promotion_order_whatever_config_yamls(
    tmp_path: Path, listed: str
) -> None:
    # deploy.yml applies staging, then production (its production job `needs` staging), so the
    # comment's "A merge applies them in this order" holds only when the list is in that order,
    # not config.yaml's; an environment the workflows never apply (qa) comes after them.
    outputs = _settings(tmp_path, f"project: other-proj\nenvironments: {{{listed}}}\n")
    others = [n for n in ("qa",) if n in listed]
    assert outputs["environments"].split() == ["staging", "production", *others]
    assert json.loads(outputs["environments_json"]) == ["staging", "production", *others]
    _fake_deploy_cli(tmp_path, 2)
    env = {**_gh_env(tmp_path), "ENVIRONMENTS": outputs["environments"]}
    result = _bash(_step("pr.yml", "plan", "-m deploy plan"), tmp_path, env)
    assert result.returncode == 0, result.stderr
    comment = _read(str(Path(env["RUNNER_TEMP"]) / "plan-comment.md"))
    assert comment.index("| `staging` |") < comment.index("| `production` |")
    assert comment.index("#### `staging`") < comment.index("#### `production`")
    # The first plan runs the roles' bootstrap check: staging's, as before the reorder.
    assert "args: -m deploy plan --env staging --format markdown" in comment


SUMMARY = {
    "api_url": "https://abc123.execute-api.us-east-1.amazonaws.com",
    "site_url": "http://trends-anomaly-site-1-us-east-1.s3-website-us-east-1.amazonaws.com",
    "endpoint_name": "trends-anomaly",
    "endpoint_status": "InService",
    "changes": [
        {"action": "update", "resource": "endpoint trends-anomaly", "reason": "instance type"},
        "site: 2 files uploaded",
    ],
}


def test_deploy_summary_lists_urls_and_changes(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(SUMMARY), encoding="utf-8")
    out, steps = tmp_path / "out", tmp_path / "steps.md"
    result = _script(
        "deploy_summary.py",
        str(path),
        "--commit",
        "abcdef1234567890",
        "--step-summary",
        str(steps),
        "--github-output",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    md = steps.read_text(encoding="utf-8")
    for text in (SUMMARY["api_url"], SUMMARY["site_url"], "InService", "`abcdef123456`"):
        assert text in md
    assert "**update** `endpoint trends-anomaly` instance type" in md
    assert "- site: 2 files uploaded" in md and "Changes (2)" in md
    assert out.read_text().splitlines() == [
        f"api_url={SUMMARY['api_url']}",
        f"site_url={SUMMARY['site_url']}",
    ]
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({**SUMMARY, "changes": []}), encoding="utf-8")
    assert "Nothing changed" in _script("deploy_summary.py", str(empty)).stdout
    failed = tmp_path / "failed.json"
    error = "endpoint trends-anomaly: silent rollback: InService on c-1 instead of the new c-2."
    failed.write_text(json.dumps({"error": error, "endpoint_name": "trends-anomaly"}))
    said = _script("deploy_summary.py", str(failed), "--title", "production").stdout
    assert said.startswith("## Deploy failed: production") and error in said
    assert "Deployed" not in said and "Nothing changed" not in said
    missing = _script("deploy_summary.py", str(tmp_path / "nope.json"))
    assert missing.returncode == 1 and "::error" in missing.stdout


def test_a_failed_deploys_summary_names_the_step_and_what_was_done_before(
    tmp_path: Path,
) -> None:
    """A step that failed (here the credentials lapsing): the job summary says where it
    stopped, its kind, whether the lock is held, and the changes made before it."""
    failed = tmp_path / "failed.json"
    stopped = {
        "resource": "site_object c.html",
        "op": "create",
        "step": "s3:PutObject",
        "kind": "expired",
        "code": "ExpiredToken",
        "message": "The security token included in the request is expired",
        "todo": "run `aws sso login`",
    }
    doc = {**SUMMARY, "error": "create site_object c.html: …", "failed": stopped, "lock": "held"}
    failed.write_text(json.dumps(doc), encoding="utf-8")
    said = _script("deploy_summary.py", str(failed)).stdout
    assert "Stopped at `site_object c.html`, `s3:PutObject` (expired)" in said
    assert "stack lock is still held" in said
    assert "### Done before it (2)" in said and "- site: 2 files uploaded" in said
    # A call AWS accepted before the step that failed (its wait refused): AWS may act on it.
    doc["failed"] = {
        **stopped,
        "step": "wait until endpoint e is deleted",
        "sent": ["sagemaker:DeleteEndpoint"],
    }
    failed.write_text(json.dumps(doc), encoding="utf-8")
    said = _script("deploy_summary.py", str(failed)).stdout
    assert "`sagemaker:DeleteEndpoint` was sent and accepted before it" in said


def test_an_applied_summary_whose_lock_is_still_held_says_deployed_and_the_lock(
    tmp_path: Path,
) -> None:
    """Every change landed, then the lock's release refused (credentials lapsed): the job
    summary says Deployed with the URLs, and that the lock is held with how to release it."""
    path = tmp_path / "summary.json"
    note = (
        "apply ended, but the stack's lock s3://b/.deploy/lock.json is still held: … --force-unlock"
    )
    path.write_text(json.dumps({**SUMMARY, "lock": "held", "lock_note": note}), encoding="utf-8")
    said = _script("deploy_summary.py", str(path), "--title", "staging").stdout
    assert said.startswith("## Deployed staging") and SUMMARY["api_url"] in said
    assert "Deploy failed" not in said
    assert "The stack lock is still held" in said and note in said


def test_the_summary_lists_what_apply_kept(tmp_path: Path) -> None:
    """Apply's `kept` (a hand-made config of the stack's pattern it leaves, a model such a
    config uses) is in the job summary, as on the terminal; none kept, no section. A failure
    carrying `kept` (destroy's shape) lists them too."""
    kept = [
        "Kept SageMaker endpoint config trends-anomaly-c-0123abcd (arn:c): it does not carry "
        "this project's tag (project=trends-anomaly): it was made by hand or by other "
        "tooling, or that tag was removed since, and so apply leaves it.",
        "Kept SageMaker model trends-anomaly-m-1 (arn:m) because SageMaker endpoint config "
        "trends-anomaly-c-0123abcd (arn:c) uses it: …",
    ]
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({**SUMMARY, "kept": kept}), encoding="utf-8")
    said = _script("deploy_summary.py", str(path)).stdout
    assert said.startswith("## Deployed")
    assert "### Kept (2)" in said and all(f"- {line}" in said for line in kept), said
    path.write_text(json.dumps({**SUMMARY, "kept": []}), encoding="utf-8")
    assert "Kept" not in _script("deploy_summary.py", str(path)).stdout
    failed = {"error": "… kept …", "status": "kept unowned", "kept": kept}
    path.write_text(json.dumps(failed), encoding="utf-8")
    said = _script("deploy_summary.py", str(path)).stdout
    assert "### Kept (2)" in said and f"- {kept[0]}" in said, said


@pytest.mark.parametrize(
    ("check", "content", "name", "ok"),
    [
        ("yaml", b"a: 1\n---\nb: [1, 2]\n", "x.yaml", True),
        ("yaml", b"a: [1, 2\n", "x.yaml", False),
        ("whitespace", b"a\r\nb\n", "x.txt", True),
        ("whitespace", b"a \nb\n", "x.txt", False),
        ("whitespace", b"a\t\r\n", "x.txt", False),
        ("whitespace", b"line  \nnext\n", "x.md", True),
        ("whitespace", b"line   \n", "x.md", False),
        ("eof", b"a\n", "x.txt", True),
        ("eof", b"", "x.txt", True),
        ("eof", b"a", "x.txt", False),
        ("eof", b"a\n\n", "x.txt", False),
    ],
)
def test_text_checks(tmp_path: Path, check: str, content: bytes, name: str, ok: bool) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = _script("text_checks.py", check, str(path))
    assert (result.returncode == 0) is ok, result.stdout
    assert path.read_bytes() == content  # check-only: never rewrites


# ----------------------------------------------------------------- environments and previews


def test_teardown_names_an_environment_of_config_yaml(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "project: proj\nenvironments: {staging: {}, production: {}}\npreview: {}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"

    def confirm(env: str) -> subprocess.CompletedProcess[str]:
        args = ["--config", str(config), "confirm-teardown", "--typed", "proj", "--env", env]
        return _main("ci_settings.py", *args, "--github-output", str(out))

    ok = confirm("staging")
    assert ok.returncode == 0 and "environment staging of project 'proj'" in ok.stdout
    assert out.read_text().splitlines() == [
        "env=staging", "github_environment=staging", "preview=false"
    ]  # fmt: skip
    out.unlink()
    assert confirm("pr-7").returncode == 0
    assert "github_environment=preview" in out.read_text() and "preview=true" in out.read_text()
    for bad in ("", "dev", "pr-0"):
        refused = confirm(bad)
        assert refused.returncode == 1 and "Nothing was destroyed" in refused.stdout, bad


def _decide(event: dict, tmp_path: Path) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    out = tmp_path / "decision"
    out.write_text("")
    result = _script(
        "preview_decision.py", "--event", str(path), "--repo", "", "--github-output", str(out)
    )
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in out.read_text().splitlines())["action"]


def _pr(number: int = 7, state: str = "open", labels=("preview",), head: str = "octo/trends"):
    return {
        "number": number,
        "state": state,
        "labels": [{"name": n} for n in labels],
        "head": {"repo": {"full_name": head}},
        "base": {"repo": {"full_name": "octo/trends"}},
    }


@pytest.mark.parametrize(
    ("action", "doc", "label", "expected"),
    [
        ("labeled", _pr(), "preview", "deploy"),
        ("synchronize", _pr(), None, "deploy"),
        ("opened", _pr(), None, "deploy"),
        ("reopened", _pr(), None, "deploy"),
        ("synchronize", _pr(labels=()), None, "skip"),
        ("labeled", _pr(labels=("preview", "bug")), "bug", "skip"),
        ("unlabeled", _pr(labels=("preview",)), "bug", "skip"),
        ("unlabeled", _pr(labels=()), "preview", "destroy"),
        ("closed", _pr(state="closed"), None, "destroy"),
        ("closed", _pr(state="closed", labels=()), None, "skip"),
        ("labeled", _pr(head="fork/trends"), "preview", "skip"),
        ("closed", _pr(state="closed", head="fork/trends"), None, "skip"),
        ("labeled", {**_pr(), "user": {"login": "dependabot[bot]"}}, "preview", "skip"),
    ],
)
def test_preview_decision(tmp_path: Path, action: str, doc: dict, label, expected: str) -> None:
    event = {"action": action, "number": doc["number"], "pull_request": doc}
    if label:
        event["label"] = {"name": label}
    assert _decide(event, tmp_path) == expected


def test_preview_decision_follows_the_pull_requests_state_now(tmp_path: Path) -> None:
    """A `labeled` run that starts after the label was removed again does not deploy (the
    `unlabeled` run, or the sweep, removes what exists)."""
    from tests.support.github_stub import github_stub, pull

    event = {"action": "labeled", "label": {"name": "preview"}, "pull_request": _pr()}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    with github_stub(token="t") as stub:
        stub.add(pull(7, labels=()))
        result = subprocess.run(
            [PYTHON, str(SCRIPTS / "preview_decision.py"), "--event", str(path),
             "--repo", "octo/trends"],
            env={**os.environ, "GITHUB_TOKEN": "t", "GITHUB_API_URL": stub.url},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert "preview pr-7: skip (#7 is not labelled 'preview')" in result.stdout, result.stderr


def test_preview_comment_has_the_urls_and_says_when_it_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(SUMMARY), encoding="utf-8")
    up = _script("preview_comment.py", "deployed", str(path), "--env", "pr-7", "--run-id", "9")
    assert up.returncode == 0
    assert up.stdout.startswith("<!-- preview -->") and "Preview `pr-7` is up" in up.stdout
    assert SUMMARY["site_url"] in up.stdout and SUMMARY["api_url"] in up.stdout
    assert "2 changes applied for" in up.stdout, up.stdout  # (it wrote "2 change(s)")
    one = {**SUMMARY, "changes": SUMMARY["changes"][:1]}
    path.write_text(json.dumps(one), encoding="utf-8")
    up = _script("preview_comment.py", "deployed", str(path), "--env", "pr-7", "--run-id", "9")
    assert "1 change applied for" in up.stdout, up.stdout
    down = _script("preview_comment.py", "removed", "--env", "pr-7", "--reason", "Closed")
    assert "Preview `pr-7` removed" in down.stdout and down.stdout.startswith("<!-- preview -->")


def test_preview_comment_says_when_an_idle_preview_goes_and_the_plans_warnings(
    tmp_path: Path,
) -> None:
    """A preview apply's summary carries preview.max_idle_days and the plan's warnings (an
    instance-backed preview's cost): the pull request's comment says both, since nobody reads
    the apply's log."""
    path = tmp_path / "summary.json"
    warning = "preview pr-7 runs an instance endpoint: 1 × ml.m5.large, billed every hour"
    preview = {"max_idle_days": 14, "warnings": [warning]}
    path.write_text(json.dumps({**SUMMARY, "preview": preview}), encoding="utf-8")
    up = _script("preview_comment.py", "deployed", str(path), "--env", "pr-7").stdout
    assert "when no push has deployed it for 14 days (`preview.max_idle_days`)" in up
    assert f"> **Warning:** {warning}" in up
    path.write_text(json.dumps({**SUMMARY, "preview": {"max_idle_days": 1}}), "utf-8")
    day = _script("preview_comment.py", "deployed", str(path), "--env", "pr-7").stdout
    assert "when no push has deployed it for 1 day (`preview.max_idle_days`)" in day, day
    path.write_text(json.dumps({**SUMMARY, "preview": {"max_idle_days": None}}), "utf-8")
    up = _script("preview_comment.py", "deployed", str(path), "--env", "pr-7").stdout
    assert "max_idle_days" not in up and "Warning" not in up


def test_plan_comment_fits_githubs_limit_and_the_summary_keeps_it_whole(tmp_path: Path) -> None:
    big = "### Deploy plan\n\n**Plan: 900 to create; 0 unchanged.**\n\n" + "| + | x |\n" * 9000
    for env in ("staging", "production"):
        (tmp_path / f"{env}.md").write_text(big, encoding="utf-8")
        (tmp_path / f"{env}.rc").write_text("2\n", encoding="utf-8")
    args = [str(tmp_path), "--env", "staging production"]
    comment = _script("plan_comment.py", *args).stdout
    assert len(comment) < 65536 and comment.count("cut to fit a comment") == 2
    assert "| `production` | 900 to create; 0 unchanged |" in comment
    whole = _script("plan_comment.py", *args, "--budget", "0").stdout
    assert "cut to fit" not in whole and whole.count("| + | x |") == 18000
    (tmp_path / "production.rc").unlink()  # a plan that never ran counts as failed
    failed = _script("plan_comment.py", *args, "--github-output", str(tmp_path / "o")).stdout
    assert "### Deploy plan failed" in failed and "rc=1" in (tmp_path / "o").read_text()


def _plans(tmp_path: Path, outcomes: dict[str, int]) -> list[str]:
    """Plan files as pr.yml's plan step leaves them; the plan_comment.py arguments."""
    for env, rc in outcomes.items():
        plan = "### Deploy plan\n\n**Plan: 3 to create; 0 unchanged.**\n" if rc == 2 else ""
        (tmp_path / f"{env}.md").write_text(plan, encoding="utf-8")
        (tmp_path / f"{env}.rc").write_text(f"{rc}\n", encoding="utf-8")
    return [str(tmp_path), "--env", " ".join(outcomes)]


def test_the_plan_comment_says_an_environment_the_workflows_never_apply_is_planned_only(
    tmp_path: Path,
) -> None:
    # config.yaml may have a third environment (qa): pr.yml plans it and drift.yml checks it,
    # but deploy.yml applies only staging and production (deploy.naming.WORKFLOW_STAGES), so
    # "A merge applies them in this order" and "merging changes AWS (`qa`)" would be untrue.
    out = tmp_path / "o"
    args = _plans(tmp_path, {"staging": 0, "production": 0, "qa": 2})
    comment = _script("plan_comment.py", *args, "--github-output", str(out)).stdout
    flat = " ".join(comment.split())
    assert "`qa`: planned only; the workflows apply staging and production" in flat
    assert "| `qa` | 3 to create; 0 unchanged (planned only: never applied) |" in comment
    assert "#### `qa` (planned only: never applied): 3 to create; 0 unchanged" in comment
    assert "A merge applies `staging`, then `production`" in flat
    assert "python -m deploy apply --env qa" in flat  # how it is applied, then
    assert "merging this pull request changes AWS" not in comment  # only qa differs
    assert comment.splitlines()[1] == (
        "### Deploy plan: merging this pull request changes nothing the workflows apply "
        "(`qa` differs: planned only)"
    )
    assert "rc=2" in _read(str(out)) and "changed=\n" in _read(str(out))
    # A change to staging and qa: the title names what the merge changes, staging alone.
    args = _plans(tmp_path, {"staging": 2, "production": 0, "qa": 2})
    both = _script("plan_comment.py", *args, "--github-output", str(out)).stdout
    assert (
        both.splitlines()[1] == "### Deploy plan: merging this pull request changes AWS (`staging`)"
    )
    assert _read(str(out)).endswith("changed=staging\n")
    # Without such an environment the comment says nothing of it.
    args = _plans(tmp_path, {"staging": 2, "production": 2})
    plain = _script("plan_comment.py", *args).stdout
    assert "planned only" not in plain and "A merge applies `staging`, then `production`" in plain


def test_the_plan_comments_title_agrees_with_how_many_planned_only_environments_differ(
    tmp_path: Path,
) -> None:
    """Two planned-only environments that differ: the title read "(`qa`, `dev` differs: ...)"."""
    args = _plans(tmp_path, {"staging": 0, "production": 0, "qa": 2, "dev": 2})
    comment = _script("plan_comment.py", *args).stdout
    assert comment.splitlines()[1] == (
        "### Deploy plan: merging this pull request changes nothing the workflows apply "
        "(`qa`, `dev` differ: planned only)"
    )


# ----------------------------------------------------------------- rollback (workflow_dispatch)


def test_rollback_stages_are_the_chosen_from_main_only(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("project: proj\nenvironments: {staging: {}, production: {}}\n")
    role = "arn:aws:iam::123456789012:role/proj-github-deploy"

    def stages(*args: str) -> subprocess.CompletedProcess[str]:
        argv = ["--config", str(config), "stages", "--role-arn", role, *args]
        return _main("ci_settings.py", *argv)

    merge = stages("--event", "push", "--role-arn", "")
    assert merge.stdout.split() == [
        "deploy_staging=true",
        "deploy_production=true",
        "first=staging",
    ]
    dispatch = ["--event", "workflow_dispatch", "--ref", "refs/heads/main", "--targets"]
    assert stages(*dispatch, "production").stdout.split() == [
        "deploy_staging=false", "deploy_production=true", "first=production"
    ]  # fmt: skip
    assert stages(*dispatch, "staging").stdout.split() == [
        "deploy_staging=true", "deploy_production=false", "first=staging"
    ]  # fmt: skip
    assert stages(*dispatch, "staging-then-production").stdout.split() == [
        "deploy_staging=true", "deploy_production=true", "first=staging"
    ]  # fmt: skip
    for bad, why in [
        (["--event", "workflow_dispatch", "--ref", "refs/heads/x", "--targets", "production"],
         "from the main branch"),
        ([*dispatch, "prod"], "choose one of production, staging, staging-then-production"),
        ([*dispatch, "production", "--role-arn", ""], "AWS is not configured"),
    ]:  # fmt: skip
        refused = stages(*bad)
        assert refused.returncode == 1 and refused.stdout.startswith("::error title=rollback::")
        assert why in refused.stdout, refused.stdout
    config.write_text("project: proj\n")  # one deployment: production's stage applies it
    assert stages(*dispatch, "production").stdout.split() == [
        "deploy_staging=false", "deploy_production=true", "first="
    ]  # fmt: skip
    refused = stages(*dispatch, "staging-then-production")
    assert refused.returncode == 1 and "config.yaml has no environments" in refused.stdout


def test_the_rollback_image_is_checked_offline_and_never_executed(tmp_path: Path) -> None:
    """The settings job's step, under bash: the input reaches the CLI as one argument."""
    script = _step("deploy.yml", "settings", "check-image --offline").replace(
        ".venv/bin/python", PYTHON
    )
    marker = tmp_path / "pwned"
    env = {
        **_gh_env(tmp_path),
        "DEPLOY_ROLE_ARN": "arn:aws:iam::123456789012:role/trends-anomaly-github-deploy",
        "FIRST": "",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # nothing listens: no call may be made
    }
    evil = f'x"; touch {marker}; echo "$(touch {marker})'
    refused = _bash(script, ROOT, {**env, "ROLLBACK_IMAGE": evil})
    assert refused.returncode == 1 and "is not an image reference" in refused.stderr
    assert not marker.exists()
    good = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:src-650788fb23f5"
    ok = _bash(script, ROOT, {**env, "ROLLBACK_IMAGE": good})
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "output").read_text() == f"image={good}\n"


def test_a_rollbacks_summary_says_main_must_be_reverted(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(SUMMARY), encoding="utf-8")
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:src-650788fb23f5"
    args = [str(path), "--title", "production", "--rollback-image"]
    said = _script("deploy_summary.py", *args, image).stdout
    assert f"**Rolled back production to `{image}`.**" in said
    assert "the next merge to main deploys it again" in said and "git revert -m 1" in said
    assert "::warning title=rolled back, now revert on main::" in said
    merge = _script("deploy_summary.py", *args, "").stdout  # a merge passes ""
    assert "Rolled back" not in merge and "::warning" not in merge


def test_a_lock_whose_release_was_interrupted_is_said_to_be_perhaps_held(tmp_path: Path) -> None:
    """Ctrl-C or a cancelled job (SIGTERM) in the lock's release: its DeleteObject may have
    reached S3 or not, and the run says the lock *may* still be held; the job summary said
    "still held", applied or failed."""
    path = tmp_path / "summary.json"
    note = "interrupted while releasing the stack's lock: … may still be held … --force-unlock"
    doc = {**SUMMARY, "lock": "held", "lock_release": "interrupted", "lock_note": note}
    path.write_text(json.dumps(doc), encoding="utf-8")
    said = _script("deploy_summary.py", str(path)).stdout
    assert said.startswith("## Deployed") and "may still be held" in said, said
    assert "is still held" not in said, said
    path.write_text(json.dumps({**doc, "error": "interrupted: …"}), encoding="utf-8")
    said = _script("deploy_summary.py", str(path)).stdout
    assert "may still be held" in said and "is still held" not in said, said


@pytest.mark.parametrize("job", ["staging", "production"])
def test_a_deploy_that_never_reached_apply_says_so_in_its_summary(tmp_path: Path, job: str) -> None:
    """The summary step runs `if: always()`: after a job stopped before apply (the first
    deploy of a fork whose role refuses the token stops at configure-aws-credentials), there
    is no summary.json. The step still fails (no deploy summary is no success), but says why in
    words, in the log and the job summary, instead of a bare "[Errno 2] No such file"."""
    env = {**_gh_env(tmp_path), "ROLLBACK_IMAGE": ""}
    result = _bash(_step("deploy.yml", job, "deploy_summary.py"), ROOT, env)
    assert result.returncode == 1
    assert "::error title=deploy summary::" in result.stdout
    assert "Errno" not in result.stdout
    assert "did not run, or stopped before writing" in result.stdout
    summary = _read(env["GITHUB_STEP_SUMMARY"])
    assert summary.startswith(f"## Deploy failed: {job}")
    assert "the first failed step" in summary


def test_teardown_speaks_of_the_workflows_input_not_of_a_flag(tmp_path: Path) -> None:
    """With no `environments:` in config.yaml, a teardown run given an environment said
    "drop --env to use the single deployment": the workflow has no flag, its input does; and a
    preview left after `preview:` was taken out could not be torn down, though `destroy --env
    pr-N` removes it."""
    config = tmp_path / "c.yaml"
    config.write_text("project: proj\n", encoding="utf-8")
    args = ["--config", str(config), "confirm-teardown", "--typed", "proj", "--env", "staging"]
    refused = _main("ci_settings.py", *args)
    assert refused.returncode == 1, refused.stdout
    assert "leave the workflow's environment input empty" in refused.stdout, refused.stdout
    assert "drop --env" not in refused.stdout, refused.stdout
    args[-1] = "pr-7"
    left = _main("ci_settings.py", *args)
    assert left.returncode == 0 and "environment pr-7 of project 'proj'" in left.stdout, left
