"""The held-out set (tests/data/heldout) is what its README says: every file byte-exact from the
source it names, none of them a development-set file, every term labelled once by the
development set's rules, every window inside its term."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from trends_anomaly.contract import decode_text
from trends_anomaly.trends import parse_csv

from bench.devset import HELDOUT, LABELS, load

HERE = HELDOUT.parent
SPEC = json.loads(HELDOUT.read_text(encoding="utf-8"))
FILES = sorted({lab["file"] for lab in SPEC["series"]})
# README rows: | `file` | terms | step | points | repository, `path` | commit | blob |
ROW = re.compile(
    r"^\| `([^`]+)` \| (\d+) \| [^|]+ \| (\d+) \| [^|]+ \| ([0-9a-f]{40}) \| ([0-9a-f]{40}) \|$"
)


def _blob_id(data: bytes) -> str:
    """What ``git hash-object`` prints for a file holding ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _readme_rows() -> dict[str, tuple[int, int, str]]:
    rows = {}
    for line in (HERE / "README.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows[m[1]] = (int(m[2]), int(m[3]), m[5])
    return rows


def test_the_rules_are_the_development_sets():
    dev = json.loads(LABELS.read_text(encoding="utf-8"))
    assert SPEC["rules"] == dev["rules"]


def test_every_file_here_is_labelled_and_listed_in_the_readme():
    here = {p.name for p in HERE.glob("*.csv")}
    assert here <= set(FILES)
    assert set(_readme_rows()) == set(FILES)
    for f in FILES:
        assert (HERE / f).is_file(), f


@pytest.mark.parametrize("name", FILES)
def test_each_file_is_byte_exact_and_no_development_file(name):
    data = (HERE / name).read_bytes()
    terms, points, blob = _readme_rows()[name]
    assert _blob_id(data) == blob
    dev = {_blob_id(p.read_bytes()) for p in LABELS.parent.glob("*.csv")}
    assert blob not in dev
    series = parse_csv(decode_text(data, None, []))
    assert (len(series), series[0].values.size) == (terms, points)


def test_every_term_is_labelled_once_with_windows_inside_it():
    by_file: dict[str, list[int]] = {}
    for lab in SPEC["series"]:
        by_file.setdefault(lab["file"], []).append(lab["column"])
        assert len(lab["why"]) == len(lab["windows"]), lab["file"]
    for f, columns in by_file.items():
        series = parse_csv(decode_text((HERE / f).read_bytes(), None, []))
        assert columns == list(range(1, len(series) + 1)), f
    for item in load(HELDOUT):
        n = item.series.values.size
        last = -1
        for a, b in item.windows:
            assert last < a <= b < n, item.name  # in order, apart, inside the term
            last = b


def test_terms_are_named_as_the_parser_reads_them():
    for lab, item in zip(SPEC["series"], load(HELDOUT), strict=True):
        assert item.name == f"{Path(lab['file']).name}#{lab['column']}"
        assert lab["term"] == item.series.name
