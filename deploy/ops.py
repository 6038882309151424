"""Day-2 commands: status, smoke (logs: log_search.py). Read-only against AWS (smoke calls the
public API)."""

from __future__ import annotations

import http.client
import importlib.util
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.aws import DeployError
from deploy.aws_errors import iam_action
from deploy.log_search import parse_at as parse_at  # `logs`' parsing was here: still importable
from deploy.log_search import parse_since as parse_since
from deploy.log_search import request_pattern as request_pattern
from deploy.naming import VARIANT, Names, site_url
from deploy.resources.cdn import site_domain
from deploy.rollback import rollback_lines
from deploy.stacks import role_status
from deploy.world import Unread, World

# The model's half of the smoke test lives with the model, in its build context (config.yaml
# model.build_context) and out of its image (model/.dockerignore): what to POST to /detect and
# the check of the answer. deploy keeps what every model shares: health, CORS, cold starts.
SMOKE_FILE = "smoke.py"
# Where a fork reads that contract: the page and its heading, cited by every smoke error.
SMOKE_DOC = "docs/swap-your-model.md"
SMOKE_SECTION = "Swap in your own model"
SMOKE_CITE = f'({SMOKE_DOC}, "{SMOKE_SECTION}")'
SMOKE_CONTRACT = (
    "it holds the model's smoke test: request() -> (content type, body) to POST to /detect, "
    f"and check(answer), given the answer's decoded JSON, raising when it is wrong {SMOKE_CITE}"
)


def unread_line(unread: Unread) -> str:
    """One refused read as `status` says it: the call, AWS's code, the permission, and what
    it left unsaid (the lock's own line says the same of its GetObject: deploy/lock.py)."""
    kinds = ", ".join(k.replace("_", " ") for k in unread.kinds)
    return (
        f"  unread    {kinds}: could not be read: {unread.service}:{unread.operation} was "
        f"refused ({unread.code}); grant these credentials "
        f"{iam_action(unread.service, unread.operation)} to see them"
    )


def merged(unread: Sequence[Unread]) -> list[Unread]:
    """One `Unread` per refused call, with the kinds of every module it left unread, in the
    order they were met: a call several modules make (SageMaker's ListTags: the endpoint's,
    the configs', the models') is one grant to ask for, so one line, naming them all."""
    calls: dict[tuple[str, str, str], Unread] = {}
    for u in unread:
        key = (u.service, u.operation, u.code)
        before = calls[key].kinds if key in calls else ()
        kinds = (*before, *(k for k in u.kinds if k not in before))
        calls[key] = Unread(kinds, u.service, u.operation, u.code)
    return list(calls.values())


def status_lines(
    world: World, n: Names, gone: str | None = None, unread: Sequence[Unread] = ()
) -> list[str]:
    """``gone``: ECR's error code when the image kept for rollback is no longer there.
    ``unread``: the reads the credentials were refused (`Engine.observe`): a section of a
    kind they left unobserved says so rather than "missing", and each is a line at the end."""
    blind = {k for u in unread for k in u.kinds}
    if blind:
        return _blind_lines(world, n, gone, unread, blind)
    ep = world.get("endpoint", n.endpoint)
    fn = world.get("lambda_function", n.function)
    api = world.get("http_api", n.api)
    objects = world.of_kind("site_object")
    where = f", environment {n.env}," if n.env else ""
    lines = [f"project {n.project}{where} in {n.region} (account {n.account})"]
    if ep:
        lines.append(
            f"  endpoint  {n.endpoint}: {ep.status} on {ep.config}"
            + (
                f", switching to {ep.headed_for} (it serves once healthy, unless SageMaker "
                "rolls the update back)"
                if ep.headed_for != ep.config
                else ""
            )
            + (f" ({ep.failure_reason})" if ep.failure_reason else "")
        )
        lines.append(f"            variant {VARIANT}: {variant_status(world, n, ep)}")
        lines += rollback_lines(world, n, gone)
    else:
        lines.append(f"  endpoint  {n.endpoint}: not deployed")
    lines.append(
        f"  configs   {', '.join(sorted(c.name for c in world.of_kind('endpoint_config'))) or '-'}"
    )
    lines.append(
        f"  lambda    {n.function}: "
        + (f"{fn.state} / last update {fn.last_update}" if fn else "missing")
    )
    lines.append("  api       " + (n.api_url(api.api_id) if api else "missing"))
    lines.append(_site_line(world, n, objects))
    lines.append(role_status(world, n))
    return lines


def _blind_lines(
    world: World, n: Names, gone: str | None, unread: Sequence[Unread], blind: set[str]
) -> list[str]:
    """`status_lines` with the sections that a refused read left unknown said as such."""
    lines = status_lines(world, n, gone)
    unknown = "unknown (could not be read: see `unread` below)"
    sections = {
        "  endpoint  ": ("endpoint",),
        "            variant": ("endpoint_config", "scaling"),
        "  image     ": ("endpoint_config", "sagemaker_model"),
        "  previous  ": ("endpoint_config", "sagemaker_model"),
        "  configs   ": ("endpoint_config",),
        "  lambda    ": ("lambda_function",),
        "  api       ": ("http_api",),
        "  site      ": ("cloudfront_distribution", "cloudfront_oac", "s3_bucket", "site_object"),
        "  roles     ": ("iam_role",),
    }
    out = []
    for line in lines:
        kinds = next((k for head, k in sections.items() if line.startswith(head)), ())
        if blind.intersection(kinds):
            head = next(h for h in sections if line.startswith(h))
            name = {"  endpoint  ": n.endpoint, "  lambda    ": n.function}.get(head)
            line = f"{head}{name}: {unknown}" if name else f"{head}{unknown}"
        out.append(line)
    return out + [unread_line(u) for u in merged(unread)]


def _site_line(world: World, n: Names, objects: list[Any]) -> str:
    """The site: its URL, or what of it exists (an apply killed before its bucket left none:
    no "0 objects in the bucket" of a bucket that is not there)."""
    domain = site_domain(world)
    dist = world.get("cloudfront_distribution", n.oac)
    if domain and dist:
        return f"  site      {site_url(domain)} ({dist.status}; {len(objects)} objects)"
    if world.get("s3_bucket", n.bucket) is None:
        return f"  site      no distribution, no bucket {n.bucket} (apply creates them)"
    return f"  site      no distribution ({len(objects)} objects in the bucket)"


def _instances(count: int | None, kind: str) -> str:
    return f"{count}{kind} instance{'' if count == 1 else 's'}"


def variant_status(world: World, n: Names, ep: Any) -> str:
    """The endpoint's variant: its serverless settings, or the instances asked for
    (DesiredInstanceCount) and running (CurrentInstanceCount), still scaling while they
    differ, and who sets the count: config.yaml, or Application Auto Scaling."""
    if ep.serverless:
        said = f"serverless, {ep.memory_mb} MB, max concurrency {ep.concurrency_now}"
        if ep.concurrency is not None and ep.concurrency != ep.concurrency_now:
            said += f" ({ep.concurrency} asked: still updating, {ep.status})"
        return said
    if ep.instances is None and ep.running is None:
        # No variant described (ProductionVariants is optional: a new endpoint's fleet is in
        # PendingDeploymentSummary while it is Creating): nothing asked or running to say.
        return f"no instance running yet ({ep.status})"
    config = world.get("endpoint_config", ep.config)
    kind = (config.variant or {}).get("instance_type") if config is not None else None
    said = f"{_instances(ep.instances, f' {kind}' if kind else '')} asked, {ep.running} running"
    if ep.running != ep.instances:
        said += f": still scaling ({ep.status})"
    scaling = world.get("scaling", n.scaling_resource_id)
    if scaling is None:
        return f"{said}; the count is config.yaml's endpoint.instance_count"
    target = f", target {scaling.target:g} invocations per instance" if scaling.target else ""
    return (
        f"{said}; autoscaling owns the count ({scaling.min_capacity}-{scaling.max_capacity}"
        f"{target}): instance_count is only what a new fleet starts with"
    )


@dataclass(frozen=True)
class ModelSmoke:
    """The model's smoke request and the check of its answer, read from its smoke.py."""

    path: Path
    where: str  # the file as messages name it: model/smoke.py
    content_type: str
    body: bytes
    check: Callable[[Any], object]


def _why(err: BaseException, path: Path) -> str:
    """An error of the model's smoke.py in words: an assert's own message, else its type and
    message; and the line of smoke.py it was raised at, when it was (a bare assert says so)."""
    text = str(err)
    said = text if isinstance(err, AssertionError) and text else type(err).__name__
    if text and said != text:
        said += f": {text}"
    line = None
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"{said}, line {line}" if line else said


def load_model_smoke(root: Path, build_context: str = "model") -> ModelSmoke:
    """``<build context>/smoke.py``, run with its folder on the import path (the model's own
    modules import as in the image), and its request made: a file that is missing or broken
    is a DeployError naming it, said before anything is sent."""
    context = Path(build_context) if Path(build_context).is_absolute() else root / build_context
    path = context / SMOKE_FILE
    try:
        where = path.relative_to(root).as_posix()
    except ValueError:
        where = str(path)

    def broken(what: str) -> DeployError:
        return DeployError(f"smoke: {where} {what}; {SMOKE_CONTRACT}")

    if not path.is_file():
        raise broken("is missing")
    spec = importlib.util.spec_from_file_location("_model_smoke", path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has both
        raise broken("cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # what dataclasses and the like look themselves up in
    sys.path.insert(0, str(context))
    try:
        try:
            spec.loader.exec_module(module)
        except Exception as err:  # the model's own code: whatever it raises is the file's fault
            raise broken(f"cannot be loaded ({_why(err, path)})") from None
        request, check = getattr(module, "request", None), getattr(module, "check", None)
        for name, fn in (("request()", request), ("check(answer)", check)):
            if not callable(fn):
                raise broken(f"defines no {name}")
        try:
            made = request()
        except Exception as err:
            raise broken(f"request() failed ({_why(err, path)})") from None
    finally:
        if str(context) in sys.path:
            sys.path.remove(str(context))
    if not (
        isinstance(made, tuple)
        and len(made) == 2
        and isinstance(made[0], str)
        and re.fullmatch(r"[\w.+-]+/[\w.+-]+(?:\s*;[^\r\n]*)?", made[0])
        and isinstance(made[1], str | bytes)
    ):
        raise broken(
            f"request() returned {repr(made)[:80]}, not (content type, body): e.g. "
            "('application/json', '{\"values\": [1, 2, 40]}')"
        )
    content_type, body = made
    data = body.encode() if isinstance(body, str) else body
    return ModelSmoke(path, where, content_type, data, check)


UNREACHABLE_HINT = (
    "check the URL (--api-url, or the API that `python -m deploy status` shows) and that the "
    "stack is deployed"
)


def check_api_url(api_url: str) -> str:
    """The API's base URL without a trailing slash; refused up front unless it is http(s)://host,
    so a typo says what is wrong instead of failing inside urllib."""
    parts = urllib.parse.urlsplit(api_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DeployError(
            f"smoke: --api-url {api_url!r} is not an http(s) URL: give the API's address, "
            "e.g. https://abc123.execute-api.us-east-1.amazonaws.com"
        )
    return api_url.strip().rstrip("/")


def _unreachable_reason(err: OSError | http.client.HTTPException) -> str:
    """What went wrong in words (connection refused, a DNS failure, a timeout), not a repr."""
    reason = getattr(err, "reason", None) or err
    if isinstance(reason, OSError) and reason.strerror:
        return str(reason.strerror)
    return str(reason) or type(reason).__name__


def _request(
    url: str, method: str, headers: dict[str, str], body: bytes | None = None, timeout: float = 35.0
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP exchange; an HTTP error status is an answer, no answer at all is a DeployError."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()
    except (OSError, http.client.HTTPException) as err:  # URLError, timeouts, resets
        raise DeployError(
            f"smoke: could not reach {url}: {_unreachable_reason(err)}; {UNREACHABLE_HINT}"
        ) from None


# A serverless endpoint's cold start can outlast the Lambda's read timeout, so the first POST
# after a deploy may answer 504 (or 503 "Service Unavailable", what HTTP APIs send on an
# integration timeout in practice): retried a few times, with a pause, before it counts.
COLD_START_STATUSES = (503, 504)
COLD_START_TRIES = 4
COLD_START_PAUSE_S = 10.0


def _post_through_cold_start(
    url: str,
    headers: dict[str, str],
    body: bytes,
    report: list[str],
    sleep: Callable[[float], None],
) -> tuple[int, dict[str, str], bytes]:
    for attempt in range(1, COLD_START_TRIES + 1):
        status, got, answer = _request(url, "POST", headers, body)
        if status not in COLD_START_STATUSES or attempt == COLD_START_TRIES:
            return status, got, answer
        report.append(
            f"POST /detect {status} (attempt {attempt} of {COLD_START_TRIES}): the endpoint may "
            f"be starting cold; retrying in {COLD_START_PAUSE_S:.0f} s"
        )
        sleep(COLD_START_PAUSE_S)
    raise AssertionError("unreachable")  # pragma: no cover


def smoke(
    api_url: str, origin: str, model: ModelSmoke, sleep: Callable[[float], None] = time.sleep
) -> list[str]:
    """GET /health, a CORS preflight, then POST the model's example (``model``, its smoke.py)
    through the public API and let the model check the answer; raise DeployError on the first
    thing that is not as a deployed stack must answer."""
    base = check_api_url(api_url)
    report = []
    status, headers, body = _request(f"{base}/health", "GET", {"Origin": origin})
    try:
        healthy = status == 200 and json.loads(body) == {"status": "ok"}
    except ValueError:
        healthy = False
    if not healthy:
        raise DeployError(f"smoke: GET {base}/health → {status}: {body[:300]!r}")
    report.append(f"GET /health OK ({status})")
    url = f"{base}/detect"
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
    status, headers, body = _post_through_cold_start(
        url,
        {"Content-Type": model.content_type, "Origin": origin, "Accept": "application/json"},
        model.body,
        report,
        sleep,
    )
    ms = (time.monotonic() - t0) * 1000
    if status != 200:
        raise DeployError(f"smoke: POST {url} → {status}: {body[:500]!r}")
    try:
        answer = json.loads(body)
    except ValueError as err:
        raise DeployError(f"smoke: POST {url} → 200 but no JSON ({err}): {body[:500]!r}") from None
    try:
        said = model.check(answer)
    except Exception as err:  # the model's own check: whatever it raises is a refusal
        raise DeployError(
            f"smoke: {model.where} refused the answer of POST {url} ({_why(err, model.path)}): "
            f"{body[:500]!r}; if the model is right, the check is not: change it with the model "
            f"{SMOKE_CITE}"
        ) from None
    words = f", {said}" if isinstance(said, str) and said else ""
    report.append(f"POST /detect OK ({status}, {ms:.0f} ms{words})")
    return report
