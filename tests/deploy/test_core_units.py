"""Pure parts without any server: naming, Lambda zip, site files, planner, render."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy import planner, render
from deploy.config import SiteCacheConfig, parse_config
from deploy.desired import Inputs, build
from deploy.lambda_zip import build_zip
from deploy.naming import Names, content_hash, ecr_repository_arn_of
from deploy.sitesync import cache_control, config_js, content_type, upload_order
from deploy.state import Observed, World

N = Names("trends-anomaly", "123456789012", "us-east-1")
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:x"


# --- naming ----------------------------------------------------------------------------------
def test_names_follow_the_team_contract() -> None:
    assert N.ecr_repository == "trends-anomaly"
    assert N.bucket == "trends-anomaly-site-123456789012-us-east-1"
    assert N.scaling_resource_id == "endpoint/trends-anomaly/variant/main"
    assert N.role_arn(N.lambda_role) == "arn:aws:iam::123456789012:role/trends-anomaly/" + (
        "trends-anomaly-lambda"
    )
    assert N.model("0123abcd") == "trends-anomaly-m-0123abcd"
    assert N.model_pattern.match("trends-anomaly-m-0123abcd")
    assert not N.model_pattern.match("trends-anomaly-extra-m-0123abcd")
    assert Names("p-x", "1", "eu-central-1").site_url.endswith(
        "s3-website.eu-central-1.amazonaws.com"
    )


def test_content_hash_is_order_independent_and_sensitive() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert len(content_hash({})) == 8


def test_ecr_arn_of_image_uri() -> None:
    assert ecr_repository_arn_of(IMG) == (
        "arn:aws:ecr:us-east-1:123456789012:repository/trends-anomaly"
    )
    assert ecr_repository_arn_of("public.ecr.aws/x/y:1") is None


# --- Lambda zip ------------------------------------------------------------------------------
def test_zip_is_deterministic_across_mtimes_and_modes(tmp_path: Path) -> None:
    src = tmp_path / "lambda"
    src.mkdir()
    (src / "b.py").write_text("B = 1\n")
    (src / "a.py").write_text("A = 1\n")
    (src / "notes.txt").write_text("not packaged\n")
    first = build_zip(src)
    os.utime(src / "a.py", (1e9, 1e9))
    os.chmod(src / "b.py", 0o755)
    second = build_zip(src)
    assert first.data == second.data and first.sha256_b64 == second.sha256_b64
    with zipfile.ZipFile(__import__("io").BytesIO(first.data)) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["a.py", "b.py"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
    (src / "a.py").write_text("A = 2\n")
    assert build_zip(src).sha256_b64 != first.sha256_b64


def test_zip_without_sources_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no \*\.py"):
        build_zip(tmp_path)


# --- site files ------------------------------------------------------------------------------
def test_content_types_and_cache_policies() -> None:
    cache = SiteCacheConfig()
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("assets/app-5QZ3YVJK.js") == "text/javascript; charset=utf-8"
    assert content_type("x.unknownext") == "application/octet-stream"
    assert cache_control("index.html", "text/html; charset=utf-8", cache) == "no-cache"
    assert cache_control("config.js", "text/javascript", cache) == "no-cache"
    assert "immutable" in cache_control("assets/app-5QZ3YVJK.js", "text/javascript", cache)
    assert "immutable" in cache_control("main.3f2a9c1d.css", "text/css", cache)
    # esbuild hashes may hold no digit at all; everything the build puts in assets/ is hashed
    assert "immutable" in cache_control("assets/main-QZYVJKAB.js", "text/javascript", cache)
    assert cache_control("favicon.svg", "image/svg+xml", cache) == "public, max-age=300"
    assert cache_control("app.js", "text/javascript", cache) == "public, max-age=300"


def test_upload_order_puts_html_last() -> None:
    assert upload_order(["index.html", "config.js", "a.css", "about.html", "z.js"]) == [
        "a.css",
        "z.js",
        "config.js",
        "about.html",
        "index.html",
    ]


def test_config_js_shape() -> None:
    assert config_js("https://abc.execute-api.us-east-1.amazonaws.com") == (
        b'window.TRENDS_CONFIG = {"apiUrl": "https://abc.execute-api.us-east-1.amazonaws.com"};\n'
    )


# --- planner ---------------------------------------------------------------------------------
def _inputs(tmp_path: Path) -> Inputs:
    src = tmp_path / "lambda"
    src.mkdir(exist_ok=True)
    (src / "handler.py").write_text("x = 1\n")
    return Inputs(N, IMG, False, build_zip(src), ())


def _world_matching(resources, status: str = "InService") -> World:
    """What AWS would report after a perfect apply of `resources`."""
    w = World(N.account, N.region)
    for r in resources:
        meta: dict = {}
        if r.type == "endpoint":
            meta = {"status": status}
        if r.type == "endpoint_config":
            meta = {"model": r.props["variant"]["model"], "created": "2026-01-02"}
        w.resources[r.key] = Observed(
            r.type, r.name, dict(r.props), dict(r.tags) if r.tags else r.tags, meta
        )
    return w


def _desired(tmp_path: Path, **overrides):
    cfg = parse_config(overrides)
    return cfg, build(cfg, _inputs(tmp_path), {"api_id": "abc", "integration_id": "int1"})


def _changed(actions):
    return [(a.op, a.type) for a in actions if a.op != "noop"]


def test_everything_matching_gives_only_noops(tmp_path: Path) -> None:
    _, res = _desired(tmp_path)
    actions = planner.plan(res, _world_matching(res))
    assert _changed(actions) == []
    assert not planner.has_changes(actions)
    assert len(actions) == len(res)


def test_empty_world_creates_in_dependency_order(tmp_path: Path) -> None:
    _, res = _desired(tmp_path)
    actions = planner.plan(res, World(N.account, N.region))
    types = [a.type for a in actions]
    assert all(a.op == "create" for a in actions)
    for before, after in [
        ("iam_role", "sagemaker_model"),
        ("sagemaker_model", "endpoint_config"),
        ("endpoint_config", "endpoint"),
        ("lambda_function", "api_integration"),
        ("http_api", "lambda_permission"),
        ("s3_bucket", "site_object"),
    ]:
        assert types.index(before) < types.index(after)


def _add_older_generation(world) -> None:
    """An endpoint config and model from before the current ones (what rollback keeps)."""
    world.resources[("endpoint_config", "trends-anomaly-c-00000000")] = Observed(
        "endpoint_config",
        "trends-anomaly-c-00000000",
        {},
        None,
        {"model": "trends-anomaly-m-00000000", "created": "2025-01-01"},
    )
    world.resources[("sagemaker_model", "trends-anomaly-m-00000000")] = Observed(
        "sagemaker_model", "trends-anomaly-m-00000000", {}
    )


def test_instance_type_change_creates_config_and_updates_endpoint_then_cleans(
    tmp_path: Path,
) -> None:
    _, old = _desired(tmp_path)
    world = _world_matching(old)
    _add_older_generation(world)  # the one to delete; the current one is kept
    _, new = _desired(tmp_path, endpoint={"instance_type": "ml.c5.xlarge"})
    actions = planner.plan(new, world)
    assert _changed(actions) == [
        ("create", "endpoint_config"),
        ("update", "endpoint"),
        ("delete", "endpoint_config"),
        ("delete", "sagemaker_model"),
    ]
    deleted = [a.name for a in actions if a.op == "delete"]
    assert deleted == ["trends-anomaly-c-00000000", "trends-anomaly-m-00000000"]
    ep = next(a for a in actions if a.type == "endpoint")
    assert "switch endpoint from" in ep.reason


def test_no_change_keeps_the_previous_generation(tmp_path: Path) -> None:
    _, res = _desired(tmp_path)
    world = _world_matching(res)
    _add_older_generation(world)
    assert _changed(planner.plan(res, world)) == []


@pytest.mark.parametrize(
    ("status", "op"), [("Updating", "wait"), ("Creating", "wait"), ("Failed", "replace")]
)
def test_endpoint_status_drives_the_action(tmp_path: Path, status: str, op: str) -> None:
    _, res = _desired(tmp_path)
    actions = planner.plan(res, _world_matching(res, status))
    assert _changed(actions) == [(op, "endpoint")]


def test_autoscaling_is_deregistered_before_and_registered_after_update(tmp_path: Path) -> None:
    auto = {"instance_count": 1, "autoscaling": {"max_capacity": 4}}
    _, old = _desired(tmp_path, endpoint=auto)
    _, new = _desired(tmp_path, endpoint={**auto, "instance_type": "ml.c5.xlarge"})
    assert _changed(planner.plan(new, _world_matching(old))) == [
        ("create", "endpoint_config"),
        ("delete", "scaling"),
        ("update", "endpoint"),
        ("create", "scaling"),
    ]
    # Autoscaling removed from config: deregistered, endpoint untouched.
    _, plain = _desired(tmp_path)
    assert _changed(planner.plan(plain, _world_matching(old))) == [("delete", "scaling")]


def test_cors_change_reports_the_field(tmp_path: Path) -> None:
    _, old = _desired(tmp_path)
    _, new = _desired(tmp_path, api={"cors_origins": ["https://example.org"]})
    (a,) = [a for a in planner.plan(new, _world_matching(old)) if a.op != "noop"]
    assert (a.op, a.type, [c.field for c in a.changes]) == ("update", "http_api", ["cors"])
    assert "https://example.org" in a.changes[0].after["allow_origins"]
    assert N.site_url in a.changes[0].after["allow_origins"]  # the site's own origin, always


def test_tag_drift_is_an_update(tmp_path: Path) -> None:
    _, res = _desired(tmp_path)
    world = _world_matching(res)
    key = ("lambda_function", "trends-anomaly-detect")
    o = world.resources[key]
    world.resources[key] = Observed(o.type, o.name, o.props, {"project": "trends-anomaly"})
    (a,) = [a for a in planner.plan(res, world) if a.op != "noop"]
    assert (a.op, [c.field for c in a.changes]) == ("update", ["tags"])


def test_destroy_plan_orders_dependents_first(tmp_path: Path) -> None:
    _, res = _desired(tmp_path, endpoint={"autoscaling": {}})
    world = _world_matching(res)
    world.resources[("http_api", "trends-anomaly")] = Observed(
        "http_api", "trends-anomaly", {}, None, {"api_id": "abc"}
    )
    types = [a.type for a in planner.destroy_plan(world)]
    assert types[0] == "scaling"
    for before, after in [
        ("http_api", "lambda_function"),
        ("endpoint", "endpoint_config"),
        ("endpoint_config", "sagemaker_model"),
        ("site_object", "s3_bucket"),
        ("lambda_function", "iam_role"),
        ("sagemaker_model", "iam_role"),
    ]:
        assert types.index(before) < types.index(after)
    assert "api_route" not in types  # goes with its API


# --- render ----------------------------------------------------------------------------------
def test_render_text_markdown_json(tmp_path: Path) -> None:
    _, old = _desired(tmp_path)
    _, new = _desired(tmp_path, endpoint={"instance_type": "ml.c5.xlarge"})
    actions = planner.plan(new, _world_matching(old))
    text = render.text(actions, "Project trends-anomaly:")
    assert "+ create  endpoint_config" in text and "~ update  endpoint" in text
    assert "Plan: 1 to create, 1 to update;" in text
    md = render.markdown(actions)
    assert md.startswith("### Deploy plan") and "| ~ | update | endpoint |" in md
    doc = json.loads(render.as_json(actions, {"project": "p"}))
    assert doc["changes"] is True and doc["counts"]["create"] == 1 and doc["project"] == "p"
    assert {a["op"] for a in doc["actions"]} == {"create", "update", "noop"}
    same = planner.plan(old, _world_matching(old))
    assert render.summary_line(same).startswith("No changes")
    assert json.loads(render.as_json(same))["changes"] is False


# --- retries ---------------------------------------------------------------------------------
def _client_error(code: str, message: str):
    import botocore.exceptions

    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}}, "CreateFunction"
    )


def test_retry_waits_out_iam_propagation_with_backoff() -> None:
    from deploy.aws import iam_propagation, retry

    now = [0.0]
    sleeps: list[float] = []
    attempts = iter(
        [
            _client_error(
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            )
        ]
        * 3
    )

    def call() -> str:
        err = next(attempts, None)
        if err:
            raise err
        return "created"

    def sleep(s: float) -> None:
        sleeps.append(s)
        now[0] += s

    assert (
        retry(call, retryable=iam_propagation, what="x", sleep=sleep, clock=lambda: now[0])
        == "created"
    )
    assert sleeps == [1.0, 2.0, 4.0]


def test_retry_gives_up_on_other_errors_and_after_the_timeout() -> None:
    from deploy.aws import iam_propagation, retry

    bad = _client_error("ValidationException", "memory must be at least 128")
    with pytest.raises(Exception, match="memory"):
        retry(
            lambda: (_ for _ in ()).throw(bad),
            retryable=iam_propagation,
            what="x",
            sleep=lambda s: None,
        )
    now = [0.0]
    slow = _client_error("InvalidParameterValueException", "cannot be assumed")

    def sleep(s: float) -> None:
        now[0] += s

    with pytest.raises(Exception, match="cannot be assumed"):
        retry(
            lambda: (_ for _ in ()).throw(slow),
            retryable=iam_propagation,
            what="x",
            sleep=sleep,
            clock=lambda: now[0],
            timeout_s=30,
        )
    assert now[0] <= 30


# --- property: plan(desired, what a perfect apply left) is empty, for any valid config -------

_configs = st.fixed_dictionaries(
    {
        "endpoint": st.one_of(
            st.fixed_dictionaries(
                {
                    "instance_type": st.sampled_from(
                        ["ml.m5.large", "ml.c5.xlarge", "ml.g5.2xlarge"]
                    ),
                    "instance_count": st.integers(1, 3),
                }
            ),
            st.fixed_dictionaries(
                {
                    "serverless": st.fixed_dictionaries(
                        {
                            "memory_mb": st.sampled_from([1024, 2048, 6144]),
                            "max_concurrency": st.integers(1, 200),
                        }
                    )
                }
            ),
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
                    {"rate": st.floats(1, 100), "burst": st.integers(1, 500)}
                ),
            }
        ),
        "tags": st.dictionaries(
            st.sampled_from(["team", "cost-center"]),
            st.text("abc123", min_size=1, max_size=5),
            max_size=2,
        ),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_configs)
def test_any_config_converges_in_one_plan(tmp_path: Path, data: dict) -> None:
    _, res = _desired(tmp_path, **data)
    assert not planner.has_changes(planner.plan(res, _world_matching(res)))
    fresh = planner.plan(res, World(N.account, N.region))
    assert {a.op for a in fresh} == {"create"} and len(fresh) == len(res)
    # Names are content hashes: the same config always gives the same names.
    _, again = _desired(tmp_path, **data)
    assert [r.key for r in res] == [r.key for r in again]
