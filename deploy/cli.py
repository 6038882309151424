"""`python -m deploy <command>`: argument parsing and printing only."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from deploy import atomic_file, bootstrap_version, budget, lock, render, stacks
from deploy.aws import Aws, CallLog, CredentialsLapsed, DeployError, Interrupted
from deploy.aws_errors import CREDENTIAL_KINDS, ErrorKind, classify, hint, lapsed
from deploy.bootstrap import cli as bootstrap_cli
from deploy.config import ConfigError, ConfigFile, load_config_file
from deploy.engine import Engine, stop_on
from deploy.executor import INTERRUPTED
from deploy.failures import Incomplete, outside_steps
from deploy.image_ref import account_of, image_problem, project_image_problem
from deploy.naming import Names, preview_env, site_url
from deploy.resources import site
from deploy.resources.cdn import site_domain
from deploy.wording import counted

if TYPE_CHECKING:  # imported where used, as the commands' other modules
    from deploy.executor import Teardown
    from deploy.github_api import GitHub, PullRequest
    from deploy.plan import Action, Step
    from deploy.previews import Verdict
    from deploy.world import Unread

_UNSET = object()
FORCE_UNLOCK = (
    "remove the stack's lock first: only when the run that holds it is dead (the error "
    "names it and its age)"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _now(args: argparse.Namespace) -> datetime:
    """The wall clock ``main`` was given (tests pass their own: an age is never waited for)."""
    clock: Callable[[], datetime] = getattr(args, "now", _utc_now)
    return clock()


def _file(args: argparse.Namespace) -> ConfigFile:
    """config.yaml, read once per command: the engine, the bootstrap-version check and the
    summary all ask for it, and reading it validates every deployment in it."""
    loaded: ConfigFile | None = getattr(args, "_config_file", None)
    if loaded is None or loaded.path != Path(args.config):
        loaded = load_config_file(Path(args.config))
        args._config_file = loaded
    return loaded


def _preview_names(file: ConfigFile, aws: Aws) -> Callable[[int], Names]:
    """pr-<N> → that preview's names (what its engine would name), the account asked of AWS
    once, not once a preview."""
    account = ""

    def names(number: int) -> Names:
        nonlocal account
        account = account or aws.account_id()
        return Names(file.base.project, account, file.base.region, preview_env(number))

    return names


def _previews_without_template(
    args: argparse.Namespace, file: ConfigFile, found: dict[int, list[str]]
) -> int:
    """`previews` when config.yaml has no `preview:`: those still in AWS (a template taken out
    while they ran) are named with the command that removes each; the sweep judges none."""
    if not found:
        if args.previews_command == "list":
            print(f"previews of {file.base.project}: none (config.yaml has no `preview:`)")
            return 0
        raise DeployError("previews: config.yaml has no `preview:` template, and AWS has none")
    print(
        f"previews of {file.base.project}: {len(found)}, though config.yaml has no `preview:` "
        "template (taken out while they ran): nothing removes them by itself; remove each with "
        "the command below, or put `preview:` back and let the sweep judge them"
    )
    for number, items in found.items():
        env = preview_env(number)
        print(f"  {env}: python -m deploy destroy --yes --env {env}")
        print(f"    {', '.join(items)}")
    if args.previews_command == "list":
        return 0
    print("The sweep removed none of them: without `preview:` it judges no preview.")
    return 1


def _engine(args: argparse.Namespace, env: Any = _UNSET, aws: Aws | None = None) -> Engine:
    """The engine of the deployment ``--env`` names (or ``env``)."""
    file = _file(args)
    removing = getattr(args, "command", None) == "destroy"
    cfg = file.select(getattr(args, "env", None) if env is _UNSET else env, removing)
    image = getattr(args, "image", None)
    if image is not None and not image.strip():  # `--image "${IMAGE}"`, the variable empty
        raise DeployError(
            "--image: empty: give the prebuilt image's URI (repository@sha256:… as `python -m "
            "deploy image` prints it), or leave --image out to build the image from "
            "model.build_context"
        )
    problem = image and image_problem(image, cfg.region)
    if problem:
        raise DeployError(f"--image: {problem}")
    return Engine(
        cfg,
        file.path.resolve().parent,
        aws or Aws(cfg.region),
        image=image,
    )


def _header(eng: Engine, notes: list[str] | None = None) -> str:
    n = eng.names
    where = f", environment {n.env}," if n.env else ""
    return "\n".join(
        [f"Project {n.project}{where} in {n.region} (account {n.account}):", *(notes or ())]
    )


def _config_flag(args: argparse.Namespace) -> str | None:
    """--config as a command this one prints must repeat it: None for the default."""
    return args.config if args.config != "config.yaml" else None


def _release_command(args: argparse.Namespace, holder_command: str) -> str:
    """The exact command that removes a held lock, from a plan's arguments."""
    return lock.unlock_command(
        holder_command, getattr(args, "env", None), _config_flag(args), getattr(args, "image", None)
    )


def cmd_plan(args: argparse.Namespace) -> int:
    eng = _engine(args)
    eng.check_sources()
    planned = eng.plan()
    # Is the stack's lock held? apply would be refused (read only: plan never takes it)
    held = lock.plan_note(eng.aws, eng.names, time.time(), partial(_release_command, args))
    planned.notes += [held] if held else []
    # Are the workflows' roles what this commit's bootstrap writes? (a warning, never a failure)
    if not args.no_bootstrap_check:
        planned.warnings += bootstrap_version.check(eng.aws, _file(args)).warnings
    if args.format == "json":
        extra = {"project": eng.cfg.project, "region": eng.cfg.region}
        if eng.cfg.environment:
            extra["environment"] = eng.cfg.environment
        extra["warnings"] = planned.warnings
        extra["notes"] = planned.notes
        print(render.as_json(planned.actions, extra))
    elif args.format == "markdown":
        header = _header(eng, planned.notes).replace("\n", "\n\n")
        print(render.markdown(planned.actions, header, planned.warnings))
    else:
        header = _header(eng, planned.notes)
        print(render.text(planned.actions, header, args.verbose, planned.warnings))
    return 2 if planned.changes else 0


def _writable_file(path: str, flag: str) -> Path:
    """``path`` as a file this run can write, checked before any AWS call: a typo in a CI
    output path must not turn a deploy that succeeded into a failed job after the fact."""
    target = Path(path)
    parent = target.parent
    problem = None
    if target.is_dir():
        problem = f"is a directory; give a file name in it, e.g. {target / 'out.txt'}"
    elif not parent.exists():
        problem = f"the directory {parent} does not exist; create it first"
    elif not parent.is_dir():
        problem = f"{parent} is not a directory"
    elif not os.access(parent, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        problem = "cannot be written (permission denied)"
    if problem:
        raise DeployError(f"{flag} {path}: {problem}")
    return target


SWEEP = "previews sweep"  # the command that takes the lock of several stacks in turn


@dataclass
class LockState:
    """Whether the command's lock was taken and released: --summary-json says it."""

    taken: bool = False
    released: bool = False
    lapsed: ErrorKind | None = None  # the release refused: the credentials no longer work
    # The release refused or interrupted, but the command itself had deleted the lock: a
    # destroy's, with its bucket (or what the bucket held, its DeleteBucket not seen through).
    gone: bool = False
    refusal: str = ""  # what refused the release, when the lock was gone already
    interrupted: bool = False  # Ctrl-C or SIGTERM in the release itself

    def said(self) -> str:
        if not self.taken:
            return "none"
        return "released" if self.released else "gone" if self.gone else "held"

    def fields(self) -> dict[str, Any]:
        """--summary-json's ``lock``, and ``lock_release: "interrupted"`` when it is said held
        because its release was interrupted: its DeleteObject may have reached S3, so the lock
        *may* be held (the job summary says so, not "still held")."""
        said = self.said()
        if said == "held" and self.interrupted:
            return {"lock": said, "lock_release": "interrupted"}
        return {"lock": said}


@contextmanager
def _locked(
    eng: Engine,
    command: str,
    force: bool,
    state: LockState | None = None,
    lock_gone: Callable[[], str] = lambda: "",
    unlock: lock.Unlock = "",
) -> Iterator[LockState]:
    """Hold the stack's lock (deploy/lock.py) while a command changes it; released however
    the command ends (an error, Ctrl-C, SIGTERM). Credentials that lapsed cannot release it:
    then the command's own error stays the error, with a note saying the lock is held and how
    to release it (a command that succeeded fails with that note: the next run would stop).
    The sweep's (which goes on to its other stacks): a release that fails otherwise is said so
    too, a DeployError, not AWS's error alone. ``lock_gone``: how the command itself deleted
    the lock ("" when it did not): a destroy's bucket deletion; then a release refused or
    interrupted holds none. ``unlock``: the exact command that removes a held lock, which a
    refusal names."""
    state = state or LockState()
    bucket = eng.names.bucket
    image = (eng.image or "") if command == "apply" else ""  # what finishes it, were it to die
    state.taken = lock.take(
        eng.aws, bucket, command, eng.log, force=force, unlock=unlock, image=image
    )
    try:
        yield state
    except BaseException as err:
        note = _release(eng, bucket, state, command, lock_gone)
        if note:
            err.add_note(note)
        raise
    note = _release(eng, bucket, state, command, lock_gone)
    # The command deleted the lock (its bucket's deletion): none is held. A sweep still hears
    # that the credentials lapsed, in the note that says so: its next stacks would be refused.
    if state.gone and (command != SWEEP or state.lapsed is None):
        return
    if note:  # the credentials lapsed (a sweep stops there: deploy/sweep.py), or the sweep's
        said = f"{command} ended, but {note[0].lower()}{note[1:]}"
        if state.lapsed is None:
            raise DeployError(said)
        raise CredentialsLapsed(said, state.lapsed)


def _release(
    eng: Engine,
    bucket: str,
    state: LockState,
    command: str,
    lock_gone: Callable[[], str] = lambda: "",
) -> str:
    """Release the lock if taken; "" when done, else what holds it and how to release it
    (only when the credentials lapsed, but in the sweep: else AWS's error goes up); or, the
    lock deleted by this command (`lock_gone`: a destroy's bucket), that none is held."""
    if not state.taken:
        return ""
    try:
        lock.release(eng.aws, bucket)
    except KeyboardInterrupt as err:  # a second Ctrl-C: after the lock went, none is held
        state.interrupted = True
        how = lock_gone()
        if how:
            state.gone = True
            err.add_note(f"{_gone_note(bucket, how)} (its release was interrupted).")
        raise
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        state.lapsed = lapsed(err)
        how = lock_gone()
        if how:  # deleted already, whatever the release met
            state.gone, state.refusal = True, str(err)
            return f"{_gone_note(bucket, how)} (its release was refused: {err})"
        if state.lapsed is None and command != SWEEP:
            raise
        why = (
            f"releasing it needs working credentials too ({err}). Once signed in again, "
            if state.lapsed
            else f"its release failed ({_with_hint(err)}). To release it, "
        )
        return (
            f"The stack's lock s3://{bucket}/{lock.KEY} is still held: {why}"
            f"{_unlock_advice(eng, command)} (it removes the lock, then takes it; only when no "
            "other apply or destroy of this stack runs). A CI run's lock is taken over by the "
            f"next run after its job's time limit ({lock.MAX_MINUTES_ENV})"
        )
    state.released = True
    return ""


# How a destroy deleted its lock (`_locked`'s ``lock_gone``), as `_gone_note` says it.
WENT_WITH_BUCKET = "went with its bucket, deleted above"
WENT_WITH_CONTENTS = (
    "was deleted above with what its bucket held (the bucket's own deletion was not seen "
    "through: the next destroy deletes it)"
)


@dataclass
class LockDeletion:
    """Whether a destroy (`destroy`'s, a sweep's stack's) deleted its stack's lock, as
    `_locked`'s ``lock_gone`` asks: its bucket deleted (in ``done()``, the actions done so
    far), or a step of that deletion seen done (`site.deletes_lock`), even when it stopped
    before DeleteBucket's answer. Watches ``eng``'s steps from when it is made."""

    eng: Engine
    done: Callable[[], list[Action]]
    seen: bool = False

    def __post_init__(self) -> None:
        self.eng.answered = self.answered

    def answered(self, action: Action, _step: Step) -> None:
        self.seen = self.seen or site.deletes_lock(action, self.eng.names.bucket)

    def how(self) -> str:
        """How the lock went ("" when it is still there)."""
        if _bucket_deleted(self.done(), self.eng.names.bucket):
            return WENT_WITH_BUCKET
        return WENT_WITH_CONTENTS if self.seen else ""


def _gone_note(bucket: str, how: str) -> str:
    """A refused or interrupted release after the command deleted the lock (``how``)."""
    return f"The stack's lock s3://{bucket}/{lock.KEY} {how}: none is held, nothing to unlock"


def _unlock_advice(eng: Engine, command: str) -> str:
    """What releases the lock: --force-unlock is apply's and destroy's only (`previews sweep`
    takes the lock too, but has no such flag), so another command names them."""
    if command in ("apply", "destroy"):
        return "run the same command with --force-unlock"
    env = f" --env {eng.names.env}" if eng.names.env else ""
    return (
        f"pass --force-unlock to this stack's next apply or destroy (`python -m deploy "
        f"apply{env} --force-unlock`, or `python -m deploy destroy{env} --yes --force-unlock` "
        f"to finish what {command} was removing)"
    )


# What --summary-json's "failed" says of a run Ctrl-C or SIGTERM stopped.
INTERRUPTED_FAILURE = {"kind": "interrupted", "todo": "run the command again"}


@dataclass
class Stage:
    """Where an apply is outside its plan's steps (a failed step is in `eng.progress`): what
    --summary-json's "failed" names when it stops there (credentials lapsing in a read
    before the plan, in the image's, or in the endpoint's status read after the changes);
    ``name`` is its "stage" (config, arguments, lock, reads, image, actions, final status)."""

    op: str = "lock"
    resource: str = "stack lock"
    step: str = "taking the stack's lock"
    name: str = "lock"
    number: int = 0  # in the plan's steps: the action's k in [k/n], and n (else 0)
    total: int = 0
    # The plan's `Kept …` lines once it is made (a failure after it says them in `kept`, as
    # the applied summary does); None before: not known, so a failure then has no `kept`.
    kept: list[str] | None = None

    def at(self, op: str, resource: str, step: str, name: str) -> None:
        self.op, self.resource, self.step, self.name = op, resource, step, name

    def steps_note(self) -> str:
        """Stopped in the plan's k-th action: which were done before it and which were not
        started, by the [k/n] numbers the progress lines show (apply runs them in order and
        stops at the first that fails); "" outside the plan's steps."""
        k, n = self.number, self.total
        if self.name != "actions" or not 0 < k <= n:
            return ""
        done = "nothing done" if k == 1 else f"{_span(1, k - 1, n)} done"
        rest = "nothing after it" if k == n else f"{_span(k + 1, n, n)} not started"
        return f"Before it: {done}; {rest}."


def _span(first: int, last: int, n: int) -> str:
    return f"[{first}/{n}]" if first == last else f"[{first}/{n}] to [{last}/{n}]"


def _note_first(err: BaseException, note: str) -> None:
    """``note`` as ``err``'s first note (before the lock's, which `_locked` added)."""
    if note:
        err.add_note(note)
        err.__notes__.insert(0, err.__notes__.pop())


def cmd_apply(args: argparse.Namespace) -> int:
    """Exit 0 when every change landed and the lock was released, 1 otherwise: also when
    every change landed but the lock could not be released (deploy/README.md, "Exit codes")."""
    summary_path = (
        _writable_file(args.summary_json, "--summary-json") if args.summary_json else None
    )
    eng = _checked_engine(args, summary_path, sources=True)
    held, stage = LockState(), Stage()
    applied: dict[str, Any] | None = None  # the summary of an apply whose changes all landed
    try:
        eng.check_owner_before_lock()  # the lock is in the stack's bucket: is it ours?
        unlock = _exact_command(args, "--force-unlock")
        with _locked(eng, "apply", args.force_unlock, held, unlock=unlock):
            applied = _apply(args, eng, summary_path, stage)
    except (Interrupted, KeyboardInterrupt) as err:  # Ctrl-C, SIGTERM: in a step or not
        stopped = _interruption(args, eng, err, held, stage)
        if applied is None:
            _note_first(stopped, stage.steps_note())
            _write_failure(summary_path, eng, stopped, held, stage, interrupted=True)
        else:  # every change landed, then the lock's release was interrupted: as refused
            _write_summary_quietly(
                summary_path, {**applied, **held.fields(), "lock_note": _said(stopped)}
            )
        raise stopped from None
    # After the lock's release: the summary says whether it went. A release that failed
    # otherwise than for credentials raises AWS's error (the step's is its context): the
    # summary is still written, as it was before the release.
    except (DeployError, botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        if applied is None:
            _note_first(err, stage.steps_note())
            _write_failure(summary_path, eng, err, held, stage)
        else:  # only the lock's release failed: the changes' summary stays, with its note
            _write_summary_quietly(
                summary_path, {**applied, **held.fields(), "lock_note": _said(err)}
            )
        raise
    return 0


def _checked_engine(
    args: argparse.Namespace, summary_path: Path | None, sources: bool = False
) -> Engine:
    """apply's or destroy's engine: config.yaml read, --env and --image checked (``sources``:
    and the directories apply reads, which destroy does not), before any AWS call. A refusal
    (or Ctrl-C) there writes --summary-json too, naming the stage: CI's job summary reads that
    file, and shows nothing of why without it."""
    config = str(getattr(args, "config", "config.yaml"))
    stage = Stage("config", config, "reading it, before any AWS call", "config")
    try:
        eng = _engine(args)
        if sources:
            eng.check_sources()
        return eng
    except KeyboardInterrupt:
        _stage_reached(args, stage)
        stopped = Interrupted(
            f"interrupted while {stage.step} ({stage.resource}): nothing was changed, and no "
            "stack lock was taken; run the command again"
        )
        _write_early(summary_path, stage, stopped, "interrupted", getattr(args, "command", "apply"))
        raise stopped from None
    except Exception as err:
        _stage_reached(args, stage)
        if isinstance(err, botocore.exceptions.BotoCoreError | botocore.exceptions.ClientError):
            stage.at("credentials", "AWS session", "making it, before any AWS call", "credentials")
        _write_early(summary_path, stage, err, stage.name, getattr(args, "command", "apply"))
        raise


def _stage_reached(args: argparse.Namespace, stage: Stage) -> None:
    """Past config.yaml (`_file` keeps it once read and valid): at the arguments."""
    if getattr(args, "_config_file", None) is not None:
        stage.at("arguments", "--env, --image", "checking them, before any AWS call", "arguments")


def _write_early(
    path: Path | None, stage: Stage, err: BaseException, name: str, command: str = "apply"
) -> None:
    """--summary-json of a run refused before its engine was made: no change, no lock (with
    destroy's keys for a destroy: nothing removed)."""
    if path is None:
        return
    failed = outside_steps(stage.op, stage.resource, stage.step, err)
    if name == "interrupted":
        failed.update(INTERRUPTED_FAILURE)
    summary = {
        "status": "failed",
        "stage": name,
        "error": _said(err, _error_text(err)),
        "endpoint_name": None,
        "changes": [],
        "lock": "none",
        "failed": failed,
    }
    if command == "destroy":
        summary.update(removed=[], kept=[], failures=[], left=[], untried=[], unconfirmed=[])
    _write_summary_quietly(path, summary)


def _exact_command(args: argparse.Namespace, *more: str) -> str:
    """This run's command line with ``more`` added (each once): what the user runs next."""
    words = list(getattr(args, "argv", None) or [])
    words += [word for word in more if word not in words]
    return f"python -m deploy {shlex.join(words)}"


def _interruption(
    args: argparse.Namespace,
    eng: Engine,
    err: BaseException,
    held: LockState,
    stage: Stage,
) -> Interrupted:
    """Ctrl-C or SIGTERM during an apply or a destroy, said as one error: what was in
    progress (the step, or the stage outside the plan's steps), then whether the stack's lock
    is still held and the exact command that releases it."""
    # In the release itself: not a Ctrl-C in the command that a refused release followed.
    releasing = isinstance(err, KeyboardInterrupt) and held.interrupted
    before = err.__context__
    if isinstance(err, Interrupted):
        head = str(err)
    elif releasing and isinstance(before, Interrupted):  # a second Ctrl-C, in the release
        head = f"{str(before).rstrip('.')}. Then interrupted again while releasing the lock."
    elif releasing:
        command = getattr(args, "command", "apply")
        head = f"interrupted while releasing the stack's lock, after the {command} ended"
        if before is not None:
            head += f": {_said(before)}"
    elif stage.name in ("lock", "reads", "image"):
        head = (
            f"interrupted while {stage.step} ({stage.resource}): no change of the stack was "
            "made yet; run the command again"
        )
    else:
        head = f"interrupted at {stage.resource}, {stage.step}. {INTERRUPTED}"
    stopped = Interrupted(head)
    notes = [*getattr(err, "__notes__", ())]
    if releasing and isinstance(before, BaseException):
        notes = [*getattr(before, "__notes__", ()), *notes]
    unlock = _exact_command(args, "--force-unlock")
    said = held.said()
    if said == "released":
        notes.append("The stack's lock was released: the next apply or destroy can start.")
    elif said == "gone":  # a destroy's: `_release` said it went with the bucket
        pass
    elif said == "held" and held.lapsed is not None:  # the note says why; the command is exact
        notes.append(f"The exact command: `{unlock}`")
    elif said == "held":  # interrupted in flight: S3 may have deleted it, or not
        notes.append(
            f"The stack's lock s3://{eng.names.bucket}/{lock.KEY} may still be held: its "
            f"release was interrupted. Once no other apply or destroy of this stack runs, "
            f"`{unlock}` removes it if it is there, takes it and runs again."
        )
    elif stage.name == "reads" and getattr(args, "command", "") == "destroy":
        # destroy reads what exists first, then locks (apply locks first, then reads)
        notes.append("No stack lock was taken: destroy stopped before taking the stack's lock.")
    elif getattr(err, "lock_removed", False):  # lock.take removed what it had written
        pass
    elif stage.name != "lock":  # no bucket yet, so no lock (deploy/lock.py)
        notes.append("No stack lock was taken: the stack had no bucket yet to hold one.")
    else:
        notes.append(
            "The stack's lock was being taken: if the next apply or destroy stops at a lock "
            f"held by this run, `{unlock}` removes it (only when no other run of this stack "
            "goes on)."
        )
    for note in notes:
        stopped.add_note(note)
    return stopped


def _apply(
    args: argparse.Namespace, eng: Engine, summary_path: Path | None, stage: Stage
) -> dict[str, Any]:
    """The apply under the lock; its summary (written to ``summary_path``), ``stage`` kept
    at what it does outside the plan's steps."""
    locking = len(eng.aws.log.calls)  # the lock's own calls are not the apply's: not counted
    reading = ("read", "plan", "reading what exists, before any change", "reads")
    stage.at(*reading)
    # Before the first change: are the roles what this commit's bootstrap writes? A role behind
    # is a warning (this change may not need what it lacks); an AccessDenied then says so.
    roles = bootstrap_version.check(eng.aws, _file(args))
    with bootstrap_version.denied_hint(roles):
        service_roles = None  # read once, under the lock: the image's check and the plan's
        if eng.cfg.environment:
            # An environment's model is pinned by digest: push first (when ECR lacks the
            # image), then plan with the digest, so the plan shown is the one applied.
            stage.at(
                "image", "image", "making sure of the model image in ECR, before the plan", "image"
            )
            service_roles = eng.read_roles()  # the image's stage: its check reads them first
            eng.image = eng.ensure_image(service_roles)
            print(f"Image: {eng.image}")
            stage.at(*reading)
        planned = eng.plan(service_roles)
    stage.kept = planned.kept
    planned.warnings += roles.warnings
    print(render.text(planned.actions, _header(eng, planned.notes), warnings=planned.warnings))
    todo = [a for a in planned.actions if a.op != "noop"]

    def next_up(i: int, _done: Action | None = None) -> None:
        """After the i-th action (a hook): the next, or the endpoint's status read last."""
        if i < len(todo):
            stage.at(todo[i].op, f"{todo[i].kind} {todo[i].name}", "running its steps", "actions")
            stage.number, stage.total = i + 1, len(todo)
        else:
            status = "sagemaker:DescribeEndpoint (its status, after every change)"
            stage.at("read", f"endpoint {eng.names.endpoint}", status, "final status")

    next_up(0)
    try:
        with bootstrap_version.denied_hint(roles):
            summary = eng.apply(planned, next_up)
    except Interrupted:
        raise
    except DeployError as err:  # a push whose deploy failed is activity too: the sweep counts it
        if not isinstance(err, CredentialsLapsed):  # tagging it would be refused too
            _record_preview_deploy(args, eng)
        raise
    summary = {"status": "applied", **summary}  # as a failure's says "failed"
    calls = CallLog(eng.aws.log.calls[locking:])
    _record_preview_deploy(args, eng)  # after the count: it is not the plan's
    if eng.names.is_preview:  # for the pull request's comment (preview_comment.py)
        days = _file(args).preview_max_idle_days
        summary["preview"] = {"max_idle_days": days, "warnings": planned.warnings}
    waits = sum(1 for change in summary["changes"] if change.get("op") == "wait")
    done = len(summary["changes"]) - waits
    waited = f", waited for {waits}" if waits else ""  # a wait changes nothing
    print(
        f"\nApplied {counted(done, 'change')}{waited} "
        f"({len(calls.calls)} AWS calls, {len(calls.mutating)} mutating)."
    )
    print(f"  API URL:   {summary['api_url']}")
    print(f"  Site URL:  {summary['site_url']}")
    print(f"  Endpoint:  {summary['endpoint_name']} ({summary['endpoint_status']})")
    try:
        _write_summary(summary_path, summary)
    except OSError as err:
        raise DeployError(
            f"applied, but --summary-json {summary_path} could not be written: "
            f"{err.strerror or err}"
        ) from None
    return summary


def _write_summary(path: Path | None, summary: dict[str, Any]) -> None:
    """Whole or not at all (deploy/atomic_file.py): the job-summary step never reads half."""
    if path:
        atomic_file.write_text(path, json.dumps(summary, indent=2, default=str) + "\n")


def _write_failure(
    path: Path | None,
    eng: Engine,
    err: Exception,
    held: LockState,
    stage: Stage,
    interrupted: bool = False,
) -> None:
    """The failed apply's error in --summary-json, for the workflow's job summary (which else
    said only that it could not read the file): the changes done before it, the step it
    stopped at with its kind (``expired``: sign in again), or where outside the plan's steps
    (``stage``), and whether the lock is still held. Best effort: the error is raised anyway."""
    if path is None:
        return
    progress = eng.progress
    said = _said(err)
    if not isinstance(err, DeployError) and isinstance(err.__context__, DeployError):
        # AWS's own, the lock's release failing after the apply's error: both said
        said = f"{_said(err.__context__)}\nThen the lock's release failed: {err}"
        err = err.__context__
    failed: dict[str, Any] = {
        "status": "failed",
        "stage": "interrupted" if interrupted else stage.name,
        "error": said,
        "endpoint_name": _endpoint_name(eng),
        "changes": [a.to_json() for a in progress.done] if progress else [],
        **held.fields(),
    }
    if stage.kept is not None:  # the plan was made: what it leaves, as "applied" says
        failed["kept"] = stage.kept
    if progress and progress.failed:
        failed["failed"] = progress.failed.to_json()
    else:
        failed["failed"] = outside_steps(stage.op, stage.resource, stage.step, err)
    if interrupted:
        failed["failed"].update(INTERRUPTED_FAILURE)
    _write_summary_quietly(path, failed)


def _endpoint_name(eng: Engine) -> str | None:
    """The endpoint's name; None when the account is unknown (GetCallerIdentity failed or
    was interrupted: not asked again, an interrupted run makes no more AWS calls)."""
    names = eng.known_names
    return names.endpoint if names else None


def _record_preview_deploy(args: argparse.Namespace, eng: Engine) -> None:
    """A preview's apply tags its endpoint with the time (deploy/previews.py): the sweep
    removes a preview no deploy reached for `preview.max_idle_days`. A failure to tag is said,
    never the apply's failure: the endpoint's own times stand in for it (credentials that
    lapsed after the changes included: botocore's refresh failing too)."""
    from deploy import previews

    if not eng.names.is_preview:
        return
    when = _now(args)
    try:
        tagged = previews.record_deploy(eng.aws, eng.names, when)
    except (
        DeployError,
        botocore.exceptions.ClientError,
        botocore.exceptions.BotoCoreError,
    ) as err:
        print(f"warning: could not tag {eng.names.endpoint} {previews.DEPLOYED_AT}: {err}")
        return
    if tagged:
        print(
            f"Recorded this deploy on endpoint {eng.names.endpoint} "
            f"({previews.DEPLOYED_AT}={previews.stamp(when)}): the preview sweep removes a "
            "preview no deploy reached for preview.max_idle_days."
        )


def cmd_destroy(args: argparse.Namespace) -> int:
    """Exit 0 when nothing is left (or nothing was there), 1 otherwise, 130 when interrupted
    (143 by SIGTERM); --summary-json says what was removed, what failed, what was left, and the
    lock, however it ends (deploy/README.md, "Exit codes")."""
    summary_path = (
        _writable_file(args.summary_json, "--summary-json") if args.summary_json else None
    )
    eng = _checked_engine(args, summary_path)
    run = DestroyRun()
    try:
        code = _destroy(args, eng, run)
    except (Interrupted, KeyboardInterrupt) as err:  # Ctrl-C, SIGTERM: in a step or not
        stopped = _interruption(args, eng, err, run.held, run.stage)
        said = run.after_release(eng, stopped) or run.said(eng, stopped, "interrupted")
        _write_summary_quietly(summary_path, said)
        raise stopped from None
    except (DeployError, botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        said = run.after_release(eng, err) or run.said(eng, err, run.stage.name)
        _write_summary_quietly(summary_path, said)
        raise
    _write_summary_quietly(summary_path, run.summary)
    return code


@dataclass
class DestroyRun:
    """A destroy as it goes: where it is, what it deleted, its lock; what --summary-json
    says (``summary``, once it ended by itself; `said` when an error ends it)."""

    held: LockState = field(default_factory=LockState)
    stage: Stage = field(
        default_factory=lambda: Stage("read", "plan", "reading what exists", "reads")
    )
    done: list[Action] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    ended: bool = False  # its deletions ended (all done, or `incomplete`): the release is next
    incomplete: Incomplete | None = None

    def end(self, done: list[Action], incomplete: Incomplete | None = None) -> None:
        """Its deletions ended, before the lock's release: what they did is what AWS holds,
        however the release goes."""
        self.done[:] = done
        self.ended, self.incomplete = True, incomplete

    def outcome(self, eng: Engine) -> dict[str, Any]:
        """The summary of deletions that ended: destroyed, or failed with what was not."""
        if self.incomplete is not None:
            return self.said(eng, self.incomplete, "actions", incomplete=self.incomplete)
        return self.said(eng, status="destroyed")

    def after_release(self, eng: Engine, err: BaseException) -> dict[str, Any] | None:
        """When its deletions had ended and only the lock's release failed or was interrupted:
        their summary (what AWS holds, not "interrupted in its deletions"), the lock as it is
        and ``lock_note`` (the release's error); else None."""
        if not self.ended:
            return None
        return {**self.outcome(eng), "lock_note": _said(err)}

    def said(
        self,
        eng: Engine,
        err: BaseException | None = None,
        stage: str = "",
        status: str = "",
        incomplete: Incomplete | None = None,
    ) -> dict[str, Any]:
        """The summary: ``status`` "destroyed", "nothing to destroy" (`_destroy` makes either
        "kept unowned" when it left what this project did not make), else "failed" with
        ``stage`` and the error (an `Incomplete`'s failures, left, untried and unconfirmed)."""
        summary: dict[str, Any] = {"status": status or "failed"}
        if err is not None:
            summary["stage"] = stage
            summary["error"] = _said(err, _error_text(err))
        summary.update(
            region=eng.cfg.region,
            account=_account(eng),
            removed=[f"{a.kind} {a.name}" for a in _removed(self.done)],
            kept=self.kept,
            failures=[f.to_json() for f in incomplete.failures] if incomplete else [],
            left=[
                {"resource": f"{s.action.kind} {s.action.name}", "because": list(s.because)}
                for s in (incomplete.skipped if incomplete else ())
            ],
            untried=[f"{a.kind} {a.name}" for a in (incomplete.untried if incomplete else ())],
            unconfirmed=[
                {"resource": f"{u.action.kind} {u.action.name}", "sent": list(u.sent)}
                for u in (incomplete.unconfirmed if incomplete else ())
            ],
        )
        summary.update(self.held.fields())
        if err is not None and incomplete is None:
            st = self.stage
            failed = outside_steps(st.op, st.resource, st.step, err)
            if stage == "interrupted":
                failed.update(INTERRUPTED_FAILURE)
            summary["failed"] = failed
        return summary


def _account(eng: Engine) -> str | None:
    """The account destroy looked in; None when unknown (GetCallerIdentity failed or was
    interrupted: not asked again)."""
    names = eng.known_names
    return names.account if names else None


def _write_summary_quietly(path: Path | None, summary: dict[str, Any]) -> None:
    """Best effort: the run's own outcome (its exit code, its error) stands either way."""
    with contextlib.suppress(OSError):
        _write_summary(path, summary)


def _destroy(args: argparse.Namespace, eng: Engine, run: DestroyRun) -> int:
    """The destroy itself; ``run`` kept at where it is and what it deleted."""
    actions, world = eng.destroy_plan()
    stop_on(actions)  # before the plan is shown and --yes asked for, as apply's plan stops
    kept = [r.name for r in world.of_kind("ecr_repository") if getattr(r, "shared", False)]
    kept_roles = stacks.kept_roles(world, eng.names)
    unowned = eng.kept  # not this project's, and what of its own they still use
    repos = [
        f"Kept the image repository {name}: every environment of the project uses it. Once the "
        f"last one is destroyed, `aws ecr delete-repository --repository-name {name} --force "
        f"--region {eng.cfg.region}` removes it and its images."
        for name in kept
    ]
    run.kept = [*kept_roles, *unowned, *repos]
    if not actions:
        what = f"environment {eng.names.env} of " if eng.names.env else ""
        print(
            f"Nothing to destroy: no resources of {what}project {eng.cfg.project} found in "
            f"{eng.cfg.region} (account {eng.names.account})."
        )
        for line in [*kept_roles, *unowned]:
            print(line)
        run.summary = run.said(eng, status="nothing to destroy")
        if unowned:  # not all of the stack is gone (`_unowned_left`): exit 1
            print(f"error: {_unowned_left(unowned)}", file=sys.stderr)
            run.summary.update(status="kept unowned", error=_unowned_left(unowned))
            return 1
        return 0
    print(render.text(actions, f"{_header(eng)} destroy"))
    for line in [*kept_roles, *unowned, *eng.left]:  # said before --yes: what it will leave
        print(line)
    if not args.yes:
        refused = "Refusing to delete without --yes."
        print(refused, file=sys.stderr)
        run.summary = run.said(eng, DeployError(refused), "arguments")
        return 1
    removed = run.done  # as they are done: a destroy stopped partway deleted these
    deletion = LockDeletion(eng, lambda: removed)

    def next_up(_i: int, action: Action) -> None:
        removed.append(action)

    run.stage.at("lock", "stack lock", "taking the stack's lock", "lock")
    try:
        unlock = _exact_command(args, "--force-unlock")
        with _locked(eng, "destroy", args.force_unlock, run.held, deletion.how, unlock):
            where = f"project {eng.cfg.project}"
            # Under the lock it reads again (a stop found then changes nothing): apply's words.
            run.stage.at("read", "plan", "reading what exists, before any change", "reads")

            def deleting() -> None:
                run.stage.at("delete", where, "its deletions, in destroy order", "actions")

            try:
                done, incomplete = eng.destroy(next_up, deleting), None
            except Incomplete as err:
                run.end(err.done, err)
                raise
            run.end(done)
    except Incomplete as err:  # it went on past the failures: say what it did, then those
        done, incomplete = err.done, err
    done = _removed(done)
    print(f"\nRemoved {counted(len(done), 'resource')}:")
    for a in done:
        print(f"  - {a.kind} {a.name}")
    if run.held.gone and incomplete is None:  # a whole destroy: its release refused after
        held = run.held
        why = "the credentials lapsed just then" if held.lapsed else held.refusal
        print(
            f"The lock's release was refused ({why}), but the lock was in "
            f"s3://{eng.names.bucket}, deleted above: none is held."
        )
    for line in repos:
        print(line)
    env = eng.names.env
    if env and incomplete is None and env in _file(args).environments:
        print(
            f"config.yaml still names environment {env}: the next `apply --env {env}` (a merge's "
            f"deploy job among them) creates it again. If it is gone for good, take it out of "
            "`environments:` (and run bootstrap again: its roles keep its permissions)."
        )
    run.summary = run.outcome(eng)
    if incomplete:
        print(f"error: {_said(incomplete)}", file=sys.stderr)
        return 1
    if unowned:  # not all of the stack is gone (`_unowned_left`): exit 1
        print(f"error: {_unowned_left(unowned)}", file=sys.stderr)
        run.summary.update(status="kept unowned", error=_unowned_left(unowned))
        return 1
    return 0


def _unowned_left(lines: list[str]) -> str:
    """Destroy's error when it left resources this project did not make, or of its own that
    one of those still uses (each said above): not everything with the stack's names is gone.
    The next apply stops before any change only on one with a name the stack wants (its role,
    repository, function or endpoint, or the model or config it would make under that very
    name: `stacks.not_made_here`); any other config or model of the stack's name pattern it
    leaves again and says (`Kept …`), a model of ours one uses included, which it deletes once
    nothing uses it and it is superseded (`stacks.spare_used`)."""
    return (
        f"{counted(len(lines), 'resource')} with this stack's names were left because this "
        "project did not create them, or one it did not create uses them (see the Kept lines "
        "above); the stack's names stay taken until they are removed or the stack is renamed."
    )


def _bucket_deleted(done: list[Action], bucket: str) -> bool:
    """Whether a destroy deleted the stack's bucket, and with it the lock kept in it."""
    return any(a.op == "delete" and a.kind == "s3_bucket" and a.name == bucket for a in done)


def _removed(done: list[Action]) -> list[Action]:
    """The deletions among what a destroy did: the distribution's disable, run first so
    CloudFront deploys it meanwhile, removes nothing by itself (its delete, later, does)."""
    return [a for a in done if a.op == "delete"]


def cmd_status(args: argparse.Namespace) -> int:
    """Exit 1 when a stack's endpoint is Failed (a script or an on-call check can act on it),
    else 0, a stack not deployed included."""
    from deploy import previews
    from deploy.ops import unread_line
    from deploy.world import refused_read

    file = _file(args)
    failed: list[str] = []
    unread: list[str] = []
    if getattr(args, "env", None) is not None or not (
        file.has_environments or file.previews_enabled
    ):
        _print_status(_engine(args), failed, unread, _config_flag(args))
        return _status_exit(failed, unread)
    aws = Aws(file.base.region)
    for env in file.environments:
        _print_status(_engine(args, env, aws), failed, unread, _config_flag(args))
    if not file.has_environments:
        _print_status(_engine(args, None, aws), failed, unread, _config_flag(args))
    try:
        found, uncounted = _previews_found(aws, file.base.project)
        seen = previews.listed(aws, file.base.project) if found else None
    except botocore.exceptions.ClientError as err:
        refused = refused_read(err, aws.log.calls, ("preview",))
        if refused is None:
            raise
        print(f"previews of {file.base.project}: could not be listed")
        print(unread_line(refused))
        unread.append(f"the previews of {file.base.project}")
        return _status_exit(failed, unread)
    print(f"previews of {file.base.project}: {len(found) or 'none'}")
    preview_names = _preview_names(file, aws)
    for number, items in found.items():
        names = preview_names(number)
        status = seen.endpoints.get(names.endpoint) if seen else None
        api_id = seen.apis.get(names.api) if seen else None
        print(
            f"  {preview_env(number)}: endpoint {status or 'missing'}, "
            f"api {names.api_url(api_id) if api_id else 'missing'}, "
            f"{counted(len(items), 'resource')} listed (`previews list` names them, with their age)"
        )
    if found and uncounted is not None:
        print(
            f"  (their Lambda functions not counted: {uncounted.service}:{uncounted.operation} "
            f"was refused ({uncounted.code}); these credentials may list the previews but not "
            "read a preview's function by name, as the deploy role may not: `previews list` "
            "with credentials that may counts them too)"
        )
    return _status_exit(failed, unread)


def _previews_found(aws: Aws, project: str) -> tuple[dict[int, list[str]], Unread | None]:
    """The previews' resources as `previews list` finds them (`previews.find`: one reckoning,
    so the two say the same count), and None; or, when the credentials may not read a
    preview's function by name (the deploy role, which status runs with too, may not:
    deploy/bootstrap/policies.py), by the listings alone, with that refusal."""
    from deploy import previews
    from deploy.world import refused_read

    errors: list[botocore.exceptions.ClientError] = []
    found = previews.find(aws, project, refused=errors)
    if not errors:
        return found, None
    refused = refused_read(errors[0], aws.log.calls, ("preview functions",))
    if refused is None or refused.operation != "GetFunction":
        raise errors[0]
    return found, refused


def _print_status(
    eng: Engine, failed: list[str], unread: list[str], config: str | None = None
) -> None:
    """One stack's status lines; its endpoint's name added to ``failed`` when it is Failed,
    and the stack added to ``unread`` when the credentials were refused one of its reads (its
    other sections are still said: each refused read is one line naming the permission)."""
    from deploy.image import missing_code
    from deploy.ops import status_lines
    from deploy.rollback import previous_image

    refused: list[Unread] = []
    world = eng.observe(unread=refused)
    previous = previous_image(world, eng.names)
    gone = missing_code(eng.aws, previous) if previous else None
    lines = status_lines(world, eng.names, gone, refused)
    held = lock.status_read(eng.aws, eng.names, time.time(), config)
    lines[1:1] = held
    print("\n".join(lines))
    if refused or any(lock.UNREAD in line for line in held):
        where = f" {eng.names.env}" if eng.names.env else ""
        unread.append(f"the stack{where} ({eng.names.project} in {eng.names.region})")
    ep = world.get("endpoint", eng.names.endpoint)
    if ep is not None and ep.status == "Failed":
        failed.append(eng.names.endpoint)


def _status_exit(failed: list[str], unread: list[str] | None = None) -> int:
    """1 when an endpoint is Failed, or when a read was refused: what could not be read may
    be what is wrong, so a script or an on-call check must not take the rest for all."""
    if unread:
        print(
            f"error: status could not read all of {', '.join(unread)}: the credentials were "
            "refused the reads named above (`unread`, `lock`), which say what to grant; "
            "the rest is what AWS answered",
            file=sys.stderr,
        )
    if failed:
        print(
            f"error: endpoint {', '.join(failed)} is Failed (the reason is above): "
            "`python -m deploy apply` deletes and re-creates it (`plan` shows it first); "
            "`python -m deploy logs` shows what the container said",
            file=sys.stderr,
        )
    return 1 if failed or unread else 0


def cmd_logs(args: argparse.Namespace) -> int:
    from deploy.log_search import (
        AT_WINDOW_MS,
        logs,
        parse_at,
        parse_since,
        parse_sources,
        request_pattern,
        source_groups,
        utc,
    )

    # Read the arguments before any AWS call: a mistyped time, id or source costs nothing.
    request_id = args.request_id or ""
    if request_id:
        request_pattern(request_id)
    sources = parse_sources(args.source)
    if args.at:
        at = parse_at(args.at)
        start, end, span = at - AT_WINDOW_MS, at + AT_WINDOW_MS, f"the 10 minutes around {utc(at)}"
    else:
        since = args.since or "1h"
        start, end, span = int(time.time() * 1000) - parse_since(since), None, f"the last {since}"
    eng = _engine(args)
    n = eng.names
    read = logs(eng.aws, n, start, end, request_id, sources=sources)
    for line in read.lines:
        print(line)
    for group in read.cut:
        print(
            f"only the first lines of {group} in {span} are shown: narrow it with "
            "--at TIME or --request-id ID",
            file=sys.stderr,
        )
    asked = {source_groups(n)[source] for source in sources}
    groups = [g for g in n.log_groups if g in asked]  # in messages: as the policies name them
    present = [g for g in groups if g not in read.missing]
    if not _said_missing(n, [g for g in groups if g in read.missing], present):
        return 1  # nothing to read at all: a failure for a script, as the message says
    # --since and --at exclude each other: after --at, a wider read is --since in its place.
    wider = (
        "--since with a span reaching back past that time, in place of --at"
        if args.at
        else "a longer --since"
    )
    if not read.lines and request_id:
        print(
            f"no log line with request id {request_id} in {span} in "
            f"{' and '.join(present)}; try {wider} (the logs keep log_retention_days)"
            + ("" if args.at else ", or --at the time the page showed"),
            file=sys.stderr,
        )
    elif not read.lines:  # say so: a silent command reads as a hang or a failure
        print(
            f"no log events in {span} in {' and '.join(present)} (health "
            f"checks left out); try {wider}, or send a request first",
            file=sys.stderr,
        )
    elif request_id:
        _say_trace(request_id, read.counts, read.lambda_ids)
    return 0


def _nor(groups: list[str]) -> str:
    """'A', 'A nor B', 'A, B nor C': the groups a "no log group ..." sentence names."""
    return " nor ".join([", ".join(groups[:-1]), groups[-1]] if len(groups) > 2 else groups)


def _said_missing(n: Names, missing: list[str], present: list[str]) -> bool:
    """Say which log groups do not exist; False when none of those asked for does. The API's
    access log apart: a stack deployed before it existed lacks only that group."""
    access_log = n.api_log_group
    region = n.region
    where = (
        "nothing deployed here? check --config, --env and the region; `python -m deploy status` "
        "shows what exists"
    )
    late = (
        f"its next apply creates it (`python -m deploy plan` shows `+ create log_group "
        f'{access_log}`; bootstrap again first: docs/deploy-commands.md, "The API\'s access log")'
    )
    if not present:  # nothing deployed here: not a quiet service, so not "send a request"
        # Every group read is named, the access log too: deploy creates all three.
        more = f"; or deployed before the API's access log existed: {late}"
        print(
            f"no log group {_nor(missing)} in {region}: {where}"
            + (more if missing == [access_log] else ""),
            file=sys.stderr,
        )
        return False
    others = [g for g in missing if g != access_log]
    if others:
        print(f"no log group {_nor(others)} in {region}: {where}", file=sys.stderr)
    if access_log in missing:
        print(
            f"no log group {access_log} (the API's access log) in {region}: was this stack "
            f"deployed before the API wrote one? {late}; until then what the gateway answered "
            "on its own is in no log",
            file=sys.stderr,
        )
    return True


def _say_trace(request_id: str, counts: dict[str, int], lambda_ids: list[str]) -> None:
    """On stderr, where one request left lines; and what a gateway line without a function
    line means (docs/deploy-commands.md, "The API's access log")."""

    def lines(source: str, count: int) -> str:
        said = f"{count} {source} line{'' if count == 1 else 's'}"
        if source == "lambda" and lambda_ids:
            said += f" (with Lambda's own id {', '.join(lambda_ids)}: START, END, REPORT)"
        return said

    said = ", ".join(lines(source, count) for source, count in counts.items())
    print(f"request {request_id}: {said}", file=sys.stderr)
    if counts.get("gateway") and counts.get("lambda") == 0:
        print(
            "the gateway answered it and the function logged nothing of it: it never reached "
            "the function, or the function died before it logged; the gateway line's error, "
            "integration_error and invoke_status say which",
            file=sys.stderr,
        )


def cmd_image(args: argparse.Namespace) -> int:
    """Build and push the model image when ECR lacks its tag; takes no stack lock (a run that
    loses a push race uses the image pushed: deploy/lock.py says why that is enough)."""
    output = _writable_file(args.github_output, "--github-output") if args.github_output else None
    eng = _engine(args)
    eng.check_sources(image_only=True)
    # The merge's first AWS step: a role behind is said here, before a build of minutes, in
    # plan's and apply's words (a warning only); an AccessDenied then names the role.
    roles = bootstrap_version.check(eng.aws, _file(args))
    for line in render.warning_lines(roles.warnings):
        print(line)
    with bootstrap_version.denied_hint(roles):
        uri = eng.ensure_image()
    _say_image(uri, output)
    return 0


def _say_image(uri: str, output: Path | None) -> None:
    """``image=URI`` on stdout, and appended to --github-output (the next step's input)."""
    print(f"image={uri}")
    if output:
        with output.open("a", encoding="utf-8") as fh:
            fh.write(f"image={uri}\n")


def cmd_check_image(args: argparse.Namespace) -> int:
    """Check a rollback's image (deploy.yml's workflow_dispatch) before anything is switched to
    it: this project's ECR repository in the configured region and account, first without any
    AWS call (the account from --account), then (unless --offline) that ECR has its tag or
    digest. Prints it as given: the URI `status` printed reuses the config kept for rollback."""
    output = _writable_file(args.github_output, "--github-output") if args.github_output else None
    cfg = _file(args).select(args.env)
    try:
        account = account_of(args.account) if args.account else ""
    except ValueError as err:
        raise DeployError(f"--account: {err}") from None
    repository = cfg.names(account).ecr_repository
    problem = project_image_problem(args.image, cfg.region, repository, account)
    if problem:
        raise DeployError(f"--image: {problem}")
    if not args.offline:
        from deploy.bootstrap_version import README, command
        from deploy.image import (
            IMAGE_MISSING,
            REPOSITORY_MISSING,
            kept_images,
            lookup_error,
            repository_missing,
            unchecked_image,
        )

        aws = Aws(cfg.region)
        actual = aws.account_id()
        problem = project_image_problem(args.image, cfg.region, repository, actual)
        if problem:
            raise DeployError(f"--image: {problem} (the credentials are account {actual}'s)")
        code, message = lookup_error(aws, args.image)
        if code == REPOSITORY_MISSING:
            raise DeployError(
                f"--image: {args.image} is not in ECR ({code}): "
                f"{repository_missing(args.image, repository, args.env)}. Nothing was deployed; "
                "the image is not there to go back to, but a git revert on main still goes back "
                '(docs/rolling-back.md, "Rolling back"): its deploy creates the repository and '
                "builds the same src-<hash> tag again"
            )
        if code in IMAGE_MISSING:
            raise DeployError(
                f"--image: {args.image} is not in ECR ({code}): the repository keeps "
                f"{kept_images()}, so an older one is gone (python -m deploy status says so). "
                "Nothing was deployed. A git revert on main still goes back "
                '(docs/rolling-back.md, "Rolling back"): the deploy builds the same src-<hash> tag '
                "again"
            )
        if code:
            role = cfg.names(actual).github_deploy_role
            bootstrap = f"{command()} ({README})"
            raise DeployError(
                f"--image: {unchecked_image(args.image, code, message, role, bootstrap)}"
            )
    _say_image(args.image, output)
    return 0


def cmd_previews(args: argparse.Namespace) -> int:
    from deploy import previews
    from deploy.github_api import GitHub

    file = _file(args)
    aws = Aws(file.base.region)
    found = previews.find(aws, file.base.project)
    if not file.previews_enabled:
        return _previews_without_template(args, file, found)
    max_days = file.preview_max_idle_days
    now = _now(args)
    names = _preview_names(file, aws)

    def last(number: int) -> datetime | None:
        return previews.last_deployed(aws, names(number))

    if args.previews_command == "list":
        print(f"previews of {file.base.project}: {len(found) or 'none'}")
        for number, items in found.items():
            print(f"  {preview_env(number)}: {previews.Age(last(number), now, max_days).said()}")
            print(f"    {', '.join(items)}")
        return 0
    github: GitHub | None = None
    pulls: dict[int, PullRequest | None] = {}
    if args.open_prs is not None:
        keep = [int(n) for n in args.open_prs.replace(",", " ").split() if n.strip()]
        verdicts = previews.judge_by_list(found, keep)
    else:
        github = GitHub()
        pulls = {n: github.pull_request(args.github_repo, n) for n in found}
        verdicts = previews.judge_all(found, pulls, args.label)
    if not verdicts:
        print(f"No previews of {file.base.project} in AWS: nothing to sweep.")
        return 0
    verdicts = [
        previews.judge_idle(v, last(v.number) if v.keep and max_days else None, now, max_days)
        for v in verdicts
    ]
    for v in verdicts:
        print(f"  {preview_env(v.number)}: {'keep' if v.keep else 'remove'} ({v.said()})")
    doomed = [v for v in verdicts if not v.keep]
    if doomed and not args.yes:
        print("Dry run: pass --yes to remove them.")
        return 0
    from deploy.sweep import Outcome, remove_all

    by_env = {preview_env(v.number): v for v in doomed}
    if len(doomed) > 1:
        print(
            f"Removing {len(doomed)} previews: each one's CloudFront disable and DeleteEndpoint "
            "first (AWS carries each out for minutes by itself, so theirs overlap), then each "
            "destroyed in turn; each line starts with its preview."
        )

    unowned: dict[str, list[str]] = {}  # per preview: what its destroy left, not ours

    def start(env: str, held: ExitStack) -> Teardown | str:
        verdict = by_env[env]
        eng = _engine(args, env, aws)
        eng.log = _prefixed(env)
        teardown: list[Teardown] = []  # its destroy's, once started: what it did so far
        deletion = LockDeletion(eng, lambda: teardown[0].done if teardown else [])
        try:
            held.enter_context(
                _locked(
                    eng,
                    SWEEP,
                    False,
                    lock_gone=deletion.how,
                    unlock=lambda holder: lock.unlock_command(
                        holder.command, env, None, holder.image
                    ),
                )
            )
            # A push may have deployed it since it was judged (a sweep can take hours): under
            # the lock no apply runs, so what the endpoint says now holds.
            if verdict.idle and not previews.is_idle(last(verdict.number), _now(args), max_days):
                return "deployed to since the sweep judged it idle"
            teardown.append(eng.start_destroy())
            unowned[env] = eng.kept  # said by its destroy as it started
            return teardown[0]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
            kind = lapsed(err)  # outside a step (the lock's, a read): the sweep stops too
            if kind is None:  # this stack's error: the sweep goes on (deploy/sweep.py)
                raise DeployError(_with_hint(err)) from err
            raise CredentialsLapsed(_with_hint(err), kind) from err

    # The job's time limit (the workflow sets it; none known locally): a stack is started and
    # finished only while the time left holds its destroy's longest waits (deploy/budget.py).
    limit_s = lock.max_minutes() * 60
    ends = time.monotonic() + limit_s

    def fits() -> bool:
        return not limit_s or budget.sweep_fits(ends - time.monotonic())

    failed: list[str] = []
    untried: list[str] = []  # after the credentials lapsed
    left: list[str] = []  # for the next sweep: the job's time would not hold them

    def report(outcome: Outcome) -> None:
        env = outcome.stack
        if outcome.kept or outcome.left:
            if outcome.left:
                left.append(env)
            print(
                f"Kept {env}: {outcome.kept}." if outcome.kept else f"Left {env}: {outcome.left}."
            )
            if outcome.error:  # its lock's release refused
                failed.append(env)
                print(f"error: {env}: {_said(outcome.error)}", file=sys.stderr)
            return
        if outcome.untried:
            untried.append(env)
            said = f"error: {env}: {outcome.untried}"
            if outcome.error:  # its lock's release refused: held, and how to release it
                said += f". {_said(outcome.error)}"
            print(said, file=sys.stderr)
            return
        print(f"Removed {env}: {counted(len(_removed(outcome.done)), 'resource')}.")
        if outcome.error:
            failed.append(env)
            print(f"error: {env}: {_said(outcome.error)}", file=sys.stderr)
        elif unowned.get(env):  # its names stay taken: not wholly removed
            failed.append(env)
            print(f"error: {env}: {_unowned_left(unowned[env])}", file=sys.stderr)
        elif github is not None:
            verdict = by_env[env]
            _say_removed(github, args, pulls.get(verdict.number), verdict)

    # One preview that refuses does not keep the others running (deploy/sweep.py).
    remove_all(list(by_env), start, report, fits)
    if untried:
        print(
            f"error: the credentials lapsed: {len(failed) + len(untried)} of "
            f"{counted(len(doomed), 'preview')} not removed: {', '.join(failed + untried)} (each "
            "one's error is above); "
            "the sweep stopped there. Sign in again, release a lock said held (as said), and run "
            "it again: it removes what is left",
            file=sys.stderr,
        )
        return 1
    if left:
        print(
            f"error: {len(left)} of {counted(len(doomed), 'preview')} left for the next sweep: "
            f"{', '.join(left)}: the job's time left ({lock.MAX_MINUTES_ENV}="
            f"{limit_s / 60:g}) would not hold another's longest waits (deploy/README.md)",
            file=sys.stderr,
        )
    if failed:
        print(
            f"error: {len(failed)} of {counted(len(doomed), 'preview')} not wholly removed: "
            f"{', '.join(failed)} (each one's error is above); the others were removed.",
            file=sys.stderr,
        )
    return 1 if failed or left else 0


def _prefixed(stack: str) -> Callable[[str], None]:
    """A log that starts each line with the stack's name: the sweep's stacks take turns."""

    def log(text: str) -> None:
        print("\n".join(f"{stack}: {line}" for line in str(text).split("\n")))

    return log


def _say_removed(
    github: GitHub, args: argparse.Namespace, pull: PullRequest | None, verdict: Verdict
) -> None:
    """The pull request's preview comment says the preview went, why and how to get it back
    (deploy/preview_notice.py). A refusal is said, never the sweep's failure: the preview is
    gone either way, and the warning says which comment is left stale."""
    from deploy import preview_notice

    if pull is None or not pull.same_repository:  # no such pull request, or a fork's
        return
    try:
        print(
            f"  {preview_notice.say_removed(github, args.github_repo, pull, verdict, args.label)}"
        )
    except DeployError as err:
        print(
            f"warning: {preview_env(pull.number)}: its preview comment still shows the URLs: {err}",
            file=sys.stderr,
        )


def cmd_smoke(args: argparse.Namespace) -> int:
    from deploy.ops import check_api_url, load_model_smoke, smoke

    eng = _engine(args)
    api_url, origin = args.api_url, args.origin
    if api_url:
        check_api_url(api_url)  # a typo first: it is the user's, not the model's
    # The model's request and check (its smoke.py): broken or missing, said before any call.
    model = load_model_smoke(eng.root, eng.cfg.model.build_context)
    if not (api_url and origin):
        world = eng.observe()
        api = world.get("http_api", eng.names.api)
        domain = site_domain(world)
        if not (api_url or origin) and (api is None or domain is None):
            raise DeployError(
                "smoke: no HTTP API or site distribution deployed for this project: run apply "
                "first, or pass --api-url and --origin"
            )
        # One of the two given: what the other would be read from is the only thing missing.
        if api is None and not api_url:
            raise DeployError(
                "smoke: --origin was given, but no HTTP API is deployed for this project to "
                "send the request to: pass --api-url too (the API's https:// address)"
            )
        if domain is None and not origin:
            raise DeployError(
                "smoke: --api-url was given, but no site distribution is deployed for this "
                "project to take the Origin from: pass --origin too (the page's https:// address)"
            )
        api_url = api_url or eng.names.api_url(api.api_id)
        origin = origin or site_url(domain)
    for line in smoke(api_url, origin, model):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deploy", description="Reconcile AWS with config.yaml (GitOps)."
    )
    parser.add_argument("--config", default="config.yaml", help="path to config.yaml")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Any, help_: str, env: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=_sentence(help_))
        p.add_argument("--config", default=argparse.SUPPRESS, help="path to config.yaml")
        if env:
            p.add_argument(
                "--env",
                metavar="NAME",
                help="environment of config.yaml (staging, production, pr-<N>); required "
                "when config.yaml has `environments:`",
            )
        p.set_defaults(func=func)
        return p

    p = add("plan", cmd_plan, "show what apply would change (exit 0: none, 2: changes, 1: error)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--image", help="prebuilt image URI (nothing is built)")
    p.add_argument("--verbose", "-v", action="store_true", help="list unchanged resources too")
    p.add_argument(
        "--no-bootstrap-check",
        action="store_true",
        help="skip the check of the workflows' roles against this commit's bootstrap (it "
        "covers every environment: the workflows run it for the first environment only)",
    )
    p = add("apply", cmd_apply, "make AWS match config.yaml")
    p.add_argument("--image", help="prebuilt image URI (nothing is built)")
    p.add_argument("--summary-json", metavar="PATH", help="write a JSON summary here")
    p.add_argument("--force-unlock", action="store_true", help=FORCE_UNLOCK)
    p = add("destroy", cmd_destroy, "delete every resource of the project")
    p.add_argument("--yes", action="store_true", help="really delete")
    p.add_argument(
        "--summary-json",
        metavar="PATH",
        help="write a JSON summary here: what was removed, what failed or was left, the lock",
    )
    p.add_argument("--force-unlock", action="store_true", help=FORCE_UNLOCK)
    add(
        "status",
        cmd_status,
        "endpoint, Lambda, API and site status (every environment and "
        "the previews when --env is not given)",
    )
    p = add(
        "image",
        cmd_image,
        "build and push the model image when ECR lacks it; print it "
        "by digest (what the promotion passes to each environment)",
    )
    p.add_argument("--image", help="a prebuilt image URI to resolve to its digest")
    p.add_argument("--github-output", metavar="PATH", help="append image=URI here")
    p = add(
        "check-image",
        cmd_check_image,
        "check a rollback's image: this project's ECR repository, region and account, and "
        "(unless --offline) that ECR has its tag or digest; print it (image=URI)",
    )
    p.add_argument("--image", required=True, help="the image URI, as `status` prints it")
    p.add_argument(
        "--account",
        metavar="ID_OR_ROLE_ARN",
        help="the account deployed to (or a role ARN in it), checked before any AWS call",
    )
    p.add_argument("--offline", action="store_true", help="no AWS call: not ECR's answer")
    p.add_argument("--github-output", metavar="PATH", help="append image=URI here")
    p = add(
        "previews", cmd_previews, "pull-request previews: list them, sweep the closed", env=False
    )
    prev = p.add_subparsers(dest="previews_command", required=True)
    said = (
        "the pr-<N> stacks found in AWS: when each was last deployed and when the sweep "
        "removes it for idling"
    )
    listing = prev.add_parser("list", help=said, description=_sentence(said))
    said = "remove the previews whose pull request is closed or unlabelled"
    sweep = prev.add_parser("sweep", help=said, description=_sentence(said))
    # `previews list --config x.yaml` as `plan --config x.yaml`: after the last word too.
    for nested in (listing, sweep):
        nested.add_argument("--config", default=argparse.SUPPRESS, help="path to config.yaml")
    which = sweep.add_mutually_exclusive_group(required=True)
    which.add_argument("--open-prs", metavar="N,N", help="the open, labelled pull requests")
    which.add_argument(
        "--github-repo",
        metavar="OWNER/NAME",
        help="ask GitHub's REST API (GITHUB_TOKEN, GITHUB_API_URL) for each preview's state",
    )
    sweep.add_argument("--label", default="preview", help="the label that asks for a preview")
    sweep.add_argument("--yes", action="store_true", help="really remove (else a dry run)")
    p = add(
        "logs",
        cmd_logs,
        "CloudWatch logs of the gateway (the API's access log), the Lambda and the endpoint, "
        "in time order (no health checks)",
    )
    p.add_argument(
        "--source",
        default="all",
        metavar="WHICH",
        help="gateway, lambda, model or all (default); several with commas: gateway,lambda",
    )
    when = p.add_mutually_exclusive_group()
    when.add_argument("--since", help="e.g. 30m, 1h, 2d (default 1h)")
    when.add_argument(
        "--at",
        metavar="TIME",
        help="the 10 minutes around a UTC time: 14:02, 2026-12-02T14:02Z (as the page shows it)",
    )
    p.add_argument(
        "--request-id",
        metavar="ID",
        help="only the lines of that request, in every source: the id the page or an error "
        "body quotes (apigw-requestid), and Lambda's own lines of its invocation",
    )
    p = add("smoke", cmd_smoke, "health, CORS preflight, then the model's example (model/smoke.py)")
    p.add_argument("--api-url", help="default: the deployed API")
    p.add_argument("--origin", help="Origin for the CORS check (default: the site URL)")
    bootstrap_cli.add_parser(sub)
    return parser


def _sentence(line: str) -> str:
    """A command's line in the command list as the first sentence of its own ``--help``
    (argparse prints a subparser's ``help`` only in its parent's list)."""
    return f"{line[0].upper()}{line[1:]}."


# The exit code of a run a signal ended, as a shell reports a process the signal killed:
# 130 (128 + SIGINT) for Ctrl-C, 143 (128 + SIGTERM) once `_interrupt` has seen a SIGTERM.
_stopped_by: list[int] = [signal.SIGINT]


def _interrupt(signum: int, _frame: object) -> None:
    """SIGTERM (a runner or container stopping the job) ends the run as Ctrl-C does: with
    where it stopped and how to resume, not silently; the exit code says which it was."""
    _stopped_by[0] = signum
    raise KeyboardInterrupt


def _interrupted_code() -> int:
    return 128 + int(_stopped_by[0])


def main(argv: list[str] | None = None, now: Callable[[], datetime] = _utc_now) -> int:
    """``now``: the wall clock (UTC) that a preview's idle age is measured by."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.now = now
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for the exact command to say
    _stopped_by[0] = signal.SIGINT
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread: leave SIGTERM as it is
        previous = None
    try:
        return _run(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _with_hint(err: Exception) -> str:
    """botocore's words, then what to do when the credentials are expired, unknown, missing or
    refused, or AWS throttled the calls past botocore's retries: outside the engine's steps
    (GetCallerIdentity, a plan's reads, the credential chain) they were said alone, and name
    no fix."""
    kind = classify(err)
    if kind not in (*CREDENTIAL_KINDS, ErrorKind.THROTTLED):
        return str(err)
    return f"{str(err).rstrip('.')}: {hint(kind, os.environ.get('AWS_PROFILE', ''))}"


def _said(err: BaseException, head: str | None = None) -> str:
    """``head`` (the error's words by default), then its notes (the held lock `_locked`
    adds), one a line."""
    return "\n".join([str(err) if head is None else head, *getattr(err, "__notes__", ())])


def _error_text(err: BaseException) -> str:
    """An error's words as `_run` prints them after "error: " (AWS's with the call and fix)."""
    if isinstance(err, botocore.exceptions.ClientError):
        return f"AWS {err.operation_name}: {_with_hint(err)}"
    if isinstance(err, botocore.exceptions.BotoCoreError):
        return f"AWS: {_with_hint(err)}"
    return str(err)


def _error(head: str, err: BaseException) -> None:
    """``head`` on stderr, then ``err``'s notes, one a line."""
    print(_said(err, head), file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except Interrupted as err:
        _error(f"error: {err}", err)
        return _interrupted_code()
    except KeyboardInterrupt as err:  # outside an apply's or destroy's step: nothing under way
        _error("error: interrupted", err)
        return _interrupted_code()
    except (
        ConfigError,
        DeployError,
        FileNotFoundError,
        botocore.exceptions.ClientError,
        botocore.exceptions.BotoCoreError,  # the credential chain's, among others
    ) as err:
        _error(f"error: {_error_text(err)}", err)
    except BrokenPipeError:  # `plan | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 1
