"""One order of kinds from declared dependencies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deploy.graph import CycleError, needed_by, topological_order
from deploy.planner import destroy_order, kind_order, leading_kinds
from deploy.resources import registered


def test_dependencies_first_ties_in_declaration_order() -> None:
    order = topological_order({"c": ("a",), "b": (), "a": (), "d": ("c", "b")})
    assert order == ["b", "a", "c", "d"]


def test_a_cycle_and_an_unknown_kind_are_errors() -> None:
    with pytest.raises(CycleError, match="a, b"):
        topological_order({"a": ("b",), "b": ("a",)})
    with pytest.raises(ValueError, match="unknown kind"):
        topological_order({"a": ("zzz",)})


def test_the_engines_order_puts_every_kind_after_what_it_depends_on() -> None:
    order = kind_order(registered())
    for resource in registered():
        for kind, deps in resource.kinds.items():
            for dep in deps:
                assert order.index(dep) < order.index(kind), (dep, kind)
    for before, after in [
        ("iam_role", "sagemaker_model"),
        ("sagemaker_model", "endpoint_config"),
        ("endpoint_config", "endpoint"),
        ("endpoint", "scaling"),
        ("lambda_function", "api_integration"),
        ("http_api", "lambda_permission"),
        ("s3_bucket", "site_object"),
        ("http_api", "site_object"),  # config.js needs the API's URL
    ]:
        assert order.index(before) < order.index(after)


def test_first_kinds_and_what_they_need_win_every_tie() -> None:
    # z needs y; both are wanted as early as possible, before a and b declared earlier
    depends_on = {"a": (), "b": ("a",), "y": (), "z": ("y",)}
    assert topological_order(depends_on) == ["a", "b", "y", "z"]
    assert topological_order(depends_on, first=["z"]) == ["y", "z", "a", "b"]
    # several: an earlier one (and what it needs) wins over a later one
    assert topological_order(depends_on, first=["z", "b"]) == ["y", "z", "a", "b"]
    assert topological_order(depends_on, first=["b", "z"]) == ["a", "b", "y", "z"]
    assert topological_order(depends_on, first=["y", "a"]) == ["y", "a", "b", "z"]
    assert needed_by(depends_on, ["b", "z"]) == {"a", "b", "y", "z"}


def test_destroy_deletes_the_billed_endpoint_first_and_everything_after_its_dependents() -> None:
    """The endpoint is what costs money: it used to be deleted after the site objects, the API
    and the CloudFront distribution (disabling one takes 15 minutes or more), none of which
    needs it. Only its autoscaling, which depends on it, goes before it, and the one call that
    starts the distribution's disable, so CloudFront deploys it while the endpoint goes."""
    order = destroy_order(registered())
    assert order[:3] == ["cdn_disabled", "scaling", "endpoint"]
    assert order.index("cdn_disabled") < order.index("cloudfront_distribution")
    for resource in registered():
        for kind, deps in resource.kinds.items():
            for dep in deps:  # a kind is deleted before what it depends on
                assert order.index(kind) < order.index(dep), (kind, dep)
    for later in ("lambda_function", "http_api", "cloudfront_distribution", "site_object"):
        assert order.index("endpoint") < order.index(later)


def test_the_kinds_a_sweep_starts_first_are_the_head_of_the_destroy_order() -> None:
    """`Teardown.run_leading` runs the plan's head while its kinds are these: the disable,
    the endpoint's autoscaling and the endpoint, and no kind that must wait for another."""
    leading = leading_kinds(registered())
    assert leading == {"cdn_disabled", "scaling", "endpoint"}
    assert set(destroy_order(registered())[: len(leading)]) == leading
    # without a billed or early kind it is the create order reversed, as before
    unbilled = [replace(r, billed=(), early=()) for r in registered()]
    assert destroy_order(unbilled) == list(reversed(kind_order(registered())))
