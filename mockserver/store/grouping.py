"""Which values decide an event's group (Sentry precedence), the fingerprint hash, and the group title."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

from .normalize import normalize_message
from .stacks import stack_grouping_values

__all__ = ["compute_fingerprint", "default_grouping_values", "grouping_values", "hash_values", "make_title"]

TITLE_MAX = 256
_UNESCAPED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder, not one per call
_DEFAULT_VARIABLE = re.compile(r"^\{\{\s*default\s*\}\}$", re.IGNORECASE)


def default_grouping_values(
    *,
    message: str,
    exception_type: str | None = None,
    exception_message: str | None = None,
    stack: str | None = None,
    code: str | None = None,
) -> list[str]:
    """Return the default grouping values: stack frames > code > normalized message, after the type."""
    # Each branch starts with a label so that, say, a code and a message that happen to be equal
    # never collide across strategies.
    stack = stack if stack is not None and stack.strip() else None
    if exception_type is not None:
        if stack is not None:
            return ["exception+stack", exception_type, *stack_grouping_values(stack)]
        if code is not None:
            return ["exception+code", exception_type, code]
        value = exception_message if exception_message is not None else message
        return ["exception+message", exception_type, normalize_message(value)]
    if stack is not None:
        return ["stack", *stack_grouping_values(stack)]
    if code is not None:
        return ["code", code]
    return ["message", normalize_message(message)]


def grouping_values(
    *,
    message: str,
    exception_type: str | None = None,
    exception_message: str | None = None,
    stack: str | None = None,
    code: str | None = None,
    fingerprint: Sequence[str] | None = None,
) -> list[str]:
    """Return the values hashed into the fingerprint, honouring a custom fingerprint list first."""
    default = default_grouping_values(
        message=message,
        exception_type=exception_type,
        exception_message=exception_message,
        stack=stack,
        code=code,
    )
    if not fingerprint or all(_DEFAULT_VARIABLE.match(entry) for entry in fingerprint):
        # Sentry: ["{{ default }}"] (or an empty list) is the same as no custom fingerprint at all.
        return default
    expanded: list[str] = ["custom"]
    for entry in fingerprint:
        expanded.extend(default if _DEFAULT_VARIABLE.match(entry) else ["value", entry])
    return expanded


def hash_values(values: Sequence[str]) -> str:
    """Return the md5 hex digest of the values' JSON array.

    JSON is an unambiguous encoding of a list of strings, so different value lists never hash
    alike, whatever characters (NUL, quotes, commas) they hold.
    """
    encoded = _UNESCAPED.encode(list(values))
    return hashlib.md5(encoded.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def compute_fingerprint(
    *,
    message: str,
    exception_type: str | None = None,
    exception_message: str | None = None,
    stack: str | None = None,
    code: str | None = None,
    fingerprint: Sequence[str] | None = None,
) -> str:
    """Return the 32-hex grouping fingerprint of an event described by these fields."""
    return hash_values(
        grouping_values(
            message=message,
            exception_type=exception_type,
            exception_message=exception_message,
            stack=stack,
            code=code,
            fingerprint=fingerprint,
        )
    )


def make_title(*, message: str, exception_type: str | None, exception_message: str | None) -> str:
    """Return the unnormalized title: ``Type: message`` (or ``Type``) else the message; one line, <= 256."""
    if exception_type is not None:
        text = f"{exception_type}: {exception_message}" if exception_message else exception_type
    else:
        text = message
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first[:TITLE_MAX] if first else "<unlabeled event>"
