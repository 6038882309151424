"""Mistakes people make editing config.yaml by hand, read from a real file as `plan` reads it:
each must fail at once with the key, the line where it helps, what was wrong and what to write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.config import ConfigError, load_config_file

SHIPPED = (Path(__file__).resolve().parents[2] / "config.yaml").read_text(encoding="utf-8")


def _problem(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config_file(path)
    return str(err.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            SHIPPED + "region: eu-west-1\n",
            f"region: written twice (lines 4 and {len(SHIPPED.splitlines()) + 1}); YAML keeps only "
            "the last",
        ),
        (
            "endpoint:\n  instance_count: 1\n  instance_count: 3\n",
            "endpoint.instance_count: written twice (lines 2 and 3)",
        ),
        (
            "api:\n  throttling: {rate: 10, rate: 20}\n",
            "api.throttling.rate: written twice (line 2)",
        ),
        (
            "environments:\n  staging: {}\n  prod: {}\n  staging:\n    endpoint: {}\n",
            "environments.staging: written twice (lines 2 and 4)",
        ),
    ],
)
def test_a_key_written_twice_is_refused_not_silently_the_last(
    tmp_path: Path, text: str, said: str
) -> None:
    msg = _problem(tmp_path, text)
    assert said in msg, msg
    assert "remove one" in msg and str(tmp_path / "config.yaml") in msg


def test_yaml_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    """`<<: *anchor` then a key of the anchor's is an override, as YAML means it."""
    path = tmp_path / "config.yaml"
    path.write_text(
        "tags: &base {team: a, cost: b}\n"
        "environments:\n  staging:\n    tags:\n      <<: *base\n      team: c\n",
        encoding="utf-8",
    )
    assert load_config_file(path).environments["staging"].tags["team"] == "c"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "log_retention_days: yes\n",
            "log_retention_days: Input should be 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, "
            "400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653, got yes "
            "(YAML reads it as true)",
        ),
        (
            "endpoint: {instance_count: on}\n",
            "endpoint.instance_count: got on (YAML reads it as true), expected a whole number",
        ),
        (
            "api: {throttling: {rate: yes}}\n",
            "api.throttling.rate: got yes (YAML reads it as true), expected a number",
        ),
        (
            "api: {max_payload_mb: true}\n",
            "api.max_payload_mb: got true, expected a number",
        ),
        (
            "endpoint: {serverless: {memory_mb: on}}\n",
            "endpoint.serverless.memory_mb: got on (YAML reads it as true), expected a whole "
            "number",
        ),
        (
            "environments:\n  staging:\n    log_retention_days: yes\n",
            "environments.staging.log_retention_days: Input should be 1, 3",
        ),
    ],
)
def test_a_yaml_boolean_is_not_taken_for_the_number_1(tmp_path: Path, text: str, said: str) -> None:
    """`yes` is true to YAML 1.1 and true is 1 to Python: `log_retention_days: yes` kept the
    logs one day, `instance_count: on` ran one instance."""
    msg = _problem(tmp_path, text)
    assert f"  - {said}" in msg, msg


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "endpoint: {instance_count: 1:30}\n",
            "endpoint.instance_count: got 1:30, which YAML 1.1 reads as 90 (base 60, like a "
            "time of day): write the number in plain decimal digits",
        ),
        (
            "endpoint:\n  instance_count: 010\n",
            "endpoint.instance_count: got 010, which YAML 1.1 reads as 8 (a leading 0 is octal)",
        ),
        ("log_retention_days: 0x0e\n", "log_retention_days: got 0x0e, which YAML 1.1 reads as 14"),
        (
            "api: {throttling: {rate: 1:00.5}}\n",
            "api.throttling.rate: got 1:00.5, which YAML 1.1 reads as 60.5 (base 60",
        ),
        ("preview:\n  max_idle_days: 1:00\n", "preview.max_idle_days: got 1:00, which YAML 1.1"),
        (
            "environments:\n  staging:\n    endpoint: {wait_timeout_s: 30:00}\n",
            "environments.staging.endpoint.wait_timeout_s: got 30:00, which YAML 1.1 reads as 1800",
        ),
    ],
)
def test_a_number_yaml_reads_in_another_base_is_refused(
    tmp_path: Path, text: str, said: str
) -> None:
    """`instance_count: 1:30` is 90 instances to YAML 1.1 and `010` is 8: a number key takes
    only what every reader sees as the same decimal number."""
    msg = _problem(tmp_path, text)
    assert f"  - {said}" in msg, msg


def test_plain_numbers_and_quoted_text_that_looks_like_time_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "log_retention_days: 30\napi: {throttling: {rate: 0.5, burst: 1_000}}\n"
        "endpoint: {instance_count: 2, environment: {START: '12:30', UMASK: '0755'}}\n",
        encoding="utf-8",
    )
    cfg = load_config_file(path).base
    assert (cfg.log_retention_days, cfg.api.throttling.rate, cfg.api.throttling.burst) == (
        30,
        0.5,
        1000,
    )
    assert cfg.endpoint.environment == {"START": "12:30", "UMASK": "0755"}


def _swap(old: str, new: str) -> str:
    assert old in SHIPPED
    return SHIPPED.replace(old, new, 1)


def _line_of(text: str) -> int:
    return SHIPPED.splitlines().index(text) + 1


@pytest.mark.parametrize(
    ("text", "at", "fix"),
    [
        (
            _swap("  instance_type", "\tinstance_type"),
            f"line {_line_of('  instance_type: ml.m5.large')}, column 1",
            "indent with spaces, not tabs",
        ),
        (
            _swap("region: us-east-1", "region us-east-1"),
            f"line {_line_of('region: us-east-1')}, column 1",
            "no ':' after its key: write `key: value`",
        ),
        (
            _swap("  instance_count: 1", "instance_count: 1"),
            f"line {_line_of('  instance_count: 1') + 1}, column 14",
            "check the indentation of this line and of the lines above it",
        ),
        (
            _swap("  cors_origins: []", "cors_origins: []"),
            f"line {_line_of('  cors_origins: []') + 1}, column 3",
            "check the indentation of this line and of the lines above it",
        ),
        (
            "tags:\n  ? [team, tier]\n  : ml\n",
            "line 2, column 5",
            "a key is one piece of text (`key: value`), not a list or a mapping",
        ),
        (
            "region: &r us-east-1\ntags: {home: &r eu}\n",
            "line 2, column 14",
            "(found duplicate anchor 'r' (first at line 1)); rename one of the two &r anchors",
        ),
    ],
)
def test_a_yaml_syntax_error_names_the_line_and_the_fix(
    tmp_path: Path, text: str, at: str, fix: str
) -> None:
    """The parser's words alone ('found character \\t that cannot start any token', 'in
    "<unicode string>"') leave a person to work out both the rule and the fix."""
    msg = _problem(tmp_path, text)
    assert f"{tmp_path / 'config.yaml'}: {at}: not valid YAML" in msg, msg
    assert fix in msg and "<unicode string>" not in msg, msg


@pytest.mark.parametrize(
    ("text", "got"),
    [
        ("- project: app\n- region: us-east-1\n", "got a list"),
        ("trends-anomaly\n", "got 'trends-anomaly'"),
        ("yes\n", "got yes (YAML reads it as true)"),
    ],
)
def test_a_file_that_is_not_keys_says_what_it_is_and_what_to_write(
    tmp_path: Path, text: str, got: str
) -> None:
    msg = _problem(tmp_path, text)
    assert f"the top level must be a mapping of keys (key: value lines), {got}" in msg, msg
    assert "project: trends-anomaly" in msg and "<class" not in msg, msg


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("environments:\n  staging: {}\n  log_retention_days: 30\n", "log_retention_days"),
        ("environments:\n  staging:\n  endpoint:\n    instance_count: 2\n", "endpoint"),
        ("environments:\n  region: {}\n", "region"),
        ("environments:\n  prod: {}\n  api: {throttling: {rate: 5}}\n", "api"),
    ],
)
def test_a_top_level_key_under_environments_is_pointed_at_not_taken_for_a_name(
    tmp_path: Path, text: str, key: str
) -> None:
    """A key indented one level too little under an environment lands in `environments:`
    itself: it is a mis-indented setting, not an environment (nor an 'unknown key' below)."""
    msg = _problem(tmp_path, text)
    assert f"  - environments.{key}: {key!r} is a top-level key, not an environment name" in msg
    assert f"environments.<name>.{key}" in msg and "unknown key" not in msg, msg
    assert "1 problem" in msg, msg


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("api:\n  max_payload_mb: 10\n", "  - api.max_payload_mb: 10 MB is more than every hop"),
        (
            "environments:\n  staging:\n    api: {max_payload_mb: 5}\n",
            "  - environments.staging.api.max_payload_mb: 5 MB is more than every hop",
        ),
    ],
)
def test_a_payload_limit_over_the_hops_names_its_key(tmp_path: Path, text: str, said: str) -> None:
    """It was listed under '(top level)', with the value as Python's float (10.0)."""
    msg = _problem(tmp_path, text)
    assert said in msg and "(top level)" not in msg, msg
    assert "lower it to at most 4" in msg, msg


@pytest.mark.parametrize(
    ("name", "instead"),
    [("SAGEMAKER-WORKERS", "SAGEMAKER_WORKERS"), ("2WORKERS", "_2WORKERS"), ("MY VAR", "MY_VAR")],
)
def test_a_container_variable_name_sagemaker_refuses_says_the_rule_and_a_name(
    tmp_path: Path, name: str, instead: str
) -> None:
    """SageMaker's EnvironmentKey pattern (botocore's sagemaker model): [a-zA-Z_][a-zA-Z0-9_]*."""
    msg = _problem(tmp_path, f"endpoint:\n  environment:\n    {name}: '2'\n")
    assert f"  - endpoint.environment: {name!r} is not a variable name SageMaker takes" in msg
    assert "letters, digits and _" in msg and f"e.g. {instead!r}" in msg, msg


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "environments:\n  no: {}\n",
            'environments.no: YAML reads the key no as false, not as text: quote it, "no"',
        ),
        ("1: x\n", '1: YAML reads the key 1 as the number 1, not as text: quote it, "1"'),
        ("~: x\n", '~: YAML reads the key ~ as null, not as text: quote it, "~"'),
        (
            "endpoint:\n  environment:\n    0755: x\n",
            "endpoint.environment.0755: YAML reads the key 0755 as the number 493",
        ),
    ],
)
def test_a_key_yaml_reads_as_no_text_is_shown_as_written(
    tmp_path: Path, text: str, said: str
) -> None:
    """`no:` was listed as 'environments.False: False is not an environment name', `1: x` as
    '1: Keys should be strings, got x (YAML reads it as 1)': the value's text for the key's."""
    msg = _problem(tmp_path, text)
    assert f"  - {said}" in msg, msg
    assert "False" not in msg and "Keys should be strings" not in msg, msg


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("ML.M5.LARGE", "ml.m5.large"),
        ("m5.large", "ml.m5.large"),
        ("M5.2XLARGE", "ml.m5.2xlarge"),
        ("ml.G5.xlarge", "ml.g5.xlarge"),
    ],
)
def test_an_instance_type_in_the_wrong_case_or_without_ml_names_the_one_meant(
    tmp_path: Path, written: str, meant: str
) -> None:
    msg = _problem(tmp_path, f"endpoint:\n  instance_type: {written}\n")
    assert f"got {written!r}: did you mean {meant!r}?" in msg, msg


@pytest.mark.parametrize("written", ["ml.m5", "serverless", "ec2.m5.large"])
def test_an_instance_type_with_nothing_close_suggests_nothing(tmp_path: Path, written: str) -> None:
    msg = _problem(tmp_path, f"endpoint:\n  instance_type: {written}\n")
    assert "must look like 'ml.m5.large'" in msg and "did you mean" not in msg, msg


@pytest.mark.parametrize("written", ["environments:\n", "environments: ~\n", "environments: {}\n"])
def test_environments_with_none_under_it_is_refused_not_one_deployment(
    tmp_path: Path, written: str
) -> None:
    """`environments:` left empty (the names not written yet, or indented away) read as no
    environments at all, while `{}` was refused: plan went on as the single deployment."""
    msg = _problem(tmp_path, SHIPPED + written)
    assert "  - environments: empty; name at least one (e.g. staging: {}) or remove it" in msg


@pytest.mark.parametrize(
    ("data", "at"),
    [
        (b"project: app\n# caf\xe9\n", "line 2"),
        ("project: app\n".encode("utf-16"), "line 1"),
    ],
)
def test_a_file_not_in_utf8_says_where_and_to_save_it_as_utf8(
    tmp_path: Path, data: bytes, at: str
) -> None:
    """Latin-1 from an old editor, UTF-16 from Windows Notepad: the file was found, so
    'pass --config PATH' was the wrong advice."""
    path = tmp_path / "config.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as err:
        load_config_file(path)
    msg = str(err.value)
    assert f"{path}: not UTF-8 text ({at}" in msg and "save it as UTF-8" in msg, msg
    assert "--config" not in msg, msg


@pytest.mark.parametrize("quote", ['"', "'"])
@pytest.mark.parametrize(
    "after",
    [
        "",  # never closed: the parser stops at the end of the file
        "  instance_count: 1\nregion: us-east-1\n",
        # closed by the next value's opening quote: the parser stops on the line after, as if
        # its indentation were wrong
        "  instance_count: {q}2{q}\n",
    ],
)
def test_an_unclosed_quote_names_the_line_it_opens_on(
    tmp_path: Path, quote: str, after: str
) -> None:
    """PyYAML reports an unclosed quote where it gave up (the end of the file, or a line
    further down), which is not where the mistake is: say the line the quote opens on."""
    text = f"endpoint:\n  instance_type: {quote}ml.m5.large\n" + after.format(q=quote)
    msg = _problem(tmp_path, text)
    assert "quote" in msg and "line 2, column 18" in msg, msg
    assert f"close the {quote} opened at line 2, column 18" in msg, msg
    assert f"The line: {f'  instance_type: {quote}ml.m5.large'!r}" in msg, msg


@pytest.mark.parametrize(
    ("text", "at", "char"),
    [
        ("project: trends\x00anomaly\n", "line 1, column 16", "0x00"),
        # pasted from a terminal with its colour codes
        (
            "region: us-east-1\napi:\n  cors_origins: ['\x1b[31mhttps://a.org']\n",
            "line 3, column 19",
            "0x1b",
        ),
        ("project: trends-anomaly\n\x0c\nregion: us-east-1\n", "line 2, column 1", "0x0c"),
    ],
)
def test_a_control_character_says_where_it_is_and_to_remove_it(
    tmp_path: Path, text: str, at: str, char: str
) -> None:
    """YAML takes no control character but tab and line breaks (PyYAML refuses it before
    parsing, with a position in characters of '<unicode string>'): a NUL or a terminal's
    colour code pasted into the file is said by line and column, as a syntax error is."""
    msg = _problem(tmp_path, text)
    assert f"{tmp_path / 'config.yaml'}: {at}: not valid YAML" in msg, msg
    assert f"control character {char}" in msg and "remove it" in msg, msg
    assert "<unicode string>" not in msg, msg


@pytest.mark.parametrize(
    ("text", "key", "tagged"),
    [
        ("endpoint:\n  instance_count: !!int two\n", "endpoint.instance_count", "!!int two"),
        ("api:\n  throttling: {rate: !!float fast}\n", "api.throttling.rate", "!!float fast"),
        ("tags:\n  since: !!timestamp last week\n", "tags.since", "!!timestamp last week"),
        ("preview:\n  max_idle_days: !!bool maybe\n", "preview.max_idle_days", "!!bool maybe"),
        ("tags:\n  !!int one: a\n", "tags.one", "!!int one"),
        # empty text: IndexError (value[0]) out of plan, a traceback
        ("endpoint:\n  instance_count: !!int ''\n", "endpoint.instance_count", "!!int "),
        ("api:\n  throttling: {rate: !!float ''}\n", "api.throttling.rate", "!!float "),
    ],
)
def test_a_value_its_yaml_tag_cannot_read_names_the_key(
    tmp_path: Path, text: str, key: str, tagged: str
) -> None:
    """An explicit tag (``!!int``) on text that is not of its kind: PyYAML's constructors fail
    with Python's own error (ValueError, AttributeError, KeyError, IndexError), not a YAML
    error with a line."""
    msg = _problem(tmp_path, text)
    assert f"{key}: line {text.count(chr(10))}: `{tagged}`" in msg, msg
    assert "remove the tag" in msg and "1 problem" in msg, msg


@pytest.mark.parametrize(
    ("text", "key", "made"),
    [
        ("project: !!binary dHJlbmRzLWFub21hbHk=\n", "project: line 1", "makes bytes"),
        (
            "api:\n  cors_origins: !!set {https://a.example.com: null}\n",
            "api.cors_origins: line 2",
            "makes a set",
        ),
        ("tags: !!omap [{team: ml}]\n", "tags: line 1", "makes a list of pairs"),
        ("tags:\n  !!binary dGVhbQ==: ml\n", "tags.dGVhbQ==: line 2", "makes bytes"),
    ],
)
def test_a_tag_that_makes_bytes_or_a_set_is_refused_by_key(
    tmp_path: Path, text: str, key: str, made: str
) -> None:
    """`!!binary` and `!!set` made bytes and a set that the checks after loading took as the
    project's name and as a list of origins, without a word: refused, with what to write."""
    msg = _problem(tmp_path, text)
    assert f"  - {key}: the tag !!" in msg and made in msg, msg
    assert "without the tag" in msg or "write a mapping" in msg, msg
    assert "1 problem" in msg, msg


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "tags: {team: !ml core}\n",
            "tags.team: line 1: config.yaml takes no YAML tag like '!ml': remove it (quote a "
            "value that starts with !)",
        ),
        (
            "tags: !!seq {team: ml}\n",
            "tags: line 1: its tag !!seq says a list but the value is a mapping: remove the tag",
        ),
        (
            "project: !!python/name:os.system x\n",
            "project: line 1: config.yaml takes no YAML tag like '!!python/name:os.system'",
        ),
        (
            "region: !!str [us-east-1]\n",
            "region: line 1: its tag !!str says a single value but the value is a list",
        ),
    ],
)
def test_a_tag_config_yaml_cannot_take_names_its_key(tmp_path: Path, text: str, said: str) -> None:
    msg = _problem(tmp_path, text)
    assert f"  - {said}" in msg and "1 problem" in msg, msg


@pytest.mark.parametrize("tag", ["!!value", "!!merge"])
@pytest.mark.parametrize(
    "text",
    [
        "project: {tag} x\nregion: !odd us-east-1\n",
        "region: !odd us-east-1\ntags: {{team: {tag} ml}}\nproject: x\n",
        "region: !odd us-east-1\ntags:\n  - {tag} x\n",
        "tags: {{&k {tag} team: 1}}\nproject: *k\nregion: !odd us-east-1\n",  # a key's alias
    ],
)
def test_a_key_only_tag_on_a_value_is_named_with_the_others(
    tmp_path: Path, tag: str, text: str
) -> None:
    """!!value and !!merge are tags of a key (`<<: *a` is a !!merge key): on a value, YAML's
    loader knows no constructor for them and stops, after the other tags were named, with
    its own words and the tag spelled 'tag:yaml.org,2002:value': a second run for one file.
    Named by key with the others, in one message."""
    msg = _problem(tmp_path, text.format(tag=tag))
    assert f"config.yaml takes no YAML tag like '{tag}': remove it" in msg, msg
    assert "takes no YAML tag like '!odd'" in msg and "not valid YAML" not in msg, msg


def test_every_tag_config_yaml_cannot_take_is_named_at_once_up_to_ten(tmp_path: Path) -> None:
    """YAML's loader stops at the first tag it does not know: a file with several was fixed
    one run at a time. All are named, by key, in one message: the first ten, then a count."""
    keys = "".join(f"  k{i}: !t{i} v\n" for i in range(12))
    msg = _problem(tmp_path, f"project: !odd x\nregion: !!set {{a: null}}\ntags:\n{keys}")
    lines = [line for line in msg.splitlines() if line.startswith("  - ")]
    assert lines[0].startswith("  - project: line 1: config.yaml takes no YAML tag like '!odd'")
    assert lines[1].startswith("  - region: line 2: the tag !!set makes a set"), msg
    assert [line.split(":")[0] for line in lines[2:10]] == [f"  - tags.k{i}" for i in range(8)]
    assert lines[10:] == ["  - and 4 more tags like these"], msg


@pytest.mark.parametrize(
    ("text", "key", "holder"),
    [
        ("tags: &t\n  team: *t\n", "tags.team", "tags (line 1)"),
        ("endpoint: &e\n  deployment: *e\n", "endpoint.deployment", "endpoint (line 1)"),
        (
            "environments: &envs\n  staging:\n    endpoint: {}\n  production: *envs\n",
            "environments.production",
            "environments (line 1)",
        ),
        ("api:\n  cors_origins: &c [*c]\n", "api.cors_origins.0", "api.cors_origins (line 2)"),
    ],
)
def test_an_alias_inside_its_own_anchor_is_named_not_a_recursion_error(
    tmp_path: Path, text: str, key: str, holder: str
) -> None:
    """An anchor used inside the value it names makes an endless value (PyYAML builds it as
    a cycle): every walk of the file recursed until Python's RecursionError."""
    msg = _problem(tmp_path, text)
    assert f"{key}: the alias refers to {holder}, which holds it" in msg, msg
    assert "write the value out" in msg, msg


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("endpoint:\n  instance_count: !!int two\n", "endpoint.instance_count: line 2"),
        ("project: !!binary dHJlbmRzLWFub21hbHk=\n", "project: line 1: the tag !!binary"),
        ("tags: &t\n  team: *t\n", "tags.team: the alias refers to tags (line 1)"),
        ("project: trends\x1b[0manomaly\n", "line 1, column 16: not valid YAML"),
    ],
)
def test_plan_on_a_broken_config_says_it_and_exits_1_without_a_traceback(
    tmp_path: Path, text: str, said: str
) -> None:
    """`python -m deploy plan` as a person runs it: a config error is one message on stderr
    and exit code 1 (plan's "1: error"; 2 would read as "changes"), before any AWS call (no
    credentials here), never a traceback."""
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run(
        [sys.executable, "-m", "deploy", "--config", str(path), "plan"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"error: {path}: "), result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout


def test_aliases_that_expand_past_any_config_are_refused_before_they_are_walked(
    tmp_path: Path,
) -> None:
    """Aliases of aliases ("billion laughs") are cheap for PyYAML, which shares the values,
    but every check of the file walks them expanded: ten levels of ten held `plan` for hours.
    Their expanded size is counted once per value, and a size no config.yaml comes near is
    refused by key."""
    levels = ["  l0: &l0 [a, a, a, a, a, a, a, a, a, a]"]
    levels += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)]
    text = "tags:\n" + "\n".join(levels) + "\n"
    msg = _problem(tmp_path, text)
    assert "tags: its aliases expand to more than 100000 values" in msg, msg
    assert "write the values out" in msg, msg


def test_an_anchor_used_a_few_times_is_fine(tmp_path: Path) -> None:
    text = (
        "environments:\n  staging:\n    endpoint: &e\n      instance_count: 2\n"
        "  production:\n    endpoint: *e\n  qa:\n    endpoint: *e\n"
    )
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_config_file(path).environments["qa"].endpoint.instance_count == 2


@pytest.mark.parametrize(
    ("text", "key", "written"),
    [
        ("tags:\n  since: 2024-13-45\n", "tags.since", "2024-13-45"),
        (
            "endpoint:\n  environment:\n    START: 2024-02-30\n",
            "endpoint.environment.START",
            "2024-02-30",
        ),
    ],
)
def test_a_date_that_does_not_exist_names_the_key_and_says_to_quote_it(
    tmp_path: Path, text: str, key: str, written: str
) -> None:
    """YAML 1.1 reads any NNNN-NN-NN as a date, and PyYAML's constructor fails with Python's
    'month must be in 1..12' on one that does not exist: a traceback, where the user meant
    text (or a real date) and wrote no tag to remove."""
    msg = _problem(tmp_path, text)
    assert f"{key}: line {text.count(chr(10))}: got {written}, which YAML reads as a date" in msg
    assert f'quote it, "{written}"' in msg and "remove the tag" not in msg, msg


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "!!value project: x\n",
            "project: line 1: the key is written with the tag !!value, which only says it is "
            "text, as every config.yaml key is: remove the tag",
        ),
        (
            "tags:\n  !!value team: ml\n",
            "tags.team: line 2: the key is written with the tag !!value",
        ),
    ],
)
def test_a_value_tag_on_a_key_is_named_as_a_tag_not_as_a_key_of_another_kind(
    tmp_path: Path, text: str, said: str
) -> None:
    """YAML reads a !!value key as its text; keys_not_text took the tag for a kind of value
    and said "YAML reads the key project as a str, not as text"."""
    msg = _problem(tmp_path, text)
    assert f"  - {said}" in msg and "1 problem" in msg, msg
    assert "as a str" not in msg, msg


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "tags: {<<: foo}\n",
            "tags: line 1: `<<` merges a mapping into this one, but here it is "
            "given a single value (foo)",
        ),
        (
            "tags:\n  <<: [foo]\n",
            "tags: line 2: `<<` merges a mapping into this one, but here it is "
            "given a list holding a single value (foo)",
        ),
        (
            "tags: {<<: [{a: b}, [c]]}\n",
            "tags: line 1: `<<` merges a mapping into this one, but here it is "
            "given a list holding a list",
        ),
        ("environments:\n  prod:\n    <<: 3\n", "environments.prod: line 3: `<<` merges"),
    ],
)
def test_a_merge_key_given_no_mapping_is_named_by_key(tmp_path: Path, text: str, said: str) -> None:
    """`<<: foo` stopped the load with the loader's "expected a mapping or list of mappings
    for merging, but found scalar", by line and column only, with no way out."""
    msg = _problem(tmp_path, text)
    assert f"  - {said}" in msg and "not valid YAML" not in msg, msg
    assert "`<<: *name`" in msg, msg
