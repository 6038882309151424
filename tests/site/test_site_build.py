"""Checks on the page's source and build output that need no browser."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pagekit import REPO, newer_source, require_built_site

SRC = REPO / "site" / "src"
BUDGET_GZIP_BYTES = 100 * 1024
# Ways to turn a string into markup; user text must only ever reach the page as text.
HTML_SINKS = re.compile(
    r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|"
    r"DOMParser|srcdoc|eval|new Function)\b"
)


def test_no_html_string_sinks_in_the_source() -> None:
    hits = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in sorted(SRC.glob("*.js"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HTML_SINKS.search(line)
    ]
    assert hits == []


def test_the_api_page_names_the_content_type_the_page_sends() -> None:
    """docs/api.md says which Content-Type makes the page's own POST /detect a preflighted
    request (why a catch-all OPTIONS route would risk the page): it still said text/csv after
    the page sent its files as application/octet-stream."""
    sent = re.search(r'"Content-Type":\s*"([^"]+)"', (SRC / "api.js").read_text(encoding="utf-8"))
    doc = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    said = re.search(r"needs\s+a\s+preflight\s+\(`Content-Type:\s+([^`]+)`\)", doc)
    assert sent and said, (sent, said)
    assert said.group(1) == sent.group(1)


def test_api_url_is_not_in_the_source_or_the_build() -> None:
    dist = require_built_site()
    assert not (dist / "config.js").exists(), "config.js is written by deploy, never built"
    index = (dist / "index.html").read_text(encoding="utf-8")
    assert '<script src="config.js"></script>' in index
    assert index.index('src="config.js"') < index.index('src="assets/main-')
    for path in [*SRC.rglob("*.js"), *dist.rglob("*.js"), SRC / "index.html"]:
        text = path.read_text(encoding="utf-8")
        for needle in ("execute-api", "amazonaws.com", ":3000", ":8080"):
            assert needle not in text, f"{path} hard-codes {needle}"


def test_bundle_fits_the_budget() -> None:
    assets = require_built_site() / "assets"
    files = sorted(p for p in assets.iterdir() if p.suffix in {".js", ".css"})
    assert {p.suffix for p in files} == {".js", ".css"}
    assert all(re.fullmatch(r"main-[A-Z0-9]{8}\.(js|css)", p.name) for p in files), files
    gzipped = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
    assert gzipped <= BUDGET_GZIP_BYTES, f"JS + CSS is {gzipped} bytes gzipped"


def test_the_page_guide_says_the_bundles_size() -> None:
    """docs/using-the-page.md said "about 47 KB gzipped" where the build printed 50.2 KB: the
    figure it gives is the build's, within 5 %."""
    assets = require_built_site() / "assets"
    files = [p for p in assets.iterdir() if p.suffix in {".js", ".css"}]
    measured = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files) / 1024
    doc = (REPO / "docs" / "using-the-page.md").read_text(encoding="utf-8")
    said = re.search(r"are about (\d+) KB gzipped", doc)
    assert said, "the guide no longer gives the size"
    assert abs(int(said.group(1)) - measured) <= 0.05 * measured, (said.group(0), measured)


def test_examples_are_byte_exact_copies() -> None:
    dist = require_built_site()
    for example in (SRC / "examples").glob("*.csv"):
        assert (dist / "examples" / example.name).read_bytes() == example.read_bytes()
        assert (REPO / "tests" / "data" / example.name).read_bytes() == example.read_bytes()


# Library calls newer than the build's es2020 target (site/build.mjs): esbuild lowers new
# syntax for the target, never a missing method, which would throw in an older browser
# (Safari before 15.4 has none of findLast*, Object.hasOwn, .at()).
NEWER_THAN_ES2020 = re.compile(
    r"\.(findLast|findLastIndex|replaceAll|toSorted|toReversed|toSpliced|at)\(|"
    r"\b(Object\.hasOwn|Object\.groupBy|Map\.groupBy|Promise\.any|AbortSignal\.(timeout|any)|"
    r"structuredClone|WeakRef|FinalizationRegistry|Array\.fromAsync)\b"
)


def test_the_bundle_calls_nothing_newer_than_its_es2020_target() -> None:
    dist = require_built_site()
    build = (REPO / "site" / "build.mjs").read_text(encoding="utf-8")
    assert 'target: "es2020"' in build  # the promise this test keeps
    bundles = sorted((dist / "assets").glob("*.js"))
    assert bundles
    hits = [
        f"{path.name}: {m.group(0)}"
        for path in bundles
        for m in NEWER_THAN_ES2020.finditer(path.read_text(encoding="utf-8"))
    ]
    assert hits == []


def _make_site(root: Path) -> subprocess.CompletedProcess[str]:
    """`make site` with the repository's Makefile in ``root`` (npm is a stub on the PATH)."""
    env = {**os.environ, "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["make", "-C", str(root), "-f", str(REPO / "Makefile"), "site"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _site_layout(root: Path) -> None:
    """What the Makefile's site rules read: a set-up venv, params.py, the page's sources, and
    the Node pin with the script that compares node with it (`make site` runs it first)."""
    for name in ("pyproject.toml", "uv.lock", "site/package.json", "site/package-lock.json"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("{}\n")
    (root / "site" / ".nvmrc").write_bytes((REPO / "site" / ".nvmrc").read_bytes())
    (root / "scripts").mkdir()
    (root / "scripts" / "check-node").symlink_to(REPO / "scripts" / "check-node")
    (root / "site" / "build.mjs").write_text("\n")
    (root / "site" / "src" / "generated").mkdir(parents=True)
    (root / "site" / "src" / "main.js").write_text("\n")
    (root / "site" / "src" / "generated" / "params.json").write_text('{"old": true}\n')
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (root / ".venv" / ".synced").touch()
    for name in ("pyproject.toml", "uv.lock"):  # older than .venv/.synced: set up already
        os.utime(root / name, (time.time() - 60, time.time() - 60))
    (root / "model" / "trends_anomaly").mkdir(parents=True)
    (root / "model" / "trends_anomaly" / "__init__.py").write_text("")
    (root / "bin").mkdir()
    npm = root / "bin" / "npm"
    npm.write_text(
        '#!/bin/sh\nif [ "$1" = run ]; then mkdir -p dist && echo built > dist/index.html; fi\n'
    )
    npm.chmod(0o755)


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
def test_a_failed_parameter_table_leaves_no_tmp_that_breaks_the_next_make_site(
    tmp_path: Path,
) -> None:
    """The Makefile's own rules on a small layout: a params.py that fails midway leaves the
    old params.json and no .tmp; a .tmp left anyway (make killed) does not break the build."""
    _site_layout(tmp_path)
    params = tmp_path / "model" / "trends_anomaly" / "params.py"
    generated = tmp_path / "site" / "src" / "generated"
    params.write_text('import sys\nsys.stdout.write(\'{"half": \')\n{}["missing"]\n')
    failed = _make_site(tmp_path)
    assert failed.returncode != 0 and "KeyError: 'missing'" in failed.stderr, failed.stderr
    assert sorted(p.name for p in generated.iterdir()) == ["params.json"]
    assert (generated / "params.json").read_text() == '{"old": true}\n'

    params.write_text("print('{\"new\": true}')\n")
    (generated / "params.json.tmp").write_text('{"half": ')  # as an interrupted make leaves
    built = _make_site(tmp_path)
    assert built.returncode == 0, built.stderr
    assert (generated / "params.json").read_text() == '{"new": true}\n'
    assert not (generated / "params.json.tmp").exists()
    assert (tmp_path / "site" / "dist" / "index.html").read_text() == "built\n"


def test_git_ignores_the_parameter_tables_tmp() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "site/src/generated/params.json.tmp"], cwd=REPO, timeout=30
    )
    assert ignored.returncode == 0, "site/src/generated/*.tmp is not in .gitignore"


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
def test_make_site_rewrites_the_table_when_a_module_it_reads_changes(tmp_path: Path) -> None:
    """params.json also carries file_kinds.py's rules (workbooks, Trends' other downloads), the
    parser's date pattern and the code pages; the Makefile rewrote it only when params.py,
    settings.py or answer_csv.py changed, so `make up` after an edit to file_kinds.py served
    the page the old rules ("Nothing to be done")."""
    _site_layout(tmp_path)
    package = tmp_path / "model" / "trends_anomaly"
    (package / "params.py").write_text("print(open('trends_anomaly/file_kinds.py').read())\n")
    kinds = package / "file_kinds.py"
    kinds.write_text('{"rules": 1}\n')
    generated = tmp_path / "site" / "src" / "generated" / "params.json"
    os.utime(generated, (time.time() - 30, time.time() - 30))
    assert _make_site(tmp_path).returncode == 0
    assert generated.read_text() == '{"rules": 1}\n\n'
    kinds.write_text('{"rules": 2}\n')
    os.utime(kinds, (time.time() + 5, time.time() + 5))  # newer than the table, surely
    built = _make_site(tmp_path)
    assert built.returncode == 0, built.stderr
    assert generated.read_text() == '{"rules": 2}\n\n', built.stdout


def test_a_build_older_than_a_source_is_named_as_make_would_rebuild_it(tmp_path: Path) -> None:
    """A page test run after editing site/src checked the old build and failed for what the
    edit changed; the tests now fail first, naming the newer source (make's rule: any file
    of site/src, package.json, package-lock.json or build.mjs, not a *.tmp)."""
    src = tmp_path / "src"
    (src / "generated").mkdir(parents=True)
    old = [src / "app.js", src / "generated" / "params.json", tmp_path / "build.mjs"]
    for path in old:
        path.write_text("x")
        os.utime(path, (1_000, 1_000))
    sources = (src, tmp_path / "build.mjs", tmp_path / "package.json")  # (no package.json)
    assert newer_source(2_000, sources) is None
    left = src / "generated" / "params.json.tmp"  # an interrupted make's: not a source
    left.write_text("x")
    os.utime(left, (3_000, 3_000))
    assert newer_source(2_000, sources) is None
    os.utime(old[1], (3_000, 3_000))
    assert newer_source(2_000, sources) == old[1]
    assert newer_source(3_000, sources) is None  # as old as the build: current
