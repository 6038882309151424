"""`python -m bench.answers`: auto's answers kept and compared, so that a change meant only to
make auto faster is shown to change no answer (a changed band value, anomaly or parameter
fails the check; a float summed in another order, within 1e-12, does not)."""

from __future__ import annotations

import json

from bench import answers


def test_the_check_passes_on_the_same_code_and_fails_on_one_changed_value(tmp_path, capsys):
    kept = tmp_path / "answers.json"
    assert answers.main(["save", str(kept), "--quick"]) == 0
    assert answers.main(["check", str(kept), "--quick"]) == 0
    assert "0 differences" in capsys.readouterr().out

    doc = json.loads(kept.read_text(encoding="utf-8"))
    name = "speed/261@None"
    doc[name]["upper"][7] += 1e-6  # one band value moved by a millionth
    kept.write_text(json.dumps(doc), encoding="utf-8")
    assert answers.main(["check", str(kept), "--quick"]) == 1
    out = capsys.readouterr().out
    assert f"{name}/upper[7]" in out
    assert "1 differences" in out


def test_differences_names_each_changed_part_and_counts_floats_within_tolerance():
    before = {
        "a": {"lower": [1.0, 2.0], "anomalies": [{"index": 3, "kind": "spike"}], "notes": []},
        "b": {"refused": "too short"},
    }
    same_within = {
        "a": {
            "lower": [1.0, 2.0 + 1e-13],
            "anomalies": [{"index": 3, "kind": "spike"}],
            "notes": [],
        },
        "b": {"refused": "too short"},
    }
    assert answers.differences(before, same_within) == ([], 1)

    changed = {
        "a": {"lower": [1.0], "anomalies": [{"index": 4, "kind": "spike"}], "notes": ["x"]},
        "b": {"expected": []},
    }
    found, _ = answers.differences(before, changed)
    assert found == [
        "/a/lower: 2 items -> 1",
        "/a/anomalies[0]/index: 3 -> 4",
        "/a/notes: 0 items -> 1",
        "/b: keys ['refused'] -> ['expected']",
    ]
    # An int is not a float, even of the same value (a changed type is a changed answer).
    assert answers.differences({"k": 1}, {"k": 1.0})[0] == ["/k: 1 -> 1.0"]
    # Nor is -0.0 the same answer as 0.0 (its JSON reads "-0.0").
    assert answers.differences([0.0], [-0.0])[0] == ["[0]: 0.0 -> -0.0"]
