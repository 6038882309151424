"""Read config.yaml for the workflows: settings outputs, the promotion order, the teardown check.

Why: the workflows must not duplicate config.yaml (the region, project and environments live
there only), and the teardown's typed confirmation must be compared in code, never interpolated
into a shell. Uses the deploy engine's own loader so validation errors read the same as `deploy
plan`'s.

The workflows promote through two stages: `staging`, then `production` (the GitHub environment
whose required reviewers approve the promotion). A config.yaml without `environments:` is one
deployment, applied by the production stage alone (as before environments existed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from step_files import append_outputs  # noqa: E402 (beside this script)

from deploy.config import PREVIEW_RE, ConfigError, load_config_file  # noqa: E402
from deploy.naming import WORKFLOW_STAGES as STAGES  # noqa: E402 (deploy.yml's promotion order)

PREVIEW_GITHUB_ENVIRONMENT = "preview"


def promotion_order(environments: Iterable[str]) -> list[str]:
    """The stages first, in deploy.yml's order (its production job needs staging's), then any
    other environment in config.yaml's order: the PR plan's comment says "A merge applies them
    in this order", and config.yaml may list production before staging."""
    names = list(environments)
    return [s for s in STAGES if s in names] + [n for n in names if n not in STAGES]


def settings_lines(config_path: str) -> list[str]:
    """``key=value`` lines for $GITHUB_OUTPUT (and ``::notice`` lines, printed separately)."""
    file = load_config_file(config_path)
    names = promotion_order(file.environments)
    if names:
        missing = [s for s in STAGES if s not in names]
        if missing:
            raise ConfigError(
                f"{config_path}: the workflows promote staging → production, but environments: "
                f"has no {' or '.join(missing)} (it has {', '.join(names)}). Name them staging "
                "and production, or change the stages in .github/workflows/deploy.yml."
            )
        staging, production = STAGES
    else:
        staging, production = "", ""
    return [
        f"project={file.base.project}",
        f"region={file.base.region}",
        f"staging={staging}",
        f"production={production}",
        # Every deployment, in promotion order ("" is the single deployment): the PR plan
        # and the drift check cover each.
        f"environments={' '.join(names) if names else '-'}",
        f"environments_json={json.dumps(names or [''])}",
        f"previews={'true' if file.previews_enabled else 'false'}",
    ]


def extra_notices(config_path: str) -> list[str]:
    """Environments the workflows never deploy (neither staging nor production)."""
    file = load_config_file(config_path)
    others = [n for n in file.environments if n not in STAGES]
    return [
        f"::notice title=config.yaml::environment {n} is planned and drift-checked but never "
        "deployed by the workflows (only staging → production are); apply it by hand"
        for n in others
    ]


def confirm(config_path: str, typed: str, env: str = "") -> tuple[bool, str, dict[str, str]]:
    """True when the typed text is exactly the project name (surrounding blanks ignored) and
    ``env`` names a deployment of config.yaml; with the outputs the destroy job needs."""
    file = load_config_file(config_path)
    project = file.base.project
    env = env.strip()
    if typed.strip() != project:
        return (
            False,
            (
                f"the confirmation {typed.strip()!r} is not the project name {project!r} from "
                "config.yaml: nothing was destroyed. Re-run the workflow and type the project name."
            ),
            {},
        )
    # In the workflow's words (its `environment` input), not the CLI's (--env).
    if not env and file.has_environments:
        names = ", ".join(file.environments)
        said = (
            f"config.yaml defines environments ({names}): name one in the workflow's "
            "environment input"
        )
        return False, f"{said}. Nothing was destroyed.", {}
    if env and not (file.has_environments or file.previews_enabled or PREVIEW_RE.fullmatch(env)):
        said = (
            f"environment {env!r}: config.yaml has no `environments:`, so there is one "
            "deployment: leave the workflow's environment input empty to destroy it"
        )
        return False, f"{said}. Nothing was destroyed.", {}
    try:
        file.select(env or None, removing=True)  # (a preview left after `preview:` went too)
    except ConfigError as exc:
        return False, f"environment {env!r}: {exc}. Nothing was destroyed.", {}
    preview = bool(PREVIEW_RE.fullmatch(env))
    github_env = PREVIEW_GITHUB_ENVIRONMENT if preview else (env or "production")
    what = f"environment {env} of project" if env else "project"
    outputs = {"env": env, "github_environment": github_env, "preview": str(preview).lower()}
    return True, f"confirmed: destroying every resource of {what} {project!r}", outputs


# deploy.yml's workflow_dispatch (docs/rolling-back.md, "Rolling back"): which stages deploy the
# image given.
ROLLBACK_TARGETS = {
    "production": ("production",),
    "staging": ("staging",),
    "staging-then-production": ("staging", "production"),
}


def stages(
    config_path: str, event: str, ref: str = "", targets: str = "", configured: bool = True
) -> tuple[str, dict[str, str]]:
    """The stages this run of deploy.yml deploys ("" and the outputs; or an error and none).
    A merge: every stage config.yaml has. A rollback: the ones chosen, from main only (it
    deploys main's config.yaml, Lambda and site with the image given), into stages that
    exist; ``first`` is the deployment whose config checks the image (its --env)."""
    file = load_config_file(config_path)
    has_envs = bool(file.environments)
    if event != "workflow_dispatch":
        on = {"deploy_staging": str(has_envs).lower(), "deploy_production": "true"}
        return "", {**on, "first": STAGES[0] if has_envs else ""}
    if ref != "refs/heads/main":
        return f"Run the rollback from the main branch (it deploys main); this run is on {ref}.", {}
    if not configured:
        return (
            "AWS is not configured: set the repository variable AWS_DEPLOY_ROLE_ARN "
            '(docs/deploy.md, "Deploy to your AWS account"); nothing was deployed.',
            {},
        )
    chosen = ROLLBACK_TARGETS.get(targets.strip())
    if chosen is None:
        return f"environments {targets!r}: choose one of {', '.join(ROLLBACK_TARGETS)}.", {}
    if not has_envs and chosen != ("production",):
        return (
            f"environments {targets!r}: config.yaml has no environments: its one deployment is "
            "the production stage's; choose production.",
            {},
        )
    outputs = {
        "deploy_staging": str("staging" in chosen and has_envs).lower(),
        "deploy_production": str("production" in chosen).lower(),
        "first": chosen[0] if has_envs else "",
    }
    return "", outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "config.yaml"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("settings", help="print project=, region=, staging=, production= ... lines")
    check = sub.add_parser("confirm-teardown", help="exit 0 only if --typed is the project")
    check.add_argument("--typed", required=True)
    check.add_argument("--env", default="", help="the environment to destroy ('' = the single)")
    check.add_argument("--github-output", type=Path, help="append env=, github_environment= here")
    plan = sub.add_parser("stages", help="which stages this deploy.yml run deploys (a rollback's)")
    plan.add_argument("--event", required=True, help="github.event_name")
    plan.add_argument("--ref", default="", help="github.ref")
    plan.add_argument("--targets", default="", help=f"a rollback's: {', '.join(ROLLBACK_TARGETS)}")
    plan.add_argument("--role-arn", default="", help="AWS_DEPLOY_ROLE_ARN ('': not configured)")
    plan.add_argument("--github-output", type=Path, help="append deploy_staging= ... here")
    args = parser.parse_args(argv)
    try:
        if args.command == "stages":
            problem, outputs = stages(
                args.config, args.event, args.ref, args.targets, bool(args.role_arn.strip())
            )
            if problem:
                print(f"::error title=rollback::{problem}")
                return 1
            print("\n".join(f"{k}={v}" for k, v in outputs.items()))
            append_outputs(args.github_output, outputs)
            return 0
        if args.command == "settings":
            print("\n".join(settings_lines(args.config)))
            for notice in extra_notices(args.config):
                print(notice, file=sys.stderr)
            return 0
        ok, message, outputs = confirm(args.config, args.typed, args.env)
    except Exception as exc:  # a config error: say it in the workflow's annotations
        print(f"::error title=config.yaml::{exc}".replace("\n", "%0A"))
        return 1
    print(message if ok else f"::error title=teardown not confirmed::{message}")
    if ok:
        append_outputs(args.github_output, outputs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
