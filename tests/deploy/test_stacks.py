"""Which stack this is and where: the refusal when the roles (global names) serve another
region's stack, what destroy says it keeps, the note on a new stack, the roles' status."""

from __future__ import annotations

from dataclasses import replace

from deploy import stacks
from deploy.bootstrap import policies
from deploy.naming import Names
from deploy.plan import Action
from deploy.resources import iam
from deploy.resources.ecr import SeenImage, SeenRepository
from deploy.world import World
from tests.deploy.resources.conftest import ACCOUNT, IMAGE, config, inputs

US, EU = (
    Names("trends-anomaly", ACCOUNT, "us-east-1"),
    Names("trends-anomaly", ACCOUNT, "eu-west-1"),
)


def _seen(spec: iam.RoleSpec) -> iam.SeenRole:
    return iam.SeenRole(
        spec.name, spec.arn, spec.path, spec.description, spec.trust, spec.policy, 3600, (), {}
    )


def roles_of(n: Names) -> list[iam.SeenRole]:
    """The two service roles as the stack in ``n.region`` left them."""
    image = IMAGE.replace("us-east-1", n.region)  # SageMaker pulls from its region's ECR
    return [_seen(s) for s in iam.desired(config(region=n.region), inputs(n, image))]


def world(n: Names, *records: object) -> World:
    w = World(account=n.account, region=n.region)
    for r in records:
        w.add(r)
    return w


def test_roles_of_another_regions_stack_refuse_the_plan_saying_what_to_do() -> None:
    problem = stacks.roles_taken(world(EU, *roles_of(US)), EU)
    assert problem is not None
    assert problem.startswith(
        "IAM roles trends-anomaly-sagemaker, trends-anomaly-lambda serve the stack of project "
        "trends-anomaly in us-east-1: their policies name its resources, and IAM role names "
        "are global"
    )
    assert "Nothing was changed" in problem
    assert "`python -m deploy destroy --yes` with `region: us-east-1` in config.yaml" in problem
    assert "another name (`project:` in config.yaml)" in problem
    assert stacks.roles_taken(world(US, *roles_of(US)), US) is None
    assert stacks.roles_taken(world(EU), EU) is None


def test_in_an_environment_the_refusal_names_it_and_its_destroy() -> None:
    staging = Names("trends-anomaly", ACCOUNT, "eu-west-1", "staging")
    us_staging = Names("trends-anomaly", ACCOUNT, "us-east-1", "staging")
    problem = stacks.roles_taken(world(staging, *roles_of(us_staging)), staging)
    assert problem is not None
    assert "environment staging of project trends-anomaly in us-east-1" in problem
    assert "`python -m deploy destroy --yes --env staging`" in problem


def test_destroy_says_which_roles_it_keeps_and_why() -> None:
    ours = [replace(r, tags={"project": "trends-anomaly"}) for r in roles_of(US)]
    assert stacks.kept_roles(world(EU, *ours), EU) == [
        f"Kept IAM role trends-anomaly-{r}: its policy names the resources of us-east-1, so it "
        "serves the project's stack there (IAM role names are global); destroy that stack, "
        "with `region: us-east-1` in config.yaml, to remove it."
        for r in ("sagemaker", "lambda")
    ]
    assert stacks.kept_roles(world(US, *ours), US) == []
    assert stacks.kept_unowned(world(EU, *ours), EU) == []


def test_a_role_not_ours_serving_another_region_is_said_kept_once() -> None:
    """Untagged, and its policy names us-east-1's resources: one line says both."""
    found = world(EU, *roles_of(US))
    assert stacks.kept_roles(found, EU) == []
    said = stacks.kept_unowned(found, EU)
    assert len(said) == 2, said
    for line in said:
        assert "it does not carry this project's tag (project=trends-anomaly)" in line, line
        assert line.endswith(
            " Its policy names the resources of us-east-1 too, so it may serve a stack there "
            "(IAM role names are global): make sure none runs as it before deleting it."
        ), line


def test_a_stack_with_nothing_deployed_yet_is_said_to_be_new() -> None:
    creates = [Action("create", "iam_role", "a", "does not exist")] * 3
    note = stacks.new_stack(world(EU), EU, [*creates, Action("noop", "x", "y", "")])
    assert note == (
        "No resource of project trends-anomaly exists in eu-west-1 (account 123456789012) yet: "
        "3 to create, a new stack. A renamed `project` or another `region` leaves the stack "
        "deployed under the old ones running (remove it with `destroy` and its own config.yaml)."
    )
    assert stacks.new_stack(world(US, *roles_of(US)), US, creates) is None
    # A new environment: the project's shared image repository (and its image) exist already.
    staging = Names("trends-anomaly", ACCOUNT, "us-east-1", "staging")
    shared = SeenRepository("trends-anomaly", "arn:repo", "IMMUTABLE", {}, shared=True)
    note = stacks.new_stack(world(staging, shared, SeenImage("uri")), staging, creates)
    assert note is not None and note.startswith("No resource of environment staging of project")
    own = SeenRepository("trends-anomaly", "arn:repo", "IMMUTABLE", {})
    assert stacks.new_stack(world(US, own), US, creates) is None


def test_role_status_says_missing_or_taken_roles() -> None:
    assert stacks.role_status(world(US, *roles_of(US)), US) == (
        "  roles     trends-anomaly-sagemaker, trends-anomaly-lambda"
    )
    assert stacks.role_status(world(US, roles_of(US)[0]), US) == (
        "  roles     missing: trends-anomaly-lambda (run apply)"
    )
    assert stacks.role_status(world(US, *roles_of(EU)), US) == (
        "  roles     trends-anomaly-sagemaker, trends-anomaly-lambda serve the stack in "
        "eu-west-1 (their policies name its resources): this stack's calls are denied"
    )


def github_roles(region: str, repository: str) -> list[iam.SeenRole]:
    """The plan and deploy roles as bootstrap left them in ``region`` for ``repository``."""
    t = policies.Target("trends-anomaly", region, ACCOUNT, "octo/trends", subject_prefix=repository)
    return [replace(_seen(r), inline_policies=(r.name,)) for r in policies.roles(t)]


OCTO = "repo:octo@1/trends@2"


PATHS = {r.name: "/" for r in github_roles(US.region, OCTO)}  # bootstrap's: IAM's default


def test_github_roles_bootstrap_did_not_make_stop_it() -> None:
    """Roles as bootstrap made them (tagged project=<project>) are its own; one of their names
    untagged, or another project's, at `/` is not; one at another path is left to the path
    stop (a tag cannot move it)."""
    plan, deploy = (
        replace(r, tags={"project": "trends-anomaly"}) for r in github_roles(US.region, OCTO)
    )
    assert stacks.github_roles_not_made_here(world(US, plan, deploy), US, PATHS) is None
    assert stacks.github_roles_not_made_here(world(US), US, PATHS) is None
    hand = replace(deploy, tags={})
    elsewhere = replace(plan, tags={"project": "other"}, path="/x/")
    said = stacks.github_roles_not_made_here(world(US, elsewhere, hand), US, PATHS)
    assert said is not None and said.startswith(
        f"IAM role {hand.name} ({hand.arn}, path /) does not carry this project's tag "
        "(project=trends-anomaly): it was made by hand or by other tooling, or that tag was "
        f"removed since (adopt it: `aws iam tag-role --role-name {hand.name} --tags "
        "Key=project,Value=trends-anomaly`). "
    ), said
    assert plan.name not in said and "Nothing was changed." in said
    other = stacks.github_roles_not_made_here(
        world(US, replace(hand, tags={"project": "other"})), US, PATHS
    )
    assert other is not None and "(project=trends-anomaly; it has project=other)" in other


def test_github_roles_of_another_regions_stack_or_repository_stop_bootstrap() -> None:
    taken = stacks.github_roles_taken(world(EU, *github_roles("us-east-1", OCTO)), EU, OCTO)
    assert taken is not None and taken.startswith(
        "IAM roles trends-anomaly-github-plan, trends-anomaly-github-deploy serve the stack of "
        "project trends-anomaly in us-east-1: their policies name its resources, and IAM role "
        "names are global, so "
        "bootstrapping it in eu-west-1 too would rewrite them and cut that stack's workflows off"
    )
    assert (
        "aws iam delete-role-policy --role-name trends-anomaly-github-plan --policy-name "
        "trends-anomaly-github-plan && aws iam delete-role --role-name trends-anomaly-github-plan"
    ) in taken
    fork = stacks.github_roles_taken(
        world(US, *github_roles("us-east-1", OCTO)), US, "repo:fork/trends"
    )
    assert fork is not None and "trust the GitHub repository octo/trends" in fork
    assert "bootstrapping them for fork/trends" in fork
    # Ours: the same repository by its ids (renamed), or by name (legacy subjects before).
    for ours in (OCTO, "repo:renamed@1/new@2", "repo:Octo/Trends"):
        assert (
            stacks.github_roles_taken(world(US, *github_roles("us-east-1", OCTO)), US, ours) is None
        )
    assert stacks.github_roles_taken(world(US), US, OCTO) is None
    # One role whose trust was edited to another repository is drift (repaired), not a fork's.
    plan, deploy = github_roles("us-east-1", OCTO)
    drifted = replace(deploy, trust=github_roles("us-east-1", "repo:attacker/x")[1].trust)
    assert stacks.github_roles_taken(world(US, plan, drifted), US, OCTO) is None


def test_another_projects_names_refusal_says_what_a_rename_left_running() -> None:
    """A `project:` renamed into a name another project's stack has is refused before any
    change; the stack deployed under the old name keeps running, which only config.yaml's
    history can name: the refusal says so, and the exact destroy that removes it."""
    app = Names("app", ACCOUNT, "us-east-1", "staging")
    theirs = SeenRepository("app-staging", "arn", None, {"project": "app-staging"})
    problem = stacks.names_taken(world(app, theirs), app)
    assert problem is not None and "tagged project=app-staging" in problem
    assert (
        "If this stack's `project:` was just renamed in config.yaml, the stack deployed under "
        "the old name was not touched and keeps running (and billing): remove it with the old "
        "`project:` back in config.yaml and `python -m deploy destroy --yes --env staging` (for "
        "a renamed environment, its entry back under `environments:` with its old name too, "
        "and `--env` with that name: `--env` takes only an environment config.yaml has), then "
        "rename again. Its old name is "
        "in config.yaml's history (`git log -p config.yaml`)"
    ) in problem, problem
    single = Names("app-staging", ACCOUNT, "us-east-1")
    mine = SeenRepository("app-staging", "arn", None, {"project": "app"})
    problem = stacks.names_taken(world(single, mine), single)
    assert problem is not None
    assert "back in config.yaml and `python -m deploy destroy --yes`, then rename" in problem


def test_destroy_leaves_a_role_without_the_project_tag_and_says_whose_it_is_not() -> None:
    hand_made, ours = roles_of(US)
    ours = replace(ours, tags={"project": "trends-anomaly"})
    found = world(US, hand_made, ours)
    assert stacks.unowned(found, US) == [hand_made]
    assert [r.name for r in stacks.owned(found, US)] == [ours.name]
    (said,) = stacks.kept_unowned(found, US)
    assert said.startswith(
        f"Kept IAM role {hand_made.name} ({hand_made.arn}): it does not carry this project's "
        "tag (project=trends-anomaly): it was made by hand or by other tooling, or that tag "
        "was removed since, and so destroy leaves it."
    )


def test_what_a_kept_resource_uses_is_kept_with_it_and_said() -> None:
    """An endpoint not this project's on one of the stack's configs: destroy deletes neither
    that config nor its model (SageMaker finds both by name), and says why; the rest goes."""
    from deploy.resources import endpoint, endpoint_config, sagemaker_model

    tag = {"project": "trends-anomaly"}
    theirs = endpoint.SeenEndpoint(
        "trends-anomaly", "arn:e", "trends-anomaly-c-1", "InService", None, {}
    )
    used = endpoint_config.SeenConfig(
        "trends-anomaly-c-1", "arn:c1", 1, "trends-anomaly-m-1", {}, tag
    )
    other = endpoint_config.SeenConfig(
        "trends-anomaly-c-2", "arn:c2", 2, "trends-anomaly-m-2", {}, tag
    )
    models = [
        sagemaker_model.SeenModel(f"trends-anomaly-m-{i}", f"arn:m{i}", i, tags=tag) for i in (1, 2)
    ]
    found = world(US, theirs, used, other, *models)
    deletes = [Action("delete", r.KIND, r.name, "destroy") for r in stacks.owned(found, US)]
    kept, said = stacks.spare_used(deletes, found)
    assert sorted(a.name for a in kept) == ["trends-anomaly-c-2", "trends-anomaly-m-2"]
    assert said == [
        "Kept SageMaker endpoint config trends-anomaly-c-1 (arn:c1) because SageMaker endpoint "
        "trends-anomaly (arn:e) uses it: it is that endpoint's config, which SageMaker says not "
        "to delete while the endpoint is live. Once trends-anomaly is deleted, the next destroy "
        "deletes it.",
        "Kept SageMaker model trends-anomaly-m-1 (arn:m1) because SageMaker endpoint config "
        "trends-anomaly-c-1 (arn:c1) uses it: SageMaker finds a config's model by its name when "
        "an endpoint is created or updated from that config, so deleting the model would break "
        "it. Once trends-anomaly-c-1 is deleted, the next destroy deletes it.",
    ]
    assert stacks.spare_used(deletes, world(US, used, other, *models)) == (deletes, [])


def test_the_take_over_stop_of_a_role_says_these_words() -> None:
    """Word for word, as `iam.path_stop`'s own are pinned in test_iam.py: both read whose a
    role is by one rule (`world.made_by`), and neither's words changed with it."""
    hand_made, ours = roles_of(US)
    hand_made = replace(hand_made, path="/elsewhere/", tags={"project": ""})
    found = world(US, hand_made, replace(ours, tags={"project": "trends-anomaly"}))
    wanted = [("iam_role", hand_made.name), ("iam_role", ours.name)]
    assert stacks.not_made_here(found, US, wanted) == (
        "IAM role trends-anomaly-sagemaker (arn:aws:iam::123456789012:role/trends-anomaly/"
        "trends-anomaly-sagemaker, path /elsewhere/) does not carry this project's tag "
        "(project=trends-anomaly): it was made by hand or by other tooling, or that tag was "
        "removed since (adopt it: `aws iam tag-role --role-name trends-anomaly-sagemaker --tags "
        "Key=project,Value=trends-anomaly`). This stack needs resources of these names, and "
        "apply would rewrite and tag them as its own, after which destroy would delete them. IAM "
        "role names are unique in an account whatever the path. Nothing was changed. Either "
        "adopt them on purpose, if they really are this stack's, by tagging them as this "
        "project's (the command given for each), then run plan again; or give this stack other "
        "names (`project:`, or the environment's name under `environments:`, in config.yaml); "
        "see deploy/README.md, 'Project and environment names'."
    )


def test_the_config_an_update_in_progress_moves_to_is_kept_with_its_model() -> None:
    """An endpoint not this project's, Updating from one config to another of the stack's
    (DescribeEndpoint's PendingDeploymentSummary): destroy deletes neither the config it moves
    to nor that config's model. SageMaker says not to delete a config while UpdateEndpoint or
    CreateEndpoint is being performed on its endpoint."""
    from deploy.resources import endpoint, endpoint_config, sagemaker_model

    tag = {"project": "trends-anomaly"}
    theirs = endpoint.SeenEndpoint(
        "trends-anomaly",
        "arn:e",
        "trends-anomaly-c-1",
        "Updating",
        None,
        {},
        pending="trends-anomaly-c-2",
    )
    configs = [
        endpoint_config.SeenConfig(
            f"trends-anomaly-c-{i}", f"arn:c{i}", i, f"trends-anomaly-m-{i}", {}, tag
        )
        for i in (1, 2, 3)
    ]
    models = [
        sagemaker_model.SeenModel(f"trends-anomaly-m-{i}", f"arn:m{i}", i, tags=tag)
        for i in (1, 2, 3)
    ]
    found = world(US, theirs, *configs, *models)
    deletes = [Action("delete", r.KIND, r.name, "destroy") for r in stacks.owned(found, US)]
    kept, said = stacks.spare_used(deletes, found)
    assert sorted(a.name for a in kept) == ["trends-anomaly-c-3", "trends-anomaly-m-3"]
    assert said[1] == (
        "Kept SageMaker endpoint config trends-anomaly-c-2 (arn:c2) because SageMaker endpoint "
        "trends-anomaly (arn:e) is being updated to it: SageMaker says not to delete a config "
        "while an update or creation of its endpoint is in progress. Once that update has "
        "ended and trends-anomaly no longer uses it, the next destroy deletes it."
    )
    assert said[3] == (
        "Kept SageMaker model trends-anomaly-m-2 (arn:m2) because SageMaker endpoint config "
        "trends-anomaly-c-2 (arn:c2) uses it: SageMaker finds a config's model by its name when "
        "an endpoint is created or updated from that config, so deleting the model would break "
        "it. Once trends-anomaly-c-2 is deleted, the next destroy deletes it."
    )
    assert len(said) == 4


def test_a_kept_model_keeps_the_role_it_runs_as_and_its_images_repository() -> None:
    """A model destroy keeps (a hand-made config of the stack's pattern uses it) was left
    without its execution role and its image's repository, both deleted: an endpoint made
    from that config could not start (SageMaker assumes the role to pull the image). Both
    are kept now, each said; a model's role or image of another account or region is not
    this stack's, and the rest still goes."""
    from deploy.resources import endpoint_config, sagemaker_model

    tag = {"project": "trends-anomaly"}
    sagemaker_role, lambda_role = (replace(r, tags=tag) for r in roles_of(US))
    repository = SeenRepository("trends-anomaly", "arn:r", "IMMUTABLE", tag)
    theirs = endpoint_config.SeenConfig(
        "trends-anomaly-c-1", "arn:c1", 1, "trends-anomaly-m-1", {}, None
    )
    model = sagemaker_model.SeenModel(
        "trends-anomaly-m-1", "arn:m1", 1, IMAGE, sagemaker_role.arn, {}, tag
    )
    found = world(US, theirs, model, sagemaker_role, lambda_role, repository)
    deletes = [Action("delete", r.KIND, r.name, "destroy") for r in stacks.owned(found, US)]
    kept, said = stacks.spare_used(deletes, found)
    assert [(a.kind, a.name) for a in kept] == [("iam_role", lambda_role.name)]
    assert said == [
        "Kept ECR repository trends-anomaly (arn:r) because SageMaker model trends-anomaly-m-1 "
        "(arn:m1) uses it: its image is in that repository, which SageMaker pulls it from "
        "whenever an endpoint is created, updated or scaled out from a config of it, so "
        "deleting the repository (with its images) would break it. Once trends-anomaly-m-1 is "
        "deleted, the next destroy deletes it.",
        f"Kept IAM role trends-anomaly-sagemaker ({sagemaker_role.arn}) because SageMaker "
        "model trends-anomaly-m-1 (arn:m1) uses it: it is the role that model runs as, which "
        "SageMaker assumes to pull its image and write its logs whenever an endpoint is "
        "created, updated or scaled out from a config of it, so deleting the role would break "
        "it. Once trends-anomaly-m-1 is deleted, the next destroy deletes it.",
        "Kept SageMaker model trends-anomaly-m-1 (arn:m1) because SageMaker endpoint config "
        "trends-anomaly-c-1 (arn:c1) uses it: SageMaker finds a config's model by its name when "
        "an endpoint is created or updated from that config, so deleting the model would break "
        "it. Once trends-anomaly-c-1 is deleted, the next destroy deletes it.",
    ]
    elsewhere = replace(
        model,
        image=IMAGE.replace("us-east-1", "eu-west-1"),
        role_arn=sagemaker_role.arn.replace(ACCOUNT, "210987654321"),
    )
    found = world(US, theirs, elsewhere, sagemaker_role, lambda_role, repository)
    kept, said = stacks.spare_used(deletes, found)
    assert sorted(a.kind for a in kept) == ["ecr_repository", "iam_role", "iam_role"]
    assert len(said) == 1, said
    # No hand-made config: the model goes, and so do its role and repository.
    found = world(US, model, sagemaker_role, lambda_role, repository)
    deletes = [Action("delete", r.KIND, r.name, "destroy") for r in stacks.owned(found, US)]
    assert stacks.spare_used(deletes, found) == (deletes, [])


def test_a_kept_models_image_in_the_stacks_repository_is_to_be_kept_too() -> None:
    """The repository of a kept model was kept, but its lifecycle policy could still expire
    the model's image after enough newer builds: `spared_images` names it (`ecr.keep_images`
    tags it), for apply's clean-up (the repository is not deleted) as for destroy; the image
    of a model in another region's registry, or of one not kept, is not ours to keep."""
    from deploy.kept_image import KeptImage
    from deploy.resources import endpoint_config, sagemaker_model

    tag = {"project": "trends-anomaly"}
    theirs = endpoint_config.SeenConfig(
        "trends-anomaly-c-1", "arn:c1", 1, "trends-anomaly-m-1", {}, None
    )
    model = sagemaker_model.SeenModel("trends-anomaly-m-1", "arn:m1", 1, IMAGE, "arn:r", {}, tag)
    other = sagemaker_model.SeenModel("trends-anomaly-m-2", "arn:m2", 1, IMAGE, "arn:r", {}, tag)
    found = world(US, theirs, model, other)
    deletes = [Action("delete", m.KIND, m.name, "superseded") for m in (model, other)]
    assert stacks.spared_images(deletes, found, US) == [
        KeptImage("trends-anomaly-m-1", IMAGE, "trends-anomaly", {"imageTag": IMAGE.split(":")[-1]})
    ]
    elsewhere = replace(model, image=IMAGE.replace("us-east-1", "eu-west-1"))
    assert stacks.spared_images(deletes, world(US, theirs, elsewhere, other), US) == []
    said = stacks.spare_used(deletes, found, by="apply", also={model.name: " Its image …"})[1]
    assert said[0].endswith("the next apply deletes it. Its image …"), said


def test_a_deleted_models_image_in_a_repository_that_stays_is_to_be_released() -> None:
    """A model once kept for a hand-made config, deleted now that no config uses it: its
    image's kept-<model> tag stayed for ever. `released_images` names the image of every model
    the actions delete (`kept_image.release_images` looks for the tag), unless the actions
    delete the repository too (its images' tags go with it) or the image is elsewhere."""
    from deploy.kept_image import KeptImage
    from deploy.resources import sagemaker_model

    tag = {"project": "trends-anomaly"}
    model = sagemaker_model.SeenModel("trends-anomaly-m-1", "arn:m1", 1, IMAGE, "arn:r", {}, tag)
    elsewhere = sagemaker_model.SeenModel(
        "trends-anomaly-m-2", "arn:m2", 1, IMAGE.replace("us-east-1", "eu-west-1"), "arn:r", {}
    )
    serving = sagemaker_model.SeenModel("trends-anomaly-m-3", "arn:m3", 1, IMAGE, "arn:r", {})
    found = world(US, model, elsewhere, serving)
    deletes = [Action("delete", m.KIND, m.name, "superseded") for m in (model, elsewhere)]
    assert stacks.released_images(deletes, found, US) == [
        KeptImage("trends-anomaly-m-1", IMAGE, "trends-anomaly", {"imageTag": IMAGE.split(":")[-1]})
    ]
    repository = Action("delete", "ecr_repository", US.ecr_repository, "destroy")
    assert stacks.released_images([*deletes, repository], found, US) == []
    other = Action("delete", "ecr_repository", "another-repository", "destroy")
    assert len(stacks.released_images([*deletes, other], found, US)) == 1


def test_only_this_stacks_kept_tags_whose_model_is_gone_are_stale() -> None:
    """A kept-<model> tag whose model no longer exists kept its image for ever. Stale: this
    stack's own (its model name is ``{stack}-m-<hash>``), not one of a model that exists, nor
    another environment's in the repository they share (that environment sweeps its own),
    nor one this run already removes with its model (``skip``)."""
    from deploy.kept_tags import Held
    from deploy.resources import sagemaker_model

    staging = Names("trends-anomaly", ACCOUNT, "us-east-1", "staging")
    live = sagemaker_model.SeenModel("trends-anomaly-staging-m-11111111", "arn:m", 1, IMAGE)
    tags = [
        IMAGE.rsplit(":", 1)[1],  # the image the live model names
        "kept-trends-anomaly-staging-m-00000000",  # its model gone: stale
        f"kept-{live.name}",  # its model exists, and names this image
        "kept-trends-anomaly-staging-m-22222222",  # deleted by this run, with its tag
        "kept-trends-anomaly-production-m-00000000",  # another environment's
        "kept-trends-anomaly-m-00000000",  # the single deployment's
        "kept-trends-anomaly-staging-m-0000",  # no model name of the stack's
    ]
    image = Held("sha256:ab", frozenset(tags))
    held = dict.fromkeys(tags, image)
    stale = stacks.stale_kept_tags(
        held, world(staging, live), staging, skip=["trends-anomaly-staging-m-22222222"]
    )
    assert [(s.tag, s.why) for s in stale] == [
        (
            "kept-trends-anomaly-staging-m-00000000",
            "its model trends-anomaly-staging-m-00000000 no longer exists",
        )
    ]
    single = [s.tag for s in stacks.stale_kept_tags(held, world(US), US)]
    assert single == ["kept-trends-anomaly-m-00000000"], single


def test_the_repository_is_swept_only_where_it_stays_and_is_ours() -> None:
    """A repository the plan deletes takes its tags with it (a preview's, a single
    deployment's destroy); one this project did not make is not its to change."""
    repository = SeenRepository(
        "trends-anomaly", "arn:r", "IMMUTABLE", {"project": "trends-anomaly"}
    )
    assert stacks.swept_repository([], world(US, repository), US) == "trends-anomaly"
    assert stacks.swept_repository([], world(US), US) is None
    deleted = [Action("delete", "ecr_repository", "trends-anomaly", "destroy")]
    assert stacks.swept_repository(deleted, world(US, repository), US) is None
    theirs = replace(repository, tags={})
    assert stacks.swept_repository([], world(US, theirs), US) is None


def test_a_kept_tag_not_on_the_image_its_model_names_is_stale() -> None:
    """A model replaced by hand under the same name (the same model name, another image):
    its kept- tag stayed on the old image. Stale: the tag is on an image the model no longer
    names (by tag or digest, here or in another repository); not one on the image it names,
    nor one of a model whose image could not be read."""
    from deploy.kept_tags import Held
    from deploy.resources import sagemaker_model

    registry = IMAGE.split("/")[0]
    old, new = "sha256:" + "a" * 64, "sha256:" + "b" * 64

    def model(name: str, image: str | None) -> sagemaker_model.SeenModel:
        return sagemaker_model.SeenModel(f"trends-anomaly-m-{name}", "arn:m", 1, image)

    models = [
        model("11111111", f"{registry}/trends-anomaly:src-new"),  # replaced: another tag
        model("22222222", f"{registry}/trends-anomaly@{new}"),  # replaced: another digest
        model("33333333", f"{registry}/elsewhere:src-old"),  # replaced: another repository
        model("44444444", f"{registry}/trends-anomaly:src-old"),  # the image it names
        model("55555555", f"{registry}/trends-anomaly@{old}"),  # the same, by its digest
        model("66666666", None),  # its image not read: not said stale
    ]
    kept = [f"kept-{m.name}" for m in models]
    held = {
        **dict.fromkeys(["src-old", *kept], Held(old, frozenset(["src-old", *kept]))),
        "src-new": Held(new, frozenset(["src-new"])),
    }
    stale = stacks.stale_kept_tags(held, world(US, *models), US)
    assert [(s.tag, s.why) for s in stale] == [
        (
            f"kept-{m.name}",
            f"its model {m.name} names another image now ({m.image}), not this one",
        )
        for m in models[:3]
    ], stale
