"""Writes through `MockServer`'s Python API reach the file without waiting for an HTTP request.

Each test takes a crash copy of the file while the server still holds it (the main file and its
write-ahead log, as a SIGKILL would leave them) and restores a new store from the copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from persist_helpers import open_store

from mockserver import MockServer

KEY = "python-api-key"


def _events_after_a_crash(path: Path, copy: Path) -> list[str]:
    """The messages of KEY's events in a copy of the file as it is on disk now."""
    shutil.copy(path, copy)
    wal = Path(f"{path}-wal")
    if wal.exists():
        shutil.copy(wal, Path(f"{copy}-wal"))
    store, database, _ = open_store(copy, seed=None)
    try:
        if not store.has_tenant(KEY):
            return []
        return [event["message"] for event in store.tenant(KEY).export()["events"]]
    finally:
        database.close()


def test_writes_under_the_server_lock_are_in_the_file_when_the_lock_is_left(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    with MockServer(database=path) as server:
        with server.lock:
            server.store.tenant(KEY).capture({"text": "direct"}, source="message")
            with server.lock:  # re-entrant: the outermost hold commits
                server.store.tenant(KEY).capture({"text": "nested"}, source="message")
        assert _events_after_a_crash(path, tmp_path / "copy.db") == ["nested", "direct"]


def test_commit_writes_what_was_changed_without_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    with MockServer(database=path) as server:
        server.store.tenant(KEY).capture({"text": "unlocked"}, source="message")
        server.commit()
        assert _events_after_a_crash(path, tmp_path / "copy.db") == ["unlocked"]


def test_a_tenant_loaded_through_the_python_api_is_in_the_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    document = {
        "version": 1,
        "events": [{"message": "loaded", "timestamp": "2026-01-01T00:00:00.000Z"}],
    }
    with MockServer(database=path) as server:
        server.load_tenant(document, api_key=KEY)
        assert _events_after_a_crash(path, tmp_path / "copy.db") == ["loaded"]


def test_changes_made_while_stopped_are_committed_by_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    server = MockServer(database=path)
    with server:
        pass
    with server.lock:  # the file is released: the change waits in memory
        server.store.tenant(KEY).capture({"text": "while stopped"}, source="message")
    with server:
        assert _events_after_a_crash(path, tmp_path / "copy.db") == ["while stopped"]


def test_the_python_api_without_a_database_commits_nothing_and_works_as_before(tmp_path: Path) -> None:
    with MockServer() as server:
        with server.lock:
            server.store.tenant(KEY).capture({"text": "in memory"}, source="message")
        server.commit()
        assert len(server.tenant(KEY).events()) == 1
