"""Read a database back into the store's durable records (`TenantRecord`), in one pass per table."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..store.records import GroupRecord, TenantRecord
from ..store.retention import Retention

__all__ = ["Loaded", "load"]


@dataclass(slots=True)
class Loaded:
    """Everything a database holds, ready for `Store.restore`."""

    tenants: list[TenantRecord]
    serial: int
    auto_exports: list[dict[str, Any]]
    meta: dict[str, Any]

    @property
    def event_count(self) -> int:
        """The number of stored events."""
        return sum(len(record.events) for record in self.tenants)


def load(connection: sqlite3.Connection) -> Loaded:
    """Read every table (inside one read transaction, so the picture is consistent)."""
    connection.execute("BEGIN")
    try:
        return _read(connection)
    finally:
        connection.execute("COMMIT")


def _read(connection: sqlite3.Connection) -> Loaded:
    meta = dict(connection.execute("SELECT name, value FROM meta"))
    tenants: dict[int, TenantRecord] = {}
    for number, key, seq, snapshot_serial, days, auto_export, destination, clock in connection.execute(
        "SELECT generation, key, seq, snapshot_serial, retention_days, auto_export, export_destination, "
        "clock FROM tenants"
    ):
        tenants[number] = TenantRecord(
            key=key,
            generation=number,
            seq=seq,
            retention=Retention(days, bool(auto_export), destination),
            snapshot_serial=snapshot_serial,
            clock=None if clock is None else datetime.fromisoformat(clock),
        )
    for number, *fields in connection.execute(
        "SELECT tenant, id, fingerprint, title, exception_type, status, substatus FROM groups"
    ):
        tenants[number].groups.append(GroupRecord(*fields))
    loads = json.loads
    events: list[tuple[int, dict[str, Any], str]] = []
    current = None
    for number, seq, doc in connection.execute("SELECT tenant, seq, doc FROM events ORDER BY tenant, seq"):
        if number != current:
            events, current = tenants[number].events, number
        events.append((seq, loads(doc), doc))
    for number, key, result in connection.execute("SELECT tenant, key, result FROM idempotency"):
        tenants[number].idempotency[key] = loads(result)
    for number, snapshot_id, ordered in connection.execute(
        "SELECT tenant, id, ordered FROM snapshots ORDER BY tenant, id"
    ):
        tenants[number].snapshots.append((snapshot_id, tuple(loads(ordered))))
    auto_exports = [
        loads(batch) for (batch,) in connection.execute("SELECT batch FROM auto_exports ORDER BY id")
    ]
    return Loaded(list(tenants.values()), int(meta.get("serial", 0)), auto_exports, meta)
