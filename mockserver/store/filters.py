"""The event filter DSL and the search query language, parsed into one query shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from operator import attrgetter
from typing import Any

from .capture import ENVIRONMENTS, LEVELS
from .clock import parse_iso
from .errors import InvalidInput
from .lifecycle import STATUSES
from .model import Event

__all__ = ["STATUSES", "EventQuery", "SearchToken", "parse_filter", "parse_search", "tokenize"]

EQUALITY_KEYS = ("level", "environment", "release", "user_id", "code", "error_group_id", "status")
TIME_KEYS = ("since", "until")
_ENUMS: dict[str, tuple[str, ...]] = {"level": LEVELS, "environment": ENVIRONMENTS, "status": STATUSES}

# One condition: the event matches when any of these (field, value) pairs holds.
Condition = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class EventQuery:
    """A conjunction of equality conditions, a time window and free-text terms."""

    conditions: tuple[Condition, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    terms: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Tell whether the query matches every event (nothing to check per candidate)."""
        return not (self.conditions or self.terms) and self.since is None and self.until is None

    def merged(self, other: EventQuery) -> EventQuery:
        """Return the conjunction of both queries."""
        return EventQuery(
            conditions=self.conditions + other.conditions,
            since=_latest(self.since, other.since),
            until=_earliest(self.until, other.until),
            terms=self.terms + other.terms,
        )

    def matches(self, event: Event, status_of: Callable[[str], str | None]) -> bool:
        """Tell whether `event` satisfies every part of the query."""
        if self.since is not None and event.ts < self.since:
            return False
        check = self.checker(status_of)
        return check is None or check(event)

    def checker(
        self, status_of: Callable[[str], str | None], satisfied: int | None = None
    ) -> Callable[[Event], bool] | None:
        """Return `matches` compiled for this query (None: every candidate matches), except `since`.

        `since` is left to the caller, which can stop its newest-first walk at the first older
        event; `satisfied` is the position of a condition every candidate is known to hold (the
        one an index walk followed), which is not checked again.
        """
        checks = [
            _condition_check(condition, status_of)
            for position, condition in enumerate(self.conditions)
            if position != satisfied
        ]
        until = self.until
        if until is not None:
            checks.insert(0, lambda event: event.ts < until)
        checks.extend(partial(_holds_term, term) for term in self.terms)
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        frozen = tuple(checks)
        return lambda event: all(check(event) for check in frozen)


def _holds_term(term: str, event: Event) -> bool:
    return any(term in text for text in event.haystack)


def _condition_check(condition: Condition, status_of: Callable[[str], str | None]) -> Callable[[Event], bool]:
    """Compile one condition: an event holds it when it holds any of its (field, value) pairs."""
    by_name: dict[str, set[str]] = {}
    for name, value in condition:
        by_name.setdefault(name, set()).add(value)
    checks = [_field_check(name, frozenset(values), status_of) for name, values in by_name.items()]
    if len(checks) == 1:
        return checks[0]
    if not checks:  # an empty condition (a search token no stored value resolves to) holds for nothing
        return lambda event: False
    frozen = tuple(checks)
    return lambda event: any(check(event) for check in frozen)


def _field_check(
    name: str, values: frozenset[str], status_of: Callable[[str], str | None]
) -> Callable[[Event], bool]:
    if name == "status":
        return lambda event: status_of(event.group_id) in values
    if name.startswith("tags."):
        key = name[5:]
        if len(values) == 1:
            (value,) = values
            return lambda event: event.tags.get(key) == value
        return lambda event: event.tags.get(key) in values
    get = attrgetter("group_id" if name == "error_group_id" else name)
    if len(values) == 1:
        (only,) = values
        return lambda event: get(event) == only
    return lambda event: get(event) in values


def _latest(left: datetime | None, right: datetime | None) -> datetime | None:
    return right if left is None else left if right is None else max(left, right)


def _earliest(left: datetime | None, right: datetime | None) -> datetime | None:
    return right if left is None else left if right is None else min(left, right)


def _is_filter_key(key: str) -> bool:
    return key in EQUALITY_KEYS or key in TIME_KEYS or (key.startswith("tags.") and len(key) > 5)


def parse_filter(raw: Mapping[str, Any] | None) -> EventQuery:
    """Validate a filter object; errors name ``filter.<key>`` and the broken rule."""
    if raw is None:
        return EventQuery()
    if not isinstance(raw, Mapping):
        raise InvalidInput("filter", "type", "must be an object")
    query = EventQuery()
    for key, value in raw.items():
        field = f"filter.{key}"
        if not isinstance(key, str) or not _is_filter_key(key):
            raise InvalidInput(field, "unknown_key", "is not a filter key")
        if key in TIME_KEYS:
            if not isinstance(value, str):
                raise InvalidInput(field, "type", "must be an ISO-8601 datetime string")
            when = parse_iso(value, clamp=True)
            if when is None:
                raise InvalidInput(field, "datetime", "must be an ISO-8601 datetime with a timezone")
            query = replace(query, since=when) if key == "since" else replace(query, until=when)
            continue
        values = _string_values(value, field)
        allowed = _ENUMS.get(key)
        if allowed is not None and any(item not in allowed for item in values):
            raise InvalidInput(field, "enum", f"must be one of {', '.join(allowed)}")
        query = replace(query, conditions=(*query.conditions, frozenset((key, item) for item in values)))
    return query


def _string_values(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list | tuple):
        raise InvalidInput(field, "type", "must be a string or a list of strings")
    if not value:
        raise InvalidInput(field, "non_empty", "must not be an empty list")
    if not all(isinstance(item, str) for item in value):
        raise InvalidInput(field, "type", "must be a string or a list of strings")
    return list(value)


@dataclass(frozen=True)
class SearchToken:
    """A ``key:value`` search token: case-folded key and values, to be resolved against stored values."""

    key: str
    values: tuple[str, ...]


def tokenize(q: str) -> list[tuple[str | None, str]]:
    """Split on whitespace honouring double quotes and ``key:[a, b]``; return (key, rest) pairs.

    The key is the text before the first unquoted ``:`` (None when there is none).
    """
    tokens: list[tuple[str | None, str]] = []
    chars: list[str] = []
    colon: int | None = None
    quoted = in_quotes = in_list = False
    for char in [*q, None]:
        if char == '"':
            in_quotes = not in_quotes
            quoted = True
        elif char is None or (char.isspace() and not in_quotes and not in_list):
            if chars or quoted:
                text = "".join(chars)
                tokens.append((None, text) if colon is None else (text[:colon], text[colon + 1 :]))
            chars, colon, quoted, in_list = [], None, False, False
        else:
            if char == ":" and colon is None and not in_quotes and not quoted:
                colon = len(chars)
            elif char == "[" and colon is not None and len(chars) == colon + 1 and not in_quotes:
                in_list = True
            elif char == "]" and not in_quotes:
                in_list = False
            chars.append(char)
    return tokens


def parse_search(q: str) -> tuple[EventQuery, list[SearchToken]]:
    """Parse a search string into time bounds and free-text terms, plus key:value tokens to resolve."""
    if not isinstance(q, str):
        raise InvalidInput("q", "type", "must be a string")
    query = EventQuery()
    tokens: list[SearchToken] = []
    for key, text in tokenize(q):
        folded = None if key is None else key.casefold()
        if folded == "is":
            folded = "status"
        if folded is None or not _is_filter_key(folded):
            term = text if key is None else f"{key}:{text}"
            if term:
                query = replace(query, terms=(*query.terms, term.casefold()))
            continue
        if folded in TIME_KEYS:
            when = parse_iso(text, clamp=True)
            if when is None:
                raise InvalidInput("q", "datetime", f"{key}: must be an ISO-8601 datetime with a timezone")
            bound = EventQuery(since=when) if folded == "since" else EventQuery(until=when)
            query = query.merged(bound)
            continue
        raw = text[1:-1].split(",") if text.startswith("[") and text.endswith("]") else [text]
        values = tuple(item.strip().casefold() for item in raw)
        if not all(values):
            raise InvalidInput("q", "non_empty", f"{key}: needs a value")
        allowed = _ENUMS.get(folded)
        if allowed is not None and any(value not in allowed for value in values):
            raise InvalidInput("q", "enum", f"{key}: must be one of {', '.join(allowed)}")
        tokens.append(SearchToken(folded, values))
    return query, tokens
