"""A setting the server refuses (400 bad_parameter naming it) is marked on the page as the
page's own check marks one: aria-invalid, the error among its descriptions, the focus on it,
until the person changes it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from pagekit import ARTIFACTS, open_page, run, upload

pytestmark = pytest.mark.browser

# Yearly points: no calendar season follows from them, so STL with a blank Season length is
# refused by the model (detect.stl_period), a value the page's own check lets through.
YEARLY = (
    "Month,bitcoin\n" + "".join(f"{2000 + i}-01-01,{10 + i * 7 % 13}\n" for i in range(20))
).encode()


def _marked(page: Any, selector: str) -> tuple[str | None, list[str], str]:
    field = page.locator(selector)
    described = (field.get_attribute("aria-describedby") or "").split()
    return (
        field.get_attribute("aria-invalid"),
        described,
        page.evaluate("document.activeElement.id"),
    )


def _refused_with(page: Any, stack: Any, body: dict[str, Any]) -> None:
    """The yearly file run with the API answering ``body`` as a 400 (Playwright routing)."""
    page.route(
        "**/detect?*",
        lambda route: route.fulfill(
            status=400, content_type="application/json", body=json.dumps(body)
        ),
    )
    open_page(page, stack.urls["site"])
    upload(page, "yearly.csv", YEARLY)
    run(page)


@pytest.mark.same_page
def test_the_models_refusal_of_a_blank_season_marks_the_season_field(
    page: Any, stack: Any, problems: list[str]
) -> None:
    """Before: the error box said "STL needs a season length (period)…" and the focus went to
    the box; the Season length field was neither marked nor focused."""
    open_page(page, stack.urls["site"])
    upload(page, "yearly.csv", YEARLY)
    page.select_option("select[name=method]", "stl")
    run(page)
    assert "STL needs a season length" in page.locator("#error").text_content()
    invalid, described, focused = _marked(page, "#stl-period")
    assert (invalid, focused) == ("true", "stl-period")
    assert described == ["error", "stl-period-help"]
    page.screenshot(path=str(ARTIFACTS / "server-invalid-setting.png"), full_page=False)
    page.locator("#stl-period").fill("3")
    invalid, described, _ = _marked(page, "#stl-period")
    assert (invalid, described) == (None, ["stl-period-help"])
    assert page.locator("#error").is_hidden()
    run(page)  # corrected, the same file is answered
    assert page.locator("#status").text_content().startswith("Done:")
    assert [p for p in problems if "/detect" not in p] == []  # Chromium logs the 400 itself


@pytest.mark.same_page
def test_a_season_set_too_long_for_the_series_marks_the_season_field(
    page: Any, stack: Any, problems: list[str]
) -> None:
    """A year of weeks with a Season length of 30 set: STL needs 60 points and refuses
    (too_few_points). Before, that refusal named no parameter and only the error box took the
    focus; the season is the analyst's, so its field is marked as for a bad value."""
    weeks = "Week,bitcoin\n" + "".join(
        f"{date(2023, 1, 1) + timedelta(weeks=i)},{40 + i * 7 % 11}\n" for i in range(52)
    )
    open_page(page, stack.urls["site"])
    upload(page, "weeks.csv", weeks.encode())
    page.select_option("select[name=method]", "stl")
    page.locator("#stl-period").fill("30")
    run(page)
    error = page.locator("#error").text_content()
    assert "STL needs two full seasons" in error and "Season length" in error, error
    invalid, described, focused = _marked(page, "#stl-period")
    assert (invalid, focused) == ("true", "stl-period")
    assert described == ["error", "stl-period-help"]
    assert [p for p in problems if "/detect" not in p] == []  # Chromium logs the 400 itself


def test_a_refused_parameter_of_another_method_marks_nothing(page: Any, stack: Any) -> None:
    """A parameter the form on show has no field for (an older page, another method): the
    error is shown and focused, no field is marked."""
    body = {
        "error": {
            "code": "bad_parameter",
            "message": "Parameter 'eps' does not apply to method=auto.",
            "hint": "'eps' is used by method=dbscan; remove it or change the method.",
            "parameter": "eps",
        }
    }
    _refused_with(page, stack, body)
    assert page.evaluate("document.activeElement.id") == "error"
    assert page.locator("[aria-invalid=true]").count() == 0


def test_a_refused_slider_value_is_marked_and_cleared_when_moved(page: Any, stack: Any) -> None:
    """The model's words for a value out of range, with the parameter it names."""
    body = {
        "error": {
            "code": "bad_parameter",
            "message": "Parameter 'sensitivity' must be a number from 0 to 1; got '2'.",
            "hint": "sensitivity: higher finds more anomalies.",
            "parameter": "sensitivity",
        }
    }
    _refused_with(page, stack, body)
    invalid, described, focused = _marked(page, "#auto-sensitivity")
    assert (invalid, focused) == ("true", "auto-sensitivity")
    assert described == ["error", "auto-sensitivity-help"]
    page.keyboard.press("ArrowLeft")
    invalid, described, _ = _marked(page, "#auto-sensitivity")
    assert (invalid, described) == (None, ["auto-sensitivity-help"])
    assert page.locator("#error").is_hidden()
