"""jsonschema's side of validation: the full validators that name what is wrong, and how errors become fields.

`validation.py` asks each schema's fast check (`fastcheck.py`) first and imports this module only
when a value fails it, or a schema is beyond it: a start-up, and valid traffic, never import
jsonschema or referencing. The verdicts are jsonschema's, over the same (ECMA-translated) document.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, Final

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError, best_match, relevance
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ..store import InvalidInput
from .alternatives import BoundedValidator, closed_name_error, extra_properties, named_alternative
from .formats import is_date_time

__all__ = ["FORMATS", "SPEC_URI", "all_errors", "first_error", "full_validator", "invalid", "registry_of"]

SPEC_URI: Final = "urn:infrai-errors-mock:openapi"
_MAX_ERRORS_TO_RANK: Final = 50
_MAX_MESSAGE: Final = 200

# Our own `date-time` check (formats.py), whether or not rfc3339-validator is installed.
FORMATS: Final = FormatChecker(formats=())
FORMATS.checks("date-time", raises=ValueError)(is_date_time)


def registry_of(document: Mapping[str, Any]) -> Registry[Any]:
    """Return a registry holding `document` (already ECMA-translated) under `SPEC_URI`."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def full_validator(registry: Registry[Any], pointer: str) -> Validator:
    """Return the jsonschema validator of the schema at `pointer` of the registry's document."""
    schema = {"$ref": f"{SPEC_URI}#{pointer}"}
    validator: Validator = BoundedValidator(schema, registry=registry, format_checker=FORMATS)
    return validator


def first_error(full: Validator, instance: Any) -> ValidationError | None:
    """Return the most relevant error (jsonschema's `best_match`), or None when valid."""
    # Ranking sees only the first errors: a body with 200,000 bad list items would otherwise
    # hold the event loop while jsonschema lists every one of them.
    errors = list(itertools.islice(full.iter_errors(instance), _MAX_ERRORS_TO_RANK))
    top = max(errors, key=relevance, default=None)
    if top is not None and top.validator in ("oneOf", "anyOf") and top.context:
        # Alternatives (the capture body's two models): `invalid` picks the one the value meant
        # (alternatives.py) rather than best_match's deepest error across all of them.
        return top
    error: ValidationError | None = best_match(errors)
    return error


def all_errors(full: Validator, instance: Any) -> list[ValidationError]:
    """Return every error, in document order of the instance paths."""
    return sorted(full.iter_errors(instance), key=lambda error: list(map(str, error.absolute_path)))


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _from_alternatives(prefix: str, field: str, error: ValidationError) -> InvalidInput | None:
    chosen = named_alternative(field, error)
    if isinstance(chosen, ValidationError):
        return invalid(prefix, chosen)
    if chosen is not None:
        return chosen
    descended = best_match([error])  # what first_error would have said without alternatives.py
    if descended is not None and descended is not error:
        return invalid(prefix, descended)
    return None


def invalid(prefix: str, error: ValidationError) -> InvalidInput:
    """Name the field (`body.exception.type`) and the rule (the failed keyword) of `error`."""
    field = prefix
    for part in error.absolute_path:
        field = f"{field}[{part}]" if isinstance(part, int) else f"{field}.{part}"
    rule = str(error.validator)
    instance = error.instance
    if rule == "required" and isinstance(instance, dict) and isinstance(error.validator_value, list):
        missing = [name for name in error.validator_value if name not in instance]
        if missing:
            return InvalidInput(f"{field}.{missing[0]}", rule, "is required")
    named = _from_alternatives(prefix, field, error) if rule in ("anyOf", "oneOf") else None
    if named is None:
        named = closed_name_error(field, error)
    if named is not None:
        return named
    if rule == "additionalProperties" and isinstance(instance, dict):
        extras = extra_properties(error.schema, instance) if isinstance(error.schema, dict) else []
        if extras:
            return InvalidInput(f"{field}.{extras[0]}", rule, "is not an allowed property")
    return InvalidInput(field, rule, _shorten(error.message))
