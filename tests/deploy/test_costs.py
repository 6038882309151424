"""costs: plan's warning when a change multiplies what the endpoint costs while it exists."""

from __future__ import annotations

from deploy import costs
from deploy.config import parse_config, parse_config_file
from deploy.costs import Fleet
from deploy.world import World


def test_more_instances_of_one_type_warn_with_the_factor() -> None:
    said = costs.warning(Fleet("ml.m5.large", 1), Fleet("ml.m5.large", 4))
    assert said is not None
    assert "1 × ml.m5.large to 4 × ml.m5.large" in said and "about 4× its hourly bill" in said
    assert "idle or not" in said and costs.PRICING in said


def test_a_bigger_size_counts_as_its_price_doubles_per_step() -> None:
    said = costs.warning(Fleet("ml.m5.large", 1), Fleet("ml.m5.2xlarge", 1))
    assert said is not None and "about 4×" in said
    assert costs.size_units("ml.m5.12xlarge") == 24 and costs.size_units("ml.t2.medium") == 0.5


def test_small_or_cheaper_changes_say_nothing() -> None:
    assert costs.warning(Fleet("ml.m5.large", 1), Fleet("ml.m5.large", 2)) is None  # 2×
    assert costs.warning(Fleet("ml.m5.large", 1), Fleet("ml.m5.xlarge", 1)) is None  # 2×
    assert costs.warning(Fleet("ml.m5.xlarge", 4), Fleet("ml.m5.large", 1)) is None
    assert costs.warning(Fleet("ml.m5.large", 1), Fleet("ml.c5.xlarge", 1)) is None
    assert costs.warning(Fleet("ml.m5.large", 4), Fleet(None, 0)) is None  # to serverless
    assert costs.warning(None, Fleet("ml.m5.large", 1)) is None  # first deploy: docs/deploy.md


def test_an_accelerated_type_is_named_whenever_the_plan_starts_one() -> None:
    for before in (None, Fleet("ml.m5.large", 1), Fleet(None, 0)):
        said = costs.warning(before, Fleet("ml.g5.xlarge", 1))
        assert said is not None and "ml.g5.xlarge is an accelerated" in said, before
    assert costs.warning(Fleet("ml.g5.xlarge", 1), Fleet("ml.g5.xlarge", 1)) is None
    for t in ("ml.p4d.24xlarge", "ml.inf2.xlarge", "ml.trn1.2xlarge", "ml.g4dn.xlarge"):
        assert costs.accelerated(t), t
    assert not costs.accelerated("ml.m5.large") and not costs.accelerated("ml.c6g.large")


def test_serverless_to_instances_says_idle_hours_are_billed() -> None:
    said = costs.warning(Fleet(None, 0), Fleet("ml.m5.large", 1))
    assert said is not None and "from serverless (nothing while idle)" in said


def test_another_cpu_family_bigger_is_named_without_a_factor() -> None:
    said = costs.warning(Fleet("ml.m5.large", 1), Fleet("ml.r5.4xlarge", 1))
    assert said is not None and "another instance family" in said and "about" not in said


def test_what_the_config_asks_autoscaling_counts_its_maximum() -> None:
    cfg = parse_config({"endpoint": {"instance_count": 1, "autoscaling": {"max_capacity": 6}}})
    assert costs.wanted(cfg) == Fleet("ml.m5.large", 6)
    assert costs.wanted(parse_config({"endpoint": {"serverless": {}}})) == Fleet(None, 0)


INSTANCE_PREVIEWS = {"preview": {"endpoint": {"serverless": None, "instance_type": "ml.m5.large"}}}


def _empty_world() -> World:
    return World(account="123456789012", region="us-east-1")


def test_an_instance_backed_preview_is_warned_on_every_plan_pointing_at_serverless() -> None:
    """Billed every hour its pull request stays open, mostly idle: said on its first deploy
    too (where a stack's first instances say nothing) and on every plan after."""
    cfg = parse_config_file(INSTANCE_PREVIEWS).select("pr-7")
    said = costs.plan_warning(cfg, _empty_world())
    assert said is not None
    assert said.startswith("preview pr-7 runs an instance endpoint: 1 × ml.m5.large, billed")
    assert "idle or not" in said and "preview.max_idle_days" in said
    assert "remove `serverless: null` from preview.endpoint" in said and costs.PRICING in said
    gpu = parse_config_file(
        {"preview": {"endpoint": {"serverless": None, "instance_type": "ml.g5.xlarge"}}}
    ).select("pr-7")
    assert "ml.g5.xlarge is an accelerated" in (costs.plan_warning(gpu, _empty_world()) or "")


def test_serverless_previews_and_other_stacks_first_instances_say_nothing() -> None:
    file = parse_config_file(
        {
            "environments": {"production": {"endpoint": {"instance_count": 1}}},
            "preview": {},
        }
    )
    assert costs.plan_warning(file.select("pr-7"), _empty_world()) is None  # the default
    assert costs.plan_warning(file.select("production"), _empty_world()) is None
    assert costs.preview_warning("production", Fleet("ml.m5.large", 1)) is None
