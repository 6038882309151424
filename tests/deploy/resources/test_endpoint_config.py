"""The endpoint config: hash-named generations, created, kept for rollback, superseded."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from botocore.stub import Stubber

from deploy.naming import Names
from deploy.resources import endpoint_config as ec
from deploy.resources import sagemaker_model as sm
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import IMAGE, execute, make_aws
from tests.deploy.resources.sagemaker_records import (
    OLD_IMAGE,
    ROLE_ARN,
    TAG_LIST,
    TAGS,
    A,
    N,
    cfg_spec,
    model,
    seen_config,
    seen_model,
    serving,
)


def test_observe_models_and_configs_of_the_project_only() -> None:
    aws, m, c = make_aws(), model(), cfg_spec()
    desired = Desired.of([m, c])
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response(
            "list_models",
            {
                "Models": [
                    {
                        "ModelName": m.name,
                        "ModelArn": A + "model/m1",
                        "CreationTime": datetime(2026, 1, 1),
                    },
                    {
                        "ModelName": "trends-anomaly-m-gone0000",
                        "ModelArn": A + "model/m2",
                        "CreationTime": datetime(2026, 1, 1),
                    },
                    {
                        "ModelName": "trends-anomaly-extra-m-00000000",
                        "ModelArn": A + "model/x",
                        "CreationTime": datetime(2026, 1, 1),
                    },
                ]
            },
            {"NameContains": "trends-anomaly-m-"},
        )
        stub.add_response(
            "describe_model",
            {
                "ModelName": m.name,
                "ModelArn": A + "model/m1",
                "CreationTime": datetime(2026, 1, 1),
                "ExecutionRoleArn": ROLE_ARN,
                "PrimaryContainer": {"Image": IMAGE, "Environment": {}},
            },
            {"ModelName": m.name},
        )
        stub.add_response("list_tags", {"Tags": TAG_LIST}, {"ResourceArn": A + "model/m1"})
        stub.add_client_error("describe_model", "ValidationException", "Could not find model", 400)
        (got,) = sm.observe(aws, N, desired, World())
    assert (got.image, got.role_arn, got.tags) == (IMAGE, ROLE_ARN, TAGS)
    assert sm.plan_model(m, PlanContext(desired, World.of([got]))).op == "noop"
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response(
            "list_endpoint_configs",
            {
                "EndpointConfigs": [
                    {
                        "EndpointConfigName": c.name,
                        "EndpointConfigArn": A + "endpoint-config/c1",
                        "CreationTime": datetime(2026, 1, 1),
                    },
                    {
                        "EndpointConfigName": "trends-anomaly-c-gone0000",
                        "EndpointConfigArn": A + "endpoint-config/c2",
                        "CreationTime": datetime(2026, 1, 1),
                    },
                    {
                        "EndpointConfigName": "other-c-00000000",
                        "EndpointConfigArn": A + "endpoint-config/c3",
                        "CreationTime": datetime(2026, 1, 1),
                    },
                ]
            },
            {"NameContains": "trends-anomaly-c-"},
        )
        stub.add_response(
            "describe_endpoint_config",
            {
                "EndpointConfigName": c.name,
                "EndpointConfigArn": A + "endpoint-config/c1",
                "CreationTime": datetime(2026, 1, 1),
                "ProductionVariants": [
                    {
                        "VariantName": "main",
                        "ModelName": m.name,
                        "InstanceType": "ml.m5.large",
                        "InitialInstanceCount": 1,
                    }
                ],
            },
            {"EndpointConfigName": c.name},
        )
        stub.add_response(
            "list_tags", {"Tags": TAG_LIST}, {"ResourceArn": A + "endpoint-config/c1"}
        )
        stub.add_client_error(
            "describe_endpoint_config", "ValidationException", "Could not find", 400
        )
        (got_c,) = ec.observe(aws, N, desired, World())
    assert got_c.variant == c.variant and got_c.model == m.name and got_c.tags == TAGS
    assert ec.plan_config(c, World.of([got_c])).op == "noop"


def test_observe_a_serverless_config() -> None:
    aws, c = make_aws(), cfg_spec(endpoint={"serverless": {}})
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response(
            "list_endpoint_configs",
            {
                "EndpointConfigs": [
                    {
                        "EndpointConfigName": c.name,
                        "EndpointConfigArn": A + "endpoint-config/c1",
                        "CreationTime": datetime(2026, 1, 1),
                    }
                ]
            },
        )
        stub.add_response(
            "describe_endpoint_config",
            {
                "EndpointConfigName": c.name,
                "EndpointConfigArn": A + "endpoint-config/c1",
                "CreationTime": datetime(2026, 1, 1),
                "ProductionVariants": [
                    {
                        "VariantName": "main",
                        "ModelName": c.model,
                        "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
                    }
                ],
            },
        )
        owner = {"Tags": [{"Key": "project", "Value": "trends-anomaly"}]}
        stub.add_response("list_tags", owner, {"ResourceArn": A + "endpoint-config/c1"})
        # Not wanted, its tags read all the same: destroy deletes it, whose it is is checked.
        (got,) = ec.observe(aws, N, Desired(), World())
    assert got.variant == c.variant and got.tags == {"project": "trends-anomaly"}


def test_config_create_and_instances_vs_serverless_calls() -> None:
    aws = make_aws()
    c = cfg_spec()
    s = cfg_spec(endpoint={"serverless": {"memory_mb": 1024, "max_concurrency": 9}})
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response(
            "create_endpoint_config",
            {"EndpointConfigArn": A + "endpoint-config/c"},
            {
                "EndpointConfigName": c.name,
                "ProductionVariants": [
                    {
                        "VariantName": "main",
                        "ModelName": c.model,
                        "InstanceType": "ml.m5.large",
                        "InitialInstanceCount": 1,
                        "InitialVariantWeight": 1.0,
                    }
                ],
                "Tags": TAG_LIST,
            },
        )
        stub.add_response(
            "create_endpoint_config",
            {"EndpointConfigArn": A + "endpoint-config/s"},
            {
                "EndpointConfigName": s.name,
                "ProductionVariants": [
                    {
                        "VariantName": "main",
                        "ModelName": s.model,
                        "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": 9},
                    }
                ],
                "Tags": TAG_LIST,
            },
        )
        execute(aws, ec.plan_config(c, World()), ec.plan_config(s, World()))
        stub.assert_no_pending_responses()


def test_new_config_explains_its_variant_change() -> None:
    old = cfg_spec()
    new = cfg_spec(endpoint={"instance_type": "ml.c5.xlarge"})
    action = ec.plan_config(new, World.of([seen_config(old), serving(old.name)]))
    assert action.reason == f"new version of {old.name}: variant.instance_type"
    assert action.changes[0].before == "ml.m5.large"


def test_tampered_config_replaced_tags_updated() -> None:
    aws, c = make_aws(), cfg_spec()
    bad = seen_config(c)
    bad = ec.SeenConfig(
        bad.name,
        bad.arn,
        bad.created,
        bad.model,
        {**c.variant, "instance_type": "ml.p3.2xlarge"},
        None,
    )
    action = ec.plan_config(c, World.of([bad]))
    assert action.op == "replace"
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_client_error(
            "delete_endpoint_config", "ValidationException", "Could not find", 400
        )
        stub.add_response("create_endpoint_config", {"EndpointConfigArn": A + "endpoint-config/c"})
        execute(aws, action)
    tags = ec.plan_config(c, World.of([seen_config(c, tags={"project": "x"})]))
    assert tags.op == "update" and tags.steps[0].operation == "AddTags"


def test_a_config_whose_endpoint_was_scaled_in_place_is_up_to_date() -> None:
    """Its InitialInstanceCount is what the fleet started with, not what runs: not compared."""
    c = cfg_spec(endpoint={"instance_count": 3})
    scaled = replace(seen_config(c), initial_count=1)
    assert ec.plan_config(c, World.of([scaled, serving(c.name)])).op == "noop"


def test_a_config_named_when_the_count_was_hashed_is_kept_while_it_serves_the_same() -> None:
    """Stacks deployed before the count left the name serve a config of another name with the
    same model and instance type: no new config, no switch (no new fleet), and it is the
    current one to keep, with the one that served before it."""
    c = cfg_spec(endpoint={"instance_count": 2})
    old_name = "trends-anomaly-c-0ld0ld00"
    before = replace(
        seen_config(cfg_spec(OLD_IMAGE), created="2025-12-01"), name="trends-anomaly-c-aaaa0000"
    )
    named_so = replace(seen_config(c, created="2026-01-01"), name=old_name, initial_count=1)
    world = World.of([named_so, before, serving(old_name), seen_model(model())])
    action = ec.plan_config(c, world)
    assert (action.op, action.reason) == (
        "noop",
        f"the endpoint serves {old_name}: the same model and instance type, named when the "
        "instance count was part of the name; kept (no new fleet)",
    )
    assert ec.target(c, world) == old_name
    assert [a.name for a in ec.superseded(c, world) if a.kind == "endpoint_config"] == []
    # Another model is a new generation as before.
    other = cfg_spec(OLD_IMAGE.replace("aaaa", "bbbb"))
    assert ec.plan_config(other, world).op == "create" and ec.target(other, world) == other.name


def test_a_serverless_config_named_when_its_concurrency_was_hashed_is_kept() -> None:
    """Serverless stacks deployed before MaxConcurrency left the name serve a config of another
    name with the same model and memory: kept (the endpoint updates the concurrency in place)."""
    c = cfg_spec(endpoint={"serverless": {"memory_mb": 2048, "max_concurrency": 8}})
    old_name = "trends-anomaly-c-0ld0ld01"
    named_so = replace(seen_config(c), name=old_name, max_concurrency=4)
    world = World.of([named_so, serving(old_name), seen_model(model())])
    action = ec.plan_config(c, world)
    assert (action.op, action.reason) == (
        "noop",
        f"the endpoint serves {old_name}: the same model and serverless memory, named when the "
        "max concurrency was part of the name; kept (no new fleet)",
    )
    assert ec.target(c, world) == old_name
    assert ec.fleet_count(old_name, Desired(), world) == 4


def test_generations_keep_current_and_previous_delete_older_config_then_model() -> None:
    gens = [(model(f"{OLD_IMAGE}{i}"), cfg_spec(f"{OLD_IMAGE}{i}")) for i in range(3)]
    world = World.of(
        [seen_model(m) for m, _ in gens]
        + [seen_config(c, created=f"2026-01-0{i + 1}") for i, (_, c) in enumerate(gens)]
        + [serving(gens[2][1].name)]
    )
    new_m, new_c = model(), cfg_spec()
    # Switching to a new generation: the serving one becomes "previous"; the two older go.
    deletes = ec.superseded(new_c, world)
    assert [(a.kind, a.name, a.phase) for a in deletes] == [
        *sorted(("endpoint_config", c.name, "after") for _, c in gens[:2]),
        *sorted(("sagemaker_model", m.name, "after") for m, _ in gens[:2]),
    ]
    # Already serving the newest: the latest older one stays as the rollback target.
    world.add(seen_config(new_c, created="2026-01-09"))
    world.add(seen_model(new_m))
    world.add(serving(new_c.name))
    names_kept = {a.name for a in ec.superseded(new_c, world)}
    assert gens[2][1].name not in names_kept and gens[1][1].name in names_kept
    actions = ec.plan(PlanContext(Desired.of([new_c]), world))
    assert actions[0].op == "noop"
    assert [a.op for a in ec.destroy(world)] == ["delete"] * 4


def _history(*names: str, created_from: int = 1) -> list[ec.SeenConfig]:
    """Configs created on consecutive days, in the order given."""
    return [
        seen_config(cfg_spec(f"{OLD_IMAGE}{n}"), created=f"2026-01-0{i + created_from}")
        for i, n in enumerate(names)
    ]


def test_after_a_rollback_the_config_that_served_is_kept_not_the_newer_one_that_never_did() -> None:
    """Z served, then A; the switch to B rolled back (SageMaker went back to A). With the
    config reverted to A, the previous config is Z, which served before A, not B: B is newer
    but never served."""
    z, a, b = _history("z", "a", "b")
    endpoint = serving(a.name)
    recorded = {"serving-config": a.name, "previous-config": z.name, "requested-config": b.name}
    endpoint = replace(endpoint, tags=recorded)
    spec_a = cfg_spec(f"{OLD_IMAGE}a")
    deleted = {x.name for x in ec.superseded(spec_a, World.of([z, a, b, endpoint]))}
    assert b.name in deleted and z.name not in deleted and a.name not in deleted
    assert ec.served_before(endpoint, [z, a, b]) == z.name
    # The switch to A landed but the apply stopped before recording it: "serving" still
    # names the config it left, which is the one that served before.
    landed = replace(endpoint, tags={"serving-config": z.name, "previous-config": "x"})
    assert ec.served_before(landed, [z, a, b]) == z.name
    # An endpoint switched before the record existed: the newest config created before the
    # current one (one created after it never served, or served until a revert).
    assert ec.served_before(serving(a.name), [z, a, b]) == z.name
    assert ec.served_before(serving(z.name), [z, a, b]) is None


def test_models_and_configs_are_listed_by_the_names_names_gives_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The listings' filter and pattern come from Names.model / Names.endpoint_config: renamed
    in naming.py, the generations are still found (and so superseded ones still deleted)."""
    monkeypatch.setattr(Names, "model", lambda n, spec_hash: f"{n.stack}-model-{spec_hash}")
    monkeypatch.setattr(Names, "endpoint_config", lambda n, spec_hash: f"{n.stack}-cfg-{spec_hash}")
    aws, when = make_aws(), datetime(2026, 1, 1)
    model_name, config_name = N.model("0123abcd"), N.endpoint_config("0123abcd")
    with Stubber(aws.client("sagemaker")) as stub:
        listed = {"ModelName": model_name, "ModelArn": A + "model/m1", "CreationTime": when}
        stub.add_response("list_models", {"Models": [listed]}, {"NameContains": N.model("")})
        described = {**listed, "ExecutionRoleArn": ROLE_ARN, "PrimaryContainer": {"Image": IMAGE}}
        stub.add_response("describe_model", described, {"ModelName": model_name})
        stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": A + "model/m1"})
        assert [m.name for m in sm.observe(aws, N, Desired.of([]), World())] == [model_name]
    with Stubber(aws.client("sagemaker")) as stub:
        listed = {
            "EndpointConfigName": config_name,
            "EndpointConfigArn": A + "endpoint-config/c1",
            "CreationTime": when,
        }
        filtered = {"NameContains": N.endpoint_config("")}
        stub.add_response("list_endpoint_configs", {"EndpointConfigs": [listed]}, filtered)
        variant = {"VariantName": "main", "ModelName": model_name, "InstanceType": "ml.m5.large"}
        described = {**listed, "ProductionVariants": [{**variant, "InitialInstanceCount": 1}]}
        stub.add_response(
            "describe_endpoint_config", described, {"EndpointConfigName": config_name}
        )
        stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": A + "endpoint-config/c1"})
        assert [c.name for c in ec.observe(aws, N, Desired.of([]), World())] == [config_name]


def test_during_an_update_the_config_it_moves_to_is_the_previous_one_kept() -> None:
    """A served; a cancelled apply's UpdateEndpoint to P goes on (Updating: DescribeEndpoint
    names A, its PendingDeploymentSummary P). The apply to W waits for P to land, then switches
    from P to W and records P as the config that served before W: P is the one kept for
    rollback, with its model. A, serving while the plan is made, is kept by this apply too;
    Z, which served before A, goes."""
    z, a, p = _history("z", "a", "p")
    recorded = {"requested-config": p.name, "serving-config": a.name, "previous-config": z.name}
    updating = replace(serving(a.name), status="Updating", pending=p.name, tags=recorded)
    w = cfg_spec(f"{OLD_IMAGE}w")
    models = [seen_model(model(f"{OLD_IMAGE}{n}")) for n in "zap"]
    assert [m.name for m in models] == [z.model, a.model, p.model]
    deleted = {x.name for x in ec.superseded(w, World.of([z, a, p, updating, *models]))}
    assert p.name not in deleted and p.model not in deleted, sorted(deleted)
    assert a.name not in deleted and a.model not in deleted, sorted(deleted)
    assert {z.name, z.model} <= deleted, sorted(deleted)
    # Updating to W itself (an apply to W cancelled in its wait): A serves until W lands, and
    # the apply after, waiting only, leaves the record naming A: A is the previous, Z goes.
    toward_w = replace(updating, pending=w.name, tags={**recorded, "requested-config": w.name})
    deleted = {x.name for x in ec.superseded(w, World.of([z, a, p, toward_w, *models]))}
    assert a.name not in deleted and {z.name, p.name} <= deleted, sorted(deleted)
    # Once the switch landed, the record says what a rollback goes back to: P.
    landed = replace(serving(w.name), tags={"serving-config": w.name, "previous-config": p.name})
    assert ec.served_before(landed, [z, a, p]) == p.name
