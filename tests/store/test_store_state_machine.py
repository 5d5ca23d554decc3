"""A stateful property test: the store against a naive reference model built from lists and dicts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from store_helpers import ids, make_store, walk

from mockserver.store import NotFound
from mockserver.store.clock import hour_start, iso_ms

TEMPLATES = ["user {} not found", "timeout after {} ms", "permission denied"]
EXCEPTION_TYPES = [None, "ValueError", "KeyError"]
STATUS_SUBSTATUS = {"resolved": None, "ignored": "archived_forever"}


@dataclass
class ModelEvent:
    """What the reference model remembers about an event."""

    id: str
    group_id: str
    ts: datetime
    level: str
    user_id: str | None
    tags: dict[str, str]


@dataclass
class ModelGroup:
    """What the reference model remembers about a group."""

    id: str
    key: tuple[str | None, int]
    status: str = "unresolved"
    substatus: str | None = "new"
    events: list[ModelEvent] = field(default_factory=list)


class StoreMachine(RuleBasedStateMachine):
    """Drive one tenant with random operations and compare every observable with full scans of a model."""

    def __init__(self) -> None:
        super().__init__()
        self.store, self.clock = make_store(seed=11)
        self.tenant = self.store.tenant("machine")
        self.bystander = self.store.tenant("bystander")
        self.events: list[ModelEvent] = []
        self.groups: dict[str, ModelGroup] = {}
        self.idempotent: dict[str, dict[str, Any]] = {}
        self.days = 90

    @initialize()
    def seed_bystander(self) -> None:
        """Give a second tenant an event that must never show up or change."""
        self.bystander_event = self.bystander.capture({"message": "user 1 not found"}, source="capture")

    # -- model helpers -----------------------------------------------------------------------------

    def purge(self) -> None:
        """Drop model events older than the retention window, and groups left empty."""
        cutoff = self.clock.now() - timedelta(days=self.days)
        self.events = [event for event in self.events if event.ts >= cutoff]
        for group in list(self.groups.values()):
            group.events = [event for event in group.events if event.ts >= cutoff]
            if not group.events:
                del self.groups[group.id]

    def group_for(self, key: tuple[str | None, int]) -> ModelGroup | None:
        """Return the live model group with this grouping key."""
        return next((group for group in self.groups.values() if group.key == key), None)

    def delete(self, group_id: str) -> None:
        """Remove a group and its events from the model."""
        del self.groups[group_id]
        self.events = [event for event in self.events if event.group_id != group_id]

    def set_status(self, group: ModelGroup, status: str) -> None:
        """Apply a manual status change in the model."""
        if status == "unresolved":
            if group.status != "unresolved":
                group.status, group.substatus = "unresolved", "ongoing"
        else:
            group.status, group.substatus = status, STATUS_SUBSTATUS[status]

    # -- rules -------------------------------------------------------------------------------------

    @rule(
        template=st.integers(0, len(TEMPLATES) - 1),
        number=st.integers(0, 999),
        exception_type=st.sampled_from(EXCEPTION_TYPES),
        level=st.sampled_from(["info", "error", "fatal"]),
        user_id=st.sampled_from([None, "u1", "u2", "u3"]),
        tag=st.sampled_from([None, "a", "b"]),
        idempotency_key=st.sampled_from([None, None, "k1", "k2"]),
    )
    def capture(
        self,
        *,
        template: int,
        number: int,
        exception_type: str | None,
        level: str,
        user_id: str | None,
        tag: str | None,
        idempotency_key: str | None,
    ) -> None:
        """Capture an event whose group is determined by (exception type, message template)."""
        self.purge()
        text = TEMPLATES[template].format(number)
        body: dict[str, Any] = {"level": level, "user_id": user_id, "tags": {"t": tag} if tag else {}}
        if exception_type is None:
            body["message"] = text
        else:
            body["exception"] = {"type": exception_type, "message": text}
        result = self.tenant.capture(body, source="capture", idempotency_key=idempotency_key)
        if idempotency_key is not None and idempotency_key in self.idempotent:
            assert result == {**self.idempotent[idempotency_key], "duplicate": True}
            return
        key = (exception_type, template)
        group = self.group_for(key)
        assert result["is_new_group"] is (group is None)
        if group is None:
            group = self.groups[result["error_group_id"]] = ModelGroup(result["error_group_id"], key)
        assert result["error_group_id"] == group.id
        if group.status == "resolved":
            group.status, group.substatus = "unresolved", "regressed"
        event = ModelEvent(result["error_id"], group.id, self.clock.now(), level, user_id, dict(body["tags"]))
        self.events.append(event)
        group.events.append(event)
        if idempotency_key is not None:
            self.idempotent[idempotency_key] = result

    @rule(seconds=st.sampled_from([0, 1, 59, 3600, 86_400, 2 * 86_400]))
    def advance(self, seconds: int) -> None:
        """Move the clock forwards."""
        self.clock.advance(seconds)

    @precondition(lambda self: self.groups)
    @rule(data=st.data(), status=st.sampled_from(["resolved", "unresolved", "ignored"]))
    def change_status(self, data: st.DataObject, status: str) -> None:
        """Set a group's status directly."""
        self.purge()
        group_id = data.draw(st.sampled_from(sorted(self.groups)))
        returned = self.tenant.set_status(group_id, status)  # type: ignore[arg-type]
        self.set_status(self.groups[group_id], status)
        assert (returned["status"], returned["substatus"]) == (status, self.groups[group_id].substatus)

    @precondition(lambda self: self.groups)
    @rule(data=st.data())
    def delete_group(self, data: st.DataObject) -> None:
        """Delete a group; its events go with it."""
        self.purge()
        group_id = data.draw(st.sampled_from(sorted(self.groups)))
        result = self.tenant.delete_group(group_id)
        assert result == {
            "ok": True,
            "error_group_id": group_id,
            "deleted_events": len(self.groups[group_id].events),
        }
        self.delete(group_id)

    @rule(
        data=st.data(),
        action=st.sampled_from(["resolve", "unresolve", "ignore", "delete"]),
        include_unknown=st.booleans(),
    )
    def bulk(self, data: st.DataObject, action: str, include_unknown: bool) -> None:
        """Apply a bulk action to some groups, possibly with an unknown id and duplicates."""
        self.purge()
        chosen = data.draw(st.lists(st.sampled_from(sorted(self.groups) or ["grp_none"]), max_size=4))
        request = [*chosen, *(["grp_unknown"] if include_unknown or not chosen else [])]
        result = self.tenant.bulk(request, action)  # type: ignore[arg-type]
        unique = list(dict.fromkeys(request))
        assert result["succeeded"] == [group_id for group_id in unique if group_id in self.groups]
        assert [failure["error_group_id"] for failure in result["failed"]] == [
            group_id for group_id in unique if group_id not in self.groups
        ]
        for group_id in result["succeeded"]:
            if action == "delete":
                self.delete(group_id)
            else:
                status = {"resolve": "resolved", "unresolve": "unresolved", "ignore": "ignored"}[action]
                self.set_status(self.groups[group_id], status)

    @rule(days=st.integers(1, 4))
    def set_retention(self, days: int) -> None:
        """Shorten or lengthen retention; shortening purges at once."""
        self.purge()
        self.tenant.set_retention(days)
        self.days = days
        self.purge()

    # -- invariants --------------------------------------------------------------------------------

    @invariant()
    def events_match(self) -> None:
        """Every listing and lookup of events equals the model, newest first."""
        self.purge()
        expected = [event.id for event in reversed(self.events)]
        assert ids(walk(lambda cursor: self.tenant.list_events(cursor=cursor, limit=3))) == expected
        assert ids(self.tenant.export()["events"]) == expected
        for level in ("info", "fatal"):
            assert (
                ids(self.tenant.list_events(filter={"level": level}, limit=100).items)
                == [event.id for event in reversed(self.events) if event.level == level][:100]
            )
        assert (
            ids(self.tenant.search_events("tags.t:a", limit=100).items)
            == [event.id for event in reversed(self.events) if event.tags.get("t") == "a"][:100]
        )

    @invariant()
    def status_and_until_filters_match(self) -> None:
        """Status and until filters, alone, together and as search tokens, equal a scan of the model."""
        self.purge()
        newest = list(reversed(self.events))
        status_of = {group.id: group.status for group in self.groups.values()}
        # A bound shared by several events (captures within one tick) tests that `until` is exclusive.
        until = newest[len(newest) // 2].ts if newest else self.clock.now()
        for statuses in (["resolved"], ["unresolved", "ignored"]):
            by_status = [event for event in newest if status_of[event.group_id] in statuses]
            assert ids(
                walk(
                    lambda cursor, s=statuses: self.tenant.list_events(
                        filter={"status": s}, cursor=cursor, limit=3
                    )
                )
            ) == [event.id for event in by_status]
            flt = {"status": statuses, "until": iso_ms(until)}
            assert ids(
                walk(lambda cursor, f=flt: self.tenant.list_events(filter=f, cursor=cursor, limit=3))
            ) == [event.id for event in by_status if event.ts < until]
        assert (
            ids(self.tenant.search_events("is:ignored", limit=100).items)
            == [event.id for event in newest if status_of[event.group_id] == "ignored"][:100]
        )
        assert ids(self.tenant.export(filter={"until": iso_ms(until)})["events"]) == [
            event.id for event in newest if event.ts < until
        ]

    @invariant()
    def groups_match(self) -> None:
        """Every group's aggregates equal a full scan of its model events."""
        self.purge()
        for group in self.groups.values():
            stored = self.tenant.group_detail(group.id)
            events = group.events
            assert stored["count"] == len(events)
            assert stored["user_count"] == len({event.user_id for event in events if event.user_id})
            assert stored["first_seen"] == iso_ms(events[0].ts)
            assert stored["last_seen"] == iso_ms(events[-1].ts)
            assert stored["level"] == events[-1].level
            assert stored["latest_event_id"] == events[-1].id
            assert (stored["status"], stored["substatus"]) == (group.status, group.substatus)
            tag_counts = Counter(event.tags["t"] for event in events if "t" in event.tags)
            expected_tags = (
                [
                    {
                        "key": "t",
                        "total": sum(tag_counts.values()),
                        "top_values": sorted(
                            ({"value": value, "count": count} for value, count in tag_counts.items()),
                            key=lambda entry: (-entry["count"], entry["value"]),
                        ),
                    }
                ]
                if tag_counts
                else []
            )
            assert stored["tags"] == expected_tags
            current_hour = hour_start(self.clock.now())
            assert [bucket["count"] for bucket in stored["hourly"]] == [
                sum(1 for event in events if hour_start(event.ts) == hour)
                for hour in range(current_hour - 23, current_hour + 1)
            ]
            assert ids(
                walk(lambda cursor, gid=group.id: self.tenant.group_events(gid, cursor=cursor, limit=2))
            ) == [event.id for event in reversed(events)]

    @invariant()
    def group_lists_match(self) -> None:
        """Group listings in every sort and status equal a sort of the model."""
        self.purge()
        sort_keys = {
            "last_seen_desc": lambda group: (group.events[-1].ts, group.id),
            "first_seen_desc": lambda group: (group.events[0].ts, group.id),
            "count_desc": lambda group: (len(group.events), group.id),
        }
        for sort, key in sort_keys.items():
            for status in (None, "resolved"):
                expected = [
                    group.id
                    for group in sorted(self.groups.values(), key=key, reverse=True)
                    if status in (None, group.status)
                ]
                listed = walk(
                    lambda cursor, s=sort, st_=status: self.tenant.list_groups(
                        sort=s, status=st_, cursor=cursor, limit=2
                    )
                )
                assert ids(listed) == expected

    @invariant()
    def deleted_and_purged_things_are_gone(self) -> None:
        """Ids the model no longer has are NotFound in the store; the bystander tenant is untouched."""
        known_events = {event.id for event in self.events}
        for result in self.idempotent.values():
            if result["error_id"] not in known_events:
                with pytest.raises(NotFound):
                    self.tenant.get_event(result["error_id"])
        assert ids(self.bystander.list_events().items) == [self.bystander_event["error_id"]]


StoreMachine.TestCase.settings = settings(max_examples=250, stateful_step_count=40, deadline=None)
TestStoreMachine = StoreMachine.TestCase
