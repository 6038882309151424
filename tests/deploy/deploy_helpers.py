"""Shared by the deploy tests: sample config, engine factory, per-service inventory."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from deploy import planner
from deploy.aws import Aws
from deploy.config import Config, load_config
from deploy.engine import Engine
from deploy.image import ecr_image_ref
from deploy.resources import ecr as ecr_resource
from deploy.world import Desired, World
from tests.support.aws_clock import CLOCK

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:test-1"
IMAGE2 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:test-2"
PROJECT = "trends-anomaly"
# The staging/production/preview overrides the environment tests append to CONFIG.
ENVIRONMENTS = """\
environments:
  staging:
    endpoint: {serverless: {memory_mb: 2048, max_concurrency: 5}}
  production:
    endpoint: {instance_type: ml.m5.large, instance_count: 2}
preview: {}
"""
CONFIG = """\
project: trends-anomaly
region: us-east-1
endpoint:
  instance_type: ml.m5.large
  instance_count: 1
api:
  cors_origins:
    - http://localhost:8000
"""


def edit_config(root: Path, old: str, new: str) -> None:
    """root/config.yaml with ``old`` replaced by ``new`` (which must be there)."""
    path = root / "config.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def make_project(root: Path) -> Path:
    """A project directory: config.yaml, lambda/*.py, site/dist/ (small, fixed content), and
    model/ (what the image's content tag is computed from)."""
    (root / "config.yaml").write_text(CONFIG)
    lam = root / "lambda"
    lam.mkdir()
    (lam / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    (lam / "helpers.py").write_text("X = 1\n")
    dist = root / "site" / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><script src="config.js"></script>'
        '<script src="assets/app-5QZ3YVJK.js"></script>\n'
    )
    (dist / "assets" / "app-5QZ3YVJK.js").write_text("console.log('app');\n")
    (dist / "style.css").write_text("body { margin: 0 }\n")
    (root / "model").mkdir()
    (root / "model" / "Dockerfile").write_text("FROM scratch\n")
    return root


_SESSION: list[boto3.Session] = []


def session() -> boto3.Session:
    """One boto3 session for all tests: creating clients from a fresh one costs ~0.25 s each."""
    if not _SESSION:
        _SESSION.append(boto3.Session(region_name="us-east-1"))
    return _SESSION[0]


def on_every_session(monkeypatch: Any, *handlers: tuple[str, Any]) -> None:
    """Every boto3 session the CLI makes (deploy.aws's) has ``handlers`` ((botocore event,
    handler) pairs) registered on it; the helpers' own session is made first, unhooked."""
    session()
    real = boto3.Session

    def made(*args: Any, **kwargs: Any) -> boto3.Session:
        ours = real(*args, **kwargs)
        for event, handler in handlers:
            ours.events.register(event, handler)
        return ours

    monkeypatch.setattr("deploy.aws.boto3.Session", made)


def reset_account(url: str) -> None:
    """The moto server as the tests start from: nothing deployed, bootstrap's boundaries made."""
    from tests.support.moto_server import reset

    reset(url)
    make_role_boundaries()


def make_role_boundaries(
    project: str = PROJECT, envs: tuple[str | None, ...] = (None, "staging", "production")
) -> None:
    """What bootstrap makes first (an administrator, once) and every apply needs: the
    permissions boundary of each stack's service roles (IAM refuses a role whose boundary is
    not a managed policy; the moto server too, tests/support/moto_server.py). Global: one
    set for every region's stacks."""
    from deploy.bootstrap.policies import Target, role_boundary_specs

    iam = session().client("iam")
    account = "123456789012"
    for env in envs:
        target = Target(
            project, "us-east-1", account, "octo/trends", environments=(env,) if env else ()
        )
        for spec in role_boundary_specs(target):
            iam.create_policy(
                PolicyName=spec.name, Path=spec.path, PolicyDocument=json.dumps(spec.document)
            )


def engine(
    root: Path,
    image: str | None = IMAGE,
    boto: boto3.Session | None = None,
    aws: Aws | None = None,
    **kw: Any,
) -> Engine:
    """An Engine on root/config.yaml with a fresh call log; never sleeps for real: it sleeps
    on the test server's clock (tests/support/aws_clock.py), so AWS's delays (IAM propagation,
    CloudFront deploying) pass as they would, in no real time.

    ``boto``: a session of the test's own (one with scripted botocore events).
    ``aws``: the clients (and call log) of an earlier engine, for a test that makes dozens of
    engines and reads no call log: each new Aws makes its ~12 clients again, ~10 ms of CPU
    each, a fifth of such a test's time."""
    cfg = load_config(root / "config.yaml")
    boto = aws.session if aws is not None else boto or session()
    if image:
        image_in_ecr(root, image)
    aws = aws or Aws(cfg.region, boto)
    kw.setdefault("log", lambda _m: None)
    kw.setdefault("sleep", CLOCK.sleep)
    kw.setdefault("clock", CLOCK.now)
    return Engine(cfg, root, aws, image=image, **kw)


def image_in_ecr(root: Path, image: str = IMAGE, env: str | None = None) -> None:
    """A prebuilt ``image`` is in ECR before apply, as a first-time operator has it: the
    project's repository made by `deploy image` (`Engine.ensure_image`: its tags, lifecycle
    policy) when missing, then the image pushed (Docker's push, without Docker). A plan that
    creates the image's repository refuses an --image in it, so nothing may push mid-apply.
    Its calls go through a client set of its own: the engine's call log holds only the
    engine's. A test's own push (an OCI manifest, say) is kept; another repository that is
    missing stays missing (its owner makes it)."""
    ref = ecr_image_ref(image)
    if ref is None or "imageTag" not in ref[2]:
        return
    repository, tag = ref[1], ref[2]["imageTag"]
    region = image.split(".dkr.ecr.", 1)[1].split(".", 1)[0]
    ecr = _client("ecr", region)
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
        return
    except ecr.exceptions.ImageNotFoundException:
        pass
    except ecr.exceptions.RepositoryNotFoundException:
        cfg = load_config(root / "config.yaml", env)
        if repository != cfg.names(ref[0]).ecr_repository or region != cfg.region:
            return  # another repository is its owner's to make: a test of its absence
        _repository_as_deploy_makes_it(cfg, root, image)
    push_fake_image(repository, tag, region)


def _repository_as_deploy_makes_it(cfg: Config, root: Path, image: str) -> None:
    """The project's repository made by the ECR module's plan, as `Engine.ensure_image` (`deploy
    image`) makes it (tags, lifecycle policy); without its check of the stack's roles, which a
    test of that check must pass (an operator would push with the AWS CLI then)."""
    made = Engine(cfg, root, _setup_aws(cfg.region), image=image, log=lambda _m: None)
    desired = Desired.of(ecr_resource.desired(cfg, made.inputs()))
    world = World(account=made.names.account, region=made.names.region)
    for record in ecr_resource.RESOURCE.observe(made.aws, made.names, desired, world):
        world.add(record)
    made.executor(world).run(planner.plan([ecr_resource.RESOURCE], desired, world))


_SETUP: dict[tuple[str | None, str], Aws] = {}


def _setup_aws(region: str) -> Aws:
    """The clients `image_in_ecr` makes the repository with, made once per server and region."""
    key = (os.environ.get("AWS_ENDPOINT_URL"), region)
    if key not in _SETUP:
        _SETUP[key] = Aws(region, session())
    return _SETUP[key]


_SHARED: dict[tuple[str | None, str], Aws] = {}


def shared_aws(region: str = "us-east-1") -> Aws:
    """Engine clients made once per moto server and region, for `engine(..., aws=...)` in a
    test (or module) that makes many engines: a client holds nothing of a deploy. Their call
    log is every such engine's: read only the calls after a point, or make the engine whose
    log is read with clients of its own."""
    key = (os.environ.get("AWS_ENDPOINT_URL"), region)
    if key not in _SHARED:
        _SHARED[key] = Aws(region, session())
    return _SHARED[key]


def shared_engine(root: Path, image: str | None = IMAGE, **kw: Any) -> Engine:
    """`engine` on the `shared_aws` clients of root's region: for the engines of a test whose
    call log is not read from their start and on whose clients no hook is registered (an
    engine that is scripted, hooked or whose whole log is read is made by `engine`)."""
    return engine(root, image, aws=shared_aws(load_config(root / "config.yaml").region), **kw)


_CLI_AWS: dict[tuple[str, tuple[tuple[str, str], ...]], Aws] = {}


def cli_shares_clients(monkeypatch: Any) -> None:
    """The CLI's `Aws(region)` (one per command: a fresh boto3 session and its dozen clients,
    ~0.1 s of CPU even with botocore's models shared) made once per test, region and AWS_* setting
    (endpoint, credentials, retries: what its clients were made from), for a test that runs
    `deploy.cli.main` many times. Its call log is every such command's: the CLI reads only the
    calls after a point of its own (`_apply`'s count, `refused_read`'s last call), never a log
    from its start. A command whose sessions a test hooks (deploy.aws's boto3.Session patched),
    or that is given a session, gets clients of its own, as does a test that patches
    `deploy.cli.Aws` itself (its patch comes after this one)."""
    import deploy.aws

    real = deploy.aws.boto3.Session

    def made(region: str, boto: boto3.Session | None = None) -> Aws:
        if boto is not None or deploy.aws.boto3.Session is not real:
            return Aws(region, boto)
        aws_env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
        key = (region, aws_env)
        if key not in _CLI_AWS:
            _CLI_AWS[key] = Aws(region)
        return _CLI_AWS[key]

    monkeypatch.setattr("deploy.cli.Aws", made)
    # Shared within the test only: a hook a test registers on them (and does not take off
    # with `cli_hooked`) goes with the test, never into the next test's commands.
    monkeypatch.setattr(f"{__name__}._CLI_AWS", {})


@contextlib.contextmanager
def cli_hooked(monkeypatch: Any, event: str, unique_id: str) -> Iterator[Any]:
    """A `monkeypatch.context()` for a block whose patch registers a botocore hook (``event``,
    ``unique_id``) on the clients the CLI's commands share (`cli_shares_clients`): the hook
    comes off them again at its end, as it went with a command's own clients before."""
    with monkeypatch.context() as m:
        try:
            yield m
        finally:
            for aws in _CLI_AWS.values():
                for client in aws._clients.values():
                    client.meta.events.unregister(event, unique_id=unique_id)


_CLIENTS: dict[tuple[str, str | None, str | None], Any] = {}


def _client(service: str, region: str | None = None) -> Any:
    """A client of the shared session, made once per endpoint and region (the tests'
    inventories and image pushes are many, and a client costs ~25 ms to make); a test on
    another moto server gets new ones."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    key = (service, endpoint, region)
    if key not in _CLIENTS:
        _CLIENTS[key] = session().client(service, region_name=region)
    return _CLIENTS[key]


def inventory(project: str = PROJECT) -> dict[str, list[str]]:
    """Everything of the project, listed service by service (not through the tagging API)."""
    sm, gw, iam = _client("sagemaker"), _client("apigatewayv2"), _client("iam")
    logs, lam, ecr = _client("logs"), _client("lambda"), _client("ecr")
    aas, s3 = _client("application-autoscaling"), _client("s3")
    cf = _client("cloudfront")
    out = {
        "ecr": [
            r["repositoryName"]
            for r in ecr.describe_repositories()["repositories"]
            if r["repositoryName"].startswith(project)
        ],
        "iam_roles": [
            r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(project)
        ],
        "models": [m["ModelName"] for m in sm.list_models()["Models"]],
        "endpoint_configs": [
            c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]
        ],
        "endpoints": [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]],
        "scaling": [
            t["ResourceId"]
            for t in aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
        ],
        "functions": [f["FunctionName"] for f in lam.list_functions()["Functions"]],
        "apis": [a["Name"] for a in gw.get_apis()["Items"]],
        "buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]],
        "log_groups": [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]],
        # by origin, not by id (ids are random): a duplicate shows twice
        "distributions": [
            o["DomainName"]
            for d in cf.list_distributions()["DistributionList"].get("Items") or []
            for o in d["Origins"]["Items"]
        ],
        "origin_access_controls": [
            o["Name"]
            for o in cf.list_origin_access_controls()["OriginAccessControlList"].get("Items") or []
        ],
    }
    out["objects"] = [
        f"{b}/{o['Key']}"
        for b in out["buckets"]
        for o in s3.list_objects_v2(Bucket=b).get("Contents", [])
    ]
    return {k: sorted(v) for k, v in out.items()}


DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def push_fake_image(repository: str, tag: str, region: str = "us-east-1") -> str:
    """What `docker push` leaves in ECR, without Docker: the repository (when missing) and a
    Docker v2 manifest under ``tag`` (its own image: another tag has another digest); returns
    the image's digest."""
    ecr = _client("ecr", region)
    # The stack's repository as `deploy image` creates it: tagged as the project's in the
    # CreateRepository call (apply stops on an untagged one: stacks.not_made_here).
    ours = repository == PROJECT or repository.startswith(f"{PROJECT}-pr-")
    tags = [{"Key": "project", "Value": PROJECT}] if ours else []
    with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
        ecr.create_repository(repositoryName=repository, tags=tags)
    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_V2,
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 2,
            "digest": "sha256:" + "1" * 64,
        },
        # One image per tag, as builds of different contexts are (moto's digest hashes the
        # layers: without one, every tag would be the same image to a plan comparing digests).
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 2,
                "digest": "sha256:" + hashlib.sha256(tag.encode()).hexdigest(),
            }
        ],
    }
    try:
        pushed = ecr.put_image(
            repositoryName=repository,
            imageManifest=json.dumps(manifest),
            imageManifestMediaType=DOCKER_V2,
            imageTag=tag,
        )
    except ecr.exceptions.ImageAlreadyExistsException:  # pushed before: the same manifest
        found = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
        return str(found["imageDetails"][0]["imageDigest"])
    return str(pushed["image"]["imageId"]["imageDigest"])


# A role SageMaker may assume (an endpoint's execution role).
SAGEMAKER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
         "Action": "sts:AssumeRole"}
    ],
}  # fmt: skip


def other_endpoint(
    sm: Any, name: str, variant: dict, config: str | None = None, project: str | None = None
) -> str:
    """An endpoint made directly with boto3 on the moto server (another stack's, or a rule's
    test subject): its own role, model and config (``config``, or ``{name}-c``) of one
    ``main`` variant; tagged ``project`` as deploy tags what it makes (None: untagged)."""
    config = config or f"{name}-c"
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName=f"{name}-r", AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST)
    )
    CLOCK.sleep(60)  # IAM propagation, as the test server plays it
    sm.create_model(
        ModelName=f"{name}-m",
        ExecutionRoleArn=role["Role"]["Arn"],
        PrimaryContainer={"Image": "public.example/x:1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[{"VariantName": "main", "ModelName": f"{name}-m", **variant}],
    )
    tags = [{"Key": "project", "Value": project}] if project else []
    return sm.create_endpoint(EndpointName=name, EndpointConfigName=config, Tags=tags)[
        "EndpointArn"
    ]
