"""Locate the OpenAPI document once and turn its paths into a table of operations.

This is the bottom layer of the HTTP side: no aiohttp, no validation. It resolves the
document's non-schema `$ref`s (parameters, request bodies, responses) and records, for
every schema it hands out, the JSON pointer where that schema lives, so `validation.py`
can compile validators that resolve `#/components/...` references against the whole
document.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .documents import read_document

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "Parameter",
    "RequestBody",
    "ResponseSpec",
    "Spec",
    "default_spec_path",
    "load_spec",
]

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One query, path or header parameter of an operation."""

    name: str
    location: str  # "query" | "path" | "header"
    required: bool
    schema_pointer: str  # JSON pointer of the parameter's schema inside the document
    json_content: bool  # `content: application/json` or a `contentSchema` string: the raw value is JSON
    type: str | None  # the schema's top-level `type` after following `$ref`s, for coercion
    default: Any


@dataclass(frozen=True, slots=True)
class RequestBody:
    """The `application/json` request body of an operation."""

    required: bool
    schema_pointer: str


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    """One documented response status."""

    status: int
    schema_pointer: str | None  # None: no `application/json` content documented
    required_headers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the document, with its `$ref`s resolved."""

    operation_id: str
    capability: str | None
    method: str  # upper case
    path: str
    parameters: tuple[Parameter, ...]
    body: RequestBody | None
    responses: Mapping[int, ResponseSpec]


@dataclass(frozen=True, slots=True)
class Spec:
    """The parsed document and its operations, keyed by operationId."""

    path: Path
    document: Mapping[str, Any]
    operations: Mapping[str, Operation]


def default_spec_path() -> Path:
    """Return the spec shipped in the wheel, else the source tree's `spec/openapi.yaml`."""
    # The wheel puts the file beside the package's modules (a plain path: importlib.resources would
    # cost a start-up some milliseconds of imports, and the package is never run from a zip).
    here = Path(__file__).resolve()
    shipped = here.parents[1] / "openapi.yaml"
    if shipped.is_file():
        return shipped
    source_tree = here.parents[2] / "spec" / "openapi.yaml"
    if source_tree.is_file():
        return source_tree
    raise FileNotFoundError(f"no OpenAPI document found (looked for {shipped} and {source_tree})")


def load_spec(path: str | Path | None = None) -> Spec:
    """Load and index the OpenAPI document at `path` (default: `default_spec_path()`); cached per path."""
    resolved = Path(path).resolve() if path is not None else default_spec_path()
    return _load(resolved)


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> Spec:
    document = read_document(path)  # parsed once per content, then from the cache; ValueError if not YAML
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError(f"{path} is not an OpenAPI document with paths")
    try:
        return _index(path, document)
    except (AttributeError, KeyError, TypeError, IndexError) as exc:
        # A node of the wrong shape somewhere in a hand-edited document: say so, not where it crashed.
        raise ValueError(f"{path} is not a usable OpenAPI document ({type(exc).__name__}: {exc})") from None


def _index(path: Path, document: dict[str, Any]) -> Spec:
    operations: dict[str, Operation] = {}
    for template, path_item in document["paths"].items():
        shared = path_item.get("parameters", [])
        for method in HTTP_METHODS:
            raw = path_item.get(method)
            if raw is None:
                continue
            pointer = f"/paths/{_escape(template)}/{method}"
            operation = _operation(document, (template, method, pointer), raw, shared)
            if operation.operation_id in operations:
                raise ValueError(f"duplicate operationId {operation.operation_id!r} in {path}")
            operations[operation.operation_id] = operation
    return Spec(path=path, document=document, operations=operations)


def _operation(
    document: Mapping[str, Any], where: tuple[str, str, str], raw: Mapping[str, Any], shared: list[Any]
) -> Operation:
    template, method, pointer = where
    operation_id = raw.get("operationId")
    if not isinstance(operation_id, str):
        raise ValueError(f"{method.upper()} {template} has no operationId")
    parameters: dict[tuple[str, str], Parameter] = {}
    for index, item in enumerate(shared):
        param = _parameter(document, item, f"/paths/{_escape(template)}/parameters/{index}")
        parameters[(param.location, param.name)] = param
    for index, item in enumerate(raw.get("parameters", [])):
        param = _parameter(document, item, f"{pointer}/parameters/{index}")
        parameters[(param.location, param.name)] = param  # operation level overrides path level
    body: RequestBody | None = None
    if "requestBody" in raw:
        body_pointer, body_raw = _deref(document, raw["requestBody"], f"{pointer}/requestBody")
        if "application/json" in body_raw.get("content", {}):
            body = RequestBody(
                required=bool(body_raw.get("required", False)),
                schema_pointer=f"{body_pointer}/content/application~1json/schema",
            )
    responses: dict[int, ResponseSpec] = {}
    for status, item in raw.get("responses", {}).items():
        if not str(status).isdigit():
            continue  # "default" and "4XX" ranges are not used by this API
        resp_pointer, resp = _deref(document, item, f"{pointer}/responses/{status}")
        content = resp.get("content", {})
        headers = resp.get("headers", {})
        responses[int(status)] = ResponseSpec(
            status=int(status),
            schema_pointer=(
                f"{resp_pointer}/content/application~1json/schema" if "application/json" in content else None
            ),
            required_headers=tuple(
                name for name, header in headers.items() if _deref(document, header, "")[1].get("required")
            ),
        )
    return Operation(
        operation_id=operation_id,
        capability=raw.get("x-capability"),
        method=method.upper(),
        path=template,
        parameters=tuple(parameters.values()),
        body=body,
        responses=responses,
    )


def _parameter(document: Mapping[str, Any], item: Mapping[str, Any], pointer: str) -> Parameter:
    pointer, raw = _deref(document, item, pointer)
    if "content" in raw:
        media = next(iter(raw["content"]))
        schema_pointer = f"{pointer}/content/{_escape(media)}/schema"
        schema = raw["content"][media].get("schema", {})
        json_content = media == "application/json"
    elif (
        raw.get("schema", {}).get("contentMediaType") == "application/json"
        and "contentSchema" in raw["schema"]
    ):
        # A JSON string described for generators (`type: string` + `contentSchema`): the raw value is
        # decoded and validated against the content schema, exactly as with `content: application/json`.
        schema_pointer = f"{pointer}/schema/contentSchema"
        schema = raw["schema"]["contentSchema"]
        json_content = True
    else:
        schema_pointer = f"{pointer}/schema"
        schema = raw.get("schema", {})
        json_content = False
    _, target = _deref(document, schema, schema_pointer)
    type_ = target.get("type")
    return Parameter(
        name=raw["name"],
        location=raw["in"],
        required=bool(raw.get("required", raw["in"] == "path")),
        schema_pointer=schema_pointer,
        json_content=json_content,
        type=type_ if isinstance(type_, str) else None,
        default=target.get("default"),
    )


def _is_json_string(schema: Mapping[str, Any]) -> bool:
    return schema.get("contentMediaType") == "application/json" and "contentSchema" in schema


def _deref(
    document: Mapping[str, Any], node: Mapping[str, Any], pointer: str
) -> tuple[str, Mapping[str, Any]]:
    """Follow local `$ref`s from `node`; return the final node and its JSON pointer."""
    seen: set[str] = set()
    while "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            raise ValueError(f"unsupported or cyclic $ref {ref!r} at {pointer or '/'}")
        seen.add(ref)
        pointer = ref[1:]
        node = _resolve_pointer(document, pointer)
    return pointer, node


def _resolve_pointer(document: Mapping[str, Any], pointer: str) -> Mapping[str, Any]:
    node: Any = document
    for token in pointer.lstrip("/").split("/"):
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    if not isinstance(node, dict):
        raise ValueError(f"{pointer} does not point at an object")
    return node


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
