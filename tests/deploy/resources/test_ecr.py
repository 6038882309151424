"""ECR: the repository, and the image built only when ECR lacks its content-hash tag."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from deploy.aws import DeployError
from deploy.image import KEEP_IMAGES
from deploy.resources import ecr
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import IMAGE, config, execute, inputs, make_aws, names

N = names()
REPO_ARN = "arn:aws:ecr:us-east-1:123456789012:repository/trends-anomaly"
TAGS = [
    {"Key": "managed-by", "Value": "trends-anomaly-gitops"},
    {"Key": "project", "Value": "trends-anomaly"},
]

# What the repository's lifecycle policy must say: the newest images deploy built (tags
# src-<hash>) are kept, older ones expire; images with other tags or none are left alone.
# How many is the one constant deploy/image.py defines (its messages name it too): a literal
# here would fail these tests on a change of KEEP_IMAGES that every message follows.
BUILT_RULE = {
    "description": f"keep the {KEEP_IMAGES} newest images deploy built (src-<hash>), expire older",
    "selection": {
        "tagStatus": "tagged",
        "tagPrefixList": ["src-"],
        "countType": "imageCountMoreThan",
        "countNumber": KEEP_IMAGES,
    },
    "action": {"type": "expire"},
}
# Before it: the images of models kept for a config not made by deploy (tagged kept-<model>),
# which no lower-priority rule may expire (ECR's lifecycle evaluation rules, below).
KEPT_RULE = {
    "rulePriority": 1,
    "description": "never expire an image tagged kept-<model>: a config not made by deploy "
    "uses that model",
    "selection": {
        "tagStatus": "tagged",
        "tagPrefixList": ["kept-"],
        "countType": "imageCountMoreThan",
        "countNumber": 9999,
    },
    "action": {"type": "expire"},
}
POLICY = {"rules": [KEPT_RULE, {"rulePriority": 2, **BUILT_RULE}]}
# The policy every repository got before: the built images' rule alone.
OLD_POLICY = {"rules": [{"rulePriority": 1, **BUILT_RULE}]}


def desired(build: bool = True) -> Desired:
    return Desired.of(ecr.desired(config(), inputs(N, build=build)))


def test_desired_repository_and_image_only_when_building() -> None:
    repo, image = ecr.desired(config(), inputs(N, build=True))
    assert (repo.name, repo.arn, repo.image_tag_mutability) == (
        "trends-anomaly",
        REPO_ARN,
        "IMMUTABLE",
    )
    assert (image.name, image.tag) == (IMAGE, "src-0123456789ab")
    assert len(ecr.desired(config(), inputs(N, build=False))) == 1


def test_observe_repository_and_pushed_tag() -> None:
    aws = make_aws()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "describe_repositories",
            {
                "repositories": [
                    {
                        "repositoryArn": REPO_ARN,
                        "repositoryName": "trends-anomaly",
                        "imageTagMutability": "MUTABLE",
                    }
                ]
            },
            {"repositoryNames": ["trends-anomaly"]},
        )
        stub.add_response("list_tags_for_resource", {"tags": TAGS}, {"resourceArn": REPO_ARN})
        stub.add_response(
            "get_lifecycle_policy",
            {"repositoryName": "trends-anomaly", "lifecyclePolicyText": json.dumps(POLICY)},
            {"repositoryName": "trends-anomaly"},
        )
        stub.add_response(
            "describe_images",
            {"imageDetails": [{"imageTags": ["src-0123456789ab"]}]},
            {"repositoryName": "trends-anomaly", "imageIds": [{"imageTag": "src-0123456789ab"}]},
        )
        repo, image = ecr.observe(aws, N, desired(), World())
    assert repo.image_tag_mutability == "MUTABLE" and repo.tags["project"] == "trends-anomaly"
    assert repo.lifecycle_policy == POLICY
    assert image.name == IMAGE
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "describe_repositories",
            {"repositories": [{"repositoryArn": REPO_ARN, "repositoryName": "trends-anomaly"}]},
        )
        stub.add_response("list_tags_for_resource", {"tags": []})
        stub.add_client_error(
            "get_lifecycle_policy", "LifecyclePolicyNotFoundException", "no policy", 400
        )
        stub.add_client_error("describe_images", "ImageNotFoundException", "no such tag", 400)
        (repo,) = ecr.observe(aws, N, desired(), World())
    assert repo.KIND == "ecr_repository" and repo.lifecycle_policy is None


def test_observe_gone() -> None:
    aws = make_aws()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_client_error("describe_repositories", "RepositoryNotFoundException", "none", 400)
        assert ecr.observe(aws, N, desired(), World()) == []


def test_create_with_immutable_tags_scan_and_project_tags() -> None:
    aws = make_aws()
    (repo_action, image_action) = ecr.plan(PlanContext(desired(), World()))
    assert (
        image_action.op == "create" and "docker push " + IMAGE in image_action.steps[0].describe()
    )
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "create_repository",
            {},
            {
                "repositoryName": "trends-anomaly",
                "imageTagMutability": "IMMUTABLE",
                "imageScanningConfiguration": {"scanOnPush": True},
                "tags": TAGS,
            },
        )
        stub.add_response(
            "put_lifecycle_policy",
            {},
            {"repositoryName": "trends-anomaly", "lifecyclePolicyText": json.dumps(POLICY)},
        )
        execute(aws, repo_action)
        stub.assert_no_pending_responses()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_client_error(
            "create_repository", "RepositoryAlreadyExistsException", "exists", 400
        )
        with pytest.raises(DeployError, match="appeared after the plan was made"):
            execute(aws, repo_action)


def test_drift_mutability_and_tags_pushed_image_noop() -> None:
    aws = make_aws()
    seen = ecr.SeenRepository("trends-anomaly", REPO_ARN, "MUTABLE", {}, lifecycle_policy=POLICY)
    world = World.of([seen, ecr.SeenImage(IMAGE)])
    repo_action, image_action = ecr.plan(PlanContext(desired(), world))
    assert image_action.op == "noop"
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "put_image_tag_mutability",
            {},
            {"repositoryName": "trends-anomaly", "imageTagMutability": "IMMUTABLE"},
        )
        stub.add_response("tag_resource", {}, {"resourceArn": REPO_ARN, "tags": TAGS})
        execute(aws, repo_action)
        stub.assert_no_pending_responses()


def test_destroy_forces_out_the_images_gone_is_fine() -> None:
    aws = make_aws()
    (action,) = ecr.destroy(
        World.of([ecr.SeenRepository("trends-anomaly", REPO_ARN, "IMMUTABLE", {})])
    )
    with Stubber(aws.client("ecr")) as stub:
        stub.add_client_error(
            "delete_repository",
            "RepositoryNotFoundException",
            "gone",
            400,
            expected_params={"repositoryName": "trends-anomaly", "force": True},
        )
        assert execute(aws, action)[-1].endswith("already gone: nothing to do")


def test_the_build_step_runs_docker_login_then_the_planned_commands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Run step logs in to ECR, then runs the commands the plan shows (docker faked)."""
    import base64

    from deploy import image

    ran: list[list[str]] = []
    monkeypatch.setattr(image, "run_subprocess", lambda cmd, log, stdin=None: ran.append(cmd))
    aws = make_aws()
    (_, image_action) = ecr.plan(PlanContext(desired(), World()))
    token = base64.b64encode(b"AWS:secret").decode()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "get_authorization_token",
            {
                "authorizationData": [
                    {
                        "authorizationToken": token,
                        "proxyEndpoint": "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
                    }
                ]
            },
        )
        execute(aws, image_action)
    assert ran == [
        [
            "docker",
            "login",
            "--username",
            "AWS",
            "--password-stdin",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        ],
        ["docker", "build", "--force-rm", "--platform", "linux/amd64", "-t", IMAGE, "/tmp/model"],
        ["docker", "push", IMAGE],
    ]


def test_a_repository_without_the_lifecycle_policy_gets_it_and_nothing_else() -> None:
    """Every merge that changes model/ pushes an image; without a lifecycle policy the
    repository (shared by the environments, kept by their destroy) grew by one image each
    time, for ever. A repository made before the policy existed is updated in place."""
    aws = make_aws()
    seen = ecr.SeenRepository("trends-anomaly", REPO_ARN, "IMMUTABLE", {"project": "x"})
    world = World.of([seen, ecr.SeenImage(IMAGE)])
    repo_action, _ = ecr.plan(PlanContext(desired(), world))
    assert repo_action.op == "update"
    assert [c.field for c in repo_action.changes] == ["lifecycle_policy", "tags"]
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "put_lifecycle_policy",
            {},
            {"repositoryName": "trends-anomaly", "lifecyclePolicyText": json.dumps(POLICY)},
        )
        stub.add_response("tag_resource", {}, {"resourceArn": REPO_ARN, "tags": TAGS})
        execute(aws, repo_action)
        stub.assert_no_pending_responses()
    tags = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}
    same = ecr.SeenRepository("trends-anomaly", REPO_ARN, "IMMUTABLE", tags, False, POLICY)
    repo_action, _ = ecr.plan(PlanContext(desired(), World.of([same, ecr.SeenImage(IMAGE)])))
    assert repo_action.op == "noop"


def test_the_lifecycle_rule_expires_only_the_tags_deploy_builds() -> None:
    (repo, image) = ecr.desired(config(), inputs(N, build=True))
    (rule,) = [r for r in repo.lifecycle_policy["rules"] if r["rulePriority"] == 2]
    assert image.tag.startswith(tuple(rule["selection"]["tagPrefixList"]))
    assert rule["selection"]["tagStatus"] == "tagged"  # an untagged image (pushed by digest) stays


def test_a_repository_with_the_older_policy_gets_the_kept_rule() -> None:
    """Every stack's repository has the policy of one rule (the built images'): the next
    apply puts the one with the kept images' rule first, as drift of `lifecycle_policy`."""
    tags = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}
    seen = ecr.SeenRepository("trends-anomaly", REPO_ARN, "IMMUTABLE", tags, False, OLD_POLICY)
    repo_action, _ = ecr.plan(PlanContext(desired(), World.of([seen, ecr.SeenImage(IMAGE)])))
    assert repo_action.op == "update"
    assert [c.field for c in repo_action.changes] == ["lifecycle_policy"]
    aws = make_aws()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "put_lifecycle_policy",
            {},
            {"repositoryName": "trends-anomaly", "lifecyclePolicyText": json.dumps(POLICY)},
        )
        execute(aws, repo_action)
        stub.assert_no_pending_responses()


def _expired(policy: dict, images: list[tuple[str, ...]]) -> set[int]:
    """Which of ``images`` (each its tags; oldest pushed first) ECR expires, by the "Lifecycle
    policy evaluation rules" of https://docs.aws.amazon.com/AmazonECR/latest/userguide/
    LifecyclePolicies.html (moto evaluates no lifecycle rule): rules in rulePriority order;
    "an image that matches the tagging requirements of a rule cannot be expired by a rule
    with a lower priority"; rules "can still identify them as if they haven't been expired";
    with tagPrefixList an image matches "if all of the tags in the tagPrefixList value are
    matched against any of the image's tags"; with imageCountMoreThan images are sorted
    "from youngest to oldest based on pushed_at_time and then all images greater than the
    specified count are expired"."""
    matched_before: set[int] = set()
    expired: set[int] = set()
    for rule in sorted(policy["rules"], key=lambda r: r["rulePriority"]):
        selection = rule["selection"]
        assert selection["tagStatus"] == "tagged" and selection["countType"] == (
            "imageCountMoreThan"
        ), rule  # what this evaluator knows: the kinds of rule deploy writes
        prefixes = selection["tagPrefixList"]
        matched = [
            i
            for i, tags in enumerate(images)
            if all(any(t.startswith(p) for t in tags) for p in prefixes)
        ]
        youngest_first = sorted(matched, reverse=True)
        expired |= {i for i in youngest_first[selection["countNumber"] :]} - matched_before
        matched_before |= set(matched)
    return expired


def test_an_image_tagged_kept_outlives_any_number_of_newer_builds() -> None:
    """The kept model's image (its src- tag and kept-<model>), then KEEP_IMAGES + 3 newer
    builds: the policy of one rule expired it with the three oldest others; the new one
    expires the three oldest others only."""
    images = [("src-000000000000", "kept-trends-anomaly-m-0000")]
    images += [(f"src-{i:012d}",) for i in range(1, KEEP_IMAGES + 4)]
    assert _expired(OLD_POLICY, images) == {0, 1, 2, 3}
    assert _expired(ecr.lifecycle_policy(), images) == {1, 2, 3}
    # An image with no other tag is never expired by the built images' rule either.
    assert 0 not in _expired(ecr.lifecycle_policy(), [("kept-m",), *images[1:]])
