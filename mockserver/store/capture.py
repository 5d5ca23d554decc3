"""Turn a capture request body into validated, typed capture input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput

__all__ = ["ENVIRONMENTS", "LEVELS", "SOURCES", "CaptureInput", "parse_capture"]

LEVELS = ("debug", "info", "warning", "error", "fatal")
ENVIRONMENTS = ("production", "staging", "development")
SOURCES = ("capture", "message")


@dataclass(frozen=True, slots=True)
class CaptureInput:
    """Everything the store keeps from one capture call, already combined per the API rules."""

    source: str
    message: str
    level: str
    code: str | None
    exception_type: str | None
    exception_message: str | None
    exception_stacktrace: str | None
    stack: str | None
    tags: dict[str, str]
    user_id: str | None
    release: str | None
    environment: str | None
    fingerprint: list[str] | None


def _optional_str(body: Mapping[str, Any], key: str, field: str | None = None) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field or key, "type", "must be a string")
    return value


def _enum(body: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = _optional_str(body, key)
    if value is None:
        return default
    if value not in allowed:
        raise InvalidInput(key, "enum", f"must be one of {', '.join(allowed)}")
    return value


def _tags(body: Mapping[str, Any]) -> dict[str, str]:
    raw = body.get("tags")
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidInput("tags", "type", "must be an object of string values")
    tags: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidInput(f"tags.{key}", "type", "tag names and values must be strings")
        tags[key] = value
    return tags


def _fingerprint(body: Mapping[str, Any]) -> list[str] | None:
    raw = body.get("fingerprint")
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or not all(isinstance(entry, str) for entry in raw):
        raise InvalidInput("fingerprint", "type", "must be a list of strings")
    return list(raw)


def _exception(body: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    raw = body.get("exception")
    if raw is None:
        return None, None, None
    if not isinstance(raw, Mapping):
        raise InvalidInput("exception", "type", "must be an object")
    exc_type = raw.get("type")
    if exc_type is None:
        raise InvalidInput("exception.type", "required", "is required when exception is given")
    if not isinstance(exc_type, str):
        raise InvalidInput("exception.type", "type", "must be a string")
    return (
        exc_type,
        _optional_str(raw, "message", "exception.message"),
        _optional_str(raw, "stacktrace", "exception.stacktrace"),
    )


def parse_capture(body: Mapping[str, Any], source: str) -> CaptureInput:
    """Validate `body` for `source` ("capture" or "message") and combine message and stack."""
    if not isinstance(body, Mapping):
        raise InvalidInput("body", "type", "must be a JSON object")
    if source not in SOURCES:
        raise InvalidInput("source", "enum", f"must be one of {', '.join(SOURCES)}")
    tags = _tags(body)
    user_id = _optional_str(body, "user_id")
    release = _optional_str(body, "release")
    environment = _enum(body, "environment", ENVIRONMENTS, None)
    if source == "message":
        text = body.get("text")
        if text is None:
            raise InvalidInput("text", "required", "is required")
        if not isinstance(text, str):
            raise InvalidInput("text", "type", "must be a string")
        return CaptureInput(
            source="message",
            message=text,
            level=_enum(body, "level", LEVELS, "info") or "info",
            code=None,
            exception_type=None,
            exception_message=None,
            exception_stacktrace=None,
            stack=None,
            tags=tags,
            user_id=user_id,
            release=release,
            environment=environment,
            fingerprint=None,
        )
    message = _optional_str(body, "message")
    exc_type, exc_message, exc_stacktrace = _exception(body)
    if message is None and exc_type is None:
        raise InvalidInput("message", "required", "at least one of message or exception is required")
    body_stack = _optional_str(body, "stack")
    if message is None:
        message = exc_message if exc_message is not None else exc_type or ""
    return CaptureInput(
        source="capture",
        message=message,
        level=_enum(body, "level", LEVELS, "error") or "error",
        code=_optional_str(body, "code"),
        exception_type=exc_type,
        exception_message=exc_message,
        exception_stacktrace=exc_stacktrace,
        stack=body_stack if body_stack is not None else exc_stacktrace,
        tags=tags,
        user_id=user_id,
        release=release,
        environment=environment,
        fingerprint=_fingerprint(body),
    )
