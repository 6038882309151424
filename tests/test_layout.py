"""The repository's shape, checked: one job per top-level folder, no import cycle anywhere,
`deploy/` free of servers and test knobs, a README in every package, tests that mirror code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Where each package's modules live, and the name they are imported by.
ROOTS = {
    "deploy": REPO / "deploy",
    "devstack": REPO / "devstack",
    "bench": REPO / "bench",
    "serving": REPO / "model" / "serving",
    "trends_anomaly": REPO / "model" / "trends_anomaly",
}
LAMBDA = REPO / "lambda"  # flat modules: handler, detect_contract, error_shape


def modules() -> dict[str, Path]:
    """Every module of the repository's own packages, by its import name."""
    out: dict[str, Path] = {}
    for package, root in ROOTS.items():
        for path in sorted(root.rglob("*.py")):
            parts = [package, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    for path in sorted(LAMBDA.glob("*.py")):
        out[path.stem] = path
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Own modules imported anywhere in the file (inside functions too: a cycle is a cycle)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:
                    yield full
                elif base in known:
                    yield base


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(_imports(name, path, known)) - {name} for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_the_repositorys_own_modules() -> None:
    graph = import_graph()
    assert "deploy.resources.iam" in graph and "handler" in graph and "trends_anomaly.app" in graph
    assert "serving.app" in graph["trends_anomaly.app"]  # and sees serving's
    assert "deploy.plan" in graph["deploy.executor"]  # the graph sees imports
    assert cycles(graph) == []


def test_deploy_is_the_engine_only() -> None:
    """No HTTP server, no test knob: those are devstack's and tests/support's."""
    graph = import_graph()
    for name, imported in graph.items():
        if name.startswith("deploy"):
            assert not any(m.startswith(("devstack", "bench", "tests")) for m in imported), name
    for path in (REPO / "deploy").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "http.server" not in text and "socketserver" not in text, path
        assert "Behaviour" not in text and "seam" not in text.lower(), path


def test_every_package_says_what_it_holds() -> None:
    for folder in ("deploy", "devstack", "lambda", "tests", "model"):
        readme = REPO / folder / "README.md"
        assert readme.is_file(), f"{folder}/README.md is missing"
        assert len(readme.read_text(encoding="utf-8").split()) > 40, f"{readme} says too little"


def _mirrored(package: Path, tests: Path, skip: set[str]) -> list[str]:
    missing = []
    for path in sorted(package.glob("*.py")):
        if path.stem.startswith("__") or path.stem in skip:
            continue
        if not (tests / f"test_{path.stem}.py").is_file():
            missing.append(f"{path.relative_to(REPO)} has no tests/.../test_{path.stem}.py")
    return missing


@pytest.mark.parametrize(
    ("package", "tests", "skip"),
    [
        ("deploy", "tests/deploy", set()),
        ("deploy/resources", "tests/deploy/resources", {"base"}),
        ("deploy/bootstrap", "tests/deploy/bootstrap", set()),
        ("devstack", "tests/devstack", {"http_thread"}),
        ("model/trends_anomaly/auto", "tests/model/auto", set()),
        ("lambda", "tests/lambda", set()),
    ],
)
def test_tests_mirror_the_code(package: str, tests: str, skip: set[str]) -> None:
    assert _mirrored(REPO / package, REPO / tests, skip) == []


PACKAGE = "trends_anomaly"  # the shipped model's package, model/trends_anomaly


def _names_the_model_package(path: Path) -> bool:
    """Imports the package, or names it as a path segment or module ("trends_anomaly",
    "trends_anomaly.app"): what breaks when a fork replaces it."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            return True
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == PACKAGE for a in node.names
        ):
            return True
        if isinstance(node, ast.Constant) and (
            node.value == PACKAGE or str(node.value).startswith(f"{PACKAGE}.")
        ):
            return True
    return False


def _outside_the_model(path: Path) -> bool:
    parts = path.relative_to(REPO).parts
    return not (
        parts[0] == "model"
        or parts[:2] == ("tests", "model")
        or parts[0].startswith(".")
        or "node_modules" in parts
    )


def test_the_swap_section_names_every_file_outside_model_that_names_the_package() -> None:
    """A fork replacing model/trends_anomaly finds, in docs/swap-your-model.md,
    every file outside model/ and tests/model/ that names the package (by its path, or a
    folder of it ending in '/'), instead of learning them from a failing `make test`."""
    section = (REPO / "docs" / "swap-your-model.md").read_text(encoding="utf-8")
    found = [
        path
        for path in sorted(REPO.rglob("*.py"))
        if _outside_the_model(path) and _names_the_model_package(path)
    ]
    if PACKAGE in (REPO / "Makefile").read_text(encoding="utf-8"):
        found.insert(0, REPO / "Makefile")
    missing = []
    for path in found:
        rel = path.relative_to(REPO).as_posix()
        folders = ["`" + "/".join(rel.split("/")[:i]) + "/`" for i in range(1, rel.count("/") + 1)]
        if f"`{rel}`" not in section and not any(f in section for f in folders):
            missing.append(rel)
    assert missing == [], f"docs/swap-your-model.md does not name: {missing}"


def test_no_test_takes_a_number_for_a_child_to_bind() -> None:
    """``free_port()`` finds a number free and lets a child bind it later; in between, another
    xdist worker's connection or server can take it ("Connection in use"). Tests use
    tests/support/ports.py (port 0 bound by the server itself, a held closed port, or this
    worker's block below the ephemeral range)."""
    users = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = (
                (isinstance(node, ast.alias) and node.name == "free_port")
                or (isinstance(node, ast.Name) and node.id == "free_port")
                or (isinstance(node, ast.Attribute) and node.attr == "free_port")
            )
            if named:
                users.append(f"{path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}")
    assert users == [], f"free_port() in tests: {users}"


SERVING = REPO / "model" / "serving"  # the server's own parts: what a fork keeps
MODEL_APP_DEFAULT = "trends_anomaly.app:app"  # MODEL_APP's default in model/serve


def _shell_code(text: str) -> str:
    """A shell script without its comment lines."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_the_server_plumbing_names_no_model() -> None:
    """A fork replacing model/trends_anomaly keeps model/serving (gunicorn's worker class and
    logger, the worker count, body admission, the error shape): nothing there imports or names
    the model package, and gunicorn_conf.py and serve name it only as MODEL_APP's default, the
    one place that says which app is served."""
    assert (SERVING / "gevent_worker.py").is_file() and (SERVING / "workers.py").is_file()
    named = [p.name for p in sorted(SERVING.rglob("*.py")) if _names_the_model_package(p)]
    mentions = [p.name for p in sorted(SERVING.rglob("*.py")) if PACKAGE in p.read_text("utf-8")]
    assert named == [] and mentions == [], f"model/serving names {PACKAGE}: {named or mentions}"
    assert not _names_the_model_package(REPO / "model" / "gunicorn_conf.py")
    serve = _shell_code((REPO / "model" / "serve").read_text(encoding="utf-8"))
    assert f'"${{MODEL_APP:-{MODEL_APP_DEFAULT}}}"' in serve
    assert serve.count(PACKAGE) == 1, f"serve names {PACKAGE} beyond MODEL_APP's default"


def test_the_plumbing_check_sees_an_import(tmp_path: Path) -> None:
    """The AST check above catches each way a module names the package."""
    path = tmp_path / "m.py"
    for text in (
        "from trends_anomaly.errors import X\n",
        "import trends_anomaly.app\n",
        'worker_class = "trends_anomaly.gevent_worker.W"\n',
    ):
        path.write_text(text, encoding="utf-8")
        assert _names_the_model_package(path), text
    path.write_text("from serving.errors import X\n", encoding="utf-8")
    assert not _names_the_model_package(path)


# Words of the Trends model in a caller's answer: an export, its terms, its time range, what it
# does (detection, anomalies) and what it reads (a CSV file). The first list (Google Trends'
# words alone) let the 414's "send detection parameters" and a 400's "@file.csv" through.
TRENDS_WORDS = re.compile(
    r"\b(google|trends|terms?|time range|download csv|detect\w*|anomal\w*|csv|\w+\.csv)\b",
    re.IGNORECASE,
)


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of a module's, classes' and functions' docstring nodes (explanations, which may
    take a Trends export as their example; no caller reads them)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _trends_words(path: Path) -> list[str]:
    """The string constants (f-strings' parts too) that speak of Trends, docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and TRENDS_WORDS.search(node.value)
    ]


def test_the_server_plumbing_speaks_no_trends() -> None:
    """What model/serving answers on a model's behalf (a 413, a 408, an empty file, a refused
    request) holds for any model, and error_shape.py is the Lambda's too: a model with its own
    words passes them (``create_app``'s ``hints``), so a fork's callers are not told to export
    a shorter time range from Google Trends."""
    paths = [*sorted(SERVING.rglob("*.py")), REPO / "model" / "gunicorn_conf.py"]
    found = {p.name: words for p in paths if (words := _trends_words(p))}
    assert found == {}, f"model/serving speaks of Trends: {found}"


def test_the_wording_check_sees_a_hint_and_not_a_docstring(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        '"""Reads a Trends export."""\n'
        'HINT = f"Export a shorter {0} time range."\n'
        "def f():\n"
        '    """Terms, as Google writes them."""\n'
        '    return "Send a smaller body."\n',
        encoding="utf-8",
    )
    assert _trends_words(path) == [" time range."]
    path.write_text(
        'HINT = f"Keep it under {n} bytes: send detection parameters in a header."\n'
        'CURL = "curl --data-binary @file.csv"\n'
        'FINE = "Send the whole body (curl --data-binary @FILE)."\n',
        encoding="utf-8",
    )
    assert sorted(_trends_words(path)) == [
        " bytes: send detection parameters in a header.",
        "curl --data-binary @file.csv",
    ]


def test_test_files_outside_packages_have_unique_names() -> None:
    """pytest imports a test file in a folder without ``__init__.py`` by its bare name, so two
    such files with one name break collection of the second ("import file mismatch"), and only
    when both run in one session: a helper's run of its own folder passed while ``make test``
    failed (tests/bench/test_image.py beside tests/model/test_image.py)."""
    seen: dict[str, list[str]] = {}
    for path in sorted((REPO / "tests").rglob("*.py")):
        if path.name == "conftest.py" or (path.parent / "__init__.py").exists():
            continue
        seen.setdefault(path.name, []).append(str(path.relative_to(REPO)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
