"""Status and until filters over many events: the indexed walks give the pages a full scan would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from store_helpers import capture, ids, make_store, walk

from mockserver.store import ManualClock, Tenant
from mockserver.store.capture import parse_capture
from mockserver.store.clock import DEFAULT_START as START
from mockserver.store.clock import iso_ms, parse_iso
from mockserver.store.filters import Condition
from mockserver.store.indexes import EventIndex
from mockserver.store.model import Event

GROUPS = 30
EVENTS_PER_GROUP = 80


@pytest.fixture(scope="module")
def history() -> tuple[Tenant, ManualClock]:
    """A tenant whose 30 groups went through every status change, with enough deletions to compact."""
    store, clock = make_store(seed=21)
    tenant = store.tenant("walks")
    group_ids: list[str] = []
    for round_ in range(EVENTS_PER_GROUP):
        for group in range(GROUPS):
            result = capture(tenant, "boom", code=f"C{group}")
            if round_ == 0:
                group_ids.append(result["error_group_id"])
        clock.advance(1)  # round r captures at START + r s: 30 events share each timestamp
    for group_id in group_ids[:10]:
        tenant.set_status(group_id, "resolved")
    for group_id in group_ids[10:14]:
        tenant.set_status(group_id, "ignored")
    capture(tenant, "boom", code="C0")  # a new event regresses resolved group 0 to unresolved
    tenant.bulk(group_ids[1:3], "unresolve")
    tenant.bulk(group_ids[3:5], "ignore")
    # 16 of 30 groups: 1280 removed events outnumber the live ones, so the index compacts.
    tenant.bulk(group_ids[14:30], "delete")
    tenant.set_status(group_ids[5], "ignored")  # a change after the compaction
    return tenant, clock


def _scan(tenant: Tenant, statuses: list[str] | None, until: datetime | None) -> list[str]:
    """Filter every stored event by hand: the reference the indexed walks must equal."""
    status_of: dict[str, str] = {}
    for group in walk(lambda cursor: tenant.list_groups(cursor=cursor, limit=100)):
        status_of[group["id"]] = group["status"]
    events: list[dict[str, Any]] = tenant.export()["events"]
    return [
        event["id"]
        for event in events
        if (statuses is None or status_of[event["error_group_id"]] in statuses)
        and (until is None or parse_iso(event["timestamp"]) < until)  # type: ignore[operator]
    ]


@pytest.mark.parametrize(
    "statuses", [None, ["resolved"], ["ignored"], ["unresolved"], ["resolved", "ignored"]]
)
@pytest.mark.parametrize("until_round", [None, 0, 1, 37, EVENTS_PER_GROUP, EVENTS_PER_GROUP + 5])
def test_status_and_until_filters_page_like_a_full_scan(
    history: tuple[Tenant, ManualClock], statuses: list[str] | None, until_round: int | None
) -> None:
    """Every page of a status and/or until filter over thousands of events holds exactly the scan's events."""
    tenant, _ = history
    until = None if until_round is None else START + timedelta(seconds=until_round)
    flt: dict[str, Any] = {}
    if statuses is not None:
        flt["status"] = statuses
    if until is not None:
        flt["until"] = iso_ms(until)
    expected = _scan(tenant, statuses, until)
    assert ids(tenant.list_events(filter=flt or None, limit=100).items) == expected[:100]
    assert (
        ids(walk(lambda cursor: tenant.list_events(filter=flt or None, cursor=cursor, limit=37))) == expected
    )
    assert ids(tenant.export(filter=flt or None)["events"]) == expected


def test_status_filter_follows_every_kind_of_status_change(history: tuple[Tenant, ManualClock]) -> None:
    """Resolving, ignoring, bulk changes, regressions and deletions move events between status filters."""
    tenant, _ = history
    counts = {
        status: len(
            walk(lambda cursor, s=status: tenant.list_events(filter={"status": s}, cursor=cursor, limit=100))
        )
        for status in ("unresolved", "resolved", "ignored")
    }
    # 14 groups survive: 0 (regressed, 81 events), 1-2 unresolved again, 6-9 resolved, 3-5 and 10-13 ignored.
    assert counts == {
        "unresolved": 3 * EVENTS_PER_GROUP + 1,
        "resolved": 4 * EVENTS_PER_GROUP,
        "ignored": 7 * EVENTS_PER_GROUP,
    }


def _event(seq: int, group_id: str, ts: datetime) -> Event:
    data = parse_capture({"message": "m"}, "capture")
    return Event.create(seq=seq, event_id=f"evt_{seq}", group_id=group_id, ts=ts, data=data, fingerprint="f")


def _walked(index: EventIndex, conditions: tuple[Condition, ...], until: datetime | None = None) -> list[int]:
    return [event.seq for event in index.newest_first(conditions, None, until)]


def test_until_walk_starts_below_the_bound_even_after_compaction() -> None:
    """The candidates of an until filter are only events before the bound, ties at the bound excluded."""
    index = EventIndex()
    events = [_event(seq, "grp_a", START + timedelta(seconds=seq // 3)) for seq in range(1, 3001)]
    for event in events:
        index.add(event)
    for event in events[:2400]:
        if event.seq % 3:
            index.remove(event)  # 1600 removals outnumber the 1400 left: the index compacts
    until = START + timedelta(seconds=500)
    live = [event for event in events if event.seq in index.events]
    assert _walked(index, (), until) == [event.seq for event in reversed(live) if event.ts < until]


def test_status_condition_walks_only_that_status_groups_events() -> None:
    """A status condition's candidates are the events of groups in that status, nothing else."""
    index = EventIndex()
    status = {f"grp_{number}": "unresolved" for number in range(6)}
    for group_id in status:
        index.file_group(group_id, "unresolved")
    events = [_event(seq, f"grp_{seq % 6}", START) for seq in range(1, 601)]
    for event in events:
        index.add(event)
    for group_id, new in (("grp_1", "resolved"), ("grp_2", "ignored"), ("grp_4", "resolved")):
        index.file_group(group_id, new, status[group_id])
        status[group_id] = new
    index.file_group("grp_4", "unresolved", "resolved")  # regressed
    status["grp_4"] = "unresolved"
    index.forget_group("grp_1", "resolved")  # deleted, with its events
    for event in events:
        if event.group_id == "grp_1":
            index.remove(event)
    del status["grp_1"]
    for wanted in ("unresolved", "resolved", "ignored"):
        condition: Condition = frozenset({("status", wanted)})
        expected = [event.seq for event in reversed(events) if status.get(event.group_id) == wanted]
        assert _walked(index, (condition,)) == expected


def test_a_restored_tenant_searches_like_the_original_though_its_trigrams_come_later() -> None:
    """A restore files trigrams on the first free-text search: events captured or deleted in between count."""
    store, _ = make_store(seed=5)
    original = store.tenant("searcher")
    for number in range(60):
        capture(original, f"payment {number} declined" if number % 3 else f"timeout talking to db {number}")
    restored = store.load_tenant(original.dump(internal=True), api_key="restored")
    for tenant in (original, restored):
        capture(tenant, "payment 99 declined after restore")
        groups = tenant.list_groups(limit=100).items  # no search yet: the trigrams wait
        tenant.delete_group(next(group["id"] for group in groups if "timeout" in group["title"]))

    def found(tenant: Tenant, query: str) -> list[str]:
        return [item["message"] for item in walk(lambda cursor: tenant.search_events(query, cursor=cursor))]

    for query in ("payment", "declined after", "ment 4", "timeout", "zzz"):
        assert found(restored, query) == found(original, query)
    assert found(restored, "declined after") == ["payment 99 declined after restore"]


def test_words_captured_between_searches_are_found_and_deleted_ones_are_not() -> None:
    """Trigrams are filed when a search needs them: events captured, deleted or compacted in between count.

    Rounds of captures, group deletions (enough to compact the index while events wait to be filed)
    and free-text searches; each search equals a substring scan of the live events' messages.
    """
    store, _ = make_store(seed=8)
    tenant = store.tenant("words")
    live: dict[str, list[str]] = {}  # group id -> its live events' messages, oldest first
    for round_ in range(6):
        for number in range(400):
            message = (
                f"card q{round_}w{number} declined" if number % 4 else f"timeout zq{round_} kv{number % 9}"
            )
            group_id = capture(tenant, message, code=f"R{round_}N{number % 5}")["error_group_id"]
            live.setdefault(group_id, []).append(message)
        if round_ % 2:
            for group_id in sorted(live)[: len(live) // 3]:  # about 1,000 events: the index compacts
                tenant.delete_group(group_id)
                del live[group_id]
        # Words only a message holds (no code, id or level has a q, w, k, v or z): all must match.
        for query in ("declined", "timeout", f"q{round_}w1", "kv4", "zq3 kv5", "zzz"):
            found = sorted(
                item["message"]
                for item in walk(lambda cursor, q=query: tenant.search_events(q, cursor=cursor))
            )
            expected = sorted(
                message
                for messages in live.values()
                for message in messages
                if all(word in message for word in query.split())
            )
            assert found == expected, query
