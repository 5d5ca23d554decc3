"""A fast yes/no JSON Schema check for the keyword subset the spec uses.

jsonschema is the reference, but it spends ~75 µs per event of a list response resolving
`$ref`s and building errors that a valid document never needs. This module compiles a
schema once into nested closures that answer only "valid?"; `validation.py` asks it
first and runs jsonschema only when it says no (to name the error). A schema using any
keyword outside the subset raises `Uncompilable` and is left to jsonschema alone, so the
fast path never guesses. tests/contract/test_validation.py checks both agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

__all__ = ["Check", "SchemaCompiler", "Uncompilable"]

Check = Callable[[Any], bool]

# Keywords that never affect validity.
_ANNOTATIONS: Final = frozenset(
    {
        "description",
        "title",
        "default",
        "examples",
        "example",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
    }
)
_HANDLED: Final = frozenset(
    {
        "$ref", "type", "enum", "const", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
        "required", "properties", "additionalProperties", "patternProperties", "propertyNames",
        "minProperties", "maxProperties", "items", "minItems", "maxItems", "anyOf", "oneOf", "allOf", "not",
    }
)  # fmt: skip


class Uncompilable(ValueError):
    """The schema uses something the fast check does not implement."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: Final[dict[str, Check]] = {
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
}

# Types whose test is one isinstance (bool is only ever tested as itself here, never as int).
_CLASSES: Final[dict[str, type]] = {
    "string": str,
    "boolean": bool,
    "null": type(None),
    "object": dict,
    "array": list,
}


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    frozen = tuple(checks)
    return lambda value: all(check(value) for check in frozen)


class SchemaCompiler:
    """Compiles schemas of one document; `$ref`s are local JSON pointers into it."""

    def __init__(
        self,
        document: Mapping[str, Any],
        formats: Mapping[str, Check],
        *,
        shared: Iterable[str] | Mapping[str, int] = (),
        shared_limit: int = 200_000,
    ) -> None:
        """Compile against `document`; verdicts on `shared` `$ref`s (never mutated once built) are kept.

        `shared` maps each such `$ref` to how many verdicts to keep (or lists them, all `shared_limit`).
        """
        self._document = document
        self._formats = formats
        self._refs: dict[str, Check] = {}
        self._shared = dict(shared) if isinstance(shared, Mapping) else dict.fromkeys(shared, shared_limit)

    def compile_pointer(self, pointer: str) -> Check:
        """Compile the schema at `pointer` (e.g. `/components/schemas/ErrorEvent`)."""
        return self._ref("#" + pointer)

    def compile(self, schema: Any) -> Check:
        """Compile one schema; raise `Uncompilable` if it leaves the supported subset."""
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Uncompilable(f"not a schema: {schema!r}")
        unknown = [
            key for key in schema if key not in _HANDLED and key not in _ANNOTATIONS and key[:2] != "x-"
        ]
        if unknown:
            raise Uncompilable(f"unsupported keyword(s): {', '.join(unknown)}")
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"]))
        if "type" in schema:
            lengths = _length_only(schema) if schema["type"] == "string" else None
            # A plain string schema (Id, most strings) tests type and length at once.
            checks.append(self._type(schema["type"]) if lengths is None else _string_of_length(*lengths))
        if "enum" in schema:
            checks.append(_constants(schema["enum"]))
        if "const" in schema:
            checks.append(_constants([schema["const"]]))
        checks.extend(
            self._string(schema) + self._number(schema) + self._object(schema) + self._array(schema)
        )
        if "allOf" in schema:
            all_of = tuple(self.compile(sub) for sub in schema["allOf"])
            checks.append(lambda value: all(sub(value) for sub in all_of))
        if "anyOf" in schema:
            any_of = tuple(self.compile(sub) for sub in schema["anyOf"])
            checks.append(lambda value: any(sub(value) for sub in any_of))
        if "oneOf" in schema:
            one_of = tuple(self.compile(sub) for sub in schema["oneOf"])
            checks.append(lambda value: sum(1 for sub in one_of if sub(value)) == 1)
        if "not" in schema:
            negated = self.compile(schema["not"])
            checks.append(lambda value: not negated(value))
        return _all(checks)

    def _ref(self, ref: Any) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise Uncompilable(f"only local $refs are supported, not {ref!r}")
        compiled = self._refs.get(ref)
        if compiled is None:
            # A trampoline first, so a recursive schema finds itself while it is being compiled.
            def trampoline(value: Any) -> bool:
                return self._refs[ref](value)

            self._refs[ref] = trampoline
            try:
                compiled = self.compile(self._resolve(ref[1:]))
            except Uncompilable:
                # Not left behind: a later schema that refers here would loop on the trampoline.
                del self._refs[ref]
                raise
            if ref in self._shared:
                compiled = _remember_valid(compiled, self._shared[ref])
            self._refs[ref] = compiled
        return compiled

    def _resolve(self, pointer: str) -> Any:
        node: Any = self._document
        for token in pointer.split("/")[1:] if pointer else []:
            key = token.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(key)] if isinstance(node, list) else node[key]
            except (KeyError, IndexError, ValueError, TypeError):
                raise Uncompilable(f"unresolvable $ref #{pointer}") from None
        return node

    def _type(self, spec: Any) -> Check:
        names = [spec] if isinstance(spec, str) else spec
        if not isinstance(names, list) or any(name not in _TYPES for name in names):
            raise Uncompilable(f"unsupported type {spec!r}")
        if len(names) > 1 and all(name in _CLASSES for name in names):
            classes = tuple(_CLASSES[name] for name in names)
            return lambda value: isinstance(value, classes)
        tests = tuple(_TYPES[name] for name in names)
        return tests[0] if len(tests) == 1 else lambda value: any(test(value) for test in tests)

    def _string(self, schema: Mapping[str, Any]) -> list[Check]:
        if schema.get("type") == "string" and _length_only(schema) is not None:
            return []  # `compile` tests type and length at once
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
        fmt = self._formats.get(schema["format"]) if "format" in schema else None  # unknown: annotation
        if low == 0 and high is None and pattern is None and fmt is None:
            return []

        def check(value: Any) -> bool:
            if not isinstance(value, str):
                return True
            size = len(value)
            return (
                size >= low
                and (high is None or size <= high)
                and (pattern is None or pattern.search(value) is not None)
                and (fmt is None or fmt(value))
            )

        return [check]

    def _number(self, schema: Mapping[str, Any]) -> list[Check]:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is None and high is None:
            return []
        return [
            lambda value: (
                not _is_number(value) or ((low is None or value >= low) and (high is None or value <= high))
            )
        ]

    def _object(self, schema: Mapping[str, Any]) -> list[Check]:
        keys = ("required", "properties", "additionalProperties", "patternProperties", "propertyNames")
        if (
            not any(key in schema for key in keys)
            and "minProperties" not in schema
            and "maxProperties" not in schema
        ):
            return []
        required = tuple(schema.get("required", ()))
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        patterns = tuple(
            (re.compile(rx), self.compile(sub)) for rx, sub in schema.get("patternProperties", {}).items()
        )
        additional = (
            self.compile(schema["additionalProperties"]) if "additionalProperties" in schema else None
        )
        names = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        low, high = schema.get("minProperties", 0), schema.get("maxProperties")

        def property_ok(name: str, item: Any) -> bool:
            if names is not None and not names(name):
                return False
            sub = properties.get(name)
            matched = sub is not None
            if sub is not None and not sub(item):
                return False
            for regex, pattern_sub in patterns:
                if regex.search(name) is not None:
                    if not pattern_sub(item):
                        return False
                    matched = True
            return matched or additional is None or additional(item)

        def plain_property_ok(name: str, item: Any) -> bool:  # the common case: no names, no patterns
            sub = properties.get(name)
            if sub is not None:
                return sub(item)
            return additional is None or additional(item)

        item_ok = property_ok if names is not None or patterns else plain_property_ok

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            size = len(value)
            if size < low or (high is not None and size > high):
                return False
            for name in required:
                if name not in value:
                    return False
            return all(map(item_ok, value.keys(), value.values()))

        return [check]

    def _array(self, schema: Mapping[str, Any]) -> list[Check]:
        if "items" not in schema and "minItems" not in schema and "maxItems" not in schema:
            return []
        items = self.compile(schema["items"]) if "items" in schema else None
        low, high = schema.get("minItems", 0), schema.get("maxItems")

        def check(value: Any) -> bool:
            if not isinstance(value, list):
                return True
            if len(value) < low or (high is not None and len(value) > high):
                return False
            return items is None or all(map(items, value))

        return [check]


def _length_only(schema: Mapping[str, Any]) -> tuple[int, int | None] | None:
    """Return a string schema's (minLength, maxLength) when they are its only string keywords."""
    if "pattern" in schema or "format" in schema:
        return None
    return schema.get("minLength", 0), schema.get("maxLength")


def _string_of_length(low: int, high: int | None) -> Check:
    """`type: string` with optional length bounds, as one test."""
    if high is None:
        if low == 0:
            return lambda value: isinstance(value, str)
        return lambda value: isinstance(value, str) and len(value) >= low
    return lambda value: isinstance(value, str) and low <= len(value) <= high


def _remember_valid(check: Check, limit: int) -> Check:
    """Wrap `check` to remember which (immutable, shared) objects already passed it.

    A page of 50 stored events would otherwise be re-checked on every read. The cache holds the
    objects themselves, so an id cannot be reused while its entry exists; it is emptied when full.
    """
    passed: dict[int, Any] = {}
    missing = object()  # not None: `None` is a value too, and must be checked like any other

    def remembered(value: Any) -> bool:
        if passed.get(id(value), missing) is value:
            return True
        if not check(value):
            return False
        if len(passed) >= limit:
            passed.clear()
        passed[id(value)] = value
        return True

    return remembered


def _constants(values: Any) -> Check:
    """`enum`/`const` for strings, booleans and null (where Python equality is JSON equality)."""
    if not isinstance(values, list) or not all(
        value is None or isinstance(value, str | bool) for value in values
    ):
        raise Uncompilable(f"only string, boolean and null constants are supported, not {values!r}")
    strings = frozenset(value for value in values if isinstance(value, str))
    specials = tuple(value for value in values if not isinstance(value, str))  # None/True/False: by identity
    if not specials:
        return lambda value: isinstance(value, str) and value in strings
    if not strings and len(specials) == 1:
        special = specials[0]
        return lambda value: value is special
    return lambda value: (
        (isinstance(value, str) and value in strings) or any(value is special for special in specials)
    )
