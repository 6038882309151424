"""A term read from too thin a sample: the answer names the dates where its values are
sampling noise (its parameters, and a sentence in the warnings), so a tall spike with no dot
and a band reaching far up are explained where a person reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from trends_anomaly.auto.sampling import NAMED_MIN, sparse_stretches
from trends_anomaly.sparse_note import KEY, constant_warning, sparse_warning
from trends_anomaly.types import Detection, Series, Step

DATA = Path(__file__).resolve().parents[1] / "data"


def test_stretches_are_where_the_floor_holds_joined_across_short_gaps():
    floor = np.zeros(100)
    floor[0:20] = 3.0
    floor[20 + NAMED_MIN - 1 : 40] = 3.0  # a gap shorter than NAMED_MIN: one stretch
    floor[60:70] = 2.0
    floor[90 : 90 + NAMED_MIN - 1] = 1.0  # too short to name
    assert sparse_stretches(floor) == [(0, 39), (60, 69)]
    assert sparse_stretches(np.zeros(10)) == []
    floor = np.full(12, 1.0)
    assert sparse_stretches(floor) == [(0, 11)]


def _answer(chosen: dict) -> Detection:
    e = np.zeros(3)
    return Detection(e, e, e, [], chosen)


def test_the_warning_names_each_stretch():
    s = Series("kacamata Chanel", None, ["a", "b", "c"], np.zeros(3), Step(0.0, "unknown"))
    spans = "from 2019-10-27 to 2020-03-01 and from 2021-05-02 to 2021-09-05"
    got = sparse_warning(s, _answer({KEY: spans}))
    assert got is not None
    assert got.startswith(
        "kacamata Chanel: from 2019-10-27 to 2020-03-01 and from 2021-05-02 to 2021-09-05 the "
        "term reads mostly 0, with now and then a lone value"
    )
    assert "sampling noise" in got
    # A lone 84 or 100 is one search too, on a rare term's scale: an analyst read "one
    # search or a few" against a chart of values near 100 as a contradiction.
    assert "a lone value of one search or a few, however tall it is drawn" in got
    assert sparse_warning(s, _answer({})) is None


def test_a_real_low_volume_export(client):
    """Three TV shows searched in Cyprus: years of lone values of 10-70 between zeros."""
    body = (DATA / "heldout2" / "34_LoizosKo_loizosko.github.io.csv").read_bytes()
    status, answer = client.json(body)
    assert status == 200, answer
    family = answer["series"][0]
    assert family["parameters"][KEY] == "from 2004-01 to 2010-01"
    notes = [w for w in answer["warnings"] if "sampling noise" in w]
    assert [w.split(":")[0] for w in notes] == ["Family Guy", "South Park", "The Simpsons"]
    assert notes[0].startswith("Family Guy: from 2004-01 to 2010-01 the term reads mostly 0")
    # Each term carries its own note, for a page to say beside its chart.
    assert [s["notes"] for s in answer["series"]] == [[w] for w in notes]
    # None of the lone values of those years is an anomaly.
    early = [a for a in family["anomalies"] if a["timestamp"] < "2010-01"]
    assert early == []


def test_a_term_with_no_zeros_has_no_such_note(client):
    status, answer = client.json((DATA / "en_weekly5y_bitcoin.csv").read_bytes())
    assert status == 200, answer
    assert not any("sampling noise" in w for w in answer["warnings"])
    assert all(KEY not in s["parameters"] for s in answer["series"])
    assert all(s["notes"] == [] for s in answer["series"])


def _flat(value: float, geo: str) -> Series:
    n = 30
    return Series("flu", None, ["x"] * n, np.full(n, value), Step(7 * 86400.0, "weekly"), geo=geo)


def test_a_term_that_never_varies_is_said_to_be_flat_and_why():
    """A flat line with '0 anomalies' reads as 'nothing happened'; every value 0 or <1 on a
    Trends term means too few searches to measure."""
    zero = constant_warning(_flat(0.0, "Chile"))
    assert zero is not None and zero.startswith("flu: every value is 0: Google Trends had too few")
    below = constant_warning(_flat(0.5, "Chile"))
    assert below is not None and below.startswith("flu: every value is <1: Google Trends")
    assert constant_warning(_flat(100.0, "Chile")) == (
        "flu: every value is 100: the series does not vary, so nothing can stand out"
    )
    assert "Google Trends" not in (constant_warning(_flat(0.0, "")) or "")  # not a Trends term
    varies = _flat(5.0, "Chile")
    varies.values[3] = 6.0
    assert constant_warning(varies) is None


def test_a_term_too_short_to_test_says_so_and_is_marked_untested(client):
    """auto tests no point of a term shorter than MIN_POINTS (band only): its empty anomaly list
    read as 'nothing unusual happened' (the page wrote "No anomalies found"). Its parameters say
    it was not tested and its notes say why; a longer term is tested and has no such note."""
    from trends_anomaly.auto.pipeline import MIN_POINTS

    rows = ["Week,flu", *(f"2024-01-{d:02d},{v}" for d, v in ((7, 10), (14, 12), (21, 90)))]
    status, answer = client.json("\n".join(rows).encode())
    assert status == 200, answer
    (term,) = answer["series"]
    assert term["parameters"]["tested"] is False and term["anomalies"] == []
    assert term["notes"] == [
        f"flu: 3 points are too few to tell an anomaly from ordinary ups and downs "
        f"({MIN_POINTS} or more are needed), so none was tested. A longer time range has enough"
    ]
    assert term["notes"][0] in answer["warnings"]
    status, answer = client.json((DATA / "en_weekly5y_bitcoin.csv").read_bytes())
    assert all("tested" not in s["parameters"] for s in answer["series"])
    assert not any("too few to tell" in w for w in answer["warnings"])


def test_dbscan_flagging_most_of_a_term_says_why_and_what_to_change(client):
    """DBSCAN at its defaults (eps 0.1, min_pts 4, the original app's) on a month of noisy
    daily values flagged every point of 'diet' and 'gym', and the page shaded their charts red
    end to end with nothing to say why. The answer stays the original's; each such term now
    carries a note naming the radius to raise. 'finance' (13 of 29) and a larger radius get
    none."""
    body = next((DATA / "heldout4").glob("08_*.csv")).read_bytes()
    attrs = {"X-Amzn-SageMaker-Custom-Attributes": "method=dbscan"}
    status, answer = client.json(body, "text/csv", **attrs)
    assert status == 200, answer
    flagged = {s["name"]: len(s["anomalies"]) for s in answer["series"]}
    assert flagged == {"diet": 29, "gym": 29, "finance": 13}
    crowded = [w for w in answer["warnings"] if "DBSCAN flagged" in w]
    assert [w.split(":")[0] for w in crowded] == ["diet", "gym"]
    assert crowded[0].startswith("diet: DBSCAN flagged 29 of its 29 points: with a neighbourhood ")
    assert "the page's Neighbourhood radius: 0.2 or 0.3" in crowded[0]
    assert all(crowded[k] in s["notes"] for k, s in enumerate(answer["series"][:2]))
    attrs = {"X-Amzn-SageMaker-Custom-Attributes": "method=dbscan;eps=0.3"}
    status, answer = client.json(body, "text/csv", **attrs)
    assert status == 200 and not any("DBSCAN flagged" in w for w in answer["warnings"])
