"""The environment commands bootstrap prints, run by bash against a stand-in `gh`.

"Run bootstrap again whenever you add or rename an environment" (docs/deploy.md) means the
printed commands are pasted again over environments already set up. Their first command is
`PUT repos/{repo}/environments/{name}` ("Create or update an environment",
https://docs.github.com/rest/deployments/environments), whose body here carries
`deployment_branch_policy` alone: GitHub's reference lists `wait_timer`,
`prevent_self_review`, `reviewers` and `deployment_branch_policy` as optional fields of the
same call and says nothing of what becomes of the ones a request leaves out. So the printed
PUT must not reach an environment that is already restricted to selected branches (whatever
reviewers someone gave it since); one GitHub made itself (a job named it first) or one
without the rule still gets it.

The stand-in answers `gh api <environment> --jq <filter>` with jq over the environment as
GitHub's "Get an environment" returns it (`deployment_branch_policy` null when every branch
may deploy), fails like gh on a 404, and records every call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from deploy.bootstrap.github_settings import settings_lines
from deploy.bootstrap.policies import Target

REPO = "octo/trends"
FAKE_GH = r"""#!/usr/bin/env bash
# A stand-in for the GitHub CLI: records each call, answers GETs from $GH_STATE/<env>.json.
printf '%s\n' "$*" >> "$GH_STATE/calls.log"
[ "$1" = api ] || exit 2
shift
method=GET jq_filter=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method="$2"; shift 2 ;;
    --jq) jq_filter="$2"; shift 2 ;;
    --input) shift 2 ;;
    -f) shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
path="${args[0]}"
if [ "$method" != GET ]; then
  if [ "$method" = PUT ]; then cat > "$GH_STATE/put-body.json"; fi
  echo '{}'
  exit 0
fi
name="${path##*/}"
if [ "$name" = deployment-branch-policies ]; then
  env_path="${path%/deployment-branch-policies}"
  name="${env_path##*/}.policies"
fi
if [ ! -f "$GH_STATE/$name.json" ]; then
  echo '{"message":"Not Found","status":"404"}'
  echo "gh: Not Found (HTTP 404)" >&2
  exit 1
fi
if [ -z "$jq_filter" ]; then cat "$GH_STATE/$name.json"; exit 0; fi
jq -r "$jq_filter" "$GH_STATE/$name.json"
"""

REVIEWED = {
    "name": "production",
    "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
    "protection_rules": [
        {"type": "required_reviewers", "prevent_self_review": True, "reviewers": []},
        {"type": "branch_policy"},
    ],
}
UNRESTRICTED = {"name": "production", "deployment_branch_policy": None, "protection_rules": []}


def _production_block() -> str:
    """The lines bootstrap prints for the production environment, as a user pastes them."""
    lines = settings_lines(Target("trends-anomaly", "us-east-1", "123456789012", REPO))
    start = next(i for i, line in enumerate(lines) if line.startswith("- production:"))
    block: list[str] = []
    for line in lines[start + 1 :]:
        if not line or line.startswith("- ") or line.startswith("("):
            break
        block.append(line)
    return "\n".join(block) + "\n"


def _run(tmp_path: Path, existing: dict | None, policies: list[str] = ()) -> list[str]:
    if not shutil.which("jq") or not shutil.which("bash"):
        pytest.skip("needs bash and jq")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH, encoding="utf-8")
    gh.chmod(0o755)
    state = tmp_path / "state"
    state.mkdir()
    if existing is not None:
        (state / "production.json").write_text(json.dumps(existing), encoding="utf-8")
        listed = {
            "total_count": len(policies),
            "branch_policies": [
                {"id": i, "name": n, "type": "branch"} for i, n in enumerate(policies)
            ],
        }
        (state / "production.policies.json").write_text(json.dumps(listed), encoding="utf-8")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "GH_STATE": str(state)}
    result = subprocess.run(
        ["bash"], input=_production_block(), env=env, text=True, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return (state / "calls.log").read_text(encoding="utf-8").splitlines()


def _puts(calls: list[str]) -> list[str]:
    return [c for c in calls if c.startswith("api -X PUT")]


def test_a_new_environment_is_created_restricted_to_main(tmp_path: Path) -> None:
    calls = _run(tmp_path, existing=None)
    assert _puts(calls) == [f"api -X PUT repos/{REPO}/environments/production --input -"]
    body = json.loads((tmp_path / "state" / "put-body.json").read_text(encoding="utf-8"))
    assert body == {
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True}
    }
    assert any("deployment-branch-policies -f name=main -f type=branch" in c for c in calls)


def test_an_environment_github_made_without_the_rule_gets_it(tmp_path: Path) -> None:
    assert len(_puts(_run(tmp_path, existing=UNRESTRICTED))) == 1


def test_running_the_commands_again_leaves_a_set_up_environment_alone(tmp_path: Path) -> None:
    """Already on selected branches (reviewers added since): no PUT that could drop them."""
    calls = _run(tmp_path, existing=REVIEWED, policies=["main"])
    assert _puts(calls) == [], calls
    assert not (tmp_path / "state" / "put-body.json").exists()
    # nor a second `main` rule, which GitHub would refuse with an error in the paste's output
    assert not [c for c in calls if c.startswith("api -X POST")], calls


def test_a_missing_branch_rule_is_added_to_a_set_up_environment(tmp_path: Path) -> None:
    calls = _run(tmp_path, existing=REVIEWED, policies=["release/*"])
    assert _puts(calls) == []
    posts = [c for c in calls if c.startswith("api -X POST")]
    assert posts == [
        f"api -X POST repos/{REPO}/environments/production/deployment-branch-policies "
        "-f name=main -f type=branch"
    ]
