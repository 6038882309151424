"""The model's half of the deploy smoke test (`python -m deploy smoke`, run after every deploy):
what to POST to the deployed API's /detect, and whether the answer is right.

deploy does the rest (GET /health, the CORS preflight, cold-start retries) and loads this file
by path, with model/ on the import path. It is not in the image (model/.dockerignore): editing
it rebuilds and rolls out nothing. The contract (docs/swap-your-model.md, "Swap in your own
model"):

- ``request() -> (content_type, body)``: the POST's Content-Type and its body (str or bytes);
- ``check(answer) -> str``: ``answer`` is the 200 answer's JSON, decoded. Raise (an assert
  will do) when it is not what this model must answer; return a few words for the report.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trends_anomaly.trends_export import export_csv

WEEKS = 104
SPIKE_AT = 70


def request() -> tuple[str, str]:
    """A weekly Trends export with a season and one obvious spike (self-contained)."""
    start = date(2022, 1, 2)
    labels = [(start + timedelta(weeks=i)).isoformat() for i in range(WEEKS)]
    values = [100 if i == SPIKE_AT else 40 + (i % 52) // 13 * 5 + (i * 7) % 5 for i in range(WEEKS)]
    return "text/csv", export_csv("Week", labels, {"smoke test": values})


def check(answer: Any) -> str:
    """The default method reports the spike: one series of every week, an anomaly at week 70."""
    series = answer["series"][0]
    assert len(series["values"]) == WEEKS, f"{len(series['values'])} points, not {WEEKS}"
    assert any(a["index"] == SPIKE_AT for a in series["anomalies"]), "the spike was not found"
    return f"{len(series['anomalies'])} anomalies incl. the spike at week {SPIKE_AT}"
