"""`status` when the credentials may not make one of its reads (moto server, end to end): a
refused DescribeEndpoint, GetFunction, ListDistributions ... made the whole command fail with
AWS's error, as the lock's GetObject did before. Each refused read is one line naming the call
and the permission; every other section is printed; the exit status is 1 (not all was read)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy.aws import Aws
from deploy.cli import main
from tests.deploy.deploy_helpers import (
    CONFIG,
    ENVIRONMENTS,
    cli_hooked,
    engine,
)
from tests.support.refusals import refuse

# Each test runs status once a read it makes (some 30): over 40 s, so `slow` (tests/README.md).
pytestmark = [pytest.mark.usefixtures("aws_env", "cli_clients"), pytest.mark.slow]


DENIED = "User: arn:aws:sts::123456789012:assumed-role/ro/x is not authorized to perform: x"
# What status cannot do without: the account (every name is made of it).
NEEDED = {("sts", "GetCallerIdentity")}
SECTIONS = ("  endpoint  ", "  configs   ", "  lambda    ", "  api       ", "  site      ")


def _reads(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> list[tuple[str, str]]:
    """The calls `status` makes, in order, each once."""
    seen: list[tuple[str, str]] = []
    make = Aws.client

    def client(self: Aws, name: str) -> Any:
        made = make(self, name)
        made.meta.events.register(
            "before-call.*.*",
            lambda model, **_: seen.append((model.service_model.service_name, model.name)),
            "seen",
        )
        return made

    with cli_hooked(monkeypatch, "before-call.*.*", "seen") as m:
        m.setattr(Aws, "client", client)
        assert main(argv) == 0
    return list(dict.fromkeys(seen))


def _each_refused(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> int:
    capsys.readouterr()
    reads = [r for r in _reads(monkeypatch, argv) if r not in NEEDED]
    assert len(reads) > 10, reads
    for service, operation in reads:
        capsys.readouterr()
        with cli_hooked(monkeypatch, f"before-call.{service}.{operation}", "refused") as m:
            refuse(m, service, operation, "AccessDenied", DENIED)
            code = main(argv)
        out, err = capsys.readouterr()
        said = f"{service}:{operation} ({service}, {operation})\n{out}\n{err}"
        assert code == 1, said
        assert "Traceback" not in err and not err.startswith("error: AWS"), said
        # one line a stack it left something of unread (naming every module's part of it)
        lines = [
            ln
            for ln in out.splitlines()
            if f"{service}:{operation}" in ln and "refused (AccessDenied)" in ln
        ]
        assert lines and all("grant these credentials" in ln for ln in lines), said
        for section in SECTIONS:
            assert [ln for ln in out.splitlines() if ln.startswith(section)], (section, said)
        assert "could not read" in err, said
    return len(reads)


def test_status_prints_every_section_when_one_read_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine(project).apply()
    _each_refused(
        project, capsys, monkeypatch, ["--config", str(project / "config.yaml"), "status"]
    )


def test_status_of_every_environment_and_the_previews_survives_a_refused_read(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --env: every environment's stack, then the previews from the listings."""
    (project / "config.yaml").write_text(CONFIG + ENVIRONMENTS)
    _each_refused(
        project, capsys, monkeypatch, ["--config", str(project / "config.yaml"), "status"]
    )


def test_a_refused_read_several_modules_make_is_one_line_naming_all_it_left_unread(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SageMaker's ListTags is read for the endpoint, its configs and the models (each
    module's tags say whose it is): refused, it was said three times, one `unread` line per
    module, each naming the same call and grant. One line per refused call, naming every
    part of the status it left unknown."""
    engine(project).apply()
    capsys.readouterr()
    with cli_hooked(monkeypatch, "before-call.sagemaker.ListTags", "refused") as m:
        refuse(m, "sagemaker", "ListTags", "AccessDenied", DENIED)
        code = main(["--config", str(project / "config.yaml"), "status"])
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("  unread")]
    assert code == 1
    assert lines == [
        "  unread    endpoint, endpoint config, sagemaker model: could not be read: "
        "sagemaker:ListTags was refused (AccessDenied); grant these credentials "
        "sagemaker:ListTags to see them"
    ], out
