"""bootstrap's report: one line per resource, from the engine's own actions."""

from __future__ import annotations

from deploy.bootstrap.apply import TYPES, report_line
from deploy.bootstrap.handover import INLINE_HOLD
from deploy.plan import Action, Change
from deploy.resources import iam


def test_report_lines() -> None:
    arn = "arn:aws:iam::1:role/p-github-deploy"
    assert report_line(Action("create", "iam_role", "r", ""), arn) == f"created  {arn}"
    assert report_line(Action("noop", "iam_role", "r", ""), arn) == f"unchanged {arn}"
    assert report_line(Action("noop", "oidc_provider", "h", "exists"), arn) == f"exists   {arn}"
    assert report_line(Action("update", "oidc_provider", "h", "added audience x"), arn) == (
        f"updated  {arn} (added audience x)"
    )
    changes = (Change("trust", 1, 2), Change("max_session_s", 1, 2), Change("description", 1, 2))
    assert report_line(Action("update", "iam_role", "r", "", changes), arn) == (
        f"description updated, trust updated {arn}"
    )


def test_report_lines_of_an_inline_hold() -> None:
    """handover.py's temporary inline policy, put and removed, named with its role."""
    name = "r r-1-held"
    put = report_line(Action("create", INLINE_HOLD, name, "holds r-1's permissions"), name)
    gone = report_line(Action("delete", INLINE_HOLD, name, "temporary"), name)
    assert put == "put      the inline policy r-1-held on r (holds r-1's permissions)"
    assert gone == "removed  the inline policy r-1-held of r (temporary)"


def test_bootstrap_plans_roles_with_the_engines_iam_module() -> None:
    (_, _, roles, _) = TYPES
    assert roles.plan is iam.plan
    assert roles.kinds == {"iam_role": ("oidc_provider", "iam_policy")}
