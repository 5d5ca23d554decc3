"""A seeded server restarted on its file goes on with its id sequence: no id is handed out twice.

Without a stored position the seeded factory would start its sequence again after a restart and give
a new event or group the id of one deleted before it, so old links would point at the new one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from persist_helpers import open_store

from mockserver import MockServer, MockTenantError
from mockserver.store import IdFactory, Store

KEY = "ids-key"


def _history(store: Store) -> list[str]:
    """Capture into two groups, delete both (their ids are then nowhere in the file), export once."""
    tenant = store.tenant(KEY)
    ids: list[str] = []
    for text in ("first", "second", "first"):
        result = tenant.capture({"text": text}, source="message")
        ids += [result["error_id"], result["error_group_id"]]
    for group_id in dict.fromkeys(ids[1::2]):
        tenant.delete_group(group_id)
    ids.append(tenant.export()["export_id"])
    return ids


def _more(store: Store) -> list[str]:
    tenant = store.tenant(KEY)
    result = tenant.capture({"text": "first"}, source="message")
    return [result["error_id"], result["error_group_id"], tenant.export()["export_id"]]


def test_a_restarted_seeded_server_never_hands_out_an_id_it_gave_before(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, _ = open_store(path, seed=7)
    before = _history(store)
    database.close()
    store, database, _ = open_store(path, seed=7)
    try:
        after = _more(store)
    finally:
        database.close()
    assert not set(after) & set(before)


def test_a_restart_does_not_change_which_ids_a_seed_hands_out(tmp_path: Path) -> None:
    """The same seed gives the same ids whether or not the server restarted in between."""
    memory = Store(ids=IdFactory(7))
    uninterrupted = _history(memory) + _more(memory)

    path = tmp_path / "mock.db"
    store, database, _ = open_store(path, seed=7)
    first = _history(store)
    database.close()
    store, database, _ = open_store(path, seed=7)
    try:
        assert first + _more(store) == uninterrupted
    finally:
        database.close()


def test_an_export_alone_moves_the_stored_id_position(tmp_path: Path) -> None:
    """An export changes nothing else, yet its id was handed out: the file must know it."""
    path = tmp_path / "mock.db"
    store, database, _ = open_store(path, seed=7)
    store.tenant(KEY).capture({"text": "one"}, source="message")
    database.commit()
    exported = store.tenant(KEY).export()["export_id"]
    assert database.dirty
    database.commit()
    assert not database.dirty
    database.close()
    store, database, _ = open_store(path, seed=7)
    try:
        assert store.tenant(KEY).export()["export_id"] != exported
    finally:
        database.close()


def test_a_reset_starts_the_seeded_sequence_again_and_a_restart_keeps_that(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, _ = open_store(path, seed=7)
    first = _history(store)
    store.reset()  # drops every tenant: the seed's ids start over, as without a database
    again = _history(store)
    database.close()
    store, database, _ = open_store(path, seed=7)
    try:
        later = _more(store)
    finally:
        database.close()
    assert again == first
    assert not set(later) & set(again)


def test_a_file_without_a_stored_position_forks_the_seeded_sequence(tmp_path: Path) -> None:
    """A format-1 file kept no position: the ids of its deleted rows are unknown, so none is risked."""
    path = tmp_path / "mock.db"
    store, database, _ = open_store(path, seed=7)
    before = _history(store)
    database.close()
    rows = sqlite3.connect(path)
    try:
        rows.execute("DELETE FROM meta WHERE name = 'ids'")
        rows.commit()
    finally:
        rows.close()
    store, database, _ = open_store(path, seed=7)
    try:
        after = _more(store)
    finally:
        database.close()
    assert not set(after) & set(before)
    store, database, _ = open_store(path, seed=7)  # the fork's position is stored like any other
    try:
        event_id, group_id, export_id = _more(store)
        assert group_id == after[1]  # the same group, still stored
        assert not {event_id, export_id} & set(after + before)
    finally:
        database.close()


def test_another_seed_on_the_same_file_draws_its_own_ids(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    store, database, _ = open_store(path, seed=7)
    before = _history(store)
    database.close()
    store, database, _ = open_store(path, seed=8)
    try:
        after = _more(store)
    finally:
        database.close()
    assert not set(after) & set(before)


def test_a_seeded_mock_server_restarted_on_its_file_gives_a_new_event_a_new_id(tmp_path: Path) -> None:
    """Over HTTP: the deleted event's id answers 404 after the restart, not with a newer event."""
    path = tmp_path / "mock.db"
    with MockServer(database=path, seed=11) as server:
        tenant = server.tenant(KEY)
        first = tenant.request("POST", "/v1/errors/message", {"text": "gone soon"})
        tenant.request("DELETE", f"/v1/errors/delete/{first['error_group_id']}")
    with MockServer(database=path, seed=11) as server:
        tenant = server.tenant(KEY)
        second = tenant.request("POST", "/v1/errors/message", {"text": "gone soon"})
        with pytest.raises(MockTenantError) as missing:
            tenant.request("GET", f"/v1/errors/get/{first['error_id']}")
    assert missing.value.status == 404
    assert second["error_id"] != first["error_id"]
    assert second["error_group_id"] != first["error_group_id"]
