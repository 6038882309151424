"""Environments and previews end to end, through `python -m deploy` on the moto server.

Issue 14's "done when": `apply --env staging` and `--env production` make two separate stacks
(two endpoints, functions, APIs, sites) from one image by digest; `plan --env production` then
exits 0; `destroy --yes --env staging` leaves production whole; a preview `pr-7` comes and goes
the same way — next to a `pr-70`, whose names start with pr-7's.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deploy.aws import Aws
from deploy.bootstrap.apply import apply as bootstrap_apply
from deploy.bootstrap.policies import Target
from deploy.cli import main
from deploy.image import image_tag
from deploy.preview_notice import STICKY
from tests.deploy.deploy_helpers import (
    ENVIRONMENTS,
    PROJECT,
    edit_config,
    engine,
    inventory,
    push_fake_image,
    session,
)
from tests.support.github_stub import GitHubStub, comment, github_stub, pull

pytestmark = pytest.mark.usefixtures("aws_env", "cli_clients")


ACCOUNT = "123456789012"
REGISTRY = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"


def _staged(project: Path) -> str:
    """The project's config with its environments and previews (added once: a second
    `environments:` would be a key written twice, which the loader refuses)."""
    cfg = project / "config.yaml"
    if ENVIRONMENTS not in cfg.read_text():
        cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    return str(cfg)


def _run(capsys, *args: str) -> tuple[int, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out + out.err


def _apply_previews(capsys, project: Path, cfg: str, numbers: tuple[int, ...]) -> None:
    """Each pull request's preview applied, its image pushed first (the sweeps' start)."""
    tag = image_tag(project / "model")
    for number in numbers:
        push_fake_image(f"{PROJECT}-pr-{number}", tag)
        rc, out = _run(capsys, "--config", cfg, "apply", "--env", f"pr-{number}")
        assert rc == 0, out


def _of(inv: dict[str, list[str]], stack: str) -> dict[str, list[str]]:
    """The part of an inventory that is one stack's: names starting with ``{stack}-`` or equal
    to it (and its objects), so pr-7's part never includes pr-70's."""
    rx = re.compile(rf"(^|/){re.escape(stack)}(-|$)")
    return {k: [v for v in vs if rx.search(v.split("/", 1)[0] if k == "objects" else v)]
            for k, vs in inv.items()}  # fmt: skip


def _counts(part: dict[str, list[str]]) -> dict[str, int]:
    return {k: len(v) for k, v in part.items() if v}


WHOLE = {  # one stack: what every environment and preview has
    "apis": 1,
    "buckets": 1,
    "endpoint_configs": 1,
    "endpoints": 1,
    "functions": 1,
    "iam_roles": 2,
    "log_groups": 3,  # the Lambda's, the endpoint's, the API's access log
    "models": 1,
    "objects": 4,
    "distributions": 1,  # the site: a private bucket behind its own CloudFront distribution
    "origin_access_controls": 1,
}
PREVIEW = {**WHOLE, "ecr": 1}  # a preview builds its pull request's model into its own repository


@pytest.mark.slow
def test_staging_and_production_are_two_stacks_and_a_preview_comes_and_goes(
    project: Path, capsys
) -> None:
    cfg = _staged(project)
    # bootstrap (an administrator, once): the previews' permissions boundary must exist first.
    target = Target(PROJECT, "us-east-1", "", "octo/trends", environments=("staging", "production"),
                    previews=True)  # fmt: skip
    bootstrap_apply(Aws("us-east-1", session()), target)

    # The staging job: the image once (here pushed without Docker), by digest.
    tag = image_tag(project / "model")
    digest = push_fake_image(PROJECT, tag)
    rc, out = _run(capsys, "--config", cfg, "image", "--env", "staging")
    image = f"{REGISTRY}/{PROJECT}@{digest}"
    assert rc == 0 and out.strip().endswith(f"image={image}")
    rc, out = _run(capsys, "--config", cfg, "apply", "--env", "staging", "--image", image)
    assert rc == 0, out
    assert "Project trends-anomaly, environment staging, in us-east-1" in out
    # The production job: the same digest, nothing built.
    rc, out = _run(capsys, "--config", cfg, "apply", "--env", "production", "--image", image)
    assert rc == 0, out
    assert "build and push" not in out

    inv = inventory()
    staging, production = _of(inv, f"{PROJECT}-staging"), _of(inv, f"{PROJECT}-production")
    assert _counts(staging) == WHOLE and _counts(production) == WHOLE
    assert inv["endpoints"] == [f"{PROJECT}-production", f"{PROJECT}-staging"]
    assert inv["ecr"] == [PROJECT]  # one repository, shared
    sm = session().client("sagemaker")
    images = {sm.describe_model(ModelName=m)["PrimaryContainer"]["Image"] for m in inv["models"]}
    assert images == {image}, "both environments run the one image, by digest"
    variants = {
        e: sm.describe_endpoint_config(
            EndpointConfigName=sm.describe_endpoint(EndpointName=e)["EndpointConfigName"]
        )["ProductionVariants"][0]
        for e in inv["endpoints"]
    }
    assert variants[f"{PROJECT}-staging"]["ServerlessConfig"]["MaxConcurrency"] == 5
    assert variants[f"{PROJECT}-production"]["InitialInstanceCount"] == 2
    fn = session().client("lambda").get_function(FunctionName=f"{PROJECT}-staging-detect")
    assert fn["Tags"]["environment"] == "staging" and fn["Tags"]["project"] == PROJECT
    env_vars = fn["Configuration"]["Environment"]["Variables"]
    assert env_vars["ENDPOINT_NAME"] == f"{PROJECT}-staging"

    # Drift/PR plans without --image pin the same digest: nothing to change anywhere.
    for env in ("production", "staging"):
        rc, out = _run(capsys, "--config", cfg, "plan", "--env", env)
        assert rc == 0, out
        assert "No changes" in out

    # Two previews whose names share a prefix (each built into its own repository).
    for number in (7, 70):
        push_fake_image(f"{PROJECT}-pr-{number}", tag)
        rc, out = _run(capsys, "--config", cfg, "apply", "--env", f"pr-{number}")
        assert rc == 0, out
    inv = inventory()
    assert _counts(_of(inv, f"{PROJECT}-pr-7")) == PREVIEW
    assert _counts(_of(inv, f"{PROJECT}-pr-70")) == PREVIEW
    role = session().client("iam").get_role(RoleName=f"{PROJECT}-pr-7-lambda")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
        f"arn:aws:iam::{ACCOUNT}:policy/{PROJECT}/{PROJECT}-preview-boundary"
    )
    rc, out = _run(capsys, "--config", cfg, "status")
    assert rc == 0 and "previews of trends-anomaly: 2" in out
    assert "pr-7: endpoint InService" in out and "pr-70: endpoint InService" in out

    # destroy staging: production and both previews stay whole.
    before = inventory()
    rc, out = _run(capsys, "--config", cfg, "destroy", "--yes", "--env", "staging")
    assert rc == 0, out
    assert f"Kept the image repository {PROJECT}" in out
    # ... and how to remove it once the last environment is gone (nothing else says it).
    remove = f"aws ecr delete-repository --repository-name {PROJECT} --force --region us-east-1"
    assert remove in out, out
    # ... and that config.yaml still names staging: the next merge's deploy would bring it back.
    assert "config.yaml still names environment staging" in out, out
    after = inventory()
    assert not any(_of(after, f"{PROJECT}-staging").values())
    for stack in ("production", "pr-7", "pr-70"):
        assert _of(after, f"{PROJECT}-{stack}") == _of(before, f"{PROJECT}-{stack}"), stack
    assert after["ecr"] == before["ecr"]
    rc, out = _run(capsys, "--config", cfg, "plan", "--env", "production", "--image", image)
    assert rc == 0, out

    # pr-7 goes (the sweep, its pull request closed); pr-70 stays whole.
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 0, out
    assert "pr-7: remove" in out and "pr-70: keep" in out
    # 18 deletions: the distribution's disable, run first of the 19 actions, removes nothing
    assert "Removed pr-7: 18 resources." in out and "[1/19] update cdn_disabled" in out
    gone = inventory()
    assert not any(_of(gone, f"{PROJECT}-pr-7").values())
    assert _of(gone, f"{PROJECT}-pr-70") == _of(after, f"{PROJECT}-pr-70")
    assert _of(gone, f"{PROJECT}-production") == _of(after, f"{PROJECT}-production")
    assert f"{PROJECT}-pr-7" not in gone["ecr"] and f"{PROJECT}-pr-70" in gone["ecr"]


def test_a_preview_needs_the_boundary_bootstrap_makes(project: Path, capsys) -> None:
    cfg = _staged(project)
    push_fake_image(f"{PROJECT}-pr-3", image_tag(project / "model"))
    rc, out = _run(capsys, "--config", cfg, "apply", "--env", "pr-3")
    assert rc == 1
    assert "preview-boundary does not exist or is not attachable" in out
    # Not "it disappeared after the plan was made: run the command again": run again, it fails
    # the same way. The boundary comes from bootstrap (docs/deploy.md, step 2).
    assert "disappeared after the plan" not in out, out
    assert "python -m deploy bootstrap --github-repo OWNER/NAME" in out, out
    assert _run(capsys, "--config", cfg, "apply", "--env", "pr-3")[0] == 1


def test_without_environments_the_names_and_tags_are_todays(project: Path) -> None:
    """The names and tags before environments existed (copied from that release's plan)."""
    planned = engine(project).plan()
    names = {(a.kind, a.name) for a in planned.actions}
    assert {
        ("ecr_repository", PROJECT),
        ("endpoint", PROJECT),
        ("lambda_function", f"{PROJECT}-detect"),
        ("http_api", PROJECT),
        ("iam_role", f"{PROJECT}-sagemaker"),
        ("iam_role", f"{PROJECT}-lambda"),
        ("log_group", f"/aws/lambda/{PROJECT}-detect"),
        ("log_group", f"/aws/sagemaker/Endpoints/{PROJECT}"),
        ("log_group", f"/aws/vendedlogs/apigateway/{PROJECT}"),
        ("s3_bucket", f"{PROJECT}-site-{ACCOUNT}-us-east-1"),
        ("lambda_permission", f"{PROJECT}-apigw-detect"),
    } <= names
    assert any(re.fullmatch(rf"{PROJECT}-m-[0-9a-f]{{8}}", n) for _, n in names)
    tags = [
        json.loads(json.dumps(step.params.get("Tags") or step.params.get("tags") or {}))
        for a in planned.actions
        for step in a.steps
        if hasattr(step, "params") and ("Tags" in step.params or "tags" in step.params)
    ]
    assert tags and all("environment" not in json.dumps(t) for t in tags)


def test_adding_environments_leaves_an_existing_single_stack_alone(project: Path, capsys) -> None:
    """A config that gains `preview:` (no `environments:`): the single stack plans no change."""
    engine(project).apply()
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + "preview: {}\n")
    assert engine(project).plan().changes is False
    rc, out = _run(capsys, "--config", str(cfg), "destroy", "--env", "pr-1")
    assert rc == 0 and "Nothing to destroy: no resources of environment pr-1" in out


def test_previews_left_after_preview_is_removed_from_config_are_named_and_destroyable(
    project: Path, capsys
) -> None:
    """`preview:` taken out of config.yaml while pr-7 runs: `previews list` and `status` name
    it (not "there are none"), the sweep refuses saying how to remove it, and `destroy --env
    pr-7` (which needs only its names) removes it; plan and apply of it stay refused."""
    cfg = _staged(project)
    bootstrap_apply(Aws("us-east-1", session()), Target(PROJECT, "us-east-1", "", "octo/trends",
                    environments=("staging", "production"), previews=True))  # fmt: skip
    _apply_previews(capsys, project, cfg, (7,))
    edit_config(project, "preview: {}\n", "")
    rc, out = _run(capsys, "--config", cfg, "previews", "list")
    assert rc == 0, out
    assert "there are none" not in out and "pr-7" in out
    assert "python -m deploy destroy --yes --env pr-7" in out
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "7", "--yes")
    assert rc == 1 and "python -m deploy destroy --yes --env pr-7" in out, out
    rc, out = _run(capsys, "--config", cfg, "plan", "--env", "pr-7")
    assert rc == 1 and "previews need a `preview:` template" in out
    rc, out = _run(capsys, "--config", cfg, "destroy", "--yes", "--env", "pr-7")
    assert rc == 0, out
    assert not any(_of(inventory(), f"{PROJECT}-pr-7").values())


def test_the_sweep_goes_on_past_a_preview_that_refuses_and_exits_1(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pr-7's destroy could not delete a resource (or its lock is held): pr-8 is still removed,
    pr-7's failure is said, and the sweep exits 1. It used to stop at the first one."""
    from contextlib import nullcontext

    from deploy import cli
    from deploy.failures import Failure, Incomplete
    from deploy.plan import Action

    cfg = _staged(project)
    removed: list[str] = []
    failed = Action("delete", "iam_role", "trends-anomaly-pr-7-lambda", "destroy")

    class Stack:
        def __init__(self, env: str) -> None:
            self.env = env

        kept = ()  # what its destroy left, not this project's (nothing)

        def start_destroy(self) -> Stack:
            return self

        def finish(self) -> list[Action]:
            if self.env == "pr-7":
                why = Failure(failed, "iam:DeleteRole", "DeleteConflict", "in a profile", "fix")
                raise Incomplete([], [why], [])
            removed.append(self.env)
            return []

    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"], 8: ["y"]})
    monkeypatch.setattr(cli, "_engine", lambda args, env=None, aws=None: Stack(env))
    monkeypatch.setattr(cli, "_locked", lambda eng, command, force, **_: nullcontext())
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 1 and removed == ["pr-8"]
    assert "error: pr-7: destroy could not delete 1 resource" in out
    assert "iam:DeleteRole failed: AWS said DeleteConflict: in a profile" in out


def test_the_sweep_goes_on_past_a_previews_role_with_a_managed_policy_attached_by_hand(
    project: Path, capsys
) -> None:
    """`destroy` stops on such a role before any deletion (a human runs it and can detach the
    policy); the sweep runs unattended, so it deletes the rest of the idle preview (its
    endpoint is billed by the hour) and leaves that role whole, said with the detach command,
    exit 1."""
    from deploy.resources import iam as iam_resource

    cfg = _staged(project)
    target = Target(PROJECT, "us-east-1", "", "octo/trends", previews=True)
    bootstrap_apply(Aws("us-east-1", session()), target)
    _apply_previews(capsys, project, cfg, (7,))
    role = f"{PROJECT}-pr-7-sagemaker"
    client = session().client("iam")
    doc = iam_resource.document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    arn = client.create_policy(PolicyName="by-hand", PolicyDocument=json.dumps(doc))["Policy"]
    client.attach_role_policy(RoleName=role, PolicyArn=arn["Arn"])
    inline = client.list_role_policies(RoleName=role)["PolicyNames"]
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "", "--yes")
    assert rc == 1, out
    said = " ".join(out.split())
    assert f"detach-role-policy --role-name {role}" in said, out
    assert "Nothing was changed" not in said, out
    assert _counts(_of(inventory(), f"{PROJECT}-pr-7")) == {"iam_roles": 1}, out
    assert client.list_role_policies(RoleName=role)["PolicyNames"] == inline


def test_a_preview_whose_destroy_left_resources_not_ours_is_not_said_removed(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pr-7's destroy left a model made by hand with the preview's names (destroy says `Kept`
    and exits 1): the sweep said "Removed pr-7" and exited 0, and the preview's names stayed
    taken. It now says what was left and exits 1; pr-8 is removed as before."""
    from contextlib import nullcontext

    from deploy import cli

    cfg = _staged(project)
    left = (
        "Kept SageMaker model trends-anomaly-pr-7-m-0123abcd: it does not carry this project's tag"
    )

    class Stack:
        def __init__(self, env: str) -> None:
            self.env = env
            self.kept = [left] if env == "pr-7" else []

        def start_destroy(self) -> Stack:
            return self

        def finish(self) -> list:
            return []

    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"], 8: ["y"]})
    monkeypatch.setattr(cli, "_engine", lambda args, env=None, aws=None: Stack(env))
    monkeypatch.setattr(cli, "_locked", lambda eng, command, force, **_: nullcontext())
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 1, out
    assert "error: pr-7: 1 resource with this stack's names were left" in out, out
    assert "error: 1 of 2 previews not wholly removed: pr-7" in out, out


def test_the_sweep_says_a_stacks_held_lock_note_with_its_error(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note cli._locked adds to a stack's error when its lock could not be released (the
    credentials lapsed) is said with that error, as destroy says it, not dropped."""
    from contextlib import contextmanager

    from deploy import cli
    from deploy.failures import Failure, Incomplete
    from deploy.plan import Action

    cfg = _staged(project)
    failed = Action("delete", "iam_role", "trends-anomaly-pr-7-lambda", "destroy")

    class Stack:
        kept = ()  # what its destroy left, not this project's (nothing)

        def start_destroy(self) -> Stack:
            return self

        def finish(self) -> list[Action]:
            why = Failure(failed, "iam:DeleteRole", "ExpiredToken", "expired", "sign in")
            raise Incomplete([], [why], [])

    @contextmanager
    def held(eng, command, force, **_):
        try:
            yield
        except BaseException as err:
            err.add_note("The stack's lock s3://b/.deploy/lock.json is still held")
            raise

    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"]})
    monkeypatch.setattr(cli, "_engine", lambda args, env=None, aws=None: Stack())
    monkeypatch.setattr(cli, "_locked", held)
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 1 and "error: pr-7: destroy could not delete 1 resource" in out
    assert "The stack's lock s3://b/.deploy/lock.json is still held" in out


def test_credentials_that_lapse_at_a_stacks_start_stop_the_sweep_saying_each_outcome(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pr-7's plan read refused ExpiredToken (raised by botocore, outside any step): the sweep
    used to end there with AWS's error alone; it says pr-7's error and that pr-8 was not
    started, and exits 1."""
    from contextlib import nullcontext

    import botocore.exceptions

    from deploy import cli

    cfg = _staged(project)
    started: list[str] = []

    class Stack:
        def __init__(self, env: str) -> None:
            self.env = env

        kept = ()  # what its destroy left, not this project's (nothing)

        def start_destroy(self) -> Stack:
            started.append(self.env)
            error = {"Error": {"Code": "ExpiredToken", "Message": "The token is expired"}}
            raise botocore.exceptions.ClientError(error, "DescribeEndpoint")  # type: ignore[arg-type]

    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"], 8: ["y"]})
    monkeypatch.setattr(cli, "_engine", lambda args, env=None, aws=None: Stack(env))
    monkeypatch.setattr(cli, "_locked", lambda eng, command, force, **_: nullcontext())
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 1 and started == ["pr-7"], out
    assert "error: pr-7: An error occurred (ExpiredToken) when calling the DescribeEndpoint" in out
    assert "error: pr-8: not started: the credentials lapsed (in pr-7)" in out
    assert "error: the credentials lapsed: 2 of 2 previews not removed: pr-7, pr-8" in out


def _at(when: datetime):
    """A wall clock for `main` stopped at ``when``: a preview's age is given, never waited."""
    return lambda: when


def _endpoint_tags(name: str) -> dict[str, str]:
    sm = session().client("sagemaker")
    arn = sm.describe_endpoint(EndpointName=name)["EndpointArn"]
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}


@pytest.mark.slow
def test_a_preview_no_push_deployed_for_max_idle_days_is_swept_though_its_pr_is_open(
    project: Path, capsys
) -> None:
    """pr-7 and pr-8 are open and labelled (--open-prs 7,8). pr-7 was last deployed 15 days
    ago, pr-8 5 days ago: the sweep removes pr-7 only, saying why and how to get it back. A
    push that changes nothing in AWS still counts: pr-8's no-change apply moves its age."""
    cfg = _staged(project)
    # As config.yaml says (its environments too): the roles are current, and the roles of two
    # environments fit IAM's quotas (their permissions are managed policies; the moto
    # stand-in enforces the quotas: tests/support/moto_iam.py).
    target = Target(PROJECT, "us-east-1", "", "octo/trends", environments=("staging", "production"),
                    previews=True)  # fmt: skip
    bootstrap_apply(Aws("us-east-1", session()), target)
    tag = image_tag(project / "model")
    # moto stamps the endpoint's CreationTime with the real time; an hour's margin keeps the
    # whole days below the same however long this test takes
    base = datetime.now(UTC) + timedelta(hours=1)
    for number, deployed in ((7, base), (8, base + timedelta(days=10))):
        push_fake_image(f"{PROJECT}-pr-{number}", tag)
        rc = main(["--config", cfg, "apply", "--env", f"pr-{number}"], now=_at(deployed))
        out = capsys.readouterr().out
        assert rc == 0, out
        assert f"Recorded this deploy on endpoint {PROJECT}-pr-{number} (deployed-at=" in out
    summary_path = project / "summary.json"
    rc = main(["--config", cfg, "apply", "--env", "pr-8", "--summary-json", str(summary_path)],
              now=_at(base + timedelta(days=10)))  # fmt: skip
    assert rc == 0, capsys.readouterr()
    capsys.readouterr()
    preview = json.loads(summary_path.read_text())["preview"]
    assert preview["max_idle_days"] == 14
    assert preview["warnings"] == []
    assert _endpoint_tags(f"{PROJECT}-pr-8")["deployed-at"] == (
        (base + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )

    sweep = ["--config", cfg, "previews", "sweep", "--open-prs", "7,8"]
    later = base + timedelta(days=15)
    before = inventory()
    # `previews list` says what the sweep will do, by the same age.
    rc = main(["--config", cfg, "previews", "list"], now=_at(later))
    out = capsys.readouterr().out
    assert rc == 0, out
    utc = "%Y-%m-%d %H:%M UTC"
    assert (
        f"pr-7: last deployed {base.strftime(utc)} (15 days ago); idle past "
        "preview.max_idle_days (14): the next sweep removes it unless a push deploys it first"
    ) in out
    assert (
        f"pr-8: last deployed {(base + timedelta(days=10)).strftime(utc)} (5 days ago); the "
        f"sweep removes it from {(base + timedelta(days=24)).strftime(utc)} "
        "(preview.max_idle_days 14) unless a push deploys it before"
    ) in out
    assert f"endpoint {PROJECT}-pr-7," in out  # its resources, as before
    rc = main(sweep, now=_at(later))
    out = capsys.readouterr().out
    assert rc == 0 and "Dry run: pass --yes to remove them." in out
    assert (
        "pr-7: remove (idle: no deploy for 15 days (last "
        f"{base.strftime('%Y-%m-%d %H:%M')} UTC; preview.max_idle_days is 14), though pull "
        "request #7 is open and labelled. To get it back, push to pull request #7 or re-run "
        "its latest preview workflow run)"
    ) in out
    assert "pr-8: keep (pull request #8 is in --open-prs; last deployed 5 days ago" in out
    assert inventory() == before  # a dry run

    rc = main([*sweep, "--yes"], now=_at(later))
    out = capsys.readouterr().out
    assert rc == 0, out
    after = inventory()
    assert not any(_of(after, f"{PROJECT}-pr-7").values())
    assert _of(after, f"{PROJECT}-pr-8") == _of(before, f"{PROJECT}-pr-8")

    # A push to pr-8 on day 20 changes nothing in AWS, and still counts as a deploy.
    rc = main(["--config", cfg, "apply", "--env", "pr-8"], now=_at(base + timedelta(days=20)))
    out = capsys.readouterr().out
    assert rc == 0 and "Applied 0 changes" in out and "0 mutating" in out, out
    rc = main([*sweep, "--yes"], now=_at(base + timedelta(days=26)))
    out = capsys.readouterr().out
    assert rc == 0 and "pr-8: keep" in out and "last deployed 6 days ago" in out, out
    assert _of(inventory(), f"{PROJECT}-pr-8") == _of(before, f"{PROJECT}-pr-8")


def test_previews_list_says_a_preview_without_endpoint_is_never_removed_for_idling(
    project: Path, capsys
) -> None:
    """What a cancelled run left (a bucket) is listed, and said exempt from the idle sweep."""
    cfg = _staged(project)
    session().client("s3").create_bucket(Bucket=f"{PROJECT}-pr-5-site-{ACCOUNT}-us-east-1")
    rc, out = _run(capsys, "--config", cfg, "previews", "list")
    assert rc == 0, out
    assert "pr-5: no endpoint, so no idle age: the idle sweep never removes it" in out
    assert f"s3_bucket {PROJECT}-pr-5-site-{ACCOUNT}-us-east-1" in out


def _destroys_recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sweep's stacks stand-ins: each destroy only recorded (the env it was for), no
    lock taken. The list fills as the sweep runs."""
    from contextlib import nullcontext

    from deploy import cli

    destroyed: list[str] = []

    class Stack:
        def __init__(self, env: str) -> None:
            self.env = env

        kept = ()  # what its destroy left, not this project's (nothing)

        def start_destroy(self) -> Stack:
            return self

        def finish(self) -> list:
            destroyed.append(self.env)
            return []

    monkeypatch.setattr(cli, "_engine", lambda args, env=None, aws=None: Stack(env))
    monkeypatch.setattr(cli, "_locked", lambda eng, command, force, **_: nullcontext())
    return destroyed


def test_a_preview_deployed_while_the_sweep_ran_is_kept(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judged idle, then a push deployed it before the sweep held its lock (a sweep removing
    several previews takes hours): read again under the lock, it stays."""
    cfg = _staged(project)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    seen = iter([now - timedelta(days=30), now - timedelta(minutes=5)])
    destroyed = _destroys_recorded(monkeypatch)
    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"]})
    monkeypatch.setattr("deploy.previews.last_deployed", lambda aws, names: next(seen))
    rc = main(["--config", cfg, "previews", "sweep", "--open-prs", "7", "--yes"], now=_at(now))
    out = capsys.readouterr().out
    assert rc == 0 and destroyed == []
    assert "pr-7: remove (idle: no deploy for 30 days" in out
    assert "Kept pr-7: deployed to since the sweep judged it idle." in out


# The preview comment as the workflow leaves it: preview_comment.py's, the sticky action's marker
UP = "<!-- preview -->\n### Preview `pr-{n}` is up\n| Site | https://x |\n" + STICKY


def _sweep_with_github(
    project: Path, monkeypatch: pytest.MonkeyPatch, stub: GitHubStub, *extra: str
) -> tuple[int, list[str]]:
    """`previews sweep --github-repo octo/trends` against the stand-in: pr-7 idle for 30 days
    (its pull request open and labelled), pr-8's pull request closed, pr-9 fresh; the stacks'
    destroy only recorded."""
    cfg = _staged(project)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    ages = {f"{PROJECT}-pr-7": 30, f"{PROJECT}-pr-9": 1}
    destroyed = _destroys_recorded(monkeypatch)
    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"], 8: ["y"], 9: ["z"]})
    monkeypatch.setattr(
        "deploy.previews.last_deployed",
        lambda aws, names: now - timedelta(days=ages[names.endpoint]),
    )
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.setenv("GITHUB_API_URL", stub.url)
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    sweep = ["--config", cfg, "previews", "sweep", "--github-repo", "octo/trends", *extra]
    return main(sweep, now=_at(now)), destroyed


def test_the_sweep_says_in_the_pull_requests_preview_comment_that_it_removed_the_preview(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comment showed URLs that no longer answer: the sweep rewrites it (the one the
    workflow keeps updating), saying why and how to get the preview back."""
    with github_stub(token="t0ken") as stub:
        stub.add(pull(7))
        stub.add(pull(8, state="closed"))
        stub.add(pull(9))
        quoted = stub.add_comment(7, comment(UP.format(n=7), login="alice", kind="User"))
        seven = stub.add_comment(7, comment(UP.format(n=7)))
        eight = stub.add_comment(8, comment(UP.format(n=8)))
        nine = stub.add_comment(9, comment(UP.format(n=9)))
        rc, destroyed = _sweep_with_github(project, monkeypatch, stub)  # a dry run
        assert rc == 0 and destroyed == [] and stub.edits == []
        capsys.readouterr()

        rc, destroyed = _sweep_with_github(project, monkeypatch, stub, "--yes")
        out = capsys.readouterr().out
        assert rc == 0 and destroyed == ["pr-7", "pr-8"], out
        bodies = {c["id"]: c["body"] for cs in stub.comments.values() for c in cs}
    assert "updated the preview comment of pull request #7: removed, and why" in out
    assert bodies[seven] == (
        "<!-- preview -->\n### Preview `pr-7` removed\n\nThe scheduled preview sweep destroyed "
        "every `pr-7` resource (run 4242): idle: no deploy for 30 days (last 2026-01-30 00:00 "
        "UTC; preview.max_idle_days is 14), though pull request #7 is open and labelled. Its "
        "site and API URLs no longer answer. To get it back, push to pull request #7 or re-run "
        "its latest preview workflow run.\n\n<!-- Sticky Pull Request Commentpreview -->"
    )
    assert "pull request #8 is closed. Its site" in bodies[eight]
    assert "To get it back, reopen pull request #8, labelled `preview`." in bodies[eight]
    assert bodies[quoted] == UP.format(n=7)  # a person's: untouched
    assert bodies[nine] == UP.format(n=9)  # kept


def test_a_token_that_may_not_write_comments_is_said_and_the_sweep_goes_on(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    with github_stub(token="t0ken") as stub:
        stub.add(pull(7))
        stub.add(pull(8, state="closed"))
        stub.add(pull(9))
        stub.add_comment(7, comment(UP.format(n=7)))
        stub.read_only = True
        rc, destroyed = _sweep_with_github(project, monkeypatch, stub, "--yes")
    out = capsys.readouterr()
    assert rc == 0 and destroyed == ["pr-7", "pr-8"], out
    assert "warning: pr-7: its preview comment still shows the URLs: GitHub PATCH" in out.err
    assert "403" in out.err and "pull-requests: write" in out.err
    assert "no preview comment on pull request #8 to update" in out.out


def test_the_plan_of_an_instance_backed_preview_warns_that_idle_hours_are_billed(
    project: Path, capsys
) -> None:
    cfg = _staged(project)
    edit_config(project, "preview: {}", "preview: {endpoint: {serverless: null}}")
    rc, out = _run(capsys, "--config", cfg, "plan", "--env", "pr-7")
    assert rc == 2, out
    assert "preview pr-7 runs an instance endpoint: 1 × ml.m5.large, billed every hour" in out
    rc, out = _run(capsys, "--config", cfg, "plan", "--env", "pr-7", "--format", "json")
    assert any("runs an instance endpoint" in w for w in json.loads(out)["warnings"])
    rc, out = _run(capsys, "--config", cfg, "plan", "--env", "production")
    assert rc == 2 and "runs an instance endpoint" not in out


@pytest.mark.slow
def test_the_sweep_starts_every_previews_disable_and_endpoint_deletion_first_and_reports_a_failure(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two previews swept: both CloudFront disables are issued before the first preview's
    endpoint is deleted (one after another, each destroy waited minutes for its own disable
    to deploy), and both DeleteEndpoints before the sweep first waits for an endpoint to be
    gone (it used to wait minutes for each in turn); what SageMaker needs until its endpoint
    is gone (the config, the model, the role) is deleted only after that. pr-7's Lambda role,
    in an instance profile, refuses deletion: said, exit 1, and pr-8 is still removed whole.
    Each destroy line starts with its preview."""
    from deploy import cli
    from tests.support.aws_clock import set_delays

    cfg = _staged(project)
    target = Target(PROJECT, "us-east-1", "", "octo/trends", previews=True)
    bootstrap_apply(Aws("us-east-1", session()), target)
    _apply_previews(capsys, project, cfg, (7, 8))
    iam = session().client("iam")
    iam.create_instance_profile(InstanceProfileName="by-hand")
    iam.add_role_to_instance_profile(
        InstanceProfileName="by-hand", RoleName=f"{PROJECT}-pr-7-lambda"
    )
    set_delays(endpoint_delete_s=600, distribution_deploy_s=900)
    made: list[Aws] = []
    named: list[tuple[str, str]] = []  # (operation, the resource it names), every call in order

    def record(params: dict[str, object], model: object, **_: object) -> None:
        keys = ("EndpointName", "EndpointConfigName", "ModelName", "RoleName", "logGroupName")
        name = next((str(params[k]) for k in keys if k in params), "")
        named.append((model.name, name))  # type: ignore[attr-defined]

    class Recorded(Aws):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

        def client(self, service: str) -> object:
            new = service not in self._clients
            c = super().client(service)
            if new:
                c.meta.events.register("provide-client-params.*.*", record)
            return c

    monkeypatch.setattr(cli, "Aws", Recorded)
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "", "--yes")
    assert rc == 1, out
    assert len(made) == 1  # the one session every swept preview's engine shares
    endpoints = [f"{PROJECT}-pr-7", f"{PROJECT}-pr-8"]
    disables = [i for i, (op, _) in enumerate(named) if op == "UpdateDistribution"]
    deleted = [named.index(("DeleteEndpoint", e)) for e in endpoints]
    polled = [  # each endpoint's first read after its DeleteEndpoint: the wait until it is gone
        next(i for i in range(d, len(named)) if named[i] == ("DescribeEndpoint", e))
        for d, e in zip(deleted, endpoints, strict=True)
    ]
    assert len(disables) == 2 and max(disables + deleted) < min(polled), named
    for number, endpoint in zip((7, 8), endpoints, strict=True):
        gone = max(i for i, call in enumerate(named) if call == ("DescribeEndpoint", endpoint))
        needed = [
            i
            for i, (op, name) in enumerate(named)
            if op in ("DeleteEndpointConfig", "DeleteModel", "DeleteRole", "DeleteLogGroup")
            and re.search(rf"{PROJECT}-pr-{number}(-|$)", name)
        ]
        assert needed and gone < min(needed), named
    lines = out.splitlines()

    def at(text: str) -> int:
        return next(i for i, line in enumerate(lines) if line.startswith(text))

    assert at("pr-7: [2/") < at("pr-8: [1/") < at("pr-8: [2/") < at("pr-7: [3/"), out
    assert at("pr-7: [3/") < at("Removed pr-7") < at("pr-8: [3/"), out
    assert f"pr-7: [2/19] delete endpoint {endpoints[0]}: waiting for what it started" in out
    assert "pr-7: [1/19] update cdn_disabled" in out and "pr-8: [1/19] update cdn_disabled" in out
    assert "error: pr-7: destroy could not delete 1 resource" in out
    assert "iam:DeleteRole failed: AWS said DeleteConflict" in out
    assert "Removed pr-8: 18 resources." in out
    assert "error: 1 of 2 previews not wholly removed: pr-7" in out
    gone = inventory()
    assert not any(_of(gone, f"{PROJECT}-pr-8").values()), gone
    assert _counts(_of(gone, f"{PROJECT}-pr-7")) == {"iam_roles": 1}, gone


@pytest.mark.slow
def test_a_preview_whose_endpoint_is_still_creating_does_not_hold_back_the_others(
    project: Path, capsys
) -> None:
    """pr-7's deploy was cancelled while its endpoint was Creating: SageMaker refuses to
    delete it until it is done (minutes). The sweep waited for that before it made pr-8's
    DeleteEndpoint; pr-8's is made at the start, pr-7's once SageMaker lets it, and both
    previews go whole, the sweep saying as it waits that pr-7 is still Creating."""
    from tests.support.aws_clock import set_delays
    from tests.support.moto_sagemaker import hold

    cfg = _staged(project)
    target = Target(PROJECT, "us-east-1", "", "octo/trends", environments=("staging", "production"),
                    previews=True)  # fmt: skip
    bootstrap_apply(Aws("us-east-1", session()), target)
    _apply_previews(capsys, project, cfg, (7, 8))
    hold(f"{PROJECT}-pr-7", "Creating", 600)
    set_delays(endpoint_delete_s=300)
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 0, out
    lines = out.splitlines()

    def first(stack: str, text: str) -> int:
        return next(i for i, line in enumerate(lines) if line.startswith(stack) and text in line)

    pr7_waits = first("pr-7:", f"wait until endpoint {PROJECT}-pr-7 is no longer Creating")
    assert first("pr-8:", "sagemaker:DeleteEndpoint") < pr7_waits
    assert pr7_waits < first("pr-7:", "sagemaker:DeleteEndpoint")
    assert first("pr-7:", "still Creating after") > pr7_waits  # progress while it waits
    assert "Removed pr-7" in out and "Removed pr-8" in out
    left = inventory()
    for stack in ("pr-7", "pr-8"):
        assert not any(_of(left, f"{PROJECT}-{stack}").values()), (stack, left)


@pytest.mark.slow
def test_credentials_that_lapse_at_a_stacks_lock_release_stop_the_sweep_saying_each_outcome(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pr-7 removed whole, then the credentials lapse (AWS answers ExpiredToken) as its lock
    is released: the sweep stops there, every later call would be refused too. pr-7 is said
    removed with its count (its lock went with its bucket), pr-8 not finished (its start was
    made) with its lock still held and how to release it; one refused call per lock, no
    traceback, exit 1. Signed in again, pr-8's destroy with --force-unlock removes the rest.
    It used to say pr-7 removed 0 resources and try pr-8's destroy, refused."""
    from deploy import cli, lock
    from tests.support.lapse import Lapse

    cfg = _staged(project)
    target = Target(PROJECT, "us-east-1", "", "octo/trends", previews=True)
    bootstrap_apply(Aws("us-east-1", session()), target)
    _apply_previews(capsys, project, cfg, (7, 8))
    lapse = Lapse(after=10**6, mode="expired")
    monkeypatch.setattr(
        "deploy.aws.boto3.Session", lambda *_, region_name="us-east-1", **__: lapse.session()
    )
    released = cli.lock.release

    def then_lapse(aws: Aws, bucket: str) -> None:
        lapse.after = 0  # from pr-7's release on
        released(aws, bucket)

    monkeypatch.setattr(cli.lock, "release", then_lapse)
    rc = main(["--config", cfg, "previews", "sweep", "--open-prs", "", "--yes"])
    out, err = capsys.readouterr()
    assert rc == 1 and "Traceback" not in err, err
    assert "Removed pr-7: 18 resources." in out
    assert "error: pr-7" not in err, err
    assert err.startswith("error: pr-8: not finished: the credentials lapsed (in pr-7)"), err
    assert "--force-unlock" in err and f"{PROJECT}-pr-8-site" in err and lock.KEY in err, err
    assert "--env pr-8" in err
    assert lapse.refused == 2, "each lock's release refused: nothing else tried"
    last = err.rstrip().splitlines()[-1]
    assert last.startswith("error: the credentials lapsed: 1 of 2 previews not removed: pr-8")
    monkeypatch.setattr(cli.lock, "release", released)
    lapse.after = 10**6  # signed in again
    assert main(["--config", cfg, "destroy", "--env", "pr-8", "--yes", "--force-unlock"]) == 0
    assert not any(_of(inventory(), f"{PROJECT}-pr-8").values())


@pytest.mark.slow
def test_a_preview_whose_endpoint_turns_busy_after_the_read_does_not_hold_back_the_others(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pr-7's endpoint was InService when its destroy read it, then Updating for 10 minutes
    (a scaling activity, AWS's maintenance): SageMaker refuses its DeleteEndpoint. The sweep
    retried it there before it made pr-8's; pr-8's now goes first, pr-7's is retried when
    pr-7 is finished, saying so once a minute (not every 15 s), and both go whole."""
    from deploy.engine import Engine
    from tests.support.moto_sagemaker import hold

    cfg = _staged(project)
    target = Target(PROJECT, "us-east-1", "", "octo/trends", previews=True)
    bootstrap_apply(Aws("us-east-1", session()), target)
    _apply_previews(capsys, project, cfg, (7, 8))
    read = Engine.destroy_plan

    def then_busy(self: Engine):  # type: ignore[no-untyped-def]
        planned = read(self)
        if self.names.env == "pr-7":
            hold(f"{PROJECT}-pr-7", "Updating", 600)
        return planned

    monkeypatch.setattr(Engine, "destroy_plan", then_busy)
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "", "--yes")
    assert rc == 0, out
    lines = out.splitlines()

    def first(stack: str, text: str) -> int:
        return next(i for i, line in enumerate(lines) if line.startswith(stack) and text in line)

    refused = first("pr-7:", "ValidationException (busy): left for when this stack is finished")
    assert refused < first("pr-8:", "sagemaker:DeleteEndpoint")
    # Retried at finish (after pr-7's disable is deployed) for the rest of the 10 minutes:
    # the refusal at the start, the first at finish, then one a minute; not one every 15 s.
    retries = [line for line in lines if line.startswith("pr-7:") and "(busy)" in line]
    assert 4 <= len(retries) <= 12, retries
    assert retries[2].startswith("pr-7:       still ValidationException (busy) after 1 min")
    assert re.search(r"^pr-7:       done after \d+ min \(\d+ retries\)$", out, re.M), out
    assert "Removed pr-7" in out and "Removed pr-8" in out
    left = inventory()
    for stack in ("pr-7", "pr-8"):
        assert not any(_of(left, f"{PROJECT}-{stack}").values()), (stack, left)


def _refused(code: str):
    """An error AWS (or botocore) gives for a lock's release, none of them a lapse: AccessDenied
    on the lock object, throttling past botocore's retries, no connection."""
    import botocore.exceptions

    if not code:
        return botocore.exceptions.EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")
    error = {"Error": {"Code": code, "Message": f"{code} said"}}
    return botocore.exceptions.ClientError(error, "DeleteObject")  # type: ignore[arg-type]


class _SweptStack:
    """A preview as the sweep's start sees it (its engine), its destroy recorded: ``fails``
    makes its finish go on past a refusal (Incomplete), one resource removed."""

    def __init__(self, env: str, removed: list[str], fails: bool = False) -> None:
        from types import SimpleNamespace

        self.names = SimpleNamespace(bucket=f"{PROJECT}-{env}-site", env=env)
        self.aws, self.log, self.env, self.removed, self.fails = None, print, env, removed, fails
        self.done: list = []  # as a Teardown's: what it did so far (none: no bucket deleted)

    kept = ()  # what its destroy left, not this project's (nothing)

    def start_destroy(self) -> _SweptStack:
        return self

    def finish(self) -> list:
        from deploy.failures import Failure, Incomplete
        from deploy.plan import Action

        endpoint = Action("delete", "endpoint", f"{PROJECT}-{self.env}", "destroy")
        if self.fails:
            role = Action("delete", "iam_role", f"{PROJECT}-{self.env}-lambda", "destroy")
            why = Failure(role, "iam:DeleteRole", "DeleteConflict", "in a profile", "fix")
            raise Incomplete([endpoint], [why], [])
        self.removed.append(self.env)
        return [endpoint]


@pytest.mark.parametrize("code", ["AccessDenied", "Throttling", ""])
def test_a_lock_release_refused_otherwise_is_that_previews_error_and_the_sweep_goes_on(
    code: str, project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pr-7's destroy stopped at a refusal, then its lock's release failed, not for lapsed
    credentials (AccessDenied on the lock, throttling, no connection): AWS's error went up out
    of the sweep, pr-8 was never finished and no outcome said. Now pr-7 is said removed with
    its count, its error, and its lock held with the exact command that releases it; pr-8 is
    removed, and the sweep exits 1."""
    from deploy import cli

    cfg = _staged(project)
    removed: list[str] = []
    released: list[str] = []

    def release(_aws: object, bucket: str) -> None:
        if "pr-7" in bucket:
            raise _refused(code)
        released.append(bucket)

    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"], 8: ["y"]})
    monkeypatch.setattr(
        cli, "_engine", lambda args, env=None, aws=None: _SweptStack(env, removed, env == "pr-7")
    )
    monkeypatch.setattr(cli.lock, "take", lambda *_, **__: True)
    monkeypatch.setattr(cli.lock, "release", release)
    monkeypatch.delenv("DEPLOY_LOCK_MAX_MINUTES", raising=False)
    rc = main(["--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes"])
    out, err = capsys.readouterr()
    assert rc == 1 and "Traceback" not in err, err
    assert removed == ["pr-8"] and released == [f"{PROJECT}-pr-8-site"]
    assert "Removed pr-7: 1 resource." in out and "Removed pr-8: 1 resource." in out
    assert "error: pr-7: destroy could not delete 1 resource" in err
    assert f"The stack's lock s3://{PROJECT}-pr-7-site/.deploy/lock.json is still held" in err
    assert "`python -m deploy destroy --env pr-7 --yes --force-unlock`" in err
    assert err.rstrip().endswith("error: 1 of 2 previews not wholly removed: pr-7 (each one's "
                                 "error is above); the others were removed."), err  # fmt: skip


def test_a_read_refused_at_a_previews_start_is_its_error_and_the_sweep_goes_on(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pr-7's first read refused (AccessDenied, outside any step): AWS's error went up out of
    the sweep; it is pr-7's, said with what to do, and pr-8 is removed."""
    from contextlib import nullcontext

    from deploy import cli

    cfg = _staged(project)
    removed: list[str] = []

    class Refusing(_SweptStack):
        def start_destroy(self) -> _SweptStack:
            if self.env == "pr-7":
                raise _refused("AccessDenied")
            return self

    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"], 8: ["y"]})
    monkeypatch.setattr(cli, "_engine", lambda args, env=None, aws=None: Refusing(env, removed))
    monkeypatch.setattr(cli, "_locked", lambda *_, **__: nullcontext())
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 1 and removed == ["pr-8"], out
    assert "error: pr-7: An error occurred (AccessDenied)" in out
    assert "the credentials may not make this call" in out


def test_previews_the_jobs_time_left_cannot_hold_are_left_for_the_next_sweep(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job of 60 minutes cannot hold one preview's longest waits (deploy/budget.py): nothing
    is started, each preview is said left for the next sweep, and the sweep exits 1. It used to
    start them all and be killed at the job's limit with the rest unsaid."""
    from contextlib import nullcontext

    from deploy import cli

    cfg = _staged(project)
    removed: list[str] = []
    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"], 8: ["y"]})
    monkeypatch.setattr(cli, "_engine", lambda args, env=None, aws=None: _SweptStack(env, removed))
    monkeypatch.setattr(cli, "_locked", lambda *_, **__: nullcontext())
    monkeypatch.setenv("DEPLOY_LOCK_MAX_MINUTES", "60")
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 1 and removed == [], out
    assert "Left pr-7: left for the next sweep: not started" in out
    assert "Left pr-8: left for the next sweep: not started" in out
    assert "error: 2 of 2 previews left for the next sweep: pr-7, pr-8" in out
    monkeypatch.setenv("DEPLOY_LOCK_MAX_MINUTES", "360")  # the sweep job's: both removed
    rc, out = _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert rc == 0 and removed == ["pr-7", "pr-8"], out


@pytest.mark.slow
def test_a_lock_release_that_fails_otherwise_leaves_that_preview_said_held_and_the_sweep_goes_on(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the moto server: pr-7's first read refused (AccessDenied) under its lock, then the
    release throttled past botocore's retries: AWS's error ended the sweep there and pr-8 was
    never removed. pr-7 is said with both errors and the command that releases its lock, pr-8
    is removed whole, exit 1; that command then removes pr-7."""
    from deploy import cli, lock
    from deploy.engine import Engine

    cfg = _staged(project)
    target = Target(PROJECT, "us-east-1", "", "octo/trends", previews=True)
    bootstrap_apply(Aws("us-east-1", session()), target)
    _apply_previews(capsys, project, cfg, (7, 8))
    read, released = Engine.destroy_plan, cli.lock.release

    def refused(self: Engine):  # type: ignore[no-untyped-def]
        if self.names.env == "pr-7":
            raise _refused("AccessDenied")
        return read(self)

    bucket7 = f"{PROJECT}-pr-7-site-{ACCOUNT}-us-east-1"

    def throttled(aws: Aws, bucket: str) -> None:
        if bucket == bucket7:
            raise _refused("Throttling")
        released(aws, bucket)

    monkeypatch.setattr(Engine, "destroy_plan", refused)
    monkeypatch.setattr(cli.lock, "release", throttled)
    rc = main(["--config", cfg, "previews", "sweep", "--open-prs", "", "--yes"])
    out, err = capsys.readouterr()
    assert rc == 1 and "Traceback" not in err, err
    assert "Removed pr-8: 18 resources." in out
    assert not any(_of(inventory(), f"{PROJECT}-pr-8").values())
    assert err.startswith("error: pr-7: An error occurred (AccessDenied)"), err
    assert f"s3://{bucket7}/{lock.KEY} is still held: its release failed" in err, err
    command = "destroy --env pr-7 --yes --force-unlock"
    assert f"`python -m deploy {command}`" in err
    s3 = session().client("s3")
    assert s3.head_object(Bucket=bucket7, Key=lock.KEY)  # held, as said
    monkeypatch.setattr(Engine, "destroy_plan", read)
    monkeypatch.setattr(cli.lock, "release", released)
    assert main(["--config", cfg, *command.split()]) == 0
    assert not any(_of(inventory(), f"{PROJECT}-pr-7").values())


def test_a_sweep_stopped_after_a_previews_bucket_went_says_its_lock_went_with_it(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pr-7's credentials lapse right after its bucket's DeleteBucket: its destroy stops at the
    next action and its lock's release is refused. The lock lived in that bucket, so none is
    held: the sweep says so, as `destroy` does, and asks for no --force-unlock (it said the
    lock was held, and how to remove a lock that was not there)."""
    from tests.support.lapse import Lapse

    cfg = _staged(project)
    target = Target(PROJECT, "us-east-1", "", "octo/trends", previews=True)
    bootstrap_apply(Aws("us-east-1", session()), target)
    _apply_previews(capsys, project, cfg, (7,))
    lapse = Lapse(after=10**6, mode="expired")

    def made(*_: object, region_name: str = "us-east-1", **__: object) -> object:
        ours = lapse.session(region_name)
        lapse.lapse_after(ours, "s3.DeleteBucket")
        return ours

    monkeypatch.setattr("deploy.aws.boto3.Session", made)
    rc = main(["--config", cfg, "previews", "sweep", "--open-prs", "", "--yes"])
    out, err = capsys.readouterr()
    assert rc == 1 and "Traceback" not in err, err
    assert lapse.lapsed_at and lapse.refused == 2, "the next action's call and the release"
    assert "error: pr-7" in err, err
    assert "went with its bucket" in err, err
    assert "still held" not in out + err and "--force-unlock" not in out + err, err


def test_the_sweep_hands_its_lock_the_previews_unlock_command(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the sweep's refusal names comes from cli: the preview's own apply or destroy with
    --force-unlock (the sweep has no such flag)."""
    from contextlib import contextmanager

    from deploy import cli, lock

    cfg = _staged(project)
    given: list[str] = []

    class Stack:
        kept = ()  # what its destroy left, not this project's (nothing)

        def start_destroy(self) -> Stack:
            raise lock.DeployError("stop here")

    @contextmanager
    def held(eng, command, force, **kwargs):
        unlock = kwargs.get("unlock")
        dead = lock.Holder("arn:x", "runner pid 1", "destroy", 0.0)
        given.append(unlock(dead) if callable(unlock) else str(unlock))
        yield

    monkeypatch.setattr("deploy.previews.find", lambda aws, project: {7: ["x"]})
    monkeypatch.setattr(cli, "_engine", lambda args, env=None, aws=None: Stack())
    monkeypatch.setattr(cli, "_locked", held)
    _run(capsys, "--config", cfg, "previews", "sweep", "--open-prs", "70", "--yes")
    assert given == ["python -m deploy destroy --env pr-7 --yes --force-unlock"], given


def test_status_and_previews_list_count_every_resource_a_preview_has(project: Path, capsys) -> None:
    """`status` said pr-7 had 12 resources and `previews list` named 13, and neither was what
    AWS held: status left its Lambda function out, and both its CloudFront distribution (billed,
    and what keeps its bucket and origin access control from being deleted). Both now read one
    listing, which names the distribution, and say the same count: every resource of it that
    has a name of its own in AWS (not the objects, routes and permissions inside them)."""
    cfg = _staged(project)
    bootstrap_apply(Aws("us-east-1", session()), Target(PROJECT, "us-east-1", "", "octo/trends",
                    environments=("staging", "production"), previews=True))  # fmt: skip
    _apply_previews(capsys, project, cfg, (7,))
    deployed = {k: v for k, v in _of(inventory(), f"{PROJECT}-pr-7").items() if k != "objects"}
    (distribution,) = (
        session().client("cloudfront").list_distributions()["DistributionList"]["Items"]
    )
    deployed["distributions"] = [distribution["Id"]]  # the inventory names it by its origin
    count = sum(len(v) for v in deployed.values())
    assert count == sum(n for k, n in PREVIEW.items() if k != "objects") == 14, deployed
    rc, out = _run(capsys, "--config", cfg, "previews", "list")
    assert rc == 0, out
    named = out.splitlines()[-1].strip().split(", ")
    assert f"cloudfront_distribution {distribution['Id']}" in named, out
    assert f"lambda_function {PROJECT}-pr-7-detect" in named, out
    assert len(named) == count, out
    rc, out = _run(capsys, "--config", cfg, "status")
    assert rc == 0, out
    assert f"{count} resources listed" in out, out
    assert "not counted" not in out, out


def _deny_preview_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """GetFunction refused on the previews' functions only, as the deploy role is refused it
    (deploy/bootstrap/policies.py): its own stacks' functions it may read."""
    import botocore.exceptions

    make = Aws.client

    def refused(params: dict, **_: object) -> None:
        if "-pr-" in str(params.get("FunctionName", "")):
            error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
            raise botocore.exceptions.ClientError(error, "GetFunction")  # type: ignore[arg-type]

    def client(self: Aws, name: str) -> object:
        made = make(self, name)
        if name == "lambda":
            made.meta.events.register(
                "before-parameter-build.lambda.GetFunction", refused, "refused"
            )
        return made

    monkeypatch.setattr(Aws, "client", client)


def test_status_with_credentials_that_may_not_read_a_previews_function_says_so(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deploy role may list previews but not read their functions by name: status still
    says each preview (exit 0: nothing of its own stacks went unread), counts what the
    listings found, and says the functions are not in that count, and why."""
    cfg = _staged(project)
    bootstrap_apply(Aws("us-east-1", session()), Target(PROJECT, "us-east-1", "", "octo/trends",
                    environments=("staging", "production"), previews=True))  # fmt: skip
    _apply_previews(capsys, project, cfg, (7,))
    rc, out = _run(capsys, "--config", cfg, "status")
    assert rc == 0 and "14 resources listed" in out, out
    _deny_preview_functions(monkeypatch)
    rc, out = _run(capsys, "--config", cfg, "status")
    assert rc == 0, out
    assert "13 resources listed" in out, out
    assert "Lambda functions not counted: lambda:GetFunction was refused" in out, out
