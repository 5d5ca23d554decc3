"""One API key's isolated state: capture, grouping, lifecycle, listing, export and retention."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Literal

from .capture import parse_capture
from .clock import Clock, iso_ms, truncate_ms
from .cursors import Page
from .errors import InvalidInput, NotFound
from .event_listing import EventListing
from .export import envelope
from .group_listing import GroupListing
from .grouping import compute_fingerprint, make_title
from .indexes import EventIndex
from .lifecycle import BULK_ACTIONS, apply_status, bulk_ids, check_status, on_new_event, settled
from .memo import ChangeMemo
from .model import Event, Group
from .paging import GROUP_SORTS, Pager, check_limit
from .records import TenantRecord
from .retention import KEEP, Keep, Retention
from .shared import Shared
from .tenant_clock import TenantClock

__all__ = ["Tenant"]

FORMATS = ("json", "csv")
_MEMO = 128  # group and event pages and exports a tenant keeps between changes (then it starts over)


class Tenant:
    """Everything stored under one API key; every public call first purges expired events."""

    def __init__(self, shared: Shared, key: str, generation: int) -> None:
        self._shared = shared
        self.key = key
        self._pager = Pager(shared.cursors, key, generation)
        self._index = EventIndex()
        self._groups: dict[str, Group] = {}
        self._by_fingerprint: dict[str, Group] = {}
        self._seq = 0
        self._idempotent: dict[str, dict[str, Any]] = {}
        self._retention = Retention()
        # Group and event pages and small exports, kept until the next change.
        self._memo = ChangeMemo(_MEMO)
        self._listing = GroupListing(shared, key, self._groups, self._pager, self._memo)
        self._events = EventListing(self._index, self._pager, self._memo, self._groups)
        self._time = TenantClock(shared, key)  # the server's clock, or the tenant's own frozen one

    # -- the tenant's clock ------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The clock this tenant reads: its own once frozen, else the server's."""
        return self._time.current

    @property
    def has_own_clock(self) -> bool:
        """True once the tenant's time is its own (frozen, set or advanced), apart from the server's."""
        return self._time.own_time is not None

    def now(self) -> datetime:
        """Return the tenant's current time."""
        return self._time.now()

    def freeze_clock(self) -> datetime:
        """Give the tenant its own clock, frozen at its current time (a no-op once it has one)."""
        return self._time.freeze().now()

    def advance_clock(self, seconds: float) -> datetime:
        """Move this tenant's own clock forwards (freezing it first) and purge at the new time.

        Raises ValueError for a negative move and OverflowError past year 9999; other tenants
        and the server's clock are untouched.
        """
        now = self._time.advance(seconds)
        self._purge()
        return now

    def keep_own_clock(self, when: datetime | None) -> None:
        """Give the tenant its own clock frozen at `when`, or (None) make it follow the server's again.

        Reported to `shared.changes` like any move; tests move a clock with `advance_clock` / `set_clock`,
        and loaders pass the time in the `TenantRecord` they restore from.
        """
        self._time.keep(when)

    def set_clock(self, when: datetime) -> datetime:
        """Move this tenant's own clock to `when` (never backwards; freezing it first) and purge."""
        now = self._time.set(when)
        self._purge()
        return now

    @property
    def is_pristine(self) -> bool:
        """True while the tenant holds nothing a caller stored or set (not even its own clock)."""
        return (
            self._seq == 0
            and not self._idempotent
            and self._retention == Retention()
            and self._time.own_time is None
        )

    @classmethod
    def restore(cls, shared: Shared, record: TenantRecord) -> Tenant:
        """Rebuild a tenant from its durable record, telling `shared.changes` nothing.

        The one rebuild path of the store: the database restore (`mockserver.persist`) comes through
        here, and so should any other loader (a tenant state document, say), so that indexes,
        counters and cursor state are derived in one place. Events keep their own ids, sequences,
        timestamps and groups; every group must have at least one event.
        """
        tenant = cls(shared, record.key, record.generation)
        groups = tenant._groups
        for row in record.groups:
            groups[row.id] = Group(
                row.id, row.fingerprint, row.title, row.exception_type, row.status, row.substatus
            )
        restored = Event.restored
        events = [restored(seq, doc, encoded) for seq, doc, encoded in record.events]
        tenant._index.extend(events, defer_grams=True)  # filed on the first free-text search
        by_group: dict[str, list[Event]] = {}
        for event in events:
            by_group.setdefault(event.group_id, []).append(event)
        for group_id, members in by_group.items():
            groups[group_id].extend(members)
        for group in list(groups.values()):
            if group.count == 0:  # cannot be stored, but would break every group answer
                del groups[group.id]
                continue
            tenant._by_fingerprint[group.fingerprint] = group
            tenant._index.file_group(group.id, group.status)
        tenant._seq = max(record.seq, events[-1].seq if events else 0)
        tenant._idempotent = dict(record.idempotency)
        tenant._retention = record.retention
        tenant._listing.snapshots.restore(record.snapshots, record.snapshot_serial)
        tenant._time.restore(record.clock)
        return tenant

    # -- capture -----------------------------------------------------------------------------------

    def capture(
        self,
        body: Mapping[str, Any],
        *,
        source: Literal["capture", "message"],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Store one event (or replay the first result for a repeated idempotency key)."""
        self._purge()
        if idempotency_key is not None:
            if not isinstance(idempotency_key, str):
                raise InvalidInput("idempotency_key", "type", "must be a string")
            if (first := self._idempotent.get(idempotency_key)) is not None:
                return {**first, "duplicate": True}
        changes = self._shared.changes
        data = parse_capture(body, source)
        fingerprint = compute_fingerprint(
            message=data.message,
            exception_type=data.exception_type,
            exception_message=data.exception_message,
            stack=data.stack,
            code=data.code,
            fingerprint=data.fingerprint,
        )
        group = self._by_fingerprint.get(fingerprint)
        is_new = group is None
        if group is None:
            title = make_title(
                message=data.message,
                exception_type=data.exception_type,
                exception_message=data.exception_message,
            )
            group = Group(self._fresh_id("grp", self._groups), fingerprint, title, data.exception_type)
            self._groups[group.id] = self._by_fingerprint[fingerprint] = group
            self._index.file_group(group.id, group.status)
            changes.group_saved(self.key, group)
        else:
            self._restatus(group, on_new_event)
        self._seq += 1
        event = Event.create(
            seq=self._seq,
            event_id=self._fresh_id("evt", self._index.by_id),
            group_id=group.id,
            ts=truncate_ms(self.now()),
            data=data,
            fingerprint=group.fingerprint,  # equal to `fingerprint`, and one string per group
        )
        group.add(event)
        self._index.add(event)
        self._memo.changed()  # a new group, or one whose count and last_seen moved
        changes.event_added(self.key, event)
        result = {
            "ok": True,
            "error_id": event.id,
            "error_group_id": group.id,
            "is_new_group": is_new,
            "duplicate": False,
        }
        if idempotency_key is not None:
            self._idempotent[idempotency_key] = dict(result)
            changes.idempotency_recorded(self.key, idempotency_key, result)
        return result

    def _fresh_id(self, prefix: str, taken: Mapping[str, object]) -> str:
        while (candidate := self._shared.ids.new(prefix)) in taken:
            pass
        return candidate

    # -- single reads ------------------------------------------------------------------------------

    def get_event(self, event_id: str) -> dict[str, Any]:
        """Return one ErrorEvent."""
        self._purge()
        event = self._index.by_id.get(event_id) if isinstance(event_id, str) else None
        if event is None:
            raise NotFound("event", str(event_id))
        return event.doc

    def get_group(self, group_id: str) -> dict[str, Any]:
        """Return one ErrorGroup."""
        self._purge()
        return self._group(group_id).as_json()

    def group_detail(self, group_id: str) -> dict[str, Any]:
        """Return one ErrorGroupDetail (group plus tags, environments, releases, hourly, latest event)."""
        self._purge()
        return self._group(group_id).detail_json(self.now())

    def _group(self, group_id: str) -> Group:
        group = self._groups.get(group_id) if isinstance(group_id, str) else None
        if group is None:
            raise NotFound("error_group", str(group_id))
        return group

    # -- event lists -------------------------------------------------------------------------------

    def list_events(
        self, *, filter: Mapping[str, Any] | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page:
        """Return matching events newest first, one page at a time."""
        self._purge()
        return self._events.list(filter, cursor, check_limit(limit))

    def search_events(
        self, q: str, *, filter: Mapping[str, Any] | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page:
        """Return events matching the search string and the filter, newest first, one page at a time."""
        self._purge()
        return self._events.search(q, filter, cursor, check_limit(limit))

    def group_events(self, group_id: str, *, cursor: str | None = None, limit: int = 50) -> Page:
        """Return one group's events newest first, one page at a time."""
        self._purge()
        limit = check_limit(limit)
        return self._events.of_group(self._group(group_id), cursor, limit)

    # -- group lists -------------------------------------------------------------------------------

    def list_groups(
        self,
        *,
        status: str | None = None,
        sort: str = "last_seen_desc",
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        """Return groups in the requested order; later pages follow the order fixed by the first page."""
        self._purge()
        limit = check_limit(limit)
        if status is not None:
            check_status(status)
        if sort not in GROUP_SORTS:
            raise InvalidInput("sort", "enum", f"must be one of {', '.join(GROUP_SORTS)}")
        return self._listing.page(status, sort, cursor, limit)

    # -- lifecycle ---------------------------------------------------------------------------------

    def set_status(
        self, group_id: str, status: Literal["resolved", "unresolved", "ignored"]
    ) -> dict[str, Any]:
        """Resolve, unresolve or ignore a group; repeating the same call changes nothing."""
        self._purge()
        check_status(status)
        group = self._group(group_id)
        self._restatus(group, partial(apply_status, status=status))
        return group.as_json()

    def _restatus(self, group: Group, change: Callable[[Group], None]) -> None:
        """Apply a status change and keep the index's groups-by-status in step with it."""
        before, substatus = group.status, group.substatus
        change(group)
        if group.status != before:
            self._index.file_group(group.id, group.status, before)
        if (group.status, group.substatus) != (before, substatus):
            self._memo.changed()  # it may move between status listings; its document changed
            self._shared.changes.group_saved(self.key, group)

    def delete_group(self, group_id: str) -> dict[str, Any]:
        """Delete a group and all its events; the next matching event opens a new group."""
        self._purge()
        group = self._group(group_id)
        return {"ok": True, "error_group_id": group.id, "deleted_events": self._drop_group(group)}

    def _drop_group(self, group: Group) -> int:
        deleted = group.count
        for event in group.events[group.head :]:
            self._index.remove(event)
        del self._groups[group.id]
        self._memo.changed()
        self._index.forget_group(group.id, group.status)
        if self._by_fingerprint.get(group.fingerprint) is group:
            del self._by_fingerprint[group.fingerprint]
        self._shared.changes.group_deleted(self.key, group.id)
        return deleted

    def bulk(
        self, group_ids: Sequence[str], action: Literal["resolve", "unresolve", "ignore", "delete"]
    ) -> dict[str, Any]:
        """Apply one action to many groups; unknown ids are reported per id, never fatal."""
        self._purge()
        succeeded: list[str] = []
        failed: list[dict[str, Any]] = []
        wanted = bulk_ids(group_ids, action)
        target = BULK_ACTIONS[action]
        # A status change: the test of a group it would leave alone, and the change (one for every id).
        restatus = None if target is None else (settled(target), partial(apply_status, status=target))
        groups = self._groups
        for group_id in wanted:
            group = groups.get(group_id)
            if group is None:
                error = NotFound("error_group", group_id)
                failed.append({"error_group_id": group_id, "code": error.code, "message": error.message})
                continue
            if restatus is None:
                self._drop_group(group)
            elif not restatus[0](group):
                self._restatus(group, restatus[1])
            succeeded.append(group_id)
        return {"ok": True, "action": action, "succeeded": succeeded, "failed": failed}

    # -- export and retention ----------------------------------------------------------------------

    def export(
        self, *, filter: Mapping[str, Any] | None = None, format: Literal["json", "csv"] = "json"
    ) -> dict[str, Any]:
        """Export every event matching the filter, in list order, as JSON documents or CSV text."""
        self._purge()
        if format not in FORMATS:
            raise InvalidInput("format", "enum", f"must be one of {', '.join(FORMATS)}")
        rows = self._events.export_rows(filter, format)
        return envelope(self._shared.ids.new("exp"), format, iso_ms(self.now()), rows)

    def retention(self) -> dict[str, Any]:
        """Return the retention settings."""
        self._purge()
        return self._retention.as_json()

    def set_retention(
        self,
        days: int,
        auto_export_before_cleanup: bool | Keep = KEEP,
        export_destination: str | Keep | None = KEEP,
    ) -> dict[str, Any]:
        """Change retention and purge at once; KEEP keeps a setting, a None destination clears it."""
        self._purge()
        self._retention = self._retention.updated(days, auto_export_before_cleanup, export_destination)
        self._shared.changes.retention_set(self.key, self._retention)
        self._purge()
        return self._retention.as_json()

    def purge_expired(self) -> None:
        """Purge (and auto-export, if configured) the events outside the retention window now."""
        self._purge()

    def _purge(self) -> None:
        now = self.now()
        cutoff = self._retention.cutoff(now)
        oldest = self._index.oldest()
        if oldest is None or oldest.ts >= cutoff:
            return  # every call purges first: the common case is nothing to purge
        expired: list[Event] = []
        for event in self._index.oldest_first():
            if event.ts >= cutoff:
                break
            expired.append(event)
        if not expired:
            return
        changes = self._shared.changes
        if self._retention.auto_export_before_cleanup:
            batch = self._auto_export(expired, now)
            self._shared.auto_exports.append(batch)
            changes.auto_exported(batch)
        changes.events_purged(self.key, expired[-1].seq)
        self._memo.changed()  # counts and first_seen moved (and emptied groups go)
        for event in expired:
            group = self._groups[event.group_id]
            group.pop_oldest()
            self._index.remove(event)
            if group.count == 0:
                self._drop_group(group)

    def _auto_export(self, expired: list[Event], now: datetime) -> dict[str, Any]:
        return {
            "tenant": self.key,
            "destination": self._retention.export_destination,
            "created_at": iso_ms(now),
            "row_count": len(expired),
            "events": [event.passing_doc() for event in expired],
        }

    # -- state documents ---------------------------------------------------------------------------

    def groups_in_order(self) -> list[Group]:
        """Return the stored groups in creation order (for loaders and observers; do not mutate them)."""
        return list(self._groups.values())

    def events_oldest_first(self) -> list[Event]:
        """Return the stored events in capture order (for loaders and observers)."""
        return list(self._index.oldest_first())

    @property
    def retention_settings(self) -> Retention:
        """The retention settings, as the store keeps them."""
        return self._retention

    def idempotency_results(self) -> list[tuple[str, dict[str, Any]]]:
        """Return the remembered idempotency keys with their first results, oldest first."""
        return [(key, dict(result)) for key, result in self._idempotent.items()]

    def dump(self, *, internal: bool = False) -> dict[str, Any]:
        """Return this tenant as a state document (`spec/tenant-state.schema.json`), after purging.

        `internal=True` adds what only persistence needs to restore cursors exactly: each
        event's `seq` and the tenant's `generation`.
        """
        self._purge()
        from .state_dump import dump_document  # noqa: PLC0415 - state documents load on first use

        return dump_document(
            self.key,
            own_time=self._time.own_time,
            retention=self._retention,
            groups=self._groups.values(),
            events=self._index.oldest_first(),
            idempotency=self._idempotent,
            generation=self._pager.generation if internal else None,
        )
