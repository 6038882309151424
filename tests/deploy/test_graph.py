"""One order of kinds from declared dependencies."""

from __future__ import annotations

import pytest

from deploy.graph import CycleError, topological_order
from deploy.planner import kind_order
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
