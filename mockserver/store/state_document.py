"""Tenant state documents: read one (all or nothing) into a `TenantImage`, and the document's version.

A state document is one tenant as JSON: its clock, retention, groups (id, status, title, ...),
events (each with its own timestamp and group id) and idempotency keys. `Tenant.dump()` writes
one; `read_document` checks a document whole and returns a plain image of it, which
`Tenant.restore` turns into live state. A bad document raises `InvalidInput` naming its first
problem (`events[3].timestamp`, say) before anything is built, so nothing of it is applied.

The JSON Schema of the document is `spec/tenant-state.schema.json` (shipped in the wheel); the
HTTP layer checks it there. The checks below are the ones the store needs to rebuild groups,
aggregates and indexes exactly, plus the rules no schema can state (references, ordering,
uniqueness, times not after the tenant's clock).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .capture import CaptureInput, parse_capture
from .clock import parse_iso, truncate_ms
from .errors import InvalidInput
from .grouping import compute_fingerprint, make_title
from .retention import Retention

__all__ = ["STATE_VERSION", "EventImage", "GroupImage", "TenantImage", "read_document"]

STATE_VERSION: Final = 1
MAX_ID_CHARS: Final = 128

_TOP_FIELDS = ("version", "api_key", "clock", "retention", "groups", "events", "idempotency", "generation")
_GROUP_FIELDS = ("id", "fingerprint", "title", "exception_type", "status", "substatus")
_EVENT_FIELDS = (
    "id", "error_group_id", "timestamp", "level", "message", "code", "exception", "stack", "tags",
    "user_id", "release", "environment", "fingerprint", "source", "seq",
)  # fmt: skip
_RESULT_FIELDS = ("ok", "error_id", "error_group_id", "is_new_group", "duplicate")
# Which substatuses each status can carry (the store's lifecycle never produces others).
SUBSTATUSES: Final[dict[str, tuple[str | None, ...]]] = {
    "unresolved": ("new", "ongoing", "regressed"),
    "resolved": (None,),
    "ignored": ("archived_forever",),
}
_DEFAULT_SUBSTATUS: Final = {"unresolved": "new", "resolved": None, "ignored": "archived_forever"}


@dataclass(frozen=True, slots=True)
class GroupImage:
    """One group as the store rebuilds it (its counters follow from its events)."""

    id: str
    fingerprint: str
    title: str
    exception_type: str | None
    status: str
    substatus: str | None


@dataclass(frozen=True, slots=True)
class EventImage:
    """One stored event: its place in capture order, ids, time and validated content."""

    seq: int
    id: str
    group_id: str
    ts: datetime
    data: CaptureInput
    fingerprint: str


@dataclass(frozen=True, slots=True)
class TenantImage:
    """A checked state document, ready for `Tenant.restore`: groups in order, events oldest first."""

    api_key: str | None
    clock: datetime | None  # None: the tenant follows the server's clock
    retention: Retention
    groups: tuple[GroupImage, ...]
    events: tuple[EventImage, ...]
    idempotency: dict[str, dict[str, Any]]
    generation: int | None


def _fail(field: str, rule: str, explanation: str) -> InvalidInput:
    return InvalidInput(field, rule, explanation)


def _object(value: Any, field: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(field, "type", "must be an object")
    for name in value:
        if name not in allowed:
            where = f"{field}.{name}" if field else str(name)
            raise _fail(where, "additionalProperties", "is not an allowed property")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(field, "type", "must be an array")
    return value


def _string(value: Any, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _fail(field, "type", "must be a string")
    return value


def _id(value: Any, field: str) -> str:
    text = _string(value, field)
    assert text is not None
    if not 1 <= len(text) <= MAX_ID_CHARS:
        raise _fail(field, "length", f"must be 1 to {MAX_ID_CHARS} characters")
    return text


def _time(value: Any, field: str) -> datetime:
    when = parse_iso(value) if isinstance(value, str) else None
    if when is None:
        raise _fail(field, "format", "must be an ISO-8601 date-time with a timezone")
    return truncate_ms(when)


def _integer(value: Any, field: str) -> int:
    if type(value) is not int or value < 1:
        raise _fail(field, "minimum", "must be an integer >= 1")
    return value


def _retention(value: Any) -> Retention:
    if value is None:
        return Retention()
    raw = _object(value, "retention", ("days", "auto_export_before_cleanup", "export_destination"))
    try:
        return Retention().updated(
            raw.get("days", Retention.days),
            raw.get("auto_export_before_cleanup", False),
            raw.get("export_destination"),
        )
    except InvalidInput as exc:
        raise _fail(f"retention.{exc.field}", exc.rule, exc.message.split(": ", 1)[-1]) from None


def _capture_input(raw: Mapping[str, Any], field: str) -> CaptureInput:
    """Validate an event's content with the capture rules, so a loaded event equals a captured one."""
    source = raw.get("source", "capture")
    if source not in ("capture", "message"):
        raise _fail(f"{field}.source", "enum", "must be one of capture, message")
    common = {name: raw.get(name) for name in ("level", "tags", "user_id", "release", "environment")}
    if source == "message":
        for name in ("code", "exception", "stack"):
            if raw.get(name) is not None:
                raise _fail(f"{field}.{name}", "source", "must be null for an event of source message")
        body: dict[str, Any] = {"text": raw.get("message"), **common}
    else:
        exception = raw.get("exception")
        if exception is not None:
            _object(exception, f"{field}.exception", ("type", "message", "stacktrace"))
        body = {
            "message": raw.get("message"),
            "exception": exception,
            "stack": raw.get("stack"),
            "code": raw.get("code"),
            **common,
        }
    try:
        return parse_capture({key: value for key, value in body.items() if value is not None}, source)
    except InvalidInput as exc:
        name = "message" if exc.field == "text" else exc.field
        raise _fail(f"{field}.{name}", exc.rule, exc.message.split(": ", 1)[-1]) from None


def _fingerprint_of(data: CaptureInput) -> str:
    return compute_fingerprint(
        message=data.message,
        exception_type=data.exception_type,
        exception_message=data.exception_message,
        stack=data.stack,
        code=data.code,
    )


@dataclass(slots=True)
class _GroupDraft:
    id: str
    fingerprint: str | None
    title: str | None
    exception_type: str | None
    exception_type_given: bool
    status: str
    substatus: str | None
    first: CaptureInput | None = None


def _group_draft(raw_value: Any, field: str) -> _GroupDraft:
    raw = _object(raw_value, field, _GROUP_FIELDS)
    group_id = _id(raw.get("id"), f"{field}.id")
    status = raw.get("status", "unresolved")
    if status not in SUBSTATUSES:
        raise _fail(f"{field}.status", "enum", "must be one of unresolved, resolved, ignored")
    substatus = raw["substatus"] if "substatus" in raw else _DEFAULT_SUBSTATUS[status]
    if substatus not in SUBSTATUSES[status]:
        allowed = ", ".join("null" if name is None else name for name in SUBSTATUSES[status])
        raise _fail(f"{field}.substatus", "enum", f"must be one of {allowed} for status {status}")
    fingerprint = _string(raw.get("fingerprint"), f"{field}.fingerprint", optional=True)
    return _GroupDraft(
        id=group_id,
        fingerprint=fingerprint,
        title=_string(raw.get("title"), f"{field}.title", optional=True),
        exception_type=_string(raw.get("exception_type"), f"{field}.exception_type", optional=True),
        exception_type_given="exception_type" in raw,
        status=status,
        substatus=substatus,
    )


def _idempotency(value: Any) -> dict[str, dict[str, Any]]:
    keys: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(_list(value, "idempotency")):
        field = f"idempotency[{index}]"
        entry = _object(item, field, ("key", "result"))
        key = _string(entry.get("key"), f"{field}.key")
        assert key is not None
        if key in keys:
            raise _fail(f"{field}.key", "unique", f"repeats idempotency key {key!r}")
        result = _object(entry.get("result"), f"{field}.result", _RESULT_FIELDS)
        for name in ("error_id", "error_group_id"):
            _id(result.get(name), f"{field}.result.{name}")
        if not isinstance(result.get("is_new_group"), bool):
            raise _fail(f"{field}.result.is_new_group", "type", "must be a boolean")
        keys[key] = {
            "ok": True,
            "error_id": result["error_id"],
            "error_group_id": result["error_group_id"],
            "is_new_group": result["is_new_group"],
            "duplicate": False,
        }
    return keys


_Parsed = tuple[int, int | None, datetime, Mapping[str, Any], CaptureInput]


def read_document(document: Any, *, now: Callable[[], datetime], new_id: Callable[[str], str]) -> TenantImage:
    """Check a whole state document and return its image; raise `InvalidInput` at the first problem.

    Args:
        document: The decoded JSON document (see `spec/tenant-state.schema.json`).
        now: The server clock's time, the limit for event times when the document sets no clock.
        new_id: Makes an id with a prefix (`evt`, `grp`) for events and groups the document leaves unnamed.

    Events are put in capture order: by their `seq` when every event has one (persistence keeps
    it so cursors stay valid), else by timestamp, keeping the document's order for equal times.
    An event without `error_group_id` joins the group of its fingerprint (computed as a capture
    would, unless given), or a new group. Groups not listed are created unresolved, titled after
    their oldest event. Every group must end up with at least one event.

    """
    top = _object(document, "", _TOP_FIELDS)
    if top.get("version") != STATE_VERSION:
        raise _fail("version", "const", f"must be {STATE_VERSION} (the state document version)")
    api_key = _string(top.get("api_key"), "api_key", optional=True)
    clock_raw = top.get("clock")
    clock = (
        None if clock_raw is None else _time(_object(clock_raw, "clock", ("now",)).get("now"), "clock.now")
    )
    retention = _retention(top.get("retention"))
    generation = None if top.get("generation") is None else _integer(top["generation"], "generation")
    drafts = _read_groups(top.get("groups"))
    parsed, given_ids = _read_events(top.get("events"))
    limit = clock if clock is not None else truncate_ms(now())
    events = _place(parsed, drafts, given_ids, limit, new_id)
    return TenantImage(
        api_key=api_key,
        clock=clock,
        retention=retention,
        groups=_finish_groups(drafts),
        events=tuple(events),
        idempotency=_idempotency(top.get("idempotency")),
        generation=generation,
    )


def _read_groups(value: Any) -> dict[str, _GroupDraft]:
    drafts: dict[str, _GroupDraft] = {}
    fingerprints: set[str] = set()
    for index, item in enumerate(_list(value, "groups")):
        draft = _group_draft(item, f"groups[{index}]")
        if draft.id in drafts:
            raise _fail(f"groups[{index}].id", "unique", f"repeats group id {draft.id!r}")
        if draft.fingerprint is not None:
            if draft.fingerprint in fingerprints:
                raise _fail(f"groups[{index}].fingerprint", "unique", "repeats another group's fingerprint")
            fingerprints.add(draft.fingerprint)
        drafts[draft.id] = draft
    return drafts


def _read_events(value: Any) -> tuple[list[_Parsed], set[str]]:
    """Check every event on its own; return them in capture order, and the ids the document gives."""
    parsed: list[_Parsed] = []
    given_ids: set[str] = set()
    for index, item in enumerate(_list(value, "events")):
        field = f"events[{index}]"
        raw = _object(item, field, _EVENT_FIELDS)
        if "timestamp" not in raw:
            raise _fail(f"{field}.timestamp", "required", "is required")
        seq = None if raw.get("seq") is None else _integer(raw["seq"], f"{field}.seq")
        if raw.get("id") is not None:
            event_id = _id(raw["id"], f"{field}.id")
            if event_id in given_ids:
                raise _fail(f"{field}.id", "unique", f"repeats event id {event_id!r}")
            given_ids.add(event_id)
        ts = _time(raw["timestamp"], f"{field}.timestamp")
        parsed.append((index, seq, ts, raw, _capture_input(raw, field)))
    with_seq = sum(1 for entry in parsed if entry[1] is not None)
    if with_seq not in (0, len(parsed)):
        first = next(entry[0] for entry in parsed if entry[1] is None)
        raise _fail(f"events[{first}].seq", "required", "give seq on every event or on none")
    if with_seq:
        parsed.sort(key=lambda entry: entry[1] or 0)
    else:
        parsed.sort(key=lambda entry: entry[2])  # stable: equal times keep the document's order
    return parsed, given_ids


def _place(
    parsed: list[_Parsed],
    drafts: dict[str, _GroupDraft],
    given_ids: set[str],
    limit: datetime,
    new_id: Callable[[str], str],
) -> list[EventImage]:
    """Put each event (in capture order) in its group, creating the groups the document leaves out."""
    by_fingerprint = {draft.fingerprint: draft for draft in drafts.values() if draft.fingerprint is not None}
    events: list[EventImage] = []
    taken_ids = set(given_ids)
    previous: tuple[int, datetime] | None = None
    for position, (index, seq, ts, raw, data) in enumerate(parsed, start=1):
        field = f"events[{index}]"
        order = seq if seq is not None else position
        if previous is not None and (order <= previous[0] or ts < previous[1]):
            raise _fail(f"{field}.seq", "order", "seq must rise strictly, and with it the timestamp")
        previous = (order, ts)
        if ts > limit:
            raise _fail(f"{field}.timestamp", "maximum", "is later than the tenant's clock")
        given_fp = _string(raw.get("fingerprint"), f"{field}.fingerprint", optional=True)
        fingerprint = given_fp if given_fp is not None else None
        group_id = (
            _id(raw["error_group_id"], f"{field}.error_group_id") if raw.get("error_group_id") else None
        )
        draft = drafts.get(group_id) if group_id is not None else None
        if draft is None or draft.fingerprint is None:
            fingerprint = fingerprint if fingerprint is not None else _fingerprint_of(data)
            owner = by_fingerprint.get(fingerprint)
            if draft is None and group_id is None and owner is not None:
                draft = owner
            elif owner is not None:
                raise _fail(f"{field}.fingerprint", "unique", "belongs to another group")
            else:
                if draft is None:
                    group_id = group_id if group_id is not None else _unused(new_id, "grp", drafts)
                    draft = drafts[group_id] = _GroupDraft(
                        group_id, None, None, None, False, "unresolved", "new"
                    )
                draft.fingerprint = fingerprint
                by_fingerprint[fingerprint] = draft
        if given_fp is not None and given_fp != draft.fingerprint:
            raise _fail(f"{field}.fingerprint", "group", "differs from its group's fingerprint")
        if draft.first is None:
            draft.first = data
        event_id = raw.get("id")
        if event_id is None:
            event_id = _unused(new_id, "evt", taken_ids)
            taken_ids.add(event_id)
        assert draft.fingerprint is not None
        events.append(EventImage(order, event_id, draft.id, ts, data, draft.fingerprint))
    return events


def _finish_groups(drafts: dict[str, _GroupDraft]) -> tuple[GroupImage, ...]:
    groups: list[GroupImage] = []
    for position, draft in enumerate(drafts.values()):
        oldest = draft.first
        if oldest is None or draft.fingerprint is None:  # only listed groups can (they come first)
            raise _fail(f"groups[{position}]", "events", f"group {draft.id!r} has no events")
        title = draft.title
        if title is None:
            title = make_title(
                message=oldest.message,
                exception_type=oldest.exception_type,
                exception_message=oldest.exception_message,
            )
        groups.append(
            GroupImage(
                id=draft.id,
                fingerprint=draft.fingerprint,
                title=title,
                exception_type=draft.exception_type if draft.exception_type_given else oldest.exception_type,
                status=draft.status,
                substatus=draft.substatus,
            )
        )
    return tuple(groups)


def _unused(new_id: Callable[[str], str], prefix: str, taken: Mapping[str, object] | set[str]) -> str:
    while (candidate := new_id(prefix)) in taken:
        pass
    return candidate
