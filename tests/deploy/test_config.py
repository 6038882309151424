"""config.yaml validation: defaults, the shipped file, and errors that name key and limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.config import (
    Config,
    ConfigError,
    load_config,
    load_config_file,
    parse_config,
    parse_config_file,
)

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
        ({"api": {"lambda": {"timeout_s": 30}}}, "api.lambda.timeout_s", "allowed 1–29"),
        ({"api": {"lambda": {"timeout_s": 30}}}, "api.lambda.timeout_s", "cannot be raised"),
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
        ({"project": "Trends"}, "project", "^[a-z][a-z0-9-]{2,62}$"),
        ({"region": "mars"}, "region", "us-east-1"),
        ({"api": {"cors_origins": ["https://x.org/"]}}, "api.cors_origins", "no path"),
        ({"tags": {"project": "x"}}, "tags", "reserved"),
        ({"tags": {"team": " data"}}, "tags", "no spaces at the start or end"),
        ({"api": {"throttling": {"burst": 0}}}, "api.throttling.burst", "got 0; allowed 1–5000"),
    ],
)
def test_errors_name_the_key_and_what_is_allowed(data: dict, key: str, words: str) -> None:
    msg = _err(data)
    assert f"{key}:" in msg, msg
    assert words in msg, msg


def test_cross_hop_payload_limit_depends_on_endpoint_kind() -> None:
    # Real-time endpoints take 6 MB, serverless 4, but a body fits in Lambda's 6 MB event only
    # up to 4 MB (base64-encoded or JSON-escaped): 4 MB for both.
    parse_config({"api": {"max_payload_mb": 4}})
    assert parse_config({}).max_payload_bytes == 4 * 1024 * 1024
    assert parse_config({"endpoint": {"serverless": {}}}).max_payload_bytes == 4 * 1024 * 1024
    assert parse_config({"api": {"max_payload_mb": 1}}).max_payload_bytes == 1024 * 1024
    msg = _err({"endpoint": {"serverless": {}}, "api": {"max_payload_mb": 5}})
    assert "api.max_payload_mb" in msg and "serverless endpoint 4" in msg
    msg = _err({"api": {"max_payload_mb": 6}})
    assert "Lambda 4 in its 6 MB event" in msg and "real-time endpoint 6" in msg


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


def test_instance_keys_where_the_endpoint_is_serverless_are_refused_not_ignored() -> None:
    """A serverless block replaces instances, so instance keys beside it (or under an inherited
    one) would be dropped without a word: production would run serverless."""
    msg = _err({"endpoint": {"serverless": {}, "instance_count": 2}})
    assert (
        "endpoint: sets instance_count beside serverless, which replaces instances "
        "(instance_count would be ignored): remove instance_count for a serverless endpoint, "
        "or serverless for instances"
    ) in msg
    msg = _err(
        {
            "endpoint": {"serverless": {}},
            "environments": {"production": {"endpoint": {"instance_type": "ml.c5.large"}}},
        }
    )
    assert (
        "environments.production.endpoint: sets instance_type, but the endpoint is serverless "
        "(inherited from the top level), which replaces instances: add `serverless: null` under "
        "environments.production.endpoint to run instances, or remove instance_type"
    ) in msg
    msg = _err({"preview": {"endpoint": {"instance_type": "ml.c5.large", "instance_count": 1}}})
    assert (
        "preview.endpoint: sets instance_type and instance_count, but the endpoint is serverless "
        "(inherited from the previews' default (serverless))"
    ) in msg
    # docs/environments.md's shape: instances at the top level, serverless replacing them in one
    # environment, instances again (no serverless inherited) in another; `serverless: null`.
    file = parse_config_file(
        {
            "endpoint": {"instance_type": "ml.m5.large", "instance_count": 1},
            "environments": {
                "staging": {"endpoint": {"serverless": {"memory_mb": 2048}}},
                "production": {"endpoint": {"instance_count": 2}},
            },
            "preview": {"endpoint": {"serverless": None, "instance_type": "ml.c5.large"}},
        }
    )
    assert file.environments["staging"].endpoint.serverless is not None
    assert file.environments["production"].endpoint.instance_count == 2
    assert file.preview("pr-3").endpoint.instance_type == "ml.c5.large"


def test_canary_needs_a_rollback_alarm() -> None:
    msg = _err({"endpoint": {"deployment": {"strategy": "canary"}}})
    assert "endpoint.deployment:" in msg and "rollback_alarms" in msg
    parse_config(
        {
            "endpoint": {
                "instance_count": 2,
                "deployment": {"strategy": "canary", "rollback_alarms": ["a"]},
            }
        }
    )


CANARY = {"strategy": "canary", "rollback_alarms": ["a"]}


@pytest.mark.parametrize(
    ("endpoint", "key"),
    [
        ({"deployment": CANARY}, "instance_count is 1"),
        (
            {
                "instance_count": 2,
                "autoscaling": {"min_capacity": 1, "max_capacity": 4},
                "deployment": CANARY,
            },
            "autoscaling.min_capacity is 1",
        ),
    ],
)
def test_a_canary_needs_two_instances_at_every_moment(endpoint: dict, key: str) -> None:
    msg = _err({"endpoint": endpoint})
    assert "endpoint.deployment.strategy: 'canary' needs at least 2 instances" in msg, msg
    assert key in msg and "at most 50 % of the fleet" in msg, msg


def test_a_canary_rollout_must_fit_in_the_endpoint_wait() -> None:
    msg = _err(
        {
            "endpoint": {
                "instance_count": 2,
                "wait_timeout_s": 1800,
                "deployment": {**CANARY, "canary_wait_s": 1200, "bake_s": 600},
            }
        }
    )
    assert "endpoint.wait_timeout_s: 1800 s is shorter than a canary rollout" in msg, msg
    assert "at least 2400" in msg


@pytest.mark.parametrize(
    ("project", "region", "rule"),
    [
        # 31 characters in a long region: a 64-character bucket name (S3 allows 63).
        ("a" * 31, "ap-southeast-2", "S3 allows 3-63 characters"),
        ("abc-", "us-east-1", "ECR repository name would be 'abc-'"),
        ("abc-", "us-east-1", "SageMaker endpoint name"),
        ("a" * 60, "us-east-1", "1-64 characters allowed"),  # IAM role and Lambda names
    ],
)
def test_every_name_is_checked_against_its_services_rule(project, region, rule) -> None:
    msg = _err({"project": project, "region": region})
    assert "project:" in msg and rule in msg, msg
    assert "Choose another project name" in msg


def test_a_bucket_name_too_long_is_shown_with_the_account_as_a_place_not_a_number() -> None:
    """Before any AWS call the account is not known: the check counts 12 digits, and the name
    it quoted held a made-up account ('...-site-111111111111-ap-southeast-2'), which an
    operator could take for a wrong account."""
    msg = _err({"project": "a" * 31, "region": "ap-southeast-2"})
    assert "111111111111" not in msg, msg
    assert f"'{'a' * 31}-site-<account-id>-ap-southeast-2' (64 characters" in msg, msg
    assert "<account-id>: your 12-digit AWS account id" in msg, msg


@pytest.mark.parametrize(("project", "owner"), [("app-pr-x", "app"), ("app-pr", "app"),
                                              ("my-app-pr-7", "my-app")])  # fmt: skip
def test_a_project_named_like_another_projects_previews_is_refused(project, owner) -> None:
    """Project ``app``'s preview and plan roles are granted every ``app-pr-*`` name (an IAM
    glob cannot say "a pull-request number"): a project ``app-pr-x`` (``app-pr-x-detect``)
    or ``app-pr`` (``app-pr-detect``) in the same account would be theirs to change."""
    msg = _err({"project": project})
    assert "project:" in msg and f"project {owner!r}" in msg and "`-pr-`" in msg, msg
    assert f"{owner}-pr-*" in msg, msg
    # A project already deployed under such a name is told how to remove its stack: this
    # code refuses the name for every command, destroy included.
    assert "destroy it first with the code from before this rule" in msg, msg


@pytest.mark.parametrize(("env", "other"), [("staging-pr-7", "staging"), ("x-pr", "x"),
                                          ("eu-west-pr-x", "eu-west")])  # fmt: skip
def test_an_environment_named_like_another_projects_previews_is_refused(env, other) -> None:
    """Project ``app``'s environment ``staging-pr-7`` is ``app-staging-pr-7``: project
    ``app-staging``'s preview 7, which that project's preview role may change
    (``app-staging-pr-*``) and its sweep removes once pull request 7 is closed."""
    msg = _err({"project": "app", "environments": {env: {}}})
    assert f"environments.{env}:" in msg and "`-pr-`" in msg, msg
    assert f"`{{project}}-{other}-pr-*`" in msg, msg
    assert "destroy it first with the code from before this rule" in msg, msg


@pytest.mark.parametrize("env", ["prod", "eu-prod", "apr", "x-prx", "pre-prod"])
def test_pr_elsewhere_in_an_environment_name_is_fine(env) -> None:
    file = parse_config_file({"project": "app", "environments": {env: {}}})
    assert list(file.environments) == [env]


@pytest.mark.parametrize("project", ["app-prod", "apr-x", "app-p-r", "pr-app", "app-prx-1"])
def test_pr_elsewhere_in_a_project_name_is_fine(project) -> None:
    assert parse_config({"project": project}).project == project


def test_double_dashes_are_what_the_services_accept() -> None:
    # SageMaker, ECR and S3 names accept runs of dashes (botocore's service models).
    assert parse_config({"project": "a--b"}).project == "a--b"
    assert parse_config({"project": "a" * 30, "region": "us-east-1"})


@pytest.mark.parametrize(
    ("region", "words"),
    [
        ("us-gov-west-1", "aws-us-gov partition"),
        ("cn-north-1", "ICP-registered domain"),
        ("mars-1", "must be an AWS region"),
    ],
)
def test_regions_outside_the_aws_partition_are_refused_with_why(region, words) -> None:
    msg = _err({"region": region})
    assert "region:" in msg and words in msg, msg


def test_waits_are_capped_at_what_a_deploy_job_holds() -> None:
    from deploy import budget

    # The field's own limit (2 h) is below what the job could hold: an apply that waits for
    # the endpoint twice, plus every other bounded wait, fits in the deploy job.
    most = 7200
    assert most <= budget.longest_endpoint_wait_s()
    assert (
        budget.apply_wait_bound(most) <= budget.DEPLOY_JOB_TIMEOUT_S - budget.DEPLOY_JOB_OVERHEAD_S
    )
    parse_config({"endpoint": {"wait_timeout_s": most}})
    msg = _err({"endpoint": {"wait_timeout_s": most + 1}})
    assert "endpoint.wait_timeout_s" in msg and "7200" in msg, msg


def test_autoscaling_bounds() -> None:
    assert "min_capacity (3) must be <= max_capacity (2)" in _err(
        {"endpoint": {"autoscaling": {"min_capacity": 3, "max_capacity": 2}}}
    )
    assert "must lie within" in _err(
        {"endpoint": {"instance_count": 5, "autoscaling": {"max_capacity": 3}}}
    )


def test_every_problem_is_listed_at_once() -> None:
    msg = _err({"project": "X", "api": {"lambda": {"timeout_s": 60}}, "bogus": 1})
    assert "3 problems" in msg
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


def test_the_production_config_allows_no_dev_origin() -> None:
    from deploy.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[2] / "config.yaml")
    assert all(o.startswith("https://") for o in cfg.api.cors_origins), cfg.api.cors_origins


@pytest.mark.parametrize(
    ("data", "key", "known"),
    [
        ({"endpoint": {"instance_typ": "ml.m5.large"}}, "endpoint.instance_typ", "instance_type"),
        (
            {"endpoint": {"serverless": {"memry_mb": 2048}}},
            "endpoint.serverless.memry_mb",
            "memory_mb",
        ),
        ({"api": {"lambda": {"timout_s": 20}}}, "api.lambda.timout_s", "timeout_s"),
        ({"enviroments": {"staging": {}}}, "enviroments", "environments"),
        (
            {"environments": {"staging": {"endpont": {}}}},
            "environments.staging.endpont",
            "endpoint",
        ),
    ],
)
def test_an_unknown_key_names_the_close_known_key_at_its_level(data, key, known) -> None:
    assert f"{key}: unknown key: did you mean {known!r}?" in _err(data)


def test_an_unknown_key_with_nothing_close_suggests_nothing() -> None:
    msg = _err({"endpoint": {"zzz": 1}})
    assert "endpoint.zzz: unknown key (check the spelling" in msg and "did you mean" not in msg


@pytest.mark.parametrize(
    ("yaml_text", "line"),
    [
        (
            "region:\n",
            "region: got (empty), expected a string: write a value after the colon, or remove "
            "the line for the default ('us-east-1')",
        ),
        ("region: ~\n", "region: got ~ (YAML reads it as null: empty), expected a string"),
        (
            "project: yes\n",
            'project: got yes (YAML reads it as true), expected a string: quote it, "yes"',
        ),
        ("project: 123\n", 'project: got 123, expected a string: quote it, "123"'),
        ("tags: {team: off}\n", "tags.team: got off (YAML reads it as false), expected a string"),
        (
            "endpoint: {instance_count: two}\n",
            "endpoint.instance_count: got 'two', expected a whole number",
        ),
        ("endpoint: {serverless: big}\n", "endpoint.serverless: got 'big', expected a mapping"),
        (
            "log_retention_days:\n",
            "log_retention_days: Input should be 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, "
            "400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653, "
            "got (empty)",
        ),
        (
            "tags: {team: no}\nenvironments: {staging: {endpoint: {instance_type: off}}}\n",
            "environments.staging.endpoint.instance_type: got off (YAML reads it as false)",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_shown_as_written(tmp_path: Path, yaml_text, line) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"  - {line}" in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("yaml_text", "line"),
    [
        (
            "tags: {created: 2024-01-01}\n",
            "tags.created: got 2024-01-01 (YAML reads it as a date), expected a string: quote "
            'it, "2024-01-01"',
        ),
        (
            "api: {lambda: {runtime: 2024-01-01T10:00:00Z}}\n",
            "api.lambda.runtime: Input should be 'python3.11', 'python3.12' or 'python3.13', "
            "got 2024-01-01T10:00:00Z (YAML reads it as a date and time)",
        ),
        (
            "endpoint: {instance_count: 2024-01-01}\n",
            "endpoint.instance_count: got 2024-01-01 (YAML reads it as a date), expected a "
            "whole number",
        ),
        (
            "preview: {max_idle_days: 2024-12-31}\n",
            "preview.max_idle_days: got 2024-12-31 (YAML reads it as a date), expected a whole "
            "number of days",
        ),
    ],
)
def test_a_value_yaml_reads_as_a_date_is_said_in_words_not_python(
    tmp_path: Path, yaml_text: str, line: str
) -> None:
    """YAML 1.1 reads 2024-01-01 as a date: 'datetime.date(2024, 1, 1)' is Python's name for
    it, and a string key (a tag's value) needs the quotes said, as for yes or 123."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"  - {line}" in str(err.value), str(err.value)
    assert "datetime" not in str(err.value), str(err.value)


def test_parsed_data_without_its_text_shows_the_value_as_yaml_reads_it() -> None:
    assert 'project: got true, expected a string: quote it, "true"' in _err({"project": True})
    assert "region: got (empty), expected a string" in _err({"region": None})


@pytest.mark.parametrize(
    ("region", "words"),
    [
        ("us-east-9", "not a region of the aws partition where SageMaker runs"),
        ("us-east-9", "did you mean 'us-east-2' or 'us-east-1'"),
        ("eu-wset-1", "did you mean 'eu-west-1'"),
        ("US-EAST-1", "got 'US-EAST-1': did you mean 'us-east-1'"),
        ("us_east_1", "did you mean 'us-east-1'"),
    ],
)
def test_a_region_that_does_not_exist_is_refused_offline_with_close_ones(region, words) -> None:
    msg = _err({"region": region})
    assert "region: " in msg and words in msg, msg


def test_every_sagemaker_region_botocore_knows_is_accepted() -> None:
    from deploy.naming import service_regions

    regions = service_regions("sagemaker")
    assert "us-east-1" in regions and "us-east-9" not in regions
    for region in regions:
        assert parse_config({"region": region, "project": "abc"}).region == region


@pytest.mark.parametrize("size", ["huge", "1xlarge", "02xlarge", "xxlarge", "xlargest"])
def test_an_instance_size_that_does_not_exist_is_refused_with_the_form(size: str) -> None:
    msg = _err({"endpoint": {"instance_type": f"ml.m5.{size}"}})
    assert f"endpoint.instance_type: 'ml.m5.{size}': {size!r} is not an instance size" in msg
    assert "ml.<family>.<size>" in msg and "e.g. 'ml.m5.large'" in msg, msg


@pytest.mark.parametrize(
    "instance_type",
    [
        "ml.t2.medium",
        "ml.m5.large",
        "ml.g4dn.xlarge",
        "ml.c5.9xlarge",
        "ml.p5.48xlarge",
        "ml.zz9.large",
    ],
)
def test_any_family_with_a_real_size_passes(instance_type: str) -> None:
    assert parse_config({"endpoint": {"instance_type": instance_type}}).endpoint.instance_type


def test_a_prebuilt_image_is_checked_under_its_key() -> None:
    """The reference's rules are deploy.image_ref's (tests/deploy/test_image_ref.py)."""
    msg = _err({"model": {"image": "not-a-uri"}})
    assert "model.image: 'not-a-uri' is not an image reference" in msg, msg
    ok = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:src-0123abcd"
    assert parse_config({"model": {"image": ok}}).model.image == ok


@pytest.mark.parametrize("written", ["", "   "])
def test_an_empty_prebuilt_image_is_refused_not_planned_as_the_image(written: str) -> None:
    """`image: ''` passed the check (an empty string is falsy) and planned a model whose image
    is '': neither built from model/ nor a prebuilt one, refused only by CreateModel."""
    msg = _err({"model": {"image": written}})
    assert "model.image: empty" in msg, msg
    assert "remove the line (or write null) to build the image from model.build_context" in msg


@pytest.mark.parametrize(
    ("kind", "value", "why"),
    [
        ("html", "no-cache\nX-Extra: 1", "'\\n'"),
        ("other", "public, max-age=300\t", "'\\t'"),
        ("hashed_assets", "public, max-âge=31536000", "'â'"),
        ("html", " no-cache", "no space at the start or end"),
    ],
)
def test_a_cache_control_value_http_cannot_carry_as_written_is_refused(
    kind: str, value: str, why: str
) -> None:
    """Cache-Control is an HTTP header of every PutObject: a line break fails apply halfway
    ("Invalid header value"), a non-ASCII letter comes back from HeadObject as other text
    and a space at an end comes back without it, so the next plan updates every file again."""
    msg = _err({"site": {"cache": {kind: value}}})
    assert f"site.cache.{kind}: " in msg and why in msg, msg
    assert "e.g. 'no-cache'" in msg or "no space at the start or end" in msg, msg


@pytest.mark.parametrize("kind", ["html", "hashed_assets", "other"])
@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_cache_control_is_refused_with_what_it_would_mean(kind: str, value: str) -> None:
    """`site.cache.html: ''` was taken: PutObject sent an empty Cache-Control, no directive
    at all, so CloudFront's CachingOptimized policy keeps the file for its default TTL (24
    hours) and browsers guess a lifetime: the page's updates would not show for a day, the
    opposite of what someone clearing the value may mean. (Blanks said "write ''".)"""
    msg = _err({"site": {"cache": {kind: value}}})
    assert f"site.cache.{kind}: empty" in msg, msg
    assert "24 hours" in msg and "'no-cache'" in msg and "write ''" not in msg, msg


def test_cache_control_values_as_the_docs_write_them_pass() -> None:
    cache = {"html": "no-cache", "hashed_assets": "public, max-age=31536000, immutable"}
    cache["other"] = 'public, max-age=300, stale-while-revalidate="60"'
    assert parse_config({"site": {"cache": cache}}).site.cache.other == cache["other"]


def test_a_bad_top_level_key_is_reported_once_not_under_every_environment(
    tmp_path: Path,
) -> None:
    """Every environment inherits the top level: its mistakes are listed at the top level
    only, while an environment's own value of the same key is still checked."""
    path = tmp_path / "config.yaml"
    path.write_text(
        "tags: {team: no}\n"
        "endpoint: {instance_type: ml.m5.huge}\n"
        "environments:\n"
        "  staging: {}\n"
        "  production: {endpoint: {instance_type: ml.c5.giant}}\n"
        "preview: {}\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = [line[4:] for line in str(err.value).splitlines() if line.startswith("  - ")]
    by_key = dict(line.split(": ", 1) for line in lines)
    assert sorted(by_key) == [
        "endpoint.instance_type",
        "environments.production.endpoint.instance_type",
        "tags.team",
    ], str(err.value)
    assert len(lines) == 3 and "3 problems" in str(err.value)
    assert (
        "'giant' is not an instance size"
        in by_key["environments.production.endpoint.instance_type"]
    )
    assert by_key["tags.team"].startswith("got no (YAML reads it as false)")


def test_a_bad_top_level_tag_is_not_blamed_on_an_environment_that_adds_its_own(
    tmp_path: Path,
) -> None:
    """An environment that writes `tags:` merges its own over the top level's: a bad tag it
    only inherits was listed again under environments.production.tags, where the user finds
    no such tag to fix. Its own bad tag is still named there."""
    path = tmp_path / "config.yaml"
    head = "tags: {team: ' ml'}\nenvironments:\n  staging: {tags: {tier: staging}}\n"
    path.write_text(head)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = [line[4:] for line in str(err.value).splitlines() if line.startswith("  - ")]
    assert len(lines) == 1 and lines[0].startswith("tags: tag 'team'"), str(err.value)
    path.write_text(head.replace("' ml'", "ml") + "  production: {tags: {tier: 'a&b'}}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "  - environments.production.tags: tag 'tier'" in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("origin", "instead"),
    [
        ("http://example.org", "'https://example.org'"),
        ("http://example.org:8080", "'https://example.org:8080'"),
        ("http://192.168.1.5:3000", "'https://192.168.1.5:3000'"),
        ("http://localhost.example.org", "'https://localhost.example.org'"),
        ("*", "list each origin"),
    ],
)
def test_cors_origins_take_only_https_or_a_local_http_origin(origin: str, instead: str) -> None:
    """Any page on the internet may call an API whose CORS allows `*`, and a page served over
    http:// can be altered on the way: config.yaml takes https:// origins, plus http:// ones
    on localhost and 127.0.0.1 for a page under development. The error names the key, the
    value and what to write."""
    msg = _err({"api": {"cors_origins": ["https://ok.example", origin]}})
    assert "api.cors_origins:" in msg, msg
    assert repr(origin) in msg, msg
    assert instead in msg, msg
    assert "http://localhost" in msg and "http://127.0.0.1" in msg, msg


@pytest.mark.parametrize(
    "origin",
    [
        "https://example.org",
        "https://example.org:8443",
        "http://localhost",
        "http://localhost:5173",
        "http://127.0.0.1",
        "http://127.0.0.1:8000",
    ],
)
def test_cors_origins_accept_https_and_local_http(origin: str) -> None:
    assert parse_config({"api": {"cors_origins": [origin]}}).api.cors_origins == [origin]


def test_an_environment_cannot_add_a_wildcard_origin() -> None:
    msg = _err({"environments": {"staging": {"api": {"cors_origins": ["*"]}}}})
    assert "environments.staging.api.cors_origins:" in msg and "'*'" in msg, msg


def test_previews_expire_after_max_idle_days_14_unless_set_and_0_or_null_turn_it_off() -> None:
    assert parse_config_file({"preview": {}}).preview_max_idle_days == 14
    assert parse_config_file({"preview": None}).preview_max_idle_days == 14
    assert parse_config_file({"preview": {"max_idle_days": 30}}).preview_max_idle_days == 30
    for off in (0, None):
        assert parse_config_file({"preview": {"max_idle_days": off}}).preview_max_idle_days is None
    assert parse_config_file({}).preview_max_idle_days is None  # no previews at all
    # a setting of the previews, not of their stack: the template is unchanged by it
    file = parse_config_file({"preview": {"max_idle_days": 3, "log_retention_days": 7}})
    assert file.preview("pr-3").log_retention_days == 7


@pytest.mark.parametrize(
    ("text", "got"),
    [
        ("max_idle_days: yes", "got yes (YAML reads it as true)"),  # not 1 day
        ("max_idle_days: -1", "got -1"),
        ("max_idle_days: 400", "got 400"),
        ("max_idle_days: 2.5", "got 2.5"),
        ("max_idle_days: two weeks", "got 'two weeks'"),
    ],
)
def test_a_bad_max_idle_days_names_the_key_the_range_and_what_0_does(
    tmp_path: Path, text: str, got: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"preview:\n  {text}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"preview.max_idle_days: {got}, expected a whole number of days from 0 to 365" in str(
        err.value
    )
    assert "0 or null: never for being idle" in str(err.value)
    assert "1 problem" in str(err.value)


def test_a_misspelt_max_idle_days_is_pointed_at() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config_file({"preview": {"max_idle_day": 3}})
    assert "preview.max_idle_day: unknown key: did you mean 'max_idle_days'?" in str(err.value)


# IAM tag keys are case-insensitive: CreateRole answers "InvalidInput: Duplicate tag keys
# found. Please note that Tag keys are case insensitive." for `Project` beside deploy's own
# `project`, so config.yaml refuses what apply would be refused at its first role.
@pytest.mark.parametrize("key", ["Project", "PROJECT", "Managed-By", "MANAGED-BY"])
def test_reserved_tag_keys_are_refused_in_any_case(key: str) -> None:
    msg = _err({"tags": {key: "x"}})
    assert f"tags: tag key {key!r} is reserved" in msg and "case-insensitive" in msg, msg


def test_tag_keys_that_differ_only_in_case_are_refused() -> None:
    msg = _err({"tags": {"team": "a", "Team": "b"}})
    assert "tags: tag keys 'team' and 'Team' differ only in case" in msg, msg
    assert "keep one of them" in msg, msg


def test_an_environments_tag_key_differing_in_case_from_the_top_levels_is_refused() -> None:
    """An environment's tags merge into the top level's key by key, as written: `team` there
    adds a second tag beside the top level's `Team`, it does not replace it."""
    msg = _err({"tags": {"Team": "a"}, "environments": {"staging": {"tags": {"team": "b"}}}})
    assert "environments.staging.tags: tag keys 'Team' and 'team' differ only in case" in msg, msg
    assert "\n  - tags:" not in msg, msg


@pytest.mark.parametrize("key", ["Environment", "ENVIRONMENT"])
def test_the_environment_tag_is_reserved_in_any_case_with_environments(key: str) -> None:
    envs = {"environments": {"staging": {}}}
    msg = _err({"tags": {key: "x"}, **envs})
    assert f"tags.{key}: reserved in a config with environments" in msg, msg
    assert "case-insensitive" in msg, msg
    msg = _err({**envs, "environments": {"staging": {"tags": {key: "x"}}}})
    assert f"environments.staging.tags.{key}: reserved" in msg, msg
    msg = _err({"tags": {key: "x"}, "preview": {}})
    assert f"tags.{key}: reserved" in msg, msg
    # Without environments or previews deploy writes no `environment` tag: the key is free.
    assert parse_config({"tags": {key: "x"}}).tags == {key: "x"}


# IAM's, SageMaker's, Lambda's, CloudFront's and CloudWatch Logs' Tag.Key and Tag.Value
# (botocore's service models): [\p{L}\p{Z}\p{N}_.:/=+\-@], keys 1-128 of them, values 0-256.
@pytest.mark.parametrize(
    ("tags", "named"),
    [
        ({"team": "data & ml"}, "'&'"),
        ({"owner": "a,b;c"}, "',', ';'"),
        ({"ticket": "#42"}, "'#'"),
        ({"note": "line\tbreak"}, "'\\t'"),
        ({"cost#center": "x"}, "'#'"),
        ({"team!": "x"}, "'!'"),
    ],
)
def test_tag_characters_aws_refuses_are_named(tags: dict, named: str) -> None:
    msg = _err({"tags": tags})
    (key,) = tags
    assert f"tags: tag {key!r}:" in msg and f"has {named}, which AWS refuses" in msg, msg
    assert "letters, digits, spaces and _ . : / = + - @" in msg, msg


@pytest.mark.parametrize(
    "tags",
    [
        {"Équipe": "données", "部门": "数据 ٣", "cost center": "a_b.c:d/e=f+g-h@i", "empty": ""},
        {"k": "x" * 256, "y" * 128: "v"},
    ],
)
def test_tags_in_any_script_with_the_allowed_punctuation_pass(tags: dict) -> None:
    assert parse_config({"tags": tags}).tags == tags


@pytest.mark.parametrize(
    ("tags", "words"),
    [({"k": "x" * 257}, "at most 256 characters, got 257"), ({"y" * 129: "v"}, "1-128")],
)
def test_tag_lengths_are_checked(tags: dict, words: str) -> None:
    msg = _err({"tags": tags})
    assert "tags: tag " in msg and words in msg, msg


# SageMaker CreateModel's ContainerDefinition.Environment (botocore's sagemaker service model:
# EnvironmentMap max 100 entries, EnvironmentValue max 1024): what deploy adds counts too.
def _variables(count: int) -> dict[str, str]:
    return {f"V{i}": "x" for i in range(count)}


def test_at_most_100_container_variables_deploy_s_own_included() -> None:
    parse_config({"endpoint": {"environment": _variables(100)}})
    msg = _err({"endpoint": {"environment": _variables(101)}})
    assert "endpoint.environment: 101 variables" in msg and "at most 100" in msg, msg
    assert "remove 1" in msg, msg
    # On serverless deploy adds MODEL_MAX_PAYLOAD_BYTES: 99 of the user's are the most.
    serverless = {"serverless": {}}
    parse_config({"endpoint": {**serverless, "environment": _variables(99)}})
    msg = _err({"endpoint": {**serverless, "environment": _variables(100)}})
    assert "endpoint.environment: 100 variables" in msg and "MODEL_MAX_PAYLOAD_BYTES" in msg, msg
    assert "101" in msg and "remove 1" in msg, msg
    # ... unless config.yaml sets it itself (deploy keeps that value and adds nothing).
    own = {**_variables(99), "MODEL_MAX_PAYLOAD_BYTES": "1000"}
    parse_config({"endpoint": {**serverless, "environment": own}})
    # A preview is serverless unless its template says otherwise.
    msg = _err({"endpoint": {"environment": _variables(100)}, "preview": {}})
    assert "preview.endpoint.environment: 100 variables" in msg, msg


def test_a_container_variable_s_value_is_at_most_1024_characters() -> None:
    parse_config({"endpoint": {"environment": {"LONG": "x" * 1024}}})
    msg = _err({"endpoint": {"environment": {"LONG": "x" * 1025}}})
    assert "endpoint.environment: LONG: its value is 1025 characters" in msg, msg
    assert "at most 1024" in msg, msg


# UpdateEndpoint's AutoRollbackConfig.Alarms (botocore's sagemaker service model): AlarmList
# 1-10 items, AlarmName 1-255 characters and not blank.
@pytest.mark.parametrize(
    ("alarms", "words"),
    [
        ([f"a{i}" for i in range(11)], "11 alarms; SageMaker takes at most 10"),
        (["ok", ""], "alarm 2 is blank"),
        (["  "], "alarm 1 is blank"),
        (["x" * 256], "alarm 1 is 256 characters"),
    ],
)
def test_rollback_alarms_are_what_sagemaker_takes(alarms: list, words: str) -> None:
    msg = _err(
        {"endpoint": {"instance_count": 2, "deployment": {**CANARY, "rollback_alarms": alarms}}}
    )
    assert "endpoint.deployment.rollback_alarms: " in msg and words in msg, msg


def test_ten_rollback_alarms_of_255_characters_pass() -> None:
    alarms = [f"{i}".ljust(255, "x") for i in range(10)]
    cfg = parse_config(
        {"endpoint": {"instance_count": 2, "deployment": {**CANARY, "rollback_alarms": alarms}}}
    )
    assert cfg.endpoint.deployment.rollback_alarms == alarms


def test_rollback_alarms_without_a_canary_are_refused_not_dropped() -> None:
    """All at once, SageMaker's default, takes no DeploymentConfig: the alarms never reached
    it, and a rollout the user believed guarded was not."""
    msg = _err({"endpoint": {"deployment": {"rollback_alarms": ["p-5xx"]}}})
    assert "endpoint.deployment.rollback_alarms: " in msg and "strategy: canary" in msg, msg
    assert "all-at-once" in msg, msg
    msg = _err(
        {"environments": {"staging": {"endpoint": {"deployment": {"rollback_alarms": ["a"]}}}}}
    )
    assert "environments.staging.endpoint.deployment.rollback_alarms: " in msg, msg


def test_an_environment_that_turns_the_canary_off_may_inherit_its_alarms() -> None:
    """The top level's alarms come along with the merge: an environment (or a preview, whose
    defaults write rollback_alarms: []) that says all-at-once has not asked for them."""
    file = parse_config_file(
        {
            "endpoint": {"instance_count": 2, "deployment": CANARY},
            "environments": {
                "staging": {"endpoint": {"deployment": {"strategy": "all-at-once"}}},
                "production": {},
            },
            "preview": {},
        }
    )
    assert file.environments["staging"].endpoint.deployment.strategy == "all-at-once"
    assert file.environments["production"].endpoint.deployment.rollback_alarms == ["a"]


def test_top_level_alarms_with_environments_are_refused_only_when_no_environment_canaries() -> None:
    """With environments the top level is no deployment: alarms written there for the
    environment that turns the canary on are in use; unused everywhere, they are refused."""
    top = {"endpoint": {"instance_count": 2, "deployment": {"rollback_alarms": ["a"]}}}
    canary = {"endpoint": {"deployment": {"strategy": "canary"}}}
    file = parse_config_file({**top, "environments": {"staging": {}, "production": canary}})
    assert file.environments["production"].endpoint.deployment.rollback_alarms == ["a"]
    msg = _err({**top, "environments": {"staging": {}}})
    assert "\n  - endpoint.deployment.rollback_alarms: 'a' with strategy 'all-at-once'" in msg
    assert "no environment sets strategy: canary" in msg, msg


@pytest.mark.parametrize("instance_type", ["ml.inf1.xlarge", "ml.inf1.24xlarge"])
def test_a_canary_on_inf1_is_refused(instance_type: str) -> None:
    """SageMaker's deployment guardrails exclude Inf1: it "falls back to using a blue/green
    deployment with all at once traffic shifting and no final baking period" (Exclusions)."""
    endpoint = {"instance_type": instance_type, "instance_count": 2, "deployment": CANARY}
    msg = _err({"endpoint": endpoint})
    assert f"endpoint.deployment.strategy: 'canary' on {instance_type!r}" in msg, msg
    assert "all at once traffic shifting and no final baking period" in msg, msg
    assert "deployment-guardrails-exclusions" in msg, msg
    parse_config({"endpoint": {**endpoint, "instance_type": "ml.inf2.xlarge"}})


@pytest.mark.parametrize(
    "key", ["serving-config", "Previous-Config", "requested-config", "deployed-at"]
)
def test_the_endpoints_record_tags_are_not_the_users(key: str) -> None:
    """deploy keeps on the endpoint which configs a switch asked for, served and left, and a
    preview's last apply: a tag of the user's under one of those names went onto the endpoint
    with the others and was read back as the record (a rollback that never happened)."""
    from deploy import previews
    from deploy.config import RECORD_TAG_KEYS
    from deploy.resources.endpoint_config import PREVIOUS, REQUESTED, SERVING

    assert set(RECORD_TAG_KEYS) == {REQUESTED, SERVING, PREVIOUS, previews.DEPLOYED_AT}
    with pytest.raises(ConfigError) as err:
        parse_config_file({"tags": {key: "x"}})
    assert f"tag key {key!r} is reserved: deploy keeps its record" in str(err.value)


def test_log_retention_takes_every_value_cloudwatch_takes() -> None:
    """CloudWatch Logs' PutRetentionPolicy takes the days its model lists (botocore's ``Days``
    shape: 1, 3, …, 365, 400, 545, …, 3653); a team that must keep logs 120 days or two years
    was refused a value AWS accepts, and one AWS refuses must still fail here, not at apply."""
    import re
    import typing

    import botocore.session

    doc = botocore.session.get_session().get_service_model("logs").shape_for("Days").documentation
    listed = [
        int(d) for d in re.findall(r"\d+", doc.split("Possible values are:")[1].split(".")[0])
    ]
    assert len(listed) > 10, doc
    field = Config.model_fields["log_retention_days"]
    assert list(typing.get_args(field.annotation)) == listed
    for days in (120, 731, 3653):
        assert parse_config({"log_retention_days": days}).log_retention_days == days
    with pytest.raises(ConfigError, match="log_retention_days"):
        parse_config({"log_retention_days": 100})


def test_the_python_name_lambda_underscore_is_no_key_of_config_yaml() -> None:
    """`lambda_` is only Python's name for `api.lambda` (a keyword there): a file writing it
    must be told its key, not have it taken quietly (or, beside `lambda`, one of them lost)."""
    msg = _err({"api": {"lambda_": {"memory_mb": 512}}})
    assert "api.lambda_: unknown key: did you mean 'lambda'?" in msg, msg
    assert parse_config({"api": {"lambda": {"memory_mb": 512}}}).api.lambda_.memory_mb == 512


@pytest.mark.parametrize("written", ["'14'", '"14"'])
def test_a_quoted_number_is_taken_by_every_number_key(tmp_path: Path, written: str) -> None:
    """`instance_count: "2"` is 2 (pydantic's lax mode reads a decimal string as a number), so
    `log_retention_days` and `preview.max_idle_days` take their quoted days the same way."""
    path = tmp_path / "config.yaml"
    path.write_text(
        f"log_retention_days: {written}\nendpoint: {{instance_count: {written}}}\n"
        f"preview: {{max_idle_days: {written}}}\n"
    )
    file = load_config_file(path)
    assert (file.base.log_retention_days, file.base.endpoint.instance_count) == (14, 14)
    assert file.preview_max_idle_days == 14


def test_a_quoted_number_cloudwatch_does_not_take_is_still_refused() -> None:
    msg = _err({"log_retention_days": "13"})
    assert "log_retention_days: Input should be 1, 3, 5" in msg and "got 13" in msg, msg
    msg = _err({"log_retention_days": "two weeks"})
    assert "got 'two weeks'" in msg, msg


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"endpoint": {"instance_count": -1}}, "endpoint.instance_count: got -1; allowed 1–100"),
        ({"endpoint": {"instance_count": 101}}, "endpoint.instance_count: got 101; allowed 1–100"),
        (
            {"api": {"throttling": {"rate": 0}}},
            "api.throttling.rate: got 0; allowed more than 0, at most 10000",
        ),
        (
            {"endpoint": {"autoscaling": {"scale_in_cooldown_s": 3601}}},
            "endpoint.autoscaling.scale_in_cooldown_s: got 3601; allowed 0–3600",
        ),
        ({"api": {"lambda": {"timeout_s": 0}}}, "api.lambda.timeout_s: got 0; allowed 1–29"),
        ({"api": {"max_payload_mb": 0}}, "api.max_payload_mb: got 0; allowed more than 0"),
        (
            {"environments": {"prod": {"endpoint": {"wait_timeout_s": 59}}}},
            "environments.prod.endpoint.wait_timeout_s: got 59; allowed 60–7200",
        ),
    ],
)
def test_a_number_out_of_range_says_the_range_in_words(data: dict, said: str) -> None:
    """Pydantic's 'Input should be greater than or equal to 1' names one end of the range
    only: a person fixing the file needs both."""
    msg = _err(data)
    assert f"  - {said}" in msg, msg
    assert "Input should be" not in msg, msg


def test_destroy_of_an_environment_taken_out_of_config_says_the_way_out() -> None:
    """`destroy --env staging-eu` after staging-eu was taken out of config.yaml while deployed
    said only "not an environment; choose staging, production": the stack kept running, and
    the way to remove it (docs/environments.md) was not named. Other commands keep the short
    message (there it is a typo far more often)."""
    file = parse_config_file({"environments": {"staging": {}, "production": {}}})
    with pytest.raises(ConfigError) as err:
        file.select("staging-eu", removing=True)
    said = str(err.value)
    assert "not an environment; choose staging, production" in said, said
    assert "put it back under `environments:`" in said and "docs/environments.md" in said, said
    with pytest.raises(ConfigError) as err:
        file.select("staging-eu")
    assert "put it back" not in str(err.value)
