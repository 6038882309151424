"""Read config.yaml for the workflows: project/region outputs and the teardown confirmation.

Why: the workflows must not duplicate config.yaml (the region and project live there only), and
the teardown's typed confirmation must be compared in code, never interpolated into a shell.
Uses the deploy engine's own loader so validation errors read the same as `deploy plan`'s.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy.config import load_config  # noqa: E402


def settings_lines(config_path: str) -> list[str]:
    """``key=value`` lines for $GITHUB_OUTPUT."""
    config = load_config(config_path)
    return [f"project={config.project}", f"region={config.region}"]


def confirm(config_path: str, typed: str) -> tuple[bool, str]:
    """True when the typed text is exactly the project name (surrounding blanks ignored)."""
    project = load_config(config_path).project
    if typed.strip() == project:
        return True, f"confirmed: destroying every resource of project {project!r}"
    return False, (
        f"the confirmation {typed.strip()!r} is not the project name {project!r} from "
        "config.yaml: nothing was destroyed. Re-run the workflow and type the project name."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "config.yaml"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("settings", help="print project= and region= lines")
    check = sub.add_parser("confirm-teardown", help="exit 0 only if --typed is the project")
    check.add_argument("--typed", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "settings":
            print("\n".join(settings_lines(args.config)))
            return 0
        ok, message = confirm(args.config, args.typed)
    except Exception as exc:  # a config error: say it in the workflow's annotations
        print(f"::error title=config.yaml::{exc}".replace("\n", "%0A"))
        return 1
    print(message if ok else f"::error title=teardown not confirmed::{message}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
