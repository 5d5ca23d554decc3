"""Whatever a store went through, a new store restored from its SQLite file reads exactly the same.

Property: for any sequence of captures (with and without idempotency keys), status changes,
deletes, bulk actions, retention changes, clock moves (the server's and a tenant's own: purges,
auto-exports), group walks and resets (all, or one tenant) over two tenants, committed after each
operation, the restored store answers every read like the original, repeats every idempotency key's
first result, and accepts the original's cursors.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from persist_helpers import open_store, picture

from mockserver.store import DomainError, Store

KEYS = ("tenant-a", "tenant-b")

capture_op = st.tuples(
    st.just("capture"),
    st.sampled_from(KEYS),
    st.integers(0, 5),  # fingerprint
    st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3", "k4"])),  # idempotency key
    st.sampled_from(["error", "warning", "info"]),
)
status_op = st.tuples(
    st.sampled_from(["resolved", "unresolved", "ignored", "delete"]), st.sampled_from(KEYS), st.integers(0, 8)
)
bulk_op = st.tuples(
    st.just("bulk"),
    st.sampled_from(KEYS),
    st.sampled_from(["resolve", "unresolve", "ignore", "delete"]),
    st.lists(st.integers(0, 8), min_size=1, max_size=3),
)
retention_op = st.tuples(
    st.just("retention"),
    st.sampled_from(KEYS),
    st.integers(1, 3),
    st.booleans(),
    st.sampled_from([None, "s3://x"]),
)
clock_op = st.tuples(st.just("clock"), st.integers(0, 3 * 86400))
tenant_clock_op = st.tuples(st.just("tenant_clock"), st.sampled_from(KEYS), st.integers(0, 3 * 86400))
tenant_reset_op = st.tuples(st.just("tenant_reset"), st.sampled_from(KEYS))
walk_op = st.tuples(st.just("walk"), st.sampled_from(KEYS))
reset_op = st.tuples(st.just("reset"))
operations = st.lists(
    st.one_of(
        capture_op,
        capture_op,
        status_op,
        bulk_op,
        retention_op,
        clock_op,
        tenant_clock_op,
        walk_op,
        reset_op,
        tenant_reset_op,
    ),
    max_size=40,
)


def _group_id(store: Store, key: str, index: int) -> str:
    groups = store.tenant(key).list_groups(sort="first_seen_desc", limit=100).items
    return groups[index % len(groups)]["id"] if groups else f"grp_missing{index}"


def _apply(store: Store, op: tuple[Any, ...], cursors: list[tuple[str, str, str]]) -> None:
    kind = op[0]
    if kind == "capture":
        _, key, fingerprint, idem, level = op
        body = {"message": f"failure {fingerprint}", "fingerprint": [f"fp{fingerprint}"], "level": level}
        store.tenant(key).capture(body, source="capture", idempotency_key=idem)
    elif kind in ("resolved", "unresolved", "ignored"):
        store.tenant(op[1]).set_status(_group_id(store, op[1], op[2]), kind)
    elif kind == "delete":
        store.tenant(op[1]).delete_group(_group_id(store, op[1], op[2]))
    elif kind == "bulk":
        _, key, action, picks = op
        store.tenant(key).bulk([_group_id(store, key, pick) for pick in picks], action)
    elif kind == "retention":
        _, key, days, auto, destination = op
        store.tenant(key).set_retention(days, auto, destination)
    elif kind == "clock":
        store.clock.advance(op[1])  # type: ignore[attr-defined]
        store.purge_expired()
    elif kind == "tenant_clock":
        store.tenant(op[1]).advance_clock(op[2])
    elif kind == "tenant_reset":
        store.reset_tenant(op[1])  # its cursors stay in the list: expired before and after the restart
    elif kind == "walk":
        tenant = store.tenant(op[1])
        groups = tenant.list_groups(limit=1)
        if groups.next_cursor is not None:
            cursors.append((op[1], "groups", groups.next_cursor))
        events = tenant.list_events(limit=1)
        if events.next_cursor is not None:
            cursors.append((op[1], "events", events.next_cursor))
    elif kind == "reset":
        store.reset()
        cursors.clear()


def _follow(store: Store, key: str, kind: str, cursor: str) -> list[dict[str, Any]] | str:
    tenant = store.tenant(key)
    try:
        page = (
            tenant.list_groups(limit=1, cursor=cursor)
            if kind == "groups"
            else tenant.list_events(limit=1, cursor=cursor)
        )
    except DomainError as exc:
        return exc.message
    return page.items


@settings(max_examples=40, deadline=None)  # real SQLite files: timing varies with the machine
@given(operations)
def test_a_restored_store_reads_like_the_original(ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        store, database, _ = open_store(path)
        cursors: list[tuple[str, str, str]] = []
        for op in ops:
            with contextlib.suppress(DomainError):  # a refused call may have purged first: committed too
                _apply(store, op, cursors)
            database.commit()
        before = picture(store)
        followed = [_follow(store, *cursor) for cursor in cursors]
        database.close()
        rows = sqlite3.connect(path)
        try:  # no row outlives what it stored: purged and deleted events are gone from the file
            stored = rows.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            rows.close()
        assert stored == sum(len(before[key]["events"]) for key in store.tenants())

        restored, again, _ = open_store(path)
        try:
            assert picture(restored) == before
            assert [_follow(restored, *cursor) for cursor in cursors] == followed
            for key in KEYS:
                for idem in ("k1", "k2", "k3", "k4"):
                    body = {"message": "again"}
                    first = store.tenant(key).capture(body, source="capture", idempotency_key=idem)
                    second = restored.tenant(key).capture(body, source="capture", idempotency_key=idem)
                    assert second["duplicate"] == first["duplicate"]
                    if first["duplicate"]:
                        assert second == first
        finally:
            again.close()


def test_retention_purges_delete_the_rows(tmp_path: Path) -> None:
    store, database, clock = open_store(tmp_path / "state.db")
    tenant = store.tenant("tenant-a")
    tenant.set_retention(1)
    for number in range(6):
        tenant.capture({"message": f"old {number}", "fingerprint": [f"fp{number % 2}"]}, source="capture")
    clock.advance(12 * 3600)
    tenant.capture({"message": "new", "fingerprint": ["fp0"]}, source="capture")
    database.commit()
    clock.advance(13 * 3600)
    # Purges the six first: group fp1 goes with its events, group fp0 keeps only the new one.
    tenant.retention()
    database.commit()
    rows = sqlite3.connect(tmp_path / "state.db")
    try:
        database.close()
        assert rows.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        assert rows.execute("SELECT count(*) FROM groups").fetchone()[0] == 1
    finally:
        rows.close()


def test_a_reset_survives_a_restart_and_expires_older_cursors(tmp_path: Path) -> None:
    store, database, _ = open_store(tmp_path / "state.db")
    tenant = store.tenant("tenant-a")
    for number in range(3):
        tenant.capture({"message": f"m {number}"}, source="capture")
    cursor = tenant.list_events(limit=1).next_cursor
    store.reset()
    store.tenant("tenant-a").capture({"message": "after"}, source="capture")
    database.close()

    restored, again, _ = open_store(tmp_path / "state.db")
    try:
        assert len(restored.tenant("tenant-a").export()["events"]) == 1
        with pytest.raises(DomainError) as refused:
            restored.tenant("tenant-a").list_events(limit=1, cursor=cursor)
        assert refused.value.details == {"field": "cursor", "rule": "expired"}
    finally:
        again.close()
