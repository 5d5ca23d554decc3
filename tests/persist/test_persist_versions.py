"""The database file's format version, and every file the mock refuses: one clear line, never a traceback."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.cli import main
from mockserver.persist import FORMAT_VERSION, Database, DatabaseUnusable, schema
from mockserver.persist.schema import APPLICATION_ID


def test_a_new_database_is_marked_with_the_application_id_and_the_current_format(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Database(path).close()
    rows = sqlite3.connect(path)
    try:
        assert rows.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert rows.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION == 1
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


def test_an_older_format_is_migrated_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The migration path, with a stand-in step: format 0 becomes the current format when opened."""
    path = _sqlite_file(tmp_path / "older.db", application_id=APPLICATION_ID, version=FORMAT_VERSION - 1)

    def step(connection: sqlite3.Connection) -> None:
        connection.execute("DROP TABLE something")
        for statement in schema.SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)

    monkeypatch.setitem(schema.MIGRATIONS, FORMAT_VERSION - 1, step)
    Database(path).close()
    rows = sqlite3.connect(path)
    try:
        assert rows.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
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
