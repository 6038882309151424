"""Request parameters: what each method accepts, their ranges and defaults, and validation.

One table (``SPECS``) drives validation, the defaults reported in every answer, the
documentation and the web page's controls, so they cannot drift apart: the page reads
``site/src/generated/params.json``, written from this table by
``python -m trends_anomaly.params --json`` (a test fails when the committed file differs).
Values arrive as text (SageMaker ``CustomAttributes``, query strings) or JSON scalars; both are
converted and range-checked here, and a bad value is a 400 that names the parameter and its
allowed range.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import BadParameter
from .stl import MAX_PERIOD as STL_MAX_PERIOD

# Here, not in settings.py (which imports this module): one limit, no import cycle.
SAGEMAKER_PAYLOAD_LIMIT = 6 * 1024 * 1024  # real-time endpoints refuse bigger requests anyway
METHODS = ("auto", "stl", "dbscan")
# A request that names no method gets this one, and the page selects it: one place to change
# when a fork puts its own model first.
DEFAULT_METHOD = METHODS[0]
# How the page names and explains each method (in METHODS order; every method needs its words:
# a missing entry stops the page's build with a message saying so).
METHOD_WORDS: dict[str, tuple[str, str]] = {
    "auto": (
        "Auto (recommended)",
        "Finds spikes, dips, level shifts and seasonal breaks. The season and the thresholds "
        "are chosen from the data.",
    ),
    "stl": (
        "STL + generalized ESD",
        "The original method: removes trend and season (STL), then tests what is left for "
        "outliers (generalized ESD).",
    ),
    "dbscan": (
        "DBSCAN (density)",
        "The original method: flags points that lie in no dense cluster of (scaled) values.",
    ),
}


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str  # "float", "int", "period"
    methods: tuple[str, ...]
    default: Any
    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False
    doc: str = ""
    # The page's words: a label, a sentence of help, the input's step, what a blank field
    # means per method, and the methods where the field sits under "More settings".
    label: str = ""
    help: str = ""
    step: float = 1
    blank: dict[str, str] = field(default_factory=dict)
    advanced_in: tuple[str, ...] = ()
    # What differs for one method (its kind, bounds, words), applied by ``for_method``.
    per_method: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_method(self, method: str) -> Spec:
        """This parameter as ``method`` takes it (validation, messages and the page)."""
        changes = self.per_method.get(method)
        return replace(self, per_method={}, **changes) if changes else self

    def allowed(self) -> str:
        """The values it takes, in words ("a number from 0 to 1", "an integer of 1 or more"):
        the interval notation it was written in ("(0, ∞]") is a mathematician's."""
        noun = "an integer" if self.kind in ("int", "period") else "a number"
        lo, hi = f"{self.lo:g}", f"{self.hi:g}"
        if math.isinf(self.hi):
            text = f"{noun} above {lo}" if self.lo_open else f"{noun} of {lo} or more"
        elif not (self.lo_open or self.hi_open):
            text = f"{noun} from {lo} to {hi}"
        else:
            low = f"above {lo}" if self.lo_open else f"at least {lo}"
            high = f"below {hi}" if self.hi_open else f"at most {hi}"
            text = f"{noun} {low} and {high}"
        if self.kind == "period":
            text += ", or 'none' for no seasonality"
        return text

    def default_for(self, method: str) -> Any:
        """The value ``resolve`` uses when the caller leaves this parameter out."""
        if method == "stl" and self.name == "alpha" and self.default is None:
            return DEFAULT_ALPHA_STL
        return self.default


SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec(
            "sensitivity",
            "float",
            ("auto",),
            0.5,
            0.0,
            1.0,
            doc="higher finds more anomalies; 0.5 keeps false alarms rare on clean series",
            label="Sensitivity",
            help="From 0 to 1. Higher finds more (and smaller) anomalies; 0.5 keeps false "
            "alarms rare.",
            step=0.05,
        ),
        Spec(
            "period",
            "period",
            ("auto", "stl"),
            None,
            2,
            math.inf,
            doc="season length in points; default: inferred from the timestamps",
            label="Season length",
            help="Points in one season, e.g. 52 for weekly data with a yearly pattern; 0 for "
            "no season.",
            blank={"auto": "found from the dates", "stl": "found from the dates"},
            advanced_in=("auto",),
            # STL removes a season (0 would have been read as "not given" and the dates'
            # season used), and its filters' memory grows with the square of the season.
            per_method={
                "stl": {
                    "kind": "int",
                    "hi": STL_MAX_PERIOD,
                    "doc": f"STL needs a season of 2 to {STL_MAX_PERIOD} points (default: "
                    "inferred from the timestamps); for no season or a longer one, use "
                    "method=auto",
                    "help": "Points in one season, e.g. 52 for weekly data with a yearly "
                    f"pattern; at most {STL_MAX_PERIOD} (a day of minutes).",
                }
            },
        ),
        Spec(
            "alpha",
            "float",
            ("auto", "stl"),
            None,
            0.0,
            0.5,
            lo_open=True,
            hi_open=True,
            doc="significance level of the outlier test; auto derives it from sensitivity",
            label="Significance level",
            help="How unlikely a value must be to count as an outlier, between 0 and 0.5; "
            "smaller finds fewer.",
            step=0.01,
            blank={"auto": "set by the sensitivity"},
            advanced_in=("auto",),
        ),
        Spec(
            "max_anomalies",
            "int",
            ("auto", "stl"),
            None,
            0,
            math.inf,
            doc="upper bound on anomalies per series (stl: 10% of n, auto: max(8, n/2000))",
            label="Most anomalies per series",
            help="An upper limit on how many anomalies to report for each term.",
            blank={
                "auto": "8, or one per 2,000 points in long series",
                "stl": "a tenth of the points",
            },
            advanced_in=("auto",),
        ),
        Spec(
            "eps",
            "float",
            ("dbscan",),
            0.1,
            0.0,
            math.inf,
            lo_open=True,
            doc="DBSCAN neighbourhood radius in the [0, 1]-scaled space",
            label="Neighbourhood radius (eps)",
            help="How close, on a 0 to 1 scale of time and value, points must be to count as "
            "neighbours.",
            step=0.01,
        ),
        Spec(
            "min_pts",
            "int",
            ("dbscan",),
            4,
            1,
            math.inf,
            doc="DBSCAN points (itself included) that make a core point",
            label="Neighbours for a cluster",
            help="Points (itself included) within the radius that make a point part of a cluster.",
        ),
    )
}
DEFAULT_ALPHA_STL = 0.05
# The largest integer a JSON number carries exactly (JavaScript's Number.MAX_SAFE_INTEGER):
# every count and length here is far below it. Beyond it, an "unbounded" parameter failed in
# the answer's JSON (orjson takes 64-bit integers) or in the detectors' arithmetic.
MAX_MAGNITUDE = 2**53 - 1


class _TooLarge(ValueError):
    """A value within the spec's range on paper that no computation here can carry."""


class _NotAscii(ValueError):
    """Text with a character beyond ASCII: float() reads any script's digits (٠.٥ is 0.5,
    full-width ５２ is 52), which the Lambda refuses in the query; refused here as well, so a
    value means one thing whichever way it is sent."""


#: The words of a parameter written in digits other than 0-9, the Lambda's too
#: (lambda/detect_contract.py; the tests of both check them).
NOT_ASCII_DIGITS = "numbers are read only in the ASCII digits 0-9"


def _convert(spec: Spec, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, str) and not raw.isascii():
        raise _NotAscii
    if spec.kind == "period" and (
        (isinstance(raw, str) and raw.strip().lower() in ("none", "0")) or raw == 0
    ):
        return 0
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, str):
        raw = raw.strip()
        if "_" in raw:  # float() reads 1_0 as 10; no caller means that
            raise ValueError
        value = float(raw)
    elif isinstance(raw, int | float):
        value = float(raw)
    else:
        raise ValueError
    if not math.isfinite(value):
        raise ValueError
    if abs(value) > MAX_MAGNITUDE:
        raise _TooLarge
    if spec.kind in ("int", "period"):
        if value != int(value):
            raise ValueError
        value = int(value)
    too_low = value <= spec.lo if spec.lo_open else value < spec.lo
    too_high = value >= spec.hi if spec.hi_open else value > spec.hi
    if too_low or too_high:
        raise ValueError
    return value


def parse_attributes(text: str | None) -> dict[str, str]:
    """``method=stl;period=52`` (SageMaker CustomAttributes) → {"method": "stl", "period": "52"}."""
    out: dict[str, str] = {}
    if not text or not text.strip():
        return out
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise BadParameter(
                f"Custom attribute '{part.strip()[:60]}' is not of the form key=value.",
                "Write parameters as key=value pairs separated by ';', e.g. method=stl;period=52.",
            )
        name = key.strip().lower()
        if "=" in value:  # "method=auto,sensitivity=0.2": two parameters joined by a comma
            raise BadParameter(
                f"Custom attribute '{part.strip()[:60]}' holds more than one key=value pair.",
                "Separate parameters with ';', not ',' or spaces: "
                "e.g. method=auto;sensitivity=0.2.",
            )
        if name in out:
            raise BadParameter(
                f"Custom attribute '{name[:40]}' is given twice "
                f"({out[name][:20]!r} and {value.strip()[:20]!r}).",
                "Give each parameter once.",
            )
        out[name] = value.strip()
    return out


def resolve(raw: dict[str, Any], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validated parameters for the chosen method, defaults filled in.

    ``defaults`` (from /opt/ml/model/defaults.json) replaces the built-in defaults.
    """
    defaults = defaults or {}
    raw = {k: v for k, v in raw.items() if v is not None and v != ""}
    method = str(raw.pop("method", defaults.get("method", DEFAULT_METHOD))).strip().lower()
    if method not in METHODS:
        raise BadParameter(
            f"Unknown method '{method[:40]}'.",
            f"Use one of: {', '.join(METHODS)} ({DEFAULT_METHOD} is the default).",
            parameter="method",
        )
    out: dict[str, Any] = {"method": method}
    for key in raw:
        if key not in SPECS:
            raise BadParameter(
                f"Unknown parameter '{key[:40]}'.",
                f"Parameters are: method, {', '.join(SPECS)}.",
                parameter=key[:40],
            )
        if method not in SPECS[key].methods:
            users = ", ".join(SPECS[key].methods)
            raise BadParameter(
                f"Parameter '{key}' does not apply to method={method}.",
                f"'{key}' is used by method={users}; remove it or change the method.",
                parameter=key,
            )
    for spec in SPECS.values():
        if method not in spec.methods:
            continue
        spec = spec.for_method(method)
        value = raw.get(spec.name, defaults.get(spec.name, spec.default))
        try:
            out[spec.name] = _convert(spec, value)
        except _NotAscii:
            raise BadParameter(
                f"Parameter '{spec.name}' is {_as_sent(value)}, written with characters that "
                f"are not ASCII: {NOT_ASCII_DIGITS} (digits of another script or full-width "
                "ones are not).",
                f"Write {spec.name} with the digits 0-9 and a point for a decimal, as "
                f"{spec.allowed()}.",
                parameter=spec.name,
            ) from None
        except (ValueError, TypeError) as exc:
            why = f", more than the largest value taken ({MAX_MAGNITUDE:,})"
            raise BadParameter(
                f"Parameter '{spec.name}' must be {spec.allowed()}; got {_as_sent(value)}"
                f"{why if isinstance(exc, _TooLarge) else ''}.",
                f"{spec.name}: {spec.doc}.",
                parameter=spec.name,
            ) from None
    if method == "stl" and out["alpha"] is None:
        out["alpha"] = DEFAULT_ALPHA_STL
    return out


def _as_sent(value: Any) -> str:
    """A parameter's value as the caller wrote it: JSON's spelling for JSON's own values
    (``true``, ``null``, ``[1, 2]``, not Python's ``True``), quoted text otherwise."""
    if isinstance(value, str):
        return repr(value[:40])
    try:
        return json.dumps(value)[:40]
    except (TypeError, ValueError):
        return repr(str(value)[:40])


def validate_defaults(defaults: dict[str, Any]) -> dict[str, Any]:
    """Check a defaults.json document once at start-up (bad values stop the server)."""
    unknown = set(defaults) - set(SPECS) - {"method"}
    if unknown:
        raise ValueError(f"defaults.json: unknown keys {sorted(unknown)}")
    for name, value in defaults.items():
        if name == "method":
            if value not in METHODS:
                raise ValueError(f"defaults.json: method must be one of {METHODS}")
        else:  # every method that reads it takes it (each as ``resolve`` checks it)
            for method in SPECS[name].methods:
                spec = SPECS[name].for_method(method)
                try:
                    _convert(spec, value)
                except (ValueError, TypeError):
                    which = f" for method={method}" if spec is not SPECS[name] else ""
                    raise ValueError(
                        f"defaults.json: {name} must be {spec.allowed()}{which}"
                    ) from None
    return defaults


def _param_entry(spec: Spec, method: str) -> dict[str, Any]:
    spec = spec.for_method(method)
    return {
        "name": spec.name,
        "label": spec.label,
        "kind": spec.kind,
        "default": spec.default_for(method),
        "min": spec.lo,
        "max": None if math.isinf(spec.hi) else spec.hi,
        "min_open": spec.lo_open,
        "max_open": spec.hi_open,
        "step": spec.step,
        "help": spec.help,
        "blank": spec.blank.get(method, ""),
        "advanced": method in spec.advanced_in,
        "allowed": spec.allowed(),
    }


def page_table() -> dict[str, Any]:
    """Everything the page needs to build its controls and check a file before sending it."""
    # Imported here: validation needs none of these.
    from . import exportlocale, timeaxis, trends
    from .answer_csv import FORMULA_START
    from .file_kinds import HEAD_CHARS, NOT_CSV, OTHER_EXPORTS, TRENDS_HOW
    from .legacy_encoding import CODE_PAGES, HEAD_LINES, words_of_code_page

    unnamed = [m for m in METHODS if m not in METHOD_WORDS]
    if unnamed:
        raise SystemExit(
            f"params.METHOD_WORDS has no entry for {', '.join(unnamed)}: add (label, one-line "
            "description) for every method in METHODS; the page shows them."
        )
    return {
        "generated_by": "python -m trends_anomaly.params --json (from params.SPECS)",
        "default_method": DEFAULT_METHOD,
        "methods": [
            {
                "name": method,
                "label": METHOD_WORDS[method][0],
                "about": METHOD_WORDS[method][1],
                "params": [_param_entry(s, method) for s in SPECS.values() if method in s.methods],
            }
            for method in METHODS
        ],
        "model_max_payload_bytes": SAGEMAKER_PAYLOAD_LIMIT,
        # The largest value any parameter takes (resolve refuses more): the page says so first.
        "max_magnitude": MAX_MAGNITUDE,
        "csv_formula_start": FORMULA_START,
        "below_one_value": trends.LESS_THAN_ONE,
        # What the parser takes for a file's data rows, so the page can check a file the way
        # the model will read it (JavaScript reads these regular expressions as they are).
        "file": {
            "delimiters": list(trends.DELIMITERS),
            "date_cell": timeaxis.DATE_CELL.pattern,
            "compact_date": timeaxis.COMPACT_DATE.pattern,
            # ISO 8601's basic form with a time (20210602T1400): the extended form's instants.
            "basic_date_time": timeaxis.BASIC_DATE_TIME.pattern,
            "below_one_marks": list(trends.BELOW_ONE_MARKS),
            "missing_cells": sorted(trends.MISSING_CELLS),
            "sheet_error": trends.SHEET_ERROR.pattern,  # #N/A, #VALUE!, ...: missing too
            # A first column of spreadsheet serial dates (44000), and what is said of it.
            "serial_date": {
                "pattern": trends.SERIAL_DATE.pattern,
                "what": trends.SERIAL_WHAT,
                "hint": trends.SERIAL_HINT,
            },
            # What one request analyses at most (the page refuses a bigger file when chosen).
            "max_series": trends.MAX_SERIES,
            "max_points": trends.MAX_POINTS,
            # Files sent by mistake (a workbook, a PDF, an image), by their first bytes.
            "not_csv": [
                {"magic": list(kind.magic), "what": kind.what, "hint": kind.hint}
                for kind in NOT_CSV
            ],
            # Trends' downloads that are not interest over time, by their first lines.
            "other_exports": [
                {"pattern": kind.pattern, "what": kind.what, "hint": kind.hint}
                for kind in OTHER_EXPORTS
            ],
            "other_exports_head_chars": HEAD_CHARS,
            "trends_how": TRENDS_HOW,  # where a Trends export is downloaded, said in hints
            # A file that is not UTF-8: the code pages tried in turn; the one under which most
            # of the first lines start with its words is taken, on a tie the one that reads
            # more of its letters, then the first (see legacy_encoding).
            "legacy_head_lines": HEAD_LINES,
            "preamble_key": exportlocale.PREAMBLE_KEY.pattern,
            "legacy_encodings": [
                {
                    "label": page.label,
                    "name": page.name,
                    "words": list(words_of_code_page(page)),
                    "letters": page.letters,
                }
                for page in CODE_PAGES
            ],
        },
    }


def page_table_json() -> str:
    return json.dumps(page_table(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--json"]:
        sys.exit("usage: python -m trends_anomaly.params --json > site/src/generated/params.json")
    sys.stdout.write(page_table_json())
