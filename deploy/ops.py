"""Day-2 commands: status, logs, smoke. Read-only against AWS (smoke calls the public API)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from typing import Any

from deploy.aws import Aws, DeployError
from deploy.naming import Names
from deploy.state import World


def status_lines(world: World, n: Names) -> list[str]:
    ep = world.get("endpoint", n.endpoint)
    fn = world.get("lambda_function", n.function)
    api = world.get("http_api", n.api)
    objects = world.of_type("site_object")
    lines = [f"project {n.project} in {n.region} (account {n.account})"]
    if ep:
        lines.append(
            f"  endpoint  {n.endpoint}: {ep.meta.get('status')} on {ep.props['config']}"
            + (f" ({ep.meta['failure_reason']})" if ep.meta.get("failure_reason") else "")
        )
    else:
        lines.append(f"  endpoint  {n.endpoint}: not deployed")
    lines.append(
        f"  configs   {', '.join(sorted(c.name for c in world.of_type('endpoint_config'))) or '-'}"
    )
    lines.append(
        f"  lambda    {n.function}: "
        + (
            f"{fn.meta.get('state')} / last update {fn.meta.get('last_update')}"
            if fn
            else "missing"
        )
    )
    lines.append("  api       " + (n.api_url(api.meta["api_id"]) if api else "missing"))
    lines.append(
        f"  site      {n.site_url} ({len(objects)} objects)"
        if objects
        else "  site      not deployed"
    )
    return lines


def parse_since(text: str) -> int:
    """'30m', '2h', '1d' → milliseconds ago."""
    m = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not m:
        raise DeployError(f"--since {text!r}: use a number and s/m/h/d, e.g. 30m, 1h, 2d")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] * 1000


def logs(aws: Aws, n: Names, since: str, limit: int = 500) -> list[str]:
    """Recent log lines of the Lambda and the endpoint, without /ping health-check noise."""
    client = aws.client("logs")
    start = int(time.time() * 1000) - parse_since(since)
    out: list[tuple[int, str]] = []
    for group in (n.lambda_log_group, n.endpoint_log_group):
        token = None
        count = 0
        while count < limit:
            kw: dict[str, Any] = {"logGroupName": group, "startTime": start, "limit": 100}
            if token:
                kw["nextToken"] = token
            try:
                page = client.filter_log_events(**kw)
            except client.exceptions.ResourceNotFoundException:
                break
            for e in page.get("events", []):
                msg = e.get("message", "").rstrip()
                if "/ping" in msg:
                    continue
                out.append((e.get("timestamp", 0), f"{group.rsplit('/', 1)[-1]:>16} | {msg}"))
                count += 1
            token = page.get("nextToken")
            if not token:
                break
    return [line for _, line in sorted(out)]


def example_csv(weeks: int = 104) -> str:
    """A weekly Trends-like series with one obvious spike (self-contained smoke input)."""
    start = date(2022, 1, 2)
    rows = ["Week,smoke test: (Worldwide)"]
    for i in range(weeks):
        value = 40 + (i % 52) // 13 * 5 + (i * 7) % 5
        if i == 70:
            value = 100
        rows.append(f"{(start + timedelta(weeks=i)).isoformat()},{value}")
    return "Category: All categories\n\n" + "\n".join(rows) + "\n"


def _request(
    url: str, method: str, headers: dict[str, str], body: bytes | None = None, timeout: float = 35.0
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def smoke(api_url: str, origin: str) -> list[str]:
    """POST an example CSV through the public API, plus a CORS preflight; raise on failure."""
    url = api_url.rstrip("/") + "/detect"
    report = []
    status, headers, _ = _request(
        url,
        "OPTIONS",
        {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    allowed = headers.get("access-control-allow-origin")
    if status >= 400 or allowed not in (origin, "*"):
        raise DeployError(
            f"smoke: CORS preflight from {origin} got {status}, "
            f"Access-Control-Allow-Origin={allowed!r}; check api.cors_origins"
        )
    report.append(f"preflight OK ({status}, allow-origin {allowed})")
    t0 = time.monotonic()
    status, headers, body = _request(
        url,
        "POST",
        {"Content-Type": "text/csv", "Origin": origin, "Accept": "application/json"},
        example_csv().encode(),
    )
    ms = (time.monotonic() - t0) * 1000
    if status != 200:
        raise DeployError(f"smoke: POST {url} → {status}: {body[:500]!r}")
    try:
        doc = json.loads(body)
        series = doc["series"][0]
        assert len(series["values"]) == 104, "wrong number of points"
        assert any(a["index"] == 70 for a in series["anomalies"]), "the spike was not found"
    except (ValueError, KeyError, IndexError, AssertionError) as err:
        raise DeployError(f"smoke: unexpected answer ({err}): {body[:500]!r}") from None
    report.append(
        f"POST /detect OK ({status}, {ms:.0f} ms, "
        f"{len(series['anomalies'])} anomalies incl. the spike at week 70)"
    )
    return report
