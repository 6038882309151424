"""``openapi.yaml`` for tests: real requests and answers checked against the document.

Schemas are validated as OpenAPI 3.1 has them, JSON Schema 2020-12 (``OAS31Validator``), with
``$ref``s resolved inside the document. Answers are checked **strictly**: every object schema
that declares ``type: object`` and its ``properties`` gets ``unevaluatedProperties: false``
(unless it says ``additionalProperties`` itself), so a field the API answers and the document
does not name fails. The document itself stays open, as a client's view of it should be
("answers may gain fields"); only its test holds it to naming every one.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml
from openapi_schema_validator import OAS31Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.support.error_codes import REPO

DOCUMENT = REPO / "openapi.yaml"
URI = "urn:trends-anomaly:openapi"
_NOT_SCHEMAS = ("example", "examples")  # values, not schemas: never made strict
_INTEGER = re.compile(r"-?[0-9]+")


def load() -> dict[str, Any]:
    """A fresh copy of the document (callers may change theirs): parsed once per process, as
    pure-Python YAML parsing of it costs ~0.6 s of CPU and collection loaded it three times."""
    return copy.deepcopy(_parsed())


@functools.cache
def _parsed() -> dict[str, Any]:
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


def strict(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy in which every declared object names all its properties (see the docstring)."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if (
                node.get("type") == "object"
                and "properties" in node
                and "additionalProperties" not in node
                and "unevaluatedProperties" not in node
            ):
                node["unevaluatedProperties"] = False
            for key, value in node.items():
                if key not in _NOT_SCHEMAS:
                    visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    out = copy.deepcopy(doc)
    visit(out)
    return out


def pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) to ``parts``: media types and paths hold '/'."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def typed(value: str) -> Any:
    """A query or header value as the number it spells, else the text (``none``, ``stl``)."""
    if _INTEGER.fullmatch(value):
        return int(value)
    try:
        number = float(value)
    except ValueError:
        return value
    return number if math.isfinite(number) else value


@dataclass
class Document:
    """The document, its schemas resolvable by JSON pointer."""

    doc: dict[str, Any]

    def __post_init__(self) -> None:
        self.registry = Registry().with_resource(URI, DRAFT202012.create_resource(self.doc))

    def at(self, where: str) -> Any:
        node: Any = self.doc
        for part in where.split("/")[1:]:
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def resolved(self, where: str) -> tuple[Any, str]:
        """The node at ``where``, its ``$ref`` followed (within the document), and its pointer."""
        node = self.at(where)
        for _ in range(10):
            if not (isinstance(node, dict) and "$ref" in node):
                return node, where
            where = node["$ref"].removeprefix("#")
            node = self.at(where)
        raise AssertionError(f"$ref chain too long at {where}")

    def problems(self, schema_at: str, instance: Any) -> list[str]:
        """What is wrong with ``instance`` against the schema at ``schema_at`` (empty: valid)."""
        validator = OAS31Validator({"$ref": f"{URI}#{schema_at}"}, registry=self.registry)
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
            for e in validator.iter_errors(instance)
        ]

    def operation(self, method: str, path: str) -> tuple[dict[str, Any], str] | None:
        where = pointer("paths", path, method.lower())
        try:
            return self.resolved(where)
        except KeyError:
            return None

    def response(self, method: str, path: str, status: int) -> tuple[dict[str, Any], str]:
        """The documented response for ``status``: its own entry, else its range (``4XX``)."""
        found = self.operation(method, path)
        assert found is not None, f"{method} {path} is not in the document"
        op, where = found
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in op["responses"]:
                return self.resolved(f"{where}/responses/{pointer(key)[1:]}")
        raise AssertionError(f"{method} {path} documents no response for {status}")

    def answer_problems(
        self, response_at: str, status: int, headers: dict[str, str], body: bytes
    ) -> list[str]:
        """What a real answer does that the documented response at ``response_at`` does not
        say: a required header missing, a header or body off its schema, an undocumented
        media type."""
        response, where = self.resolved(response_at)
        headers = {k.lower(): v for k, v in headers.items()}
        out = []
        for name in response.get("headers", {}):
            spec, spec_at = self.resolved(f"{where}/headers/{pointer(name)[1:]}")
            if name.lower() not in headers:
                if spec.get("required"):
                    out.append(f"header {name} is missing")
                continue
            out += [
                f"header {name}: {p}"
                for p in self.problems(f"{spec_at}/schema", headers[name.lower()])
            ]
        content = response.get("content")
        if not content:
            if body:
                out.append(f"{status} has a body, the document none")
            return out
        kind = media_type(headers.get("content-type", ""))
        if kind not in content:
            return [*out, f"{status} answered {kind!r}; the document has {sorted(content)}"]
        text = body.decode("utf-8")
        instance = json.loads(text) if kind.endswith("json") else text
        return out + self.problems(f"{where}/content/{pointer(kind)[1:]}/schema", instance)

    def request_problems(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> list[str]:
        """What a request does that the document does not allow (empty: it conforms)."""
        found = self.operation(method, path)
        if found is None:
            return [f"{method} {path} is not in the document"]
        op, where = found
        headers = {k.lower(): v for k, v in headers.items()}
        out = []
        seen = set()
        for i in range(len(op.get("parameters", []))):
            param, param_at = self.resolved(f"{where}/parameters/{i}")
            name, place = param["name"], param["in"]
            given = query if place == "query" else headers
            key = name if place == "query" else name.lower()
            seen.add((place, key))
            if key not in given:
                if param.get("required"):
                    out.append(f"{place} parameter {name} is missing")
                continue
            value = typed(given[key]) if place == "query" else given[key]
            out += [f"{name}: {p}" for p in self.problems(f"{param_at}/schema", value)]
        out += [f"query parameter {k} is not documented" for k in query if ("query", k) not in seen]
        if "requestBody" not in op:
            return out
        request_body, body_at = self.resolved(f"{where}/requestBody")
        if not body:
            return [*out, "no body"] if request_body.get("required") else out
        kind = media_type(headers.get("content-type", ""))
        if kind not in request_body["content"]:
            return [*out, f"Content-Type {kind!r} is not documented"]
        try:
            text = body.decode("utf-8")
            instance = json.loads(text) if kind.endswith("json") else text
        except ValueError as exc:
            return [*out, f"the body is not {kind}: {exc}"]
        return out + self.problems(f"{body_at}/content/{pointer(kind)[1:]}/schema", instance)
