"""The planner: one derived order, three phases, ids bound where they exist. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from deploy.plan import Action, Call, Ref
from deploy.planner import arrange, destroy_plan, plan
from deploy.resources.base import PlanContext, ResourceType
from deploy.world import Desired, World


@dataclass(frozen=True)
class Api:
    KIND: ClassVar[str] = "api"
    name: str


@dataclass(frozen=True)
class SeenApi:
    KIND: ClassVar[str] = "api"
    name: str
    api_id: str

    @property
    def provides(self) -> dict[str, str]:
        return {"api_id": self.api_id}


@dataclass(frozen=True)
class Route:
    KIND: ClassVar[str] = "route"
    name: str
    api: str | Ref


def _plan_api(ctx: PlanContext) -> list[Action]:
    out = []
    for spec in ctx.desired.of_kind("api"):
        if ctx.world.get("api", spec.name):
            out.append(Action("noop", "api", spec.name, "up to date"))
        else:
            call = Call("apigatewayv2", "CreateApi", {"Name": spec.name}, {"api_id": "ApiId"})
            out.append(Action("create", "api", spec.name, "missing", steps=(call,)))
    return out


def _plan_route(ctx: PlanContext) -> list[Action]:
    seen = ctx.changing("api", "a")
    return [
        Action(
            "create",
            "route",
            r.name,
            f"api changing: {seen}",
            steps=(Call("apigatewayv2", "CreateRoute", {"ApiId": r.api, "RouteKey": r.name}),),
        )
        for r in ctx.desired.of_kind("route")
    ] + [Action("delete", "route", "old", "superseded", phase="after")]


def _destroy(kind: str):
    return lambda world: [Action("delete", kind, r.name, "destroy") for r in world.of_kind(kind)]


ROUTES = ResourceType(kinds={"route": ("api",)}, plan=_plan_route, destroy=_destroy("route"))
APIS = ResourceType(kinds={"api": ()}, plan=_plan_api, destroy=_destroy("api"))


def test_dependencies_are_planned_first_whatever_the_module_order() -> None:
    desired = Desired.of([Route("GET /x", Ref("api_id")), Api("a")])
    actions = plan([ROUTES, APIS], desired, World())
    assert [(a.op, a.kind) for a in actions] == [
        ("create", "api"),
        ("create", "route"),
        ("delete", "route"),
    ]
    route = actions[1]
    assert route.reason == "api changing: True"  # saw the API's action
    assert isinstance(route.steps[0].params["ApiId"], Ref)  # known only after apply


def test_ids_that_exist_are_bound_into_specs_and_steps() -> None:
    world = World.of([SeenApi("a", "abc123")])
    actions = plan([ROUTES, APIS], Desired.of([Api("a"), Route("GET /x", Ref("api_id"))]), world)
    assert actions[0].op == "noop"
    assert actions[1].steps[0].params["ApiId"] == "abc123"


def test_phases_before_in_destroy_order_main_in_create_order_after_in_destroy_order() -> None:
    order = ["a", "b", "c"]
    actions = [
        Action("delete", "a", "a-old", "", phase="after"),
        Action("create", "c", "c1", ""),
        Action("delete", "c", "c-first", "", phase="before"),
        Action("create", "a", "a1", ""),
        Action("delete", "c", "c-old", "", phase="after"),
        Action("delete", "b", "b-first", "", phase="before"),
        Action("create", "b", "b1", ""),
        Action("create", "b", "b2", ""),  # stable within a kind
    ]
    assert [a.name for a in arrange(actions, order)] == [
        "c-first",
        "b-first",
        "a1",
        "b1",
        "b2",
        "c1",
        "c-old",
        "a-old",
    ]


def test_destroy_is_the_create_order_reversed() -> None:
    world = World.of([SeenApi("a", "abc"), Route("GET /x", "abc")])
    assert [a.kind for a in destroy_plan([APIS, ROUTES], world)] == ["route", "api"]
