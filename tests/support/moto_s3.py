"""What S3 does that moto 5.2.5 does not, for a bucket's public access, its versions and ETags.

- an object stored with SSE-KMS has an ETag that is not its MD5 (S3 API reference, Object);

- Since April 2023 a new bucket has all four Block Public Access settings on (moto: none);
- a bucket policy's statements apply to the principals they name (moto applies every
  statement to every caller, so a Deny to the CloudFront service principal also denied the
  test's IAM credentials): a statement naming only a service principal never applies to the
  calls the tests make, which are signed with IAM credentials;
- with BlockPublicPolicy on, a *public* bucket policy is refused: AccessDenied "User: … is not
  authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::B" because public
  policies are blocked by the BlockPublicPolicy block public access setting." (quoted in
  hashicorp/terraform-provider-aws#31363 and many repositories). moto never checks.

- in a versioning-enabled bucket, DeleteObject without a VersionId inserts a delete marker
  whether or not the key has a current version (AWS: "expected and documented",
  aws/aws-sdk-go-v2#2607; versity/versitygw#834 answers 200 for it, as S3 does): moto inserts
  none for a key it does not hold, so a bucket that S3 would refuse to delete (BucketNotEmpty,
  the marker in it) was deleted.

"Public" as S3 defines it (PublicAccessBlockConfiguration, "The meaning of public"): a
statement that allows a wildcard principal, unless a condition pins it to fixed values of keys
such as aws:SourceArn or aws:SourceAccount. A service principal with a fixed aws:SourceArn (the
CloudFront OAC statement) is not public.
"""

from __future__ import annotations

import json
from typing import Any

# Condition keys whose fixed values make a wildcard principal non-public (S3's definition).
FIXING_KEYS = {
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
}


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(
            v == "*" for key in ("AWS", "CanonicalUser") for v in _values(principal.get(key, []))
        )
    return False


def _pinned(condition: dict[str, Any]) -> bool:
    for operator, clauses in condition.items():
        if operator.startswith("StringNot") or operator.startswith("ArnNot"):
            continue
        for key, value in clauses.items():
            if key.lower() in FIXING_KEYS and not any("*" in str(v) for v in _values(value)):
                return True
    return False


def is_public(policy: str | bytes) -> bool:
    doc = json.loads(policy)
    for st in _values(doc.get("Statement", [])):
        if st.get("Effect") != "Allow":
            continue
        if _wildcard_principal(st.get("Principal")) and not _pinned(st.get("Condition", {})):
            return True
    return False


def patch_s3() -> None:
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import PublicAccessBlock, S3Backend

    create_bucket = S3Backend.create_bucket

    def bucket_created(self: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        bucket = create_bucket(self, bucket_name, *args, **kwargs)
        bucket.public_access_block = PublicAccessBlock(True, True, True, True)
        return bucket

    S3Backend.create_bucket = bucket_created

    put_bucket_policy = S3Backend.put_bucket_policy

    def policy_put(self: Any, bucket_name: str, policy: bytes) -> None:
        bucket = self.get_bucket(bucket_name)
        block = bucket.public_access_block
        if block is not None and block.block_public_policy and is_public(policy):
            raise S3ClientError(
                "AccessDenied",
                f"User: arn:aws:iam::{self.account_id}:user/moto is not authorized to perform: "
                f's3:PutBucketPolicy on resource: "arn:aws:s3:::{bucket_name}" because public '
                "policies are blocked by the BlockPublicPolicy block public access setting.",
            )
        put_bucket_policy(self, bucket_name, policy)

    S3Backend.put_bucket_policy = policy_put
    _teach_policies_their_principals()
    _teach_kms_etags()
    _teach_delete_markers_for_absent_keys()


def _teach_kms_etags() -> None:
    """An object stored with SSE-KMS (asked for, or the bucket's default encryption) has an
    ETag that is not the MD5 of its bytes (S3 API reference, Object.ETag: "Objects encrypted
    by SSE-C or SSE-KMS have ETags that are not an MD5 digest of their object data"); moto
    gave the MD5 always. Here it is another 32 hex digits, new for each upload."""
    import os

    from moto.s3.models import FakeKey

    md5_etag = FakeKey.etag

    def etag(self: Any) -> str:
        if str(getattr(self, "encryption", "") or "").startswith("aws:kms"):
            if getattr(self, "_kms_etag", None) is None:
                self._kms_etag = os.urandom(16).hex()
            return f'"{self._kms_etag}"'
        return md5_etag.fget(self)

    FakeKey.etag = property(etag)


def _teach_delete_markers_for_absent_keys() -> None:
    """DeleteObject of a key with no version in a versioning-enabled bucket: a delete marker,
    as S3 inserts one (moto's own code needs a key to mark, and answered without one)."""
    from moto.s3.models import FakeDeleteMarker, FakeKey, S3Backend

    delete_object = S3Backend.delete_object

    def object_deleted(
        self: Any, bucket_name: str, key_name: str, version_id: str | None = None, **kw: Any
    ) -> Any:
        bucket = self.get_bucket(bucket_name)
        if version_id is None and bucket.is_versioned and key_name not in bucket.keys:
            absent = FakeKey(
                key_name, b"", self.account_id, self.region_name, bucket_name=bucket_name
            )
            marker = FakeDeleteMarker(key=absent)
            bucket.keys[key_name] = marker
            return True, {"version-id": marker.version_id, "delete-marker": "true"}
        return delete_object(self, bucket_name, key_name, version_id, **kw)

    S3Backend.delete_object = object_deleted


def _teach_policies_their_principals() -> None:
    """Evaluate a bucket's policy without the statements that name only service principals
    (no call of the tests comes from a service)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(self.policy)
        statements = doc.get("Statement", [])
        kept = [st for st in statements if not _service_only(st.get("Principal"))]
        if not kept:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**doc, "Statement": kept})).is_action_permitted(
            action, resource
        )

    FakeBucket.get_permission = get_permission


def _service_only(principal: Any) -> bool:
    return isinstance(principal, dict) and set(principal) == {"Service"}
