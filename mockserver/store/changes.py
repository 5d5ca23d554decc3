"""The change-notification protocol: how the store tells an observer (the database) what it mutated.

The store stays pure and synchronous: at each mutation point a tenant (or the store) calls one
method of its `Changes`, with the already-mutated domain objects, and carries on. Nothing here
writes anywhere; `mockserver.persist` implements the protocol and decides when to commit. Without a
database the store holds `NO_CHANGES`, whose methods do nothing.

The hooks are deliberately few. Group aggregates (counts, users, tags, hourly buckets) are never
reported: they follow from the events, and a restore recomputes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .model import Event, Group
    from .retention import Retention

__all__ = ["NO_CHANGES", "Changes", "NoChanges"]


class Changes(Protocol):
    """What the store reports, in the order it happens; `tenant` is always the tenant's API key."""

    def tenant_created(self, tenant: str, generation: int) -> None:
        """Record that a tenant came into being with this cursor generation."""

    def tenant_dropped(self, tenant: str) -> None:
        """Record that one tenant and everything it held were dropped (the others stay)."""

    def event_added(self, tenant: str, event: Event) -> None:
        """Record a captured event (the tenant's newest, with its highest sequence)."""

    def group_saved(self, tenant: str, group: Group) -> None:
        """Record a new group, or a change of a group's status or substatus."""

    def group_deleted(self, tenant: str, group_id: str) -> None:
        """Record that a group went with all its events (a delete, or retention emptied it)."""

    def events_purged(self, tenant: str, through_seq: int) -> None:
        """Record that retention removed every event with a sequence up to `through_seq`."""

    def retention_set(self, tenant: str, retention: Retention) -> None:
        """Record new retention settings."""

    def idempotency_recorded(self, tenant: str, key: str, result: dict[str, Any]) -> None:
        """Record a capture's first result under its idempotency key."""

    def snapshot_saved(self, tenant: str, snapshot_id: int, ordered: Sequence[str]) -> None:
        """Record the order a group walk fixed (its later pages' cursors point at it)."""

    def snapshot_dropped(self, tenant: str, snapshot_id: int) -> None:
        """Record that a group walk's order was evicted from its bounded cache."""

    def tenant_clock_set(self, tenant: str, now: datetime | None) -> None:
        """Record the tenant's own clock's time (a freeze, advance or set); None: on the server's again."""

    def auto_exported(self, batch: dict[str, Any]) -> None:
        """Record an automatic export batch written by retention."""

    def store_reset(self) -> None:
        """Record that every tenant and the auto-export log were dropped."""


class NoChanges:
    """The observer of a store without a database: every report is ignored."""

    __slots__ = ()

    def tenant_created(self, tenant: str, generation: int) -> None:
        """Ignore."""

    def tenant_dropped(self, tenant: str) -> None:
        """Ignore."""

    def event_added(self, tenant: str, event: Event) -> None:
        """Ignore."""

    def group_saved(self, tenant: str, group: Group) -> None:
        """Ignore."""

    def group_deleted(self, tenant: str, group_id: str) -> None:
        """Ignore."""

    def events_purged(self, tenant: str, through_seq: int) -> None:
        """Ignore."""

    def retention_set(self, tenant: str, retention: Retention) -> None:
        """Ignore."""

    def idempotency_recorded(self, tenant: str, key: str, result: dict[str, Any]) -> None:
        """Ignore."""

    def snapshot_saved(self, tenant: str, snapshot_id: int, ordered: Sequence[str]) -> None:
        """Ignore."""

    def snapshot_dropped(self, tenant: str, snapshot_id: int) -> None:
        """Ignore."""

    def tenant_clock_set(self, tenant: str, now: datetime | None) -> None:
        """Ignore."""

    def auto_exported(self, batch: dict[str, Any]) -> None:
        """Ignore."""

    def store_reset(self) -> None:
        """Ignore."""


NO_CHANGES: Changes = NoChanges()
