"""The settings the server reads from its environment: a bad one stops the start in one line,
``Error: NAME='value': what it must be``."""

from __future__ import annotations

import pytest
from serving.environment import host, log_level, port, seconds
from serving.workers import choose_from_system, choose_workers


def test_unset_or_empty_is_the_default():
    assert seconds("T", "30", env={}) == 30.0
    assert seconds("T", "60", whole=True, env={"T": " "}) == 60
    assert seconds("T", "30", env={"T": "2.5"}) == 2.5
    assert seconds("T", "60", whole=True, env={"T": "120"}) == 120


def test_zero_seconds_is_no_limit():
    """gunicorn's ``--timeout 0`` is no timeout; 0 was refused, and before that the body's 0
    was a deadline that had passed already (a 408 for every big request)."""
    assert seconds("T", "60", whole=True, env={"T": "0"}) is None
    assert seconds("T", "30", env={"T": " 0.0 "}) is None


@pytest.mark.parametrize(
    ("value", "whole", "said"),
    [
        ("60s", True, "Error: T='60s': must be a whole number of seconds above 0, or 0 for no"),
        ("2.5", True, "Error: T='2.5': must be a whole number of seconds above 0, or 0 for no"),
        ("abc", False, "Error: T='abc': must be a number of seconds above 0, or 0 for no limit"),
        ("-1", True, "Error: T='-1': must be a whole number of seconds above 0, or 0 for no"),
        ("nan", False, "Error: T='nan': must be a number of seconds above 0, or 0 for no limit"),
        ("inf", False, "Error: T='inf': must be a number of seconds above 0, or 0 for no limit"),
    ],
)
def test_a_value_that_is_no_duration_says_what_it_must_be(value, whole, said):
    with pytest.raises(SystemExit) as stop:
        seconds("T", "1", whole=whole, env={"T": value})
    assert str(stop.value.code).startswith(said)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("", "info"),
        ("debug", "debug"),
        ("DEBUG ", "debug"),  # gunicorn strips and lowers it too
        ("Warning", "warning"),
        ("warn", "warning"),  # logging's alias, which gunicorn read as info
        ("WARN", "warning"),
        ("fatal", "critical"),
        ("error", "error"),
        ("critical", "critical"),
    ],
)
def test_a_log_level_gunicorn_or_logging_knows_is_gunicorns_name(value, level):
    assert log_level("L", "info", env={"L": value}) == level


@pytest.mark.parametrize("value", ["verbose", "trace", "notset", "10", "de bug"])
def test_a_log_level_nobody_knows_stops_the_start(value):
    """gunicorn reads any level it does not know as info, without a word."""
    with pytest.raises(SystemExit) as stop:
        log_level("L", "info", env={"L": value})
    assert str(stop.value.code) == (
        f"Error: L={value!r}: must be one of debug, info, warning, error, critical"
    )


def test_a_port_is_a_tcp_port_number():
    assert port("P", "8080", env={}) == 8080
    assert port("P", "8080", env={"P": " 9000 "}) == 9000
    assert port("P", "8080", env={"P": "0"}) == 0  # any free port (devstack's)
    for bad in ("80a", "99999", "-1", "8080.0"):
        with pytest.raises(SystemExit) as stop:
            port("P", "8080", env={"P": bad})
        assert str(stop.value.code).startswith(f"Error: P={bad!r}: must be a port number")


def test_a_host_is_an_address_without_a_port():
    assert host("H", "0.0.0.0", env={}) == "0.0.0.0"
    assert host("H", "0.0.0.0", env={"H": " "}) == "0.0.0.0"
    assert host("H", "0.0.0.0", env={"H": "127.0.0.1"}) == "127.0.0.1"
    assert host("H", "0.0.0.0", env={"H": "localhost"}) == "localhost"
    # gunicorn read "::1:8080" as host '' and port '' ("'' is not a valid port number").
    assert host("H", "0.0.0.0", env={"H": "::1"}) == "[::1]"
    assert host("H", "0.0.0.0", env={"H": "[::]"}) == "[::]"
    for bad in ("127.0.0.1:9000", "localhost:9000", "http://localhost", "a b"):
        with pytest.raises(SystemExit) as stop:
            host("H", "0.0.0.0", env={"H": bad})
        assert str(stop.value.code).startswith(f"Error: H={bad!r}: must be an IP address")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        # gunicorn takes ``[fe80::1%lo]`` for no IPv6 address (its inet_pton check), opens an
        # IPv4 socket and fails to bind it five times over, its lines masking the address.
        ("fe80::1%lo", "zone"),
        # gunicorn tried five times, its lines masking the name ('…'), then gave up.
        ("no-such-host.invalid", "it does not resolve"),
    ],
    ids=["scoped-ipv6", "unresolvable-name"],
)
def test_a_host_gunicorn_cannot_bind_stops_the_start_saying_why(value, why):
    with pytest.raises(SystemExit) as stop:
        host("H", "0.0.0.0", env={"H": value})
    said = str(stop.value.code)
    assert said.startswith(f"Error: H={value!r}: must be an IP address"), said
    assert why in said


def test_the_worker_variables_say_it_in_the_same_form():
    with pytest.raises(SystemExit) as stop:
        choose_workers(2, None, explicit="two")
    assert str(stop.value.code) == (
        "Error: SAGEMAKER_MODEL_SERVER_WORKERS='two': must be a whole number >= 1"
    )
    with pytest.raises(SystemExit) as stop:
        choose_from_system({"MODEL_WORKER_MEMORY_MB": "0"})
    assert str(stop.value.code) == "Error: MODEL_WORKER_MEMORY_MB='0': must be a whole number >= 1"
    assert choose_workers(2, None, explicit=" ").workers == 2  # blank: the default


def test_the_trends_models_payload_limit_says_it_in_the_same_form():
    """int() of MODEL_MAX_PAYLOAD_BYTES=6MB was a ValueError traceback from the app's import."""
    from trends_anomaly.settings import SAGEMAKER_PAYLOAD_LIMIT, load_settings

    assert load_settings({"MODEL_MAX_PAYLOAD_BYTES": " "}).max_payload_bytes == (
        SAGEMAKER_PAYLOAD_LIMIT
    )
    assert load_settings({"MODEL_MAX_PAYLOAD_BYTES": "4194304"}).max_payload_bytes == 4194304
    for bad in ("6MB", "0"):
        with pytest.raises(SystemExit) as stop:
            load_settings({"MODEL_MAX_PAYLOAD_BYTES": bad})
        assert str(stop.value.code) == (
            f"Error: MODEL_MAX_PAYLOAD_BYTES={bad!r}: must be a whole number >= 1"
        )
