"""The /invocations contract: a request (bytes + headers) in, a response (bytes) out.

No Flask here, so the whole contract is testable without a server. Accepted bodies:

* ``text/csv`` — a Trends export or plain CSV; parameters in CustomAttributes;
* ``application/json`` — ``{"csv": ...}``, ``{"series": [...]}``, or the legacy
  ``{"data": ..., "eps", "min_pts", "seasonality", "period"}`` whose answer stays the old
  ``text/csv`` list of row indices unless ``Accept: application/json`` asks for the new one
  (its first column may be a numeric time axis, read as row positions as the original app did).

``Accept: text/csv`` on a new request answers a table of anomalies (:mod:`.answer_csv`).
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
from serving.invocation import JSON, Answer, Invocation

from .answer_csv import anomalies_csv
from .answer_size import answer_floor
from .detect import check_fits, dbscan_min_points, legacy_rows, run_method
from .errors import (
    EMPTY_FILE_HINT,
    EMPTY_FILE_MESSAGE,
    TOO_LARGE_HINT,
    BadCsv,
    BadJson,
    BadParameter,
    NotAcceptable,
    PayloadTooLarge,
    ResultTooLarge,
    TooFewPoints,
    UnsupportedMediaType,
)
from .file_kinds import not_csv
from .legacy_encoding import decode_legacy
from .params import parse_attributes, resolve
from .partial import partial_period_warning
from .settings import Settings
from .sparse_note import constant_warning, crowded_warning, short_warning, sparse_warning
from .stl import MAX_PERIOD as STL_MAX_PERIOD
from .stl import min_points
from .timeaxis import (
    DATE_EXAMPLES,
    FRACTION_HINT,
    ZONE,
    first_not_a_date,
    infer_step,
    mixed_formats,
    parse_timestamps,
    unread_fraction,
)
from .trends import (
    LESS_THAN_ONE,
    MAX_POINTS,
    MAX_SERIES,
    Table,
    check_finite,
    fill_missing,
    parse_table,
    split_header,
    too_many_points,
    too_many_series,
)
from .types import Anomaly, Detection, Series, Step

CSV = "text/csv"
# The CSV types, and Excel's, which a browser on Windows reports for a .csv file (a fetch that
# sends the File object sends that type).
CSV_TYPES = {
    "text/csv",
    "application/csv",
    "text/plain",
    "text/comma-separated-values",
    "application/vnd.ms-excel",
}
FORM_TYPES = {"multipart/form-data"}  # an HTML form, curl -F, FormData
LEGACY_KEYS = {"data", "eps", "min_pts", "seasonality", "period"}
_DECIMALS = 4


def _media_type(header: str) -> tuple[str, dict[str, str]]:
    main, *rest = header.split(";")
    params = {}
    for p in rest:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    return main.strip().lower(), params


def negotiate(accept: str, legacy: bool) -> str:
    """The answer's type: JSON, or CSV (legacy default; a table of anomalies otherwise)."""
    if not accept.strip():
        return CSV if legacy else JSON
    ranked = []
    for i, part in enumerate(accept.split(",")):
        kind, params = _media_type(part)
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 1.0
        if q <= 0:
            continue  # q=0: "not acceptable" (RFC 9110, 12.4.2)
        ranked.append((-q, i, kind))
    for _, _, kind in sorted(ranked):
        if kind in (JSON, "application/*"):
            return JSON
        if kind in (CSV, "text/*"):
            return CSV
        if kind == "*/*":
            return CSV if legacy else JSON
    raise NotAcceptable(
        f"Cannot answer in any of: {accept[:100]}.",
        "Send Accept: application/json (or text/csv for a table of anomalies).",
    )


def decode_text(body: bytes, charset: str | None, warnings: list[str]) -> str:
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_utf16(body)
    charset = _text_charset(charset, warnings)
    try:
        return body.decode(charset or "utf-8-sig")
    except UnicodeError:  # UnicodeDecodeError, or a codec's own (punycode) on a CSV
        if charset and codecs.lookup(charset).name != "utf-8":
            # A label the bytes do not fit (clients write charset=us-ascii on any text): the
            # file may well be UTF-8, which the code pages below would read as mojibake.
            try:
                text = body.decode("utf-8-sig")
            except UnicodeDecodeError:
                pass
            else:
                warnings.append(
                    f"the file is not {charset[:40]} text, as its Content-Type's charset says; "
                    "it was read as UTF-8"
                )
                return text
        text, page, language, over = decode_legacy(body)
        if language is None:
            warnings.append(
                f"the file is not UTF-8; it was read as {page.name}: letters outside that "
                "encoding may show wrong (save it as CSV UTF-8 to keep every letter)"
            )
        elif over is not None:
            warnings.append(
                f"the file is not UTF-8; it was read as {page.name}: its Google Trends words "
                f"({language}) read the same in {over.name}, and more of its letters read as "
                f"letters in {page.name} (if a term shows wrong, save the file as CSV UTF-8)"
            )
        else:
            warnings.append(
                f"the file is not UTF-8; it was read as {page.name}, the encoding in which its "
                f"Google Trends words ({language}) read correctly"
            )
        return text


def _text_charset(charset: str | None, warnings: list[str]) -> str | None:
    """The Content-Type's charset when it names a text encoding, else None, and said: the file
    itself may well be UTF-8. codecs also knows byte codecs (base64, zlib, rot13), which
    bytes.decode refuses with LookupError (for any body but an empty one, hence b"a")."""
    if not charset:
        return None
    try:
        codecs.lookup(charset)
    except (LookupError, ValueError):  # ValueError: a name with a NUL ("utf-8\x00")
        why = "is not an encoding known here"
    else:
        try:
            b"a".decode(charset)
        except LookupError:
            why = "is not a text encoding"
        except UnicodeError:  # b"a" is no UTF-16 or UTF-32 text, but they are text encodings
            return charset
        else:
            return charset
    warnings.append(f"the Content-Type's charset '{charset[:40]}' {why}; it was ignored")
    return None


def _decode_utf16(body: bytes) -> str:
    """A file with UTF-16's byte-order mark (Excel's *Unicode Text*); one that is not UTF-16
    after all (cut short, a lone surrogate) is the sender's to fix, not a 500."""
    try:
        return body.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise BadCsv(
            f"The file starts with a UTF-16 byte-order mark but is not UTF-16 text: "
            f"{exc.reason} at byte {exc.start}.",
            "The file may be cut short or damaged: export it again from Google Trends, or "
            "save it again from your spreadsheet as CSV UTF-8.",
        ) from None


# A timestamp of digits alone is a number, not a date: nine or more a count (Unix seconds or
# milliseconds; numpy read 1594512000 as the year 1594512000), fewer a year or a position
# (numpy read "3" as 0003-01-01). Eight unsigned digits are a date, yyyymmdd (20240131).
_DIGITS = re.compile(r"[+-]\d+|(?!\d{8}$)\d+")


def _number_for_a_date(k: int, i: int, value: Any) -> BadJson:
    """A JSON series' timestamp that is a number (or a string of digits) or not text at all.
    Not read as a date: seconds, milliseconds and years would be guesses. The hint shows the
    value as Unix seconds or milliseconds when it has their length (9-10 or 12-13 digits)."""
    if isinstance(value, str):
        what = f"'{value[:40]}', a number"
    else:
        what = f"the {_json_kind(value)} {json.dumps(value, ensure_ascii=False)[:40]}"
    example = ""
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        digits = str(value).strip().lstrip("+-")
        number = str(value).strip()
        unit = {9: "seconds", 10: "seconds", 12: "milliseconds", 13: "milliseconds"}.get(
            len(digits) if digits.isdigit() else 0
        )
        if unit:
            seconds = int(number) // (1000 if unit == "milliseconds" else 1)
            when = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            example = f" (e.g. {number} as Unix {unit} is {when})"
    return BadJson(
        f"series[{k}].timestamps[{i}] is {what}, not a date written as text.",
        "Send each timestamp as ISO 8601 text, such as 2024-01-31 or 2024-01-31T14:00:00Z"
        f"{example}. Numbers are not read as dates: Unix times in seconds and in "
        "milliseconds, and years, cannot be told apart.",
    )


def _json_kind(value: Any) -> str:
    """A JSON value's kind, in JSON's words."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "value"
    return {dict: "object", list: "array"}.get(type(value), "value")


_BELOW_ONE = re.compile(r"[<\uff1c]\s*1")  # "<1", "< 1", "<\u00a01" (French), "＜1"


def _series_value(k: int, i: int, v: Any) -> float:
    """One JSON value: a number, null (missing) or Google Trends' "<1" as its exports spell it
    (0.5). Nothing else, as for the parameters: true is not 1, "1_0" not 10, "٥" not 5, and
    "NaN" not a missing point (null is)."""
    if v is None:
        return np.nan
    if isinstance(v, int | float) and not isinstance(v, bool):
        try:
            return float(v)
        except OverflowError:  # an integer past a double: said by check_finite
            return np.inf
    if isinstance(v, str) and _BELOW_ONE.fullmatch(v.strip()):
        return LESS_THAN_ONE
    shown = json.dumps(v, ensure_ascii=False)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    hint = 'Send numbers as JSON numbers, null for a missing point, or "<1" for Trends\' <1'
    if isinstance(v, str):
        hint += ' (a number in ASCII digits without quotes: 12, not "12")'
    kind = "text" if isinstance(v, str) else f"a JSON {_json_kind(v)}"
    raise BadJson(
        f'series[{k}].values[{i}] is {shown} ({kind}); values are numbers, null or "<1".',
        hint + ".",
    )


def _series_from_json(items: Any) -> Table:
    if not isinstance(items, list) or not items:
        raise BadJson(
            "'series' must be a non-empty list.",
            'Send {"series": [{"name": "x", "timestamps": [...], "values": [...]}]}.',
        )
    if len(items) > MAX_SERIES:
        raise too_many_series(len(items), "series", BadJson)
    out = []
    points = 0
    for k, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("values"), list):
            raise BadJson(
                f"series[{k}] must be an object with a 'values' list.",
                'Each series is {"name": "...", "timestamps": [...], "values": [...]}.',
            )
        values_raw = item["values"]
        points += len(values_raw)
        if points > MAX_POINTS:
            raise too_many_points(f"series[0..{k}] hold {points} values", BadJson)
        values = np.array([_series_value(k, i, v) for i, v in enumerate(values_raw)], float)
        if len(values):
            check_finite(values, f"series[{k}]", BadJson, lambda i: f"values[{i}]")
        if not len(values) or np.isnan(values).all():
            raise BadJson(
                f"series[{k}].values must hold at least one finite number.",
                "Send finite numbers; use null for a missing point.",
            )
        values = fill_missing(values)
        stamps = item.get("timestamps")
        if stamps is None:
            labels = [str(i) for i in range(len(values))]
            ts = np.arange(len(values)).astype("datetime64[s]")
            step = Step(0.0, "unknown")
        else:
            if not isinstance(stamps, list) or len(stamps) != len(values):
                raise BadJson(
                    f"series[{k}].timestamps must be a list as long as values ({len(values)}).",
                    "Give one timestamp per value, or leave timestamps out.",
                )
            for i, t in enumerate(stamps):
                if not isinstance(t, str) or _DIGITS.fullmatch(t.strip()):
                    raise _number_for_a_date(k, i, t)
            labels = [str(t) for t in stamps]
            parsed = parse_timestamps(labels)
            if parsed is None:
                raise _not_dates(k, labels)
            ts = parsed
            step = infer_step(ts)
        name = str(item.get("name") or f"series{k + 1}")
        term, geo = split_header(name)
        out.append(Series(term, ts, labels, values, step, header=name, geo=geo))
    return Table(out)


def _not_dates(k: int, labels: list[str]) -> BadJson:
    """series[k].timestamps did not read as dates: the first that is not one alone, named; or,
    when each is one, two that are not in one format."""
    i = first_not_a_date(labels)
    fraction = None if i is None else unread_fraction(labels[i])
    if i is not None and fraction is not None:
        what = (
            f"series[{k}].timestamps[{i}] ({labels[i][:40]!r}) writes {fraction}, which "
            "other readers take for one of a second (00:00:00.5): it is refused, not guessed at."
        )
        return BadJson(what, FRACTION_HINT)
    if i is not None:
        what = f"series[{k}].timestamps[{i}] ({labels[i][:40]!r}) is not a date."
    else:
        pair = mixed_formats(labels)
        named = ""
        if pair is not None:
            first, other = (f"timestamps[{j}] ({labels[j][:40]!r})" for j in pair)
            named = f": {first} and {other} cannot be read the same way"
        what = f"series[{k}].timestamps are not dates in one format{named}."
    return BadJson(
        what,
        f"Use dates such as {DATE_EXAMPLES} (years 1 to 9999), one format for the whole series.",
    )


def _looks_like_json(body: bytes) -> bool:
    """Whether the body starts as a JSON object or array does (after a BOM and whitespace)."""
    return body.removeprefix(codecs.BOM_UTF8).lstrip()[:1] in (b"{", b"[")


def _load_json(body: bytes) -> dict[str, Any]:
    # A UTF-8 byte order mark, as Windows tools write it (PowerShell's Out-File -Encoding utf8,
    # Notepad): RFC 8259 section 8.1 lets a parser ignore it, and orjson called it "not UTF-8".
    body = body.removeprefix(codecs.BOM_UTF8)
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        # orjson says "str is not valid UTF-8: surrogates not allowed" of bytes that are not
        # UTF-8 at all: say that in a person's words.
        why = "it is not UTF-8 text" if "UTF-8" in str(exc) else str(exc)
        raise BadJson(
            f"The body is not valid JSON: {why}.",
            "Send a JSON object encoded as UTF-8, or the CSV itself with Content-Type: text/csv "
            "(which may be in another encoding).",
        ) from None
    if not isinstance(doc, dict):
        raise BadJson(
            "The JSON body must be an object.",
            'Send {"csv": "<file text>", "method": "auto"} or {"series": [...]}.',
        )
    return doc


# The original app's defaults for a legacy body's keys.
_LEGACY_DEFAULTS = {"period": 12, "eps": 0.1, "min_pts": 4}


def _legacy_params(doc: dict[str, Any]) -> dict[str, Any]:
    seasonality = doc.get("seasonality", True)
    if not isinstance(seasonality, bool):
        raise BadParameter(
            "'seasonality' must be true or false.", "true runs STL + ESD, false runs DBSCAN."
        )

    def given(key: str) -> Any:
        # A null or "" is the legacy default, as a key left out is: resolve() would read it as
        # not given, the new API's default (an inferred season for stl, which a legacy body
        # never had, and which the short-series check below cannot count: it was a 500).
        return doc[key] if _sets(doc, key) else _LEGACY_DEFAULTS[key]

    try:
        if seasonality:
            return resolve({"method": "stl", "period": given("period"), "alpha": 0.05})
        return resolve({"method": "dbscan", "eps": given("eps"), "min_pts": given("min_pts")})
    except BadParameter as e:  # resolve's hints speak of method=auto and inferred seasons
        hint = _LEGACY_HINTS.get(e.parameter or "", e.hint)
        raise BadParameter(e.message, hint, parameter=e.parameter) from None


# A legacy body's keys, told as the body writes them (it takes no method and no inferred
# season: a period left out is the original app's 12).
_LEGACY_HINTS = {
    "period": f'"period" is STL\'s season: an integer from 2 to {STL_MAX_PERIOD} points (12 when '
    'left out). For no season send "seasonality": false (DBSCAN with "eps" and "min_pts"), '
    'or send {"csv": ...} with "method": "auto".',
    "eps": '"eps" is DBSCAN\'s neighbourhood radius, a number above 0 on the 0 to 1 scale of '
    "time and value (0.1 when left out).",
    "min_pts": '"min_pts" is the number of points (itself included) within "eps" that make a '
    "core point, an integer of 1 or more (4 when left out).",
}


def _sets(doc: dict[str, Any], key: str) -> bool:
    """Whether a legacy body sets ``key``: null and "" set nothing (resolve's rule for a blank)."""
    return doc.get(key) not in (None, "")


def _legacy_dbscan_fits(table: Table, doc: dict[str, Any], params: dict[str, Any]) -> None:
    """A legacy DBSCAN request answered in JSON (each term on its own) on fewer points than
    its eps and min_pts can make a cluster of, told in the body's keys: DBSCAN's own refusal
    speaks of method=auto and the page's fields. (The CSV answer keeps the original's rows.)"""
    if params["method"] != "dbscan":
        return
    eps, min_pts = params["eps"], params["min_pts"]
    needed = dbscan_min_points(eps, min_pts)
    short = next((s for s in table.series if len(s.values) < needed), None)
    if short is None:
        return
    given = [f'"{k}": {json.dumps(doc[k])}' for k in ("eps", "min_pts") if _sets(doc, k)]
    said = " and ".join(given) + " in the request" if given else "the original app's defaults"
    raise TooFewPoints(
        f"DBSCAN with eps={eps:g} and min_pts={min_pts} ({said}) needs at least {needed} "
        f"points, or it flags every one (points are 1/(n - 1) apart in its scaled time); "
        f"'{short.name}' has {len(short.values)}.",
        'Send more rows, a larger "eps" or a smaller "min_pts" in the body, or leave out '
        "Accept: application/json for the original app's CSV of row numbers; or send "
        '{"csv": ...} with "method": "auto".',
    )


def _legacy_season_fits(table: Table, doc: dict[str, Any], params: dict[str, Any]) -> None:
    """A legacy STL request shorter than two seasons, told in its own body's words: STL's
    own refusal speaks of the page's Season length and of method=auto, which a legacy body
    does not take, and calls the original app's default season one the caller set."""
    if params["method"] != "stl":
        return
    period = params["period"]
    needed = min_points(period)
    short = next((s for s in table.series if len(s.values) < needed), None)
    if short is None:
        return
    default = f'the original app\'s default season of {period} points (no "period" sent)'
    season = f'"period": {period} in the request' if _sets(doc, "period") else default
    raise TooFewPoints(
        f"STL needs two full seasons: with {season} that is {needed} points, and "
        f"'{short.name}' has {len(short.values)}.",
        'Send more rows, a shorter season ("period" in the body), or "seasonality": false '
        '(DBSCAN, which handles short series); or send {"csv": ...} with "method": "auto".',
    )


def _rounded(a: np.ndarray) -> np.ndarray:
    """Floats at the answer's precision (_DECIMALS places)."""
    return np.round(np.asarray(a, dtype=float), _DECIMALS)


def _term_notes(s: Series, d: Detection) -> list[str]:
    """What to tell a person about one term's answer: that it does not vary, where it is
    sampling noise, that it is too short to test, that DBSCAN flagged most of it, and an
    anomaly on a last row that may be an incomplete period."""
    notes = (
        constant_warning(s),
        short_warning(s, d),
        sparse_warning(s, d),
        crowded_warning(s, d),
        partial_period_warning(s, d),
    )
    return [w for w in notes if w]


# An ISO date and time with a zone offset; group 1 is the date and time of day as written.
# The offset in hours and minutes (+02:00, -0500) or in hours alone (-05), as the parser
# reads them (timeaxis._AFTER_TIME); legacy answers know the first only, as they always did
# (2021-06-02T00:00-05 in UTC there).
_OFFSET = ZONE + "$"
_LEGACY_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
_ZONED_TIME = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}(?::\d{2}){0,2}(?:\.\d+)?)"
_ZONED = re.compile(_ZONED_TIME + _OFFSET)
_LEGACY_ZONED = re.compile(_ZONED_TIME + _LEGACY_OFFSET)
# The same in ISO 8601's basic form (20210602T0000+0200, 20210602T0000-05: timeaxis.
# BASIC_DATE_TIME with an offset): the date's fields, the time's digits and its fraction.
_ZONED_BASIC = re.compile(
    rf"^(\d{{4}})(\d{{2}})(\d{{2}})T(\d{{2}}(?:\d{{2}}){{0,2}})(\.\d+)?{_OFFSET}"
)


def _local_time(label: str, legacy: bool) -> str | None:
    """The date and time of day a label with an offset writes, in the extended form; None when
    it has no offset (or, when ``legacy``, is in the basic form or its offset is hours alone)."""
    m = (_LEGACY_ZONED if legacy else _ZONED).match(label)
    if m is not None:
        return m.group(1).replace(" ", "T")
    m = None if legacy else _ZONED_BASIC.match(label)
    if m is None:
        return None
    y, mo, d, clock, fraction = m.groups()
    time = ":".join(clock[i : i + 2] for i in range(0, len(clock), 2))
    return f"{y}-{mo}-{d}T{time}{fraction or ''}"


def _wall_clock(labels: list[str], legacy: bool = False) -> np.ndarray | None:
    """ISO labels with a zone offset (a one-day export: "2025-09-15T18:36:00-05:00") as the
    time of day they write (18:36), which the parser turned into UTC (23:36): a person reads
    the export in their own time. The basic form's too (20210602T1836-0500), and an offset in
    hours alone (-05), unless ``legacy`` (legacy answers keep those in UTC, as they always
    had). None when the labels carry no offset."""
    local = []
    for label in labels:
        written = _local_time(label.strip(), legacy)
        if written is None:
            return None
        local.append(written)
    try:
        return np.array(local, dtype="datetime64[s]")
    except ValueError:
        return None


# A timestamp already in the ISO form a client parses ("2004-01", "2020-07-12",
# "2021-06-02T14"): an export's own labels, which `times` repeats as they are.
_ISO_LABEL = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?(?:T\d{2}(?::\d{2}(?::\d{2})?)?)?$")
# The same in ISO 8601's basic form ("20200712", "20210602T1400"): `times` writes it in the
# extended form, as it repeats the labels of a file that writes that ("2021-06-02T14:00").
_BASIC_LABEL = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(?:(\d{2})(\d{2})?)?)?$")
# A label in the basic form after the first, in "\n".join(labels) (3 ms for 100 000 labels;
# a multiline ^\d{8}, 11 ms).
_BASIC_IN_COLUMN = re.compile(r"\n[0-9]{8}")


def _extended(labels: list[str]) -> list[str] | None:
    """Labels in ISO 8601's basic form written in its extended form, with the fields they
    have ("20210602T14" as "2021-06-02T14"), those in the extended form as they are; None
    when one is in neither."""
    out = []
    for label in labels:
        m = _BASIC_LABEL.match(label)
        if m is None:
            if not _ISO_LABEL.match(label):
                return None
            out.append(label)
            continue
        y, mo, d, h, mi, sec = m.groups()
        time = "".join(f"{sep}{f}" for sep, f in (("T", h), (":", mi), (":", sec)) if f)
        out.append(f"{y}-{mo}-{d}{time}")
    return out


def iso_times(s: Series, legacy: bool = False) -> list[str] | None:
    """The timestamps in ISO 8601, so that a client can place and format dates that the file
    spells its own way: the labels themselves when the file writes ISO (a Trends export:
    "2004-01", "2021-06-02T14"; the parser reads a column in one format, so its first and
    last label tell), or ISO 8601's basic form written in the extended form with the same
    fields ("2021-06-02T14:00" for 20210602T1400), else as the parser read them
    ("2004-02-01" for a spreadsheet's "01.02.2004", "2021-06-02T14:00:00" when some are not
    at midnight), a time written with a zone offset (in either form, in hours and minutes or
    hours alone) as the time of day it writes, the offset left out. None when the time axis
    is row positions (a legacy numeric first column). ``legacy``: the basic form, and an
    offset in hours alone, as the parser read them, as legacy answers always wrote them.
    (Converting 100 000 timestamps costs some 40 ms; repeating the labels,
    nothing.)"""
    if s.step.name == "unknown" or not s.timestamps.size:
        return None
    labels = s.labels
    iso = bool(_ISO_LABEL.match(labels[0]) and _ISO_LABEL.match(labels[-1]))
    # (One in the basic form among them, 20200205, is read with them: not repeated as is.)
    if iso and (legacy or not _BASIC_IN_COLUMN.search("\n".join(labels))):
        return labels
    if not legacy and (iso or _BASIC_LABEL.match(labels[0])):
        extended = _extended(labels)
        if extended is not None:
            return extended
    ts = _wall_clock(labels, legacy)
    if ts is None:
        ts = s.timestamps.astype("datetime64[s]")
    days = ts.astype("datetime64[D]")
    unit = "D" if bool((ts == days).all()) else "s"
    return np.datetime_as_string(ts, unit=unit).tolist()


def series_answer(
    s: Series, d: Detection, notes: list[str] | None = None, legacy: bool = False
) -> dict[str, Any]:
    """One term's answer; ``notes``: the warnings that concern this term alone (also in the
    answer's ``warnings``), so that a page can say them next to its chart. ``legacy``: a
    legacy request's, whose ``times`` are as they always were (`iso_times`)."""
    expected = _rounded(d.expected)  # run_method kept it and the band within the scale
    return {
        "name": s.name,
        "header": s.header,
        "geo": s.geo,
        "timestamps": s.labels,
        "times": iso_times(s, legacy=legacy),
        "values": s.values,
        "expected": expected,
        "lower": _rounded(d.lower),
        "upper": _rounded(d.upper),
        "anomalies": [_anomaly_answer(s, a, expected) for a in d.anomalies],
        "parameters": d.chosen,
        "notes": notes or [],
    }


def _anomaly_answer(s: Series, a: Anomaly, expected: np.ndarray) -> dict[str, Any]:
    start, end, peak = a.extent()
    return {
        "index": a.index,
        "timestamp": s.labels[a.index],
        "value": float(s.values[a.index]),
        "expected": float(expected[a.index]),
        "score": round(float(a.score), 3) if np.isfinite(a.score) else 1e9,
        "direction": a.direction,
        "kind": a.kind,
        "start": s.labels[start],
        "end": s.labels[end],
        "peak": s.labels[peak],
        "start_index": start,
        "end_index": end,
        "peak_index": peak,
    }


def invoke(req: Invocation, settings: Settings) -> Answer:
    """Run one request; ApiErrors propagate to the caller, which renders them."""
    if len(req.body) > settings.max_payload_bytes:
        raise PayloadTooLarge.over(settings.max_payload_bytes, len(req.body), TOO_LARGE_HINT)
    if not req.body.strip():
        raise BadCsv(EMPTY_FILE_MESSAGE, EMPTY_FILE_HINT)
    kind, ct_params = _media_type(req.content_type or "")
    warnings: list[str] = []
    raw = dict(parse_attributes(req.custom_attributes))
    legacy = False
    if kind in CSV_TYPES:
        mistaken = not_csv(req.body)
        if mistaken is not None:
            raise BadCsv(f"The file sent is {mistaken.what}, not a CSV file.", mistaken.hint)
        try:
            table = parse_table(decode_text(req.body, ct_params.get("charset"), warnings))
        except BadCsv as err:
            if not _looks_like_json(req.body):
                raise
            # A JSON request sent with the CSV's type: "No data rows found" alone did not
            # say that the body was fine and its label was not.
            raise BadCsv(
                f"{err.message} The body looks like JSON, but its Content-Type is {kind}.",
                "Send JSON requests with Content-Type: application/json.",
            ) from None
    elif kind == JSON or kind.endswith("+json"):
        doc = _load_json(req.body)
        if "data" in doc:
            legacy = True
            unknown = set(doc) - LEGACY_KEYS
            if unknown:
                raise BadJson(
                    f"Unknown keys in a legacy request: {', '.join(sorted(unknown))}.",
                    "Legacy requests take data, eps, min_pts, seasonality and period; new "
                    "requests send 'csv' or 'series'.",
                )
            if not isinstance(doc["data"], str):
                raise BadJson(
                    "'data' must be the CSV text as a string.",
                    'Put the file\'s text in "data" as one JSON string (newlines as \\n).',
                )
            if raw:  # the original app had no parameters outside its body: none is dropped
                names = ", ".join(sorted(raw))
                raise BadParameter(
                    f'A legacy request ({{"data": ...}}) takes its parameters in its body; '
                    f"{names[:80]} given beside it would be ignored.",
                    'Put seasonality, period, eps or min_pts in the body, or send {"csv": '
                    '"<the file>", "method": ...} with any of the parameters.',
                )
            # The original app ignored the first column: a numeric time axis is row positions.
            table = parse_table(doc["data"], numeric_axis=True)
        elif "csv" in doc or "series" in doc:
            if "csv" in doc and "series" in doc:
                raise BadJson(
                    "The JSON object has both 'csv' and 'series': one of them would be ignored.",
                    "Send the file as 'csv', or the values as 'series', not both.",
                )
            if "csv" in doc:
                if not isinstance(doc["csv"], str):
                    raise BadJson(
                        "'csv' must be the CSV text as a string.",
                        'Put the file\'s text in "csv" as one JSON string (newlines as \\n), '
                        "or send the file itself with Content-Type: text/csv.",
                    )
                if not doc["csv"].strip():  # as an empty body: no file, not one without dates
                    raise BadCsv(
                        "'csv' is empty: it has no rows to analyse.",
                        'Put the file\'s text in "csv": a Google Trends export (Explore → ⋮ → '
                        "Download CSV), or send the file itself with Content-Type: text/csv.",
                    )
                table = parse_table(doc["csv"])
            else:
                table = _series_from_json(doc["series"])
            raw.update({k: v for k, v in doc.items() if k not in ("csv", "series")})
        else:
            raise BadJson(
                "The JSON object needs a 'csv', 'series' or 'data' key.",
                'Send {"csv": "<Google Trends export>", "method": "auto"}.',
            )
    elif not kind:
        raise UnsupportedMediaType(
            "The request has no Content-Type.",
            "Send Content-Type: text/csv with the file, or application/json.",
        )
    elif kind in FORM_TYPES:
        raise UnsupportedMediaType(
            f"A form upload ({kind}) is not supported: the file must be the request body itself.",
            "Send the file's bytes as the body with Content-Type: text/csv (curl --data-binary "
            "@file.csv, not -F; fetch(url, {method: 'POST', body: file}), not FormData).",
        )
    else:
        raise UnsupportedMediaType(
            f"Content-Type '{kind[:60]}' is not supported.",
            "Send Content-Type: text/csv with the file, or application/json.",
        )
    out_type = negotiate(req.accept, legacy)
    params = _legacy_params(doc) if legacy else resolve(raw, settings.defaults)
    if legacy:
        _legacy_season_fits(table, doc, params)
        if out_type != CSV:
            _legacy_dbscan_fits(table, doc, params)
    log = {
        "method": params["method"],
        "series": len(table.series),
        "points": len(table.series[0].values),
        "legacy": legacy,
    }
    if legacy and out_type == CSV:
        rows = legacy_rows(table.series, params)
        body = "".join(f"{i}\n" for i in rows).encode()
        return Answer(200, _deliverable(body, settings), "text/csv; charset=utf-8", log)
    _fits_before_detection(table, params, out_type, settings)
    detections = [run_method(s, params["method"], params) for s in table.series]
    pairs = list(zip(table.series, detections, strict=True))
    notes = [_term_notes(s, d) for s, d in pairs]
    answer = {
        "method": params["method"],
        "parameters": params,
        "frequency": table.series[0].step.name,
        "series": [series_answer(s, d, n, legacy) for (s, d), n in zip(pairs, notes, strict=True)],
        "warnings": warnings + table.warnings + [w for n in notes for w in n],
    }
    if out_type == CSV:
        return Answer(
            200, _deliverable(anomalies_csv(answer), settings), "text/csv; charset=utf-8", log
        )
    body = orjson.dumps(answer, option=orjson.OPT_SERIALIZE_NUMPY)
    return Answer(200, _deliverable(body, settings), JSON, log)


def _fits_before_detection(
    table: Table, params: dict[str, Any], out_type: str, settings: Settings
) -> None:
    """The 413 of an answer too large by its input alone, before detection, for every method:
    a 500 000-point dbscan request (25 series of 20 000) was detected in full, 1.1 to 1.6 s, to
    be refused, and a 6 MB auto one (450 000 points) 1.1 s of CPU (0.75 s now, most of it
    reading the CSV); with a floor of 29 bytes a point, a JSON request of 118 000 to 217 000
    daily points still was (the floor counts 43 now, see ``answer_size``). After the refusals
    detection makes at its start (``check_fits``), as before. The same body asking for
    ``Accept: text/csv`` is detected in full (its floor is its header line; bench/image.py
    measures a worker's peak on it)."""
    for s in table.series:
        check_fits(s, params["method"], params)
    floor = answer_floor(table.series, params["method"], out_type)
    if floor > settings.max_payload_bytes:
        raise _too_large(floor, settings.max_payload_bytes, at_least=True)


def _too_large(size: int, limit: int, *, at_least: bool = False) -> ResultTooLarge:
    """The 413 of an answer of ``size`` bytes (its floor when ``at_least``), with both sizes as
    numbers too: a caller can say how many parts to split the data into without reading words."""
    return ResultTooLarge(
        f"The result {'would be at least' if at_least else 'is'} {size} bytes, more than "
        f"SageMaker can return ({limit} bytes, {limit / (1024 * 1024):.3g} MB).",
        "Send fewer rows or columns (a shorter time range), or ask for Accept: text/csv "
        "(the anomalies alone, a much smaller table).",
        fields={"result_bytes": size, "limit_bytes": limit},
    )


def _deliverable(body: bytes, settings: Settings) -> bytes:
    """``body`` when SageMaker can return it (its response cap is the request's, 6 MB), else a
    413 that says how to get a smaller answer: the JSON is 3 to 12 times the CSV sent."""
    if len(body) > settings.max_payload_bytes:
        raise _too_large(len(body), settings.max_payload_bytes)
    return body
