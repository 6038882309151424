"""Plan → text (terminal), markdown (pull-request comment) or JSON (machines). Pure.

Every form shows each action's steps: what `apply` will run, call by call.
"""

from __future__ import annotations

import json
from typing import Any

from deploy.plan import Action, Change, canonical, has_changes

SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "wait": "…", "noop": " "}
OPS = ("create", "update", "replace", "delete", "wait", "noop")
MAX_VALUE = 90


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def change_lines(change: Change) -> list[tuple[str, Any, Any]]:
    """(field, before, after) to show: nested mappings down to the keys that differ, so a
    long value (a CORS rule, a policy) shows what changed, not its first 90 characters."""
    before, after = change.before, change.after
    if _scalars(before) and _scalars(after):
        gone = [x for x in before if x not in after]
        new = [x for x in after if x not in before]
        if gone or new:  # a reordering alone is shown whole
            return [(f"{change.field} (removed → added)", gone, new)]
    if _same_length_lists(before, after) and not (_scalars(before) and _scalars(after)):
        # A policy's statements: element by element, so the differing ARN shows, not the
        # first 90 characters of two statements that read the same.
        out = []
        for i, (was, will) in enumerate(zip(before, after, strict=True)):
            if canonical(was) != canonical(will):
                out += change_lines(Change(f"{change.field}[{i}]", was, will))
        return out or [(change.field, before, after)]
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return [(change.field, before, after)]
    out = []
    for key in sorted(set(before) | set(after), key=str):
        if canonical(before.get(key)) != canonical(after.get(key)):
            sub = Change(f"{change.field}.{key}", before.get(key), after.get(key))
            out += change_lines(sub)
    return out or [(change.field, before, after)]


def _same_length_lists(before: Any, after: Any) -> bool:
    return isinstance(before, list) and isinstance(after, list) and len(before) == len(after)


def _scalars(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(x, (str, int, float)) for x in value)


def counts(actions: list[Action]) -> dict[str, int]:
    out = dict.fromkeys(OPS, 0)
    for a in actions:
        out[a.op] += 1
    return out


def summary_line(actions: list[Action]) -> str:
    c = counts(actions)
    if c["noop"] == len(actions):
        return f"No changes: AWS matches config.yaml ({c['noop']} resources up to date)."
    parts = [f"{c[op]} to {op}" for op in ("create", "update", "replace", "delete") if c[op]]
    if c["wait"]:
        parts.append(f"{c['wait']} to wait for")
    return f"Plan: {', '.join(parts)}; {c['noop']} unchanged."


def warning_lines(warnings: list[str]) -> list[str]:
    return [f"Warning: {w}" for w in warnings]


KIND_WIDTH = 17  # the usual kinds' column (lambda_permission)


def text(
    actions: list[Action],
    header: str = "",
    verbose: bool = False,
    warnings: tuple[str, ...] | list[str] = (),
) -> str:
    lines = [header] if header else []
    shown = [a for a in actions if a.op != "noop" or verbose]
    # The names in one column: as wide as the longest kind shown (cloudfront_distribution).
    width = max([KIND_WIDTH, *(len(a.kind) for a in shown)])
    for a in shown:
        lines.append(f"  {SYMBOL[a.op]:>3} {a.op:<7} {a.kind:<{width}} {a.name}  ({a.reason})")
        for c in a.changes:
            for field, before, after in change_lines(c):
                lines.append(f"          {field}: {_short(before)} → {_short(after)}")
        for step in a.steps:
            lines.append(f"          ▸ {step.describe()}")
    lines.append(summary_line(actions))
    lines += warning_lines(list(warnings))
    return "\n".join(lines)


def markdown(
    actions: list[Action], header: str = "", warnings: tuple[str, ...] | list[str] = ()
) -> str:
    lines = ["### Deploy plan", ""]
    if header:
        lines += [header, ""]
    lines += [f"**{summary_line(actions)}**", ""]
    lines += [f"> **Warning:** {w}\n" for w in warnings]
    changed = [a for a in actions if a.op != "noop"]
    if changed:
        lines += ["| | action | resource | name | why |", "|---|---|---|---|---|"]
        for a in changed:
            why = a.reason.replace("|", "\\|")
            lines.append(f"| {SYMBOL[a.op]} | {a.op} | {a.kind} | `{a.name}` | {why} |")
        details = [a for a in changed if a.changes]
        if details:
            lines += ["", "<details><summary>Changed fields</summary>", "", "```diff"]
            for a in details:
                lines.append(f"# {a.kind} {a.name}")
                for c in a.changes:
                    for field, before, after in change_lines(c):
                        lines.append(f"- {field}: {_short(before)}")
                        lines.append(f"+ {field}: {_short(after)}")
            lines += ["```", "", "</details>"]
        lines += ["", "<details><summary>Steps apply will run</summary>", "", "```"]
        for i, a in enumerate(changed, 1):
            lines.append(f"[{i}] {a.op} {a.kind} {a.name}")
            lines += [f"    {step.describe()}" for step in a.steps]
        lines += ["```", "", "</details>"]
    unchanged = [a for a in actions if a.op == "noop"]
    if unchanged:
        lines += ["", f"<details><summary>{len(unchanged)} unchanged</summary>", ""]
        lines += [f"- {a.kind} `{a.name}`" for a in unchanged]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def as_json(actions: list[Action], extra: dict[str, Any] | None = None) -> str:
    doc = {
        **(extra or {}),
        "changes": has_changes(actions),
        "counts": counts(actions),
        "actions": [a.to_json() for a in actions],
    }
    return json.dumps(doc, indent=2, sort_keys=True, default=str)
