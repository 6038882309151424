"""Smoke-test the model image the way SageMaker runs it: `docker run <image> serve`.

Why a script and not inline shell: the same checks run in CI against the container and in
`tests/workflows` against a locally started `model/serve` (``--url``), so the checks themselves
are tested. Standard library only: it runs on a bare CI runner.

Checks: `GET /ping` answers 200 within the start-up timeout; `POST /invocations` with a Google
Trends CSV as `text/csv` answers 200 `application/json` with the documented shape; a bad body
gets a 4xx JSON error (not a 5xx).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

NAME = "trends-anomaly-smoke"


class SmokeError(Exception):
    """A check failed; the message says which and what was seen."""


def _request(
    url: str, body: bytes | None = None, ctype: str | None = None
) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def wait_for_ping(base: str, timeout_s: float) -> float:
    """Poll /ping until 200; returns seconds waited."""
    start = time.monotonic()
    last = "no answer"
    while time.monotonic() - start < timeout_s:
        try:
            status, _, _ = _request(f"{base}/ping")
            if status == 200:
                return time.monotonic() - start
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SmokeError(f"/ping did not answer 200 within {timeout_s:.0f} s (last: {last})")


def check_answer(payload: Any) -> str:
    """Validate the JSON answer's documented shape; returns a one-line description."""
    if not isinstance(payload, dict):
        raise SmokeError(f"answer is not a JSON object: {str(payload)[:200]}")
    for key in ("method", "parameters", "series"):
        if key not in payload:
            raise SmokeError(f"answer lacks {key!r}: keys are {sorted(payload)}")
    series = payload["series"]
    if not isinstance(series, list) or not series:
        raise SmokeError("answer has no series")
    found = 0
    for s in series:
        n = len(s.get("values", []))
        if n == 0:
            raise SmokeError(f"series {s.get('name')!r} has no values")
        for key in ("timestamps", "expected", "lower", "upper"):
            if len(s.get(key, [])) != n:
                raise SmokeError(f"series {s.get('name')!r}: {key} has not {n} entries")
        if not isinstance(s.get("anomalies"), list):
            raise SmokeError(f"series {s.get('name')!r} has no anomalies list")
        found += len(s["anomalies"])
    names = ", ".join(str(s.get("name")) for s in series)
    return f"method={payload['method']} series=[{names}] points={n} anomalies={found}"


def smoke(base: str, csv_path: Path, timeout_s: float) -> list[str]:
    """Run every check against a server at ``base``; returns the report lines."""
    waited = wait_for_ping(base, timeout_s)
    lines = [f"ok  GET /ping -> 200 after {waited:.1f} s"]
    status, ctype, body = _request(f"{base}/invocations", csv_path.read_bytes(), "text/csv")
    if status != 200 or not ctype.startswith("application/json"):
        raise SmokeError(f"POST /invocations -> {status} {ctype}: {body[:300]!r}")
    lines.append(f"ok  POST /invocations text/csv -> 200: {check_answer(json.loads(body))}")
    status, ctype, body = _request(f"{base}/invocations", b"not,a\ntrends,file\n", "text/csv")
    error = json.loads(body).get("error", {}) if ctype.startswith("application/json") else {}
    if not 400 <= status < 500 or not {"code", "message", "hint"} <= set(error):
        raise SmokeError(f"a bad CSV must give a 4xx JSON error, got {status}: {body[:300]!r}")
    lines.append(f"ok  POST /invocations bad csv -> {status} {error['code']}")
    return lines


def _docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], check=check, text=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--image", help="start this image with `docker run -d <image> serve`")
    target.add_argument("--url", help="test an already running server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--csv", required=True, type=Path, help="a Google Trends export")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--timeout", type=float, default=90.0, help="start-up timeout, seconds")
    args = parser.parse_args(argv)

    base = args.url.rstrip("/") if args.url else f"http://127.0.0.1:{args.port}"
    if args.image:
        _docker("rm", "-f", NAME, check=False)
        _docker(
            "run", "-d", "--name", NAME, "-p", f"127.0.0.1:{args.port}:8080", args.image, "serve"
        )
    try:
        for line in smoke(base, args.csv, args.timeout):
            print(line)
    except (SmokeError, OSError, ValueError) as exc:
        print(f"::error title=container smoke test::{exc}")
        if args.image:
            logs = _docker("logs", NAME, check=False)  # gunicorn logs to stderr
            print(f"--- docker logs {NAME} ---\n{logs.stdout[-4000:]}{logs.stderr[-4000:]}")
        return 1
    finally:
        if args.image:
            _docker("rm", "-f", NAME, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
