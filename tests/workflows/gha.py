"""A small GitHub Actions runner for this repository's workflows: jobs in `needs` order, their
`if:` conditions, `${{ }}` expressions, step outputs and job outputs, `run:` steps under bash.

Why: the promotion order (staging before production, a failed smoke stops it) and the preview
lifecycle live in the workflows' `needs`/`if:`/outputs wiring as much as in the scripts; this
drives that wiring for real instead of reading it. What it cannot run (GitHub's own actions) is
stood in for by `uses` handlers: checkout and setup are the test's directory, configure-aws-
credentials records the role and the job's OIDC subject, the sticky comment records its text.

The expression language covered is what the workflows use: literals, contexts with `.`/`[]`,
`!`, `==`, `!=` (GitHub's loose equality: different types compared as numbers), `&&`, `||`
(both return an operand, as GitHub's do), parentheses, and the
functions always/success/failure/cancelled/fromJSON/contains. An expression outside that
subset raises, so a workflow change the runner cannot follow fails the test instead of
passing it. As on GitHub, a job's status functions cover all its ancestors (not only its
needs), and a step without `shell: bash` runs as `bash -e`, without pipefail.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# ------------------------------------------------------------------------------ expressions

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!()\[\].,*])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
STATUS_FUNCTIONS = ("always(", "success(", "failure(", "cancelled(")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"expression not understood at {text[pos:]!r}: {text!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and value != 0.0


def _loose(value: Any) -> str:
    """contains()'s text of a value: GitHub casts both to strings and ignores case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


_JSON_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _number(value: Any) -> float:
    """GitHub's number of a value compared with one of another type: null 0, a boolean 0 or 1,
    a string its JSON number ('' 0), anything else NaN."""
    if value is None:
        return 0.0
    if isinstance(value, (bool, int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        return 0.0 if not text else float(text) if _JSON_NUMBER.fullmatch(text) else math.nan
    return math.nan


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else "array or object"


def _equal(left: Any, right: Any) -> bool:
    """GitHub's `==`: strings without case, arrays and objects only as the same instance,
    values of different types both as numbers (NaN equals nothing)."""
    kind = _kind(left)
    if kind != _kind(right):
        return _number(left) == _number(right)
    if kind == "string":
        return left.lower() == right.lower()
    if kind == "array or object":
        return left is right
    return bool(left == right)  # null, booleans, numbers (NaN equals nothing)


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(_loose(item) == _loose(needle) for item in haystack)
    return _loose(needle) in _loose(haystack)


class Expression:
    """Evaluate one expression (without the ``${{ }}``) against the contexts."""

    def __init__(self, text: str, contexts: Mapping[str, Any], status: Mapping[str, bool]):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.contexts = contexts
        self.status = status

    def value(self) -> Any:
        v = self._or()
        if self.i != len(self.toks):
            raise ValueError(f"trailing tokens in {self.text!r}")
        return v

    def _peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        tok = self.toks[self.i]
        if expected is not None and tok[1] != expected:
            raise ValueError(f"expected {expected!r} in {self.text!r}")
        self.i += 1
        return tok

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._cmp()
        while self._peek() == "&&":
            self._take()
            right = self._cmp()
            left = right if truthy(left) else left
        return left

    def _cmp(self) -> Any:
        left = self._unary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self._unary()
            same = _equal(left, right)
            return same if op == "==" else not same
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            v = self._or()
            self._take(")")
            return v
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind != "name":
            raise ValueError(f"unexpected {text!r} in {self.text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            return self._call(text)
        value = self.contexts.get(text)
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                if self._peek() == "*":  # `.*.name`: the field of every item
                    self._take()
                    self._take(".")
                    key = self._take()[1]
                    value = [
                        (item or {}).get(key) for item in (value or []) if isinstance(item, dict)
                    ]
                    continue
                key = self._take()[1]
            else:
                key = self._or()
                self._take("]")
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        args = []
        while self._peek() != ")":
            args.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        low = name.lower()
        if low in ("always", "success", "failure", "cancelled"):
            return self.status[low]
        if low == "fromjson":
            return json.loads(args[0])
        if low == "contains":
            return _contains(args[0], args[1])
        raise ValueError(f"function {name}() is not supported by the test runner")


_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def render(text: Any, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> Any:
    """A workflow value with every ``${{ }}`` replaced (a lone expression keeps its type)."""
    if not isinstance(text, str):
        return text
    whole = _TEMPLATE.fullmatch(text.strip())
    if whole:
        return Expression(whole.group(1), contexts, status).value()
    return _TEMPLATE.sub(lambda m: _as_text(Expression(m.group(1), contexts, status).value()), text)


def condition(text: Any, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> bool:
    """An `if:`; without a status function it is ``success() && (...)``, as on GitHub."""
    if text is None:
        return status["success"]
    body = str(text).strip()
    m = _TEMPLATE.fullmatch(body)
    body = m.group(1) if m else body
    if not any(f in body.replace(" ", "") for f in STATUS_FUNCTIONS):
        body = f"success() && ({body})"
    return truthy(Expression(body, contexts, status).value())


# ------------------------------------------------------------------------------ runner


@dataclass
class StepRun:
    name: str
    outcome: str  # success / failure / skipped
    stdout: str = ""


@dataclass
class JobRun:
    name: str
    result: str  # success / failure / skipped
    environment: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    steps: list[StepRun] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # configure-aws-credentials' role-to-assume
    subject: str = ""  # the OIDC `sub` GitHub would give this job


UsesHandler = Callable[["Job", dict[str, Any]], None]


@dataclass
class Job:
    """What a `uses:` handler may read and change while a job runs."""

    run: JobRun
    env: dict[str, str]
    contexts: dict[str, Any]


def _parse_outputs(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                out[key] = value
    return out


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


@dataclass
class Runner:
    """Runs one workflow for one event in ``workdir`` (the checkout)."""

    workflow: Path
    workdir: Path
    github: dict[str, Any]  # the github context: event_name, event, repository, ref, sha ...
    vars: dict[str, str]
    base_env: dict[str, str]
    uses: dict[str, UsesHandler]
    inputs: dict[str, Any] = field(default_factory=dict)
    step_timeout: float = 600
    matrix_runs: dict[str, list[JobRun]] = field(default_factory=dict)

    def run(self) -> dict[str, JobRun]:
        doc = load(self.workflow)
        jobs: dict[str, dict[str, Any]] = doc["jobs"]
        done: dict[str, JobRun] = {}
        pending = list(jobs)
        while pending:
            ready = [j for j in pending if all(n in done for n in _needs(jobs[j]))]
            if not ready:
                raise ValueError(f"needs cycle among {pending}")
            for name in ready:
                done[name] = self._matrix(name, jobs[name], done, doc)
                pending.remove(name)
        return done

    def _contexts(self, needs: dict[str, JobRun]) -> dict[str, Any]:
        return {
            "github": self.github,
            "vars": self.vars,
            "inputs": self.inputs,
            "needs": {n: {"result": r.result, "outputs": r.outputs} for n, r in needs.items()},
            "runner": {"temp": str(self.workdir / ".runner-temp")},
            "env": {},
            "steps": {},
            "matrix": {},
        }

    def _matrix(
        self, name: str, job: dict[str, Any], done: dict[str, JobRun], doc: dict[str, Any]
    ) -> JobRun:
        """A job, or (one `strategy.matrix` key) one run per value; `matrix_runs` keeps each."""
        matrix = (job.get("strategy") or {}).get("matrix")
        if not matrix:
            return self._job(name, job, done, doc, {})
        ((key, values),) = matrix.items()
        needs = {n: done[n] for n in _needs(job)}
        status = _job_status(name, doc["jobs"], done)
        if not condition(job.get("if"), self._contexts(needs), status):
            return JobRun(name, "skipped")
        values = render(values, self._contexts(needs), status)
        runs = [self._job(name, job, done, doc, {key: v}) for v in values]
        self.matrix_runs[name] = runs
        failed = any(r.result == "failure" for r in runs)
        return JobRun(name, "failure" if failed else "success")

    def _job(
        self,
        name: str,
        job: dict[str, Any],
        done: dict[str, JobRun],
        doc: dict[str, Any],
        matrix: dict[str, Any],
    ) -> JobRun:
        needs = {n: done[n] for n in _needs(job)}
        ctx = self._contexts(needs)
        ctx["matrix"] = matrix
        status = _job_status(name, doc["jobs"], done)
        if not condition(job.get("if"), ctx, status):
            return JobRun(name, "skipped")
        if "uses" in job:  # a reusable workflow (checks.yml): the test's checks have run
            return JobRun(name, "success")
        env_name = job.get("environment")
        if isinstance(env_name, dict):
            env_name = env_name.get("name")
        env_name = render(env_name, ctx, status) if env_name else None
        run = JobRun(name, "success", environment=env_name or None)
        repo = self.github["repository"]
        if env_name:
            run.subject = f"repo:{repo}:environment:{env_name}"
        elif self.github["event_name"] == "pull_request":
            run.subject = f"repo:{repo}:pull_request"
        else:
            run.subject = f"repo:{repo}:ref:{self.github['ref']}"
        temp = self.workdir / ".runner-temp"
        temp.mkdir(exist_ok=True)
        env = dict(self.base_env)
        for level in (doc.get("env") or {}, job.get("env") or {}):
            for key, value in level.items():
                ctx["env"] = env
                env[key] = _as_text(render(value, ctx, status))
        ctx["env"] = env
        ok = True
        for index, step in enumerate(job.get("steps", [])):
            label = str(step.get("name") or step.get("uses") or step.get("run", ""))[:80]
            step_status = {"always": True, "cancelled": False, "success": ok, "failure": not ok}
            if not condition(step.get("if"), ctx, step_status):
                run.steps.append(StepRun(label, "skipped"))
                continue
            step_env = dict(env)
            for key, value in (step.get("env") or {}).items():
                step_env[key] = _as_text(render(value, ctx, step_status))
            outputs = temp / f"output-{name}-{index}"
            outputs.write_text("")
            if "uses" in step:
                action = str(step["uses"]).split("@", 1)[0]
                handler = self.uses.get(action)
                if handler is None:
                    raise ValueError(f"no stand-in for {action} ({self.workflow.name}:{name})")
                with_ = {
                    k: render(v, ctx, step_status) for k, v in (step.get("with") or {}).items()
                }
                handler(Job(run, env, ctx), with_)
                run.steps.append(StepRun(label, "success"))
                continue
            script = render(step["run"], ctx, step_status)
            step_env.update(
                GITHUB_OUTPUT=str(outputs),
                GITHUB_STEP_SUMMARY=str(temp / "summary.md"),
                RUNNER_TEMP=str(temp),
            )
            proc = subprocess.run(
                [*_shell(doc, job, step), script],
                cwd=self.workdir,
                env=step_env,
                capture_output=True,
                text=True,
                timeout=self.step_timeout,
            )
            outcome = "success" if proc.returncode == 0 else "failure"
            run.steps.append(StepRun(label, outcome, proc.stdout + proc.stderr))
            if "id" in step:
                ctx["steps"][step["id"]] = {"outputs": _parse_outputs(outputs), "outcome": outcome}
            if outcome == "failure":
                ok = False
        run.result = "success" if ok else "failure"
        final = {"always": True, "cancelled": False, "success": ok, "failure": not ok}
        run.outputs = {
            k: _as_text(render(v, ctx, final)) for k, v in (job.get("outputs") or {}).items()
        }
        return run


def _ancestors(name: str, jobs: dict[str, dict[str, Any]]) -> set[str]:
    """Every job ``name`` needs, directly or through another."""
    seen: set[str] = set()
    todo = _needs(jobs[name])
    while todo:
        need = todo.pop()
        if need not in seen:
            seen.add(need)
            todo += _needs(jobs[need])
    return seen


def _job_status(
    name: str, jobs: dict[str, dict[str, Any]], done: dict[str, JobRun]
) -> dict[str, bool]:
    """A job's status functions, as GitHub evaluates them: over every *ancestor*, not only the
    direct needs (a skipped grandparent makes `success()` false although the parent succeeded:
    https://github.com/actions/runner/issues/2205; "If you have a chain of dependent jobs,
    failure() returns true if any ancestor job fails", docs' expressions reference)."""
    results = [done[a].result for a in _ancestors(name, jobs)]
    return {
        "always": True,
        "cancelled": False,
        "success": all(r == "success" for r in results),
        "failure": any(r == "failure" for r in results),
    }


def _shell(doc: dict[str, Any], job: dict[str, Any], step: dict[str, Any]) -> list[str]:
    """The step's shell as GitHub runs it: `shell: bash` (the step's, the job's or the
    workflow's `defaults.run`) is `bash --noprofile --norc -eo pipefail {0}`; none is
    `bash -e {0}`, without pipefail (workflow syntax, jobs.<job_id>.steps[*].shell)."""
    shell = step.get("shell")
    for level in (job, doc):
        shell = shell or ((level.get("defaults") or {}).get("run") or {}).get("shell")
    if shell is None:
        return ["bash", "-e", "-c"]
    if shell == "bash":
        return ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
    raise ValueError(f"shell {shell!r} is not supported by the test runner")


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


def bytecode_env() -> dict[str, str]:
    """The test run's bytecode cache (tests/support/bytecode.py) for the processes a step
    starts: without it, every `python -m deploy` and .github/scripts step compiled the
    scripts anew and wrote the project's .pyc files into __pycache__ beside the sources."""
    prefix = os.environ.get("PYTHONPYCACHEPREFIX")
    return {"PYTHONPYCACHEPREFIX": prefix} if prefix else {}


def bash_env(extra: Mapping[str, str]) -> dict[str, str]:
    """A step's base environment: PATH and HOME of this process, the bytecode cache's
    prefix, and ``extra``."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        **bytecode_env(),
        **extra,
    }
