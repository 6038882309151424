"""The HTTP side of the API: payload-2.0 event in, API responses out.

Pure functions (no AWS, no clock) so every rule here is unit-testable; ``handler.py`` does the
I/O. Errors are raised as ``ApiError`` (``error_shape.py``, the model's own error class) and
rendered as ``{"error": {code, message, hint}}``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import re
from collections.abc import Mapping
from typing import Any

from error_shape import ApiError, PayloadTooLarge

# The Trends API's words for a body over the limit and an empty one: the Trends model says the
# same (trends_anomaly/errors.py; tests/lambda/test_error_shape.py keeps them one wording).
TOO_LARGE_HINT = "Export a shorter time range or fewer terms from Google Trends."
EMPTY_FILE_MESSAGE = "The file is empty: it has no rows to analyse."
EMPTY_FILE_HINT = (
    "Choose a Google Trends export (Explore → ⋮ → Download CSV); calling the API "
    "directly, send the file's text as the request body."
)
# A 504's hint: the Lambda's own words, in front of whatever model a fork deploys, so they name
# no method or parameter of one model (they said "method=stl", which only the Trends model has).
TIMEOUT_HINT = (
    "Send a smaller request (fewer rows or a shorter time range) and try again; if a small "
    "request times out too, try again later and report the request id."
)
# The routes the HTTP API sends here (deploy/api_surface.py lists the same; a test ties them).
DETECT = "POST /detect"
HEALTH = "GET /health"
ROUTES = (DETECT, HEALTH)
# The largest body that fits in Lambda's 6 MB event, base64-encoded or JSON-escaped (deploy's
# LAMBDA_EVENT_BODY_MB, which it sets in MAX_BODY_BYTES); SageMaker itself takes 6 MB real-time.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Lambda's 6 MB applies to the response as the runtime serializes it (JSON, the body escaped):
# measured so, with room for the headers.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 4 * 1024
MAX_ATTRIBUTES_CHARS = 1024  # X-Amzn-SageMaker-Custom-Attributes max length
# InvokeEndpoint's ContentType and Accept: ASCII, at most 1024 characters (its service model);
# SageMaker refuses others with a ValidationException, a 502 to the caller.
MAX_HEADER_CHARS = 1024
MAX_PARAMETERS = 20
# A parameter written in digits other than 0-9 (٠.٥, full-width ５２): the model's words for it
# in a JSON body (trends_anomaly/params.py; tests/lambda/test_error_shape.py keeps them equal).
NOT_ASCII_DIGITS = "numbers are read only in the ASCII digits 0-9"
# InvokeEndpoint's InferenceId: 1-64 characters, the first not a space, all printable.
_INFERENCE_ID = re.compile(r"[!-~][ -~]{0,63}")

_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
_VALUE = re.compile(r"[A-Za-z0-9._+\-]{1,64}")
# A number written with a decimal comma (0,7), as French or German keyboards write it.
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
# Content types whose meaning we cannot tell from the header (curl -d, fetch with a string),
# and the raw bytes' own type, which a caller is told to send a file as (`not_utf8`): like every
# type but text/*, JSON, XML and JavaScript, the HTTP API passes its bytes on unchanged
# (base64-encoded). The page sends application/csv (site/src/api.js).
_FORM_TYPE = "application/x-www-form-urlencoded"  # curl -d's and urllib's default
BYTES_TYPE = "application/octet-stream"
SNIFFED_TYPES = {"", "text/plain", _FORM_TYPE, BYTES_TYPE}
# What a UTF-8 decoder puts for bytes that are not UTF-8: in a body the HTTP API handed over
# as text, the sign that the file was in another encoding and lost those bytes on the way.
_REPLACED = "\ufffd"
# A charset name as IANA registers them (RFC 2978: up to 40 characters of these).
_CHARSET = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$%&'+\-^_`{}~.:]{0,39}")
_TEXT_TYPES = ("text/", "application/json", "application/problem+json")


class ModelRejected(ApiError):
    """The model's own 4xx answer, passed on verbatim (its body already has our error shape)."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        error = payload["error"]
        super().__init__(
            str(error.get("message", "")),
            str(error.get("hint", "")),
            status=status,
            code=str(error.get("code", "model_rejected_request")),
        )
        self.payload = payload


def json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A payload-2.0 Lambda response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
        "isBase64Encoded": False,
    }


def error_response(error: ApiError, request_id: str) -> dict[str, Any]:
    """Render an ApiError with the request id to quote in a bug report (the HTTP API's, also
    in its ``apigw-requestid`` header), when there is one: a 4xx the caller believes wrong
    (a valid export refused) needs finding in the logs as much as a 5xx. The model's own 4xx
    keep their body and gain the id."""
    extra = {"request_id": request_id} if request_id else {}
    if isinstance(error, ModelRejected):
        payload = {**error.payload, "error": {**error.payload["error"], **extra}}
        return json_response(error.status, payload, error.headers)
    return json_response(error.status, error.body(**extra), error.headers)


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a dict, else empty: direct invokes may omit or mistype any key."""
    return value if isinstance(value, dict) else {}


def route_of(event: dict[str, Any]) -> str:
    """The route key this request is for (``POST /detect``); 404 or 405 when there is none.

    The HTTP API sends only its routes here, but a direct invoke may send anything.
    """
    request_context = mapping(event.get("requestContext"))
    http = mapping(request_context.get("http"))
    method = str(http.get("method", "")).upper()
    path = str(http.get("path") or event.get("rawPath") or "")
    stage = request_context.get("stage", "$default")
    if stage and stage != "$default" and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]
    path = path.rstrip("/") or "/"
    methods = [key.split(" ", 1)[0] for key in ROUTES if key.split(" ", 1)[1] == path]
    if not methods:
        raise ApiError(
            f"There is no resource at {path}.",
            "POST a Google Trends CSV export to /detect (GET /health says whether the API is up).",
            status=404,
            code="not_found",
        )
    if method not in methods:
        allow = ", ".join(methods)
        raise ApiError(
            f"{method or 'This method'} is not allowed on {path}.",
            "Use POST with the CSV or JSON request as the body."
            if path == "/detect"
            else f"Use {allow}.",
            status=405,
            code="method_not_allowed",
            headers={"allow": allow},
        )
    return f"{method} {path}"


def lower_headers(event: dict[str, Any]) -> dict[str, str]:
    """Header names lower-cased (HTTP API already does; direct invokes may not)."""
    return {str(k).lower(): str(v) for k, v in mapping(event.get("headers")).items()}


def max_body_bytes(env: Mapping[str, str]) -> int:
    """The body limit deploy sets in ``MAX_BODY_BYTES`` (never above 4 MB; junk is ignored)."""
    try:
        value = int(env.get("MAX_BODY_BYTES", MAX_BODY_BYTES))
    except ValueError:
        return MAX_BODY_BYTES
    return value if 0 < value <= MAX_BODY_BYTES else MAX_BODY_BYTES


def request_body(event: dict[str, Any], max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The raw body bytes, base64-decoded when the API says so, within the size limit."""
    raw = event.get("body")
    if raw is None:
        raw = ""
    if not isinstance(raw, (str, bytes, bytearray)):
        raise not_a_string(raw)
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                "The body is marked base64-encoded but is not valid base64.",
                "Send the CSV as the raw request body.",
                status=400,
                code="bad_base64",
            ) from None
    else:
        if isinstance(raw, str) and _REPLACED in raw:
            raise not_a_text_file(raw) or not_utf8()
        body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if len(body) > max_bytes:
        raise PayloadTooLarge.over(max_bytes, len(body), TOO_LARGE_HINT)
    if not body.strip():
        raise ApiError(
            EMPTY_FILE_MESSAGE,
            EMPTY_FILE_HINT,
            status=400,
            code="empty_body",
        )
    return body


# What a direct invocation's event may hold as its body instead of a string, in JSON's words.
_JSON_KINDS = {"dict": "a JSON object", "list": "a JSON array", "bool": "true or false"}


def not_a_string(raw: Any) -> ApiError:
    """A body that is not a string: only a direct invocation sends one (the HTTP API always
    hands over text or base64), often the JSON request itself; bytes() of it was a 502, or
    NUL bytes for a number."""
    kind = _JSON_KINDS.get(type(raw).__name__, "a number")
    return ApiError(
        f"The event's body is {kind}, not a string.",
        "Put the request body in the event as a string, as the HTTP API does: the CSV's "
        'text, the JSON request serialized (json.dumps), or base64 with "isBase64Encoded": '
        "true.",
        status=400,
        code="bad_body",
    )


# How a binary file starts once the HTTP API has made its bytes UTF-8 text (each byte that is
# not UTF-8 becomes U+FFFD): named as the model names them (model/trends_anomaly/file_kinds.py),
# which it can only do when it gets the bytes. A CSV never starts so.
_REPLACED_STARTS = (
    ("\x1f\ufffd", "a gzip archive", "Unpack it first, then send the CSV inside."),
    (
        "\ufffdPNG",
        "a PNG image",
        "Download the data from Google Trends instead: the download arrow of Interest over "
        "time saves the CSV.",
    ),
)


def not_a_text_file(text: str) -> ApiError | None:
    """A gzip archive or an image sent with a text type (the replaced bytes of its start
    tell it), named for what it is; None for anything else."""
    for start, what, hint in _REPLACED_STARTS:
        if text.startswith(start):
            return ApiError(
                f"The file sent is {what}, not a CSV file.", hint, status=400, code="bad_body"
            )
    return None


def not_utf8() -> ApiError:
    """A text body with U+FFFD in it: the HTTP API hands a text type's body (text/*, JSON) to
    the function as a UTF-8 string whatever its bytes, so a Windows code page or UTF-16 file
    lost its letters on the way (the model then named a term 'Fu\ufffdball', or found no rows).
    A binary type, or a charset other than UTF-8, gets the bytes here unchanged (base64).
    A UTF-8 file may hold U+FFFD itself (saved again after a wrong decoding), which cannot be
    told from the text: the words name both, and the hint's first way works for both."""
    return ApiError(
        "The body reached the API as UTF-8 text with U+FFFD (the replacement character) in it: "
        "either the file is not in UTF-8 (Excel's CSV in a Windows code page, or UTF-16 "
        "Unicode Text) and lost those characters on the way, as the API passes a text/* or "
        "JSON body on as UTF-8 text only, or the file has U+FFFD itself.",
        "Send the file's bytes as Content-Type: application/octet-stream (curl --data-binary "
        "@file.csv -H 'Content-Type: application/octet-stream'): they arrive unchanged. Or "
        "name its charset (text/csv; charset=windows-1252), or save it as CSV UTF-8.",
        status=400,
        code="bad_body",
    )


def no_content_encoding(headers: dict[str, str]) -> None:
    """Refuse a compressed body: neither the HTTP API nor InvokeEndpoint decompresses it, so
    gzip bytes reached the model as the CSV and came back as 'No data rows found'."""
    # A list of codings ("gzip, identity"; payload 2.0 also joins a repeated header so).
    codings = [c.strip() for c in headers.get("content-encoding", "").lower().split(",")]
    encoding = ", ".join(c for c in codings if c not in ("", "identity"))
    if encoding:
        raise ApiError(
            f"Content-Encoding '{encoding[:40]}' is not supported: the body must be sent "
            "uncompressed.",
            "Send the CSV or JSON as it is, without Content-Encoding (curl: no --compressed "
            "on the upload); the size limit applies to the uncompressed body.",
            status=415,
            code="unsupported_content_encoding",
        )


def _repeated(value: str) -> str | None:
    """The one value of a header that payload 2.0 joined from copies of the same value (its
    spaces and case aside), else None."""
    values = {" ".join(part.split()).lower(): part.strip() for part in value.split(",")}
    return next(iter(values.values())) if len(values) == 1 else None


def sent_once(name: str, value: str) -> str:
    """A single-valued header's value when it was sent more than once: payload 2.0 joins a
    repeated header's values with commas, so Content-Type sent twice read 'text/csv,text/csv'.
    The same value repeated is that value; different ones are a 400 (which is meant cannot be
    told). A quoted parameter may hold a comma: such a value is left as it is."""
    value = value.strip()
    if "," not in value or '"' in value:
        return value
    once = _repeated(value)
    if once is not None:
        return once
    raise ApiError(
        f"The {name} header was sent more than once, with different values: {value[:120]!r}.",
        f"Send {name} once, e.g. text/csv for the file or application/json.",
        status=400,
        code="bad_header",
    )


def sagemaker_header(name: str, value: str) -> str:
    """``value`` when InvokeEndpoint takes it as its ``name`` header, else a 400 that says
    why: the caller's header, passed on, would come back from SageMaker as a 502."""
    if len(value) > MAX_HEADER_CHARS or not value.isascii():
        raise ApiError(
            f"The {name} header is longer than {MAX_HEADER_CHARS} characters or not ASCII.",
            f"Send a plain {name} such as "
            + ("text/csv or application/json." if name == "Content-Type" else "application/json."),
            status=400,
            code="bad_header",
        )
    return value


def inference_id(request_id: str) -> str | None:
    """The request id as InvokeEndpoint's ``InferenceId`` (the ``X-Amzn-SageMaker-Inference-Id``
    header, which the model logs as its request id): the model's line then carries the id the
    caller quotes. None when SageMaker would refuse it (a direct call with an odd id): the
    request goes on without it rather than failing for a log field."""
    return request_id if _INFERENCE_ID.fullmatch(request_id) else None


def charset_of(declared: str) -> str | None:
    """The ``charset`` parameter of a Content-Type (unquoted), or None; a 400 when it is no
    charset name, which could not be passed on as one."""
    for part in declared.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() != "charset":
            continue
        value = value.strip().strip('"')
        if not _CHARSET.fullmatch(value):
            raise ApiError(
                f"The Content-Type's charset {value[:40]!r} is not a charset name.",
                "Name the file's encoding, e.g. text/csv; charset=utf-8 (or windows-1252, "
                "utf-16), or leave the charset out.",
                status=400,
                code="bad_header",
            )
        return value
    return None


def _starts_like_json(body: bytes, charset: str | None) -> bool:
    """Whether the body's text starts with ``{`` or ``[``: in its charset when it names a text
    encoding (UTF-16 JSON starts with b"{\x00"), else as bytes; after a byte order mark,
    which Windows tools write before JSON too."""
    if charset:
        try:
            text = body[:256].decode(charset, errors="ignore")
        # Unknown here, a bytes codec (base64), or one that refuses to decode at all
        # (Python's "undefined", which charset=undefined from a script names, and idna
        # raise UnicodeError): the bytes decide, and the model says what it makes of it.
        except (LookupError, UnicodeError):
            pass
        else:
            return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
    return body.removeprefix(codecs.BOM_UTF8).lstrip()[:1] in (b"{", b"[")


def content_type(headers: dict[str, str], body: bytes) -> str:
    """The body's media type; guessed JSON-or-CSV when the client did not say what it is.

    A guessed type keeps the declared charset: ``text/plain; charset=utf-16le`` was passed on
    as bare ``text/csv``, and the model read the file as UTF-8 (a 400, "No data rows found"),
    or a KOI8-R one as Windows-1252 (a 200 whose term names were mojibake). The model decodes
    a CSV in the charset its type names (model/README.md, "Request bodies")."""
    declared = sent_once("Content-Type", headers.get("content-type", ""))
    media_type = declared.split(";", 1)[0].strip().lower()
    # Every type's charset is checked, not only a guessed one's: text/csv; charset="a b" went
    # on to the model (a 200 that ignored it) where text/plain with it was a 400.
    charset = charset_of(declared)
    if media_type not in SNIFFED_TYPES:
        return sagemaker_header("Content-Type", declared)
    labelled = "" if charset is None else f"; charset={charset}"
    if _starts_like_json(body, charset):
        return sagemaker_header("Content-Type", "application/json" + labelled)
    if media_type == _FORM_TYPE and b"\n" not in body and b"\r" not in body:
        # curl -d @file.csv sends the form type and strips the file's CR and LF: the rows
        # arrive as one line, which the model could only call "No data rows found".
        raise ApiError(
            "The body came as a form (application/x-www-form-urlencoded) without any line "
            "break: curl -d @file removes a file's line breaks, so its rows arrived as one line.",
            "Send the file unchanged: curl --data-binary @file.csv -H 'Content-Type: text/csv'.",
            status=400,
            code="bad_body",
        )
    return sagemaker_header("Content-Type", "text/csv" + labelled)


def custom_attributes(params: dict[str, Any] | None, header: bool = False) -> str | None:
    """Query parameters (``header``: the custom-attributes header's) as SageMaker
    CustomAttributes, e.g. ``method=stl;period=52``; messages name where they were given.

    Only plain keys and values pass, so nothing can smuggle a ``;`` or ``=`` into the header.
    """
    if not params:
        return None
    what = "X-Amzn-SageMaker-Custom-Attributes parameter" if header else "query parameter"
    example = "{}=<value>" if header else "?{}=<value>"
    sample = "method=stl;period=52" if header else "?method=stl&period=52"
    named = what[:1].upper() + what[1:]  # (str.capitalize would lower-case the header name)
    if len(params) > MAX_PARAMETERS:
        raise ApiError(
            f"{len(params)} {what}s given; at most {MAX_PARAMETERS} are accepted.",
            f"Send only the detector's parameters, e.g. {sample}.",
            status=400,
            code="bad_parameter",
        )
    parts = []
    for key, raw in params.items():
        value = str(raw)
        if not _KEY.fullmatch(str(key)):
            raise ApiError(
                f"{named} name {str(key)[:40]!r} is not valid.",
                "Names are lower-case letters, digits and '_', e.g. method, period, sensitivity.",
                status=400,
                code="bad_parameter",
            )
        if _DECIMAL_COMMA.fullmatch(value):
            point = value.replace(",", ".")
            # In a query it may also be the parameter given twice: the gateway joins the values.
            twice = "" if header else ", or the parameter given twice (their values joined)"
            raise ApiError(
                f"{named} {key!r} is {value!r}: a number with a decimal comma{twice}.",
                f"Give {key} once, and write a decimal with a point ({point}, not {value}), "
                f"e.g. {example.format(key)}.",
                status=400,
                code="bad_parameter",
                parameter=key,
            )
        joined = next((c for c in ",&" if c in value and "=" in value.split(c, 1)[1]), None)
        if header and joined:
            # The query's habit in the header: method=stl,period=52 or method=stl&period=52.
            raise ApiError(
                f"{named} {key!r} is {value[:40]!r}: in this header, parameters are separated "
                f"by ';', not {joined!r}.",
                "Write method=stl;period=52 (';' between parameters, '&' only in a URL).",
                status=400,
                code="bad_parameter",
                parameter=key,
            )
        if "," in value:
            raise ApiError(
                f"{named} {key!r} is given more than once or contains a comma.",
                f"Give {key} once, e.g. {example.format(key)}.",
                status=400,
                code="bad_parameter",
                parameter=key,
            )
        if not header and ";" in value and "=" in value:
            # The header's own spelling pasted into a URL: ?method=stl;period=52.
            raise ApiError(
                f"Query parameter {key!r} is {value[:40]!r}: in a URL, parameters are "
                "separated by '&', not ';'.",
                "Write ?method=stl&period=52 (';' separates them only in the "
                "X-Amzn-SageMaker-Custom-Attributes header).",
                status=400,
                code="bad_parameter",
                parameter=key,
            )
        if not value.isascii():
            # float() reads any script's digits, and the model would have read ٠.٥ as 0.5:
            # the same words as the model's of a JSON body's (trends_anomaly/params.py).
            raise ApiError(
                f"The value of {what} {key!r} is {value[:40]!r}, written with characters that "
                f"are not ASCII: {NOT_ASCII_DIGITS} (digits of another script or full-width "
                "ones are not).",
                f"Write {key} with the digits 0-9 and a point for a decimal, e.g. "
                f"{example.format(key)}.",
                status=400,
                code="bad_parameter",
                parameter=key,
            )
        if not _VALUE.fullmatch(value):
            raise ApiError(
                f"The value of {what} {key!r} is empty or has characters not allowed.",
                "Values are letters, digits and . _ + - (at most 64), e.g. period=52.",
                status=400,
                code="bad_parameter",
                parameter=key,
            )
        parts.append(f"{key}={value}")
    attributes = ";".join(parts)
    if len(attributes) > MAX_ATTRIBUTES_CHARS:
        raise ApiError(
            f"The {what}s are too long.",
            f"Keep them under {MAX_ATTRIBUTES_CHARS} characters.",
            status=400,
            code="bad_parameter",
        )
    return attributes


def header_parameters(value: str) -> dict[str, str]:
    """``method=stl;period=52`` from the custom-attributes header as a dict, checked like the
    query: a caller who read the model's contract sends its header, and a header that is
    dropped answers with the defaults without a word."""
    params: dict[str, str] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep or key in params:
            raise ApiError(
                f"X-Amzn-SageMaker-Custom-Attributes part {part.strip()[:40]!r} is not "
                "name=value, or names a parameter twice.",
                "Write each parameter once as name=value, separated by ';', e.g. "
                "method=stl;period=52.",
                status=400,
                code="bad_parameter",
            )
        params[key] = raw.strip()
    return params


def request_attributes(query: dict[str, Any] | None, header: str) -> str | None:
    """The CustomAttributes for SageMaker: from the query, or from the custom-attributes
    header; both at once is refused rather than one of them silently ignored."""
    # Sent twice, the header arrives as its copies joined by a comma: the same copies are read
    # once; different ones are left to header_parameters, whose words for a ',' between
    # parameters (method=stl,period=52) fit the likelier mistake.
    if "," in header:
        header = _repeated(header) or header
    from_header = header_parameters(header) if header.strip() else {}
    if query and from_header:
        raise ApiError(
            "Parameters were given both in the query and in X-Amzn-SageMaker-Custom-Attributes.",
            "Give them in one place, e.g. ?method=stl&period=52.",
            status=400,
            code="bad_parameter",
        )
    return custom_attributes(query) if query else custom_attributes(from_header, header=True)


def _utf8(body: bytes) -> str | None:
    """The body as text when it is UTF-8 (else it goes base64)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def model_response(body: bytes, media_type: str) -> dict[str, Any]:
    """The model's answer as the API response, under the model's own ``media_type`` and never
    parsed: text as is, anything else base64 (a fork's model may answer any type; one that
    says JSON and is not is the model's bug, shown to whoever debugs it as it was sent).

    The size that counts is the serialized response: a JSON answer's quotes are escaped there
    (some 10% more bytes), so a 5.6 MB answer that passed a check on the body alone failed in
    the Lambda runtime, a 5xx from the HTTP API for a request it had accepted.
    """
    text = _utf8(body) if media_type.startswith(_TEXT_TYPES) else None
    response = {
        "statusCode": 200,
        "headers": {"content-type": media_type or BYTES_TYPE},
        "body": text if text is not None else base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": text is None,
    }
    counted = max(len(body), len(json.dumps(response)))
    if counted > MAX_RESPONSE_BYTES:
        raise ApiError(
            f"The result is {len(body)} bytes, more than the API can return (6 MB).",
            "Send fewer rows or columns (a shorter time range); calling the API, Accept: text/csv "
            "answers the anomalies alone, a much smaller table.",
            status=413,
            code="result_too_large",
            # The sizes as numbers, as the model's 413 has them (a page says how many parts).
            fields={"result_bytes": counted, "limit_bytes": MAX_RESPONSE_BYTES},
        )
    return response


def model_error(original_status: int, original_message: str, message: str) -> ApiError:
    """Map SageMaker's ModelError: the model's own 4xx passes through, the rest is upstream."""
    if 400 <= original_status < 500:
        try:
            payload = json.loads(original_message)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            return ModelRejected(original_status, payload)
        # Never SageMaker's own message in its place: it names the account id and links the
        # endpoint's log group in the console ("... See https://<region>.console.aws.amazon
        # .com/cloudwatch/... in account <id> for more information.").
        return ApiError(
            original_message.strip()[:1000]
            or f"The model refused the request with HTTP {original_status}, without a message.",
            "Check the CSV and the parameters.",
            status=original_status,
            code="model_rejected_request",
        )
    if "timed out" in message.lower() or "timed out" in original_message.lower():
        return ApiError(
            "The model did not answer in time.",
            TIMEOUT_HINT,
            status=504,
            code="model_timeout",
        )
    return ApiError(
        f"The model failed with HTTP {original_status}."
        if original_status
        # SageMaker's "Received server error (0)": the container answered nothing (it
        # crashed, or closed the connection).
        else "The model did not answer: its container failed or closed the connection.",
        "Try again; if it keeps failing, report the request id.",
        status=502,
        code="model_failed",
    )


def client_error(code: str, message: str, endpoint: str) -> ApiError:
    """Map a SageMaker runtime service error (not the model's) to an honest status."""
    lowered = message.lower()
    if code in ("ValidationError", "ValidationException") and "not found" in lowered:
        return ApiError(
            f"The SageMaker endpoint {endpoint!r} does not exist.",
            "Deploy it (python -m deploy apply) or check ENDPOINT_NAME.",
            status=503,
            code="endpoint_not_found",
        )
    if code in ("ValidationError", "ValidationException") and "not in service" in lowered:
        return ApiError(
            f"The SageMaker endpoint {endpoint!r} is not in service (creating or updating).",
            "Try again in a few minutes.",
            status=503,
            code="endpoint_not_in_service",
            headers={"retry-after": "60"},
        )
    if code in ("ValidationError", "ValidationException") and "oversize body" in lowered:
        # A serverless endpoint's 4 MB may be fewer bytes than the function's 4 MiB limit.
        return PayloadTooLarge(
            f"The body is larger than the SageMaker endpoint {endpoint!r} accepts.",
            TOO_LARGE_HINT,
        )
    if code == "ModelNotReadyException":
        return ApiError(
            f"The SageMaker endpoint {endpoint!r} is still starting its model.",
            "Try again in a minute.",
            status=503,
            code="endpoint_not_ready",
            headers={"retry-after": "30"},
        )
    if code in ("ThrottlingException", "Throttling", "TooManyRequestsException"):
        return ApiError(
            "Too many requests are reaching the model right now.",
            "Wait a moment and try again.",
            status=429,
            code="throttled",
            headers={"retry-after": "1"},
        )
    if code == "ServiceUnavailable":
        return ApiError(
            "SageMaker is temporarily unavailable.",
            "Try again in a minute.",
            status=503,
            code="service_unavailable",
            headers={"retry-after": "30"},
        )
    return ApiError(
        f"SageMaker answered with an error ({code or 'unknown'}).",
        "Try again; if it keeps failing, report the request id.",
        status=502,
        code="upstream_error",
    )
