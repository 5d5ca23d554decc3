"""Stored events and error groups, with aggregates kept exact as events come and go."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from sys import intern
from typing import Any

from .capture import CaptureInput
from .clock import hour_start, iso_ms
from .documents import EncodedDocument
from .export import CsvLine, csv_line

__all__ = ["DOCUMENT_CACHE", "INDEXED_FIELDS", "Event", "Group"]

# Event fields with an inverted index (plus one per tag name, as "tags.<name>").
INDEXED_FIELDS = ("level", "environment", "release", "user_id", "code")
TOP_TAG_VALUES = 10
HOURLY_BUCKETS = 24
# Decoded event documents kept for reads (a page of 50, a group's latest event): the most recent
# this many, emptied when full. Events themselves keep only their JSON text (issue 11's memory
# bound); strict mode's verdict cache for ErrorEvent (`contract/validation.py`) has the same size.
DOCUMENT_CACHE = 8192
_documents: dict[Event, EncodedDocument] = {}


def _remember(event: Event, doc: EncodedDocument) -> None:
    # Dict operations are atomic under the GIL: a reader on another thread sees a document or none.
    if len(_documents) >= DOCUMENT_CACHE:
        _documents.clear()
    _documents[event] = doc


@dataclass(slots=True, eq=False)
class Event:
    """One immutable captured event: its indexed fields and its wire form's JSON text, encoded once.

    The wire document itself (`doc`) is decoded from that text when read and kept in a bounded
    cache: a stored event costs its text and a compact record, not a dict of fourteen fields.
    """

    seq: int
    id: str
    group_id: str
    ts: datetime
    level: str
    environment: str | None
    release: str | None
    user_id: str | None
    code: str | None
    tags: dict[str, str]
    haystack: tuple[str, ...]
    encoded: str  # the ErrorEvent document's compact JSON text
    _csv: CsvLine | None = None  # its CSV line (and that line JSON-escaped), rendered on first export

    @property
    def doc(self) -> EncodedDocument:
        """The ErrorEvent wire document (shared: do not mutate it), decoded once while it stays cached."""
        doc = _documents.get(self)
        if doc is None:
            doc = EncodedDocument.decoded(self.encoded)
            _remember(self, doc)
        return doc

    def passing_doc(self) -> EncodedDocument:
        """Return the wire document without caching it: for exports and purges, read once in bulk."""
        doc = _documents.get(self)
        return EncodedDocument.decoded(self.encoded) if doc is None else doc

    def decoded(self) -> dict[str, Any]:
        """Return a fresh copy of the wire document, leaving the read cache alone (dumps of every event)."""
        return dict(self.passing_doc())

    def csv_line(self) -> CsvLine:
        """Return the event's CSV line and its JSON-escaped form, rendered once (events never change)."""
        if self._csv is None:
            self._csv = csv_line(self.passing_doc())
        return self._csv

    @staticmethod
    def document(
        *, event_id: str, group_id: str, ts: datetime, data: CaptureInput, fingerprint: str
    ) -> EncodedDocument:
        """Build an event's wire document (and its JSON text) from validated capture input."""
        exception = (
            None
            if data.exception_type is None
            else {
                "type": data.exception_type,
                "message": data.exception_message,
                "stacktrace": data.exception_stacktrace,
            }
        )
        # Values that repeat across events (level, environment, release, user, code, tag names and
        # values) are shared strings: memory per event is what issue 11 bounds. The tags are the
        # document's own copy of the shared tag set, so no reader's document aliases it.
        return EncodedDocument(
            {
                "id": event_id,
                "error_group_id": group_id,
                "timestamp": iso_ms(ts),
                "level": intern(data.level),
                "message": data.message,
                "code": _shared(data.code),
                "exception": exception,
                "stack": data.stack,
                "tags": dict(_shared_tags(data.tags)),
                "user_id": _shared(data.user_id),
                "release": _shared(data.release),
                "environment": _shared(data.environment),
                "fingerprint": fingerprint,
                "source": data.source,
            }
        )

    @classmethod
    def create(
        cls, *, seq: int, event_id: str, group_id: str, ts: datetime, data: CaptureInput, fingerprint: str
    ) -> Event:
        """Build the stored event from validated capture input; its document goes to the read cache."""
        doc = cls.document(event_id=event_id, group_id=group_id, ts=ts, data=data, fingerprint=fingerprint)
        tags = _shared_tags(data.tags)
        code = doc["code"]
        searchable = [data.message, data.exception_type, data.exception_message]
        # Codes and tag values repeat across events: their folded forms are shared strings too.
        repeated = [code, *tags.values()]
        event = cls(
            seq=seq,
            id=event_id,
            group_id=group_id,
            ts=ts,
            level=doc["level"],
            environment=doc["environment"],
            release=doc["release"],
            user_id=doc["user_id"],
            code=code,
            tags=tags,
            haystack=(
                *(text.casefold() for text in searchable if text),
                *(intern(text.casefold()) for text in repeated if text),
            ),
            encoded=doc.encoded,
        )
        _remember(event, doc)  # a new event is the likeliest to be read next
        return event

    @classmethod
    def restored(cls, seq: int, doc: dict[str, Any], encoded: str) -> Event:
        """Rebuild a stored event from its freshly decoded wire document and that document's JSON text.

        Only the text is kept; the record shares repeated strings and tag sets as `create`'s does.
        """
        exception = doc["exception"]
        tags = _shared_tags(doc["tags"])
        message, code = doc["message"], _shared(doc["code"])
        searchable = [message] if exception is None else [message, exception["type"], exception["message"]]
        repeated = [code, *tags.values()]
        return cls(
            seq,
            doc["id"],
            doc["error_group_id"],
            _from_iso(doc["timestamp"]),
            intern(doc["level"]),
            _shared(doc["environment"]),
            _shared(doc["release"]),
            _shared(doc["user_id"]),
            code,
            tags,
            (
                *(text.casefold() for text in searchable if text),
                *(intern(text.casefold()) for text in repeated if text),
            ),
            encoded,
        )

    def value_of(self, name: str) -> str | None:
        """Return the value of an indexed field (``tags.<k>`` included) or ``error_group_id``."""
        if name.startswith("tags."):
            return self.tags.get(name[5:])
        if name == "error_group_id":
            return self.group_id
        value: str | None = getattr(self, name)
        return value

    def index_keys(self) -> Iterator[tuple[str, str]]:
        """Yield the (field, value) pairs this event is filed under in the inverted indexes."""
        for name in INDEXED_FIELDS:
            value: str | None = getattr(self, name)
            if value is not None:
                yield name, value
        for key, value in self.tags.items():
            yield f"tags.{key}", value


@dataclass(slots=True, eq=False)
class Group:
    """An error group: its status and counters over exactly the events it still stores."""

    id: str
    fingerprint: str
    title: str
    exception_type: str | None
    status: str = "unresolved"
    substatus: str | None = "new"
    # Oldest first; the retention purge only ever removes from the front, so a head offset
    # makes that O(1) while keeping the list bisectable for keyset paging.
    events: list[Event] = field(default_factory=list)
    head: int = 0
    users: Counter[str] = field(default_factory=Counter)
    tags: dict[str, Counter[str]] = field(default_factory=dict)
    environments: Counter[str] = field(default_factory=Counter)
    releases: Counter[str] = field(default_factory=Counter)
    hourly: Counter[int] = field(default_factory=Counter)
    # The last ErrorGroup document (with its JSON text) and the state it was built from: reads
    # between changes share it, and a page of groups joins the texts instead of encoding dicts.
    _doc: EncodedDocument | None = None
    _doc_key: tuple[str, str | None, int, int] | None = None
    # The last ErrorGroupDetail document, the ErrorGroup document and the hour it was built from.
    _detail: EncodedDocument | None = None
    _detail_base: dict[str, Any] | None = None
    _detail_hour: int = 0

    @property
    def count(self) -> int:
        """Return the number of stored events."""
        return len(self.events) - self.head

    @property
    def oldest(self) -> Event:
        """Return the oldest stored event."""
        return self.events[self.head]

    @property
    def latest(self) -> Event:
        """Return the newest stored event."""
        return self.events[-1]

    def add(self, event: Event) -> None:
        """Count a newly captured event (always the newest)."""
        self.events.append(event)
        self._tally(event, 1)

    def extend(self, events: list[Event]) -> None:
        """Count many events at once (a restore), each newer than every stored one, oldest first."""
        self.events.extend(events)
        self.hourly.update([hour_start(event.ts) for event in events])
        self.users.update([event.user_id for event in events if event.user_id is not None])
        self.environments.update([event.environment for event in events if event.environment is not None])
        self.releases.update([event.release for event in events if event.release is not None])
        for event in events:
            for key, value in event.tags.items():
                counter = self.tags.get(key)
                if counter is None:
                    counter = self.tags[key] = Counter()
                counter[value] += 1

    def pop_oldest(self) -> Event:
        """Remove and return the oldest stored event, un-counting it."""
        event = self.events[self.head]
        self.head += 1
        if self.head > 64 and self.head * 2 > len(self.events):
            del self.events[: self.head]
            self.head = 0
        self._tally(event, -1)
        return event

    def _tally(self, event: Event, delta: int) -> None:
        _bump(self.hourly, hour_start(event.ts), delta)
        if event.user_id is not None:
            _bump(self.users, event.user_id, delta)
        if event.environment is not None:
            _bump(self.environments, event.environment, delta)
        if event.release is not None:
            _bump(self.releases, event.release, delta)
        for key, value in event.tags.items():
            counter = self.tags.get(key)
            if counter is None:
                counter = self.tags[key] = Counter()
            _bump(counter, value, delta)
            if not counter:
                del self.tags[key]

    def events_before(self, seq: int | None) -> Iterator[Event]:
        """Yield stored events newest first, only those with a sequence below `seq` when given."""
        stop = len(self.events) if seq is None else bisect_left(self.events, seq, lo=self.head, key=_seq_of)
        for position in range(stop - 1, self.head - 1, -1):
            yield self.events[position]

    def as_json(self) -> dict[str, Any]:
        """Return the ErrorGroup wire document (shared until the group changes: do not mutate it)."""
        # Status, substatus and the stored events are everything the document depends on (title,
        # fingerprint and type never change). Events are appended at the end and removed only at
        # the head, so the oldest and newest sequence numbers identify the stored set exactly.
        events = self.events
        key = (self.status, self.substatus, events[self.head].seq, events[-1].seq)
        doc = self._doc
        if doc is None or self._doc_key != key:
            doc = self._doc = EncodedDocument(self._build_doc())
            self._doc_key = key
        return doc

    def _build_doc(self) -> dict[str, Any]:
        latest = self.latest
        return {
            "id": self.id,
            "title": self.title,
            "fingerprint": self.fingerprint,
            "status": self.status,
            "substatus": self.substatus,
            "level": latest.level,
            "count": self.count,
            "user_count": len(self.users),
            # Formatted here, once per rebuilt group document (the document is cached until it changes).
            "first_seen": iso_ms(self.oldest.ts),
            "last_seen": iso_ms(latest.ts),
            "exception_type": self.exception_type,
            "latest_event_id": latest.id,
        }

    def detail_json(self, now: datetime) -> dict[str, Any]:
        """Return the ErrorGroupDetail wire document, with hourly buckets ending at `now`'s hour.

        Shared (do not mutate it) until the group changes or the hour turns: the aggregates follow
        from the stored events exactly as the ErrorGroup document does, so the detail is rebuilt
        when that document is (a new object) or when `now` enters another hour.
        """
        base = self.as_json()
        hour = hour_start(now)
        detail = self._detail
        if detail is None or self._detail_base is not base or self._detail_hour != hour:
            detail = self._detail = EncodedDocument(self._build_detail(base, hour))
            self._detail_base, self._detail_hour = base, hour
        return detail

    def _build_detail(self, base: dict[str, Any], current: int) -> dict[str, Any]:
        doc = dict(base)
        doc["tags"] = [
            {
                "key": key,
                "total": sum(counter.values()),
                "top_values": [
                    {"value": value, "count": count}
                    for value, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))[
                        :TOP_TAG_VALUES
                    ]
                ],
            }
            for key, counter in sorted(self.tags.items())
        ]
        doc["environments"] = sorted(self.environments)
        doc["releases"] = sorted(self.releases)
        doc["hourly"] = [
            {"hour": _hour_iso(hour), "count": self.hourly.get(hour, 0)}
            for hour in range(current - HOURLY_BUCKETS + 1, current + 1)
        ]
        doc["latest_event"] = self.latest.doc if self.count else None
        return doc


@lru_cache(maxsize=1024)
def _hour_iso(hour: int) -> str:
    """Format a Unix hour number once; every group detail asks for the same 24 hours."""
    return iso_ms(datetime.fromtimestamp(hour * 3600, UTC))


_from_iso = datetime.fromisoformat


def _shared(value: str | None) -> str | None:
    return None if value is None else intern(value)


# Events with the same tags share one dict (never mutated): tags repeat across events far more
# than they vary, and a dict of two tags costs 184 bytes. Bounded like the document cache.
_TAG_SETS = 4096
_tag_sets: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
_NO_TAGS: dict[str, str] = {}


def _shared_tags(tags: dict[str, str]) -> dict[str, str]:
    if not tags:
        return _NO_TAGS
    key = tuple(tags.items())
    shared = _tag_sets.get(key)
    if shared is None:
        if len(_tag_sets) >= _TAG_SETS:
            _tag_sets.clear()
        shared = _tag_sets[key] = {intern(name): intern(value) for name, value in key}
    return shared


def _seq_of(event: Event) -> int:
    return event.seq


def _bump(counter: Counter[Any], key: Any, delta: int) -> None:
    counter[key] += delta
    if counter[key] <= 0:
        del counter[key]
