"""Naming the error inside closed alternatives (`oneOf`/`anyOf`) and `propertyNames` key rules.

The spec states some rules in the shapes client generators understand: the capture body is
`oneOf: [CaptureWithMessage, CaptureWithException]` (two closed objects told apart by their
required property) and the filter's keys are closed by `propertyNames: {anyOf: [{enum}, {pattern}]}`
instead of `additionalProperties: false`. jsonschema reports both as one vague error at the top;
this module turns them back into the field and rule a client needs (`body.message` `type`,
`filter.colour` `additionalProperties`), the same names the earlier, generator-unfriendly shapes
gave. It also bounds how many errors an alternative collects (jsonschema lists them all).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from ..store import InvalidInput

__all__ = ["BoundedValidator", "closed_name_error", "extra_properties", "named_alternative"]

# Per alternative, the errors kept for ranking: a body with 200,000 bad list items inside a
# `oneOf` branch would otherwise have every one of them built before the first is reported.
MAX_ERRORS_PER_ALTERNATIVE: Final = 50


def _bounded(validator: Any, index: int, subschema: Any, instance: Any) -> list[ValidationError]:
    errors = validator.descend(instance, subschema, schema_path=index)
    return list(itertools.islice(errors, MAX_ERRORS_PER_ALTERNATIVE))


def _any_of(validator: Any, any_of: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    found: list[ValidationError] = []
    for index, subschema in enumerate(any_of):
        errors = _bounded(validator, index, subschema, instance)
        if not errors:
            return
        found.extend(errors)
    yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=found)


def _one_of(validator: Any, one_of: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    found: list[ValidationError] = []
    valid = [index for index, _ in enumerate(one_of)]
    for index, subschema in enumerate(one_of):
        errors = _bounded(validator, index, subschema, instance)
        if errors:
            found.extend(errors)
            valid.remove(index)
    if not valid:
        yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=found)
    elif len(valid) > 1:
        yield ValidationError(f"{instance!r} is valid under each of {', '.join(map(str, valid))}")


# Draft 2020-12 with bounded alternatives (same verdicts, same messages for the first errors).
BoundedValidator: Final = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"anyOf": _any_of, "oneOf": _one_of}
)


def named_alternative(field: str, error: ValidationError) -> ValidationError | InvalidInput | None:
    """For a failed `oneOf`/`anyOf`, return the error to report instead (None: keep the vague one).

    * every alternative wants one type the value is not: a `type` error;
    * the value has the required properties of exactly one alternative (or of several, and one of
      them allows more of its names than the others): that alternative's error;
    * it has those of none: an unknown property all alternatives reject (a typo such as `mesage`),
      else "at least one of message, exception is required".
    """
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if len(branches) < 2:
        return None
    types = [sub for sub in error.context or () if _at_root(sub, "type")]
    one_type = len({str(sub.validator_value) for sub in types}) == 1
    if one_type and len({_branch(sub) for sub in types}) == len(branches):
        return InvalidInput(field, "type", _shorten(types[0].message))
    if not isinstance(error.instance, dict):
        return None
    unmet = {index for index, subs in branches.items() if any(_at_root(sub, "required") for sub in subs)}
    if unmet == set(branches):
        return _none_chosen(field, error.instance, list(branches.values()))
    met = [subs for index, subs in branches.items() if index not in unmet]
    if len(met) > 1:  # several have their required properties: the one that allows the most given names
        fewest = min(len(_root_extras(subs)) for subs in met)
        met = [subs for subs in met if len(_root_extras(subs)) == fewest]
    if len(met) != 1:
        return None
    chosen: ValidationError | None = best_match(met[0])
    return chosen


def _none_chosen(field: str, instance: dict[str, Any], branches: list[list[ValidationError]]) -> InvalidInput:
    extras = [
        {name for sub in subs if _at_root(sub, "additionalProperties") for name in _extras(sub)}
        for subs in branches
    ]
    common = [name for name in instance if all(name in names for names in extras)]
    if common:
        return InvalidInput(f"{field}.{common[0]}", "additionalProperties", "is not an allowed property")
    names = [
        str(name)
        for subs in branches
        for sub in subs
        if _at_root(sub, "required") and isinstance(sub.validator_value, list)
        for name in sub.validator_value
        if name not in instance
    ]
    first = f"{field}.{names[0]}" if names else field
    return InvalidInput(first, "required", f"at least one of {', '.join(names)} is required")


def closed_name_error(field: str, error: ValidationError) -> InvalidInput | None:
    """Name a key matching no alternative of `propertyNames: {anyOf: [...]}` an unknown property."""
    path = list(error.schema_path)
    if "propertyNames" not in path or not isinstance(error.instance, str):
        return None
    rest = path[path.index("propertyNames") + 1 :]
    if not rest or rest[0] != "anyOf":
        return None  # a plain key rule (Tags' pattern) keeps its own keyword as the rule
    return InvalidInput(f"{field}.{error.instance}", "additionalProperties", "is not an allowed property")


def _root_extras(errors: list[ValidationError]) -> set[str]:
    return {name for sub in errors if _at_root(sub, "additionalProperties") for name in _extras(sub)}


def _branch(error: ValidationError) -> Any:
    return error.relative_schema_path[0]


def _at_root(error: ValidationError, keyword: str) -> bool:
    return error.validator == keyword and not error.relative_path


def _extras(error: ValidationError) -> list[str]:
    schema, instance = error.schema, error.instance
    if not isinstance(schema, Mapping) or not isinstance(instance, dict):
        return []
    return extra_properties(schema, instance)


def extra_properties(schema: Mapping[str, Any], instance: Mapping[str, Any]) -> list[str]:
    """Return the names of `instance` that neither `properties` nor `patternProperties` cover."""
    known = schema.get("properties", {})
    patterns = [re.compile(pattern) for pattern in schema.get("patternProperties", {})]
    return [
        str(name)
        for name in instance
        if name not in known and not any(pattern.search(str(name)) for pattern in patterns)
    ]


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
