"""`python -m deploy <command>`: argument parsing and printing only."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import botocore.exceptions

from deploy import render
from deploy.aws import Aws, DeployError
from deploy.bootstrap import cli as bootstrap_cli
from deploy.config import ConfigError, load_config
from deploy.engine import Engine
from deploy.naming import site_url
from deploy.resources.cdn import site_domain


def _engine(args: argparse.Namespace) -> Engine:
    path = Path(args.config)
    cfg = load_config(path)
    return Engine(cfg, path.resolve().parent, Aws(cfg.region), image=getattr(args, "image", None))


def _header(eng: Engine) -> str:
    n = eng.names
    return f"Project {n.project} in {n.region} (account {n.account}):"


def cmd_plan(args: argparse.Namespace) -> int:
    eng = _engine(args)
    planned = eng.plan()
    if args.format == "json":
        print(
            render.as_json(
                planned.actions,
                {
                    "project": eng.cfg.project,
                    "region": eng.cfg.region,
                    "warnings": planned.warnings,
                },
            )
        )
    elif args.format == "markdown":
        print(render.markdown(planned.actions, _header(eng), planned.warnings))
    else:
        print(render.text(planned.actions, _header(eng), args.verbose, planned.warnings))
    return 2 if planned.changes else 0


def cmd_apply(args: argparse.Namespace) -> int:
    eng = _engine(args)
    planned = eng.plan()
    print(render.text(planned.actions, _header(eng), warnings=planned.warnings))
    summary = eng.apply(planned)
    calls = eng.aws.log
    print(
        f"\nApplied {len(summary['changes'])} change(s) "
        f"({len(calls.calls)} AWS calls, {len(calls.mutating)} mutating)."
    )
    print(f"  API URL:   {summary['api_url']}")
    print(f"  Site URL:  {summary['site_url']}")
    print(f"  Endpoint:  {summary['endpoint_name']} ({summary['endpoint_status']})")
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return 0


def cmd_destroy(args: argparse.Namespace) -> int:
    eng = _engine(args)
    actions, _ = eng.destroy_plan()
    if not actions:
        print(f"Nothing to destroy: no resources of project {eng.cfg.project} found.")
        return 0
    print(render.text(actions, f"{_header(eng)} destroy"))
    if not args.yes:
        print("Refusing to delete without --yes.", file=sys.stderr)
        return 1
    done = eng.destroy()
    print(f"\nRemoved {len(done)} resource(s):")
    for a in done:
        print(f"  - {a.kind} {a.name}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from deploy.ops import status_lines

    eng = _engine(args)
    print("\n".join(status_lines(eng.observe(), eng.names)))
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    from deploy.ops import logs

    eng = _engine(args)
    for line in logs(eng.aws, eng.names, args.since):
        print(line)
    return 0


def cmd_smoke(args: argparse.Namespace) -> int:
    from deploy.ops import smoke

    eng = _engine(args)
    api_url, origin = args.api_url, args.origin
    if not (api_url and origin):
        world = eng.observe()
        api = world.get("http_api", eng.names.api)
        domain = site_domain(world)
        if api is None or domain is None:
            raise DeployError(
                "smoke: no HTTP API or site distribution deployed for this project: run apply "
                "first (or pass --api-url and --origin)"
            )
        api_url = api_url or eng.names.api_url(api.api_id)
        origin = origin or site_url(domain)
    for line in smoke(api_url, origin):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deploy", description="Reconcile AWS with config.yaml (GitOps)."
    )
    parser.add_argument("--config", default="config.yaml", help="path to config.yaml")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Any, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--config", default=argparse.SUPPRESS, help="path to config.yaml")
        p.set_defaults(func=func)
        return p

    p = add("plan", cmd_plan, "show what apply would change (exit 0: none, 2: changes, 1: error)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--image", help="prebuilt image URI (nothing is built)")
    p.add_argument("--verbose", "-v", action="store_true", help="list unchanged resources too")
    p = add("apply", cmd_apply, "make AWS match config.yaml")
    p.add_argument("--image", help="prebuilt image URI (nothing is built)")
    p.add_argument("--summary-json", metavar="PATH", help="write a JSON summary here")
    p = add("destroy", cmd_destroy, "delete every resource of the project")
    p.add_argument("--yes", action="store_true", help="really delete")
    add("status", cmd_status, "endpoint, Lambda, API and site status")
    p = add("logs", cmd_logs, "CloudWatch logs of the Lambda and the endpoint (no /ping)")
    p.add_argument("--since", default="1h", help="e.g. 30m, 1h, 2d (default 1h)")
    p = add("smoke", cmd_smoke, "POST an example CSV through the public API + CORS preflight")
    p.add_argument("--api-url", help="default: the deployed API")
    p.add_argument("--origin", help="Origin for the CORS check (default: the site URL)")
    bootstrap_cli.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, DeployError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
    except botocore.exceptions.NoCredentialsError:
        print(
            "error: AWS credentials not found: configure them (profile, env or OIDC role)",
            file=sys.stderr,
        )
    except botocore.exceptions.ClientError as err:
        op = err.operation_name
        print(f"error: AWS {op}: {err}", file=sys.stderr)
    except botocore.exceptions.BotoCoreError as err:
        print(f"error: AWS: {err}", file=sys.stderr)
    except BrokenPipeError:  # `plan | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 1
