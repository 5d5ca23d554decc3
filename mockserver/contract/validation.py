"""Request and response checks against the OpenAPI document, compiled once at start-up.

What start-up compiles is the fast yes/no check of every schema (`fastcheck.py`); jsonschema, the
reference that names what is wrong, is imported and compiled for a schema only when a value fails
that check (or the schema is beyond it), by `reference.py`. A valid request and a conforming
response never need it, so a start-up does not pay for importing it.

No aiohttp here: the HTTP layer hands in plain strings, mappings and bytes. A broken rule
raises `InvalidInput` whose `field` names the value (`limit`, `filter.level`,
`body.exception.type`) and whose `rule` is the JSON Schema keyword that failed
(`maximum`, `required`, `enum`, ...), or one of the transport rules `json`, `encoding`,
`depth` and `content_type`.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from ..store import InvalidInput
from .ecma import translate_document
from .fastcheck import Check, SchemaCompiler, Uncompilable
from .formats import is_valid_date_time
from .spec import Operation, Parameter, Spec

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry

__all__ = [
    "MAX_JSON_DEPTH",
    "OperationValidator",
    "SchemaValidator",
    "Validators",
    "decode_json",
]

MAX_JSON_DEPTH: Final = 64
_MAX_MESSAGE: Final = 200
_MAX_VIOLATIONS: Final = 10
_UTF8_NAMES: Final = ("utf-8", "utf8")
_INTEGER = re.compile(r"-?[0-9]+")
# json.loads pairs \ud83d\ude00 into one character, so any surrogate left in a string stands alone.
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Documents the store builds once and never mutates, with how many verdicts to keep (a verdict
# holds its document alive): as many event documents as the store's read cache keeps decoded
# (`store.model.DOCUMENT_CACHE`; a test holds them equal), and a few thousand group and group
# detail documents (rebuilt whenever a group changes, or its detail's hour turns, so remembered
# old ones would otherwise pile up).
SHARED_VERDICTS: Final = {
    "#/components/schemas/ErrorEvent": 8192,
    "#/components/schemas/ErrorGroup": 4096,
    "#/components/schemas/ErrorGroupDetail": 4096,
}

# jsonschema's side (`reference.py`) is imported where first needed (`from . import reference` in a
# function: a dict lookup once loaded), never at module level: a start-up and valid traffic never need it.
_registry_lock = threading.Lock()


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


def _json_number(token: str) -> float | int:
    value = float(token)
    if math.isinf(value):
        raise ValueError(f"{token} is out of range")
    # JSON has one number type: 30.0 is the integer 30 (as JSON Schema's `integer` agrees).
    return int(value) if value.is_integer() else value


# json.loads with these options would build a decoder per document.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_json_number)


def decode_json(raw: bytes | str, field: str) -> Any:
    """Parse a JSON document strictly: UTF-8 only, no NaN/Infinity, nesting at most `MAX_JSON_DEPTH`."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(field, "encoding", f"is not valid UTF-8 (byte {exc.start})") from None
    else:
        text = raw
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)
    except RecursionError:
        raise InvalidInput(field, "depth", f"nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise InvalidInput(field, "json", f"is not valid JSON ({_shorten(str(exc))})") from None
    # Counting brackets is C-speed; only documents that could be too deep get walked.
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH and _too_deep(value):
        raise InvalidInput(field, "depth", f"nests deeper than {MAX_JSON_DEPTH} levels")
    # A lone surrogate can only arrive as a \uXXXX escape (UTF-8 cannot carry one), and it would
    # fail later wherever the text is encoded (hashing, cursors); only escaped documents get walked.
    if ("\\ud" in text or "\\uD" in text) and _has_lone_surrogate(value):
        raise InvalidInput(field, "encoding", "contains a lone UTF-16 surrogate, which is not Unicode text")
    # NUL can only arrive escaped too (json.loads refuses raw control characters in strings). No
    # store, log or terminal handles it well, and Sentry strips it, so it is refused by name.
    if "\\u0000" in text and (where := _nul_path(value, field)) is not None:
        raise InvalidInput(where, "nul", "contains a NUL character (\\u0000), which is not allowed in text")
    return value


def _nul_path(value: Any, field: str) -> str | None:
    """Return the path of the first string (or key) holding NUL, e.g. `body.exception.type`."""
    stack: list[tuple[Any, str]] = [(value, field)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return path
        elif isinstance(node, dict):
            for key, child in node.items():
                if "\x00" in key:
                    return path
                stack.append((child, f"{path}.{key}"))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(node))
    return None


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node)  # the keys
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _too_deep(value: Any) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values() if isinstance(child, dict | list))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node if isinstance(child, dict | list))
    return False


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


class SchemaValidator:
    """One schema of the document: a fast yes/no check, and jsonschema (built when needed) to name errors."""

    def __init__(self, owner: Validators, pointer: str, fast: Check | None) -> None:
        self._owner = owner
        self.pointer = pointer
        self.fast = fast
        self._full: Validator | None = None

    @property
    def full(self) -> Validator:
        """The reference validator (jsonschema) of this schema, compiled on first use and kept."""
        full = self._full
        if full is None:
            from . import reference  # noqa: PLC0415 - see above

            full = self._full = reference.full_validator(self._owner.registry, self.pointer)
        return full

    @full.setter
    def full(self, validator: Validator) -> None:
        self._full = validator

    def first_error(self, instance: Any) -> ValidationError | None:
        """Return the most relevant error (jsonschema's `best_match`), or None when valid."""
        if self.fast is not None and self.fast(instance):
            return None
        from . import reference  # noqa: PLC0415 - see above

        return reference.first_error(self.full, instance)

    def errors(self, instance: Any) -> list[ValidationError]:
        """Return every error, in document order of the instance paths."""
        if self.fast is not None and self.fast(instance):
            return []
        from . import reference  # noqa: PLC0415 - see above

        return reference.all_errors(self.full, instance)


class Validators:
    """Every operation's validators, compiled once from one document (jsonschema's part on first need)."""

    def __init__(self, spec: Spec) -> None:
        self._document = translate_document(spec.document)  # ECMA-262 regex meaning under Python's re
        self._registry: Registry[Any] | None = None
        # The store builds each event document once and shares it on every read (events are immutable),
        # so an event that passed once need not be checked again on every page that carries it.
        self._fast = SchemaCompiler(self._document, {"date-time": is_valid_date_time}, shared=SHARED_VERDICTS)
        self._compiled: dict[str, SchemaValidator] = {}
        self.operations: dict[str, OperationValidator] = {
            op_id: OperationValidator(op, self.compile) for op_id, op in spec.operations.items()
        }

    @property
    def registry(self) -> Registry[Any]:
        """The document as a `referencing` registry, for jsonschema (built on first need)."""
        registry = self._registry
        if registry is None:
            from . import reference  # noqa: PLC0415 - see above

            with _registry_lock:
                registry = self._registry
                if registry is None:
                    registry = self._registry = reference.registry_of(self._document)
        return registry

    def compile(self, pointer: str) -> SchemaValidator:
        """Return the (shared) validator of the schema at JSON pointer `pointer`."""
        validator = self._compiled.get(pointer)
        if validator is None:
            try:
                fast: Check | None = self._fast.compile_pointer(pointer)
            except Uncompilable:
                fast = None
            validator = self._compiled[pointer] = SchemaValidator(self, pointer, fast)
        return validator

    def __getitem__(self, operation_id: str) -> OperationValidator:
        return self.operations[operation_id]


class OperationValidator:
    """Checks one operation's parameters, body and responses."""

    def __init__(self, op: Operation, compile_: Callable[[str], SchemaValidator]) -> None:
        self.op = op
        self._params = tuple((param, compile_(param.schema_pointer)) for param in op.parameters)
        self._body = compile_(op.body.schema_pointer) if op.body is not None else None
        self._body_required = op.body is not None and op.body.required
        self._responses = {
            status: compile_(spec.schema_pointer) if spec.schema_pointer is not None else None
            for status, spec in op.responses.items()
        }

    def params(
        self, path: Mapping[str, str], query: Mapping[str, str], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Coerce and check every declared parameter; return them by name, defaults filled in."""
        values: dict[str, Any] = {}
        for param, validator in self._params:
            source = path if param.location == "path" else query if param.location == "query" else headers
            raw = source.get(param.name)
            if raw is None:
                if param.required:
                    raise InvalidInput(param.name, "required", f"the {param.location} parameter is required")
                values[param.name] = param.default
                continue
            if source is query and _repeated(query, param.name):
                raise InvalidInput(param.name, "repeated", "is given more than once; give it once")
            if "\x00" in raw:
                raise InvalidInput(
                    param.name, "nul", "contains a NUL character, which is not allowed in text"
                )
            value = _coerce(param, raw)
            error = validator.first_error(value)
            if error is not None:
                raise _invalid(param.name, error)
            values[param.name] = value
        return values

    def body(self, raw: bytes, content_type: str, charset: str | None = None) -> Any:
        """Decode and check the request body; None when an optional body is absent."""
        if self._body is None:
            return None
        if not raw:
            if self._body_required:
                raise InvalidInput("body", "required", "a JSON request body is required")
            return None
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise InvalidInput(
                "Content-Type", "content_type", f"must be application/json, not {content_type or 'missing'!r}"
            )
        if charset is not None and charset.lower() not in _UTF8_NAMES:
            # Decoding a declared latin-1 body as UTF-8 would store different text than was sent.
            raise InvalidInput(
                "Content-Type", "content_type", f"charset must be utf-8, not {_shorten(charset)!r}"
            )
        value = decode_json(raw, "body")
        error = self._body.first_error(value)
        if error is not None:
            raise _invalid("body", error)
        return value

    def check_response(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> list[str]:
        """Return how a response breaks the document (empty when it conforms)."""
        spec = self.op.responses.get(status)
        if spec is None:
            documented = ", ".join(str(code) for code in sorted(self.op.responses))
            return [f"status {status} is not documented for {self.op.operation_id} ({documented} are)"]
        problems = [
            f"required header {name} is missing"
            for name in spec.required_headers
            if headers is None or name not in headers
        ]
        validator = self._responses[status]
        if validator is not None:
            for error in validator.errors(body):
                where = error.json_path if error.absolute_path else "$"
                problems.append(f"{where}: {_shorten(error.message)} ({error.validator})")
                if len(problems) >= _MAX_VIOLATIONS:
                    break
        return problems


def _repeated(query: Mapping[str, str], name: str) -> bool:
    getall = getattr(query, "getall", None)  # a multidict (aiohttp's request.query) keeps repeats
    return getall is not None and len(getall(name)) > 1


def _coerce(param: Parameter, raw: str) -> Any:
    if param.json_content:
        return decode_json(raw, param.name)
    if param.type == "integer":
        if _INTEGER.fullmatch(raw) is None:
            raise InvalidInput(param.name, "type", f"{_shorten(repr(raw))} is not of type 'integer'")
        try:
            return int(raw)
        except ValueError:  # more digits than int() accepts
            raise InvalidInput(param.name, "type", "is not a representable integer") from None
    if param.type == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def _invalid(prefix: str, error: ValidationError) -> InvalidInput:
    """Name the field and rule of a jsonschema error (see `reference.invalid`)."""
    from . import reference  # noqa: PLC0415 - see above

    return reference.invalid(prefix, error)
