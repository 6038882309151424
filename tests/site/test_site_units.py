"""The page's pure JavaScript logic (CSV escaping, timestamps, API answers, config) under Node."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from pagekit import REPO


def test_javascript_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the page's build needs it anyway (site/.nvmrc)")
    # TAP asked for by name: Node 23+ prints its spec reporter by default even into a pipe, and
    # the lines below read TAP (`not ok`, `# fail 0`); Node 20 chose TAP for a pipe by itself.
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", "test/"],
        cwd=REPO / "site",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # node's TAP puts the failing subtests anywhere in a long output: name them first.
    failing = [line for line in result.stdout.splitlines() if line.lstrip().startswith("not ok")]
    said = "\n".join(failing) or "(no 'not ok' line)"
    assert result.returncode == 0, f"{said}\n---\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
    assert "# fail 0" in result.stdout


def _date_cell(rng: random.Random) -> str:
    """A date cell as exports and spreadsheets write them: ISO, d/m/y or m/d/y with '/', '.'
    or '-', two- or four-digit years, times with AM/PM, month names, year-first slashes and
    yyyymmdd (the last three the page leaves to the model)."""
    y = rng.choice([2015, 2020, 2021, 1999, 2])
    mo, d, h, mi, s = (rng.randint(*r) for r in ((1, 12), (1, 31), (0, 23), (0, 59), (0, 59)))
    kind = rng.randint(0, 12)
    if kind < 4:
        return [
            f"{y:04}-{mo:02}-{d:02}",
            f"{y:04}-{mo:02}-{d:02}T{h:02}",
            f"{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}",
            f"{y:04}-{mo:02}",
        ][kind]
    if kind == 4:
        return f"{rng.choice(['Jan', 'Feb', 'Mar'])}-{y % 100:02}"
    if kind == 5:
        return f"{y}/{mo:02}/{d:02}"
    if kind == 6:
        return f"{y}{mo:02}{d:02}"
    sep = rng.choice("/.-")
    year = rng.choice([f"{y % 100:02}", f"{y:04}", str(y)])
    a, b = (mo, d) if rng.random() < 0.5 else (d, mo)
    first = f"{a:02}" if rng.random() < 0.3 else str(a)
    r = rng.random()
    when = ""
    if r < 0.3:
        when = f" {h}:{mi:02}:{s:02}"
    elif r < 0.4:
        when = f" {rng.randint(0, 13)}:{mi:02} {rng.choice(['AM', 'PM', 'pm'])}"
    elif r < 0.45:
        when = f"T{h}:{mi:02}"
    return f"{first}{sep}{b}{sep}{year}{when}"


def test_the_page_names_the_models_two_dates_in_other_formats(tmp_path: Path) -> None:
    """dateformats.mixedFormats against the model's own reading (timeaxis.read_dates,
    mixed_formats) on 3 000 generated date columns: the page refuses none that the model
    reads (or whose cells are not each a date: the model names that instead), and names the
    model's two cells in each it refuses. A first version refused ISO dates beside 21-10-20,
    which numpy read as the year 21 then; the model now reads 21-10-20 as 21/10/20, and both
    name such a column as two formats."""
    from trends_anomaly.timeaxis import mixed_formats, read_dates

    rng = random.Random(20261205)
    cases = []
    for _ in range(3000):
        kinds = [_date_cell(rng) for _ in range(rng.randint(1, 3))]
        cells = [
            rng.choice(kinds) if rng.random() < 0.7 else _date_cell(rng)
            for _ in range(rng.randint(1, 12))
        ]
        alone = all(read_dates([c]) is not None for c in cells)
        pair = mixed_formats(cells) if alone and read_dates(cells) is None else None
        cases.append({"cells": cells, "pair": list(pair) if pair else None})
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    module = json.dumps((REPO / "site" / "src" / "dateformats.js").as_uri())
    script = (
        f"import {{ mixedFormats }} from {module};\n"
        "import { readFileSync } from 'node:fs';\n"
        "const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));\n"
        "console.log(JSON.stringify(cases.map((c) => mixedFormats(c.cells))));\n"
    )
    (tmp_path / "run.mjs").write_text(script)
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, str(tmp_path / "run.mjs"), str(tmp_path / "cases.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(result.stdout)
    wrong = [
        (c["cells"], c["pair"], p)
        for c, p in zip(cases, found, strict=True)
        if p is not None and p != c["pair"]
    ]
    assert wrong == [], wrong[:5]
    named = sum(p is not None for p in found)
    refused = sum(c["pair"] is not None for c in cases)
    # Most of what the model refuses is found (the rest holds cells left to the model).
    assert named > refused / 3 and named > 500, (named, refused)
