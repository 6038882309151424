"""openapi.yaml against the code: a valid OpenAPI 3.1 document whose routes, parameters,
limits and error codes are the ones the gateway, the function and the model have.

A caller generates a client from the document and validates requests and answers with it in
their CI; a code, a bound or a route the document does not have is one they cannot plan for.
The answers themselves are checked in test_openapi_answers.py.
"""

from __future__ import annotations

import math
import re
import typing
from typing import Any

import detect_contract
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from trends_anomaly import contract, errors, params, trends, types
from trends_anomaly.answer_csv import COLUMNS

from deploy import api_surface
from deploy.config import HTTP_API_HEADER_BYTES
from tests.support import openapi
from tests.support.error_codes import emitted, lambda_files, model_files

DOC = openapi.load()
DOCUMENT = openapi.Document(DOC)
SCHEMAS = DOC["components"]["schemas"]
NAMES = ["method", *params.SPECS]  # every parameter the model's table takes


def component(name: str) -> str:
    """The schema's name of a parameter in components/schemas: min_pts → MinPts."""
    return "Method" if name == "method" else name.title().replace("_", "")


COMPONENT = {name: component(name) for name in NAMES}
# Where a parameter of params.SPECS appears in the document, for the failure messages.
PLACES = (
    "a schema components/schemas/{schema} (its bounds, default and x-methods), a "
    "components/parameters/{name} that points at it, listed in POST /detect's parameters, "
    "and a property {name} in CsvRequest, SeriesRequest and AnswerParameters "
    "(docs/swap-your-model.md, step 1)"
)


def _places(name: str) -> str:
    return PLACES.format(schema=component(name), name=name)


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOC["openapi"].startswith("3.1.")
    errors = [e.message[:300] for e in OpenAPIV31SpecValidator(DOC).iter_errors()]
    assert errors == []


def _enums_and_parameter_schemas(node: Any, where: str) -> typing.Iterator[tuple[str, Any]]:
    """(pointer, node) for every schema with an ``enum`` and every parameter's schema."""
    if isinstance(node, dict):
        if "enum" in node:
            yield where, node
        if "in" in node and isinstance(node.get("schema"), dict):
            yield f"{where}/schema", node["schema"]
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from _enums_and_parameter_schemas(
                    value, f"{where}/{openapi.pointer(key)[1:]}"
                )
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _enums_and_parameter_schemas(value, f"{where}/{i}")


def test_a_client_generator_can_type_every_parameter() -> None:
    """docs/api.md says to generate a client from the document. openapi-python-client 0.29.1
    left POST /detect out of the client it generated ("Endpoint will not be generated") for
    two spellings: Period's branch ``enum: [0, none]``, whose values are of two JSON types
    ("Invalid property in union"), and Content-Encoding's ``const: identity`` without a type
    ("not allowed in header", with ``type: string`` too). So an enum's values share one
    type, and every parameter's schema names its type (or is a ``$ref``) and uses ``enum``,
    not ``const``; the generated client then called make up's API and parsed its answers
    (measured)."""
    mixed = [
        where
        for where, node in _enums_and_parameter_schemas(DOC, "")
        if "enum" in node and len({type(v) for v in node["enum"]}) > 1
    ]
    untyped = [
        where
        for where, node in _enums_and_parameter_schemas(DOC, "")
        if where.endswith("/schema")
        and ("const" in node or ("type" not in node and "$ref" not in node))
    ]
    assert (mixed, untyped) == ([], [])


def _examples(node: Any, where: str) -> typing.Iterator[tuple[str, Any]]:
    """(pointer of the schema, example value) for every media type's and parameter's example."""
    if isinstance(node, dict):
        if "schema" in node and ("example" in node or "examples" in node):
            if "example" in node:
                yield f"{where}/schema", node["example"]
            for name in node.get("examples", {}):
                example, _ = DOCUMENT.resolved(f"{where}/examples/{openapi.pointer(name)[1:]}")
                yield f"{where}/schema", example["value"]
        for key, value in node.items():
            if key not in ("example", "examples", "schema"):
                yield from _examples(value, f"{where}/{openapi.pointer(key)[1:]}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _examples(value, f"{where}/{i}")


def test_every_example_fits_its_schema() -> None:
    """The document's examples are what a reader copies: each one is valid against the schema
    it illustrates, strictly (it names no field the schema does not)."""
    strict = openapi.Document(openapi.strict(DOC))
    found = list(_examples(DOC, ""))
    assert len(found) >= 8  # the walk finds them
    problems = {where: strict.problems(where, value) for where, value in found}
    assert {where: p for where, p in problems.items() if p} == {}


def test_the_routes_are_the_ones_the_gateway_routes_to_the_function() -> None:
    """deploy/api_surface.py tells the HTTP API its routes; lambda/ answers the same ones; the
    gateway answers every path's CORS preflight itself (OPTIONS, documented on each path)."""
    documented = {
        f"{method.upper()} {path}"
        for path, item in DOC["paths"].items()
        for method in item
        if method != "options"
    }
    assert documented == set(api_surface.ROUTES) == set(detect_contract.ROUTES)
    assert all("options" in item for item in DOC["paths"].values())
    assert "OPTIONS" in api_surface.route_methods()


def _expected_bounds(spec: params.Spec) -> dict[str, Any]:
    """The JSON Schema keywords for what params._convert accepts for ``spec``."""
    out: dict[str, Any] = {"type": "number" if spec.kind == "float" else "integer"}
    out["exclusiveMinimum" if spec.lo_open else "minimum"] = spec.lo
    if math.isinf(spec.hi):
        out["maximum"] = params.MAX_MAGNITUDE  # no larger value is taken (_TooLarge)
    else:
        out["exclusiveMaximum" if spec.hi_open else "maximum"] = spec.hi
    return out


def _bounds(schema: dict[str, Any]) -> dict[str, Any]:
    keys = ("type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
    return {k: schema[k] for k in keys if k in schema}


def _schema_for(name: str, method: str) -> dict[str, Any]:
    """The parameter's schema as ``method`` takes it: its own, or its ``x-per-method`` one."""
    schema = component(name)
    assert schema in SCHEMAS, f"openapi.yaml lacks the parameter {name!r}: add {_places(name)}"
    where = openapi.pointer("components", "schemas", schema)
    if method in SCHEMAS[schema].get("x-per-method", {}):
        where += openapi.pointer("x-per-method", method)
    return DOCUMENT.resolved(where)[0]


PER_METHOD = [(name, method) for name, spec in params.SPECS.items() for method in spec.methods]


@pytest.mark.parametrize(("name", "method"), PER_METHOD, ids=[f"{n}-{m}" for n, m in PER_METHOD])
def test_each_parameter_has_the_models_range_default_and_methods(name: str, method: str) -> None:
    """The bounds params.resolve applies for this method (Spec.for_method), as JSON Schema."""
    spec = params.SPECS[name].for_method(method)
    schema = _schema_for(name, method)
    if spec.kind == "period":  # an integer range, or "no season" spelt 0 or none
        numeric = [s for s in schema["oneOf"] if "enum" not in s]
        others = [s for s in schema["oneOf"] if "enum" in s]
        assert len(numeric) == 1
        # (x-case-insensitive: its own test below)
        assert [{k: v for k, v in s.items() if not k.startswith("x-")} for s in others] == [
            {"type": "integer", "enum": [0]},
            {"type": "string", "enum": ["none"]},
        ]
        assert _bounds(numeric[0]) == _expected_bounds(spec)
        assert params.resolve({"method": method, name: "none"})[name] == 0
    else:
        assert _bounds(schema) == _expected_bounds(spec)
    base = SCHEMAS[COMPONENT[name]]
    if spec.default is None:
        assert "default" not in base  # per method: said in the description
    else:
        assert base["default"] == spec.default
    assert base["x-methods"] == list(spec.methods)
    assert set(base.get("x-per-method", {})) == set(params.SPECS[name].per_method)


def _differ(what: str, got: typing.Iterable[str], wanted: typing.Iterable[str]) -> str:
    """What openapi.yaml's ``what`` lacks or has besides params.SPECS' names, and where each
    lacking one goes."""
    missing = sorted(set(wanted) - set(got))
    extra = sorted(set(got) - set(wanted))
    said = [f"{what} in openapi.yaml are not the model's parameters (method, params.SPECS)"]
    said += [f"lacking {name!r}: add {_places(name)}" for name in missing]
    if extra:
        said.append(f"not in params.SPECS: {', '.join(extra)}")
    return "; ".join(said) if missing or extra else f"{what}: each names the wrong schema"


def test_the_json_forms_apply_the_per_method_bounds() -> None:
    """A JSON request is validated with the method's own bounds (if method is ... then ...);
    the query cannot say it (OpenAPI has no conditional parameters): x-per-method does."""
    for form in ("CsvRequest", "SeriesRequest"):
        applied = {
            (rule["if"]["properties"]["method"]["const"], name): ref["$ref"]
            for rule in SCHEMAS[form].get("allOf", [])
            for name, ref in rule["then"]["properties"].items()
        }
        wanted = {
            (method, name): SCHEMAS[COMPONENT[name]]["x-per-method"][method]["$ref"]
            for name, spec in params.SPECS.items()
            for method in spec.per_method
        }
        assert applied == wanted, form


def test_the_method_parameter_is_the_models() -> None:
    where = "openapi.yaml's components/schemas/Method"
    assert SCHEMAS["Method"]["enum"] == list(params.METHODS), f"{where}: enum is params.METHODS"
    assert SCHEMAS["Method"]["default"] == params.DEFAULT_METHOD, f"{where}: default"


def test_the_method_names_case_is_as_the_model_reads_it() -> None:
    """An enum cannot say "in any case": Method's x-case-insensitive does, and must be what
    params.resolve does (it took method=STL while the document's enum said only stl)."""
    taken = all(
        params.resolve({"method": f" {name.upper()} "})["method"] == name for name in params.METHODS
    )
    assert SCHEMAS["Method"].get("x-case-insensitive", False) is taken


def test_the_no_season_words_case_is_as_the_model_reads_it() -> None:
    """Period's `none` is read in any case (period=NONE is auto's no season), which its enum
    alone does not say: the string branch's x-case-insensitive must be what resolve does."""
    (words,) = [b for b in SCHEMAS["Period"]["oneOf"] if b.get("type") == "string"]
    taken = all(
        params.resolve({"method": "auto", "period": spelling})["period"] == 0
        for word in words["enum"]
        for spelling in (word.upper(), word.title())
    )
    assert words.get("x-case-insensitive", False) is taken


def _taken_as_text(name: str, method: str) -> bool:
    """Whether the model takes parameter ``name`` as a JSON string of its query spelling, and
    null and "" as leaving it out (the default)."""
    spec = params.SPECS[name].for_method(method)
    if spec.default is not None:
        value = spec.default
    else:  # a value within its range (alpha: 0.25, period: 3)
        value = spec.lo + 1 if math.isinf(spec.hi) else (spec.lo + spec.hi) / 2
    try:
        as_text = params.resolve({"method": method, name: str(value)})[name]
        left_out = params.resolve({"method": method})[name]
        blanks = [params.resolve({"method": method, name: b})[name] for b in (None, "")]
    except errors.ApiError:
        return False
    return as_text == value and blanks == [left_out, left_out]


def test_the_json_forms_take_parameters_as_text_as_the_document_says() -> None:
    """A JSON request's parameters are numbers in the schemas; the model also takes each as a
    string of its query spelling ("0.7"), and null or "" as leaving it out: the csv and
    series forms' x-parameters-as-text says so, and must be what params.resolve does. (Not
    the legacy form: there a null period is not its default, 12.)"""
    taken = all(_taken_as_text(name, method) for name, method in PER_METHOD)
    for form in ("CsvRequest", "SeriesRequest"):
        assert SCHEMAS[form].get("x-parameters-as-text", False) is taken, form


def test_every_parameter_is_taken_in_the_query_and_the_json_forms() -> None:
    """The same names, each pointing at the one schema the bounds test reads."""
    post, where = DOCUMENT.operation("post", "/detect") or ({}, "")
    query = {}
    for i in range(len(post["parameters"])):
        param, _ = DOCUMENT.resolved(f"{where}/parameters/{i}")
        if param["in"] == "query":
            query[param["name"]] = param["schema"]["$ref"]
    wanted = {name: f"#/components/schemas/{COMPONENT[name]}" for name in NAMES}
    assert query == wanted, _differ("POST /detect's query parameters", query, wanted)
    for form, own in (("CsvRequest", "csv"), ("SeriesRequest", "series")):
        properties = dict(SCHEMAS[form]["properties"])
        properties.pop(own)
        got = {k: v["$ref"] for k, v in properties.items()}
        assert got == wanted, _differ(f"{form}'s properties", got, wanted)
    # the answer echoes them all
    echoed = set(SCHEMAS["AnswerParameters"]["properties"])
    assert echoed == set(NAMES), _differ("AnswerParameters' properties", echoed, set(NAMES))
    legacy = SCHEMAS["LegacyRequest"]["properties"]
    assert set(legacy) == contract.LEGACY_KEYS
    # a legacy request's period goes to method=stl
    assert legacy["period"]["$ref"] == SCHEMAS["Period"]["x-per-method"]["stl"]["$ref"]


def test_the_limits_and_shapes_are_the_codes() -> None:
    post = DOC["paths"]["/detect"]["post"]
    assert post["requestBody"]["x-max-body-bytes"] == detect_contract.MAX_BODY_BYTES
    assert DOC["x-max-header-bytes"] == HTTP_API_HEADER_BYTES  # the gateway's own quota
    assert SCHEMAS["SeriesRequest"]["properties"]["series"]["maxItems"] == trends.MAX_SERIES
    csv_types = {k for k in post["requestBody"]["content"] if k != "application/json"}
    # The model's CSV types, and the types the function reads as it reads an unlabelled body
    # (JSON when it starts with { or [, else CSV): text/plain, the bytes' own type and the
    # form type of urllib and curl -d, which the model never sees ("": no Content-Type,
    # which a content map cannot key; the requestBody's description says it).
    sniffed = detect_contract.SNIFFED_TYPES - {""}
    assert csv_types == contract.CSV_TYPES | sniffed
    assert SCHEMAS["AnomalyTable"]["pattern"] == "^" + ",".join(COLUMNS) + r"\r\n"
    anomaly = SCHEMAS["Anomaly"]["properties"]
    assert anomaly["kind"]["enum"] == list(typing.get_args(types.Kind))
    assert anomaly["direction"]["enum"] == list(typing.get_args(types.Direction))


def _codes_by_status(responses: dict[str, Any], where: str) -> dict[str, set[str]]:
    """status key ('400', '4XX') -> the error codes its schema lists."""
    out: dict[str, set[str]] = {}

    def visit(node: Any, into: set[str]) -> None:
        if isinstance(node, dict):
            code = node.get("properties", {}).get("error", {}).get("properties", {}).get("code")
            if isinstance(code, dict) and "enum" in code:
                into.update(code["enum"])
            for value in node.values():
                visit(value, into)
        elif isinstance(node, list):
            for value in node:
                visit(value, into)

    for key in responses:
        response, _ = DOCUMENT.resolved(f"{where}/responses/{openapi.pointer(key)[1:]}")
        visit(response.get("content", {}), out.setdefault(key, set()))
    return out


DETECT_CODES = _codes_by_status(
    DOC["paths"]["/detect"]["post"]["responses"], openapi.pointer("paths", "/detect", "post")
)


def _documented_at(status: int | None) -> set[str]:
    """The codes a caller may get with ``status`` (OpenAPI's rule: its own entry, else its
    range); any status when the source does not say it."""
    if status is None:
        return set().union(*DETECT_CODES.values())
    key = str(status) if str(status) in DETECT_CODES else f"{status // 100}XX"
    return DETECT_CODES.get(key, set())


def test_every_code_the_function_answers_is_documented_at_its_status() -> None:
    found = emitted(lambda_files())
    assert {"empty_body", "internal_error", "throttled"} <= {e.code for e in found}
    missing = [e for e in found if e.code not in _documented_at(e.status)]
    assert missing == []


def test_every_code_the_model_passes_through_is_documented_at_its_status() -> None:
    """The model's 4xx pass through the function with their code and status; its 5xx come
    back as 502 model_failed (detect_contract.model_error)."""
    found = emitted(model_files())
    assert {"bad_csv", "not_acceptable", "uri_too_long"} <= {e.code for e in found}
    passed = [e for e in found if e.status is None or e.status < 500]
    missing = [e for e in passed if e.code not in _documented_at(e.status)]
    assert missing == []
    assert any(e.status and e.status >= 500 for e in found)
    assert "model_failed" in DETECT_CODES["502"]


def test_every_documented_code_is_one_the_code_answers() -> None:
    """A code the document lists and nothing answers is a branch a client writes for nothing
    (or a code renamed in the code and not in the document)."""
    emitted_codes = {e.code for e in emitted(lambda_files() + model_files())}
    assert set().union(*DETECT_CODES.values()) - emitted_codes == set()


def test_a_parameter_the_document_lacks_is_named_with_where_it_goes() -> None:
    """A fork adding a parameter to params.SPECS (docs/swap-your-model.md) got `KeyError: 'Z'`
    from these tests: the message names the schema and the other places of the document."""
    with pytest.raises(AssertionError) as failed:
        _schema_for("new_knob", "auto")
    said = str(failed.value)
    assert "components/schemas/NewKnob" in said, said
    for place in ("components/parameters", "CsvRequest", "SeriesRequest", "AnswerParameters"):
        assert place in said, said


# ECMA-262's \s (JSON Schema 2020-12 §6.4: a pattern is an ECMA-262 regular expression):
# WhiteSpace (tab, VT, FF, U+FEFF and Unicode's Zs) and LineTerminator (LF, CR, U+2028-2029),
# https://tc39.es/ecma262/#sec-characterclassescape. Python's \s, which the validators in
# these tests use, differs: it has U+001C-001F and U+0085, and not U+FEFF.
ECMA_SPACE = (
    "[\\t\\n\\v\\f\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
)


def _below_one_taken(text: str) -> bool:
    try:
        return contract._series_value(0, 0, text) == trends.LESS_THAN_ONE
    except errors.ApiError:
        return False


def test_the_below_one_spellings_are_the_ones_the_model_reads() -> None:
    """A series value's "<1" string: the pattern, read as a client's ECMA-262 validator reads
    it, takes the same spacing as the model, which strips Python's whitespace (str.strip)
    around it and between its two signs. With ``\\s`` the document refused "<1" ending in
    U+001F or U+0085, which the model reads, and allowed one after U+FEFF, a 400."""
    values = SCHEMAS["SeriesInput"]["properties"]["values"]["items"]["oneOf"]
    (text,) = [branch for branch in values if branch.get("type") == "string"]
    pattern = re.compile(text["pattern"].replace("\\s", ECMA_SPACE))
    spaces = {c for c in map(chr, range(0x3001)) if c.isspace() or re.fullmatch(ECMA_SPACE, c)}
    spaces |= {"\ufeff", "\u200b", "\u180e", "\u3164"}  # and a few that look blank
    differ = [
        (hex(ord(c)), spelled)
        for c in sorted(spaces)
        for sign in ("<", "\uff1c")
        for spelled in (f"{c}{sign}1", f"{sign}{c}1", f"{sign}1{c}", f"{c}{c}{sign}{c}1{c}")
        if bool(pattern.fullmatch(spelled)) != _below_one_taken(spelled)
    ]
    assert differ == []


def _encoding_taken(value: str) -> bool:
    try:
        detect_contract.no_content_encoding({"content-encoding": value})
    except detect_contract.ApiError:
        return False
    return True


def test_the_content_encoding_case_is_as_the_function_reads_it() -> None:
    """Content codings are case-insensitive (RFC 9110 §8.4.1) and the function takes
    `IDENTITY`, which the enum alone does not say: x-case-insensitive must say what it does."""
    schema = DOC["components"]["parameters"]["ContentEncoding"]["schema"]
    taken = all(
        _encoding_taken(spelled)
        for word in schema["enum"]
        for spelled in (word.upper(), word.title())
    )
    assert taken and all(_encoding_taken(word) for word in schema["enum"])
    assert schema.get("x-case-insensitive", False) is taken
