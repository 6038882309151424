"""Any valid config converges: apply it on the moto server, observe, plan: nothing left to do.

This replaces a property test that built the observed world from the desired one (so it could
not fail). Here AWS's answers (through moto) are what `observe` normalizes, so a field that
AWS reports differently from how the engine asks for it (a float rate, header case, tag
order, an environment the service rewrites) shows up as a plan that never settles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from deploy import render
from tests.deploy.deploy_helpers import engine, reset_account, shared_aws


def _canary_fits(endpoint: dict) -> bool:
    """Config validation refuses a canary on fewer than 2 instances (at any moment)."""
    smallest = endpoint.get("autoscaling", {}).get("min_capacity", endpoint["instance_count"])
    return "deployment" not in endpoint or min(smallest, endpoint["instance_count"]) >= 2


_instances = (
    st.integers(1, 3)
    .flatmap(
        lambda count: st.fixed_dictionaries(
            {
                # Instance types moto 5.2.5 knows (it validates against its own, older list).
                "instance_type": st.sampled_from(["ml.m5.large", "ml.c5.xlarge", "ml.g4dn.xlarge"]),
                "instance_count": st.just(count),
            },
            optional={
                "autoscaling": st.fixed_dictionaries(
                    {
                        "min_capacity": st.integers(1, count),
                        "max_capacity": st.integers(count, 6),
                        "target_invocations_per_instance": st.sampled_from([50, 100.5, 2000]),
                        "scale_in_cooldown_s": st.integers(0, 3600),
                    }
                ),
                "deployment": st.just({"strategy": "canary", "rollback_alarms": ["p-5xx"]}),
            },
        )
    )
    .filter(_canary_fits)
)
_serverless = st.fixed_dictionaries(
    {
        "serverless": st.fixed_dictionaries(
            {
                "memory_mb": st.sampled_from([1024, 2048, 6144]),
                "max_concurrency": st.integers(1, 200),
            }
        )
    }
)
_env = st.dictionaries(
    st.sampled_from(["SAGEMAKER_MODEL_SERVER_WORKERS", "LOG_LEVEL", "A_B"]),
    st.text("ab12 -", min_size=1, max_size=6),
    max_size=2,
)
CONFIGS = st.fixed_dictionaries(
    {
        "endpoint": st.tuples(st.one_of(_instances, _serverless), _env).map(
            lambda p: {**p[0], "environment": p[1]}
        ),
        "api": st.fixed_dictionaries(
            {
                "cors_origins": st.lists(
                    st.sampled_from(
                        ["http://localhost:8000", "https://a.example", "https://b.example:8443"]
                    ),
                    unique=True,
                ),
                "throttling": st.fixed_dictionaries(
                    {"rate": st.sampled_from([1, 2.5, 10, 99.9]), "burst": st.integers(1, 500)}
                ),
                "lambda": st.fixed_dictionaries(
                    {
                        "memory_mb": st.sampled_from([128, 256, 1769, 10240]),
                        "timeout_s": st.integers(5, 29),
                        "runtime": st.sampled_from(["python3.11", "python3.12", "python3.13"]),
                    }
                ),
            }
        ),
        "tags": st.dictionaries(
            st.sampled_from(["team", "cost-center", "Owner"]),
            st.text("abc123 ./", min_size=1, max_size=5).map(str.strip).filter(bool),
            max_size=2,
        ),
        "log_retention_days": st.sampled_from([1, 14, 365]),
        "site": st.fixed_dictionaries(
            {"cache": st.fixed_dictionaries({"other": st.sampled_from(["no-store", "max-age=60"])})}
        ),
    }
)


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    database=None,
    # No shrinking: each example is a full apply (seconds); the failing config is printed as is.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=CONFIGS)
def test_any_config_converges_after_one_apply(
    project: Path, aws_env: str, data: dict[str, Any]
) -> None:
    reset_account(aws_env)
    (project / "config.yaml").write_text(yaml.safe_dump({"project": "trends-anomaly", **data}))
    # Every engine on the same clients (no call log is read): 30 engines' dozen clients each
    # were ~5% of the test's CPU, and a client holds nothing of a deploy.
    aws = shared_aws()
    engine(project, aws=aws).apply()
    planned = engine(project, aws=aws).plan()
    assert not planned.changes, render.text(planned.actions)
    # Names are content hashes: the same config gives the same plan, again.
    again = engine(project, aws=aws).plan()
    assert [(a.kind, a.name) for a in again.actions] == [(a.kind, a.name) for a in planned.actions]
