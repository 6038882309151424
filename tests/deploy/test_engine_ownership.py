"""Destroy deletes only what this project made: a resource found by the stack's names that
does not carry its ``project`` tag (made by hand or by other tooling) is left, and said so;
apply neither deletes nor takes one over.
Against the moto server, through the CLI as an operator runs it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deploy.cli import main
from deploy.naming import VARIANT
from deploy.resources import iam
from tests.deploy.deploy_helpers import (
    ENVIRONMENTS,
    IMAGE,
    IMAGE2,
    PROJECT,
    image_in_ecr,
    inventory,
    on_every_session,
    push_fake_image,
    session,
    shared_engine,
)
from tests.support.aws_clock import CLOCK, DELAYS

pytestmark = pytest.mark.usefixtures("aws_env")
ROLE = f"{PROJECT}-sagemaker"
TRUST = iam.service_trust("sagemaker.amazonaws.com")
FUNCTION = f"{PROJECT}-detect"
LAMBDA_GROUP = f"/aws/lambda/{FUNCTION}"


def _hand_made_role(path: str = "/elsewhere/") -> str:
    """A role someone made by hand with the stack's role name, no tags; its ARN."""
    iam_client = session().client("iam")
    made = iam_client.create_role(
        RoleName=ROLE, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    return made["Role"]["Arn"]


def _role_exists() -> bool:
    iam_client = session().client("iam")
    try:
        iam_client.get_role(RoleName=ROLE)
    except iam_client.exceptions.NoSuchEntityException:
        return False
    return True


def test_a_hand_made_role_with_the_stacks_name_is_not_destroyed(project: Path, capsys) -> None:
    """The plan said "run `destroy --yes`, then `apply`" of an untagged role at another path,
    and destroy then deleted it: a role this project never made."""
    arn = _hand_made_role()
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "plan"]) == 1  # stopped before any change
    said = " ".join(capsys.readouterr().err.split())
    assert "IAM cannot change a role's path: run `destroy --yes`" not in said, said
    for words in (
        f"IAM role {ROLE} ({arn}, path /elsewhere/) does not carry this project's tag",
        "IAM role names are unique in an account whatever the path",
        "give this stack other names (`project:`, or the environment's name",
        f"aws iam tag-role --role-name {ROLE} --tags Key=project,Value={PROJECT}",
    ):
        assert words in said, said
    summary = project / "destroy.json"
    assert main(["--config", cfg, "destroy", "--yes", "--summary-json", str(summary)]) == 1
    said = capsys.readouterr()
    out = " ".join(said.out.split())
    assert _role_exists(), "destroy deleted a role this project did not create"
    assert said.err.startswith("error: 1 resource with this stack's names were left"), said
    assert f"delete iam_role {ROLE}" not in out, out
    assert f"Kept IAM role {ROLE} ({arn}): it does not carry this project's tag" in out, out
    written = json.loads(summary.read_text())
    assert any(ROLE in line for line in written["kept"]), written


def _someone_elses_role() -> str:
    """A role of another name, for what a hand-made function or model runs as (once IAM
    has propagated it: the test server's clock moved past that)."""
    trust = iam.document(
        *(
            iam.service_trust(f"{service}.amazonaws.com")["Statement"][0]
            for service in ("sagemaker", "lambda")
        )
    )
    made = (
        session()
        .client("iam")
        .create_role(RoleName="someone-else", AssumeRolePolicyDocument=json.dumps(trust))
    )
    CLOCK.sleep(DELAYS.role_assume_s + DELAYS.role_policy_s + 1)
    return made["Role"]["Arn"]


def _someone_elses_image() -> str:
    """An image in another repository of the account (this stack's would be observed)."""
    push_fake_image("someone-else", "v1")
    return "123456789012.dkr.ecr.us-east-1.amazonaws.com/someone-else:v1"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _endpoint_with_autoscaling() -> None:
    """An endpoint with the stack's name on another's config and model (names this stack's
    do not match: not observed), its variant registered with Application Auto Scaling."""
    sm = session().client("sagemaker")
    sm.create_model(
        ModelName="someone-model",
        ExecutionRoleArn=_someone_elses_role(),
        PrimaryContainer={"Image": _someone_elses_image()},
    )
    variant = {
        "VariantName": VARIANT,
        "ModelName": "someone-model",
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    }
    sm.create_endpoint_config(EndpointConfigName="someone-config", ProductionVariants=[variant])
    sm.create_endpoint(EndpointName=PROJECT, EndpointConfigName="someone-config")
    session().client("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=f"endpoint/{PROJECT}/variant/{VARIANT}",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=2,
    )


def _config_and_model(sm_kind: str) -> None:
    sm = session().client("sagemaker")
    model = f"{PROJECT}-m-0123abcd" if sm_kind == "model" else "someone-model"
    sm.create_model(
        ModelName=model,
        ExecutionRoleArn=_someone_elses_role(),
        PrimaryContainer={"Image": _someone_elses_image()},
    )
    if sm_kind == "config":
        variant = {"VariantName": VARIANT, "ModelName": model, "ServerlessConfig": SERVERLESS}
        sm.create_endpoint_config(
            EndpointConfigName=f"{PROJECT}-c-0123abcd", ProductionVariants=[variant]
        )


SERVERLESS = {"MemorySizeInMB": 2048, "MaxConcurrency": 1}
# kind: (make it by hand, untagged; is it still there; its `Kept` line starts)
HAND_MADE: dict[str, tuple[Callable[[], object], Callable[[], bool], str]] = {
    "ecr_repository": (
        lambda: session().client("ecr").create_repository(repositoryName=PROJECT),
        lambda: (
            PROJECT
            in [
                r["repositoryName"]
                for r in session().client("ecr").describe_repositories()["repositories"]
            ]
        ),
        f"Kept ECR repository {PROJECT} (arn:aws:ecr:",
    ),
    "lambda_function": (
        lambda: (
            session()
            .client("lambda")
            .create_function(
                FunctionName=FUNCTION,
                Runtime="python3.11",
                Role=_someone_elses_role(),
                Handler="handler.handler",
                Code={"ZipFile": _zip()},
            )
        ),
        lambda: (
            FUNCTION
            in [f["FunctionName"] for f in session().client("lambda").list_functions()["Functions"]]
        ),
        f"Kept Lambda function {FUNCTION} (arn:aws:lambda:",
    ),
    "sagemaker_model": (
        lambda: _config_and_model("model"),
        lambda: bool(
            session().client("sagemaker").list_models(NameContains=f"{PROJECT}-m-")["Models"]
        ),
        f"Kept SageMaker model {PROJECT}-m-0123abcd (arn:aws:sagemaker:",
    ),
    "endpoint_config": (
        lambda: _config_and_model("config"),
        lambda: bool(
            session()
            .client("sagemaker")
            .list_endpoint_configs(NameContains=f"{PROJECT}-c-")["EndpointConfigs"]
        ),
        f"Kept SageMaker endpoint config {PROJECT}-c-0123abcd (arn:aws:sagemaker:",
    ),
    "endpoint": (
        _endpoint_with_autoscaling,
        lambda: (
            bool(session().client("sagemaker").list_endpoints()["Endpoints"])
            and bool(
                session()
                .client("application-autoscaling")
                .describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
            )
        ),
        f"Kept SageMaker endpoint {PROJECT} (arn:aws:sagemaker:",
    ),
}


@pytest.mark.parametrize("kind", sorted(HAND_MADE))
def test_destroy_leaves_every_kind_this_project_tags_when_it_creates_it(
    project: Path, capsys, kind: str
) -> None:
    """Each of these kinds is created with its tags in the create call itself, so one without
    the project's tag was made by someone else (here: by hand, with the stack's name).
    Destroy deleted it; an endpoint's autoscaling was deregistered too."""
    make, exists, kept = HAND_MADE[kind]
    make()
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    code = main(["--config", cfg, "destroy", "--yes"])
    out = " ".join(capsys.readouterr().out.split())
    assert exists(), f"destroy deleted a {kind} this project did not create: {out}"
    assert kept in out and "it does not carry this project's tag" in out, out
    assert code == 1


def test_an_untagged_log_group_of_the_stacks_function_is_the_stacks(project: Path, capsys) -> None:
    """Lambda makes `/aws/lambda/<function>` untagged when the function logs and the group is
    missing (deleted by hand, or by a destroy racing a last request), and stacks from before
    the engine made log groups have untagged ones: its name is the function's, so destroy
    deletes it and ends with 0 rather than keeping it and failing a teardown."""
    logs = session().client("logs")
    logs.create_log_group(logGroupName=LAMBDA_GROUP)
    code = main(["--config", str(project / "config.yaml"), "destroy", "--yes"])
    out = " ".join(capsys.readouterr().out.split())
    assert not logs.describe_log_groups(logGroupNamePrefix=LAMBDA_GROUP)["logGroups"], out
    assert "Kept log group" not in out, out
    assert code == 0, out


def test_destroy_removes_the_stack_and_leaves_only_what_it_did_not_make(
    project: Path, capsys
) -> None:
    """A deployed stack, and beside it a model someone made by hand with a name of the
    stack's pattern: destroy removes every resource of the stack, leaves that model, says
    so and exits 1 (not everything with the stack's names is gone)."""
    shared_engine(project).apply()
    _config_and_model("model")
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "destroy", "--yes"]) == 1
    said = capsys.readouterr()
    assert f"Kept SageMaker model {PROJECT}-m-0123abcd" in said.out, said.out
    assert said.err.startswith("error: 1 resource with this stack's names were left"), said
    left = {kind: names for kind, names in inventory().items() if names}
    assert left == {"models": [f"{PROJECT}-m-0123abcd"]}, left


def _config_exists(name: str) -> bool:
    found = session().client("sagemaker").list_endpoint_configs(NameContains=name)
    return any(c["EndpointConfigName"] == name for c in found["EndpointConfigs"])


def test_apply_leaves_a_hand_made_config_and_model_of_the_stacks_pattern(
    project: Path, capsys
) -> None:
    """Apply deletes the stack's superseded configs (`{stack}-c-<8 hex>`) and their models:
    it deleted one made by hand without the project's tag too, whatever its tags."""
    shared_engine(project).apply()
    _config_and_model("model")
    variant = {
        "VariantName": VARIANT,
        "ModelName": f"{PROJECT}-m-0123abcd",
        "ServerlessConfig": SERVERLESS,
    }
    session().client("sagemaker").create_endpoint_config(
        EndpointConfigName=f"{PROJECT}-c-0123abcd", ProductionVariants=[variant]
    )
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert _config_exists(f"{PROJECT}-c-0123abcd"), f"apply deleted a hand-made config: {out}"
    models = session().client("sagemaker").list_models(NameContains=f"{PROJECT}-m-0123abcd")
    assert models["Models"], f"apply deleted a hand-made model: {out}"
    for kept in (
        f"Kept SageMaker endpoint config {PROJECT}-c-0123abcd (arn:aws:sagemaker:",
        f"Kept SageMaker model {PROJECT}-m-0123abcd (arn:aws:sagemaker:",
    ):
        assert kept in out and "so apply leaves it" in out, out


def _role_at_the_stacks_path() -> None:
    session().client("iam").create_role(
        RoleName=ROLE, Path=f"/{PROJECT}/", AssumeRolePolicyDocument=json.dumps(TRUST)
    )


# kind: (make it by hand, untagged, with the name the stack gives that kind; its tags now;
# the command the refusal gives to adopt it)
TAKEN_OVER: dict[str, tuple[Callable[[], object], Callable[[], dict[str, str]], str]] = {
    "iam_role": (
        _role_at_the_stacks_path,
        lambda: {
            t["Key"]: t["Value"]
            for t in session().client("iam").list_role_tags(RoleName=ROLE)["Tags"]
        },
        f"aws iam tag-role --role-name {ROLE} --tags Key=project,Value={PROJECT}",
    ),
    "ecr_repository": (
        HAND_MADE["ecr_repository"][0],
        lambda: {
            t["Key"]: t["Value"]
            for t in session()
            .client("ecr")
            .list_tags_for_resource(
                resourceArn=f"arn:aws:ecr:us-east-1:123456789012:repository/{PROJECT}"
            )["tags"]
        },
        "aws ecr tag-resource --region us-east-1 --resource-arn "
        f"arn:aws:ecr:us-east-1:123456789012:repository/{PROJECT} "
        f"--tags Key=project,Value={PROJECT}",
    ),
    "lambda_function": (
        HAND_MADE["lambda_function"][0],
        lambda: (
            session()
            .client("lambda")
            .list_tags(Resource=f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}")[
                "Tags"
            ]
        ),
        "aws lambda tag-resource --region us-east-1 --resource "
        f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION} --tags project={PROJECT}",
    ),
    "endpoint": (
        _endpoint_with_autoscaling,
        lambda: {
            t["Key"]: t["Value"]
            for t in session()
            .client("sagemaker")
            .list_tags(ResourceArn=f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{PROJECT}")[
                "Tags"
            ]
        },
        "aws sagemaker add-tags --region us-east-1 --resource-arn "
        f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{PROJECT} "
        f"--tags Key=project,Value={PROJECT}",
    ),
}


@pytest.mark.parametrize("kind", sorted(TAKEN_OVER))
def test_plan_and_apply_stop_on_a_hand_made_resource_with_the_stacks_name(
    project: Path, capsys, kind: str
) -> None:
    """Apply rewrote and tagged a resource made by hand with the name the stack gives its
    kind (after which destroy deleted it): it now stops before any change, says whose it is
    not, and the two ways on (tag it on purpose, or rename the stack)."""
    make, tags, command = TAKEN_OVER[kind]
    make()
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    for argv in (["plan"], ["apply"]):
        code = main(["--config", cfg, *argv, "--image", IMAGE])
        said = capsys.readouterr()
        err = " ".join(said.err.split())
        assert code == 1, (argv, said)
        for words in (
            f"does not carry this project's tag (project={PROJECT}): it was made by hand or "
            "by other tooling, or that tag was removed since",
            "Nothing was changed",
            command,
            "give this stack other names (`project:`, or the environment's name",
        ):
            assert words in err, (argv, err)
    assert "project" not in tags(), f"apply took over a {kind} this project did not create"
    made = [m for m in inventory()["models"] if m.startswith(PROJECT)]
    assert made == [], f"the refused apply created {made}"


def test_image_stops_on_a_hand_made_repository_with_the_stacks_name(project: Path, capsys) -> None:
    """`deploy image` planned the stack's repository alone and tagged a hand-made one."""
    make, tags, command = TAKEN_OVER["ecr_repository"]
    make()
    assert main(["--config", str(project / "config.yaml"), "image"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "does not carry this project's tag" in err and command in err, err
    assert "project" not in tags(), "deploy image took over a repository it did not create"


@pytest.mark.parametrize("deployed", [False, True])
def test_destroy_summary_says_it_left_what_this_project_did_not_make(
    project: Path, deployed: bool
) -> None:
    """Only a hand-made repository of the stack's name: the summary said "nothing to destroy"
    (and, with the stack deployed, "destroyed") while destroy exited 1."""
    if deployed:
        shared_engine(project).apply()
        _config_and_model("model")
    else:
        HAND_MADE["ecr_repository"][0]()
    summary = project / "destroy.json"
    argv = ["--config", str(project / "config.yaml"), "destroy", "--yes"]
    assert main([*argv, "--summary-json", str(summary)]) == 1
    written = json.loads(summary.read_text())
    assert written["status"] == "kept unowned", written
    assert written["error"].startswith("1 resource with this stack's names were left"), written
    assert len(written["kept"]) == 1 and bool(written["removed"]) is deployed, written


IMAGE3 = IMAGE.replace(":test-1", ":test-3")
HAND_CONFIG = f"{PROJECT}-c-0123abcd"


def _models() -> list[str]:
    found = session().client("sagemaker").list_models(NameContains=f"{PROJECT}-m-")["Models"]
    return sorted(m["ModelName"] for m in found)


def _serving_model() -> str:
    sm = session().client("sagemaker")
    config = sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"]
    described = sm.describe_endpoint_config(EndpointConfigName=config)
    return described["ProductionVariants"][0]["ModelName"]


def _hand_made_config_on(model: str) -> None:
    """An endpoint config made by hand (no tags) with a name of the stack's pattern, on one
    of the stack's own models: SageMaker finds a config's model by its name when an
    endpoint is created or updated from it."""
    variant = {"VariantName": VARIANT, "ModelName": model, "ServerlessConfig": SERVERLESS}
    session().client("sagemaker").create_endpoint_config(
        EndpointConfigName=HAND_CONFIG, ProductionVariants=[variant]
    )


def _image_tags(model: str) -> list[str]:
    """The tags in ECR of ``model``'s image (by the reference the model names it with)."""
    image = session().client("sagemaker").describe_model(ModelName=model)["PrimaryContainer"]
    repository, tag = image["Image"].split("/", 1)[1].split(":")
    found = (
        session()
        .client("ecr")
        .describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    )
    return sorted(found["imageDetails"][0]["imageTags"])


def test_apply_keeps_a_superseded_model_a_hand_made_config_uses(project: Path, capsys) -> None:
    """Apply kept the hand-made config (not this project's) but deleted the model it uses as
    superseded: an endpoint made from that config could no longer find its model."""
    shared_engine(project, IMAGE).apply()
    first = _serving_model()
    shared_engine(project, IMAGE2).apply()  # the first generation is now the rollback target
    _hand_made_config_on(first)
    image_in_ecr(project, IMAGE3)
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "apply", "--image", IMAGE3]) == 0  # the first superseded
    out = " ".join(capsys.readouterr().out.split())
    assert _config_exists(HAND_CONFIG), out
    assert first in _models(), f"apply deleted {first}, which {HAND_CONFIG} uses: {out}"
    assert f"delete sagemaker_model {first}" not in out, out
    assert (
        f"Kept SageMaker model {first} (arn:aws:sagemaker:us-east-1:123456789012:model/{first}) "
        f"because SageMaker endpoint config {HAND_CONFIG} (arn:aws:sagemaker:" in out
    ), out
    assert len(_models()) == 3, _models()  # the first (kept), the previous and the new
    # Its image too: the repository's lifecycle policy expired it after enough newer builds,
    # and an endpoint made from the config could then not start. Tagged kept-<model>, which
    # the policy's first rule never expires, and said.
    assert _image_tags(first) == [f"kept-{first}", "test-1"], out
    assert f"update image {IMAGE}" in out, out
    assert f"Its image {IMAGE} is tagged kept-{first} too" in out, out
    capsys.readouterr()
    assert main(["--config", cfg, "plan", "--image", IMAGE3]) == 0  # tagged: nothing to do
    out = " ".join(capsys.readouterr().out.split())
    assert f"update image {IMAGE}" not in out and f"is tagged kept-{first}," in out, out


def _tags_of(repository: str, tag: str) -> list[str]:
    """Every tag in ECR of the image tagged ``tag``."""
    found = (
        session()
        .client("ecr")
        .describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    )
    return sorted(found["imageDetails"][0]["imageTags"])


def _kept_tag_exists(repository: str, tag: str) -> bool:
    ecr = session().client("ecr")
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ecr.exceptions.ImageNotFoundException:
        return False
    return True


def _hand_made_config_on_the_first_model(project: Path) -> tuple[str, str]:
    """The first apply's model, superseded once and used by a hand-made config, with a third
    image in ECR: the next apply of IMAGE3 keeps it. Returns that model and config.yaml's path."""
    shared_engine(project, IMAGE).apply()
    first = _serving_model()
    shared_engine(project, IMAGE2).apply()
    _hand_made_config_on(first)
    image_in_ecr(project, IMAGE3)
    return first, str(project / "config.yaml")


def _first_model_kept_by_a_hand_made_config(project: Path) -> tuple[str, str]:
    """The first apply's model, superseded twice while a hand-made config uses it: kept, and
    its image tagged kept-<model>. Returns that model and config.yaml's path."""
    first, cfg = _hand_made_config_on_the_first_model(project)
    assert main(["--config", cfg, "apply", "--image", IMAGE3]) == 0  # first kept, image tagged
    return first, cfg


def _names_a_kept_tag(ids: list[dict[str, str]]) -> bool:
    return any(i.get("imageTag", "").startswith("kept-") for i in ids)


def _ecr_reads(
    monkeypatch: pytest.MonkeyPatch,
    counted: Callable[[list[dict[str, str]]], bool] = _names_a_kept_tag,
) -> list[str]:
    """The ECR reads of the repository's tags the CLI sends, in order: ListImages, and each
    DescribeImages whose ``imageIds`` are ``counted`` (by default: one naming a kept- tag)."""
    sent: list[str] = []

    def describe(request: Any, **_: Any) -> None:
        if counted(json.loads(request.body)["imageIds"]):
            sent.append("DescribeImages")

    on_every_session(
        monkeypatch,
        ("before-send.ecr.ListImages", lambda **_: sent.append("ListImages")),
        ("before-send.ecr.DescribeImages", describe),
    )
    return sent


def test_keeping_a_models_image_reads_it_in_the_repository_tags_the_plan_lists(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model kept for a hand-made config has its image tagged kept-<model> (or is said to
    have it): `keep_images` sent a DescribeImages of that image for each kept model, although
    the same plan had listed every tag of the repository (ListImages) for the sweep. The image
    and its tags are found in that listing now; the plan says the same."""
    first, cfg = _hand_made_config_on_the_first_model(project)
    capsys.readouterr()
    sent = _ecr_reads(monkeypatch, lambda ids: {"imageTag": "test-1"} in ids)
    assert main(["--config", cfg, "apply", "--image", IMAGE3]) == 0  # first kept, image tagged
    out = " ".join(capsys.readouterr().out.split())
    assert f"Its image {IMAGE} is tagged kept-{first} too" in out, out
    assert _image_tags(first) == [f"kept-{first}", "test-1"], out
    # The DescribeImages is the rollback target's image (`same_as_kept`), not keep_images'.
    assert sent == ["DescribeImages", "ListImages"], sent
    sent.clear()
    assert main(["--config", cfg, "plan", "--image", IMAGE3]) == 0  # tagged: nothing to do
    out = " ".join(capsys.readouterr().out.split())
    assert f"update image {IMAGE}" not in out and f"is tagged kept-{first}," in out, out
    assert sent == ["ListImages"], sent


def test_apply_that_deletes_a_once_kept_model_removes_its_images_kept_tag(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Apply kept a superseded model for a hand-made config and tagged its image kept-<model>
    (never expired); once that config was gone, the next apply deleted the model but left the
    tag, so the image stayed for ever. Its deletion now removes that tag first, shown in the
    plan, and the image keeps its own tag."""
    first, cfg = _first_model_kept_by_a_hand_made_config(project)
    assert _tags_of(PROJECT, "test-1") == [f"kept-{first}", "test-1"]
    session().client("sagemaker").delete_endpoint_config(EndpointConfigName=HAND_CONFIG)
    capsys.readouterr()
    sent = _ecr_reads(monkeypatch)
    assert main(["--config", cfg, "plan", "--image", IMAGE3]) == 2  # changes
    # The tag found in the repository's tags, listed once for the plan: no read of its own.
    assert sent == ["ListImages"], sent
    out = " ".join(capsys.readouterr().out.split())
    assert f"delete sagemaker_model {first}" in out, out
    assert f"▸ run: remove the tag kept-{first} from its image in {PROJECT}" in out, out
    assert main(["--config", cfg, "apply", "--image", IMAGE3]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert first not in _models(), out
    assert not _kept_tag_exists(PROJECT, f"kept-{first}"), out
    assert _tags_of(PROJECT, "test-1") == ["test-1"], out  # only that tag: the image stays


def test_a_kept_tag_that_is_its_images_last_is_left_and_said(project: Path, capsys) -> None:
    """ECR deletes an image with its last tag (and moto too): once the image's own tag was
    removed by hand, removing kept-<model> would delete an image something may still run by
    its digest. The model is deleted; the tag is left, and the plan says how to remove it."""
    first, cfg = _first_model_kept_by_a_hand_made_config(project)
    session().client("sagemaker").delete_endpoint_config(EndpointConfigName=HAND_CONFIG)
    ecr = session().client("ecr")
    ecr.batch_delete_image(repositoryName=PROJECT, imageIds=[{"imageTag": "test-1"}])
    capsys.readouterr()
    assert main(["--config", cfg, "apply", "--image", IMAGE3]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert first not in _models(), out
    assert _tags_of(PROJECT, f"kept-{first}") == [f"kept-{first}"], out
    assert f"remove the tag kept-{first}" not in out, out
    assert (
        f"Left the tag kept-{first} on the image {PROJECT}@sha256:" in out
        and f"--image-ids imageTag=kept-{first}` deletes it" in out
    ), out


def test_destroy_that_deletes_a_once_kept_model_removes_its_images_kept_tag(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An environment's destroy kept its model for a hand-made config and tagged its image,
    in the repository the environments share (which destroy never deletes), kept-<model>;
    once that config was gone, the next destroy deleted the model and left the tag, so the
    image stayed for ever. Now that destroy removes the tag, and only it."""
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    image_in_ecr(project, IMAGE, env="staging")
    argv = ["--config", str(cfg)]
    assert main([*argv, "apply", "--env", "staging", "--image", IMAGE]) == 0
    sm = session().client("sagemaker")
    config = sm.describe_endpoint(EndpointName=f"{PROJECT}-staging")["EndpointConfigName"]
    model = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0][
        "ModelName"
    ]
    hand = f"{PROJECT}-staging-c-0123abcd"
    variant = {"VariantName": VARIANT, "ModelName": model, "ServerlessConfig": SERVERLESS}
    sm.create_endpoint_config(EndpointConfigName=hand, ProductionVariants=[variant])
    assert main([*argv, "destroy", "--yes", "--env", "staging"]) == 1  # the model kept
    assert _tags_of(PROJECT, "test-1") == [f"kept-{model}", "test-1"]
    sm.delete_endpoint_config(EndpointConfigName=hand)
    capsys.readouterr()
    sent = _ecr_reads(monkeypatch)
    assert main([*argv, "destroy", "--yes", "--env", "staging"]) == 0
    # The repository's tags listed once per plan (the one shown, the one run: destroy reads
    # AWS afresh before deleting), the kept tag found there: no read of its own.
    assert sent == ["ListImages", "ListImages"], sent
    out = " ".join(capsys.readouterr().out.split())
    assert model not in _models(), out
    assert not _kept_tag_exists(PROJECT, f"kept-{model}"), out
    assert _tags_of(PROJECT, "test-1") == ["test-1"], out
    assert f"▸ run: remove the tag kept-{model} from its image in {PROJECT}" in out, out


def test_destroy_keeps_a_model_a_hand_made_config_uses(project: Path, capsys) -> None:
    """Destroy kept the hand-made config but deleted the stack's model it uses, as apply did:
    it now keeps that model too, says why, and exits 1 with both in `kept`. It then deleted
    that model's execution role and its image's repository: an endpoint made from the config
    could not assume the role nor pull the image. Both are kept now, and said."""
    shared_engine(project).apply()
    model = _serving_model()
    _hand_made_config_on(model)
    summary = project / "destroy.json"
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "destroy", "--yes", "--summary-json", str(summary)]) == 1
    said = capsys.readouterr()
    out = " ".join(said.out.split())
    assert _models() == [model], f"destroy deleted {model}, which {HAND_CONFIG} uses: {out}"
    assert f"delete sagemaker_model {model}" not in out, out
    assert (
        f"Kept SageMaker model {model} (arn:" in out
        and f"because SageMaker endpoint config {HAND_CONFIG}" in out
    ), out
    # What the kept model needs to make an endpoint: the role it runs as (SageMaker assumes
    # it to pull the image and write logs) and the repository its image is in.
    for words in (
        f"Kept IAM role {ROLE} (arn:aws:iam::123456789012:role/{PROJECT}/{ROLE}) because "
        f"SageMaker model {model} (arn:",
        f"Kept ECR repository {PROJECT} (arn:aws:ecr:us-east-1:123456789012:repository/"
        f"{PROJECT}) because SageMaker model {model} (arn:",
    ):
        assert words in out, out
    assert f"delete iam_role {ROLE}" not in out, out
    assert f"delete ecr_repository {PROJECT}" not in out, out
    # And the image in that repository, which its lifecycle policy could still expire.
    assert _image_tags(model) == [f"kept-{model}", "test-1"], out
    assert f"Its image {IMAGE} is tagged kept-{model} too" in out, out
    left = {kind: names for kind, names in inventory().items() if names}
    assert left == {
        "models": [model],
        "endpoint_configs": [HAND_CONFIG],
        "iam_roles": [ROLE],
        "ecr": [PROJECT],
    }, left
    written = json.loads(summary.read_text())
    assert written["status"] == "kept unowned", written
    assert len(written["kept"]) == 4, written
    assert "4 resources with this stack's names were left" in said.err, said.err


def test_apply_summary_lists_what_it_kept_as_destroys_does(project: Path, capsys) -> None:
    """Apply's `Kept …` lines were in the plan's notes only: --summary-json (what CI's job
    summary reads) did not say it left anything. Now `kept`, in destroy's shape (the lines)."""
    shared_engine(project).apply()
    _config_and_model("model")
    _hand_made_config_on(f"{PROJECT}-m-0123abcd")
    summary = project / "apply.json"
    argv = ["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]
    capsys.readouterr()
    assert main([*argv, "--summary-json", str(summary)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    written = json.loads(summary.read_text())
    assert written["status"] == "applied", written
    assert [line.split(":")[0] for line in written["kept"]] == [
        f"Kept SageMaker endpoint config {HAND_CONFIG} (arn",
        f"Kept SageMaker model {PROJECT}-m-0123abcd (arn",
    ], written["kept"]
    for line in written["kept"]:
        assert "so apply leaves it" in line and " ".join(line.split()) in out, (line, out)


def test_a_hand_made_role_serving_another_region_is_said_kept_once(project: Path) -> None:
    """An untagged role of the stack's name whose policy names another region's resources:
    destroy said it kept it twice (not this project's; serving eu-west-1), in its output and
    in `kept`, as though two roles were left."""
    _hand_made_role()
    policy = iam.document(
        {
            "Effect": "Allow",
            "Action": "sagemaker:InvokeEndpoint",
            "Resource": f"arn:aws:sagemaker:eu-west-1:123456789012:endpoint/{PROJECT}",
        }
    )
    session().client("iam").put_role_policy(
        RoleName=ROLE, PolicyName=f"{PROJECT}-least-privilege", PolicyDocument=json.dumps(policy)
    )
    summary = project / "destroy.json"
    argv = ["--config", str(project / "config.yaml"), "destroy", "--yes"]
    assert main([*argv, "--summary-json", str(summary)]) == 1
    assert _role_exists()
    kept = json.loads(summary.read_text())["kept"]
    assert len(kept) == 1, kept
    for words in (
        f"Kept IAM role {ROLE} (arn:aws:iam::123456789012:role/elsewhere/{ROLE}): it does not "
        "carry this project's tag",
        "Its policy names the resources of eu-west-1 too",
    ):
        assert words in kept[0], kept


def test_a_failed_apply_summary_lists_what_its_plan_kept(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An apply that failed in its steps wrote no `kept`, though its plan (made before any
    step) had said `Kept …` of a hand-made config of the stack's pattern: the job summary of
    a failed deploy said nothing of what it leaves. Once the plan is made, a failure's summary
    has the plan's `kept`; a failure before the plan has none to say (no `kept` key)."""
    from tests.support.refusals import refuse

    shared_engine(project).apply()
    _config_and_model("model")
    _hand_made_config_on(f"{PROJECT}-m-0123abcd")
    image_in_ecr(project, IMAGE2)
    refuse(monkeypatch, "sagemaker", "CreateModel", "AccessDenied", "denied")
    summary = project / "apply.json"
    argv = ["--config", str(project / "config.yaml"), "apply", "--image", IMAGE2]
    capsys.readouterr()
    assert main([*argv, "--summary-json", str(summary)]) == 1
    written = json.loads(summary.read_text())
    assert written["status"] == "failed" and written["stage"] == "actions", written
    assert [line.split(":")[0] for line in written.get("kept", [])] == [
        f"Kept SageMaker endpoint config {HAND_CONFIG} (arn",
        f"Kept SageMaker model {PROJECT}-m-0123abcd (arn",
    ], written


def _tag_by_hand(repository: str, tag: str, new: str) -> None:
    """``new`` put on the image tagged ``tag`` as ECR's "Retagging an image" does (its
    manifest read back, put again under the new tag): what a run before ea23c69, or a
    person, left."""
    ecr = session().client("ecr")
    got = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": tag}])
    image = got["images"][0]
    ecr.put_image(
        repositoryName=repository,
        imageManifest=image["imageManifest"],
        imageManifestMediaType=image["imageManifestMediaType"],
        imageTag=new,
    )


def test_apply_removes_a_kept_tag_whose_model_is_gone_and_only_this_stacks(
    project: Path, capsys
) -> None:
    """A kept-<model> tag whose model no longer exists (deleted by hand, or by a run before
    the deletion removed the tag) was never removed: the lifecycle policy never expires its
    image. Apply now removes it, shown in the plan, the image keeping its own tag; another
    environment's kept- tags in the shared repository (its live model's, and one whose model
    is gone, which is that environment's to sweep) are left as they are."""
    first, cfg = _first_model_kept_by_a_hand_made_config(project)
    sm = session().client("sagemaker")
    sm.delete_endpoint_config(EndpointConfigName=HAND_CONFIG)
    sm.delete_model(ModelName=first)  # by hand: no run of deploy removed its image's tag
    theirs = [f"kept-{PROJECT}-production-m-0123abcd", f"kept-{PROJECT}-staging-m-4567cdef"]
    for tag in theirs:
        _tag_by_hand(PROJECT, "test-2", tag)
    capsys.readouterr()
    assert main(["--config", cfg, "plan", "--image", IMAGE3]) == 2  # changes
    out = " ".join(capsys.readouterr().out.split())
    assert f"▸ run: remove the tag kept-{first} from its image in {PROJECT}" in out, out
    assert f"its model {first} no longer exists" in out, out
    assert all(f"remove the tag {tag}" not in out for tag in theirs), out
    assert main(["--config", cfg, "apply", "--image", IMAGE3]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert not _kept_tag_exists(PROJECT, f"kept-{first}"), out
    assert _tags_of(PROJECT, "test-1") == ["test-1"], out  # only that tag: the image stays
    assert _tags_of(PROJECT, "test-2") == sorted([*theirs, "test-2"]), out
    assert main(["--config", cfg, "plan", "--image", IMAGE3]) == 0  # nothing more to do


def test_an_environments_destroy_removes_its_kept_tags_whose_model_is_gone(
    project: Path, capsys
) -> None:
    """The repository the environments share stays when one is destroyed: a kept- tag of
    that environment's whose model is gone stayed for ever. Its destroy now removes it, and
    leaves the other environment's."""
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    image_in_ecr(project, IMAGE, env="staging")
    argv = ["--config", str(cfg)]
    assert main([*argv, "apply", "--env", "staging", "--image", IMAGE]) == 0
    ours, theirs = f"kept-{PROJECT}-staging-m-0123abcd", f"kept-{PROJECT}-production-m-0123abcd"
    _tag_by_hand(PROJECT, "test-1", ours)
    _tag_by_hand(PROJECT, "test-1", theirs)
    capsys.readouterr()
    assert main([*argv, "destroy", "--yes", "--env", "staging"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"▸ run: remove the tag {ours} from its image in {PROJECT}" in out, out
    assert _tags_of(PROJECT, "test-1") == [theirs, "test-1"], out


def test_a_kept_model_replaced_by_hand_has_its_tag_follow_its_image(project: Path, capsys) -> None:
    """The model kept for a hand-made config, replaced by hand under the same name with
    another image (its tags copied): kept-<model> stayed on the old image, and apply, to tag
    the new one, was refused by ECR (tags are immutable in the repository) and stopped. The
    tag now moves: removed from the old image, then put on the one the model names."""
    first, cfg = _first_model_kept_by_a_hand_made_config(project)
    sm = session().client("sagemaker")
    old = sm.describe_model(ModelName=first)
    tags = sm.list_tags(ResourceArn=old["ModelArn"])["Tags"]
    sm.delete_model(ModelName=first)
    container = {**old["PrimaryContainer"], "Image": IMAGE2}
    sm.create_model(
        ModelName=first,
        PrimaryContainer=container,
        ExecutionRoleArn=old["ExecutionRoleArn"],
        Tags=tags,
    )
    capsys.readouterr()
    assert main(["--config", cfg, "plan", "--image", IMAGE3]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert f"▸ run: remove the tag kept-{first} from its image in {PROJECT}" in out, out
    assert f"its model {first} names another image now" in out, out
    assert f"update image {IMAGE2}" in out, out
    assert f"Its image {IMAGE2} is tagged kept-{first} too (moved from {PROJECT}@sha256:" in out
    assert main(["--config", cfg, "apply", "--image", IMAGE3]) == 0, capsys.readouterr()
    out = " ".join(capsys.readouterr().out.split())
    assert _tags_of(PROJECT, "test-1") == ["test-1"], out
    assert _tags_of(PROJECT, "test-2") == [f"kept-{first}", "test-2"], out
    assert main(["--config", cfg, "plan", "--image", IMAGE3]) == 0  # nothing more to do
