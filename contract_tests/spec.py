"""The spec as data: JSON Schema validators for its components and the map from a failing location to the
nearest `x-inferred` decision (what the divergence report names)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "spec" / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
_URN = "urn:infrai-errors-spec"
REGISTRY: Registry[Any] = Registry().with_resource(_URN, Resource(SPEC, specification=DRAFT202012))
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# jsonschema checks `date-time` only when rfc3339-validator is installed; check it ourselves.
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _RFC3339.fullmatch(value) is None:
        return False
    datetime.fromisoformat(value.upper())
    return True


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


OPERATIONS: dict[str, Operation] = {
    op["operationId"]: Operation(op["operationId"], method.upper(), path)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if method in HTTP_METHODS
}
BY_LABEL: dict[str, Operation] = {op.label: op for op in OPERATIONS.values()}
# Operations that change or remove existing data (off under --live-readonly; never fuzzed against live
# outside this run's own groups).
DESTRUCTIVE = frozenset(
    {
        "errors_resolve",
        "errors_unresolve",
        "errors_ignore",
        "errors_delete",
        "errors_bulk",
        "errors_retention_set",
    }
)


@functools.cache
def validator(component: str) -> Draft202012Validator:
    """Return a validator for `#/components/schemas/<component>` (OAS 3.1 schemas are JSON Schema 2020-12)."""
    return Draft202012Validator(
        {"$ref": f"{_URN}#/components/schemas/{component}"}, registry=REGISTRY, format_checker=FORMATS
    )


def resolve(node: Any) -> Any:
    """Follow local `$ref`s until a concrete node is reached."""
    while isinstance(node, dict) and "$ref" in node:
        node = REGISTRY.resolver().lookup(_URN + node["$ref"]).contents
    return node


def response_schema(operation_id: str, status: int) -> dict[str, Any] | None:
    """Return the documented JSON schema of one response, or None when the status is undocumented."""
    op = OPERATIONS[operation_id]
    responses = SPEC["paths"][op.path][op.method.lower()]["responses"]
    response = resolve(responses.get(str(status)))
    if not response:
        return None
    content = response.get("content", {}).get("application/json")
    return None if content is None else content["schema"]


def _walk(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


# Identity of every dict in the spec -> its JSON pointer. `referencing` hands out the very objects of SPEC,
# so a jsonschema error's `.schema` can be located in the document.
_POINTERS: dict[int, str] = {
    id(node): pointer for pointer, node in _walk(SPEC, "#") if isinstance(node, dict)
}


def _node_at(pointer: str) -> Any:
    node: Any = SPEC
    for raw in pointer.lstrip("#/").split("/"):
        if not raw:
            continue
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@dataclass(frozen=True)
class InferredDecision:
    """An `x-inferred` place of the spec that a response (or behaviour) disagreed with."""

    pointer: str  # JSON pointer of the x-inferred node, e.g. #/components/schemas/ErrorGroup
    name: str  # short name, e.g. ErrorGroup.substatus
    note: str  # x-inferred-note, when the spec gives one


def short_name(pointer: str) -> str:
    parts = [p for p in pointer.lstrip("#/").split("/") if p]
    if len(parts) >= 3 and parts[:2] == ["components", "schemas"]:
        name = parts[2]
        rest = [p for p in parts[3:] if p not in ("properties", "allOf", "anyOf", "oneOf", "items")]
        rest = [p for p in rest if not p.isdigit()]
        return ".".join([name, *rest])
    if len(parts) >= 3 and parts[:2] == ["components", "parameters"]:
        return f"parameter {parts[2]}"
    return pointer


def inferred_owner(pointer: str) -> InferredDecision | None:
    """Return the nearest ancestor-or-self of `pointer` that carries `x-inferred: true`."""
    parts = pointer.lstrip("#/").split("/")
    while parts:
        candidate = "#/" + "/".join(parts)
        node = _node_at(candidate)
        if isinstance(node, dict) and node.get("x-inferred") is True:
            return InferredDecision(
                candidate, short_name(candidate), str(node.get("x-inferred-note", "")).strip()
            )
        parts.pop()
    return None


def locate_error(error: ValidationError) -> str | None:
    """Return the JSON pointer (in the spec) of the schema that produced `error`."""
    pointer = _POINTERS.get(id(error.schema))
    if pointer is None:
        return None
    if error.validator == "required":
        # The missing property's own schema may be the inferred part (CaptureResult.error_group_id).
        missing = _missing_property(error)
        properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        if missing in properties:
            return f"{pointer}/properties/{missing}"
    return pointer


def _missing_property(error: ValidationError) -> str | None:
    message = error.message
    if message.endswith(" is a required property"):
        quoted = message[: -len(" is a required property")]
        return quoted.strip("'\"")
    return None


@dataclass(frozen=True)
class SchemaFinding:
    """One way a response body disagreed with its documented schema."""

    pointer: str | None
    inferred: InferredDecision | None
    message: str
    instance_path: str

    @property
    def name(self) -> str:
        """The failing place, e.g. `ErrorGroup.substatus`, plus its x-inferred owner when that is wider."""
        here = short_name(self.pointer) if self.pointer else "response"
        if self.inferred is None or self.inferred.name == here:
            return here
        return f"{here} (x-inferred {self.inferred.name})"

    def describe(self) -> str:
        where = self.instance_path or "<body>"
        return f"{where}: {self.message}"


def schema_findings(operation_id: str, status: int, body: Any) -> list[SchemaFinding]:
    """Validate a response body against the spec; return every error with its inferred owner (if any)."""
    schema = response_schema(operation_id, status)
    if schema is None:
        return []
    target = Draft202012Validator(_as_registry_ref(schema), registry=REGISTRY, format_checker=FORMATS)
    findings = []
    for error in _leaf_errors(target.iter_errors(body)):
        pointer = locate_error(error)
        message = error.message
        if (
            error.validator == "required"
            and isinstance(error.instance, dict)
            and isinstance(error.schema, dict)
        ):
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            if extra:  # what the service sent instead, e.g. a renamed field
                message += f" (undocumented here: {', '.join(extra[:5])})"
        findings.append(
            SchemaFinding(
                pointer=pointer,
                inferred=inferred_owner(pointer) if pointer else None,
                message=message if len(message) < 300 else message[:297] + "...",
                instance_path="/" + "/".join(str(p) for p in error.absolute_path),
            )
        )
    return findings


def _as_registry_ref(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"$ref": _URN + schema["$ref"]}
    return schema


def _leaf_errors(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """Descend into anyOf/oneOf/allOf contexts so the error points at the real culprit."""
    for error in errors:
        if error.context:
            best = min(error.context, key=lambda e: (-len(e.absolute_path), len(e.message)))
            deeper = [e for e in error.context if len(e.absolute_path) >= len(best.absolute_path)]
            yield from _leaf_errors(iter(deeper[:3]))
        else:
            yield error
