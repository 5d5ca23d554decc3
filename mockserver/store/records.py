"""A tenant's durable state as plain data: what a restore rebuilds a `Tenant` from.

Everything else a tenant holds (indexes, per-group counters, fingerprint lookups) follows from
these records, so a restore recomputes it rather than storing it. `mockserver.persist` reads
these records from its database; `Tenant.restore` turns one into a live tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .retention import Retention

__all__ = ["GroupRecord", "TenantRecord"]


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """One group's own fields (its counters follow from its events)."""

    id: str
    fingerprint: str
    title: str
    exception_type: str | None
    status: str
    substatus: str | None


@dataclass(slots=True)
class TenantRecord:
    """One tenant: its settings, groups, events (ascending sequence) and remembered results.

    Attributes:
        key: The API key.
        generation: The cursor generation (cursors minted for another generation read as expired).
        seq: The highest event sequence ever handed out (deleted events' numbers are not reused).
        retention: The retention settings.
        groups: Every stored group.
        events: (sequence, wire document, that document's compact JSON text), ascending sequence;
            each document's `error_group_id` names one of `groups`.
        idempotency: First results by idempotency key.
        snapshots: Group-walk orderings by snapshot id, least recently used first.
        snapshot_serial: The last snapshot id handed out.
        clock: The tenant's own frozen time, or None while it reads the server's clock.

    """

    key: str
    generation: int
    seq: int = 0
    retention: Retention = field(default_factory=Retention)
    groups: list[GroupRecord] = field(default_factory=list)
    events: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)
    idempotency: dict[str, dict[str, Any]] = field(default_factory=dict)
    snapshots: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    snapshot_serial: int = 0
    clock: datetime | None = None
