"""Which stack this is and where: what plan, apply, destroy and status say about it. Pure.

A stack (the project, or one environment of it) lives in one account and region, but IAM role
names are global: its two service roles are ``{stack}-sagemaker`` and ``{stack}-lambda`` in
every region, while their policies name one region's endpoint and log groups. Naming them per
region would swap every deployed stack's roles and replace its endpoint fleet; instead the
roles are told apart by what their policies name (`resources/iam.py`): when they serve the
project's stack in another region, plan and apply stop before any change and destroy leaves
them. A renamed project (or a new region, or environment) is a second stack: the plan says so.

Bootstrap's GitHub roles (``{project}-github-plan``, ``-deploy``, ``-preview``) have the same
global names and are told apart the same way, plus by the repository their trust names: when
they serve the project's stack in another region, or all trust another repository (a second
fork with the same project name), bootstrap stops before any change (`github_roles_taken`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from deploy.bootstrap.github import same_repository, shown
from deploy.bootstrap.policies import trusted_repositories
from deploy.image import ecr_image_ref
from deploy.image_ref import ECR_REGISTRY_RE
from deploy.kept_image import KeptImage
from deploy.kept_tags import Held, Stale
from deploy.naming import Names
from deploy.plan import Action
from deploy.resources.ecr import KEPT_PREFIX
from deploy.resources.iam import SeenRole, roles_elsewhere
from deploy.world import World, made_by


def _which(names: Names) -> str:
    env = f"environment {names.env} of " if names.env else ""
    return f"{env}project {names.project}"


def _destroy_command(names: Names) -> str:
    env = f" --env {names.env}" if names.env else ""
    return f"`python -m deploy destroy --yes{env}`"


def _regions_of(elsewhere: dict[str, tuple[str, ...]]) -> str:
    """ "eu-west-1" or "eu-west-1 and us-east-1": the regions the roles serve, each once."""
    return " and ".join(sorted({r for regions in elsewhere.values() for r in regions}))


def _refusal(roles: Iterable[str], owner: str, why: str, doing: str, cut: str, *do: str) -> str:
    """The one refusal of roles with global names that serve another stack: whose they are
    (``owner``) and how that is known (``why``), what rewriting them would cut off, that
    nothing was changed, and what to do instead (``do``, the alternatives)."""
    either = ", ".join(do[:-1]) + f", or {do[-1]}" if len(do) > 1 else do[0]
    return (
        f"IAM roles {', '.join(roles)} {owner}: {why}, and IAM role names are global, so "
        f"{doing} would rewrite them and cut {cut}. Nothing was changed. Either {either}"
    )


def roles_taken(world: World, names: Names) -> str | None:
    """Why this stack cannot be planned here (its roles serve another region's), or None."""
    elsewhere = roles_elsewhere(world)
    if not elsewhere:
        return None
    where = _regions_of(elsewhere)
    return _refusal(
        elsewhere,
        f"serve the stack of {_which(names)} in {where}",
        "their policies name its resources",
        f"deploying it in {names.region} too",
        "that stack off (its Lambda denied on its endpoint, its endpoint unable to pull or log)",
        f"destroy the {where} stack first ({_destroy_command(names)} with `region: {where}` in "
        "config.yaml)",
        f"give the stack in {names.region} another name (`project:` in config.yaml)",
    )


def _owners(world: World, project: str) -> dict[tuple[str, str | None], list[str]]:
    """(project, environment) of another project's → ``kind name`` of each record found by
    this stack's names that carries its ``project`` tag (config.yaml cannot set that tag: the
    engine writes it on every resource it makes). Records without the tag say nothing."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for record in world:
        tags = getattr(record, "tags", None)
        owner = tags.get("project") if isinstance(tags, dict) else None
        if owner and owner != project:
            key = (str(owner), tags.get("environment"))
            found.setdefault(key, []).append(f"{record.KIND} {record.name}")
    return found


def names_taken(world: World, names: Names) -> str | None:
    """Why this stack cannot be planned, applied or destroyed here, or None: resources found
    by its names carry another project's ``project`` tag. ``{project}-{env}`` can read the
    same for two projects (``app`` with environment ``staging``, and a project named
    ``app-staging``), and then each one's roles are granted the other's exact names: the tag
    is what tells them apart, so neither may change or delete what the other made."""
    owners = _owners(world, names.project)
    if not owners:
        return None
    rename = (
        "another environment name (under `environments:` in config.yaml) or another `project:`"
        if names.env
        else "another `project:` in config.yaml"
    )
    said = []
    for (owner, env), records in sorted(owners.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        shown = ", ".join(sorted(records))
        tag = f"project={owner}" + (f", environment={env}" if env else "")
        said.append(f"{shown} (tagged {tag}: {_which(Names(owner, '', '', env))})")
    return (
        f"The names of {_which(names)} ({names.stack}…) are another project's in this account: "
        f"{'; '.join(said)}. Project and environment names joined with a dash can read the "
        "same for two projects, and whichever deploys second would change or delete the "
        f"other's resources. Nothing was changed. Give this stack names no other project in "
        f"the account has: {rename}; see deploy/README.md, 'Project and environment names'. "
        f"{_renamed_hint(names)}"
    )


def _renamed_hint(names: Names) -> str:
    """What a rename into taken names left behind: the stack under the old name, untouched.
    Nothing in the account links it to this one (its tags say its own old name), so the hint
    says where the old name is and the exact destroy to run with it."""
    env = (
        " (for a renamed environment, its entry back under `environments:` with its old name "
        "too, and `--env` with that name: `--env` takes only an environment config.yaml has)"
        if names.env
        else ""
    )
    return (
        "If this stack's `project:` was just renamed in config.yaml, the stack deployed under "
        "the old name was not touched and keeps running (and billing): remove it with the old "
        f"`project:` back in config.yaml and {_destroy_command(names)}{env}, then rename "
        "again. Its old name is in config.yaml's history (`git log -p config.yaml`)"
    )


def _delete_commands(roles: list[SeenRole]) -> str:
    """The commands that delete bootstrap's roles (no command of this repository does). IAM
    refuses DeleteRole while the role has an inline policy or an attached managed policy
    (DeleteConflict), and bootstrap's own permissions are attached managed policies: each goes
    first."""
    return "; ".join(
        " && ".join(
            [
                *(
                    f"aws iam delete-role-policy --role-name {r.name} --policy-name {p}"
                    for p in r.inline_policies
                ),
                *(
                    f"aws iam detach-role-policy --role-name {r.name} --policy-arn {a}"
                    for a in r.attached
                ),
                f"aws iam delete-role --role-name {r.name}",
            ]
        )
        for r in roles
    )


def github_roles_taken(world: World, names: Names, repository: str) -> str | None:
    """Why bootstrap cannot run here for ``repository`` (its ``sub`` prefix), or None: the
    observed GitHub roles serve the project's stack in another region (their policies name
    its resources), or every one of them trusts another repository (another fork's CI). One
    role trusting another repository while the others trust this one is drift, repaired."""
    roles: list[SeenRole] = world.of_kind("iam_role")
    elsewhere = roles_elsewhere(world)
    if elsewhere:
        where = _regions_of(elsewhere)
        return _refusal(
            elsewhere,
            f"serve the stack of {_which(names)} in {where}",
            "their policies name its resources",
            f"bootstrapping it in {names.region} too",
            "that stack's workflows off (its plan and deploy jobs denied on its resources)",
            f"bootstrap and deploy it from {where} only (`region: {where}` in config.yaml)",
            f"if the {where} stack is gone, delete the roles first "
            f"({_delete_commands(roles)}) and run bootstrap again",
            f"give the stack in {names.region} another name (`project:` in config.yaml)",
        )
    trusted = {r.name: trusted_repositories(r.trust) for r in roles}
    if any(same_repository(t, repository) for found in trusted.values() for t in found):
        return None
    others = sorted({shown(t) for found in trusted.values() for t in found})
    if not others:
        return None
    other = " and ".join(others)
    return _refusal(
        [name for name, found in trusted.items() if found],
        f"trust the GitHub repository {other}",
        "their trust policies name it",
        f"bootstrapping them for {shown(repository)}",
        f"{other}'s workflows off (its jobs could no longer assume them)",
        f"run bootstrap with `--github-repo {others[0]}` if that is this repository (renamed "
        "or transferred)",
        f"delete the roles first if {other} no longer deploys here ({_delete_commands(roles)})",
        "give this repository's stack another name (`project:` in config.yaml)",
    )


# Why a resource with one of this stack's names lacks the project's tag: all that is known
# (a tag removed by hand from one of ours looks the same as one never ours).
_NOT_OURS = "it was made by hand or by other tooling, or that tag was removed since"


def github_roles_not_made_here(world: World, names: Names, paths: dict[str, str]) -> str | None:
    """Why bootstrap cannot run here, or None: a role of a GitHub role's name (``world``: the
    ones observed) at the path bootstrap gives it (``paths``, by name) does not carry this
    project's ``project`` tag (`world.made_by`). Every bootstrap created its roles with that
    tag in CreateRole's Tags (and its template gives it them), so such a role was made by hand
    or by other tooling, and bootstrap would rewrite its trust, tag it and attach its
    policies: it is adopted on purpose, by tagging it, as the engine's apply asks
    (`not_made_here`). One at another path is left to the path stop (`resources/iam.py`): a
    tag would not move it."""
    found = [
        r
        for r in world.of_kind("iam_role")
        if r.path == paths.get(r.name) and not made_by(r, names.project)
    ]
    if not found:
        return None
    said = "; ".join(
        f"{_label(r, path=True)} does not carry this project's tag (project={names.project}"
        + (f"; it has project={r.tags['project']}" if (r.tags or {}).get("project") else "")
        + f"): {_NOT_OURS} (adopt it: `{_tag_command(r, names)}`)"
        for r in found
    )
    return (
        f"{said}. Bootstrap needs roles of these names (IAM role names are unique in an "
        "account whatever the path) and would rewrite their trust to this repository's "
        "workflows, tag them as this project's and attach its policies to them. Nothing was "
        "changed. Either adopt them on purpose, if they really are this project's GitHub "
        "roles, by tagging them as this project's (the command given for each), then run "
        "bootstrap again; or give this project another name (`project:` in config.yaml: the "
        f"GitHub roles are named {names.project}-github-…); "
        "see deploy/README.md, 'Project and environment names'."
    )


# The kinds destroy deletes only when they carry this project's ``project`` tag, each with
# what it is called in what destroy says. Each is created with its tags in the create call
# itself (CreateRole's Tags, CreateRepository's tags, CreateFunction's Tags, SageMaker's
# CreateModel, CreateEndpointConfig and CreateEndpoint's Tags), so one of them without the
# tag was not made by this engine, even by an apply killed half-way, but by hand or by other
# tooling, and only happens to have the stack's name. Not here: the log groups (Lambda and
# SageMaker make `/aws/lambda/<function>` and `/aws/sagemaker/Endpoints/<endpoint>` untagged
# when ours log and the group is missing, e.g. deleted by hand or by a destroy racing a last
# request, and stacks from before the engine made them have untagged ones: their names are
# the function's and endpoint's), the bucket (tagged by PutBucketTagging after CreateBucket:
# a killed apply leaves it untagged), and what is found by its tags already (the HTTP API,
# the distribution) or carries none (the OAC, a bucket's objects and policy, a function's
# permissions).
TAGGED_AT_CREATE = {
    "iam_role": "IAM role",
    "ecr_repository": "ECR repository",
    "lambda_function": "Lambda function",
    "sagemaker_model": "SageMaker model",
    "endpoint_config": "SageMaker endpoint config",
    "endpoint": "SageMaker endpoint",
}


def unowned(world: World, names: Names) -> list[Any]:
    """The records found by this stack's names that were not made by this project: of a kind
    tagged at its creation (`TAGGED_AT_CREATE`) and without this project's ``project`` tag.
    (One with another project's tag stops destroy whole: `names_taken`.)"""
    return [r for r in world if r.KIND in TAGGED_AT_CREATE and not made_by(r, names.project)]


def _part_of(record: Any) -> tuple[str, str] | None:
    """The resource a record without tags of its own is part of, when destroy's action on it
    changes that resource: an endpoint's autoscaling (``endpoint/<name>/variant/<v>``)."""
    if record.KIND == "scaling":
        return ("endpoint", record.name.split("/")[1])
    return None


def owned(world: World, names: Names) -> World:
    """``world`` without what `unowned` finds, nor what is part of it (the autoscaling of an
    endpoint that is not ours): what destroy may delete."""
    mine = World(account=world.account, region=world.region)
    foreign = {(r.KIND, r.name) for r in unowned(world, names)}
    for record in world:
        if (record.KIND, record.name) not in foreign and _part_of(record) not in foreign:
            mine.add(record)
    return mine


def _label(record: Any, path: bool = False) -> str:
    """``IAM role NAME (ARN)``; ``path``: a role's path too (IAM role names are unique in an
    account whatever the path, so one at another path still takes the name)."""
    what = TAGGED_AT_CREATE.get(record.KIND, record.KIND.replace("_", " "))
    arn = getattr(record, "arn", None)
    where = getattr(record, "path", None) if path and record.KIND == "iam_role" else None
    said = ", ".join(str(part) for part in (arn, where and f"path {where}") if part)
    return f"{what} {record.name}" + (f" ({said})" if said else "")


def kept_unowned(world: World, names: Names, by: str = "destroy") -> list[str]:
    """What destroy (or apply, ``by``: its clean-up of superseded configs and old models)
    says of each resource it leaves because this project did not make it; of a role whose
    policy names another region's resources, that too (`kept_roles` then says nothing of it:
    one line for one role)."""
    elsewhere = roles_elsewhere(world)
    return [
        f"Kept {_label(r)}: it does not carry this project's tag (project={names.project}): "
        f"{_NOT_OURS}, and so {by} leaves it. If it is really a leftover of this stack, "
        "delete it by hand; otherwise give this stack other names (`project:` or the "
        "environment's name in config.yaml)."
        + _serving(elsewhere.get(r.name) if r.KIND == "iam_role" else None)
        for r in unowned(world, names)
    ]


def _serving(regions: tuple[str, ...] | None) -> str:
    """What an unowned role's Kept line adds when its policy names other regions' resources."""
    if not regions:
        return ""
    return (
        f" Its policy names the resources of {' and '.join(regions)} too, so it may serve a "
        "stack there (IAM role names are global): make sure none runs as it before deleting it."
    )


# What a SageMaker resource refers to (its fields, and the kind each names), and why what it
# names must stay while it does: a config names its model (ProductionVariant's ModelName),
# which SageMaker looks up when an endpoint is created or updated from the config; an endpoint
# names its config, which DeleteEndpointConfig's reference says not to delete while the
# endpoint is live, and, during an update to a new config, that one too (DescribeEndpoint's
# PendingDeploymentSummary; not to be deleted "while the UpdateEndpoint or CreateEndpoint
# operations are being performed on the endpoint", the same reference). A model names the role
# it runs as (ExecutionRoleArn) and its image (in the stack's ECR repository): SageMaker
# assumes that role to pull the image and write logs whenever it starts the model's instances
# (an endpoint created, updated or scaled out from a config of it), so a kept model without
# either cannot serve (`_named`: the field's value to the name of the resource it is).
_USES = {
    "endpoint_config": (("model", "sagemaker_model"),),
    "endpoint": (("config", "endpoint_config"), ("pending", "endpoint_config")),
    "sagemaker_model": (("role_arn", "iam_role"), ("image", "ecr_repository")),
}
_WHY = {
    ("endpoint_config", "model"): "uses it: SageMaker finds a config's model by its name when "
    "an endpoint is created or updated from that config, so deleting the model would break it",
    ("endpoint", "config"): "uses it: it is that endpoint's config, which SageMaker says not "
    "to delete while the endpoint is live",
    ("endpoint", "pending"): "is being updated to it: SageMaker says not to delete a config "
    "while an update or creation of its endpoint is in progress",
    ("sagemaker_model", "role_arn"): "uses it: it is the role that model runs as, which "
    "SageMaker assumes to pull its image and write its logs whenever an endpoint is created, "
    "updated or scaled out from a config of it, so deleting the role would break it",
    ("sagemaker_model", "image"): "uses it: its image is in that repository, which SageMaker "
    "pulls it from whenever an endpoint is created, updated or scaled out from a config of "
    "it, so deleting the repository (with its images) would break it",
}


def _named(record: Any, field: str, world: World) -> str | None:
    """The name of what ``record``'s ``field`` refers to (`_USES`): a model's role by its ARN
    (a role's name is its ARN's last part, unique in an account whatever the path), its
    repository by its image's URI when that is in this account and region's ECR; other
    fields hold the name itself."""
    value = getattr(record, field, None)
    if not isinstance(value, str):
        return None
    if field == "role_arn":
        parts = value.split(":")
        if len(parts) < 6 or parts[2] != "iam" or parts[4] != (world.account or parts[4]):
            return None
        return value.rsplit("/", 1)[-1]
    if field == "image":
        ref = ecr_image_ref(value)
        registry = ECR_REGISTRY_RE.match(value)
        if ref is None or registry is None:
            return None
        here = (world.account or ref[0], world.region or registry["region"])
        return ref[1] if (ref[0], registry["region"]) == here else None
    return value


def _once(user: Any, field: str, by: str) -> str:
    """When the next ``by`` deletes what ``user`` keeps through ``field``."""
    if field == "pending":
        return f"Once that update has ended and {user.name} no longer uses it, the next {by}"
    return f"Once {user.name} is deleted, the next {by}"


def _users(actions: list[Action], world: World) -> dict[tuple[str, str], tuple[Any, str]]:
    """(kind, name) of each resource ``actions`` would delete that a resource left in the
    account refers to (`_USES`), with that resource and the field naming it: one the actions
    do not delete (this project's, kept, or one it did not make), or one kept so itself (an
    endpoint not ours on one of the stack's configs keeps that config and so its model).
    Bounded: each pass keeps one more resource or ends."""
    deleting = {(a.kind, a.name) for a in actions if a.op == "delete"}
    used: dict[tuple[str, str], tuple[Any, str]] = {}
    for _ in range(len(deleting) + 1):
        more: dict[tuple[str, str], tuple[Any, str]] = {}
        for record in world:
            key = (record.KIND, record.name)
            if key in deleting and key not in used:
                continue
            for field, kind in _USES.get(record.KIND, ()):
                target = (kind, _named(record, field, world))
                if target in deleting and target not in used and target not in more:
                    more[target] = (record, field)
        if not more:
            break
        used.update(more)
    return used


def spared_images(actions: list[Action], world: World, names: Names) -> list[KeptImage]:
    """The images in this stack's repository (``names.ecr_repository``, whose lifecycle
    policy may expire them) of the models `spare_used` keeps from ``actions``: a model kept
    for a config not made by deploy needs its image as much as its role
    (`kept_image.keep_images`)."""
    models = (name for kind, name in sorted(_users(actions, world)) if kind == "sagemaker_model")
    return _images_in(models, world, names.ecr_repository)


def released_images(actions: list[Action], world: World, names: Names) -> list[KeptImage]:
    """The images in this stack's repository (``names.ecr_repository``) of the models
    ``actions`` delete, while that repository stays (no action deletes it: apply's clean-up,
    an environment's destroy). Each may carry ``kept-<model>`` from a run that kept its model
    for a hand-made config (`spared_images`), a tag the lifecycle policy never expires:
    `kept_image.release_images` removes it with the model. A repository destroy deletes
    takes its images' tags with it."""
    repository = names.ecr_repository
    if any(
        a.op == "delete" and (a.kind, a.name) == ("ecr_repository", repository) for a in actions
    ):
        return []
    deleted = (a.name for a in actions if (a.op, a.kind) == ("delete", "sagemaker_model"))
    return _images_in(deleted, world, repository)


def swept_repository(actions: list[Action], world: World, names: Names) -> str | None:
    """This stack's repository when its kept- tags are this run's to sweep
    (`kept_tags.sweep`) and to remove with their models (`kept_image.release_images`): it
    exists, this project made it, and it stays (no action deletes it, or a model the run
    keeps still uses it: `spare_used` keeps it then). One that is deleted takes its images'
    tags with it (a preview's, a single deployment's destroy); one without this project's
    tag is left as it is, its tags too (apply stops on it: `not_made_here`)."""
    repository = names.ecr_repository
    record = world.get("ecr_repository", repository)
    if record is None or not made_by(record, names.project):
        return None
    key = ("ecr_repository", repository)
    deleted = any(a.op == "delete" and (a.kind, a.name) == key for a in actions)
    return repository if not deleted or key in _users(actions, world) else None


def stale_kept_tags(
    held: dict[str, Held], world: World, names: Names, skip: Iterable[str] = ()
) -> list[Stale]:
    """The ``kept-<model>`` tags of ``held`` (`kept_tags.read_held`: the tags of the stack's
    repository) that are this stack's (the model's name is of its pattern:
    ``{stack}-m-<hash>``, which no other stack's model name matches, so another
    environment's tag in the repository they share is never one) and that no model needs
    where they are: the model no longer exists (``world`` lists every model of the stack), or
    it names another image now (replaced by hand under the same name), whose tag, if deploy
    keeps that model for a config, `kept_image.keep_images` puts on the image it names. One
    whose model's image was not read is left. ``skip``: the models whose tag this run
    handles otherwise (those it deletes: `kept_image.release_images`)."""
    others = set(skip)
    out = []
    for tag, image in sorted(held.items()):
        model = tag.removeprefix(KEPT_PREFIX)
        if model == tag or model in others or not names.model_pattern.match(model):
            continue
        record = world.get("sagemaker_model", model)
        if record is None:
            out.append(Stale(tag, model, image, f"its model {model} no longer exists"))
        elif record.image and _digest_named(record, held, world, names) != image.digest:
            why = f"its model {model} names another image now ({record.image}), not this one"
            out.append(Stale(tag, model, image, why))
    return out


def _digest_named(record: Any, held: dict[str, Held], world: World, names: Names) -> str | None:
    """The digest of the image ``record`` (a model) names, when that image is in this stack's
    repository (its tag resolved through ``held``, that repository's tags); None when it is
    elsewhere, or no longer in ECR."""
    ref = ecr_image_ref(record.image)
    if ref is None or _named(record, "image", world) != names.ecr_repository:
        return None
    image_id = ref[2]
    if "imageDigest" in image_id:
        return image_id["imageDigest"]
    found = held.get(image_id["imageTag"])
    return found.digest if found else None


def _images_in(models: Iterable[str], world: World, repository: str) -> list[KeptImage]:
    """The images of ``models`` (as ``world`` has them) that are in ``repository``: one in
    another repository, or not in ECR, is under no lifecycle policy of ours."""
    out = []
    for name in models:
        record = world.get("sagemaker_model", name)
        if record is None or _named(record, "image", world) != repository:
            continue
        ref = ecr_image_ref(record.image)
        if ref is not None:
            out.append(KeptImage(name, record.image, ref[1], ref[2]))
    return out


def spare_used(
    actions: list[Action], world: World, by: str = "destroy", also: dict[str, str] | None = None
) -> tuple[list[Action], list[str]]:
    """``actions`` (apply's, planned from `owned`, or destroy's) without the deletion of a
    resource that one left in ``world`` (the whole, what is not ours included) still uses, and
    what ``by`` says of each it keeps so. A superseded model of this stack's that a hand-made
    config uses, deleted, breaks that config: SageMaker finds the model by its name only when
    an endpoint is created or updated from it, and such a model needs the role it runs as and
    its image's repository. An endpoint uses the config it is being updated to as well as the
    one it serves. ``also``: what a kept resource's line adds, by its name (its image kept
    too: `kept_image.keep_images`)."""
    used = _users(actions, world)
    kept = [a for a in actions if not (a.op == "delete" and (a.kind, a.name) in used)]
    said = []
    for (kind, name), (user, field) in sorted(used.items()):
        record = world.get(kind, name)
        label = _label(record) if record is not None else f"{TAGGED_AT_CREATE[kind]} {name}"
        said.append(
            f"Kept {label} because {_label(user)} {_WHY[(user.KIND, field)]}. "
            f"{_once(user, field, by)} deletes it." + (also or {}).get(name, "")
        )
    return kept, said


def _tag_command(record: Any, names: Names) -> str:
    """The AWS CLI command that tags ``record`` as this project's (adopts it on purpose)."""
    region = f"--region {names.region}"
    if record.KIND == "iam_role":
        return (
            f"aws iam tag-role --role-name {record.name} --tags Key=project,Value={names.project}"
        )
    if record.KIND == "lambda_function":
        return (
            f"aws lambda tag-resource {region} --resource {record.arn} "
            f"--tags project={names.project}"
        )
    if record.KIND == "ecr_repository":
        return (
            f"aws ecr tag-resource {region} --resource-arn {record.arn} "
            f"--tags Key=project,Value={names.project}"
        )
    return (  # the SageMaker kinds
        f"aws sagemaker add-tags {region} --resource-arn {record.arn} "
        f"--tags Key=project,Value={names.project}"
    )


def not_made_here(world: World, names: Names, wanted: Iterable[tuple[str, str]]) -> str | None:
    """Why apply cannot run here, or None: a resource with a name this stack gives its kind
    (``wanted``: the desired records' keys) was not made by this project (`unowned`: of a
    kind tagged at its creation, without the project's tag). Apply would rewrite and tag it
    (and destroy then delete it): it is not taken over silently, but adopted on purpose, by
    tagging it, as Terraform asks for an explicit import of what already exists."""
    keys = set(wanted)
    found = [r for r in unowned(world, names) if (r.KIND, r.name) in keys]
    if not found:
        return None
    said = "; ".join(
        f"{_label(r, path=True)} does not carry this project's tag "
        f"(project={names.project}): {_NOT_OURS} (adopt it: `{_tag_command(r, names)}`)"
        for r in found
    )
    role = any(r.KIND == "iam_role" for r in found)
    return (
        f"{said}. This stack needs resources of these names, and apply would rewrite and tag "
        "them as its own, after which destroy would delete them."
        + (" IAM role names are unique in an account whatever the path." if role else "")
        + " Nothing was changed. Either adopt them on purpose, if they really are this "
        "stack's, by tagging them as this project's (the command given for each), then run "
        "plan again; or give this stack other names (`project:`, or the environment's name "
        "under `environments:`, in config.yaml); "
        "see deploy/README.md, 'Project and environment names'."
    )


def kept_roles(world: World, names: Names) -> list[str]:
    """What destroy says of the roles it leaves: those serving another region's stack. One
    this project did not make is said once, by `kept_unowned`."""
    foreign = {r.name for r in unowned(world, names) if r.KIND == "iam_role"}
    return [
        f"Kept IAM role {name}: its policy names the resources of {' and '.join(regions)}, "
        f"so it serves the project's stack there (IAM role names are global); destroy that "
        f"stack, with `region: {regions[0]}` in config.yaml, to remove it."
        for name, regions in roles_elsewhere(world).items()
        if name not in foreign
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
