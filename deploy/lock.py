"""One apply or destroy of a stack at a time: a lock object in the stack's own site bucket.

CI serialises its runs per stack (the workflows' ``concurrency:`` groups), but a local apply
and CI's know nothing of each other, and two applies interleaving their calls can leave a
stack half of each. The lock is an object created with S3's conditional write
(``If-None-Match: *``: S3 writes it only when the key does not exist, else answers 412
PreconditionFailed, or 409 ConditionalRequestConflict for a racing write), holding who took it,
where, for which command and when. It is deleted when the run ends, however it ends; a run
killed outright leaves it, and ``--force-unlock`` removes it (that very lock, by its ETag: a run
that took the lock since keeps it).

A run with a time limit says so: ``DEPLOY_LOCK_MAX_MINUTES`` (the workflows set it to their
job's ``timeout-minutes``; GitHub ends a job by then, cancelling it first, which releases the
lock) puts an ``until`` in the lock. A lock found past its ``until`` belongs to a run that has
ended without releasing it (its runner died): the next run takes it over, with a line saying
so, instead of every merge's deploy failing until someone runs ``--force-unlock`` by hand. The
takeover deletes that very lock only (a conditional delete, ``If-Match`` its ETag): a run that
took it over first keeps it.

Limits, said where they apply: before the first apply there is no bucket, so no lock (the
run says so, and a destroy of a stack whose apply died before its bucket says why; it does not
say "first apply"); destroy deletes the lock with the bucket (the roles, models and Lambda after it
are deleted unlocked). The bucket policy keeps CloudFront from serving the object.

Two commands take no lock, on purpose. ``image`` writes only the ECR repository, which the
environments share while their locks are per stack (no stack's lock keeps two environments'
builds apart) and which it fills before any bucket exists (its first run has no lock to take).
Its writes cannot leave a half of each: the tag is the build context's content hash and ECR's
tags are immutable, so a run whose push is refused because another run pushed that tag first
goes on with that image and the same digest (resources/ecr.py); the lifecycle policy only
expires deploy's built images beyond the newest ``KEEP_IMAGES`` (deploy/image.py). What is
left: two first images both create the repository, and the later run stops with "appeared
after the plan was made" (run it again);
an ``image`` during a single deployment's destroy (whose repository is its own) may fail, or
re-create the repository destroy removed (the next destroy removes it). ``bootstrap`` (by hand,
with admin credentials) writes no stack's resources: GitHub's OIDC provider, the GitHub roles
and the stacks' and previews' role boundaries, which the engine never writes, each with one
atomic IAM call (a role's trust or inline policy replaced whole, a boundary version made the
default). An apply running as the deploy role meanwhile has each call judged by the old policy
or the new one; one the new policy refuses stops it like any failed apply, and a lock would not
help: the next apply runs under the new policy anyway. It covers every environment's stack and
runs before any bucket exists. Two bootstraps at once: the later one's create is refused
(EntityAlreadyExists) and it stops there (a create is never taken as done: the role it would go
on writing might trust another repository); run it again.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from deploy.aws import DeployError
from deploy.aws_errors import ErrorKind, classify, error_code

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.naming import Names

KEY = ".deploy/lock.json"
TAKEN = ("PreconditionFailed", "ConditionalRequestConflict")  # S3's answers: it exists
MAX_MINUTES_ENV = "DEPLOY_LOCK_MAX_MINUTES"


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: the AWS identity, the machine and process, the command, since."""

    who: str
    host: str
    command: str
    since: float  # seconds since the epoch
    until: float = 0.0  # when its run has ended at the latest (its job's time limit); 0: unknown
    # An apply's --image ("": none, it built model/), so the command that finishes a dead
    # apply is exact. None: not recorded (a lock an older deploy wrote, which still reads).
    image: str | None = None

    def to_json(self) -> bytes:
        doc = {
            k: v
            for k, v in self.__dict__.items()
            if (k != "until" or v) and (k != "image" or v is not None)
        }
        return json.dumps(doc, sort_keys=True).encode()

    @classmethod
    def from_json(cls, body: bytes) -> Holder:
        try:
            doc = json.loads(body)
            image = doc.get("image")
            return cls(
                str(doc["who"]),
                str(doc["host"]),
                str(doc["command"]),
                float(doc["since"]),
                float(doc.get("until") or 0.0),
                None if image is None else str(image),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls("(unreadable lock)", "?", "?", 0.0)

    def ended_by(self, now: float) -> bool:
        """Whether its run has certainly ended: its time limit is past."""
        return 0.0 < self.until < now


def max_minutes(environ: dict[str, str] | None = None) -> float:
    """``DEPLOY_LOCK_MAX_MINUTES``: how long this run can last at most (0: no limit known)."""
    raw = (os.environ if environ is None else environ).get(MAX_MINUTES_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        minutes = float(raw)
    except ValueError:
        minutes = -1.0
    if not 0 < minutes <= 60 * 24 * 35:
        raise DeployError(
            f"{MAX_MINUTES_ENV}={raw!r}: give the most minutes this run can last (its CI "
            "job's timeout-minutes), a number above 0, or leave it unset"
        )
    return minutes


def me(aws: Aws, command: str, now: float, image: str = "") -> Holder:
    """This run as a holder: the caller's ARN, host and process id, its time limit, and the
    --image it was given ("" none)."""
    who = str(aws.client("sts").get_caller_identity()["Arn"])
    minutes = max_minutes()
    until = now + minutes * 60 if minutes else 0.0
    return Holder(who, f"{socket.gethostname()} pid {os.getpid()}", command, now, until, image)


def holder_process(holder: Holder, here: tuple[int, bool]) -> str:
    """What the lock's process on this machine (``here``: `runs_here`'s pid and whether it
    runs) says of its run: it died without releasing the lock, or it still runs. The refusal,
    `status` and `plan` say it in these words, each with its own tail."""
    pid, running = here
    if running:
        return (
            f"process {pid} on this machine is still running that {holder.command} "
            "(another terminal?)"
        )
    return (
        f"process {pid} on this machine is not running, so that {holder.command} died without "
        "releasing the lock (killed, or the machine restarted), and no other run holds it"
    )


# What to do while the holder's process on this machine still runs (the refusal, `status`).
WAIT_FOR_IT = (
    "wait for it to end, or stop it with Ctrl-C (which releases the lock); do not pass "
    "--force-unlock while it runs"
)


def utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def status_lines(
    names: Names,
    holder: Holder,
    now: float,
    here: tuple[int, bool] | None = None,
    config: str | None = None,
) -> list[str]:
    """`status`'s lines for a held lock (none when free: the caller reads it first), so an
    on-call sees it before an apply is refused: who, since, until, and what releases it.
    ``here`` (`runs_here`): the holder's process on this machine and whether it runs, said
    as the refusal says it. ``config``: status's --config when not the default, which the
    command that releases it must read too."""
    env = names.env
    if holder.ended_by(now):
        until = (
            f"until {utc(holder.until)} (its job's time limit: that run has ended without "
            "releasing it; the next apply or destroy takes it over)"
        )
    elif holder.until:
        until = f"until {utc(holder.until)} at the latest (its job's time limit)"
    else:
        until = "until unknown (no time limit recorded: a local run, or one without "
        until += f"{MAX_MINUTES_ENV})"
    if here is not None and not here[1]:
        what = (
            f"{holder_process(holder, here)}; an apply or destroy is refused until it is "
            f"removed: {_unlock(holder, env, config)}"
        )
    elif here is not None:
        what = (
            f"{holder_process(holder, here)}, and another apply or destroy is refused until it "
            f"ends: {WAIT_FOR_IT}"
        )
    else:
        what = (
            "an apply or destroy of this stack runs, and another is refused until it ends (CI: "
            "Actions, its deploy run). Only if it died (a killed job, a closed laptop) and "
            f"nothing else runs: {_unlock(holder, env, config)}"
        )
    return [
        f"  lock      held: {holder.command} by {holder.who} on {holder.host}, since "
        f"{utc(holder.since)} ({_age(now - holder.since)} ago), {until}",
        f"            s3://{names.bucket}/{KEY}: {what}",
    ]


# What `status`'s lock line says when the credentials may not read the lock (cli's exit
# status reads it).
UNREAD = "could not be read"


def status_read(aws: Aws, names: Names, now: float, config: str | None = None) -> list[str]:
    """`status`'s lock lines: a held lock's (``status_lines``), none when free or no bucket
    yet, and one line when the credentials may not read it. A read-only role without
    s3:GetObject on the lock is refused (AccessDenied), as is one without s3:ListBucket on the
    bucket when there is no lock (S3 answers 403, not 404, then): the rest of the status still
    says what it can."""
    try:
        holder = read(aws, names.bucket)
    except botocore.exceptions.ClientError as err:
        if classify(err, "s3", "GetObject") is not ErrorKind.DENIED:
            raise
        return [
            f"  lock      {UNREAD}: s3:GetObject on s3://{names.bucket}/{KEY} was "
            f"refused ({error_code(err)}); grant these credentials s3:GetObject on it and "
            f"s3:ListBucket on the bucket (without it S3 refuses a missing key the same way) "
            "to see whether an apply or destroy holds it"
        ]
    return status_lines(names, holder, now, runs_here(aws, holder), config) if holder else []


def plan_note(aws: Aws, names: Names, now: float, release: Callable[[str], str]) -> str:
    """`plan`'s one line on a held lock ("" when free or no bucket yet): after a killed apply,
    plan showed its changes and said nothing, then apply was refused. Who holds it, since when,
    for what, whether this machine's holder process runs, and that apply is refused until it
    ends or is released (``release(command)``: the exact command for the holder's command).
    Read only (GetObject; the plan role may: deploy/bootstrap/policies.py, ReadProjectBucket);
    a lock it may not read, or any AWS error reading it, is one line, never plan's failure."""
    try:
        holder = read(aws, names.bucket)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        code = error_code(err) if isinstance(err, botocore.exceptions.ClientError) else ""
        return (
            f"Stack lock: could not be read (s3:GetObject on s3://{names.bucket}/{KEY}: "
            f"{code or err}); apply says whether it is held"
        )
    if holder is None:
        return ""
    return plan_note_of(holder, now, runs_here(aws, holder), release(holder.command))


def plan_note_of(holder: Holder, now: float, here: tuple[int, bool] | None, unlock: str) -> str:
    """`plan_note`'s line for the lock ``holder`` holds (``here``: `runs_here`; ``unlock``: the
    exact command that releases it)."""
    head = (
        f"Stack lock: {holder.command} by {holder.who} on {holder.host} holds it since "
        f"{utc(holder.since)} ({_age(now - holder.since)} ago)"
    )
    if holder.ended_by(now):
        return (
            f"{head}; its job's time limit ended at {utc(holder.until)}: that run has ended "
            "without releasing it, and the next apply takes it over"
        )
    if here is not None and not here[1]:
        return (
            f"{head}: {holder_process(holder, here)}; apply is refused until the lock is "
            f"released: `{unlock}`"
        )
    if here is not None:
        return (
            f"{head}: {holder_process(holder, here)}; apply is refused until it ends (do not "
            "pass --force-unlock while it runs)"
        )
    return (
        f"{head}; apply is refused until it ends or is released (only if it died and nothing "
        f"else runs: `{unlock}`)"
    )


def unlock_command(
    command: str, env: str | None = None, config: str | None = None, image: str | None = None
) -> str:
    """The command line that removes a lock held by ``command`` and then runs: a dead
    destroy's is finished by a destroy (an apply would re-create what it removed), anything
    else's by an apply (with ``image``, when the plan was made for one). ``config``: a
    config.yaml other than the default."""
    words = ["--config", config] if config else []
    where = ["--env", env] if env else []
    if command == "destroy":
        words += ["destroy", *where, "--yes"]
    else:
        words += ["apply", *where, *(["--image", image] if image else [])]
    return f"python -m deploy {shlex.join([*words, '--force-unlock'])}"


def _unlock(holder: Holder, env: str | None, config: str | None = None) -> str:
    """`unlock_command` with what it does: removes the lock, then finishes or applies. Exact:
    the config and environment status reads, and the dead apply's --image, which the lock
    records (a destroy takes none). A lock an older deploy wrote has no --image recorded: the
    operator is told to add the one that apply had, if any."""
    if holder.command == "destroy":
        unlock = unlock_command("destroy", env, config)
        return f"{unlock} (it removes the lock, then finishes that destroy)"
    image = ["--image", holder.image] if holder.image else []
    words = [*(["--config", config] if config else []), "plan", *(["--env", env] if env else [])]
    said = (
        f"{unlock_command(holder.command, env, config, holder.image)} (it removes the lock, "
        f"then applies: `python -m deploy {shlex.join([*words, *image])}` shows what first)"
    )
    if holder.image is not None:
        return said
    return (
        f"{said}. If that {holder.command} was given --image, add the same --image URI: this "
        "lock, written by an older deploy, does not record the --image, and without one apply "
        "builds model/ as this checkout has it"
    )


def runs_here(aws: Aws, holder: Holder) -> tuple[int, bool] | None:
    """`_runs_here` for a reader of the lock (status, plan), with this identity asked of STS;
    None when STS does not answer (the lines then say what they say of another machine's)."""
    try:
        who = str(aws.client("sts").get_caller_identity()["Arn"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
        return None
    return _runs_here(holder, who)


def _runs_here(other: Holder, who: str) -> tuple[int, bool] | None:
    """The holder's process id and whether it runs, when the holder is this machine's (its
    host name) and this identity's (``who``): a lock left by a run killed in another terminal
    (or before a reboot). None when it may be another machine's (another identity, or another
    host name: two laptops may share a name, not also the AWS identity)."""
    name, _, pid = other.host.rpartition(" pid ")
    if other.who != who or name != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)  # signal 0: delivers nothing, says whether the process exists
    except ProcessLookupError:
        return int(pid), False
    except PermissionError:  # it exists, another user's
        return int(pid), True
    return int(pid), True


def held_message(
    bucket: str,
    holder: Holder,
    now: float,
    here: tuple[int, bool] | None = None,
    unlock: str = "",
) -> str:
    """Who holds it, since when, and what to do. ``here``: the holder's process id on this
    machine and whether it runs (`_runs_here`), when known: then whether --force-unlock is
    what to run is said for sure. ``unlock``: the exact command line that removes the lock
    (this run's, plus --force-unlock), said instead of "the same command with --force-unlock"."""
    run = f"run `{unlock}`" if unlock else "run the same command with --force-unlock"
    age = _age(now - holder.since)
    ends = (
        f"; its job ends by {utc(holder.until)} at the latest, and a run after that takes "
        "the lock over"
        if holder.until
        else ""
    )
    head = (
        f"stack locked: {holder.command} by {holder.who} on {holder.host} holds "
        f"s3://{bucket}/{KEY} since {utc(holder.since)} ({age} ago)"
    )
    if here is not None and not here[1]:
        return f"{head}: {holder_process(holder, here)}: {run}"
    if here is not None:
        return f"{head}: {holder_process(holder, here)}: {WAIT_FOR_IT}"
    return (
        f"{head}: another apply or "
        f"destroy of this stack is running{ends}. Wait for it to end (CI: its deploy job), "
        "then run again; to stop a CI deploy instead (the bad merge's, when rolling back), "
        "cancel its run (Actions, the run, Cancel workflow; or gh run cancel RUN_ID): a "
        "cancelled job releases the lock, and what it asked SageMaker goes on, which the next "
        "apply waits for. If it died without releasing the lock (a killed job, a closed "
        f"laptop) and nothing else runs, {run}"
    )


def take(
    aws: Aws,
    bucket: str,
    command: str,
    log: Callable[[str], None],
    *,
    force: bool = False,
    clock: Callable[[], float] = time.time,
    unlock: Unlock = "",
    image: str = "",
) -> bool:
    """Take the stack's lock; False when there is no bucket yet (nothing deployed: no lock).
    Raises DeployError naming the holder when another run holds it (and ``unlock``, the exact
    command that removes it); ``force`` first removes whatever lock is there. ``image``: the
    run's --image, recorded so that the command that finishes it, were it to die, is exact."""
    # First: a bad DEPLOY_LOCK_MAX_MINUTES removes nothing.
    holder = me(aws, command, clock(), image)
    if force:
        _force_remove(aws, bucket, log)
    try:
        for _ in range(2):  # the second time after taking over an ended run's lock
            written = _put(aws, bucket, holder, log, unlock)
            if written is not None:
                return written
    except KeyboardInterrupt as err:  # S3 may have written it, the answer not yet seen
        if _drop_own(aws, bucket, holder):
            err.lock_removed = True  # type: ignore[attr-defined]
            err.add_note(
                f"The lock this run had just written (s3://{bucket}/{KEY}) was removed: the "
                "next apply or destroy can start."
            )
        raise
    raise DeployError(
        f"stack locked: s3://{bucket}/{KEY} was taken over by another run meanwhile: run the "
        "command again"
    )


def _force_remove(aws: Aws, bucket: str, log: Callable[[str], None]) -> None:
    """--force-unlock: remove the lock it read, and only that one (``If-Match`` its ETag, as
    a takeover does): a run that took the lock in between keeps it, and this one is refused."""
    found = _read_entry(aws, bucket)
    if found is None:
        return
    holder, etag = found
    log(f"--force-unlock: removing the lock of {holder.command} by {holder.who}")
    try:
        aws.client("s3").delete_object(Bucket=bucket, Key=KEY, IfMatch=etag)
    except botocore.exceptions.ClientError as err:
        code = error_code(err)
        if code == "NoSuchKey":
            return
        if code != "PreconditionFailed":
            raise
        raise DeployError(
            f"stack locked: --force-unlock removed nothing: s3://{bucket}/{KEY} changed after "
            f"it read the lock of {holder.command} by {holder.who}, so another run has taken it "
            "since; run the command again without --force-unlock to see who holds it"
        ) from None


# The exact command that removes a held lock, or how to make it from the holder (a sweep's: it
# has no --force-unlock of its own, the preview's apply or destroy has).
Unlock = str | Callable[[Holder], str]


def _put(
    aws: Aws, bucket: str, holder: Holder, log: Callable[[str], None], unlock: Unlock = ""
) -> bool | None:
    """Write the lock if there is none: True written, False no bucket; None when the lock was
    held by a run that has ended and is now removed (write again). Raises while it is held."""
    try:
        aws.client("s3").put_object(
            Bucket=bucket,
            Key=KEY,
            Body=holder.to_json(),
            ContentType="application/json",
            CacheControl="no-store",
            IfNoneMatch="*",
        )
        return True
    except botocore.exceptions.ClientError as err:
        code = error_code(err)
        if code == "NoSuchBucket":
            log(no_bucket_note(bucket, holder.command))
            return False
        if code not in TAKEN:
            raise
    found = _read_entry(aws, bucket)
    if found is None:  # released between our write and our read
        raise DeployError(
            f"stack locked: s3://{bucket}/{KEY} was held and has just been released: "
            "run the command again"
        )
    other, etag = found
    if not other.ended_by(holder.since):
        here = _runs_here(other, holder.who)
        said = unlock(other) if callable(unlock) else unlock
        raise DeployError(held_message(bucket, other, holder.since, here, said))
    log(
        f"Taking over the lock of {other.command} by {other.who} on {other.host} (since "
        f"{utc(other.since)}): its job's time limit ended at {utc(other.until)}, so that "
        "run has ended without releasing it"
    )
    try:
        aws.client("s3").delete_object(Bucket=bucket, Key=KEY, IfMatch=etag)
    except botocore.exceptions.ClientError as err:
        if error_code(err) not in ("PreconditionFailed", "NoSuchKey"):
            raise
        # Another run took it over first, or it went: try once more, as a newcomer.
    return None


def no_bucket_note(bucket: str, command: str) -> str:
    """Why no lock was taken: the bucket that holds it is not there. An apply's is its stack's
    first (it creates the bucket); any other command's bucket may never come: an apply that
    stopped before creating it, or a destroy that deleted it already."""
    if command == "apply":
        return f"No lock taken: the stack's bucket {bucket} does not exist yet (first apply)"
    return (
        f"No lock taken: the stack's bucket {bucket} does not exist (an apply stopped before "
        "creating it, or a destroy deleted it already), and the lock lives in it"
    )


def _drop_own(aws: Aws, bucket: str, holder: Holder) -> bool:
    """Remove the lock when it is this run's (``holder`` as written, and that very object: by
    its ETag), so a Ctrl-C while taking it leaves none; True when removed. Another run's lock,
    or any failure here, is left as it is."""
    try:
        found = _read_entry(aws, bucket)
        if found is None or found[0] != holder:
            return False
        aws.client("s3").delete_object(Bucket=bucket, Key=KEY, IfMatch=found[1])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
        return False
    return True


def _read_entry(aws: Aws, bucket: str) -> tuple[Holder, str] | None:
    """The holder of the lock and the lock object's ETag, or None when there is none."""
    got: dict[str, Any] | None = aws.read("s3", "GetObject", Bucket=bucket, Key=KEY)
    return None if got is None else (Holder.from_json(got["Body"].read()), str(got["ETag"]))


def read(aws: Aws, bucket: str) -> Holder | None:
    """The holder of the lock, or None when there is none (or no bucket)."""
    found = _read_entry(aws, bucket)
    return None if found is None else found[0]


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
