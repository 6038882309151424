"""What an on-call needs from `status` before rolling a bad model back: the image the endpoint
serves, whether the last apply's switch was rolled back by SageMaker (it then still serves the
old config), and the config kept for rollback with its image and the command that switches
back to it (docs/rolling-back.md, "Rolling back").

The config kept for rollback is the one that served before the current one
(`endpoint_config.served_before`, read from the endpoint's tags); apply never deletes it, and
its model names the image to pass to `apply --image`. During an update to another config the
way back is the config still serving meanwhile (`way_back`), not the one the tags name from
before the update began. Right after a rollback that config is
the one rolled back from (created after the one serving): its image is then a roll forward,
and said so. Pure: reads an observed World.
"""

from __future__ import annotations

from typing import Any

from deploy.image import REPOSITORY_MISSING, kept_images, repository_missing
from deploy.naming import WORKFLOW_STAGES, Names
from deploy.resources.endpoint import rolled_back
from deploy.resources.endpoint_config import served_before
from deploy.world import World

RUNBOOK = 'docs/rolling-back.md, "Rolling back"'


def config_image(world: World, config: str | None) -> str | None:
    """The image of ``config``'s model, None when the config or its model is not found."""
    seen = world.get("endpoint_config", config) if config else None
    model = world.get("sagemaker_model", seen.model) if seen is not None and seen.model else None
    return getattr(model, "image", None) if model is not None else None


def rollback_command(names: Names, image: str) -> str:
    """The apply that switches this stack's endpoint back to ``image``."""
    env = f" --env {names.env}" if names.env else ""
    return f"python -m deploy apply{env} --image {image}"


def way_back(ep: Any, world: World) -> str | None:
    """The config to go back to: the one kept for rollback (`served_before`, from the
    endpoint's tags), except during an update to another config (DescribeEndpoint's
    PendingDeploymentSummary): then the config still serving meanwhile, which the switch
    records as the previous once the update lands (the tags say the history before it began,
    and that apply's clean-up deletes the config they name as the previous)."""
    if ep is None:
        return None
    if ep.headed_for != ep.config:
        return ep.config
    return served_before(ep, world.of_kind("endpoint_config"))


def previous_image(world: World, names: Names) -> str | None:
    """The image of the config to go back to (`way_back`), None without one."""
    return config_image(world, way_back(world.get("endpoint", names.endpoint), world))


def rollback_lines(world: World, names: Names, gone: str | None = None) -> list[str]:
    """Status lines under the endpoint's: its image, a rolled-back switch, the previous config.
    ``gone``: ECR's error code when the previous config's image is no longer there."""
    ep: Any = world.get("endpoint", names.endpoint)
    if ep is None:
        return []
    image = config_image(world, ep.config)
    lines = [f"  image     {image or 'unknown (its config or model is not found)'}"]
    note = rolled_back(ep)
    if note:
        lines.append(f"  warning   {note}; {ep.config} still serves")
    previous = way_back(ep, world)
    if not previous or world.get("endpoint_config", previous) is None:
        lines.append("  previous  none kept: nothing served before the current config")
        return lines
    before = config_image(world, previous)
    said = before or "unknown (model not found)"
    updating = ep.headed_for != ep.config  # `way_back`: the config serving meanwhile
    if updating:
        lines.append(
            f"  previous  {previous} serves until the update to {ep.headed_for} lands, and is "
            f"then the config kept for rollback: image {said}"
        )
    else:
        lines.append(f"  previous  {previous} served before it: image {said}")
    if before and gone == REPOSITORY_MISSING:
        lines.append(
            f"            {before} is gone from ECR ({gone}): "
            f"{repository_missing(before, names.ecr_repository, names.env)}. apply --image "
            "cannot go back to it. A git revert of the change on main still can (its deploy "
            f"creates the repository and builds and pushes the same tag again): {RUNBOOK}"
        )
    elif before and gone:
        lines.append(
            f"            {before} is gone from ECR ({gone}; the repository keeps "
            f"{kept_images()}): apply --image cannot go back to it. A git revert of the change on "
            "main still can (the build context's content hash names the same tag, which the "
            f"deploy builds and pushes again): {RUNBOOK}"
        )
    elif before and before != image and went_back(world, ep.config, previous):
        lines.append(
            f"            {ep.config} is older than {previous}: the last switch was a "
            f"rollback and {before} is the image it rolled back from, not a way back. To roll "
            f"forward to it again, only once its fault is fixed: {rollback_command(names, before)}"
        )
        github = run_workflow_line(names, before)
        lines += [f"            {github} (the same roll forward)"] if github else []
    elif before and (before != image or updating):
        lines.append(
            f"            to go back to it: {rollback_command(names, before)} (and on main: "
            f"{RUNBOOK})"
        )
        github = run_workflow_line(names, before)
        lines += [f"            {github}"] if github else []
    return lines


def went_back(world: World, current: str, previous: str) -> bool:
    """Whether the endpoint's last switch went back to an older config: a rollback (`apply
    --image` of the kept image, or a revert whose hash-named config was still kept). A
    deploy's switch goes to a config created for it, newer than the one it leaves; a
    rollback's goes to the kept config, created before the one rolled back from. Unknown
    creation times read as a deploy (the words of before)."""
    now = world.get("endpoint_config", current)
    before = world.get("endpoint_config", previous)
    if now is None or before is None or not now.created or not before.created:
        return False
    return bool(now.created < before.created)


def run_workflow_line(names: Names, image: str) -> str | None:
    """deploy.yml's Run workflow that deploys ``image`` to this stack, with the `environments`
    input to choose (its default, production, would roll the wrong stage back from staging's
    status); None for a stack the workflow does not deploy (a preview, another environment)."""
    stage = names.env or "production"  # without environments: the production stage's
    if stage not in WORKFLOW_STAGES:
        return None
    approval = " (production's reviewers approve it)" if stage == "production" else ""
    return (
        f"or from GitHub: Actions, deploy, Run workflow, with image {image} and "
        f"environments {stage}{approval}"
    )
