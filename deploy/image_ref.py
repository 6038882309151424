"""What an image reference given to deploy (``--image``, ``model.image``) must look like,
checked before any AWS call. Pure (no boto3): config.yaml's validation uses it, and reading the
config (every workflow step's ``ci_settings.py``) should not import an AWS SDK."""

from __future__ import annotations

import re

# An image reference as Docker reads it, with the registry and a tag or digest required: a
# bare name (`nope`) would mean Docker Hub's `library/nope:latest`, which SageMaker cannot pull.
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_REF_RE = re.compile(
    rf"(?P<registry>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d+)?)"
    rf"/(?P<repository>{_PATH_PART}(?:/{_PATH_PART})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)
ECR_REGISTRY_RE = re.compile(r"\d{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com")


def image_problem(uri: str, region: str) -> str | None:
    """Why ``uri`` (--image, model.image) cannot be the model's image, checked before any AWS
    call; None when it can. SageMaker pulls the image from ECR, and only from the model's own
    region's (a private registry needs VPC access mode, which deploy does not set up)."""
    example = f"123456789012.dkr.ecr.{region}.amazonaws.com/trends-anomaly:v1"
    m = IMAGE_REF_RE.fullmatch(uri)
    if not m or not (m["tag"] or m["digest"]):
        return (
            f"{uri!r} is not an image reference: expected <registry>/<repository>:<tag> or "
            f"<registry>/<repository>@sha256:<64 hex digits> (lowercase repository), e.g. {example}"
        )
    if "amazonaws.com" not in m["registry"]:
        # CreateModel pulls from ECR (ImageConfig RepositoryAccessMode "Platform", what deploy
        # sets by leaving it out); another registry needs "Vpc" mode and a VPC that reaches it.
        return (
            f"{uri!r} is not in Amazon ECR ({m['registry']!r}): SageMaker pulls a model's image "
            f"from ECR in the model's region. Push it there (e.g. {example}), or leave "
            "model.image unset and deploy builds and pushes the image from model/"
        )
    ecr = ECR_REGISTRY_RE.fullmatch(m["registry"])
    if not ecr:
        return (
            f"{uri!r}: {m['registry']!r} is not an ECR registry: expected "
            f"<12-digit account>.dkr.ecr.<region>.amazonaws.com, e.g. {example}"
        )
    if ecr["region"] != region:
        return (
            f"{uri!r} is in ECR of {ecr['region']}, but the endpoint is in {region}: SageMaker "
            f"pulls only from its own region's ECR; push the image to {region} (or change region)"
        )
    return None


def project_image_problem(uri: str, region: str, repository: str, account: str = "") -> str | None:
    """Why ``uri`` cannot be a rollback's image (deploy.yml's workflow_dispatch), checked before
    any AWS call; None when it can. Stricter than `image_problem`: a rollback goes back to an
    image this project built, so it must be in the project's own ECR repository (``repository``,
    `Names.ecr_repository`) of ``account`` (when known: "" skips it) in ``region``, by one tag
    or one digest (``repo:tag@sha256:…`` is ambiguous: which of the two was meant?)."""
    problem = image_problem(uri, region)
    if problem:
        return problem
    m = IMAGE_REF_RE.fullmatch(uri)
    assert m is not None  # image_problem accepted it
    expected = f"{account or '<account>'}.dkr.ecr.{region}.amazonaws.com/{repository}"
    if m["tag"] and m["digest"]:
        return (
            f"{uri!r} names both a tag and a digest: give one, {expected}@sha256:<digest> or "
            f"{expected}:<tag> (what `python -m deploy status` prints)"
        )
    registry_account = m["registry"].split(".", 1)[0]
    if account and registry_account != account:
        return (
            f"{uri!r} is in the ECR of account {registry_account}, but this project deploys to "
            f"account {account}: expected {expected}@sha256:<digest> or {expected}:<tag>"
        )
    if m["repository"] != repository:
        return (
            f"{uri!r} is in the ECR repository {m['repository']!r}, not this project's "
            f"{repository!r}: expected {expected}@sha256:<digest> or {expected}:<tag> (what "
            "`python -m deploy status` prints)"
        )
    return None


_ACCOUNT_RE = re.compile(r"(?:arn:aws[a-z-]*:iam::)?(?P<account>\d{12})(?::[\w+=,.@/-]+)?")


def account_of(text: str) -> str:
    """The 12-digit account of ``text``: an account id, or a role ARN (the workflows know the
    deploy role's ARN, AWS_DEPLOY_ROLE_ARN, before they have any credentials)."""
    m = _ACCOUNT_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(
            f"{text!r} is neither a 12-digit AWS account id nor an IAM role ARN "
            "(arn:aws:iam::<account>:role/<name>)"
        )
    return m["account"]


def spelled_digest(uri: str) -> str | None:
    """The ``sha256:…`` a reference names its image by; None for one by tag alone."""
    m = IMAGE_REF_RE.fullmatch(uri)
    return m["digest"] if m else None


def repository_of(uri: str) -> str | None:
    """``registry/repository`` of a reference, without its tag or digest (None: not one)."""
    m = IMAGE_REF_RE.fullmatch(uri)
    return f"{m['registry']}/{m['repository']}" if m else None
