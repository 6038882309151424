"""Which stack this is and where: what plan, apply, destroy and status say about it. Pure.

A stack (the project, or one environment of it) lives in one account and region, but IAM role
names are global: its two service roles are ``{stack}-sagemaker`` and ``{stack}-lambda`` in
every region, while their policies name one region's endpoint and log groups. Naming them per
region would swap every deployed stack's roles and replace its endpoint fleet; instead the
roles are told apart by what their policies name (`resources/iam.py`): when they serve the
project's stack in another region, plan and apply stop before any change and destroy leaves
them. A renamed project (or a new region, or environment) is a second stack: the plan says so.
"""

from __future__ import annotations

from deploy.naming import Names
from deploy.plan import Action
from deploy.resources.iam import roles_elsewhere
from deploy.world import World


def _which(names: Names) -> str:
    env = f"environment {names.env} of " if names.env else ""
    return f"{env}project {names.project}"


def _destroy_command(names: Names) -> str:
    env = f" --env {names.env}" if names.env else ""
    return f"`python -m deploy destroy --yes{env}`"


def _regions_of(elsewhere: dict[str, tuple[str, ...]]) -> str:
    """ "eu-west-1" or "eu-west-1 and us-east-1": the regions the roles serve, each once."""
    return " and ".join(sorted({r for regions in elsewhere.values() for r in regions}))


def roles_taken(world: World, names: Names) -> str | None:
    """Why this stack cannot be planned here (its roles serve another region's), or None."""
    elsewhere = roles_elsewhere(world)
    if not elsewhere:
        return None
    where = _regions_of(elsewhere)
    return (
        f"IAM roles {', '.join(elsewhere)} serve the stack of {_which(names)} in {where}: "
        f"their policies name its resources, and IAM role names are global, so deploying it in "
        f"{names.region} too would rewrite them and cut that stack off (its Lambda denied on "
        f"its endpoint, its endpoint unable to pull or log). Nothing was changed. Either "
        f"destroy the {where} stack first ({_destroy_command(names)} with `region: {where}` in "
        f"config.yaml), or give the stack in {names.region} another name (`project:` in "
        "config.yaml)"
    )


def kept_roles(world: World) -> list[str]:
    """What destroy says of the roles it leaves: those serving another region's stack."""
    return [
        f"Kept IAM role {name}: its policy names the resources of {' and '.join(regions)}, "
        f"so it serves the project's stack there (IAM role names are global); destroy that "
        f"stack, with `region: {regions[0]}` in config.yaml, to remove it."
        for name, regions in roles_elsewhere(world).items()
    ]


def new_stack(world: World, names: Names, actions: list[Action]) -> str | None:
    """A note when nothing of this stack exists in this account and region yet (the shared
    image repository aside): a renamed `project` or another `region` deploys a second stack
    and leaves the first running, which an operator may not have meant."""
    if any(r.KIND != "image" and not getattr(r, "shared", False) for r in world):
        return None
    creates = sum(a.op == "create" for a in actions)
    return (
        f"No resource of {_which(names)} exists in {names.region} (account {names.account}) "
        f"yet: {creates} to create, a new stack. A renamed `project` or another `region` "
        "leaves the stack deployed under the old ones running (remove it with `destroy` and "
        "its own config.yaml)."
    )


def role_status(world: World, names: Names) -> str:
    """The status line of the stack's service roles: missing or serving another region's
    stack, the stack's Lambda and endpoint are denied however healthy they look."""
    elsewhere = roles_elsewhere(world)
    if elsewhere:
        regions = _regions_of(elsewhere)
        return (
            f"  roles     {', '.join(elsewhere)} serve the stack in {regions} (their policies "
            "name its resources): this stack's calls are denied"
        )
    wanted = (names.sagemaker_role, names.lambda_role)
    missing = [r for r in wanted if world.get("iam_role", r) is None]
    if missing:
        return f"  roles     missing: {', '.join(missing)} (run apply)"
    return f"  roles     {', '.join(wanted)}"
