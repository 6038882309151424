"""`python -m devstack` / `make up`: start the stack, wait until it answers, run until Ctrl-C.

Ctrl-C (SIGINT) and SIGTERM both stop it. SIGINT is caught even when it was ignored at start:
a shell without job control (a script, CI, `sh -c`) starts a command run with `&` with SIGINT
and SIGQUIT ignored (POSIX, Shell Command Language 2.11), GNU make keeps a signal ignored that
was ignored when it started and its children inherit that, and Python then leaves SIGINT
ignored instead of raising KeyboardInterrupt (docs.python.org, signal: "SIGINT is translated
into a KeyboardInterrupt exception if the parent process has not changed it"). A backgrounded
`make up` then outlived the Ctrl-C that ended its script, holding its ports. A background job
of an interactive shell is another matter: the terminal sends Ctrl-C only to the foreground
job (the README says to `fg` it first, or `kill %1`).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deploy.aws import DeployError
from deploy.config import ConfigError, origin_problem
from deploy.ops import load_model_smoke
from devstack import REPO
from devstack.ports import PortInUse
from devstack.stack import DEFAULT_PORTS, start_stack, wait_until_ready

SAMPLE = REPO / "tests" / "data" / "en_weekly5y_bitcoin.csv"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description="Run the page, API (Lambda handler) and model server on 127.0.0.1. "
        'Through make: make up ARGS="--api-port 3001".',
    )
    for part, what in (("model", "the model server"), ("api", "the API"), ("site", "the page")):
        parser.add_argument(
            f"--{part}-port",
            type=_port,
            default=DEFAULT_PORTS[part],
            metavar="PORT",
            help=f"port of {what} on 127.0.0.1 (default {DEFAULT_PORTS[part]}; 0: any free port)",
        )
    parser.add_argument("--site-dir", type=Path, default=REPO / "site" / "dist")
    parser.add_argument("--config", type=Path, default=REPO / "config.yaml")
    parser.add_argument("--workers", type=int, default=2, help="model server workers (2)")
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        type=_origin,
        metavar="ORIGIN",
        help="another origin whose pages may call the API (your own page under development, "
        "e.g. http://localhost:5173); repeat for more. Joins config.yaml's api.cors_origins "
        "and the local page's own origin, for this run only",
    )
    parser.add_argument(
        "--model",
        choices=("process", "container"),
        default="process",
        help="run the model as a process from .venv (default), or from its image in a "
        "container as SageMaker does (builds the image; needs Docker)",
    )
    return parser.parse_args(argv)


def _port(value: str) -> int:
    """A TCP port, or 0 for any free one: a number past 65535 was a traceback from the port
    check (socket's OverflowError) instead of a line naming the flag."""
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port: 0 to 65535 (0: any free port)")
    return port


def _origin(value: str) -> str:
    """An origin as config.yaml takes one (scheme://host[:port])."""
    problem = origin_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def smoke_request_type(root: Path = REPO) -> str | None:
    """The Content-Type of model/smoke.py's request: what the served model takes (a fork's own
    model may take JSON, not a Trends CSV). None when the file is missing or broken: make up
    still starts, and `deploy smoke` says what is wrong with it."""
    try:
        return load_model_smoke(root).content_type
    except DeployError:
        return None


def _try_lines(urls: dict[str, str], cors: str, request_type: str | None) -> tuple[str, str]:
    """The API line's hint and the command to try: the Trends example for a model that takes
    CSV (the shipped one), else deploy smoke, which sends model/smoke.py's request and checks
    the answer with it."""
    if request_type is None or request_type.split(";")[0].strip() == "text/csv":
        return (
            f"POST a Google Trends CSV; {cors}",
            f"Try:  curl -s -H 'Content-Type: text/csv' --data-binary "
            f"@{SAMPLE.relative_to(REPO)} '{urls['api']}/detect'   (the default method)",
        )
    return (
        f"POST {request_type}, as model/smoke.py's request; {cors}",
        f"Try:  .venv/bin/python -m deploy smoke --api-url {urls['api']} --origin "
        f"{urls['site']}   (model/smoke.py's request and check)",
    )


def _ready_text(
    urls: dict[str, str],
    container: str | None = None,
    origins: Sequence[str] = (),
    request_type: str | None = "text/csv",
) -> str:
    note = f"   (container {container}: docker logs -f {container})" if container else ""
    cors = f"CORS from config.yaml and {', '.join(origins)}" if origins else "CORS from config.yaml"
    hint, tried = _try_lines(urls, cors, request_type)
    return (
        f"\nReady:\n"
        f"  page    {urls['site']}/\n"
        f"  API     {urls['api']}/detect   ({hint})\n"
        f"          {urls['api']}/health   (GET: is the API up)\n"
        f"  model   {urls['model']}/ping{note}\n"
        f"  SageMaker runtime stand-in {urls['runtime']}\n"
        f"{tried}\n"
        "Press Ctrl-C to stop."
    )


def _say(line: str, **kwargs: Any) -> None:
    """Print, unless the output is gone (a closed pipe or terminal): stopping must go on."""
    with contextlib.suppress(OSError):
        print(line, flush=True, **kwargs)


def _interrupted(*_: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started with `&` (see above)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # Until the stack answers, SIGTERM stops it as Ctrl-C does: the parts already started are
    # stopped (start_stack's cleanup), where the default action left the model server, which
    # runs in a session of its own, holding its port (a container build takes minutes).
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        print("Starting the local stack (model server first) ...", flush=True)
        stack = start_stack(
            model_port=args.model_port,
            api_port=args.api_port,
            site_port=args.site_port,
            site_dir=args.site_dir,
            config_path=args.config,
            model_workers=args.workers,
            model=args.model,
            cors_origins=args.cors_origin,
        )
    except PortInUse as exc:  # the suggested command is the user's own, with free ports
        print(f"error: {exc.advice(sys.argv[1:] if argv is None else argv)}", file=sys.stderr)
        return 1
    except (ConfigError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    stop = threading.Event()
    try:
        wait_until_ready(stack, log=lambda line: print(line, flush=True))
        signal.signal(signal.SIGTERM, lambda *_: stop.set())  # from here on, the loop stops
        print(
            _ready_text(
                stack.urls,
                getattr(stack.model, "name", None),
                args.cors_origin,
                smoke_request_type(),
            ),
            flush=True,
        )
        if not stack.site.built:
            print(f"note: {args.site_dir} is missing: run `make site` to build the page.")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        print(f"error: the stack started but does not answer: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())  # stopping is not interrupted
        _say("\nStopping ...")
        stack.stop()
    return 0
