"""One apply or destroy of a stack at a time: a lock object in the stack's own site bucket.

CI serialises its runs per stack (the workflows' ``concurrency:`` groups), but a local apply
and CI's know nothing of each other, and two applies interleaving their calls can leave a
stack half of each. The lock is an object created with S3's conditional write
(``If-None-Match: *``: S3 writes it only when the key does not exist, else answers 412
PreconditionFailed, or 409 ConditionalRequestConflict for a racing write), holding who took it,
where, for which command and when. It is deleted when the run ends, however it ends; a run
killed outright leaves it, and ``--force-unlock`` removes it.

Limits, said where they apply: before the first apply there is no bucket, so no lock (the
run says so); destroy deletes the lock with the bucket (the roles, models and Lambda after it
are deleted unlocked). The bucket policy keeps CloudFront from serving the object.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from deploy.aws import DeployError
from deploy.aws_errors import error_code

if TYPE_CHECKING:
    from deploy.aws import Aws

KEY = ".deploy/lock.json"
TAKEN = ("PreconditionFailed", "ConditionalRequestConflict")  # S3's answers: it exists


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: the AWS identity, the machine and process, the command, since."""

    who: str
    host: str
    command: str
    since: float  # seconds since the epoch

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True).encode()

    @classmethod
    def from_json(cls, body: bytes) -> Holder:
        try:
            doc = json.loads(body)
            return cls(str(doc["who"]), str(doc["host"]), str(doc["command"]), float(doc["since"]))
        except (ValueError, KeyError, TypeError):
            return cls("(unreadable lock)", "?", "?", 0.0)


def me(aws: Aws, command: str, now: float) -> Holder:
    """This run as a holder: the caller's ARN, host and process id."""
    who = str(aws.client("sts").get_caller_identity()["Arn"])
    return Holder(who, f"{socket.gethostname()} pid {os.getpid()}", command, now)


def held_message(bucket: str, holder: Holder, now: float) -> str:
    """Who holds it, since when, and what to do."""
    since = datetime.fromtimestamp(holder.since, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    age = _age(now - holder.since)
    return (
        f"stack locked: {holder.command} by {holder.who} on {holder.host} holds "
        f"s3://{bucket}/{KEY} since {since} ({age} ago): another apply or destroy of this "
        "stack is running. Wait for it to end (CI: its deploy job), then run again. If it "
        "died without releasing the lock (a killed job, a closed laptop) and nothing else "
        "runs, run the same command with --force-unlock"
    )


def take(
    aws: Aws,
    bucket: str,
    command: str,
    log: Callable[[str], None],
    *,
    force: bool = False,
    clock: Callable[[], float] = time.time,
) -> bool:
    """Take the stack's lock; False when there is no bucket yet (nothing deployed: no lock).
    Raises DeployError naming the holder when another run holds it; ``force`` first removes
    whatever lock is there."""
    if force:
        found = read(aws, bucket)
        if found:
            log(f"--force-unlock: removing the lock of {found.command} by {found.who}")
        release(aws, bucket)
    holder = me(aws, command, clock())
    try:
        aws.client("s3").put_object(
            Bucket=bucket,
            Key=KEY,
            Body=holder.to_json(),
            ContentType="application/json",
            CacheControl="no-store",
            IfNoneMatch="*",
        )
    except botocore.exceptions.ClientError as err:
        code = error_code(err)
        if code == "NoSuchBucket":
            log(f"No lock taken: the stack's bucket {bucket} does not exist yet (first apply)")
            return False
        if code not in TAKEN:
            raise
        other = read(aws, bucket)
        if other is None:  # released between our write and our read
            raise DeployError(
                f"stack locked: s3://{bucket}/{KEY} was held and has just been released: "
                "run the command again"
            ) from None
        raise DeployError(held_message(bucket, other, clock())) from None
    return True


def read(aws: Aws, bucket: str) -> Holder | None:
    """The holder of the lock, or None when there is none (or no bucket)."""
    got: dict[str, Any] | None = aws.read("s3", "GetObject", Bucket=bucket, Key=KEY)
    return None if got is None else Holder.from_json(got["Body"].read())


def release(aws: Aws, bucket: str) -> None:
    """Remove the lock (nothing when it or the bucket is gone: destroy deletes both)."""
    try:
        aws.client("s3").delete_object(Bucket=bucket, Key=KEY)
    except botocore.exceptions.ClientError as err:
        if error_code(err) != "NoSuchBucket":
            raise


def _age(seconds: float) -> str:
    s = max(round(seconds), 0)
    if s < 120:
        return f"{s} s"
    m = s // 60
    return f"{m} min" if m < 120 else f"{m // 60} h {m % 60} min"
