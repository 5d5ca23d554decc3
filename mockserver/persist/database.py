"""`Database`: one server's durable state in a SQLite file, restored at start and committed per request.

The store never sees SQL: `restore` rebuilds the store from the file (through `Store.restore`, the
store's one rebuild path) and attaches a `ChangeWriter` as its change observer; `commit` writes
what the store reported since the last commit. The server holds its state lock around both.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..store import DomainError, ManualClock, Store
from ..store.clock import iso_ms
from .loader import load
from .schema import DatabaseUnusable, connect
from .writer import ChangeWriter

__all__ = ["Database", "DatabaseWriteFailed"]

log = logging.getLogger("mockserver.persist")

_SECRET = "cursor_secret"
_CLOCK = "manual_clock"
_IDS = "ids"  # a seeded id factory's position: {"seed", "stream", "drawn"} as JSON


class DatabaseWriteFailed(DomainError):
    """A commit failed (disk full, say): the request is answered 500 and its changes are retried."""

    code = "INTERNAL"


class Database:
    """An open database file (held exclusively by this process until `close`)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = connect(self.path)
        self._writer: ChangeWriter | None = None
        self._store: Store | None = None
        self._clock_written: str | None = None
        self._ids_written: tuple[str, int] | None = None  # the id factory's position in the file

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = connect(self.path)
        return self._connection

    def cursor_secret(self, proposed: bytes) -> bytes:
        """Return the secret that signs this database's cursors, storing `proposed` on first use."""
        connection = self._open()
        row = connection.execute("SELECT value FROM meta WHERE name = ?", (_SECRET,)).fetchone()
        if row is not None:
            return bytes(row[0])
        connection.execute("INSERT INTO meta (name, value) VALUES (?, ?)", (_SECRET, proposed))
        return proposed

    def restore(self, store: Store) -> int:
        """Load the file into the empty `store`, observe its changes from now on; return the events read."""
        if store.tenants():
            raise ValueError("a database restores into an empty store only")
        with _collector_paused():
            return self._restore(store)

    def _restore(self, store: Store) -> int:
        try:
            loaded = load(self._open())
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            raise DatabaseUnusable(f"the database {self.path} could not be read: {exc!r}") from None
        clock = store.clock
        stored_time = loaded.meta.get(_CLOCK)
        if isinstance(clock, ManualClock) and isinstance(stored_time, str):
            when = datetime.fromisoformat(stored_time)
            if when > clock.now():
                clock.set(when)
            self._clock_written = stored_time
        self._ids_written = _resume_ids(store, loaded.meta.get(_IDS), loaded.serial)
        try:
            store.restore(loaded.tenants, loaded.serial, loaded.auto_exports)
        except (ValueError, TypeError, KeyError) as exc:
            store.reset()
            raise DatabaseUnusable(f"the database {self.path} is inconsistent: {exc!r}") from None
        self._writer = ChangeWriter(
            self._open(), {record.key: record.generation for record in loaded.tenants}
        )
        store.observe(self._writer)
        self._store = store
        return loaded.event_count

    @property
    def is_open(self) -> bool:
        """True unless `close` released the file (until `reopen`)."""
        return self._connection is not None

    @property
    def dirty(self) -> bool:
        """True while the store holds changes (or a manual clock's move) not yet committed."""
        writer, store = self._writer, self._store
        if writer is None or store is None:
            return False
        if writer.dirty or store.ids.position() != self._ids_written:
            return True
        clock = store.clock
        return isinstance(clock, ManualClock) and iso_ms(clock.now()) != self._clock_written

    def commit(self) -> None:
        """Write everything the store reported since the last commit, in one transaction."""
        writer = self._writer
        if writer is None:
            return
        store = self._store
        if store is not None and isinstance(store.clock, ManualClock):
            now = iso_ms(store.clock.now())
            if now != self._clock_written:
                writer.set_meta(_CLOCK, now)
                self._clock_written = now
        position = store.ids.position() if store is not None else None
        if store is not None and position is not None and position != self._ids_written:
            writer.set_meta(_IDS, _ids_text(store.ids.seed, position))
            self._ids_written = position
        if not writer.dirty:
            return
        try:
            if self._connection is None:
                raise sqlite3.OperationalError("the database is closed")
            writer.commit()
        except sqlite3.Error as exc:
            self._clock_written = self._ids_written = None  # written again with the retried changes
            log.error("could not write the database %s: %s", self.path, exc)
            raise DatabaseWriteFailed(f"the database could not be written: {exc}") from None

    def close(self) -> None:
        """Commit what is pending and release the file (`reopen` takes it again)."""
        if self._connection is None:
            return
        try:
            self.commit()
        finally:
            self._connection.close()
            self._connection = None

    def reopen(self) -> None:
        """Take the file again after `close` (the store's state in memory carries on)."""
        connection = self._open()
        if self._writer is not None:
            self._writer.connection = connection


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a restore allocates its millions of objects.

    None of them is garbage, yet each of the collections their allocation triggers would walk every
    one made so far: about a third of a restore's time at 100,000 events (docs/reliability.md).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _ids_text(seed: int | None, position: tuple[str, int]) -> str:
    """Return a seeded id factory's position as stored in `meta` (JSON)."""
    stream, drawn = position
    return json.dumps({"seed": str(seed), "stream": stream, "drawn": drawn}, separators=(",", ":"))


def _resume_ids(store: Store, stored: object, serial: int) -> tuple[str, int] | None:
    """Put a seeded id factory where the file's last server left it; return the position in the file.

    Without a stored position for this seed (a format-1 file, or another seed) while the file has held
    tenants, the ids of deleted events and groups are unknown, so the factory forks to a fresh stream
    rather than start its seed's sequence again and hand some of them out a second time.
    """
    ids = store.ids
    if ids.seed is None:
        return None
    try:
        position = json.loads(stored) if isinstance(stored, str) else None
    except ValueError:
        position = None
    if (
        isinstance(position, dict)
        and position.get("seed") == str(ids.seed)
        and isinstance(position.get("stream"), str)
        and isinstance(position.get("drawn"), int)
    ):
        ids.resume(position["stream"], position["drawn"])
        return ids.position()
    if serial > 0:
        ids.fork()
        return None  # the fork is written with the next commit
    return ids.position()  # a new file: the seed's own sequence from its start, as without a database
