"""The database file: its tables, its format version, and opening it (create, migrate or refuse).

A database is a SQLite file in WAL mode marked with `APPLICATION_ID` and `PRAGMA user_version`
= the format version. Opening one:

- a missing or empty file becomes a new database of the current format;
- a file of an older format is migrated in place, one step at a time, in one transaction;
- a file of a newer format, a SQLite file of another application, a file that is not SQLite,
  or one another process holds open, is refused with `DatabaseUnusable` (one line, no traceback).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

__all__ = ["APPLICATION_ID", "FORMAT_VERSION", "MIGRATIONS", "DatabaseUnusable", "connect"]

# "IEMK": infrai errors mock. SQLite stores it in the file header (PRAGMA application_id).
APPLICATION_ID = 0x49454D4B
FORMAT_VERSION = 2
_BUSY_TIMEOUT_S = 0.5

# The current format (2). Tenants are numbered by their cursor generation, which no other tenant
# ever gets (a reset hands out new ones), so rows name a tenant by that integer instead of
# repeating its key. `tenants.clock` is the tenant's own frozen time (ISO 8601, microseconds), NULL
# while it follows the server's clock. `meta` holds the cursor secret, the generation serial, the
# server's manual clock and the seeded id factory's position.
SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE tenants (
    generation INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL,
    snapshot_serial INTEGER NOT NULL,
    retention_days INTEGER NOT NULL,
    auto_export INTEGER NOT NULL,
    export_destination TEXT,
    clock TEXT
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


def _tenant_clocks(connection: sqlite3.Connection) -> None:
    """Format 1 -> 2: tenants may have their own frozen clock (format 1 files have none, so NULL)."""
    connection.execute("ALTER TABLE tenants ADD COLUMN clock TEXT")


# Format n -> n + 1, each run inside the opening transaction (all steps commit together or not at all).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _tenant_clocks}


class DatabaseUnusable(RuntimeError):
    """The database file cannot be opened, or is not one this version can read."""


def _create_private(path: Path) -> None:
    """Create an empty file readable by its owner only: the database holds API keys."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise DatabaseUnusable(f"cannot create the database {path}: {exc.strerror}") from None


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating or migrating) the database at `path` and hold it exclusively."""
    where = Path(path)
    if where.is_dir():
        raise DatabaseUnusable(f"the database {where} is a directory, not a file")
    _create_private(where)
    try:
        connection = sqlite3.connect(
            where, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_S
        )
    except sqlite3.Error as exc:
        raise DatabaseUnusable(f"cannot open the database {where}: {exc}") from None
    try:
        # Exclusive before WAL: the lock is held from the first transaction until close, and the
        # WAL index lives in this process's memory, so a second server on the same file is refused.
        connection.execute("PRAGMA locking_mode = EXCLUSIVE")
        if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise DatabaseUnusable(f"the database {where} cannot use write-ahead logging")
        # NORMAL in WAL mode: a commit is durable once written to the log, whatever happens to the
        # process (SIGKILL included); only an operating-system crash may lose the latest commits.
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("BEGIN IMMEDIATE")
        _prepare(connection, where)
        connection.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        connection.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseUnusable(f"the database {where} is in use by another process") from None
        raise DatabaseUnusable(f"cannot open the database {where}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise DatabaseUnusable(f"{where} is not an infrai-mock database ({exc})") from None
    except DatabaseUnusable:
        connection.close()
        raise
    return connection


def _prepare(connection: sqlite3.Connection, where: Path) -> None:
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
    if application_id == 0 and version == 0 and tables == 0:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
        return
    if application_id != APPLICATION_ID:
        raise DatabaseUnusable(
            f"{where} is a SQLite file of another application, not an infrai-mock database"
        )
    if version > FORMAT_VERSION:
        raise DatabaseUnusable(
            f"the database {where} has format {version}, written by a newer infrai-mock; "
            f"this version reads formats up to {FORMAT_VERSION}"
        )
    while version < FORMAT_VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            raise DatabaseUnusable(f"the database {where} has format {version}, which cannot be migrated")
        migrate(connection)
        version += 1
        connection.execute(f"PRAGMA user_version = {version}")
