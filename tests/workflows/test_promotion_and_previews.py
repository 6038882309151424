"""The promotion and the preview lifecycle, driven through the workflows themselves.

tests/workflows/gha.py runs deploy.yml, pr.yml, preview.yml and drift.yml job by job (their
`needs`, `if:`, outputs and `run:` steps under bash) in a checkout of a small project, against
the moto server, with the real `python -m deploy` and the real .github/scripts. Stand-ins, and
why: `deploy smoke` (a moto HTTP API has no reachable URL; the stand-in fails on demand),
`make site` (the project's site/dist is already built), the image push (no Docker: the image is
put in ECR as `docker push` leaves it), GitHub's REST API (tests/support/github_stub.py) and
GitHub's own actions (gha.py's `uses` handlers; configure-aws-credentials checks the job's OIDC
subject against the role's real trust policy from bootstrap). A `ci_settings.py` run repeated
in this module, same arguments and same config.yaml, replays the first (PYTHON_WRAPPER).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from deploy.aws import Aws
from deploy.bootstrap import policies
from deploy.bootstrap.apply import apply as bootstrap_apply
from deploy.image import image_tag
from tests.deploy.deploy_helpers import (
    CONFIG,
    ENVIRONMENTS,
    PROJECT,
    inventory,
    make_project,
    push_fake_image,
    session,
)
from tests.support.aws_clock import set_delays
from tests.support.github_stub import GitHubStub, github_stub, pull
from tests.support.iam_eval import allowed
from tests.support.moto_server import fake_aws_env, moto_server, reset
from tests.workflows.gha import Job, JobRun, Runner, bash_env

# A whole workflow run each (a minute or more): started first under xdist (tests/conftest.py).
# 7-25 s at a load of ~1, but steady progress past the suite's 300 s default at a load of ~20:
# a hang still ends, a slow runner does not fail.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
REPO = "octo/trends"
ACCOUNT = "123456789012"
TARGET = policies.Target(
    PROJECT, "us-east-1", "", REPO, environments=("staging", "production"), previews=True
)
BEHIND = "the workflows' IAM roles are behind this commit"
ROLE_VARS = {
    "AWS_DEPLOY_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/{PROJECT}-github-deploy",
    "AWS_PLAN_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/{PROJECT}-github-plan",
    "AWS_PREVIEW_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/{PROJECT}-github-preview",
}
# The stand-in python: `deploy smoke` cannot reach a moto API; everything else is the real one.
# A ci_settings.py run identical to one earlier in this module (the same arguments, paths
# taken relative to the checkout, and the same config.yaml) gives that run's stdout, stderr,
# exit code and $GITHUB_OUTPUT lines again instead of starting anew (~0.9 s CPU each, 48 runs
# in this file): its output is a function of those alone (config.yaml through the deploy
# engine's loader and botocore's bundled data). A run whose output names its checkout (a
# config error says the path) is kept for that checkout only. Each distinct run is the real
# script.
PYTHON_WRAPPER = r"""#!/usr/bin/env bash
if [ "$1 $2 $3" = "-m deploy smoke" ]; then
  env=""; prev=""
  for a in "$@"; do [ "$prev" = "--env" ] && env="$a"; prev="$a"; done
  echo "smoke (stand-in) of ${env:-the deployment}"
  if [ -n "${SMOKE_FAIL:-}" ] && [ "${env}" = "${SMOKE_FAIL}" ]; then
    echo "smoke: POST /detect answered 502" >&2
    exit 1
  fi
  exit 0
fi
if [ "$1" = .github/scripts/ci_settings.py ] && [ -f config.yaml ] \
    && [[ " $* " != *" --config"* ]]; then
  out=""; prev=""
  for a in "$@"; do [ "$prev" = "--github-output" ] && out="$a"; prev="$a"; done
  key=$( { printf '%s\0' "${@//"$PWD"/.}"; cat config.yaml; } | sha256sum | cut -c1-64)
  run="@MEMO@/$key"
  if [ ! -d "$run" ]; then run="@MEMO@/$key-$(printf '%s' "$PWD" | sha256sum | cut -c1-16)"; fi
  if [ ! -d "$run" ]; then
    size=0
    if [ -n "$out" ] && [ -f "$out" ]; then size=$(stat -c %s "$out"); fi
    new="$run.new"
    mkdir -p "$new"
    code=0
    @PYTHON@ "$@" >"$new/stdout" 2>"$new/stderr" || code=$?
    echo "$code" >"$new/code"
    : >"$new/github-output"
    if [ -n "$out" ] && [ -f "$out" ]; then
      tail -c "+$((size + 1))" "$out" >"$new/github-output"
      truncate -s "$size" "$out"
    fi
    if ! grep -qrF "$PWD" "$new"; then run="@MEMO@/$key"; fi
    mv "$new" "$run"
  fi
  cat "$run/stdout"
  cat "$run/stderr" >&2
  if [ -n "$out" ]; then cat "$run/github-output" >>"$out"; fi
  exit "$(cat "$run/code")"
fi
exec @PYTHON@ "$@"
"""
MAKE_STUB = """#!/usr/bin/env bash
[ "$1" = site ] && [ -f site/dist/index.html ] && exit 0
echo "make stand-in: only 'make site' with a built site/dist" >&2
exit 2
"""


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(scope="module")
def ci_settings_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ci_settings.py runs PYTHON_WRAPPER replays, kept for the module's tests."""
    return tmp_path_factory.mktemp("ci-settings-runs")


@pytest.fixture
def checkout(
    tmp_path: Path, moto_url: str, ci_settings_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The repository as a job checks it out: a small project, this .github, this deploy/."""
    fake_aws_env(monkeypatch, moto_url)
    reset(moto_url)
    # `python -m deploy` sleeps for real: AWS's delays (IAM propagation, CloudFront deploys)
    # play as instant here; the engine's handling of them is tested on the server's clock.
    set_delays(role_assume_s=0, role_policy_s=0, distribution_deploy_s=0, invalidation_s=0)
    (tmp_path / "work").mkdir()
    work = make_project(tmp_path / "work")
    (work / "config.yaml").write_text(CONFIG + ENVIRONMENTS)
    shutil.copytree(ROOT / ".github", work / ".github")
    (work / "deploy").symlink_to(ROOT / "deploy")
    venv_bin = work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    wrapper = PYTHON_WRAPPER.replace("@MEMO@", str(ci_settings_runs))
    (venv_bin / "python").write_text(wrapper.replace("@PYTHON@", sys.executable))
    (venv_bin / "python").chmod(0o755)
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "make").write_text(MAKE_STUB)
    (stubs / "make").chmod(0o755)
    # bootstrap, as an administrator does once: the roles and the previews' boundary.
    bootstrap_apply(Aws("us-east-1", session()), TARGET)
    return work


class GitHub:
    """What the runs left in GitHub: comments by header, and every job in run order."""

    def __init__(self) -> None:
        self.comments: dict[str, str] = {}
        self.jobs: list[tuple[str, JobRun]] = []

    def handlers(self) -> dict[str, Any]:
        trusted = replace(TARGET, account=ACCOUNT)
        trust = {
            ROLE_VARS["AWS_DEPLOY_ROLE_ARN"]: policies.deploy_trust_policy(trusted),
            ROLE_VARS["AWS_PLAN_ROLE_ARN"]: policies.plan_trust_policy(trusted),
            ROLE_VARS["AWS_PREVIEW_ROLE_ARN"]: policies.preview_trust_policy(trusted),
        }

        def credentials(job: Job, with_: dict[str, Any]) -> None:
            role = with_["role-to-assume"]
            claims = {
                "token.actions.githubusercontent.com:sub": job.run.subject,
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:ref": job.contexts["github"]["ref"],
            }
            assert allowed(trust[role], "sts:AssumeRoleWithWebIdentity", "*", claims), (
                f"{job.run.name}: {job.run.subject} may not assume {role}"
            )
            job.run.roles.append(role)

        def comment(_job: Job, with_: dict[str, Any]) -> None:
            self.comments[with_["header"]] = Path(with_["path"]).read_text(encoding="utf-8")

        noop = lambda _job, _with: None  # noqa: E731
        return {
            "actions/checkout": noop,
            "$/.github/actions/setup": noop,
            "actions/setup-node": noop,
            "aws-actions/configure-aws-credentials": credentials,
            "marocchino/sticky-pull-request-comment": comment,
        }


def _run(
    work: Path,
    gh: GitHub,
    workflow: str,
    event_name: str,
    event: dict[str, Any] | None = None,
    extra_env: dict[str, str] | None = None,
    ref: str = "refs/heads/main",
    inputs: dict[str, Any] | None = None,
    variables: dict[str, str] | None = None,
) -> dict[str, JobRun]:
    event_path = work / ".runner-event.json"
    event_path.write_text(json.dumps(event or {}), encoding="utf-8")
    aws = {k: v for k, v in __import__("os").environ.items() if k.startswith("AWS_")}
    runner = Runner(
        workflow=WORKFLOWS / workflow,
        workdir=work,
        github={
            "event_name": event_name,
            "event": event or {},
            "repository": REPO,
            "ref": ref,
            "sha": "0123456789abcdef0123456789abcdef01234567",
            "run_id": "42",
            "token": "t0ken",
        },
        vars=dict(ROLE_VARS if variables is None else variables),
        base_env=bash_env(
            {
                **aws,
                "PATH": f"{work.parent / 'bin'}:{__import__('os').environ['PATH']}",
                "GITHUB_REPOSITORY": REPO,
                "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
                "GITHUB_RUN_ID": "42",
                "GITHUB_REF": ref,
                "GITHUB_EVENT_PATH": str(event_path),
                # loopback only: a closed port unless the test gives its GitHub stand-in
                "GITHUB_API_URL": "http://127.0.0.1:9",
                **(extra_env or {}),
            }
        ),
        uses=gh.handlers(),
        inputs=dict(inputs or {}),
    )
    jobs = runner.run()
    gh.jobs += [(workflow, j) for j in jobs.values()]
    for runs in runner.matrix_runs.values():
        gh.jobs += [(workflow, j) for j in runs]
    return jobs


def _untag_plan_role() -> None:
    """The plan role as bootstrapped before the roles' version check: plan warns it is behind."""
    iam = session().client("iam")
    iam.untag_role(RoleName=f"{PROJECT}-github-plan", TagKeys=["bootstrap-policy-sha256"])


def _failures(jobs: dict[str, JobRun]) -> str:
    return "\n".join(
        f"{j.name}/{s.name}: {s.stdout[-3000:]}"
        for j in jobs.values()
        for s in j.steps
        if s.outcome == "failure"
    )


def _stack(stack: str) -> dict[str, list[str]]:
    inv = inventory()
    return {
        k: [v for v in vs if v.startswith(f"{PROJECT}-{stack}-") or v == f"{PROJECT}-{stack}"
            or f"/{PROJECT}-{stack}-" in v or v.endswith(f"/{PROJECT}-{stack}")]
        for k, vs in inv.items()
    }  # fmt: skip


def _images() -> dict[str, str]:
    sm = session().client("sagemaker")
    out = {}
    for e in sm.list_endpoints()["Endpoints"]:
        config = sm.describe_endpoint_config(
            EndpointConfigName=sm.describe_endpoint(EndpointName=e["EndpointName"])[
                "EndpointConfigName"
            ]
        )
        model = config["ProductionVariants"][0]["ModelName"]
        out[e["EndpointName"]] = sm.describe_model(ModelName=model)["PrimaryContainer"]["Image"]
    return out


# ------------------------------------------------------------------------------ promotion


def test_a_merge_promotes_staging_then_production_with_one_image_digest(checkout: Path) -> None:
    gh = GitHub()
    digest = push_fake_image(PROJECT, image_tag(checkout / "model"))
    jobs = _run(checkout, gh, "deploy.yml", "push")
    assert [n for n, j in jobs.items() if j.result == "success"] == [
        "checks", "settings", "staging", "production"
    ], _failures(jobs)  # fmt: skip
    assert jobs["staging"].environment == "staging"
    assert jobs["production"].environment == "production"
    assert jobs["staging"].roles == jobs["production"].roles == [ROLE_VARS["AWS_DEPLOY_ROLE_ARN"]]
    image = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{PROJECT}@{digest}"
    assert jobs["staging"].outputs["image"] == image
    assert _images() == {f"{PROJECT}-staging": image, f"{PROJECT}-production": image}
    production_steps = "\n".join(s.stdout for s in jobs["production"].steps)
    assert f"Image: {image}" in production_steps and "smoke (stand-in) of production" in (
        production_steps
    )
    assert jobs["production"].outputs == {}  # the production job declares none
    for stack in ("staging", "production"):
        assert len(_stack(stack)["functions"]) == 1 and len(_stack(stack)["apis"]) == 1

    # The daily drift check covers each environment, and finds none; a role behind is said
    # by one environment's job, not by each (the check covers every environment's roles).
    _untag_plan_role()
    drift = _run(checkout, gh, "drift.yml", "schedule")
    assert drift["drift"].result == "success", _failures(drift)
    checked = [j for w, j in gh.jobs if w == "drift.yml" and j.name == "drift"]
    assert len(checked) == 3  # the matrix job and its two runs
    assert all(j.roles == [ROLE_VARS["AWS_PLAN_ROLE_ARN"]] for j in checked[1:])
    said = [s.stdout.count(BEHIND) for j in checked[1:] for s in j.steps if "deploy plan" in s.name]
    assert sorted(said) == [0, 1], said


def test_a_failed_staging_smoke_stops_the_promotion(checkout: Path) -> None:
    gh = GitHub()
    push_fake_image(PROJECT, image_tag(checkout / "model"))
    jobs = _run(checkout, gh, "deploy.yml", "push", extra_env={"SMOKE_FAIL": "staging"})
    assert jobs["staging"].result == "failure"
    assert [s.outcome for s in jobs["staging"].steps if "smoke" in s.name] == ["failure"]
    assert jobs["production"].result == "skipped"
    assert _stack("production")["endpoints"] == [] and _stack("staging")["endpoints"]


def test_a_merge_older_than_what_staging_runs_deploys_nothing(checkout: Path) -> None:
    """docs/environments.md, "Environments and previews": an older merge whose checks finished after
    a newer one's finds the newer commit deployed to staging (GitHub's deployments), applies
    nothing, says so in the job summary, exits 0, and production skips it too (nothing to promote,
    no approval)."""
    gh = GitHub()
    push_fake_image(PROJECT, image_tag(checkout / "model"))
    ours, newer = "0123456789abcdef0123456789abcdef01234567", "f" * 40
    summary = checkout / ".runner-temp" / "summary.md"
    with github_stub(token="t0ken") as stub:
        stub.commit(ours)
        stub.commit(newer, ours)
        stub.deploy("staging", newer, "queued", "in_progress", "success", run=77)
        jobs = _run(checkout, gh, "deploy.yml", "push", extra_env={"GITHUB_API_URL": stub.url})
    assert {n: j.result for n, j in jobs.items()} == {
        "checks": "success", "settings": "success", "staging": "success", "production": "skipped"
    }, _failures(jobs)  # fmt: skip
    ran = [s.name for s in jobs["staging"].steps if s.outcome != "skipped"]
    assert not any("deploy apply" in n or "deploy image" in n or "smoke" in n for n in ran), ran
    assert jobs["staging"].roles == []  # no AWS credentials even
    said = summary.read_text(encoding="utf-8")
    assert f"{ours[:12]} is older than {newer[:12]}, already deployed to staging by " in said
    assert "nothing to do" in said
    assert _stack("staging")["endpoints"] == [] and _stack("production")["endpoints"] == []


def test_without_environments_the_production_stage_applies_the_one_deployment(
    checkout: Path,
) -> None:
    (checkout / "config.yaml").write_text(CONFIG)
    # bootstrap again for this config.yaml (its one deployment's boundary), as plan says to
    bootstrap_apply(Aws("us-east-1", session()), replace(TARGET, environments=()))
    gh = GitHub()
    push_fake_image(PROJECT, image_tag(checkout / "model"))
    jobs = _run(checkout, gh, "deploy.yml", "push")
    assert jobs["staging"].result == "skipped"
    assert jobs["production"].result == "success", _failures(jobs)
    assert inventory()["endpoints"] == [PROJECT]


def _push_other_image(tag: str) -> str:
    """An image unlike push_fake_image's (another config digest), as an older build left it."""
    ecr = session().client("ecr")
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 2,
            "digest": "sha256:" + "2" * 64,
        },
        "layers": [  # moto's digest hashes the layers' digests
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 1,
                "digest": "sha256:" + "3" * 64,
            }
        ],
    }
    pushed = ecr.put_image(
        repositoryName=PROJECT,
        imageManifest=json.dumps(manifest),
        imageManifestMediaType=manifest["mediaType"],
        imageTag=tag,
    )
    return str(pushed["image"]["imageId"]["imageDigest"])


def test_a_rollback_deploys_the_image_given_through_production_and_says_to_revert(
    checkout: Path,
) -> None:
    """deploy.yml's workflow_dispatch (docs/rolling-back.md, "Rolling back"): the image `status`
    printed goes to production alone, through its environment, apply and smoke; no checks, no build;
    the summary says main must be reverted. A wrong image or branch stops before any AWS job."""
    gh = GitHub()
    digest = push_fake_image(PROJECT, image_tag(checkout / "model"))
    merged = _run(checkout, gh, "deploy.yml", "push")
    assert merged["production"].result == "success", _failures(merged)
    served = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{PROJECT}@{digest}"
    previous = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{PROJECT}:src-650788fb23f5"
    # An environment's model is pinned by digest: apply resolves the tag `status` printed.
    pinned = previous.replace(":src-650788fb23f5", f"@{_push_other_image('src-650788fb23f5')}")
    assert pinned != served
    summary = checkout / ".runner-temp" / "summary.md"
    summary.write_text("")

    inputs = {"image": previous, "environments": "production"}
    jobs = _run(checkout, gh, "deploy.yml", "workflow_dispatch", inputs=inputs)
    assert {n: j.result for n, j in jobs.items()} == {
        "checks": "skipped", "settings": "success", "staging": "skipped", "production": "success"
    }, _failures(jobs)  # fmt: skip
    assert jobs["production"].environment == "production"
    assert jobs["production"].roles == [ROLE_VARS["AWS_DEPLOY_ROLE_ARN"]]
    steps = "\n".join(s.stdout for s in jobs["production"].steps)
    assert "smoke (stand-in) of production" in steps
    assert _images() == {f"{PROJECT}-staging": served, f"{PROJECT}-production": pinned}, steps
    said = summary.read_text(encoding="utf-8")
    assert f"Rolled back production to `{previous}`" in said
    assert "the next merge to main deploys it again" in said and "git revert" in said
    assert "rolled back, now revert on main" in steps  # the run's annotation too

    # Refused in the settings job (no credentials there): nothing deployed, no AWS job run.
    wrong = [
        ({"image": previous.replace(PROJECT, "someone-else"), "environments": "production"},
         "refs/heads/main", "not this project's 'trends-anomaly'"),
        ({"image": previous.replace(ACCOUNT, "210987654321"), "environments": "production"},
         "refs/heads/main", "this project deploys to account 123456789012"),
        ({"image": previous, "environments": "production"},
         "refs/heads/feature", "Run the rollback from the main branch"),
    ]  # fmt: skip
    for given, ref, why in wrong:
        jobs = _run(checkout, gh, "deploy.yml", "workflow_dispatch", inputs=given, ref=ref)
        assert jobs["settings"].result == "failure"
        assert jobs["staging"].result == jobs["production"].result == "skipped"
        assert why in "\n".join(s.stdout for s in jobs["settings"].steps), (why, _failures(jobs))
    assert _images() == {f"{PROJECT}-staging": served, f"{PROJECT}-production": pinned}

    # A tag ECR no longer has: refused by the production job before apply, which never runs.
    gone = {"image": previous.replace("650788fb23f5", "000000000000"), "environments": "production"}
    jobs = _run(checkout, gh, "deploy.yml", "workflow_dispatch", inputs=gone)
    assert jobs["production"].result == "failure"
    outcomes = {s.name.split(" (")[0]: s.outcome for s in jobs["production"].steps}
    assert outcomes["python -m deploy check-image"] == "failure", outcomes
    assert [o for n, o in outcomes.items() if "deploy apply" in n] == ["skipped"]
    assert "is not in ECR (ImageNotFoundException)" in _failures(jobs)

    # Staging first, then production, the same image.
    both = {"image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{PROJECT}@{digest}",
            "environments": "staging-then-production"}  # fmt: skip
    jobs = _run(checkout, gh, "deploy.yml", "workflow_dispatch", inputs=both)
    assert [n for n, j in jobs.items() if j.result == "success"] == [
        "settings", "staging", "production"
    ], _failures(jobs)  # fmt: skip
    assert jobs["staging"].outputs["image"] == served
    assert _images() == {f"{PROJECT}-staging": served, f"{PROJECT}-production": served}


def test_the_pull_request_comment_shows_every_environments_plan(checkout: Path) -> None:
    gh = GitHub()
    push_fake_image(PROJECT, image_tag(checkout / "model"))
    assert _run(checkout, gh, "deploy.yml", "push")["production"].result == "success"
    # A change to both environments (the Lambda's memory), and one to production only.
    config = checkout / "config.yaml"
    config.write_text(
        config.read_text()
        .replace(", instance_count: 2}", ", instance_count: 3}")
        .replace("api:\n", "api:\n  lambda: {memory_mb: 512}\n")
    )
    _untag_plan_role()  # behind: the comment says so once, not once per environment
    event = {"number": 12, "pull_request": pull(12)}
    jobs = _run(checkout, gh, "pr.yml", "pull_request", event, ref="refs/pull/12/merge",
                extra_env={"HEAD_SHA": "fedcba9876543210fedcba9876543210fedcba98"})  # fmt: skip
    assert jobs["plan"].result == "success", _failures(jobs)
    assert jobs["plan"].roles == [ROLE_VARS["AWS_PLAN_ROLE_ARN"]]
    comment = gh.comments["deploy-plan"]
    print(comment)  # the comment, verbatim (pytest -s)
    assert comment.startswith("<!-- deploy-plan -->")
    assert "changes AWS (`staging`, `production`)" in comment
    staging, production = comment.index("#### `staging`"), comment.index("#### `production`")
    assert staging < production
    assert "lambda_function" in comment[staging:production]
    assert f"`{PROJECT}-production-detect`" in comment[production:]
    # A new instance count scales production's endpoint in place: no new endpoint config.
    assert "| endpoint |" in comment[production:] and "instance_count" in comment[production:]
    assert "scale endpoint variant main 2 → 3, in place" in comment[production:]
    assert "| endpoint_config |" not in comment
    assert "| endpoint |" not in comment[staging:production]  # serverless: unchanged
    assert comment.count(BEHIND) == 1, comment
    assert f"> **Warning:** {BEHIND}: {PROJECT}-github-plan (" in comment[staging:production]


# ------------------------------------------------------------------------------ previews


def _pr_event(action: str, doc: dict[str, Any], label: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"action": action, "number": doc["number"], "pull_request": doc}
    if label:
        event["label"] = {"name": label}
    return event


def _preview_run(
    work: Path, gh: GitHub, stub: GitHubStub, action: str, doc: dict[str, Any], label=None
) -> dict[str, JobRun]:
    stub.add(doc)  # GitHub's current state, which the decision re-reads
    env = {"GITHUB_API_URL": stub.url}
    number = doc["number"]
    return _run(work, gh, "preview.yml", "pull_request", _pr_event(action, doc, label),
                extra_env=env, ref=f"refs/pull/{number}/merge")  # fmt: skip


def _ran(jobs: dict[str, JobRun]) -> list[str]:
    return [n for n, j in jobs.items() if j.result != "skipped"]


def test_a_preview_comes_with_the_label_and_goes_with_it_or_the_close(checkout: Path) -> None:
    gh = GitHub()
    tag = image_tag(checkout / "model")
    push_fake_image(f"{PROJECT}-pr-7", tag)  # what the job's image build pushes
    with github_stub(token="t0ken") as stub:
        jobs = _preview_run(checkout, gh, stub, "labeled", pull(7), label="preview")
        assert _ran(jobs) == ["decide", "deploy"], _failures(jobs)
        assert jobs["deploy"].result == "success", _failures(jobs)
        assert jobs["deploy"].environment == "preview"
        assert jobs["deploy"].roles == [ROLE_VARS["AWS_PREVIEW_ROLE_ARN"]]
        up = gh.comments["preview"]
        assert "Preview `pr-7` is up" in up and "execute-api" in up
        assert "| Site | https://" in up and ".cloudfront.net" in up
        assert _stack("pr-7")["endpoints"] == [f"{PROJECT}-pr-7"]

        # A push: redeployed (nothing to change). A fork's labelled pull request: nothing.
        jobs = _preview_run(checkout, gh, stub, "synchronize", pull(7))
        assert _ran(jobs) == ["decide", "deploy"] and jobs["deploy"].result == "success"
        fork = pull(8, head_repo="someone/trends")
        jobs = _preview_run(checkout, gh, stub, "labeled", fork, label="preview")
        assert _ran(jobs) == ["decide"]
        assert _stack("pr-8")["endpoints"] == []
        # Another label changes nothing; removing `preview` destroys the stack.
        jobs = _preview_run(checkout, gh, stub, "labeled", pull(7, labels=("preview", "x")), "x")
        assert _ran(jobs) == ["decide"]
        jobs = _preview_run(checkout, gh, stub, "unlabeled", pull(7, labels=()), "preview")
        assert _ran(jobs) == ["decide", "destroy"] and jobs["destroy"].result == "success"
        assert not any(_stack("pr-7").values()), _stack("pr-7")
        assert "Preview `pr-7` removed" in gh.comments["preview"]

        # Labelled again, then merged: closing destroys it.
        push_fake_image(f"{PROJECT}-pr-7", tag)  # its repository went with it: built again
        jobs = _preview_run(checkout, gh, stub, "labeled", pull(7), label="preview")
        assert jobs["deploy"].result == "success", _failures(jobs)
        assert _stack("pr-7")["endpoints"]
        jobs = _preview_run(checkout, gh, stub, "closed", pull(7, state="closed"))
        assert _ran(jobs) == ["decide", "destroy"] and jobs["destroy"].result == "success"
        assert not any(_stack("pr-7").values())


def test_without_previews_the_sweep_does_not_start(checkout: Path) -> None:
    """A repository without AWS_PREVIEW_ROLE_ARN has no previews. The sweep job started every
    6 hours anyway, and a job that names `environment: preview` creates that environment
    ("Referencing an environment that does not exist will create an environment with the
    referenced name", GitHub's *Managing environments for deployment*) and records a
    deployment to it, only to say in its first step that there was nothing to do. Its
    job-level `if` reads the variable (the `vars` context is available there)."""
    others = {k: v for k, v in ROLE_VARS.items() if k != "AWS_PREVIEW_ROLE_ARN"}
    jobs = _run(checkout, GitHub(), "preview.yml", "schedule", variables=others)
    assert jobs["sweep"].result == "skipped" and jobs["sweep"].environment is None
    assert _ran(jobs) == []


def test_the_sweep_removes_previews_whose_close_was_never_delivered(checkout: Path) -> None:
    """GitHub runs no `pull_request` workflow, closing included, while a pull request has a
    merge conflict: pr-9 is closed without its event; the schedule's sweep removes it."""
    gh = GitHub()
    tag = image_tag(checkout / "model")
    with github_stub(token="t0ken") as stub:
        for number in (9, 10):
            push_fake_image(f"{PROJECT}-pr-{number}", tag)
            jobs = _preview_run(checkout, gh, stub, "labeled", pull(number), label="preview")
            assert jobs["deploy"].result == "success", _failures(jobs)
        stub.add(pull(9, state="closed"))  # closed; no event reached the workflow
        jobs = _run(checkout, gh, "preview.yml", "schedule", extra_env={"GITHUB_API_URL": stub.url})
        assert _ran(jobs) == ["sweep"] and jobs["sweep"].result == "success", _failures(jobs)
        assert jobs["sweep"].environment == "preview"
        log = "\n".join(s.stdout for s in jobs["sweep"].steps)
        assert "pr-9: remove (pull request #9 is closed)" in log
        assert "pr-10: keep" in log
        assert not any(_stack("pr-9").values()) and _stack("pr-10")["endpoints"]
        assert ("/repos/octo/trends/pulls/9", "Bearer t0ken") in stub.requests
