"""The image deploy pushes: Docker v2 schema 2, checked in ECR before CreateModel (on moto)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import botocore.exceptions
import pytest

from deploy.aws import Aws, DeployError
from deploy.image import (
    DOCKER_V2_MANIFEST,
    build_commands,
    ecr_image_ref,
    manifest_problem,
)
from tests.deploy.deploy_helpers import IMAGE, PROJECT, engine, inventory, session
from tests.support.aws_clock import CLOCK

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _push(tag: str, media_type: str) -> str:
    """Put a manifest of ``media_type`` into moto's ECR, as a push would."""
    ecr = session().client("ecr")
    with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
        ecr.create_repository(repositoryName=PROJECT, tags=[{"Key": "project", "Value": PROJECT}])
    if media_type == OCI_INDEX:  # what Docker 29 + containerd store pushes with an attestation
        manifest = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": "sha256:" + "1" * 64,
                    "size": 1000,
                    "platform": {"architecture": "amd64", "os": "linux"},
                },
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": "sha256:" + "2" * 64,
                    "size": 800,
                    "platform": {"architecture": "unknown", "os": "unknown"},
                },
            ],
        }
    else:
        manifest = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {"mediaType": "x", "digest": "sha256:" + "3" * 64, "size": 1},
            "layers": [
                {
                    "mediaType": "y",
                    "digest": "sha256:" + tag.encode().hex()[:64].ljust(64, "0"),
                    "size": 2,
                }
            ],
        }
    ecr.put_image(repositoryName=PROJECT, imageTag=tag, imageManifest=json.dumps(manifest))
    return IMAGE.rsplit(":", 1)[0] + f":{tag}"


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize("media_type", [OCI_INDEX, OCI_MANIFEST])
def test_apply_refuses_an_oci_image_before_create_model(project: Path, media_type: str) -> None:
    uri = _push("oci-1", media_type)
    with pytest.raises(DeployError) as refused:
        engine(project, image=uri).apply()
    message = str(refused.value)
    assert media_type in message and DOCKER_V2_MANIFEST in message
    assert "--provenance=false" in message and "oci-mediatypes=false" in message
    assert inventory()["models"] == [], "refused before CreateModel"


@pytest.mark.usefixtures("aws_env")
def test_apply_says_when_the_images_repository_does_not_exist(project: Path) -> None:
    """An image of a repository that does not exist (a typo, or one deleted): the check said
    "never pushed, or deleted with its repository ... python -m deploy image", which creates
    only this project's repository. It names the missing repository and how to make it."""
    other = IMAGE.replace(f"/{PROJECT}:", "/elsewhere:")
    with pytest.raises(DeployError) as err:
        engine(project, image=other).apply()
    said = str(err.value)
    assert f"{other} is not in ECR (RepositoryNotFoundException)" in said
    assert "ECR repository elsewhere itself does not exist in account 123456789012" in said
    assert f"not this project's repository ({PROJECT})" in said
    assert "aws ecr create-repository --repository-name elsewhere" in said
    names = [m["ModelName"] for m in session().client("sagemaker").list_models()["Models"]]
    assert names == []  # stopped before CreateModel


@pytest.mark.usefixtures("aws_env")
def test_apply_accepts_a_docker_v2_image(project: Path) -> None:
    uri = _push("v2-1", DOCKER_V2_MANIFEST)
    engine(project, image=uri).apply()
    (model,) = inventory()["models"]
    described = session().client("sagemaker").describe_model(ModelName=model)
    assert described["PrimaryContainer"]["Image"] == uri


@pytest.mark.usefixtures("aws_env")
def test_the_moto_stand_in_refuses_oci_as_sagemaker_does(project: Path) -> None:
    """The rule taught to moto (tests/deploy/conftest.py): without the engine's own check,
    CreateModel itself fails with SageMaker's message."""
    uri = _push("oci-2", OCI_INDEX)
    sm = session().client("sagemaker")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = (
        session()
        .client("iam")
        .create_role(RoleName=f"{PROJECT}-sagemaker", AssumeRolePolicyDocument=json.dumps(trust))[
            "Role"
        ]["Arn"]
    )
    CLOCK.sleep(60)  # past IAM's propagation delay, as the test server plays it
    with pytest.raises(botocore.exceptions.ClientError, match="Unsupported manifest media type"):
        sm.create_model(ModelName="m-oci", ExecutionRoleArn=role, PrimaryContainer={"Image": uri})
    sm.create_model(
        ModelName="m-v2",
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": _push("v2-2", DOCKER_V2_MANIFEST)},
    )
    # An ECR image that is not there (never pushed, or its repository destroyed).
    gone = _push("v2-3", DOCKER_V2_MANIFEST).rsplit(":", 1)[0] + ":never-pushed"
    with pytest.raises(botocore.exceptions.ClientError, match=r"Requested image .* not found"):
        sm.create_model(ModelName="m-gone", ExecutionRoleArn=role, PrimaryContainer={"Image": gone})


def test_ecr_references_by_tag_and_by_digest() -> None:
    digest = "sha256:" + "a" * 64
    assert ecr_image_ref(IMAGE) == ("123456789012", PROJECT, {"imageTag": "test-1"})
    assert ecr_image_ref(f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/a/b@{digest}") == (
        "123456789012",
        "a/b",
        {"imageDigest": digest},
    )
    assert ecr_image_ref("public.ecr.aws/x/y:1") is None
    assert ecr_image_ref("127.0.0.1:5000/model:1") is None
    assert manifest_problem(IMAGE, DOCKER_V2_MANIFEST) is None
    assert manifest_problem(IMAGE, None) is None  # nothing known: CreateModel decides


def test_build_commands_push_docker_v2_with_and_without_buildx() -> None:
    uri, ctx = IMAGE, "model"
    (buildx,) = build_commands(uri, ctx, buildx=True, build_args={"BASE_IMAGE": "b"})
    assert buildx[:3] == ["docker", "buildx", "build"]
    assert buildx[3:5] == ["--platform", "linux/amd64"]
    assert "--provenance=false" in buildx and "--sbom=false" in buildx
    assert f"type=image,name={uri},push=true,oci-mediatypes=false" in buildx
    assert buildx[-1] == ctx and "BASE_IMAGE=b" in buildx
    build, push = build_commands(uri, ctx, buildx=False, network="host")
    assert build[:5] == ["docker", "build", "--force-rm", "--platform", "linux/amd64"]
    assert build[5:7] == ["--network", "host"] and build[-3:] == ["-t", uri, ctx]
    assert push == ["docker", "push", uri]
    # A test registry on 127.0.0.1 speaks plain HTTP; ECR never gets that flag.
    (local,) = build_commands("127.0.0.1:5000/m:t", ctx, buildx=True)
    assert (
        "type=image,name=127.0.0.1:5000/m:t,push=true,oci-mediatypes=false,registry.insecure=true"
        in local
    )


@pytest.mark.usefixtures("aws_env")
def test_an_environments_missing_repository_names_the_image_command_with_its_env(
    project: Path,
) -> None:
    """An environment's (or a preview's) apply stopped before CreateModel by a missing
    repository said "`python -m deploy image` creates it": without --env, that command
    refuses a config with environments ("pass --env NAME"). It says --env staging, as plan's
    warning and check-image do."""
    from deploy.config import load_config_file
    from deploy.plan import Check
    from deploy.resources.sagemaker_model import _create, model_spec
    from tests.deploy.deploy_helpers import CONFIG, ENVIRONMENTS

    (project / "config.yaml").write_text(CONFIG + ENVIRONMENTS)
    cfg = load_config_file(project / "config.yaml").select("staging")
    names = cfg.names("123456789012")
    spec = model_spec(cfg, names, IMAGE)  # nothing pushed: no repository at all
    (check,) = [s for s in _create(spec, False) if isinstance(s, Check)]
    with pytest.raises(DeployError) as err:
        check.check(Aws("us-east-1", session()), lambda _line: None)
    assert "`python -m deploy image --env staging` creates it" in str(err.value)
