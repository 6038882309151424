"""A small IAM policy evaluator for tests: what a policy document *means*, not how it looks.

Why: moto 5.2.5 does not implement `simulate_principal_policy`, and checking JSON shapes would
not show that the deploy role cannot touch another project. This follows AWS's documented
evaluation logic for identity policies: an explicit Deny wins, then any Allow, else an implicit
deny. Supported: Action/NotAction with `*`/`?` wildcards (case-insensitive), Resource/NotResource
globs (case-sensitive), and the condition operators StringEquals, StringNotEquals, StringLike,
StringNotLike, ArnEquals, ArnLike (multi-valued: any value matches; a missing key fails the
positive operators) and Null (whether the key is absent). Anything else raises, so a test
cannot pass by silently ignoring a condition it does not understand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

ALLOW, IMPLICIT_DENY, EXPLICIT_DENY = "allowed", "implicitDeny", "explicitDeny"


@cache
def _glob(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    # Not fnmatch: it treats [..] as a character class; IAM has only * and ?.
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def glob_match(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM wildcard match: `*` any run of characters, `?` exactly one."""
    return bool(_glob(pattern, case_sensitive).match(value))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches_any(patterns: Any, value: str, case_sensitive: bool) -> bool:
    return any(glob_match(p, value, case_sensitive) for p in _as_list(patterns))


_OPERATORS = {
    "StringEquals": lambda want, got: want == got,
    "StringLike": lambda want, got: glob_match(want, got),
    "ArnEquals": lambda want, got: want == got,
    "ArnLike": lambda want, got: glob_match(want, got),
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike"}


def _null_holds(clauses: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """``Null``: "true" holds when the key is absent from the request, "false" when present."""
    keys = {k.lower() for k in context}
    for key, wanted in clauses.items():
        if str(wanted).lower() not in ("true", "false"):
            raise NotImplementedError(f"Null wants true or false, not {wanted!r}")
        if (key.lower() not in keys) != (str(wanted).lower() == "true"):
            return False
    return True


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    for operator, clauses in condition.items():
        if operator == "Null":
            if not _null_holds(clauses, context):
                return False
            continue
        positive = _NEGATED.get(operator, operator)
        if positive not in _OPERATORS:
            raise NotImplementedError(f"condition operator {operator} is not supported")
        test = _OPERATORS[positive]
        for key, wanted in clauses.items():
            # Condition keys are case-insensitive; look them up that way.
            got_values = next(
                (_as_list(v) for k, v in context.items() if k.lower() == key.lower()), None
            )
            if got_values is None:
                if operator in _NEGATED:
                    continue  # a missing key satisfies a negated operator
                return False
            hit = any(test(w, str(g)) for w in _as_list(wanted) for g in got_values)
            if hit == (operator in _NEGATED):
                return False
    return True


def _statement_applies(
    st: Mapping[str, Any], action: str, resource: str, context: Mapping[str, Any]
) -> bool:
    if "Action" in st:
        if not _matches_any(st["Action"], action, case_sensitive=False):
            return False
    elif _matches_any(st["NotAction"], action, case_sensitive=False):
        return False
    if "Resource" in st:
        if not _matches_any(st["Resource"], resource, case_sensitive=True):
            return False
    elif "NotResource" in st and _matches_any(st["NotResource"], resource, case_sensitive=True):
        return False
    return _condition_holds(st.get("Condition", {}), context)


def evaluate(
    policy: Mapping[str, Any],
    action: str,
    resource: str = "*",
    context: Mapping[str, Any] | None = None,
) -> str:
    """ALLOW, IMPLICIT_DENY or EXPLICIT_DENY for one request against one identity policy."""
    ctx = context or {}
    decision = IMPLICIT_DENY
    for st in _as_list(policy["Statement"]):
        if not _statement_applies(st, action, resource, ctx):
            continue
        if st["Effect"] == "Deny":
            return EXPLICIT_DENY
        decision = ALLOW
    return decision


def allowed(
    policy: Mapping[str, Any],
    action: str,
    resource: str = "*",
    context: Mapping[str, Any] | None = None,
) -> bool:
    return evaluate(policy, action, resource, context) == ALLOW


def grants(statements: Iterable[Mapping[str, Any]]) -> set[tuple[str, str, str, str]]:
    """What statements allow, one (effect, action, resource, condition) at a time: the same
    for a statement and the runs of its resources `policies._split` cuts it into."""
    out = set()
    for st in statements:
        condition = json.dumps(st.get("Condition"), sort_keys=True)
        out |= {
            (st["Effect"], a, r, condition)
            for a in _as_list(st["Action"])
            for r in _as_list(st["Resource"])
        }
    return out


def request_of(condition: Mapping[str, Any] | None) -> dict:
    """A request context a statement's condition holds for: each positive key given its first
    value, the negated ones and those ``Null`` wants absent left out (a missing key satisfies
    them), those it wants present given a value."""
    return {
        key: "present" if operator == "Null" else _as_list(values)[0]
        for operator, clauses in (condition or {}).items()
        if operator not in _NEGATED
        for key, values in clauses.items()
        if operator != "Null" or str(values).lower() == "false"
    }


def statements(policy: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    return _as_list(policy["Statement"])


def actions_of(st: Mapping[str, Any]) -> list[str]:
    return list(_as_list(st.get("Action", [])))


def resource_is_anything(st: Mapping[str, Any]) -> bool:
    return "*" in _as_list(st.get("Resource", [])) or "NotResource" in st


# ------------------------------------------------------------------------- API Gateway (HTTP APIs)
_HTTP_API = re.compile(r"^arn:[a-z-]+:apigateway:[a-z0-9-]+::/apis/(?P<api>[^/]+)(?P<rest>/.*)?$")
_STAGE = re.compile(r"^/stages/(?P<stage>[^/]+)$")


def apigateway_context(
    resource: str,
    tags: Mapping[str, Mapping[str, str]],
    request_tags: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The condition keys API Gateway puts in an HTTP API request's context, as AWS does it.

    ``tags``: the tags of what carries tags, by ARN (an API, a stage). For HTTP APIs only the
    API, stages, domain names and VPC links can be tagged, and nothing inherits its parent's
    tags (inheritance is documented for REST APIs only): a request on a route, integration or
    deployment has *no* ``aws:ResourceTag/*`` key, so a tag-conditioned Allow cannot match it.
    """
    ctx = {f"aws:RequestTag/{k}": v for k, v in (request_tags or {}).items()}
    m = _HTTP_API.match(resource)
    taggable = m is not None and (not m["rest"] or _STAGE.match(m["rest"]) is not None)
    if taggable:
        ctx.update({f"aws:ResourceTag/{k}": v for k, v in tags.get(resource, {}).items()})
    return ctx
