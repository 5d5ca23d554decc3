"""The database file's format version, and every file the mock refuses: one clear line, never a traceback."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from persist_helpers import open_store, picture

from mockserver.cli import main
from mockserver.persist import FORMAT_VERSION, Database, DatabaseUnusable, schema
from mockserver.persist.schema import APPLICATION_ID


def test_a_new_database_is_marked_with_the_application_id_and_the_current_format(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Database(path).close()
    rows = sqlite3.connect(path)
    try:
        assert rows.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert rows.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION == 2
        assert rows.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        rows.close()


def test_a_new_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The file holds API keys."""
    path = tmp_path / "private.db"
    Database(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _sqlite_file(path: Path, *, application_id: int, version: int) -> Path:
    rows = sqlite3.connect(path)
    try:
        rows.execute("CREATE TABLE something (x)")
        rows.execute(f"PRAGMA application_id = {application_id}")
        rows.execute(f"PRAGMA user_version = {version}")
        rows.commit()
    finally:
        rows.close()
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(DatabaseUnusable) as refused:
        Database(path)
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_a_file_from_a_newer_version_is_refused_naming_both_formats(tmp_path: Path) -> None:
    path = _sqlite_file(tmp_path / "newer.db", application_id=APPLICATION_ID, version=FORMAT_VERSION + 1)
    message = _refusal(path)
    assert f"format {FORMAT_VERSION + 1}" in message
    assert "newer infrai-mock" in message
    assert f"up to {FORMAT_VERSION}" in message


def test_an_older_format_without_a_migration_is_refused(tmp_path: Path) -> None:
    path = _sqlite_file(tmp_path / "older.db", application_id=APPLICATION_ID, version=0)
    assert "cannot be migrated" in _refusal(path)


# Format 1 as 0.x wrote it (mockserver/persist/schema.py before tenant clocks), kept here verbatim
# so the migration is tested against the real old layout, not against today's schema minus a column.
FORMAT_1 = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE tenants (
    generation INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL,
    snapshot_serial INTEGER NOT NULL,
    retention_days INTEGER NOT NULL,
    auto_export INTEGER NOT NULL,
    export_destination TEXT
);
CREATE TABLE groups (
    tenant INTEGER NOT NULL,
    id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    title TEXT NOT NULL,
    exception_type TEXT,
    status TEXT NOT NULL,
    substatus TEXT,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE events (
    tenant INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX events_by_group ON events (tenant, group_id);
CREATE TABLE idempotency (
    tenant INTEGER NOT NULL,
    key TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE TABLE snapshots (
    tenant INTEGER NOT NULL,
    id INTEGER NOT NULL,
    ordered TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE auto_exports (id INTEGER PRIMARY KEY, batch TEXT NOT NULL);
"""
_FORMAT_1_TABLES = ("meta", "tenants", "groups", "events", "idempotency", "snapshots", "auto_exports")


def _format_1_copy(source: Path, target: Path) -> None:
    """Write `source`'s rows into a new format-1 file (every format-1 column, nothing newer)."""
    rows = sqlite3.connect(target)
    try:
        rows.executescript(FORMAT_1)
        rows.execute("ATTACH DATABASE ? AS source", (str(source),))
        for table in _FORMAT_1_TABLES:
            columns = ", ".join(row[1] for row in rows.execute(f"PRAGMA main.table_info({table})"))
            rows.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM source.{table}")
        rows.commit()
        rows.execute("DETACH DATABASE source")
        rows.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        rows.execute("PRAGMA user_version = 1")
        rows.commit()
    finally:
        rows.close()


def test_a_format_1_file_is_migrated_to_format_2_and_keeps_every_answer(tmp_path: Path) -> None:
    current = tmp_path / "current.db"
    store, database, _ = open_store(current)
    tenant = store.tenant("old-key")
    for number in range(5):
        tenant.capture({"text": f"boom {number % 2}", "tags": {"n": str(number)}}, source="message")
    tenant.set_status(tenant.list_groups().items[0]["id"], "resolved")
    tenant.set_retention(7, True, "s3://old")
    store.tenant("second-key").capture({"text": "also here"}, source="message", idempotency_key="k")
    before = picture(store)
    database.close()
    old = tmp_path / "old.db"
    _format_1_copy(current, old)

    store, database, _ = open_store(old)
    try:
        assert picture(store) == before
        assert not store.tenant("old-key").has_own_clock
        store.tenant("old-key").advance_clock(5)  # the new column is written like any other
    finally:
        database.close()
    rows = sqlite3.connect(old)
    try:
        assert rows.execute("PRAGMA user_version").fetchone()[0] == 2
        assert rows.execute("SELECT count(*) FROM events").fetchone()[0] == 6
        assert rows.execute("SELECT clock FROM tenants WHERE key = 'old-key'").fetchone()[0] is not None
    finally:
        rows.close()


def test_a_failed_migration_leaves_the_file_at_its_old_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration runs inside the opening transaction: a step that fails changes nothing."""
    current = tmp_path / "current.db"
    Database(current).close()
    old = tmp_path / "old.db"
    _format_1_copy(current, old)

    def broken(connection: sqlite3.Connection) -> None:
        connection.execute("ALTER TABLE tenants ADD COLUMN clock TEXT")
        raise sqlite3.OperationalError("disk I/O error (a stand-in)")

    monkeypatch.setitem(schema.MIGRATIONS, 1, broken)
    assert "disk I/O error" in _refusal(old)
    rows = sqlite3.connect(old)
    try:
        assert rows.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "clock" not in [row[1] for row in rows.execute("PRAGMA table_info(tenants)")]
    finally:
        rows.close()


def test_a_sqlite_file_of_another_application_is_refused(tmp_path: Path) -> None:
    path = _sqlite_file(tmp_path / "other.db", application_id=0, version=0)
    assert "another application" in _refusal(path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some text, long enough to be read as a header " * 20)
    assert "not an infrai-mock database" in _refusal(path)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    assert "is a directory" in _refusal(tmp_path)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    assert "cannot create" in _refusal(tmp_path / "no" / "such" / "place.db")


def test_a_file_another_process_holds_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from mockserver.persist import Database; d = Database(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert "in use by another process" in _refusal(path)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    Database(path).close()  # released when its holder died


def test_the_cli_refuses_an_unusable_database_with_exit_2_and_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _sqlite_file(tmp_path / "newer.db", application_id=APPLICATION_ID, version=FORMAT_VERSION + 7)
    with pytest.raises(SystemExit) as exited:
        main(["--database", str(path), "--port", "0"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert err.startswith("infrai-mock: error: the database")
