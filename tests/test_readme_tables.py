"""The READMEs' reference tables agree with the code, both ways: docs/configuration.md's table with
config.py's keys and defaults; model/README's environment variables with what the server reads, its
parameter table with params.SPECS, its file tree with the package; deploy/README's modules and
resource kinds (with what each depends on) with deploy/; and every repository path the READMEs and
docs/ pages name exists. A key, variable, module or kind added to the code without a line in its
README fails here, as does a README line left behind by a rename.
"""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel

from deploy import config
from deploy.naming import WORKFLOW_STAGES
from deploy.resources import registered
from tests.support.readme_text import (
    READMES,
    REPO,
    code_spans,
    fenced_blocks,
    read,
    section,
    spans_in,
    table_rows,
)

MODEL = REPO / "model"
PACKAGE = MODEL / "trends_anomaly"
SERVING = MODEL / "serving"  # the server's own parts, which know no model
CONFIGURATION = "docs/configuration.md"

# ------------------------------------------------------------- docs/configuration.md


def _config_rows() -> dict[str, str]:
    """Each key the Configuration table names (``a.b` / `c`` is a.b and a.c) → its default cell
    (one part of ``x` / `y`` per key)."""
    rows = table_rows(section(read(CONFIGURATION), "# Configuration"), "Key")
    out = {}
    for key_cell, default_cell, *_ in rows:
        keys = spans_in(key_cell)
        parent = keys[0].rpartition(".")[0]
        full = [keys[0], *(f"{parent}.{k}" if parent else k for k in keys[1:])]
        defaults = default_cell.split(" / ") if len(full) > 1 else [default_cell]
        assert len(defaults) == len(full), f"{key_cell}: one default per key, got {default_cell}"
        out.update(zip(full, defaults, strict=True))
    return out


def _leaf_keys(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """Every key config.yaml takes under ``model`` as written in YAML, with its default: a
    mapping of models is walked into, a dict or list value is one key."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        nested = config._model_of(field.annotation)
        if nested is not None:
            out.update(_leaf_keys(nested, f"{key}."))
        else:
            out[key] = field.get_default(call_default_factory=True)
    return out


def _file_keys() -> dict[str, Any]:
    """The keys of the file itself beside Config's: environments, preview and its settings."""
    top = config._known_keys(["?"], "")
    extra = {k: None for k in top if config._field(config.Config, k) is None}
    settings = config._known_keys(["?"], "preview.")
    extra |= {f"preview.{k}": None for k in settings if config._field(config.Config, k) is None}
    extra["preview.max_idle_days"] = config.PREVIEW_MAX_IDLE_DAYS
    return extra


def test_the_configuration_table_names_every_key_of_config_py() -> None:
    documented = set(_config_rows())
    keys = set(_leaf_keys(config.Config)) | set(_file_keys())
    assert sorted(keys - documented) == [], "keys config.py takes that the table lacks"
    assert sorted(documented - keys) == [], "keys the table names that config.py refuses"


def _default_said(cell: str) -> Any:
    """The default a cell states: ``none``, or a code span read as YAML reads config.yaml."""
    if cell == "none":
        return None
    spans = spans_in(cell)
    return yaml.safe_load(spans[0]) if spans else cell


@pytest.mark.parametrize(("key", "cell"), sorted(_config_rows().items()))
def test_the_configuration_tables_default_is_config_pys(key: str, cell: str) -> None:
    actual = (_leaf_keys(config.Config) | _file_keys())[key]
    if key == "api.max_payload_mb":  # unset: the smallest hop's, which the cell gives
        hop = int(re.search(r"\((\d+)\)", cell).group(1))  # type: ignore[union-attr]
        assert actual is None and config.Config().hop_payload_limit_mb == hop
        return
    assert _default_said(cell) == actual, f"{key}: the table says {cell}, config.py {actual!r}"


def _row_text(key: str) -> str:
    """The Default and Allowed cells of the row naming ``key`` (a shared row included)."""
    for key_cell, *cells in table_rows(section(read(CONFIGURATION), "# Configuration"), "Key"):
        keys = spans_in(key_cell)
        parent = keys[0].rpartition(".")[0]
        if key in [keys[0], *(f"{parent}.{k}" if parent else k for k in keys[1:])]:
            return " | ".join(cells)
    raise AssertionError(f"{key}: no row")


def _bounds(field: Any) -> dict[str, Any]:
    """A field's ge/gt/le/lt, from its Annotated metadata."""
    return {
        name: getattr(m, name)
        for m in field.metadata
        for name in ("ge", "gt", "le", "lt")
        if getattr(m, name, None) is not None
    }


def _leaf_fields(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        nested = config._model_of(field.annotation)
        out |= _leaf_fields(nested, f"{key}.") if nested else {key: field}
    return out


@pytest.mark.parametrize(
    "key", [k for k, f in sorted(_leaf_fields(config.Config).items()) if _bounds(f)]
)
def test_the_configuration_table_states_each_numbers_range(key: str) -> None:
    """A limit changed in config.py (or one the table never said) fails here; the table says
    it in the words config.yaml's error message uses (``got -1; allowed 1–100``)."""
    said = config.range_said(_bounds(_leaf_fields(config.Config)[key]))
    assert said in _row_text(key), f"{key}: the table should say {said!r}"


@pytest.mark.parametrize(
    "key",
    [
        k
        for k, f in sorted(_leaf_fields(config.Config).items())
        if typing.get_origin(f.annotation) is Literal and isinstance(f.annotation.__args__[0], str)
    ],
)
def test_the_configuration_table_names_each_choice(key: str) -> None:
    choices = _leaf_fields(config.Config)[key].annotation.__args__
    missing = [v for v in choices if f"`{v}`" not in _row_text(key)]
    assert missing == [], f"{key}: the table does not name {missing}"


def test_the_environments_row_names_the_stages_the_workflows_deploy() -> None:
    """config.py takes any environment name, but deploy.yml deploys only these, in this order:
    its settings job refuses an `environments:` without them, and plans others without ever
    applying them (.github/scripts/ci_settings.py). A fork that names its stages otherwise
    learns it only from a failed first deploy unless the table says so."""
    row = _row_text("environments")
    missing = [s for s in WORKFLOW_STAGES if f"`{s}`" not in row]
    assert missing == [], f"environments: the table does not name the workflows' {missing}"
    assert "by hand" in row, "environments: the table should say other names are applied by hand"


def test_log_retention_days_lists_what_config_py_takes() -> None:
    cell = next(r for r in table_rows(read(CONFIGURATION), "Key") if "`log_retention_days`" in r[0])
    allowed = config.Config.model_fields["log_retention_days"].annotation.__args__
    assert f"{', '.join(map(str, allowed[:-1]))} or {allowed[-1]}" in cell[2]


# ------------------------------------------------------------------ model/README.md


# serving.environment's readers: reader("NAME", "default", ...).
READERS = {"text", "seconds", "whole_number", "log_level", "port", "host"}


def _env_reads() -> dict[str, str | None]:
    """The MODEL_* and SAGEMAKER_* variables the server reads (``environ.get``/``env.get``,
    ``serving.environment``'s readers, and ``${NAME:-default}`` in ``serve``), with the
    default written there when it is a non-empty string literal."""
    serve = (MODEL / "serve").read_text(encoding="utf-8")
    out: dict[str, str | None] = {
        name: default or None
        for name, default in re.findall(r"\$\{((?:MODEL|SAGEMAKER)_[A-Z_]+):-([^}]*)\}", serve)
    }
    paths = [MODEL / "gunicorn_conf.py", *sorted(SERVING.rglob("*.py"))]
    paths += sorted(PACKAGE.rglob("*.py"))
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and (
                    (isinstance(node.func, ast.Attribute) and node.func.attr == "get")
                    or (isinstance(node.func, ast.Name) and node.func.id in READERS)
                )
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and re.fullmatch(r"(MODEL|SAGEMAKER)_[A-Z_]+", str(node.args[0].value))
            ):
                continue
            default = node.args[1] if len(node.args) > 1 else None
            literal = isinstance(default, ast.Constant) and default.value
            out[node.args[0].value] = str(default.value) if literal else None  # type: ignore[union-attr]
    return out


def _env_table() -> dict[str, str]:
    rows = table_rows(read("model/README.md"), "environment variable")
    return {spans_in(name)[0]: default for name, default, *_ in rows}


def test_the_model_environment_table_names_every_variable_the_server_reads() -> None:
    reads, table = _env_reads(), _env_table()
    assert "SAGEMAKER_BIND_TO_PORT" in reads  # the scan sees the server's reads
    assert "MODEL_APP" in reads and "MODEL_BODY_TIMEOUT_SECONDS" in reads  # serve's, serving's
    assert sorted(set(reads) - set(table)) == [], "read by the server, not in model/README"
    assert sorted(set(table) - set(reads)) == [], "in model/README, read nowhere"
    wrong = {
        name: (table[name], default)
        for name, default in reads.items()
        if default is not None and spans_in(table[name]) != [default]
    }
    assert wrong == {}, "model/README's default (left) is not the code's (right)"


def test_the_model_tree_names_every_module_of_the_package() -> None:
    tree = next(b for b in fenced_blocks(read("model/README.md")) if "trends_anomaly/" in b)
    assert "serving/" in tree
    named = set(re.findall(r"\b(\w+)\.py\b", tree))
    modules = {
        p.stem for d in (PACKAGE, SERVING) for p in d.glob("*.py") if not p.stem.startswith("__")
    }
    assert sorted(modules - named) == [], "modules model/README's tree does not name"
    anywhere = {p.stem for p in MODEL.rglob("*.py")}
    assert sorted(named - anywhere) == [], "named, but no such module"


def test_the_parameter_table_is_params_specs() -> None:
    import sys

    sys.path.insert(0, str(MODEL))
    try:
        from trends_anomaly import params
    finally:
        sys.path.remove(str(MODEL))
    rows = table_rows(section(read("model/README.md"), "### Parameters"), "name")
    table = {
        spans_in(name)[0]: (methods, allowed, default) for name, methods, allowed, default in rows
    }
    where = "model/README.md's ### Parameters table"
    rows_are = f"{where}: a row per parameter, method then params.SPECS in its order"
    assert list(table) == ["method", *params.SPECS], rows_are
    assert spans_in(table["method"][1]) == list(params.METHODS), f"{where}: method's allowed"
    assert spans_in(table["method"][2]) == [params.DEFAULT_METHOD], f"{where}: method's default"
    for name, spec in params.SPECS.items():
        methods, _, default = table[name]
        assert methods.split(", ") == list(spec.methods), f"{where}: {name}'s methods"
        if spec.default is not None:
            assert spans_in(default) == [f"{spec.default:g}"], f"{where}: {name}'s default"


def test_the_too_few_points_row_names_every_method_that_raises_it() -> None:
    """The detectors that can answer too_few_points (``detect_<method>`` raising TooFewPoints,
    or making it, itself or through the functions of detect.py it calls), each named in
    model/README's errors table."""
    tree = ast.parse((PACKAGE / "detect.py").read_text(encoding="utf-8"))
    functions = {fn.name: fn for fn in tree.body if isinstance(fn, ast.FunctionDef)}

    def makes(name: str, seen: frozenset[str] = frozenset()) -> bool:
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Raise | ast.Return) and "TooFewPoints" in ast.unparse(node):
                return True
            call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            called = node.func.id if call else ""
            if called in functions and called not in seen | {name} and makes(called, seen | {name}):
                return True
        return False

    raising = {
        name.removeprefix("detect_")
        for name in functions
        if name.startswith("detect_") and makes(name)
    }
    row = next(
        r for r in table_rows(read("model/README.md"), "status") if "`too_few_points`" in r[1]
    )
    assert raising and sorted(m for m in raising if m not in row[2]) == []


# ------------------------------------------------------------------ deploy/README.md


def test_the_plan_module_line_names_every_kind_of_step() -> None:
    from deploy import plan

    line = next(ln for ln in read("deploy/README.md").splitlines() if ln.startswith("plan.py "))
    steps = [t.__name__ for t in plan.Step.__args__]
    assert f"({', '.join(steps)})" in line


def test_the_deploy_module_list_names_every_module() -> None:
    listing = section(read("deploy/README.md"), "## Modules")
    named = set(re.findall(r"\b(\w+)\.py\b", listing))
    modules = {p.stem for p in (REPO / "deploy").glob("*.py") if not p.stem.startswith("__")}
    assert sorted(modules - named) == [], "deploy/*.py that deploy/README's Modules lacks"


def test_the_resource_table_gives_every_kind_and_what_it_depends_on() -> None:
    rows = table_rows(section(read("deploy/README.md"), "## Resource modules"), "module")
    said: dict[str, set[str]] = {}
    item = re.compile(r",? ?`(\w+)`(?: \(([\w, ]+)\))?")
    for _, cell, *_ in rows:  # its leading "`kind` (dep, dep), `kind`, ...", then words
        at = 0
        while m := item.match(cell, at):
            deps = (m.group(2) or "").split(", ")
            said.setdefault(m.group(1), set()).update(d for d in deps if d)
            at = m.end()
    actual = {kind: set(deps) for resource in registered() for kind, deps in resource.kinds.items()}
    assert said == actual


# ------------------------------------------------------------------------ every README

TOP = (
    "model/",
    "deploy/",
    "devstack/",
    "lambda/",
    "site/",
    "tests/",
    "scripts/",
    "bench/",
    "docs/",
)
# Written by a build or a test run, not committed.
GENERATED = {"site/dist", "tests/site/artifacts/"}


@pytest.mark.parametrize("readme", READMES)
def test_every_repository_path_the_readmes_name_exists(readme: str) -> None:
    text = read(readme)
    words = [w for s in code_spans(text) for w in s.split()]
    words += [w for b in fenced_blocks(text) for w in b.split()]
    paths = {
        w.strip("`'\",;:()")
        for w in words
        if w.lstrip("`(").startswith((*TOP, ".github/")) and not re.search(r"[*<{…]", w)
    }
    missing = sorted(p for p in paths - GENERATED if not (REPO / p).exists())
    assert missing == [], f"{readme} names paths that do not exist"


def test_the_path_check_sees_paths() -> None:
    assert Path(REPO / "tests" / "support" / "readme_text.py").is_file()
    assert "model/smoke.py" in " ".join(code_spans(read("docs/swap-your-model.md")))
