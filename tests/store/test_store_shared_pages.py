"""Event pages are built once between changes and shared by polls; every change shows at once.

A tenant keeps the event pages (list, search, a group's events) it built since its last change.
These tests poll a page, make each kind of change, and poll again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import capture, ids, make_store

from mockserver.store import InvalidInput, Page, Tenant
from mockserver.store.documents import EncodedDocument, encoded_page


def _tenant_with_history() -> tuple[Tenant, list[str]]:
    store, _ = make_store(seed=12)
    tenant = store.tenant("polls")
    groups = [capture(tenant, "timeout", code=f"C{number % 3}")["error_group_id"] for number in range(9)]
    return tenant, list(dict.fromkeys(groups))


POLLS: dict[str, Callable[[Tenant], Page]] = {
    "list": lambda tenant: tenant.list_events(limit=4),
    "search": lambda tenant: tenant.search_events("timeout is:unresolved", limit=4),
    "status filter": lambda tenant: tenant.list_events(filter={"status": "unresolved"}, limit=4),
}


def test_polls_between_changes_share_one_page_and_its_encoding() -> None:
    """Two polls with nothing in between answer the same documents and the same encoded envelope."""
    tenant, _ = _tenant_with_history()
    for name, poll in POLLS.items():
        first, second = poll(tenant), poll(tenant)
        assert first.wire is second.wire, name
        assert first.items == second.items
        assert first.items is not second.items, "callers get their own list"


def test_every_kind_of_change_shows_in_the_next_poll() -> None:
    """Capture, resolve, delete and a retention purge each change what the next poll answers."""
    tenant, groups = _tenant_with_history()
    before = {name: ids(poll(tenant).items) for name, poll in POLLS.items()}
    newest = capture(tenant, "timeout", code="C9")["error_id"]
    for name, poll in POLLS.items():
        assert ids(poll(tenant).items)[0] == newest, name
    tenant.set_status(groups[0], "resolved")
    resolved = {event["id"] for event in tenant.group_events(groups[0], limit=100).items}
    assert not resolved & set(ids(POLLS["search"](tenant).items))
    assert not resolved & set(ids(POLLS["status filter"](tenant).items))
    tenant.delete_group(groups[1])
    assert all(event["error_group_id"] != groups[1] for event in POLLS["list"](tenant).items)
    tenant.advance_clock(timedelta(days=2).total_seconds())
    tenant.set_retention(1)  # every event is now two days old: all purged
    assert [poll(tenant).items for poll in POLLS.values()] == [[], [], []]
    assert before["list"] != []


def test_a_groups_event_page_follows_its_group() -> None:
    """A group's events page shows a new event of that group, and its cursor walk stays exact."""
    tenant, groups = _tenant_with_history()
    page = tenant.group_events(groups[2], limit=2)
    assert tenant.group_events(groups[2], limit=2).wire is page.wire
    newest = capture(tenant, "timeout", code="C2")["error_id"]
    assert ids(tenant.group_events(groups[2], limit=2).items)[0] == newest
    assert page.next_cursor is not None
    rest = tenant.group_events(groups[2], cursor=page.next_cursor, limit=100)
    assert newest not in ids(rest.items)


@settings(max_examples=50, deadline=None)
@given(
    messages=st.lists(st.text(min_size=1, max_size=30).filter(lambda text: "\x00" not in text), max_size=5),
    cursor=st.none() | st.text(max_size=20),
)
def test_an_encoded_page_is_byte_for_byte_a_compact_dump(messages: list[str], cursor: str | None) -> None:
    """The envelope's text, joined from its items' own encodings, equals json.dumps of it."""
    items = [
        EncodedDocument({"id": f"evt_{number}", "message": text}) for number, text in enumerate(messages)
    ]
    page = encoded_page(items, cursor)
    assert page.encoded == json.dumps({"items": items, "next_cursor": cursor}, separators=(",", ":"))


def test_repeated_exports_share_rows_but_not_ids_and_follow_every_change() -> None:
    """Two exports between changes: same rows, new export ids; after a change, the new rows."""
    tenant, groups = _tenant_with_history()
    for format in ("csv", "json"):
        first = tenant.export(filter={"code": "C1"}, format=format)
        second = tenant.export(filter={"code": "C1"}, format=format)
        assert first["export_id"] != second["export_id"]
        assert first["row_count"] == second["row_count"] == 3
        content = "csv" if format == "csv" else "events"
        assert first[content] == second[content]
    tenant.export(format="json")["events"].clear()  # a careless caller empties its own list only
    assert tenant.export(format="json")["row_count"] == len(tenant.export(format="json")["events"]) == 9
    capture(tenant, "timeout", code="C1")
    assert tenant.export(filter={"code": "C1"}, format="csv")["row_count"] == 4
    tenant.set_status(groups[1], "resolved")
    assert (
        tenant.export(filter={"status": "unresolved"}, format="json")["row_count"] == 6
    )  # C1 (4 events) resolved
    tenant.delete_group(groups[1])
    assert tenant.export(filter={"code": "C1"}, format="csv")["row_count"] == 0


FILTERS = [
    None,
    {},
    {"code": "C1"},
    {"code": ["C1", "C2"], "level": "error"},
    {"status": "unresolved", "since": "2020-01-01T00:00:00Z"},
]


def test_an_exports_text_is_byte_for_byte_a_compact_dump_on_first_and_shared_answers() -> None:
    """The answer's JSON text, spliced from the shared rows' own encoding, equals json.dumps of it."""
    tenant, _ = _tenant_with_history()
    capture(tenant, 'quote " and \\ backslash, comma, =formula, ünïcode', code="C1")
    for format in ("csv", "json"):
        for raw in FILTERS:
            for _ in range(2):  # built, then shared
                answer = tenant.export(filter=raw, format=format)
                assert isinstance(answer, EncodedDocument)
                assert answer.encoded == json.dumps(answer, separators=(",", ":"))


def test_an_invalid_filter_is_refused_every_time_and_an_odd_one_still_answers() -> None:
    """Filters are parsed until one succeeds: a refused filter is never remembered as valid."""
    tenant, _ = _tenant_with_history()
    for raw in ({"level": "loud"}, {"code": 7}, {"nope": "x"}, {"code": []}):
        for _ in range(2):
            with pytest.raises(InvalidInput, match=r"^filter\."):
                tenant.export(filter=raw, format="csv")
    odd = tenant.export(filter={"code": ("C1",)}, format="json")  # a tuple from Python: not shared
    assert odd["row_count"] == tenant.export(filter={"code": ["C1"]}, format="json")["row_count"] == 3
