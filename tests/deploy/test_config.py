"""config.yaml validation: defaults, the shipped file, and errors that name key and limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.config import Config, ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]


def _err(data: dict) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    return str(err.value)


def test_shipped_config_is_valid_and_short() -> None:
    cfg = load_config(REPO / "config.yaml")
    assert cfg.project == "trends-anomaly"
    assert isinstance(cfg.api.cors_origins, list)
    assert len((REPO / "config.yaml").read_text().splitlines()) <= 30


def test_empty_file_gets_sensible_defaults() -> None:
    cfg = parse_config(None)
    assert cfg == Config()
    assert cfg.endpoint.instance_type == "ml.m5.large" and cfg.endpoint.serverless is None
    assert cfg.api.lambda_.timeout_s == 29
    assert cfg.all_tags == {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        ({"api": {"lambda": {"timeout_s": 30}}}, "api.lambda.timeout_s", "at most 29"),
        ({"api": {"lambda": {"timeout_s": 900}}}, "api.lambda.timeout_s", "HTTP API"),
        (
            {"endpoint": {"serverless": {"memory_mb": 1500}}},
            "endpoint.serverless.memory_mb",
            "1024 MB steps",
        ),
        (
            {"endpoint": {"serverless": {"memory_mb": 7168}}},
            "endpoint.serverless.memory_mb",
            "6144",
        ),
        (
            {"endpoint": {"serverless": {"max_concurrency": 201}}},
            "endpoint.serverless.max_concurrency",
            "200",
        ),
        (
            {"endpoint": {"serverless": {"max_concurrency": 0}}},
            "endpoint.serverless.max_concurrency",
            "1",
        ),
        ({"endpoint": {"instance_typ": "ml.m5.large"}}, "endpoint.instance_typ", "unknown key"),
        ({"endpoint": {"instance_type": "m5.large"}}, "endpoint.instance_type", "ml.m5.large"),
        ({"project": "Trends"}, "project", "^[a-z][a-z0-9-]{2,30}$"),
        ({"region": "mars"}, "region", "us-east-1"),
        ({"api": {"cors_origins": ["https://x.org/"]}}, "api.cors_origins", "no path"),
        ({"tags": {"project": "x"}}, "tags", "reserved"),
        ({"tags": {"team": " data"}}, "tags", "no spaces at the start or end"),
        ({"api": {"throttling": {"burst": 0}}}, "api.throttling.burst", "greater than"),
    ],
)
def test_errors_name_the_key_and_what_is_allowed(data: dict, key: str, words: str) -> None:
    msg = _err(data)
    assert f"{key}:" in msg, msg
    assert words in msg, msg


def test_cross_hop_payload_limit_depends_on_endpoint_kind() -> None:
    parse_config({"api": {"max_payload_mb": 6}})  # real-time: 6 MB each hop
    assert parse_config({}).max_payload_bytes == 6 * 1024 * 1024
    assert parse_config({"endpoint": {"serverless": {}}}).max_payload_bytes == 4 * 1024 * 1024
    assert parse_config({"api": {"max_payload_mb": 1}}).max_payload_bytes == 1024 * 1024
    msg = _err({"endpoint": {"serverless": {}}, "api": {"max_payload_mb": 5}})
    assert "api.max_payload_mb" in msg and "serverless endpoint 4" in msg
    assert "Lambda 6" in _err({"api": {"max_payload_mb": 8}})


def test_serverless_excludes_autoscaling_and_canary() -> None:
    msg = _err({"endpoint": {"serverless": {}, "autoscaling": {}}})
    assert "endpoint" in msg and "remove endpoint.autoscaling" in msg
    msg = _err(
        {
            "endpoint": {
                "serverless": {},
                "deployment": {"strategy": "canary", "rollback_alarms": ["a"]},
            }
        }
    )
    assert "canary" in msg and "instances" in msg


def test_canary_needs_a_rollback_alarm() -> None:
    msg = _err({"endpoint": {"deployment": {"strategy": "canary"}}})
    assert "endpoint.deployment:" in msg and "rollback_alarms" in msg
    parse_config({"endpoint": {"deployment": {"strategy": "canary", "rollback_alarms": ["a"]}}})


def test_autoscaling_bounds() -> None:
    assert "min_capacity (3) must be <= max_capacity (2)" in _err(
        {"endpoint": {"autoscaling": {"min_capacity": 3, "max_capacity": 2}}}
    )
    assert "must lie within" in _err(
        {"endpoint": {"instance_count": 5, "autoscaling": {"max_capacity": 3}}}
    )


def test_every_problem_is_listed_at_once() -> None:
    msg = _err({"project": "X", "api": {"lambda": {"timeout_s": 60}}, "bogus": 1})
    assert "3 problem(s)" in msg
    assert "bogus: unknown key" in msg


def test_file_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("project: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(bad)
