"""The test server refuses what AWS refuses (tests/support/moto_*.py): checked directly with
boto3, so a stand-in that forgot a rule fails here, not only somewhere downstream."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.deploy.deploy_helpers import SAGEMAKER_TRUST, other_endpoint, push_fake_image
from tests.support.aws_clock import CLOCK
from tests.support.cloudfront_by_hand import create_distribution

pytestmark = pytest.mark.usefixtures("aws_env")
BUCKET = "rules-bucket"


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Code"]


def _distribution(cf, oac_id: str, comment: str = "c") -> dict:
    domain = f"{BUCKET}.s3.us-east-1.amazonaws.com"
    return create_distribution(cf, domain, "ref-1", comment, oac_id)


def test_cloudfront_states_etags_and_refusals() -> None:
    cf = boto3.client("cloudfront")
    oac = cf.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": "rules-oac",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )
    oac_id = oac["OriginAccessControl"]["Id"]
    with pytest.raises(ClientError) as dup:
        cf.create_origin_access_control(
            OriginAccessControlConfig={**oac["OriginAccessControl"]["OriginAccessControlConfig"]}
        )
    assert _code(dup) == "OriginAccessControlAlreadyExists"
    created = _distribution(cf, oac_id)
    dist_id, etag = created["Distribution"]["Id"], created["ETag"]
    got = cf.get_distribution(Id=dist_id)
    assert got["Distribution"]["Status"] == "InProgress"
    (origin,) = got["Distribution"]["DistributionConfig"]["Origins"]["Items"]
    assert origin["OriginAccessControlId"] == oac_id  # kept (moto alone drops it)
    with pytest.raises(ClientError) as enabled:
        cf.delete_distribution(Id=dist_id, IfMatch=etag)
    assert _code(enabled) == "DistributionNotDisabled"
    with pytest.raises(ClientError) as in_use:
        cf.delete_origin_access_control(Id=oac_id, IfMatch=oac["ETag"])
    assert _code(in_use) == "OriginAccessControlInUse"
    config = got["Distribution"]["DistributionConfig"]
    disabled = cf.update_distribution(
        Id=dist_id, IfMatch=etag, DistributionConfig={**config, "Enabled": False}
    )
    assert disabled["ETag"] != etag  # every change, a new ETag
    with pytest.raises(ClientError) as stale:
        cf.delete_distribution(Id=dist_id, IfMatch=etag)
    assert _code(stale) == "PreconditionFailed"
    with pytest.raises(ClientError) as not_yet:  # disabled, but that is not Deployed yet
        cf.delete_distribution(Id=dist_id, IfMatch=disabled["ETag"])
    assert _code(not_yet) == "DistributionNotDisabled"
    inv = cf.create_invalidation(
        DistributionId=dist_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/"]}, "CallerReference": "i1"},
    )["Invalidation"]
    assert inv["Status"] == "InProgress"
    CLOCK.sleep(3600)
    assert cf.get_distribution(Id=dist_id)["Distribution"]["Status"] == "Deployed"
    done = cf.get_invalidation(DistributionId=dist_id, Id=inv["Id"])["Invalidation"]
    assert done["Status"] == "Completed"  # AWS's spelling (moto alone: "COMPLETED")
    cf.delete_distribution(Id=dist_id, IfMatch=disabled["ETag"])
    cf.delete_origin_access_control(Id=oac_id, IfMatch=oac["ETag"])


def test_s3_blocks_public_access_by_default_and_refuses_public_policies() -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{BUCKET}/*"}
        ],
    }  # fmt: skip
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public))
    assert _code(refused) == "AccessDenied"
    assert "BlockPublicPolicy" in refused.value.response["Error"]["Message"]
    oac_only = json.loads(json.dumps(public))
    oac_only["Statement"][0]["Principal"] = {"Service": "cloudfront.amazonaws.com"}
    oac_only["Statement"][0]["Condition"] = {
        "StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(oac_only))  # not public: accepted


def test_s3_applies_a_statement_only_to_the_principals_it_names() -> None:
    """A Deny to the CloudFront service principal (the deploy lock's) does not deny the deploy's
    IAM credentials; moto 5.2.5 applied it to every caller (403)."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="lock", Body=b"held")
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/lock"}
    to_cloudfront = {**deny, "Principal": {"Service": "cloudfront.amazonaws.com"}}
    policy = {"Version": "2012-10-17", "Statement": [to_cloudfront]}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    assert s3.get_object(Bucket=BUCKET, Key="lock")["Body"].read() == b"held"
    to_everyone = {**deny, "Principal": "*"}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({**policy, "Statement": [to_everyone]}))
    with pytest.raises(ClientError):
        s3.get_object(Bucket=BUCKET, Key="lock")


def test_s3_marks_a_key_deleted_in_a_versioned_bucket_even_when_it_holds_none() -> None:
    """DeleteObject without a VersionId in a versioning-enabled bucket inserts a delete marker
    whether or not the key exists (aws/aws-sdk-go-v2#2607), and a bucket holding a marker is
    not empty; moto 5.2.5 inserted none for a key it did not hold."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    said = s3.delete_object(Bucket=BUCKET, Key="never-written")
    assert said["DeleteMarker"] is True and said["VersionId"]
    (marker,) = s3.list_object_versions(Bucket=BUCKET)["DeleteMarkers"]
    assert (marker["Key"], marker["VersionId"]) == ("never-written", said["VersionId"])
    with pytest.raises(ClientError) as refused:
        s3.delete_bucket(Bucket=BUCKET)
    assert _code(refused) == "BucketNotEmpty"
    s3.delete_object(Bucket=BUCKET, Key="never-written", VersionId=said["VersionId"])
    s3.delete_bucket(Bucket=BUCKET)  # empty now


def test_a_role_just_created_cannot_be_assumed_yet() -> None:
    iam, sm = boto3.client("iam"), boto3.client("sagemaker")
    arn = iam.create_role(RoleName="fresh", AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))[
        "Role"
    ]["Arn"]
    model = {"ModelName": "m", "ExecutionRoleArn": arn, "PrimaryContainer": {"Image": "x"}}
    with pytest.raises(ClientError) as early:
        sm.create_model(**model)
    assert _code(early) == "ValidationException"
    assert "Could not assume role" in early.value.response["Error"]["Message"]
    CLOCK.sleep(60)
    sm.create_model(**model)


def test_an_endpoint_is_deleting_for_a_while_when_the_test_sets_how_long() -> None:
    """DeleteEndpoint starts a deletion of minutes: Deleting (listed, described, its name not
    free), then gone as SageMaker's endpoint_deleted waiter expects (ValidationException)."""
    from tests.support.aws_clock import set_delays

    sm = boto3.client("sagemaker")
    other_endpoint(sm, "rules-del", {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1})
    set_delays(endpoint_delete_s=300)
    sm.delete_endpoint(EndpointName="rules-del")
    assert sm.describe_endpoint(EndpointName="rules-del")["EndpointStatus"] == "Deleting"
    assert [e["EndpointStatus"] for e in sm.list_endpoints()["Endpoints"]] == ["Deleting"]
    with pytest.raises(ClientError) as taken:
        sm.create_endpoint(EndpointName="rules-del", EndpointConfigName="rules-del-c")
    assert "Cannot create already existing endpoint" in taken.value.response["Error"]["Message"]
    CLOCK.sleep(299)
    assert sm.describe_endpoint(EndpointName="rules-del")["EndpointStatus"] == "Deleting"
    CLOCK.sleep(2)
    with pytest.raises(ClientError) as gone:
        sm.describe_endpoint(EndpointName="rules-del")
    assert _code(gone) == "ValidationException"
    assert sm.list_endpoints()["Endpoints"] == []
    sm.create_endpoint(EndpointName="rules-del", EndpointConfigName="rules-del-c")  # free again


@pytest.mark.parametrize("status", ["Creating", "Updating", "SystemUpdating", "RollingBack"])
def test_an_endpoint_sagemaker_is_still_working_on_cannot_be_deleted(status: str) -> None:
    """SageMaker refuses DeleteEndpoint while it works on the endpoint (ValidationException,
    'Cannot update in-progress endpoint'); once that ends, the same call deletes it. moto
    deleted it at once, so a destroy that took the refusal for 'already gone' passed here."""
    from tests.support.moto_sagemaker import hold

    sm = boto3.client("sagemaker")
    arn = other_endpoint(sm, "rules-busy", {"InstanceType": "ml.m5.large",
                                            "InitialInstanceCount": 1})  # fmt: skip
    hold("rules-busy", status, 600)
    with pytest.raises(ClientError) as busy:
        sm.delete_endpoint(EndpointName="rules-busy")
    assert _code(busy) == "ValidationException"
    assert busy.value.response["Error"]["Message"] == f'Cannot update in-progress endpoint "{arn}".'
    assert sm.describe_endpoint(EndpointName="rules-busy")["EndpointStatus"] == status
    CLOCK.sleep(601)
    assert sm.describe_endpoint(EndpointName="rules-busy")["EndpointStatus"] == "InService"
    sm.delete_endpoint(EndpointName="rules-busy")
    assert sm.list_endpoints()["Endpoints"] == []


@pytest.mark.parametrize("status", ["Creating", "Updating", "SystemUpdating", "RollingBack"])
def test_an_endpoint_sagemaker_is_still_working_on_cannot_be_switched(status: str) -> None:
    """UpdateEndpoint on an endpoint SageMaker is working on is refused as DeleteEndpoint and
    UpdateEndpointWeightsAndCapacities are (ValidationException, 'Cannot update in-progress
    endpoint'; the API Reference's EndpointStatus: SystemUpdating "cannot be updated or deleted
    or re-scaled until it has completed"); once that ends, the same call switches. moto's
    stand-in switched at once whatever the status, so an apply that sent it mid-update
    passed here."""
    from tests.support.moto_sagemaker import hold

    sm = boto3.client("sagemaker")
    variant = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    arn = other_endpoint(sm, "rules-switch", variant)
    other_endpoint(sm, "rules-switch2", variant)  # its config, rules-switch2-c, to switch to
    hold("rules-switch", status, 600)
    with pytest.raises(ClientError) as busy:
        sm.update_endpoint(EndpointName="rules-switch", EndpointConfigName="rules-switch2-c")
    assert _code(busy) == "ValidationException"
    assert busy.value.response["Error"]["Message"] == f'Cannot update in-progress endpoint "{arn}".'
    described = sm.describe_endpoint(EndpointName="rules-switch")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == (
        status,
        "rules-switch-c",
    )
    CLOCK.sleep(601)
    sm.update_endpoint(EndpointName="rules-switch", EndpointConfigName="rules-switch2-c")
    assert sm.describe_endpoint(EndpointName="rules-switch")["EndpointConfigName"] == (
        "rules-switch2-c"
    )


@pytest.mark.parametrize("status", ["Failed", "OutOfService", "InService"])
def test_an_endpoint_sagemaker_is_not_working_on_is_deleted(status: str) -> None:
    from tests.support.moto_sagemaker import hold

    sm = boto3.client("sagemaker")
    other_endpoint(sm, "rules-idle", {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1})
    hold("rules-idle", status, None)
    sm.delete_endpoint(EndpointName="rules-idle")
    assert sm.list_endpoints()["Endpoints"] == []


def test_add_tags_overwrites_a_keys_value_so_one_list_tags_page_holds_the_last() -> None:
    """SageMaker's AddTags "adds or overwrites" tags, and "tag keys must be unique per
    resource" (API Reference, AddTags): a key tagged again has its new value, once. moto
    appended every AddTags, so after 20 switches' records (requested, serving, previous) the
    endpoint listed 60 tags: the one ListTags page the engine reads (50) held stale values
    (serving-config c-16 of c-19), and the paginator looped on the repeated keys."""
    sm = boto3.client("sagemaker")
    variant = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    arn = other_endpoint(sm, "rules-tags", variant, project="rules")
    for i in range(20):
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "requested-config", "Value": f"c-{i}"}])
        sm.add_tags(
            ResourceArn=arn,
            Tags=[
                {"Key": "serving-config", "Value": f"c-{i}"},
                {"Key": "previous-config", "Value": f"c-{i - 1}"},
            ],
        )
    page = sm.list_tags(ResourceArn=arn)
    assert "NextToken" not in page, page.get("NextToken")
    assert sorted((t["Key"], t["Value"]) for t in page["Tags"]) == [
        ("previous-config", "c-18"),
        ("project", "rules"),
        ("requested-config", "c-19"),
        ("serving-config", "c-19"),
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["serving-config"])
    assert [t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]] == [
        "project",
        "requested-config",
        "previous-config",
    ]


def test_an_endpoint_reports_the_digest_its_fleet_resolved_the_models_tag_to() -> None:
    """DescribeEndpoint's DeployedImages: the model's image as given, and as the digest ECR
    had for it when the fleet started (CreateEndpoint, UpdateEndpoint); a tag pushed again
    since does not change what a running fleet reports."""
    sm, ecr = boto3.client("sagemaker"), boto3.client("ecr")
    first = push_fake_image("rules-img", "v1")
    registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com/rules-img"
    role = boto3.client("iam").create_role(
        RoleName="rules-img-r", AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST)
    )
    CLOCK.sleep(60)  # IAM propagation, as the test server plays it
    image = f"{registry}:v1"
    sm.create_model(
        ModelName="rules-img-m",
        ExecutionRoleArn=role["Role"]["Arn"],
        PrimaryContainer={"Image": image},
    )
    variant = {"VariantName": "main", "ModelName": "rules-img-m"}
    for config in ("rules-img-c", "rules-img-c2"):
        sm.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {**variant, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
            ],
        )
    sm.create_endpoint(EndpointName="rules-img", EndpointConfigName="rules-img-c")

    def deployed() -> list[tuple[str, str]]:
        (variant,) = sm.describe_endpoint(EndpointName="rules-img")["ProductionVariants"]
        return [(d["SpecifiedImage"], d["ResolvedImage"]) for d in variant["DeployedImages"]]

    assert deployed() == [(image, f"{registry}@{first}")]
    second = push_fake_image("rules-img", "v2")  # v1 now names v2's image
    manifest = ecr.batch_get_image(repositoryName="rules-img", imageIds=[{"imageDigest": second}])
    ecr.put_image(
        repositoryName="rules-img",
        imageManifest=manifest["images"][0]["imageManifest"],
        imageTag="v1",
    )
    assert deployed() == [(image, f"{registry}@{first}")]  # the running fleet's
    sm.update_endpoint(EndpointName="rules-img", EndpointConfigName="rules-img-c2")
    assert deployed() == [(image, f"{registry}@{second}")]  # a new fleet pulled it again


def test_capacity_updates_need_an_in_service_instance_variant_and_keep_its_weight() -> None:
    """UpdateEndpointWeightsAndCapacities: SageMaker refuses an endpoint mid-update and an
    instance count for a serverless variant; moto changed any endpoint and nulled the weight."""
    from moto.sagemaker.models import sagemaker_backends

    sm = boto3.client("sagemaker")
    arn = other_endpoint(
        sm, "rules-ep", {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
                         "InitialVariantWeight": 1.0},
    )  # fmt: skip
    scale = {"VariantName": "main", "DesiredInstanceCount": 2}
    sm.update_endpoint_weights_and_capacities(
        EndpointName="rules-ep", DesiredWeightsAndCapacities=[scale]
    )
    (variant,) = sm.describe_endpoint(EndpointName="rules-ep")["ProductionVariants"]
    assert (variant["CurrentInstanceCount"], variant["CurrentWeight"]) == (2, 1.0)
    endpoint = sagemaker_backends["123456789012"]["us-east-1"].endpoints["rules-ep"]
    endpoint.endpoint_status = "Updating"
    with pytest.raises(ClientError) as busy:
        sm.update_endpoint_weights_and_capacities(
            EndpointName="rules-ep", DesiredWeightsAndCapacities=[scale]
        )
    assert _code(busy) == "ValidationException"
    assert busy.value.response["Error"]["Message"] == f'Cannot update in-progress endpoint "{arn}".'
    other_endpoint(
        sm, "rules-sl", {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 1}}
    )
    with pytest.raises(ClientError) as serverless:
        sm.update_endpoint_weights_and_capacities(
            EndpointName="rules-sl", DesiredWeightsAndCapacities=[scale]
        )
    assert "serverless" in serverless.value.response["Error"]["Message"]


def test_a_serverless_variants_concurrency_is_updated_in_place_but_not_its_memory() -> None:
    """UpdateEndpointWeightsAndCapacities' ServerlessUpdateConfig (MaxConcurrency,
    ProvisionedConcurrency ≤ MaxConcurrency) changes a serverless variant in place; it has no
    memory to update and is no instance variant's. Moto ignored ServerlessUpdateConfig."""
    sm = boto3.client("sagemaker")
    other_endpoint(
        sm, "rules-sc", {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 1}}
    )
    raise_to = {"VariantName": "main", "ServerlessUpdateConfig": {"MaxConcurrency": 4}}
    sm.update_endpoint_weights_and_capacities(
        EndpointName="rules-sc", DesiredWeightsAndCapacities=[raise_to]
    )
    ep = sm.describe_endpoint(EndpointName="rules-sc")
    (variant,) = ep["ProductionVariants"]
    assert ep["EndpointStatus"] == "InService"
    want = {"MemorySizeInMB": 2048, "MaxConcurrency": 4}
    assert (variant["CurrentServerlessConfig"], variant["DesiredServerlessConfig"]) == (want, want)
    assert "CurrentInstanceCount" not in variant and "DesiredInstanceCount" not in variant
    too_many = {"MaxConcurrency": 2, "ProvisionedConcurrency": 3}
    with pytest.raises(ClientError) as provisioned:
        sm.update_endpoint_weights_and_capacities(
            EndpointName="rules-sc",
            DesiredWeightsAndCapacities=[
                {"VariantName": "main", "ServerlessUpdateConfig": too_many}
            ],
        )
    assert _code(provisioned) == "ValidationException"
    assert "ProvisionedConcurrency" in provisioned.value.response["Error"]["Message"]
    other_endpoint(
        sm, "rules-in", {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
                         "InitialVariantWeight": 1.0},
    )  # fmt: skip
    with pytest.raises(ClientError) as instances:
        sm.update_endpoint_weights_and_capacities(
            EndpointName="rules-in", DesiredWeightsAndCapacities=[raise_to]
        )
    assert _code(instances) == "ValidationException"
    assert "not serverless" in instances.value.response["Error"]["Message"]


def test_an_instance_endpoint_is_not_updated_to_a_serverless_config_but_the_reverse_is() -> None:
    """SageMaker: "Updating a real-time inference endpoint to either an on-demand serverless
    endpoint or a serverless endpoint with Provisioned Concurrency is currently not supported"
    (Developer Guide, serverless-endpoints-update.html); serverless to instances is. moto's
    UpdateEndpoint (ours, above) took any config."""
    sm = boto3.client("sagemaker")
    instances = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    other_endpoint(sm, "rules-to-sl", instances)
    sm.create_endpoint_config(
        EndpointConfigName="rules-to-sl-sl",
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": "rules-to-sl-m",
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 2},
            }
        ],
    )
    with pytest.raises(ClientError) as refused:
        sm.update_endpoint(EndpointName="rules-to-sl", EndpointConfigName="rules-to-sl-sl")
    assert _code(refused) == "ValidationException"
    assert "serverless" in refused.value.response["Error"]["Message"]
    assert sm.describe_endpoint(EndpointName="rules-to-sl")["EndpointConfigName"] == "rules-to-sl-c"
    other_endpoint(
        sm, "rules-from-sl", {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 2}}
    )
    sm.update_endpoint(EndpointName="rules-from-sl", EndpointConfigName="rules-to-sl-c")
    ep = sm.describe_endpoint(EndpointName="rules-from-sl")
    assert (ep["EndpointConfigName"], ep["EndpointStatus"]) == ("rules-to-sl-c", "InService")


def test_an_object_stored_with_sse_kms_has_an_etag_that_is_not_its_md5() -> None:
    """S3 API reference (Object.ETag): objects encrypted by SSE-C or SSE-KMS have ETags that
    are not an MD5 digest of their data; moto gave the MD5 always."""
    import hashlib

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="rules-kms")
    s3.put_object(Bucket="rules-kms", Key="plain", Body=b"page")
    md5 = hashlib.md5(b"page").hexdigest()
    assert s3.head_object(Bucket="rules-kms", Key="plain")["ETag"] == f'"{md5}"'
    kms = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
    s3.put_bucket_encryption(Bucket="rules-kms", ServerSideEncryptionConfiguration={"Rules": [kms]})
    s3.put_object(Bucket="rules-kms", Key="kms", Body=b"page")
    listed = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket="rules-kms")["Contents"]}
    assert listed["plain"] == f'"{md5}"' and listed["kms"] != f'"{md5}"'
    assert s3.head_object(Bucket="rules-kms", Key="kms")["ETag"] == listed["kms"]


def _lifecycle(selection: dict, priority: int = 1) -> dict:
    return {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}


def test_ecr_lifecycle_policy_rules_as_ecr_checks_them() -> None:
    """ECR's lifecycle policy properties: a ``tagged`` rule names its tags (tagPrefixList or
    tagPatternList), an ``untagged`` one names none, priorities are unique and an ``any`` rule
    comes last. moto 5.2.5 checks only the schema's keys, so a policy AWS refuses passed."""
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="rules-repo")
    count = {"countType": "imageCountMoreThan", "countNumber": 3}
    refused = [
        [_lifecycle({"tagStatus": "tagged", **count})],
        [_lifecycle({"tagStatus": "untagged", "tagPrefixList": ["src-"], **count})],
        [_lifecycle({"tagStatus": "untagged", **count}),
         _lifecycle({"tagStatus": "tagged", "tagPrefixList": ["src-"], **count})],
        [_lifecycle({"tagStatus": "any", **count}),
         _lifecycle({"tagStatus": "untagged", **count}, priority=2)],
    ]  # fmt: skip
    for rules in refused:
        with pytest.raises(ClientError) as err:
            ecr.put_lifecycle_policy(
                repositoryName="rules-repo", lifecyclePolicyText=json.dumps({"rules": rules})
            )
        assert _code(err) == "InvalidParameterException", rules
    accepted = [_lifecycle({"tagStatus": "tagged", "tagPrefixList": ["src-"], **count}),
                _lifecycle({"tagStatus": "any", **count}, priority=2)]  # fmt: skip
    ecr.put_lifecycle_policy(
        repositoryName="rules-repo", lifecyclePolicyText=json.dumps({"rules": accepted})
    )
    with pytest.raises(ClientError) as err:
        ecr.get_lifecycle_policy(repositoryName="rules-bucket-none")
    assert _code(err) == "RepositoryNotFoundException"


def test_ecr_refuses_a_tag_on_another_image_with_its_own_code_where_tags_are_immutable() -> None:
    """PutImage where tags are immutable: the tag already on another image is refused with
    ImageTagAlreadyExistsException, the same image put again under its tag with
    ImageAlreadyExistsException (ECR API reference, PutImage, Errors); moto 5.2.5 answered
    both with ImageAlreadyExistsException. A new tag on an image is taken; where tags are
    mutable, the tag moves."""
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="rules-tags", imageTagMutability="IMMUTABLE")
    push_fake_image("rules-tags", "v1")
    push_fake_image("rules-tags", "v2")

    def manifest(tag: str, repository: str = "rules-tags") -> str:
        got = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": tag}])
        return str(got["images"][0]["imageManifest"])

    for tag, code in (("v1", "ImageTagAlreadyExistsException"),
                      ("v2", "ImageAlreadyExistsException")):  # fmt: skip
        with pytest.raises(ClientError) as err:
            ecr.put_image(repositoryName="rules-tags", imageManifest=manifest("v2"), imageTag=tag)
        assert _code(err) == code, tag
    ecr.put_image(repositoryName="rules-tags", imageManifest=manifest("v2"), imageTag="v3")
    (v1,) = ecr.describe_images(repositoryName="rules-tags", imageIds=[{"imageTag": "v1"}])[
        "imageDetails"
    ]
    assert v1["imageTags"] == ["v1"]  # refused: left where it was
    push_fake_image("rules-moves", "v1")
    push_fake_image("rules-moves", "v2")
    ecr.put_image(repositoryName="rules-moves", imageManifest=manifest("v2", "rules-moves"),
                  imageTag="v1")  # fmt: skip
    (moved,) = ecr.describe_images(repositoryName="rules-moves", imageIds=[{"imageTag": "v1"}])[
        "imageDetails"
    ]
    assert sorted(moved["imageTags"]) == ["v1", "v2"]


def test_an_http_api_stage_logs_only_to_a_log_group_arn_with_a_one_line_request_id_format() -> None:
    """API Gateway's documented rules for AccessLogSettings (tests/support/moto_apigateway.py):
    the log group's ARN as AWS writes it (not DescribeLogGroups' 'arn' with ':*'), a single
    line format holding $context.requestId; on CreateStage and UpdateStage alike."""
    gw = boto3.client("apigatewayv2")
    api_id = gw.create_api(Name="rules-api", ProtocolType="HTTP")["ApiId"]
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/apigateway/rules"
    good = {"DestinationArn": group, "Format": '{"request_id":"$context.requestId"}'}
    refused = [
        {**good, "DestinationArn": f"{group}:*"},
        {**good, "DestinationArn": "arn:aws:s3:::rules-bucket"},
        {**good, "Format": '{"status":"$context.status"}'},
        {**good, "Format": '{"request_id":"$context.requestIdx"}'},
        {**good, "Format": '{"request_id":\n"$context.requestId"}'},
        {"DestinationArn": group},
    ]
    for settings in refused:
        with pytest.raises(ClientError) as err:
            gw.create_stage(ApiId=api_id, StageName="$default", AccessLogSettings=settings)
        assert _code(err) == "BadRequestException", settings
    assert gw.get_stages(ApiId=api_id)["Items"] == []
    gw.create_stage(ApiId=api_id, StageName="$default", AccessLogSettings=good)
    for settings in refused:
        with pytest.raises(ClientError) as err:
            gw.update_stage(ApiId=api_id, StageName="$default", AccessLogSettings=settings)
        assert _code(err) == "BadRequestException", settings
    assert gw.get_stage(ApiId=api_id, StageName="$default")["AccessLogSettings"] == good
    extended = {**good, "Format": "$context.extendedRequestId $context.status"}
    gw.update_stage(ApiId=api_id, StageName="$default", AccessLogSettings=extended)
    assert gw.get_stage(ApiId=api_id, StageName="$default")["AccessLogSettings"] == extended
    gw.update_stage(ApiId=api_id, StageName="$default", AccessLogSettings={})  # logging off
    assert "AccessLogSettings" not in gw.get_stage(ApiId=api_id, StageName="$default")


def _padded(size: int) -> str:
    """A valid policy document of exactly ``size`` characters as IAM counts them."""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/"}
    doc = {"Version": "2012-10-17", "Statement": [statement]}
    pad = size - len(json.dumps(doc, separators=(",", ":")))
    statement["Resource"] += "x" * pad
    return json.dumps(doc, indent=2)  # the indentation does not count


def test_iam_refuses_policies_over_its_size_quotas_and_an_eleventh_attachment() -> None:
    """IAM's quotas (tests/support/moto_iam.py): a role's inline policies together 10,240
    characters, a managed policy 6,144 (whitespace aside), ten managed policies a role;
    and, as moto already does, five versions of a managed policy."""
    iam = boto3.client("iam")
    iam.create_role(RoleName="rules-role", AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))
    iam.put_role_policy(RoleName="rules-role", PolicyName="a", PolicyDocument=_padded(6_000))
    iam.put_role_policy(RoleName="rules-role", PolicyName="a", PolicyDocument=_padded(10_240))
    iam.put_role_policy(RoleName="rules-role", PolicyName="a", PolicyDocument=_padded(6_000))
    with pytest.raises(ClientError) as err:  # together with "a": 10,241
        iam.put_role_policy(RoleName="rules-role", PolicyName="b", PolicyDocument=_padded(4_241))
    assert _code(err) == "LimitExceeded"
    assert "Maximum policy size of 10240 bytes exceeded for role rules-role" in str(err.value)
    iam.put_role_policy(RoleName="rules-role", PolicyName="b", PolicyDocument=_padded(4_240))

    with pytest.raises(ClientError) as err:
        iam.create_policy(PolicyName="rules-big", PolicyDocument=_padded(6_145))
    assert _code(err) == "LimitExceeded"
    assert "Cannot exceed quota for PolicySize: 6144" in str(err.value)
    arn = iam.create_policy(PolicyName="rules-big", PolicyDocument=_padded(6_144))["Policy"]["Arn"]
    with pytest.raises(ClientError) as err:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=_padded(6_145), SetAsDefault=True)
    assert _code(err) == "LimitExceeded"
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=_padded(100), SetAsDefault=True)
    with pytest.raises(ClientError) as err:  # a sixth version
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=_padded(100), SetAsDefault=True)
    assert _code(err) == "LimitExceeded"

    arns = [
        iam.create_policy(PolicyName=f"rules-{n}", PolicyDocument=_padded(100))["Policy"]["Arn"]
        for n in range(11)
    ]
    for policy in arns[:10]:
        iam.attach_role_policy(RoleName="rules-role", PolicyArn=policy)
    iam.attach_role_policy(RoleName="rules-role", PolicyArn=arns[0])  # again: no change
    with pytest.raises(ClientError) as err:
        iam.attach_role_policy(RoleName="rules-role", PolicyArn=arns[10])
    assert _code(err) == "LimitExceeded"
    assert "Cannot exceed quota for PoliciesPerRole: 10" in str(err.value)
    iam.detach_role_policy(RoleName="rules-role", PolicyArn=arns[0])
    iam.attach_role_policy(RoleName="rules-role", PolicyArn=arns[10])


def test_an_update_whose_container_fails_its_health_check_is_rolled_back() -> None:
    """SageMaker's UpdateEndpoint starts the new config's fleet beside the old one and shifts
    traffic only once it passes its health checks; when it does not, SageMaker rolls back: the
    endpoint is InService again on the old config, with a FailureReason. CreateEndpoint has
    nothing to go back to: Failed. (Which image fails /ping is the test's input: moto runs no
    container.)"""
    from tests.support.moto_sagemaker import fail_ping

    sm = boto3.client("sagemaker")
    other_endpoint(sm, "rules-ping", {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1})
    role = sm.describe_model(ModelName="rules-ping-m")["ExecutionRoleArn"]
    fail_ping("public.example/x:bad")
    sm.create_model(
        ModelName="rules-ping-bad", ExecutionRoleArn=role,
        PrimaryContainer={"Image": "public.example/x:bad"},
    )  # fmt: skip
    sm.create_endpoint_config(
        EndpointConfigName="rules-ping-bad-c",
        ProductionVariants=[
            {"VariantName": "main", "ModelName": "rules-ping-bad", "InstanceType": "ml.m5.large",
             "InitialInstanceCount": 1}
        ],
    )  # fmt: skip
    sm.update_endpoint(EndpointName="rules-ping", EndpointConfigName="rules-ping-bad-c")
    ep = sm.describe_endpoint(EndpointName="rules-ping")
    assert (ep["EndpointStatus"], ep["EndpointConfigName"]) == ("InService", "rules-ping-c")
    assert "did not pass the ping health check" in ep["FailureReason"]
    sm.create_endpoint(EndpointName="rules-ping-new", EndpointConfigName="rules-ping-bad-c")
    ep = sm.describe_endpoint(EndpointName="rules-ping-new")
    assert ep["EndpointStatus"] == "Failed" and "ping health check" in ep["FailureReason"]


def _inline_policies(role: str, count: int) -> list[str]:
    """A role with ``count`` small inline policies (under IAM's 10,240 characters together)."""
    iam_client = boto3.client("iam")
    iam_client.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
    }
    names = [f"p{i:03d}" for i in range(count)]
    for name in names:
        iam_client.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(deny))
    return names


def test_list_role_policies_answers_in_pages_of_100() -> None:
    """ListRolePolicies' MaxItems: "If you do not include this parameter, the number of items
    defaults to 100" (IAM API Reference): the rest follow by Marker, IsTruncated until then."""
    names = _inline_policies("rules-paged", 101)
    iam_client = boto3.client("iam")
    first = iam_client.list_role_policies(RoleName="rules-paged")
    assert (first["PolicyNames"], first["IsTruncated"]) == (names[:100], True)
    rest = iam_client.list_role_policies(RoleName="rules-paged", Marker=first["Marker"])
    assert (rest["PolicyNames"], rest["IsTruncated"]) == (names[100:], False)
    assert "Marker" not in rest
    two = iam_client.list_role_policies(RoleName="rules-paged", MaxItems=2)
    assert two["PolicyNames"] == names[:2] and two["IsTruncated"]


def test_the_engine_sees_a_roles_inline_policy_past_the_first_page() -> None:
    """A role given 101 inline policies by others: the 101st, on ListRolePolicies' second
    page, is one of the grants the plan names (resources/iam.py, observe_role)."""
    from deploy.aws import Aws
    from deploy.resources import iam

    names = _inline_policies("rules-observed", 101)
    seen = iam.observe_role(Aws("us-east-1"), "rules-observed", "none-of-these")
    assert seen is not None and seen.other_policies == tuple(f"inline:{n}" for n in names)
