"""The store's change observer that turns each reported mutation into SQL, committed in batches.

Reports are buffered as statements in the order they happen; `commit` writes everything buffered
since the last commit in one transaction. The server commits once per request before it answers,
so a request's changes reach the file all together or not at all, and never after its answer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from ..store.model import Event, Group
from ..store.retention import Retention

__all__ = ["ChangeWriter"]

Statement = tuple[str, tuple[Any, ...]]

_INSERT_TENANT = (
    "INSERT OR REPLACE INTO tenants (generation, key, seq, snapshot_serial, retention_days, auto_export, "
    "export_destination) VALUES (?, ?, 0, 0, ?, ?, ?)"
)
_INSERT_EVENT = "INSERT INTO events (tenant, seq, group_id, doc) VALUES (?, ?, ?, ?)"
_SAVE_GROUP = (
    "INSERT OR REPLACE INTO groups (tenant, id, fingerprint, title, exception_type, status, substatus) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_DELETE_GROUP_EVENTS = "DELETE FROM events WHERE tenant = ? AND group_id = ?"
_DELETE_GROUP = "DELETE FROM groups WHERE tenant = ? AND id = ?"
_PURGE = "DELETE FROM events WHERE tenant = ? AND seq <= ?"
_SET_RETENTION = (
    "UPDATE tenants SET retention_days = ?, auto_export = ?, export_destination = ? WHERE generation = ?"
)
_SET_TENANT_CLOCK = "UPDATE tenants SET clock = ? WHERE generation = ?"
_SAVE_IDEMPOTENCY = "INSERT OR REPLACE INTO idempotency (tenant, key, result) VALUES (?, ?, ?)"
_SAVE_SNAPSHOT = "INSERT OR REPLACE INTO snapshots (tenant, id, ordered) VALUES (?, ?, ?)"
_DROP_SNAPSHOT = "DELETE FROM snapshots WHERE tenant = ? AND id = ?"
_SAVE_EXPORT = "INSERT INTO auto_exports (batch) VALUES (?)"
_SET_META = "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)"
_UPDATE_COUNTERS = (
    "UPDATE tenants SET seq = max(seq, ?), snapshot_serial = max(snapshot_serial, ?) WHERE generation = ?"
)
_TENANT_TABLES = ("events", "groups", "idempotency", "snapshots")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class ChangeWriter:
    """Implements the store's `Changes` protocol over one SQLite connection."""

    def __init__(self, connection: sqlite3.Connection, generations: dict[str, int]) -> None:
        self.connection = connection
        self._generations = dict(generations)  # API key -> the tenant's number in the tables
        self._pending: list[Statement] = []
        # Per tenant number: the highest event sequence and snapshot id seen, written at commit.
        self._counters: dict[int, tuple[int, int]] = {}

    @property
    def dirty(self) -> bool:
        """True while reported changes wait for a commit."""
        return bool(self._pending or self._counters)

    def set_meta(self, name: str, value: Any) -> None:
        """Buffer a server-wide setting (the manual clock's time, say)."""
        self._pending.append((_SET_META, (name, value)))

    def commit(self) -> None:
        """Write every buffered change in one transaction; on failure keep them for the next try."""
        if not self._pending and not self._counters:
            return
        statements = self._pending
        counters = [(seq, serial, tenant) for tenant, (seq, serial) in self._counters.items()]
        connection = self.connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            for sql, batch in groupby(statements, key=lambda statement: statement[0]):
                connection.executemany(sql, [params for _, params in batch])
            if counters:
                connection.executemany(_UPDATE_COUNTERS, counters)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        self._pending = []
        self._counters.clear()

    # -- the Changes protocol ---------------------------------------------------------------------

    def tenant_created(self, tenant: str, generation: int) -> None:
        """Insert the tenant's row with default retention, and remember the generation counter."""
        self._generations[tenant] = generation
        defaults = Retention()
        self._pending.append(
            (
                _INSERT_TENANT,
                (generation, tenant, defaults.days, defaults.auto_export_before_cleanup, None),
            )
        )
        self._pending.append((_SET_META, ("serial", generation)))

    def tenant_dropped(self, tenant: str) -> None:
        """Delete the tenant's rows."""
        number = self._generations.pop(tenant, None)
        if number is None:
            return
        self._counters.pop(number, None)
        for table in _TENANT_TABLES:
            self._pending.append((f"DELETE FROM {table} WHERE tenant = ?", (number,)))
        self._pending.append(("DELETE FROM tenants WHERE generation = ?", (number,)))

    def event_added(self, tenant: str, event: Event) -> None:
        """Insert the event's row (its wire document as stored JSON)."""
        number = self._generations[tenant]
        self._pending.append((_INSERT_EVENT, (number, event.seq, event.group_id, event.encoded)))
        self._counters[number] = (event.seq, self._counters.get(number, (0, 0))[1])

    def group_saved(self, tenant: str, group: Group) -> None:
        """Insert or replace the group's row."""
        self._pending.append(
            (
                _SAVE_GROUP,
                (
                    self._generations[tenant],
                    group.id,
                    group.fingerprint,
                    group.title,
                    group.exception_type,
                    group.status,
                    group.substatus,
                ),
            )
        )

    def group_deleted(self, tenant: str, group_id: str) -> None:
        """Delete the group's events and its row."""
        number = self._generations[tenant]
        self._pending.append((_DELETE_GROUP_EVENTS, (number, group_id)))
        self._pending.append((_DELETE_GROUP, (number, group_id)))

    def events_purged(self, tenant: str, through_seq: int) -> None:
        """Delete the tenant's events up to `through_seq`."""
        self._pending.append((_PURGE, (self._generations[tenant], through_seq)))

    def retention_set(self, tenant: str, retention: Retention) -> None:
        """Update the tenant's retention columns."""
        self._pending.append(
            (
                _SET_RETENTION,
                (
                    retention.days,
                    retention.auto_export_before_cleanup,
                    retention.export_destination,
                    self._generations[tenant],
                ),
            )
        )

    def idempotency_recorded(self, tenant: str, key: str, result: dict[str, Any]) -> None:
        """Insert the remembered result."""
        self._pending.append((_SAVE_IDEMPOTENCY, (self._generations[tenant], key, _dumps(result))))

    def snapshot_saved(self, tenant: str, snapshot_id: int, ordered: Sequence[str]) -> None:
        """Insert the walk's ordering and advance the tenant's snapshot counter."""
        number = self._generations[tenant]
        self._pending.append((_SAVE_SNAPSHOT, (number, snapshot_id, _dumps(list(ordered)))))
        self._counters[number] = (self._counters.get(number, (0, 0))[0], snapshot_id)

    def snapshot_dropped(self, tenant: str, snapshot_id: int) -> None:
        """Delete an evicted ordering."""
        self._pending.append((_DROP_SNAPSHOT, (self._generations[tenant], snapshot_id)))

    def tenant_clock_set(self, tenant: str, now: datetime | None) -> None:
        """Update the tenant's clock column (microseconds kept, so a restart resumes at the same instant)."""
        self._pending.append(
            (_SET_TENANT_CLOCK, (None if now is None else now.isoformat(), self._generations[tenant]))
        )

    def auto_exported(self, batch: dict[str, Any]) -> None:
        """Append the export batch."""
        self._pending.append((_SAVE_EXPORT, (_dumps(batch),)))

    def store_reset(self) -> None:
        """Delete every tenant's rows and the export log; the generation counter stays."""
        self._generations.clear()
        self._counters.clear()
        for table in (*_TENANT_TABLES, "tenants", "auto_exports"):
            self._pending.append((f"DELETE FROM {table}", ()))
