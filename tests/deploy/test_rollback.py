"""What `status` says before a rollback (deploy/rollback.py), from an observed World alone:
the serving image, a switch SageMaker rolled back, the previous config and the way back."""

from __future__ import annotations

from pathlib import Path

import yaml

from deploy.naming import Names
from deploy.resources.endpoint import SeenEndpoint
from deploy.resources.endpoint_config import PREVIOUS, REQUESTED, SERVING, SeenConfig
from deploy.resources.sagemaker_model import SeenModel
from deploy.rollback import rollback_command, rollback_lines
from deploy.world import World

REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly"


def _world(serving: str, tags: dict[str, str], generations: dict[str, str]) -> World:
    """An endpoint on ``serving`` with these tags; a config and model per (config, image)."""
    world = World(account="123456789012", region="us-east-1")
    for i, (config, image) in enumerate(generations.items()):
        world.add(SeenConfig(config, f"arn:{config}", f"2026-12-0{i + 1}", f"m-{config}", {}))
        world.add(SeenModel(f"m-{config}", f"arn:m-{config}", f"2026-12-0{i + 1}", image=image))
    world.add(SeenEndpoint("ep", "arn:ep", serving, "InService", None, tags))
    return world


def test_names_the_previous_image_and_the_apply_that_goes_back_to_it() -> None:
    world = _world(
        "c-2", {SERVING: "c-2", PREVIOUS: "c-1"}, {"c-1": f"{REPO}:a", "c-2": f"{REPO}:b"}
    )
    lines = [line.strip() for line in rollback_lines(world, Names("ep", "1", "us-east-1"))]
    assert lines[0] == f"image     {REPO}:b"
    assert lines[1] == f"previous  c-1 served before it: image {REPO}:a"
    assert lines[2].startswith(f"to go back to it: python -m deploy apply --image {REPO}:a")
    # the same image through deploy.yml's Run workflow (workflow_dispatch), reviewers and all
    assert lines[3].startswith("or from GitHub: Actions, deploy, Run workflow, with image")
    assert lines[3].split("with image ", 1)[1].startswith(f"{REPO}:a ")


def test_a_first_deploy_has_nothing_to_go_back_to() -> None:
    world = _world("c-1", {SERVING: "c-1"}, {"c-1": f"{REPO}:a"})
    lines = [line.strip() for line in rollback_lines(world, Names("ep", "1", "us-east-1"))]
    assert lines == [
        f"image     {REPO}:a",
        "previous  none kept: nothing served before the current config",
    ]


def test_a_switch_rolled_back_by_sagemaker_is_a_warning() -> None:
    """The last apply asked for c-3; SageMaker went back to c-2, which still serves."""
    tags = {REQUESTED: "c-3", SERVING: "c-2", PREVIOUS: "c-1"}
    world = _world("c-2", tags, {"c-1": f"{REPO}:a", "c-2": f"{REPO}:b", "c-3": f"{REPO}:c"})
    (warning,) = [ln.strip() for ln in rollback_lines(world, Names("ep", "1", "us-east-1"))
                  if "warning" in ln]  # fmt: skip
    assert warning.startswith(
        "warning   the last apply rolled back: endpoint ep serves c-2, not c-3"
    )
    assert warning.endswith("; c-2 still serves")


def test_the_command_names_the_environment() -> None:
    names = Names("trends-anomaly", "1", "us-east-1", "production")
    assert rollback_command(names, "img") == "python -m deploy apply --env production --image img"


def test_the_run_workflow_status_names_takes_an_image() -> None:
    """status points at deploy.yml's Run workflow with an ``image``: that input must exist."""
    deploy_yml = Path(__file__).resolve().parents[2] / ".github/workflows/deploy.yml"
    workflow = yaml.safe_load(deploy_yml.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare on: as True
    assert "image" in triggers["workflow_dispatch"]["inputs"]


def _github_line(env: str | None) -> str | None:
    """status's Run workflow line for ``env``'s endpoint (its name is the stack's)."""
    names = Names("ep", "1", "us-east-1", env)
    world = _world(
        "c-2", {SERVING: "c-2", PREVIOUS: "c-1"}, {"c-1": f"{REPO}:a", "c-2": f"{REPO}:b"}
    )
    ep = world.get("endpoint", "ep")
    world.add(SeenEndpoint(names.endpoint, "arn:ep", ep.config, "InService", None, ep.tags))
    lines = [ln.strip() for ln in rollback_lines(world, names)]
    assert any(ln.startswith("previous") for ln in lines), lines
    found = [ln for ln in lines if ln.startswith("or from GitHub")]
    return found[0] if found else None


def test_the_run_workflow_line_names_the_environment_to_choose() -> None:
    """deploy.yml's `environments` input defaults to production: staging's status must say to
    choose staging, or following it rolls production back to staging's previous image."""
    staging = _github_line("staging")
    assert staging is not None and "and environments staging" in staging, staging
    assert "production's reviewers" not in staging, staging
    production = _github_line("production")
    assert production is not None and "and environments production" in production, production
    assert "production's reviewers approve it" in production, production
    single = _github_line(None)  # no environments: in config.yaml: the input's production
    assert single is not None and "environments production" in single, single


def test_a_preview_has_no_run_workflow_line() -> None:
    """deploy.yml's Run workflow deploys staging or production only, never a preview."""
    assert _github_line("pr-7") is None


def test_during_an_update_the_way_back_is_the_config_serving_meanwhile() -> None:
    """A bad merge's switch from c-2 to c-3 is under way (its deploy job cancelled while it
    waited: SageMaker goes on). The tags still say what the switch found (serving c-2, c-1
    before it), and `status` named c-1 as the previous config with `apply --image <c-1's
    image>` to go back: two generations back, past c-2, the config serving now, which the
    runbook means by "previous" (docs/rolling-back.md: `Updating on <previous>, switching to
    <bad>`) and which the switch records as the previous once c-3 lands (while the running
    apply's clean-up deletes c-1). Now the way back is c-2, and the command its image."""
    from dataclasses import replace

    from deploy.rollback import previous_image

    tags = {REQUESTED: "c-3", SERVING: "c-2", PREVIOUS: "c-1"}
    world = _world("c-2", tags, {"c-1": f"{REPO}:a", "c-2": f"{REPO}:b", "c-3": f"{REPO}:c"})
    ep = world.get("endpoint", "ep")
    world.add(replace(ep, status="Updating", pending="c-3"))
    names = Names("ep", "1", "us-east-1")
    lines = [line.strip() for line in rollback_lines(world, names)]
    assert lines[0] == f"image     {REPO}:b"
    assert lines[1] == (
        f"previous  c-2 serves until the update to c-3 lands, and is then the config kept for "
        f"rollback: image {REPO}:b"
    ), lines
    assert lines[2].startswith(f"to go back to it: python -m deploy apply --image {REPO}:b"), lines
    assert not any(f"{REPO}:a" in line for line in lines), lines
    assert previous_image(world, names) == f"{REPO}:b"  # the image status checks in ECR
    # Updating on its own config (a scaling): the previous recorded stays the way back.
    world.add(replace(ep, status="Updating", pending=None))
    lines = [line.strip() for line in rollback_lines(world, names)]
    assert lines[1] == f"previous  c-1 served before it: image {REPO}:a", lines
