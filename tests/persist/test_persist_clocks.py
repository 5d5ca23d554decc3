"""A tenant's own clock (frozen, advanced, set, or back on the server's) survives a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from persist_helpers import open_store, picture

from mockserver import MockServer

KEY = "clock-key"
LATER = datetime(2030, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)


def _restarted_now(path: Path) -> tuple[bool, datetime]:
    store, database, _ = open_store(path)
    try:
        tenant = store.tenant(KEY)
        return tenant.has_own_clock, tenant.now()
    finally:
        database.close()


def test_a_frozen_tenant_clock_survives_a_restart_at_the_same_instant(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, server_clock = open_store(path)
    frozen = store.tenant(KEY).freeze_clock()
    database.close()
    server_clock.advance(3600)  # the next process's server clock is elsewhere; the tenant's is not
    assert _restarted_now(path) == (True, frozen)


def test_an_advanced_tenant_clock_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, _ = open_store(path)
    store.tenant(KEY).capture({"text": "before the move"}, source="message")
    moved = store.tenant(KEY).advance_clock(90.5)
    database.close()
    assert _restarted_now(path) == (True, moved)


def test_a_set_tenant_clock_keeps_its_microseconds_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, _ = open_store(path)
    store.tenant(KEY).set_clock(LATER)
    database.close()
    assert _restarted_now(path) == (True, LATER)


def test_a_tenant_back_on_the_server_clock_stays_there_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, server_clock = open_store(path)
    tenant = store.tenant(KEY)
    tenant.capture({"text": "kept"}, source="message")
    tenant.set_clock(LATER)
    document = tenant.dump()
    document["clock"] = None  # a state document without a clock: the tenant follows the server's
    store.load_tenant(document)
    database.close()
    assert _restarted_now(path) == (False, server_clock.now())


def test_a_reset_tenant_follows_the_server_clock_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, server_clock = open_store(path)
    store.tenant(KEY).set_clock(LATER)
    store.reset_tenant(KEY)
    store.tenant(KEY).capture({"text": "on the server clock"}, source="message")
    database.close()
    assert _restarted_now(path) == (False, server_clock.now())


def test_a_loaded_state_document_keeps_its_clock_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, _ = open_store(path)
    store.tenant(KEY).capture({"text": "one"}, source="message")
    document = store.tenant(KEY).dump()
    document["clock"] = {"now": "2026-05-01T00:00:00.000Z"}
    store.load_tenant(document)
    before = picture(store)
    database.close()
    store, database, _ = open_store(path)
    try:
        assert store.tenant(KEY).now() == datetime(2026, 5, 1, tzinfo=UTC)
        assert picture(store) == before
    finally:
        database.close()


def test_one_tenants_clock_leaves_the_others_on_the_server_clock_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, server_clock = open_store(path)
    store.tenant(KEY).advance_clock(60)
    store.tenant("other-key").capture({"text": "elsewhere"}, source="message")
    database.close()
    store, database, _ = open_store(path)
    try:
        assert not store.tenant("other-key").has_own_clock
        assert store.tenant("other-key").now() == server_clock.now()
        assert store.tenant(KEY).now() == server_clock.now() + timedelta(seconds=60)
    finally:
        database.close()


def test_a_tenant_clock_moved_over_the_control_api_survives_a_server_restart(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    with MockServer(database=path) as server:  # the system clock: only the tenant's own is frozen
        moved = server.tenant(KEY).set_clock(LATER)
    with MockServer(database=path) as server:
        answer = server.tenant(KEY).request("GET", "/__admin/tenant/clock")
    assert answer["tenant_clock"] is True
    assert datetime.fromisoformat(answer["now"]) == moved
