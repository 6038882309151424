"""`python -m deploy logs`: a stack's log lines, of the gateway, the Lambda and the model, in
time order; and one request followed through the three.

Why: what happened to the request an analyst quotes is spread over three log groups that AWS names
three ways (Names.log_groups). The id the page and the error bodies quote (the ``apigw-requestid``)
is in the gateway's access-log line, the function's line and the model's line alike
(docs/deploy-commands.md, "The API's access log"); Lambda's own lines of the invocation (START, END,
REPORT, a timeout) carry Lambda's id instead, which the gateway's ``integration_request_id`` and the
function's ``lambda_request_id`` give, so those are read too. Read-only: FilterLogEvents on the
stack's own groups, which the deploy and preview roles grant.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from deploy.aws import Aws, DeployError
from deploy.naming import Names

# What --source names, in the order a request passes them (and its lines sort at equal times).
SOURCES = ("gateway", "lambda", "model")


def source_groups(n: Names) -> dict[str, str]:
    """--source name → its log group (Names'; the gateway's is the API's access log)."""
    return {"gateway": n.api_log_group, "lambda": n.lambda_log_group, "model": n.endpoint_log_group}


def parse_sources(text: str) -> tuple[str, ...]:
    """'all', or names of SOURCES separated by commas ('gateway,lambda') → those sources;
    anything else is refused before any AWS call."""
    asked = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not asked or any(part not in (*SOURCES, "all") for part in asked):
        raise DeployError(
            f"--source {text!r}: use all, or one or more of {', '.join(SOURCES)} separated by "
            "commas (e.g. gateway,lambda)"
        )
    return SOURCES if "all" in asked else tuple(s for s in SOURCES if s in asked)


def parse_since(text: str) -> int:
    """'30m', '2h', '1d' → milliseconds ago."""
    m = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not m:
        raise DeployError(f"--since {text!r}: use a number and s/m/h/d, e.g. 30m, 1h, 2d")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] * 1000


AT_WINDOW_MS = 5 * 60 * 1000  # --at reads this long before and after the time given
# FilterLogEvents may answer pages without events while it searches a long window.
MAX_PAGES = 200
_REQUEST_ID = re.compile(r"[A-Za-z0-9+/=._:-]{1,128}")


def parse_at(text: str, now: datetime | None = None) -> int:
    """'2026-12-02T14:02Z', '2026-12-02 14:02', or '14:02' (the latest: today or yesterday)
    → epoch milliseconds. A time without a zone is UTC, the zone the page's errors and these
    logs show."""
    now = now or datetime.now(UTC)
    raw = text.strip()
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", raw):
            clock = datetime.strptime(raw, "%H:%M:%S" if raw.count(":") == 2 else "%H:%M")
            when = now.replace(
                hour=clock.hour, minute=clock.minute, second=clock.second, microsecond=0
            )
            if when > now:  # not yet today: yesterday's
                when -= timedelta(days=1)
        else:
            when = datetime.fromisoformat(raw)
    except ValueError:
        raise DeployError(
            f"--at {text!r}: use a UTC time such as 14:02, 2026-12-02T14:02Z or "
            "'2026-12-02 14:02' (the page's errors show it so)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def request_pattern(request_id: str) -> str:
    """A CloudWatch filter pattern matching the lines that carry ``request_id`` (the
    apigw-requestid the page and the error bodies quote, or Lambda's own): a quoted term,
    since the ids hold '+', '/' and '='."""
    if not _REQUEST_ID.fullmatch(request_id):
        raise DeployError(
            f"--request-id {request_id!r}: an id as the page or the API's error shows it, "
            "e.g. JwpOYzv0TXuQHQ== (letters, digits and + / = . _ : -)"
        )
    return f'"{request_id}"'


@dataclass(frozen=True)
class LogRead:
    """What `logs` found: the lines, the log groups that do not exist at all (nothing
    deployed there, or another region/env), which the command says apart from quiet ones,
    and those whose lines went past the limit (only the first ones of the window shown);
    with a request id, how many lines each source had and the Lambda ids followed."""

    lines: list[str]
    missing: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lambda_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Event:
    stamp: int
    order: int  # the source's place in SOURCES: a request's order at equal times
    seq: int  # the order read: FilterLogEvents' own within a group
    source: str
    line: str
    message: str


def _health(message: str) -> bool:
    """A health check's line: SageMaker's /ping, the function's and the gateway's for the
    page's polling (GET /health)."""
    return "/ping" in message or '"msg":"health"' in message or '"route":"GET /health"' in message


def logs(
    aws: Aws,
    n: Names,
    start_ms: int,
    end_ms: int | None = None,
    request_id: str = "",
    limit: int = 500,
    sources: tuple[str, ...] = SOURCES,
) -> LogRead:
    """Log lines of ``sources`` from ``start_ms`` (to ``end_ms``), without health-check noise
    unless a request is asked for; with ``request_id``, that request's lines, and Lambda's own
    lines of its invocation (found by the Lambda id its other lines name)."""
    groups = source_groups(n)
    pattern = request_pattern(request_id) if request_id else ""
    found: list[_Event] = []
    seen: set[tuple[str, str]] = set()
    missing: list[str] = []
    cut: list[str] = []

    def read(source: str, term: str) -> bool:
        """Add the lines of one source matching ``term``; False when its group is missing."""
        group, token, count = groups[source], None, 0
        for _ in range(MAX_PAGES):
            kw: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, "limit": 100}
            if end_ms is not None:
                kw["endTime"] = end_ms
            if term:
                kw["filterPattern"] = term
            if token:
                kw["nextToken"] = token
            try:
                page = aws.client("logs").filter_log_events(**kw)
            except aws.client("logs").exceptions.ResourceNotFoundException:
                missing.append(group)
                return False
            for e in page.get("events", []):
                msg = e.get("message", "").rstrip()
                if not request_id and _health(msg):
                    continue  # health checks: SageMaker's, and the page's polling
                key = (group, str(e.get("eventId") or (e.get("timestamp"), msg)))
                if key in seen:  # found by the request's id and by Lambda's both
                    continue
                seen.add(key)
                stamp = e.get("timestamp", 0)
                line = f"{utc(stamp)} {_label(source, n, e.get('logStreamName', ''))} | {msg}"
                found.append(_Event(stamp, SOURCES.index(source), len(found), source, line, msg))
                count += 1
            token = page.get("nextToken")
            if not token:
                return True
            if count >= limit:  # more remain: say so, or a wide window hides its later lines
                break
        if group not in cut:
            cut.append(group)
        return True

    present = [source for source in sources if read(source, pattern)]
    followed: list[str] = []
    if request_id and "lambda" in present:
        for other in _lambda_ids(found, request_id):
            read("lambda", request_pattern(other))
            followed.append(other)
    counts = {source: sum(1 for e in found if e.source == source) for source in present}
    ordered = sorted(found, key=lambda e: (e.stamp, e.order, e.seq))
    return LogRead([e.line for e in ordered], missing, cut, counts if request_id else {}, followed)


def _lambda_ids(found: list[_Event], request_id: str) -> list[str]:
    """Lambda's own ids of the request's invocation: the gateway line's
    ``integration_request_id`` and the function line's ``lambda_request_id`` (the access log
    writes "-" for a value it lacks)."""
    ids: list[str] = []
    for e in found:
        try:
            fields = json.loads(e.message)
        except ValueError:
            continue
        if not isinstance(fields, dict) or fields.get("request_id") != request_id:
            continue
        for key in ("integration_request_id", "lambda_request_id"):
            value = fields.get(key)
            known = (request_id, "-", *ids)  # "-": the access log's empty value
            if isinstance(value, str) and value not in known and _REQUEST_ID.fullmatch(value):
                ids.append(value)
    return ids


def utc(ms: int) -> str:
    """An event's time, to the second in UTC (when did it happen is the first question)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def _label(source: str, n: Names, stream: str) -> str:
    """Which service wrote a line: the function's or the endpoint's name, and for the
    endpoint which instance (its log stream is ``<variant>/<instance id>``: one bad instance
    among several shows up so); the gateway's lines say so, since the API and the endpoint
    share the stack's name."""
    if source == "gateway":
        return f"{n.api} (gateway)"
    if source == "model":
        return f"{n.endpoint} [{stream.split('/', 1)[1]}]" if "/" in stream else n.endpoint
    return n.function
