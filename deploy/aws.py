"""The thin AWS layer: clients from one session, a log of every call, reads that may miss.

boto3 honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) by itself, which is how the
tests point everything at a moto server. Nothing here decides *what* to do; that is the planner.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore
import botocore.config
import botocore.exceptions

from deploy.aws_errors import HINTS, ErrorKind, classify
from deploy.errors import DeployError as DeployError  # re-exported: imported from here too

READ_PREFIXES = ("Describe", "Get", "List", "Head", "Lookup", "Filter", "Search", "BatchGet")
DEFAULT_MAX_ATTEMPTS = 6


class Interrupted(DeployError):
    """Ctrl-C or SIGTERM in the middle of a command: where it stopped and how to resume."""


class CredentialsLapsed(DeployError):
    """The credentials stopped working during a run (an SSO session or a role's keys expired,
    a key deleted): every later call would be refused the same way until someone signs in
    again, so the run stops at the step that met it instead of trying the others."""

    def __init__(self, message: str, kind: ErrorKind) -> None:
        super().__init__(message)
        self.kind = kind


class WaitFailed(DeployError):
    """What a Wait's poll raises when the thing it waits for failed; ``kind`` says why, so a
    Wait's declared recovery (plan.Recovery) can tell a failure that passes by itself."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.OTHER) -> None:
        super().__init__(message)
        self.kind = kind


def is_mutating(operation: str) -> bool:
    """True for calls that change AWS (anything not Describe*/Get*/List*/Head*/Filter*)."""
    return not operation.startswith(READ_PREFIXES)


@dataclass
class CallLog:
    """Every AWS API call sent through the session, in order (service, operation); apart,
    ``remembered``: the reads `Aws.reads_once` answered with an earlier answer, never sent."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    remembered: list[tuple[str, str]] = field(default_factory=list)

    def record(self, model: Any, remembered: bool = False, **_: Any) -> None:
        call = (model.service_model.service_name, model.name)
        (self.remembered if remembered else self.calls).append(call)

    @property
    def mutating(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if is_mutating(c[1])]

    def summary(self) -> str:
        said = _counted(self.calls)
        if self.remembered:
            said += f" (answered from memory, not sent: {_counted(self.remembered)})"
        return said


def _counted(calls: list[tuple[str, str]]) -> str:
    counts = Counter(f"{s}:{o}" for s, o in calls)
    return ", ".join(f"{k}×{v}" for k, v in sorted(counts.items()))


def _max_attempts() -> int:
    """botocore's own setting when the user gave one, else 6 (standard retry mode)."""
    try:
        return int(os.environ.get("AWS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    except ValueError:
        return DEFAULT_MAX_ATTEMPTS


class Aws:
    """Clients from one boto3 session, created lazily, all recorded in `log`."""

    def __init__(self, region: str, session: boto3.Session | None = None) -> None:
        self.region = region
        self.session = session or boto3.Session(region_name=region)
        self.log = CallLog()
        self._clients: dict[str, Any] = {}
        # `reads_once`'s answers by "service.Operation" while its block runs.
        self._remembering: dict[str, dict[str, tuple[Any, Any]]] = {}
        self._config = botocore.config.Config(
            region_name=region,
            retries={"mode": "standard", "max_attempts": _max_attempts()},
            connect_timeout=10,
            read_timeout=60,
        )

    def client(self, service: str) -> Any:
        if service not in self._clients:
            c = self.session.client(service, config=self._config)
            c.meta.events.register("before-call.*.*", self._record)
            self._clients[service] = c
        return self._clients[service]

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        """The call in the log; apart when `reads_once` answers it without sending it (this
        runs before its handler: botocore calls ``*`` handlers before a named event's)."""
        event = f"{model.service_model.service_name}.{model.name}"
        answers = self._remembering.get(event)
        self.log.record(model, remembered=answers is not None and _key(params) in answers)

    @contextmanager
    def reads_once(self, service: str, operation: str) -> Iterator[None]:
        """Within the block, a read call ``operation`` made again with the same parameters
        is not sent: it gets the first one's answer, its error included (botocore takes a
        ``before-call`` handler's answer as the response). For a plan, whose checks ask ECR
        about the same image milliseconds apart; a check made outside it (apply's, right
        before CreateModel) still asks afresh."""
        if is_mutating(operation):
            raise ValueError(f"{operation} changes AWS: its answer cannot be reused")
        answers: dict[str, tuple[Any, Any]] = {}
        events = self.client(service).meta.events
        event = f"{service}.{operation}"

        def replay(params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
            key = _key(params)
            context["reads_once_key"] = key
            return answers.get(key)

        def keep(http_response: Any, parsed: Any, context: dict[str, Any], **_: Any) -> None:
            key = context.get("reads_once_key")
            if key is not None:
                answers.setdefault(key, (http_response, parsed))

        for name, handler in (("before-call", replay), ("after-call", keep)):
            events.register(f"{name}.{event}", handler)
        self._remembering[event] = answers
        try:
            yield
        finally:
            del self._remembering[event]
            for name, handler in (("before-call", replay), ("after-call", keep)):
                events.unregister(f"{name}.{event}", handler)

    def read(self, service: str, operation: str, **params: Any) -> dict[str, Any] | None:
        """A read call (``operation`` in AWS's spelling: GetRole); None when it is gone."""
        try:
            return dict(getattr(self.client(service), botocore.xform_name(operation))(**params))
        except botocore.exceptions.ClientError as err:
            if classify(err, service) is ErrorKind.GONE:
                return None
            raise

    def pages(
        self, service: str, operation: str, key: str | tuple[str, ...], **params: Any
    ) -> list[Any]:
        """Every item of a paginated list call: under ``key``, or under each of several keys
        of every page (one listing, e.g. ListObjectVersions' Versions and DeleteMarkers); a
        dotted key is a path into the page (ListOriginAccessControls'
        ``OriginAccessControlList.Items``)."""
        return list(self.items(service, operation, key, **params))

    def items(
        self, service: str, operation: str, key: str | tuple[str, ...], **params: Any
    ) -> Iterator[Any]:
        """The items `pages` gives, a page asked for only when the one before is used up: for
        a search that stops at what it looks for (the next page is never asked for)."""
        keys = (key,) if isinstance(key, str) else key
        paginator = self.client(service).get_paginator(botocore.xform_name(operation))
        try:
            for page in paginator.paginate(**params):
                for k in keys:
                    yield from _at(page, k)
        except botocore.exceptions.PaginationError as err:
            # botocore refuses a page token it was given before (reading on would never
            # end): said as a failure of ours, with the list it was reading.
            raise DeployError(
                f"{service} {operation} ({'/'.join(keys)}) stopped: {err}. Reading on would "
                "never end. Run the command again; if it repeats, the list is not being paged "
                "as documented."
            ) from err

    def read_pages(
        self, service: str, operation: str, key: str | tuple[str, ...], **params: Any
    ) -> list[Any] | None:
        """Every item of a paginated read, as `pages`; None when what it lists is gone, as
        `read` (a resource's tags, a role's policies: one thing's list, read to its end)."""
        try:
            return self.pages(service, operation, key, **params)
        except botocore.exceptions.ClientError as err:
            if classify(err, service) is ErrorKind.GONE:
                return None
            raise

    def account_id(self) -> str:
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except botocore.exceptions.NoCredentialsError:
            raise DeployError(
                f"AWS: no credentials found: {HINTS[ErrorKind.NO_CREDENTIALS]}"
            ) from None


def _key(params: dict[str, Any]) -> str:
    """A request as `reads_once` tells one from another: its URL, query and body."""
    return repr((params.get("url"), params.get("query_string"), params.get("body")))


def _at(page: dict[str, Any], key: str) -> list[Any]:
    """The list under ``key`` (``A.B``: page["A"]["B"]) of one page; [] where it is absent."""
    node: Any = page
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node or []


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}
