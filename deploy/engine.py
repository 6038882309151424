"""Wiring of the pure core to AWS: plan, apply, destroy for one config.

config.yaml + local inputs --resources.*.desired--> Desired
AWS --resources.*.observe--> World
(Desired, World) --planner.plan--> [Action]  --executor.run--> AWS calls
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import botocore.exceptions

from deploy import costs, kept_image, kept_tags, planner, quotas, stacks
from deploy.aws import Aws, DeployError
from deploy.config import Config
from deploy.executor import Executor, Hook, StepHook, Stopped, Teardown
from deploy.failures import Progress
from deploy.image import (
    ecr_image_ref,
    missing_image_warning,
    missing_new_image_warning,
    pinned_uri,
)
from deploy.image_match import same_as_kept, same_as_serving
from deploy.image_ref import ECR_REGISTRY_RE
from deploy.inputs import ImageInputs, Inputs, check_sources, gather, gather_image
from deploy.naming import Names, site_url
from deploy.plan import Action, has_changes, stops
from deploy.resources import ecr as ecr_resource
from deploy.resources import endpoint as endpoint_resource
from deploy.resources import http_api as http_api_resource
from deploy.resources import iam as iam_resource
from deploy.resources import registered
from deploy.resources import site as site_resource
from deploy.resources.base import ResourceType
from deploy.site_manifest import stale_build
from deploy.world import Desired, Unread, World, key_of, refused_read


@dataclass
class Planned:
    """A plan plus what it was computed from."""

    actions: list[Action]
    world: World
    names: Names
    inputs: Inputs
    warnings: list[str] = field(default_factory=list)  # advice, e.g. a quota too low
    notes: list[str] = field(default_factory=list)  # e.g. nothing of this stack exists yet
    refusal: str | None = None  # why apply must not run it (checked before any change)
    # What its clean-up leaves because this project did not make it, or one of those uses it
    # (`Kept …` lines, among the notes too): the summary's ``kept``, as destroy's.
    kept: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return has_changes(self.actions)


def _switched_endpoint(actions: list[Action]) -> str | None:
    """The endpoint the plan starts on a new config (created, replaced, or switched by
    UpdateEndpoint): SageMaker brings that config up on new instances, which pull its image."""
    for action in actions:
        if action.kind != "endpoint" or action.op not in ("create", "replace", "update"):
            continue
        if action.op != "update" or any(c.field == "config" for c in action.changes):
            return action.name
    return None


def _creates_its_repository(actions: list[Action], uri: str, names: Names) -> bool:
    """Whether the plan creates the ECR repository the image ``uri`` is in (this project's, in
    this account and region): not any repository it creates, so that another one that is
    missing is said (and refused) before any change."""
    ref = ecr_image_ref(uri)
    registry = ECR_REGISTRY_RE.fullmatch(uri.split("/", 1)[0])
    if ref is None or registry is None:
        return False
    if (ref[0], registry["region"]) != (names.account, names.region):
        return False
    return any(
        a.op == "create" and a.kind == "ecr_repository" and a.name == ref[1] for a in actions
    )


def stop_on(actions: Iterable[Action]) -> None:
    """Raise `Stopped` with every `Stop` of ``actions`` (`plan.stops`), before any change:
    apply's plan, the image's roles, destroy's plan (`Engine.start_destroy`, and `destroy`'s
    first read, before it asks for --yes)."""
    stopped = stops(actions)
    if stopped:
        raise Stopped("\n".join(stopped) + "\nNothing was changed.")


def _roles_of(world: World) -> World:
    """The roles a world holds, as `Engine.read_roles` gives them: to observe again without
    reading IAM again."""
    roles = World(account=world.account, region=world.region)
    for record in world.of_kind("iam_role"):
        roles.add(record)
    return roles


AnyInputs = TypeVar("AnyInputs", bound=ImageInputs)


@dataclass
class Engine:
    """One project in one account/region. `root`: where relative config paths start."""

    cfg: Config
    root: Path
    aws: Aws
    image: str | None = None  # --image: a prebuilt image, nothing is built
    log: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    types: Sequence[ResourceType] = field(default_factory=registered)
    _names: Names | None = field(default=None, init=False)
    # The last apply's progress (what it did, the step it stopped at): set when its steps
    # start (the image's, then the plan's), so a failed apply's --summary-json lists them.
    progress: Progress | None = field(default=None, init=False)
    # After each step its executors saw done (`executor.StepHook`): what an action stopped
    # partway did (a destroy's bucket: whether the lock in it is gone yet).
    answered: StepHook | None = field(default=None, init=False)
    # What the last destroy plan leaves because this project did not make it (said lines).
    kept: list[str] = field(default_factory=list, init=False)
    # What it leaves of its own images' tags (`kept_image.release_images`, `kept_tags.sweep`):
    # said, not kept.
    left: list[str] = field(default_factory=list, init=False)

    @property
    def names(self) -> Names:
        if self._names is None:
            self._names = self.cfg.names(self.aws.account_id())
        return self._names

    @property
    def known_names(self) -> Names | None:
        """The names when the account is already known, else None: what a summary written
        after an interrupt or a failure says, without one more AWS call (which could hang)."""
        return self._names

    def check_sources(self, image_only: bool = False) -> None:
        """The directories plan and apply read are there, before any AWS call (``image_only``:
        those `deploy image` reads, the model's build context alone)."""
        check_sources(self.cfg, self.root, self.image, image_only)

    def inputs(self) -> Inputs:
        """The local inputs, the image's pinned as `image_inputs` says."""
        return self._pinned(gather(self.cfg, self.root, self.names, self.image))

    def image_inputs(self) -> ImageInputs:
        """The image's inputs alone (`deploy image` needs no Lambda sources nor built page)."""
        return self._pinned(gather_image(self.cfg, self.root, self.names, self.image))

    def _pinned(self, inputs: AnyInputs) -> AnyInputs:
        """In an environment the model image is pinned by digest once ECR has it, so a model
        is the same whether the workflow passed ``--image …@sha256:…`` or a human ran apply
        (no state file: the name hashes what is deployed)."""
        if self.cfg.environment and inputs.build_image:
            pinned = pinned_uri(self.aws, inputs.image_uri)
            if pinned:
                inputs = replace(inputs, image_uri=pinned, build_image=False, push_commands=())
        return inputs

    def ensure_image(self, roles: World | None = None) -> str:
        """The model image in ECR — its repository created and the image built and pushed
        when missing — as ``repository@sha256:…``: what `deploy image` prints and the
        promotion hands from staging to production. Refused first, like plan, when the
        stack's roles serve another region (nothing pushed into a stack that cannot deploy),
        or one of them holds a stop the plan would stop on (`stop_on_roles`).
        ``roles``: the stack's roles as this run read them (`read_roles`), else read here."""
        roles = self.read_roles() if roles is None else roles
        self.check_roles(roles)
        inputs = self.image_inputs()
        self.stop_on_roles(roles, inputs)
        desired = Desired.of(ecr_resource.desired(self.cfg, inputs))
        world = World(account=self.names.account, region=self.names.region)
        for record in ecr_resource.RESOURCE.observe(self.aws, self.names, desired, world):
            world.add(record)
        self.check_owner(world, desired)  # a repository of its name not made here: not ours
        actions = planner.plan([ecr_resource.RESOURCE], desired, world)
        executor = self.executor(world)
        try:
            executor.run(actions)
        finally:  # its steps run before the plan's: a failed one is the apply's --summary-json's
            self.progress = executor.progress
        uri = pinned_uri(self.aws, inputs.image_uri)
        if uri is not None:
            return uri
        if inputs.build_image:
            raise DeployError(f"image: ECR has no image {inputs.image_uri} after the push")
        self.log(f"image: {inputs.image_uri} is not in this account's ECR: passed on by name")
        return inputs.image_uri

    def desired(self, inputs: Inputs) -> Desired:
        return Desired.of(spec for t in self.types for spec in t.desired(self.cfg, inputs))

    def observe(
        self,
        desired: Desired | None = None,
        types: Sequence[ResourceType] | None = None,
        roles: World | None = None,
        unread: list[Unread] | None = None,
    ) -> World:
        """What exists now, found by deterministic names and tags (read-only calls).
        ``roles``: the stack's IAM roles as already read in this run (`read_roles`; they do
        not depend on ``desired``), taken instead of reading them again. ``unread``: a read
        the credentials are refused (AccessDenied) leaves its module's kinds unobserved and
        is added there, instead of failing the whole (`status`: every other section still
        says what it can); a plan takes none, as it must not take a refused read for absent."""
        desired = desired or Desired()
        world = World(account=self.names.account, region=self.names.region)
        for t in self.types if types is None else types:
            if roles is not None and t is iam_resource.RESOURCE:
                seen = roles.of_kind("iam_role")
            elif unread is None:
                seen = t.observe(self.aws, self.names, desired, world)
            else:
                try:
                    seen = t.observe(self.aws, self.names, desired, world)
                except botocore.exceptions.ClientError as err:
                    refused = refused_read(err, self.aws.log.calls, tuple(t.kinds))
                    if refused is None:
                        raise
                    unread.append(refused)
                    seen = []
            for record in seen:
                world.add(record)
        return world

    def read_roles(self) -> World:
        """The stack's two service roles (GetRole and their policies): read once per apply,
        under its lock, for the image's role check and the plan (IAM's request rate is the
        account's, shared with every stack's plans)."""
        return self.observe(types=[iam_resource.RESOURCE])

    def check_roles(self, world: World, desired: Desired | None = None) -> None:
        """Stop before any change when the stack's roles (global names) serve the project's
        stack in another region: applying here would rewrite them under that stack; and on
        what `check_owner` stops (``desired``: what the plan would make or change)."""
        problem = stacks.roles_taken(world, self.names)
        if problem:
            raise DeployError(problem)
        self.check_owner(world, desired)

    def stop_on_roles(self, roles: World, inputs: ImageInputs) -> None:
        """The plan's stops on the stack's roles (one not made by this project, one at another
        path, or one with a managed policy attached by hand), said before the image's
        repository is made or the image pushed, as `check_roles` is: the plan that follows
        would stop on them anyway, after those changes. A role of the stack's name without
        this project's tag is refused by the plan's `check_owner` with the roles it wants, in
        its words (without them, `check_owner` reads only another project's tag); the rest as
        the plan takes them (`stacks.owned`)."""
        specs = iam_resource.desired(self.cfg, inputs)
        self.check_owner(roles, Desired.of(specs))
        mine = stacks.owned(roles, self.names)
        stop_on(iam_resource.plan_role(s, mine.get("iam_role", s.name)) for s in specs)

    def check_owner_before_lock(self) -> None:
        """`check_owner` on the stack's bucket, before apply takes its lock: the lock is an
        object in that bucket, another project's when the names are, and an apply with
        --force-unlock removed the lock of that project's own run before the plan's check
        refused. The bucket's tags say whose the lock's place is (one GetBucketTagging); the
        roles and the rest are read once, under the lock, and refused there by the plan's
        `check_owner` before any change (no bucket: no lock is written either). A bucket
        without a ``project`` tag (its tags replaced or removed by hand or a tag policy) says
        nothing of whose it is: then the roles are read here too, as before, since the lock
        would be written into (and --force-unlock remove it from) whoever's bucket it is."""
        world = World(account=self.names.account, region=self.names.region)
        for record in site_resource.observe_owner(self.aws, self.names):
            world.add(record)
        if not any("project" in r.tags for r in world) and site_resource.bucket_exists(
            self.aws, self.names
        ):
            world = self.read_roles()
        self.check_owner(world)

    def check_owner(self, world: World, desired: Desired | None = None) -> None:
        """Stop before any change when what this stack's names find is another project's
        (its ``project`` tag): two projects' ``{project}-{env}`` can read the same. With
        ``desired`` (a plan's), also when a resource of a name it wants was not made by this
        project (`stacks.not_made_here`): apply would take it over. Destroy passes none: it
        leaves such a resource (`stacks.kept_unowned`)."""
        problem = stacks.names_taken(world, self.names)
        if problem is None and desired is not None:
            problem = stacks.not_made_here(world, self.names, (key_of(r) for r in desired))
        if problem:
            raise DeployError(problem)

    def plan(self, roles: World | None = None) -> Planned:
        """The plan; ``roles``: the stack's roles as this run already read them under its
        lock (`read_roles`), else read here, once (also when the plan observes twice). The
        model's image is described in ECR once: the digest compared with the serving one's
        and the warning that it is missing read the same answer (`Aws.reads_once`). A plan
        holding a `Stop` (one of the stack's roles only a human may fix) raises `Stopped` with
        every one (`plan.stops`): apply stops before any change, not at that step."""
        with self.aws.reads_once("ecr", "DescribeImages"):
            return self._plan(roles)

    def _plan(self, roles: World | None) -> Planned:
        inputs = self.inputs()
        desired = self.desired(inputs)
        world = self.observe(desired, roles=roles)
        notes: list[str] = []
        same = same_as_serving(self.aws, self.cfg, inputs, world) or same_as_kept(
            self.aws, self.cfg, inputs, world
        )
        if same is not None:
            # The image that runs, or the one kept for rollback, by another reference (a digest
            # for a tag, or the reverse): the model's own reference is used (its model and
            # config reused, as that reference would), and what exists observed for it.
            inputs = replace(inputs, image_uri=same.uri, build_image=False, push_commands=())
            desired = self.desired(inputs)
            world = self.observe(desired, roles=_roles_of(world))
            notes.append(same.note)
        self.check_roles(world, desired)
        # Its clean-up (superseded configs, old models) leaves what this project did not make,
        # and what that still uses (a hand-made config's model of ours).
        actions = planner.plan(self.types, desired, stacks.owned(world, self.names))
        actions, used, left = self._spare_used(actions, world, by="apply")
        stop_on(actions)  # else apply would run the actions before the stop's, then stop
        kept = stacks.kept_unowned(world, self.names, by="apply") + used
        notes += kept + left
        warnings = quotas.warnings(self.aws, self.cfg, world, actions, desired)
        dearer = costs.plan_warning(self.cfg, world)
        throttled = http_api_resource.throttle_warning(self.cfg)
        warnings += [w for w in (dearer, throttled) if w]
        deployed = any(world.get(m.KIND, m.name) for m in desired.of_kind("sagemaker_model"))
        refusal = None
        if deployed and not inputs.build_image:  # prebuilt: no build action shows it gone
            switch = _switched_endpoint(actions)
            missing = missing_image_warning(
                self.aws, inputs.image_uri, self.names.ecr_repository, self.names.env, switch
            )
            if missing:
                warnings.append(missing)
                refusal = missing if switch else None
        elif not inputs.build_image:  # a model to create of a prebuilt image
            created = _creates_its_repository(actions, inputs.image_uri, self.names)
            missing = missing_new_image_warning(
                self.aws, inputs.image_uri, self.names.ecr_repository, self.names.env, created
            )
            if missing:  # refused before any change, not at CreateModel after the others
                warnings.append(missing)
                refusal = missing
        stale = stale_build(self.root / self.cfg.site.source)
        if stale:
            warnings.append(stale)
        for spec in desired.of_kind("endpoint"):
            rollback = endpoint_resource.rollback_warning(spec, world.get("endpoint", spec.name))
            down = endpoint_resource.downtime_warning(spec, world)
            warnings += [w for w in (rollback, down) if w]
        note = stacks.new_stack(world, self.names, actions)
        notes += [note] if note else []
        return Planned(actions, world, self.names, inputs, warnings, notes, refusal, kept)

    def executor(self, world: World) -> Executor:
        return Executor(
            self.aws, world.ids(), self.log, self.sleep, self.clock, answered=self.answered
        )

    def apply(self, planned: Planned | None = None, hook: Hook | None = None) -> dict[str, Any]:
        """Execute the plan; return the summary (`--summary-json`)."""
        planned = planned or self.plan()
        if planned.refusal:
            raise DeployError(f"{planned.refusal}. Nothing was changed.")
        executor = self.executor(planned.world)
        try:
            done = executor.run(planned.actions, hook)
        finally:
            self.progress = executor.progress
        api_id = executor.known.get("api_id")
        domain = executor.known.get("distribution_domain")
        return {
            "api_url": self.names.api_url(api_id) if api_id else None,
            "site_url": site_url(domain) if domain else None,
            "endpoint_name": self.names.endpoint,
            "endpoint_status": endpoint_resource.status(self.aws, self.names.endpoint),
            "changes": [a.to_json() for a in done],
            "kept": planned.kept,
        }

    def destroy_plan(self) -> tuple[list[Action], World]:
        """Destroy's actions and the world they were planned from: every resource found by
        the stack's names but those this project did not make (`stacks.unowned`: found by
        name, without its tag), which it leaves and says (`stacks.kept_unowned`), and those of
        its own that one of them still uses (`stacks.spare_used`: a hand-made config's model,
        and that model's role and its image's repository)."""
        world = self.observe()
        self.check_owner(world)
        actions = planner.destroy_plan(self.types, stacks.owned(world, self.names))
        actions, used, self.left = self._spare_used(actions, world, by="destroy")
        self.kept = stacks.kept_unowned(world, self.names) + used
        return actions, world

    def _spare_used(
        self, actions: list[Action], world: World, by: str
    ) -> tuple[list[Action], list[str], list[str]]:
        """`stacks.spare_used` (``by``: apply's clean-up or destroy), with the tagging that
        keeps each spared model's image from the lifecycle policy (`kept_image.keep_images`)
        after the actions it spared them from, and what each model's `Kept …` line adds; and,
        where the stack's repository stays (`stacks.swept_repository`: its tags read once,
        `kept_tags.read_held`), each model still deleted first removing the ``kept-<model>``
        tag an earlier run gave its image (`kept_image.release_images`, found in those
        tags), and each kept- tag of this stack whose model is gone, or names another image
        now, removed (`kept_tags.sweep`), before the tagging that puts a kept model's tag on
        the image it names (tags are immutable there), with what it says of a tag it
        leaves."""
        repository = stacks.swept_repository(actions, world, self.names)
        listing = kept_tags.read_held(self.aws, repository) if repository else None
        held = listing or {}
        # The kept models' images are looked up in that listing (read_held, once) too.
        tagging, also = kept_image.keep_images(
            self.aws, stacks.spared_images(actions, world, self.names), listing
        )
        actions, used = stacks.spare_used(actions, world, by=by, also=also)
        released = stacks.released_images(actions, world, self.names)
        actions, left = kept_image.release_images(actions, released, held)
        stale = stacks.stale_kept_tags(held, world, self.names, skip=(i.model for i in released))
        swept, unswept = kept_tags.sweep(stale, self.names.ecr_repository, self.names.ecr_registry)
        return actions + swept + tagging, used, left + unswept

    def destroy(
        self, hook: Hook | None = None, read: Callable[[], None] | None = None
    ) -> list[Action]:
        """Delete every resource of the stack, going on past one that refuses with every
        other that does not need it gone first; raises `failures.Incomplete` (every failure,
        what was left because of it) after trying them all. A stop its plan holds (a role's
        managed policy attached by hand) raises `Stopped` first, before any deletion.
        ``read``: called once what exists is read and planned, and its stops checked, before
        the first deletion (`destroy`'s --summary-json: a stop is in its reads, not its
        deletions)."""
        return self.start_destroy(hook, say_kept=False, stop_first=True, read=read).finish()

    def start_destroy(
        self,
        hook: Hook | None = None,
        say_kept: bool = True,
        stop_first: bool = False,
        read: Callable[[], None] | None = None,
    ) -> Teardown:
        """Destroy's plan with its leading actions started (`planner.leading_kinds`: the
        distribution's disable, the endpoint's autoscaling and DeleteEndpoint, each a change
        AWS takes minutes to finish by itself); `Teardown.finish` waits for those, then runs
        the rest. The sweep starts every stack so before finishing any, so the disables and
        the endpoints' deletions overlap across stacks. ``say_kept``: log each resource it
        leaves because this project did not make it (the sweep's; `destroy` says them before
        it asks for --yes). ``stop_first`` (`destroy`'s): a `Stop` of the plan (one of the
        stack's roles with a managed policy attached by hand, which the deploy role may not
        detach) raises `Stopped` with every one before any deletion, as apply's plan does
        (`stop_on`): the stack stays whole until a human detaches it. The unattended sweep
        goes on past that role with every other resource instead (the `Stop` step fails
        that action alone, exit 1 naming it), so an idle preview's endpoint is not billed
        until someone comes."""
        actions, world = self.destroy_plan()
        if stop_first:
            stop_on(actions)
        if read is not None:
            read()
        for line in [*self.kept, *self.left] if say_kept else ():
            self.log(line)
        teardown = self.executor(world).teardown(actions, planner.dependencies(self.types), hook)
        teardown.run_leading(sorted(planner.leading_kinds(self.types)))
        return teardown
