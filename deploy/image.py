"""The model image: a content hash of the build context names the tag; build only if missing."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions

from deploy.aws import Aws, DeployError
from deploy.aws_errors import (
    HINTS,
    ErrorKind,
    classify_code,
    error_code,
    error_message,
    sentence,
)
from deploy.image_ref import ECR_REGISTRY_RE
from deploy.naming import Names

_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules"}


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it (Go filepath.Match plus ``**``), matching a
    path relative to the context or any directory above it."""
    pattern = pattern.strip().strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(f"^{out}(?:/.*)?$")


def dockerignore(root: Path) -> Callable[[str], bool]:
    """Whether Docker leaves a context path out of the build (last matching rule wins,
    ``!`` re-includes); nothing is left out without a .dockerignore."""
    path = root / ".dockerignore"
    rules: list[tuple[bool, re.Pattern[str]]] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            keep = line.startswith("!")
            rules.append((keep, _dockerignore_regex(line.lstrip("!"))))

    def ignored(rel: str) -> bool:
        out = False
        for keep, regex in rules:
            if regex.match(rel):
                out = not keep
        return out

    return ignored


# Bounds of what goes into the image, far past any model's sources (this project's: ~100
# files, under 1 MB; weights baked in: a few GB): `model.build_context: /` or a home
# directory stops within seconds with why, instead of hashing every file of the disk (for
# hours, /proc included) before docker would send them all to the builder.
MAX_CONTEXT_FILES = 100_000
MAX_CONTEXT_BYTES = 20 * 2**30


def binary_size(n: int) -> str:
    """A size as people read it: "12 bytes", "1.5 KiB", "20 GiB" (powers of 1024, three
    significant digits), not 21474836480."""
    if n < 1024:
        return f"{n} bytes"
    units = ((4, "TiB"), (3, "GiB"), (2, "MiB"), (1, "KiB"))
    power, unit = next((p, u) for p, u in units if n >= 1024**p)
    return f"{n / 1024**power:.3g} {unit}"


class ContextTooLarge(ValueError):
    """The build context holds more than a model image would (said by key by the caller)."""


def _too_large(root: Path, what: str) -> ContextTooLarge:
    return ContextTooLarge(
        f"{root} holds more than {what} that would go into the image, far more than a model's "
        "sources: point model.build_context at the directory with the Dockerfile (the "
        "default is model), or leave what the image does not need out with a .dockerignore "
        "there (its files are not counted)"
    )


def _context_files(root: Path) -> list[tuple[Path, os.stat_result]]:
    """The files that go into the build, with their stat, counted and their sizes added up
    as they are found (see context_hash). An entry the system refuses (/proc/1/cwd, for `/`;
    a directory it will not list, which os.walk would skip in silence) is raised only once
    the walk is done within the bounds: past them, the context is too large whatever it
    holds, and that is what the user has to change. What .dockerignore leaves out is not
    looked at."""
    ignored = dockerignore(root)
    out: list[tuple[Path, os.stat_result]] = []
    refused: OSError | None = None
    size = 0

    def unlisted(err: OSError) -> None:  # a directory os.walk cannot list: Docker would fail
        nonlocal refused
        where = Path(err.filename) if err.filename else root
        if where == root or not ignored(where.relative_to(root).as_posix()):
            refused = refused or err

    # not into linked directories, as rglob
    for folder, dirs, names in os.walk(root, onerror=unlisted):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in names:
            path = Path(folder, name)
            if name.startswith(".") or path.suffix in (".pyc", ".pyo"):
                continue
            if ignored(path.relative_to(root).as_posix()):  # before a stat: Docker takes none
                continue
            try:
                if not path.is_file():
                    continue
                stat = path.stat()
            except OSError as err:
                refused = refused or err
                continue
            out.append((path, stat))
            size += stat.st_size
            if len(out) > MAX_CONTEXT_FILES:
                raise _too_large(root, f"{MAX_CONTEXT_FILES} files")
            if size > MAX_CONTEXT_BYTES:
                raise _too_large(root, binary_size(MAX_CONTEXT_BYTES))
    if refused is not None:
        raise refused
    return sorted(out, key=lambda found: found[0])


def context_hash(build_context: str | Path) -> str:
    """sha256 over (relative path, mode bit x, bytes) of every file that goes into the build
    (the context minus what its .dockerignore leaves out: a README edit rebuilds nothing and
    rolls out nothing); 12 hex chars. ContextTooLarge past MAX_CONTEXT_FILES or
    MAX_CONTEXT_BYTES, before reading any file, and before an entry it cannot read."""
    root = Path(build_context)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: model build context not found (model.build_context)")
    h = hashlib.sha256()
    for path, stat in _context_files(root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(b"x" if stat.st_mode & 0o111 else b"-")
        with path.open("rb") as f:  # in blocks: a file of weights is not held in memory
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()[:12]


# The tag of every image deploy builds: ``src-<content hash>`` (the repository's lifecycle
# policy expires the older ones by this prefix, resources/ecr.py).
TAG_PREFIX = "src-"


def image_tag(build_context: str | Path) -> str:
    return f"{TAG_PREFIX}{context_hash(build_context)}"


def image_uri(names: Names, tag: str) -> str:
    return f"{names.ecr_registry}/{names.ecr_repository}:{tag}"


# The only manifest media type SageMaker's CreateModel accepts. An OCI image index (what
# Docker 29 with the containerd image store pushes by default, with a provenance attestation)
# or an OCI manifest are refused: "Unsupported manifest media type ... Ensure that valid
# manifest media type is used for specified image."
DOCKER_V2_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
PLATFORM = "linux/amd64"  # SageMaker's CPU instances and serverless endpoints


def has_buildx() -> bool:
    """Whether the docker client has the buildx plugin (GitHub's runners, Docker Desktop)."""
    try:
        proc = subprocess.run(["docker", "buildx", "version"], capture_output=True, check=False)
    except FileNotFoundError:
        return False
    return proc.returncode == 0


def build_network() -> str | None:
    """``host`` on an engine without a bridge network (started with --bridge=none, as on the
    developers' machines): there a build step reaches PyPI only through the host's network."""
    try:
        proc = subprocess.run(
            ["docker", "network", "inspect", "bridge"], capture_output=True, check=False
        )
    except FileNotFoundError:
        return None
    return "host" if proc.returncode != 0 else None


def build_commands(
    uri: str,
    build_context: str,
    buildx: bool,
    build_args: dict[str, str] | None = None,
    network: str | None = None,
) -> list[list[str]]:
    """The commands that build ``linux/amd64`` and push a Docker v2 schema 2 manifest.

    buildx: no provenance or SBOM attestation (either would make the push an image index) and
    ``oci-mediatypes=false``, pushed by the build itself. Without buildx (the legacy builder,
    as on Debian's docker.io): ``docker build`` + ``docker push``, which pushes a v2 schema 2
    manifest from the classic image store.
    """
    extra = [arg for k, v in (build_args or {}).items() for arg in ("--build-arg", f"{k}={v}")]
    if network:
        extra += ["--network", network]
    if buildx:
        output = f"type=image,name={uri},push=true,oci-mediatypes=false"
        if re.match(r"(localhost|127\.[0-9.]+)(:\d+)?/", uri):  # a local test registry: HTTP
            output += ",registry.insecure=true"
        return [
            [
                "docker",
                "buildx",
                "build",
                "--platform",
                PLATFORM,
                "--provenance=false",
                "--sbom=false",
                "--output",
                output,
                *extra,
                build_context,
            ],
        ]
    return [
        # --force-rm: the legacy builder keeps a failed step's container otherwise.
        ["docker", "build", "--force-rm", "--platform", PLATFORM, *extra, "-t", uri, build_context],
        ["docker", "push", uri],
    ]


def push_image(
    uri: str,
    build_context: str,
    log: Callable[[str], None],
    build_args: dict[str, str] | None = None,
    buildx: bool | None = None,
) -> None:
    """Build and push ``uri`` the way ``deploy apply`` does (any registry logged in to)."""
    buildx = has_buildx() if buildx is None else buildx
    log(
        f"    building {PLATFORM} with "
        + ("buildx (no attestations, Docker media types)" if buildx else "the legacy builder")
    )
    for cmd in build_commands(uri, build_context, buildx, build_args, build_network()):
        run_subprocess(cmd, log)


def push_commands(uri: str, build_context: str | Path) -> list[list[str]]:
    """The commands `apply` will run for this machine's docker (read when the plan is made, so
    the plan shows them): buildx when the client has it, else the legacy builder."""
    return build_commands(uri, str(build_context), has_buildx(), None, build_network())


def describe_build(commands: list[list[str]]) -> str:
    """What `build_and_push` runs, as the plan shows it."""
    return "; ".join(["docker login (ECR token)", *(" ".join(c) for c in commands)])


def build_and_push(aws: Aws, commands: list[list[str]], log: Callable[[str], None]) -> None:
    """Log in to ECR with a short-lived token, then run the planned build and push commands."""
    token = aws.client("ecr").get_authorization_token()["authorizationData"][0]
    user, password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)
    registry = token["proxyEndpoint"].removeprefix("https://")
    run_subprocess(
        ["docker", "login", "--username", user, "--password-stdin", registry],
        log,
        stdin=password.encode(),
    )
    for cmd in commands:
        run_subprocess(cmd, log)


def run_subprocess(cmd: list[str], log: Callable[[str], None], stdin: bytes | None = None) -> None:
    """Run a command, failing with its output (used for docker)."""
    log("    $ " + " ".join(cmd))
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise DeployError(
            f"{cmd[0]} not found: building the model image needs Docker; install it, or pass "
            "--image URI (a prebuilt image) to plan/apply"
        ) from None
    if proc.returncode != 0:
        said = failed_output(
            proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
        )
        raise DeployError(f"`{' '.join(cmd[:3])} ...` failed ({proc.returncode}): {said}")


def failed_output(stdout: str, stderr: str) -> str:
    """What a failed docker command said, both streams (the last 2000 characters of each):
    docker's legacy builder writes a step's own output (compileall's SyntaxError, pip's
    error) to stdout, and only "The command ... returned a non-zero code" to stderr. Also
    devstack's docker client (devstack/model_container.py)."""
    return "\n".join(text.strip()[-2000:] for text in (stdout, stderr) if text.strip())


def ecr_image_ref(uri: str) -> tuple[str, str, dict[str, str]] | None:
    """(registry id, repository, imageId) of an ECR image URI; None when not ECR."""
    m = re.fullmatch(
        r"(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/([^:@]+)(?:(:|@)(.+))?", uri
    )
    if not m:
        return None
    registry, repo, sep, ref = m.groups()
    if sep == "@":
        return registry, repo, {"imageDigest": ref}
    return registry, repo, {"imageTag": ref or "latest"}


def pinned_uri(aws: Aws, uri: str) -> str | None:
    """``uri`` by digest (``registry/repository@sha256:…``) when ECR has that image; None when
    it does not (not pushed yet, or not an ECR image). A tag can move; a digest cannot, so the
    environments are given the very image staging was smoke-tested with."""
    ref = ecr_image_ref(uri)
    if ref is None:
        return None
    registry, repo, image_id = ref
    if "imageDigest" in image_id:
        return uri
    try:
        found = aws.read(
            "ecr", "DescribeImages", registryId=registry, repositoryName=repo, imageIds=[image_id]
        )
    except botocore.exceptions.ClientError as err:
        if err.response.get("Error", {}).get("Code") != "AccessDeniedException":
            raise
        found = None  # another account's registry: used by name, as given
    details = (found or {}).get("imageDetails") or []
    if not details or not details[0].get("imageDigest"):
        return None
    return f"{uri.split('/', 1)[0]}/{repo}@{details[0]['imageDigest']}"


def image_digest(aws: Aws, uri: str) -> str | None:
    """The ``sha256:…`` ECR has ``uri`` (a tag or a digest) as now; None when it cannot say."""
    pinned = pinned_uri(aws, uri)
    return pinned.rsplit("@", 1)[1] if pinned else None


def manifest_problem(uri: str, media_type: str | None) -> str | None:
    """Why SageMaker would refuse ``uri`` with this manifest media type (None: it will not)."""
    if media_type in (None, DOCKER_V2_MANIFEST):
        return None
    return (
        f"{uri} has the manifest media type {media_type}; SageMaker's CreateModel accepts "
        f"only {DOCKER_V2_MANIFEST} (Docker v2 schema 2). Rebuild and push it with `docker "
        "buildx build --platform linux/amd64 --provenance=false --sbom=false --output "
        "type=image,name=URI,push=true,oci-mediatypes=false` (what `deploy apply` does when "
        "it builds), or with the legacy builder (`DOCKER_BUILDKIT=0 docker build` + `docker "
        "push`); then pass the new tag with --image"
    )


# How many built images the repository keeps (the newest by push time; resources/ecr.py's
# lifecycle policy expires older ones). Here, not in resources/ecr.py, which imports this
# module: the messages below name it too, and every one reads it through `kept_images`.
KEEP_IMAGES = 20


def kept_images() -> str:
    """What the repository keeps, as messages say it (read when said: it follows the constant)."""
    return f"the {KEEP_IMAGES} newest built images"


# ECR's answers for an image that does not exist (DescribeImages).
IMAGE_MISSING = ("ImageNotFoundException", "RepositoryNotFoundException")
# The second one: the whole repository is missing, not an image in it. The lifecycle policy
# (resources/ecr.py) expires images only, so this is never a tag aged out of those kept.
REPOSITORY_MISSING = "RepositoryNotFoundException"


def create_repository_command(env: str | None = None) -> str:
    """The command that creates the project's ECR repository when it is missing (and builds
    and pushes the image of model/ into it): `Engine.ensure_image`. apply creates it too."""
    return "python -m deploy image" + (f" --env {env}" if env else "")


def repository_missing(uri: str, project_repository: str = "", env: str | None = None) -> str:
    """Why ECR has no image ``uri`` when it answers RepositoryNotFoundException, and how to fix
    it: the repository itself does not exist where the URI points (not an image expired by the
    lifecycle policy). ``project_repository``: this project's (`Names.ecr_repository`), which
    deploy creates; another one is its owner's to create ("": unknown, both are said)."""
    ref = ecr_image_ref(uri)
    account, repo = (ref[0], ref[1]) if ref else ("?", uri)
    registry = ECR_REGISTRY_RE.fullmatch(uri.split("/", 1)[0])
    region = registry["region"] if registry else "?"
    said = (
        f"the ECR repository {repo} itself does not exist in account {account}, {region} (not "
        "an image expired by the repository's lifecycle policy, which never deletes the "
        "repository): the wrong account or region, never created there, or deleted (by hand, or "
        "with its stack by destroy)"
    )
    create = f"`{create_repository_command(env)}` creates it and builds and pushes model/'s image"
    if not project_repository:
        return (
            f"{said}. For this project's own repository, {create}; another repository is "
            f"created by whoever pushes to it (aws ecr create-repository --repository-name {repo})"
        )
    if repo != project_repository:
        return (
            f"{said}. It is not this project's repository ({project_repository}), which deploy "
            f"creates: create {repo} (aws ecr create-repository --repository-name {repo}) and "
            f"push the image to it, or give an image of {project_repository}"
        )
    return f"{said}. {create}"


def repository_created_first(uri: str, env: str | None = None) -> str:
    """Why a prebuilt image cannot be in the repository the plan itself creates (nothing
    pushes into it between the plan's CreateRepository and its CreateModel), and how a first
    deploy gets it there before apply: `deploy image --image` creates the repository as apply
    would and builds nothing; `deploy image` alone builds and pushes model/'s image (what
    deploy.yml runs before its apply); an apply without --image builds and pushes it itself."""
    ref = ecr_image_ref(uri)
    repo = ref[1] if ref else uri
    flag = f" --env {env}" if env else ""
    return (
        f"this plan creates its repository {repo}, so the image cannot be in it yet. Create the "
        f"repository and push the image before apply: `python -m deploy image{flag} --image "
        f"{uri}` creates the repository as apply would (and builds nothing), then push the image "
        f"to it (docker push {uri}, logged in to ECR) and run apply again; or "
        f"`python -m deploy image{flag}` builds and pushes model/'s image and prints its digest "
        f"to pass with --image (as deploy.yml does); or `python -m deploy apply{flag}` without "
        "--image builds and pushes model/'s image itself"
    )


def _describe(
    aws: Aws, ref: tuple[str, str, dict[str, str]]
) -> tuple[dict[str, Any] | None, str, str]:
    """ECR's details of the image ``ref`` (ecr_image_ref's), "" and ""; or None and ECR's error
    code and message."""
    registry, repo, image_id = ref
    try:
        found = aws.client("ecr").describe_images(
            registryId=registry, repositoryName=repo, imageIds=[image_id]
        )
    except botocore.exceptions.ClientError as err:
        return None, error_code(err), error_message(err)
    return (found.get("imageDetails") or [{}])[0], "", ""


def missing_code(aws: Aws, uri: str) -> str | None:
    """ECR's error code when it says the image ``uri`` is not there: ImageNotFoundException
    (its tag expired by the repository's lifecycle policy, or deleted by hand) or
    RepositoryNotFoundException (the whole repository is missing, `repository_missing`);
    None when it is, or cannot tell."""
    ref = ecr_image_ref(uri)
    if ref is None:
        return None
    _, code, _ = _describe(aws, ref)
    return code if code in IMAGE_MISSING else None


def lookup_error(aws: Aws, uri: str) -> tuple[str, str]:
    """("", "") when ECR describes the image ``uri`` (its tag or digest is there); else why
    not: ECR's error code (ImageNotFoundException, RepositoryNotFoundException,
    AccessDeniedException ...) and message. A rollback's image must be seen in ECR before
    anything is switched to it (cli `check-image`)."""
    ref = ecr_image_ref(uri)
    if ref is None:
        return "not an ECR image URI", ""
    details, code, message = _describe(aws, ref)
    return ("", "") if details is not None else (code or "no answer", message)


def unchecked_image(uri: str, code: str, message: str, deploy_role: str, bootstrap: str) -> str:
    """Why ECR could not say whether ``uri`` is there (an error other than its two not-found
    answers), and what to do. Not the lifecycle policy: an image it expired is an
    ImageNotFoundException. ``deploy_role``: the role deploy.yml runs this as; ``bootstrap``:
    the command (and where docs/deploy.md says how) that grants it ecr:DescribeImages."""
    ref = ecr_image_ref(uri)
    repo = ref[1] if ref else uri
    kind = classify_code(code, "ecr", "DescribeImages", message)
    # Expired or unknown credentials: AWS refuses every call, not just this one.
    if kind is ErrorKind.EXPIRED:
        why = (
            "the credentials have expired. In deploy.yml the deploy role's session lasts up to "
            "6 h: re-run the job; locally, get new credentials (e.g. aws sso login) and run it "
            "again"
        )
    elif kind is ErrorKind.UNKNOWN_KEY:
        why = (
            "AWS does not know the credentials' access key (deleted, or from another partition), "
            "or the secret does not match it: "
            f"in deploy.yml they are the deploy role {deploy_role}'s, assumed by OIDC; locally, "
            "use credentials of the project's account"
        )
    elif kind is ErrorKind.DENIED:
        why = (
            f"the credentials may not call ecr:DescribeImages on the repository {repo}. In "
            f"deploy.yml they are the deploy role {deploy_role}'s, which {bootstrap} grants "
            "it: if the role is behind this commit or was changed by hand, run that with "
            "administrator credentials, then run the rollback again; locally, use credentials "
            "that may call ecr:DescribeImages"
        )
    elif kind is ErrorKind.THROTTLED:
        why = HINTS[ErrorKind.THROTTLED] + " (re-run the job)"
    else:
        why = HINTS[ErrorKind.OTHER]
    said = f"{code}: {message}" if message else code
    return (
        f"ECR did not say whether {uri} is there ({said}): {why}. Nothing was deployed; the "
        "image may well be there (the lifecycle policy's expired images are "
        "ImageNotFoundException, not this)"
    )


def missing_image_warning(
    aws: Aws,
    uri: str,
    project_repository: str = "",
    env: str | None = None,
    switch_to: str | None = None,
) -> str | None:
    """Plan's warning when ECR says the deployed model's prebuilt image ``uri`` is not there
    (its tag or repository deleted by hand, or expired by the lifecycle policy): the endpoint
    still serves on the instances it has, which pulled it long ago, so nothing else shows it
    until SageMaker needs a new one. (A model still to be created is stopped by apply's check
    before CreateModel.) ``switch_to``: the endpoint the plan switches to a config of that
    existing model (`apply --image` of the config kept for rollback): its new instances
    would pull the image, so the warning says the switch cannot work (apply refuses it)."""
    code = missing_code(aws, uri)
    if code is None:
        return None
    if switch_to:
        return gone_switch(uri, code, switch_to)
    if code == REPOSITORY_MISSING:
        fix = sentence(repository_missing(uri, project_repository, env))
    else:
        fix = "Push it again, or build and push a new one with python -m deploy image and apply "
        fix += "that digest"
    return (
        f"the model's image {uri} is not in ECR ({code}): the endpoint keeps serving on the "
        "instances it has, but SageMaker cannot start new instances with it (autoscaling, an "
        "unhealthy instance replaced, a Failed endpoint re-created), and an apply that creates "
        f"a model stops before CreateModel. {fix}"
    )


def missing_new_image_warning(
    aws: Aws,
    uri: str,
    project_repository: str = "",
    env: str | None = None,
    repository_created: bool = False,
) -> str | None:
    """Plan's warning, and apply's refusal before any change, when the prebuilt image ``uri``
    (`--image`, `model.image`) of a model this plan creates is not in ECR: apply's check before
    CreateModel (`check_manifest_media_type`) would stop it only there, after the changes
    ordered before it (a first deploy's roles, Lambda, log groups). A read call only
    (DescribeImages): plan runs as the read-only role. None when ECR has it or cannot say
    (apply's check says what then). ``repository_created``: the plan creates the image's
    repository (this project's, on a first deploy), so the image cannot be in it yet: nothing
    pushes into it between the plan's CreateRepository and its CreateModel."""
    code = missing_code(aws, uri)
    if code is None:
        return None
    if code == REPOSITORY_MISSING and repository_created:
        why = repository_created_first(uri, env)
    elif code == REPOSITORY_MISSING:
        why = repository_missing(uri, project_repository, env)
    else:
        flag = f" --env {env}" if env else ""
        why = (
            "no such tag or digest: a typo, never pushed, or expired by the lifecycle policy "
            f"(it keeps {kept_images()}). `python -m deploy status{flag}` names the image "
            "serving and the one kept for rollback; an expired one comes back by a git revert "
            'of the change on main (docs/rolling-back.md, "Rolling back"); a new one: '
            f"python -m deploy image{flag}, then plan that digest"
        )
    return (
        f"{uri} is not in ECR ({code}): this plan creates a model of it, which SageMaker "
        "cannot create without the image: apply refuses it before any change (its image check "
        f"before CreateModel would stop it only after the changes ordered before it). "
        f"{sentence(why)}"
    )


def gone_switch(uri: str, code: str, endpoint: str) -> str:
    """Why a switch to an existing model whose image ECR no longer has cannot work, and the
    way back that still does (docs/rolling-back.md)."""
    return (
        f"the model's image {uri} is not in ECR ({code}): this plan switches endpoint "
        f"{endpoint} to a config of that model, and SageMaker starts it on new instances, which "
        "pull the image from ECR: they cannot, and the switch would fail after the minutes a "
        f"new fleet takes, the current config still serving (the repository keeps "
        f"{kept_images()}; status says when the kept one is gone). apply refuses it. A git revert "
        "on main still goes back (its deploy builds the same src-<hash> tag again), or push the "
        'image again: docs/rolling-back.md, "Rolling back"'
    )


def check_manifest_media_type(
    aws: Aws,
    uri: str,
    log: Callable[[str], None],
    project_repository: str = "",
    env: str | None = None,
) -> None:
    """Refuse, before CreateModel, an ECR image that is not there or whose manifest SageMaker
    would reject.

    An image ECR says does not exist (never pushed, or deleted with its repository by
    ``destroy``) stops here with what to do: SageMaker's own "Requested image ... not found"
    would come with a hint about config.yaml's values. One ECR cannot describe for another
    reason (another account's, no permission) is left to CreateModel; the log says so.
    """
    ref = ecr_image_ref(uri)
    if ref is None:
        log(f"    {uri}: not in ECR, manifest media type not checked")
        return
    details, code, _ = _describe(aws, ref)
    if details is None:
        if code == REPOSITORY_MISSING:
            raise DeployError(
                f"{uri} is not in ECR ({code}): {repository_missing(uri, project_repository, env)}"
            ) from None
        if code in IMAGE_MISSING:
            raise DeployError(
                f"{uri} is not in ECR ({code}): it was never pushed, or the repository's "
                f"lifecycle policy expired it (it keeps {kept_images()}), or it was "
                "deleted with its repository (destroy removes it). Going back to an expired "
                "image: a git revert of the change on main (its deploy builds the same "
                'src-<hash> tag again; docs/rolling-back.md, "Rolling back"). Another image: '
                "build and push it with python -m deploy image and apply that digest (apply "
                "without --image builds model/ as this checkout has it)."
            ) from None
        log(f"    {uri}: ECR did not describe it ({code}); manifest media type not checked")
        return
    problem = manifest_problem(uri, details.get("imageManifestMediaType"))
    if problem:
        raise DeployError(problem)
