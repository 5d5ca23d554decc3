"""The reference model: what a correct service holds after a sequence of calls, computed independently.

It knows nothing of fingerprints or hashes: a group is "the events of one family" (scenario.py), and every
aggregate, order, filter and search result is recomputed from the stored events. Semantics
(docs/semantics.md):
* grouping: same family -> same group, distinct families -> distinct groups; after a delete, the next event of
  the family opens a new group (new id, count 1, unresolved/new);
* lifecycle: new group unresolved/new; resolve -> resolved/null; ignore -> ignored/archived_forever;
  unresolve of a resolved or ignored group -> unresolved/ongoing (a no-op on an unresolved one); an event in
  a resolved group -> unresolved/regressed; an event in an ignored group keeps it ignored (and counts);
* aggregates: count, user_count (distinct user ids), first_seen/last_seen (oldest/newest event), level (of the
  latest event), latest_event_id;
* order: events newest first, ties by id descending; groups by the sort key descending, ties by id descending;
* filters: a scalar means equals, a list any of, keys ANDed; `status` is the event's group's; since inclusive,
  until exclusive; search: every free-text token is a case-insensitive substring of the message, exception
  type, exception message, code or a tag value; `key:value` tokens filter (case-insensitively).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CSV_HEADER = [
    "id",
    "timestamp",
    "error_group_id",
    "level",
    "message",
    "code",
    "exception_type",
    "environment",
    "release",
    "user_id",
    "tags",
    "fingerprint",
]


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class MEvent:
    id: str
    group_id: str
    family: str
    seq: int
    doc: dict[str, Any]  # the ErrorEvent the service returned right after the capture

    @property
    def ts(self) -> datetime:
        return parse_ts(self.doc["timestamp"])

    def value_of(self, key: str) -> str | None:
        if key.startswith("tags."):
            value = self.doc["tags"].get(key[5:])
            return value if isinstance(value, str) else None
        value = self.doc.get(key)
        return value if isinstance(value, str) else None

    def haystack(self) -> list[str]:
        exception = self.doc.get("exception") or {}
        texts = [
            self.doc.get("message"),
            exception.get("type"),
            exception.get("message"),
            self.doc.get("code"),
        ]
        texts += list(self.doc["tags"].values())
        return [text.casefold() for text in texts if isinstance(text, str) and text]

    def csv_row(self) -> list[str]:
        exception = self.doc.get("exception")
        values = {
            **self.doc,
            "exception_type": exception["type"] if exception else None,
        }
        row = []
        for column in CSV_HEADER:
            if column == "tags":
                row.append(self.doc["tags"])
            else:
                value = values.get(column)
                text = "" if value is None else str(value)
                # OWASP CSV injection: a would-be formula is quoted with an apostrophe.
                row.append("'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text)
        return row


@dataclass
class MGroup:
    id: str
    family: str
    status: str = "unresolved"
    substatus: str | None = "new"
    events: list[MEvent] = field(default_factory=list)  # capture order

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def latest(self) -> MEvent:
        return max(self.events, key=capture_key)

    @property
    def oldest(self) -> MEvent:
        return min(self.events, key=capture_key)

    def sort_key(self, sort: str) -> tuple[Any, str]:
        if sort == "count_desc":
            return (self.count, self.id)
        if sort == "first_seen_desc":
            return (self.oldest.ts, self.id)
        return (self.latest.ts, self.id)

    def expected(self) -> dict[str, Any]:
        """The ErrorGroup fields the model can predict exactly."""
        latest = self.latest
        return {
            "id": self.id,
            "status": self.status,
            "substatus": self.substatus,
            "count": self.count,
            "user_count": len({e.doc["user_id"] for e in self.events if e.doc.get("user_id") is not None}),
            "first_seen": self.oldest.doc["timestamp"],
            "last_seen": latest.doc["timestamp"],
            "level": latest.doc["level"],
            "latest_event_id": latest.id,
            "exception_type": (self.events[0].doc.get("exception") or {}).get("type"),
            "fingerprint": self.events[0].doc["fingerprint"],
        }


def capture_key(event: MEvent) -> tuple[datetime, int]:
    """Time, then capture order: the latest event of two at the same millisecond is the later capture."""
    return (event.ts, event.seq)


def newest_first(events: list[MEvent]) -> list[MEvent]:
    """Newest first. The spec leaves the order of equal timestamps open (docs/semantics.md C3: capture order),
    so comparisons accept any order within a run of equal timestamps (`same_order`)."""
    return sorted(events, key=capture_key, reverse=True)


def same_order(seen: list[dict[str, Any]], expected: list[MEvent]) -> bool:
    """Whether `seen` lists exactly `expected`, newest first, in any order among equal timestamps."""
    if len(seen) != len(expected):
        return False
    by_stamp: dict[str, tuple[set[str], set[str]]] = {}
    for item, event in zip(seen, expected, strict=True):
        if item.get("timestamp") != event.doc["timestamp"]:
            return False
        got, want = by_stamp.setdefault(event.doc["timestamp"], (set(), set()))
        got.add(str(item["id"]))
        want.add(event.id)
    return all(got == want for got, want in by_stamp.values())


@dataclass
class Model:
    groups: dict[str, MGroup] = field(default_factory=dict)  # live groups by id
    by_family: dict[str, str] = field(default_factory=dict)  # family -> live group id
    deleted_groups: dict[str, None] = field(default_factory=dict)  # ordered sets: draws index into them
    deleted_events: dict[str, None] = field(default_factory=dict)
    ever_group_ids: set[str] = field(default_factory=set)
    seq: int = 0
    retention: dict[str, Any] = field(
        default_factory=lambda: {"days": 90, "auto_export_before_cleanup": False, "export_destination": None}
    )

    # -- changes ---------------------------------------------------------------------------------------------

    def add_event(self, family: str, doc: dict[str, Any]) -> MEvent:
        self.seq += 1
        event = MEvent(doc["id"], doc["error_group_id"], family, self.seq, doc)
        group = self.groups.get(event.group_id)
        if group is None:
            group = self.groups[event.group_id] = MGroup(event.group_id, family)
            self.by_family[family] = group.id
            self.ever_group_ids.add(group.id)
        elif group.status == "resolved":
            group.status, group.substatus = "unresolved", "regressed"
        group.events.append(event)
        return event

    def set_status(self, group_id: str, action: str) -> None:
        group = self.groups[group_id]
        if action == "resolve":
            group.status, group.substatus = "resolved", None
        elif action == "ignore":
            group.status, group.substatus = "ignored", "archived_forever"
        elif group.status != "unresolved":
            group.status, group.substatus = "unresolved", "ongoing"

    def delete(self, group_id: str) -> MGroup:
        group = self.groups.pop(group_id)
        if self.by_family.get(group.family) == group_id:
            del self.by_family[group.family]
        self.deleted_groups[group_id] = None
        self.deleted_events.update(dict.fromkeys(event.id for event in group.events))
        return group

    # -- reads -----------------------------------------------------------------------------------------------

    @property
    def events(self) -> list[MEvent]:
        return [event for group in self.groups.values() for event in group.events]

    def event(self, event_id: str) -> MEvent | None:
        for group in self.groups.values():
            for event in group.events:
                if event.id == event_id:
                    return event
        return None

    def matches(self, event: MEvent, filter: dict[str, Any] | None) -> bool:
        for key, wanted in (filter or {}).items():
            if key == "since":
                if event.ts < parse_ts(wanted):
                    return False
                continue
            if key == "until":
                if event.ts >= parse_ts(wanted):
                    return False
                continue
            options = wanted if isinstance(wanted, list) else [wanted]
            actual = self.groups[event.group_id].status if key == "status" else event.value_of(key)
            if actual not in options:
                return False
        return True

    def listed(self, filter: dict[str, Any] | None) -> list[MEvent]:
        return newest_first([event for event in self.events if self.matches(event, filter)])

    def searched(
        self, terms: list[str], tokens: list[tuple[str, str]], filter: dict[str, Any] | None
    ) -> list[MEvent]:
        def hit(event: MEvent) -> bool:
            haystack = event.haystack()
            if not all(any(term.casefold() in text for text in haystack) for term in terms):
                return False
            for key, value in tokens:
                if key == "is":
                    actual: str | None = self.groups[event.group_id].status
                elif key == "error_group_id":
                    actual = event.group_id
                else:
                    actual = event.value_of(key)
                if actual is None or actual.casefold() != value.casefold():
                    return False
            return True

        return [event for event in self.listed(filter) if hit(event)]

    def group_list(self, status: str | None, sort: str) -> list[MGroup]:
        chosen = [g for g in self.groups.values() if status is None or g.status == status]
        return sorted(chosen, key=lambda g: g.sort_key(sort), reverse=True)

    def detail(self, group_id: str) -> dict[str, Any]:
        """The aggregate fields of ErrorGroupDetail the model predicts."""
        group = self.groups[group_id]
        tags: dict[str, dict[str, int]] = {}
        for event in group.events:
            for key, value in event.doc["tags"].items():
                counts = tags.setdefault(key, {})
                counts[value] = counts.get(value, 0) + 1
        return {
            "environments": sorted({e.doc["environment"] for e in group.events if e.doc.get("environment")}),
            "releases": sorted({e.doc["release"] for e in group.events if e.doc.get("release")}),
            "tags": dict(sorted(tags.items())),
            "latest_event": group.latest.doc,
        }


def csv_rows(events: list[MEvent]) -> list[list[Any]]:
    return [event.csv_row() for event in events]


def parse_csv_tags(cell: str) -> Any:
    try:
        return json.loads(cell)
    except ValueError:
        return cell
