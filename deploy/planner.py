"""(desired, observed) → a list of Actions. Pure: the same inputs always give the same plan.

Modelled on AWS Chalice's planner: the plan is data, printed by `plan` and executed by `apply`,
so what `plan` shows is exactly what `apply` does.
"""

from __future__ import annotations

import json
from typing import Any

from deploy.state import TYPE_ORDER, Action, Change, Observed, Resource, World

TRANSITIONAL = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}


def _canon(value: Any) -> Any:
    """Order-insensitive form for comparison (policies come back in any key order)."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def diff(desired: Resource, observed: Observed) -> tuple[Change, ...]:
    """Fields whose observed value differs from the desired one (tags included)."""
    changes = []
    for key, want in desired.props.items():
        have = observed.props.get(key)
        if _canon(want) != _canon(have):
            changes.append(Change(key, have, want))
    if desired.tags is not None and observed.tags is not None:
        want_tags = dict(desired.tags)
        if {k: observed.tags.get(k) for k in want_tags} != want_tags:
            changes.append(Change("tags", observed.tags, want_tags))
    return tuple(changes)


def _describe(changes: tuple[Change, ...]) -> str:
    return "changed: " + ", ".join(c.field for c in changes)


def _endpoint_action(res: Resource, obs: Observed | None) -> Action:
    want = res.props["config"]
    if obs is None:
        return Action("create", res.type, res.name, "endpoint does not exist", resource=res)
    status = obs.meta.get("status", "?")
    have = obs.props.get("config")
    if status == "Failed":
        why = obs.meta.get("failure_reason") or "no reason given"
        return Action(
            "replace",
            res.type,
            res.name,
            f"endpoint is Failed ({why}): delete and re-create on {want}",
            (Change("config", have, want),),
            res,
            obs,
        )
    if status == "Deleting":
        return Action(
            "create",
            res.type,
            res.name,
            "endpoint is being deleted: wait, re-create",
            resource=res,
            observed=obs,
        )
    changes = diff(res, obs)
    if have != want:
        reason = f"switch endpoint from {have} to {want}"
        if status in TRANSITIONAL:
            reason = f"endpoint is {status}: wait for it, then {reason}"
        return Action("update", res.type, res.name, reason, changes, res, obs)
    if status in TRANSITIONAL:
        return Action(
            "wait",
            res.type,
            res.name,
            f"endpoint is {status} on {want}: wait",
            resource=res,
            observed=obs,
        )
    if changes:
        return Action("update", res.type, res.name, _describe(changes), changes, res, obs)
    return Action("noop", res.type, res.name, f"InService on {want}", resource=res, observed=obs)


def _generic_action(res: Resource, obs: Observed | None) -> Action:
    if obs is None:
        return Action("create", res.type, res.name, "does not exist", resource=res)
    changes = diff(res, obs)
    if not changes:
        return Action("noop", res.type, res.name, "up to date", resource=res, observed=obs)
    if res.type in ("sagemaker_model", "endpoint_config") and any(
        c.field != "tags" for c in changes
    ):
        # Hash-named and immutable: a differing body under the same name means tampering.
        return Action("replace", res.type, res.name, _describe(changes), changes, res, obs)
    return Action("update", res.type, res.name, _describe(changes), changes, res, obs)


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"variant": {"instance_type": x}} → {"variant.instance_type": x}."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def _generation(action: Action, serving: Observed | None) -> Action:
    """A new hash-named model/config: say what differs from the one serving now."""
    if action.op != "create" or serving is None or not serving.props or action.resource is None:
        return action
    have, want = _flat(serving.props), _flat(action.resource.props)
    changes = tuple(
        Change(k, have.get(k), want.get(k))
        for k in sorted(set(have) | set(want))
        if _canon(have.get(k)) != _canon(want.get(k))
    )
    fields = ", ".join(c.field for c in changes) or "tags"
    return Action(
        "create",
        action.type,
        action.name,
        f"new version of {serving.name}: {fields}",
        changes,
        action.resource,
    )


def _superseded(desired: list[Resource], world: World) -> list[Action]:
    """Old models/configs to delete after a successful rollout, keeping one for rollback."""
    want_cfg = next(r.name for r in desired if r.type == "endpoint_config")
    want_model = next(r.name for r in desired if r.type == "sagemaker_model")
    ep = world.get("endpoint", next(r.name for r in desired if r.type == "endpoint"))
    configs = world.of_type("endpoint_config")
    keep = {want_cfg}
    current = ep.props.get("config") if ep else None
    if current and current != want_cfg:
        keep.add(current)  # becomes the previous config: the rollback target
    else:
        others = sorted(
            (c for c in configs if c.name != want_cfg),
            key=lambda c: (str(c.meta.get("created", "")), c.name),
        )
        if others:
            keep.add(others[-1].name)
    keep_models = {want_model} | {
        c.meta.get("model") for c in configs if c.name in keep and c.meta.get("model")
    }
    out = [
        Action(
            "delete",
            "endpoint_config",
            c.name,
            "superseded (kept: current and previous)",
            observed=c,
        )
        for c in sorted(configs, key=lambda c: c.name)
        if c.name not in keep
    ]
    out += [
        Action(
            "delete",
            "sagemaker_model",
            m.name,
            "superseded (kept: current and previous)",
            observed=m,
        )
        for m in sorted(world.of_type("sagemaker_model"), key=lambda m: m.name)
        if m.name not in keep_models
    ]
    return out


def plan(desired: list[Resource], world: World) -> list[Action]:
    """Every desired resource gets an action (noop included), plus deletions of leftovers."""
    by_type: dict[str, list[Action]] = {t: [] for t in TYPE_ORDER}
    wanted = {r.key for r in desired}
    endpoint_action: Action | None = None
    for res in desired:
        obs = world.resources.get(res.key)
        if res.type == "endpoint":
            endpoint_action = _endpoint_action(res, obs)
            by_type["endpoint"].append(endpoint_action)
        else:
            by_type[res.type].append(_generic_action(res, obs))

    # New model/config versions: explain them against what the endpoint serves now.
    ep_obs = world.get("endpoint", endpoint_action.name) if endpoint_action else None
    cur_cfg = world.get("endpoint_config", ep_obs.props.get("config")) if ep_obs else None
    cur_model = world.get("sagemaker_model", cur_cfg.meta.get("model")) if cur_cfg else None
    by_type["endpoint_config"] = [_generation(a, cur_cfg) for a in by_type["endpoint_config"]]
    by_type["sagemaker_model"] = [_generation(a, cur_model) for a in by_type["sagemaker_model"]]

    # Autoscaling: off before the endpoint changes or goes away, back on once InService.
    pre_endpoint: list[Action] = []
    endpoint_changes = endpoint_action is not None and endpoint_action.op in (
        "update",
        "replace",
    )
    for obs in world.of_type("scaling"):
        if obs.key not in wanted:
            pre_endpoint.append(
                Action("delete", "scaling", obs.name, "autoscaling not configured", observed=obs)
            )
        elif endpoint_changes:
            pre_endpoint.append(
                Action(
                    "delete",
                    "scaling",
                    obs.name,
                    "deregister before the endpoint update",
                    observed=obs,
                )
            )
            by_type["scaling"] = [
                Action(
                    "create",
                    a.type,
                    a.name,
                    "re-register once the endpoint is InService",
                    resource=a.resource,
                )
                if a.name == obs.name
                else a
                for a in by_type["scaling"]
            ]

    # Leftovers that nothing desires any more (deleted after their replacements exist).
    leftovers: list[Action] = []
    for obs in world.of_type("api_integration"):
        if obs.key not in wanted:
            leftovers.append(
                Action("delete", obs.type, obs.name, "integration not used", observed=obs)
            )
    for obs in world.of_type("http_api"):
        if obs.meta.get("duplicate"):
            leftovers.append(
                Action(
                    "delete",
                    obs.type,
                    obs.name,
                    f"duplicate API {obs.meta['api_id']} (keeping the oldest)",
                    observed=obs,
                )
            )
    site_deletes = [
        Action("delete", "site_object", obs.name, "no longer in the site", observed=obs)
        for obs in sorted(world.of_type("site_object"), key=lambda o: o.name)
        if obs.key not in wanted
    ]

    ordered: list[Action] = []
    for t in TYPE_ORDER:
        if t == "endpoint":
            ordered += pre_endpoint
        if t == "site_object":
            ordered += _site_order(by_type[t])
            continue
        ordered += by_type[t]
    ordered += leftovers + site_deletes + _superseded(desired, world)
    return ordered


def _site_order(actions: list[Action]) -> list[Action]:
    from deploy.sitesync import upload_order

    rank = {k: i for i, k in enumerate(upload_order([a.name for a in actions]))}
    return sorted(actions, key=lambda a: rank[a.name])


def destroy_plan(world: World) -> list[Action]:
    """Delete everything observed, dependents first."""
    order = [
        "scaling",
        "http_api",
        "lambda_permission",
        "lambda_function",
        "endpoint",
        "endpoint_config",
        "sagemaker_model",
        "site_object",
        "s3_bucket",
        "log_group",
        "iam_role",
        "ecr_repository",
    ]
    out = []
    for t in order:
        for obs in sorted(world.of_type(t), key=lambda o: o.name):
            if t == "lambda_permission":
                continue  # goes with the function
            out.append(Action("delete", t, obs.name, "destroy", observed=obs))
    return out


def has_changes(actions: list[Action]) -> bool:
    return any(a.op != "noop" for a in actions)
