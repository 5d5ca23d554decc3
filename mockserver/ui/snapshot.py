"""What the inspector shows, read through the store's own public methods under the state lock.

Nothing here restates a rule of the API: group lists come from `Tenant.list_groups`, filters
and search from `Tenant.list_events` / `Tenant.search_events` (so a filter the API refuses is
refused here with the same message), hourly counts from `Tenant.group_detail`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from ..control.journal import JournalEntry
from ..control.state import ServerState
from ..store import DomainError, Page, Tenant
from .access import mask_key, tenant_handle

__all__ = [
    "MAX_GROUPS",
    "MAX_SCANNED_EVENTS",
    "GroupFilters",
    "GroupRow",
    "JournalRow",
    "TenantRow",
    "find_tenant",
    "group_rows",
    "journal_rows",
    "sparkline_points",
    "spec_enum",
    "store_session",
    "tenant_rows",
]

MAX_GROUPS: Final = 500  # groups listed per page of the inspector
MAX_SCANNED_EVENTS: Final = 10_000  # events read to answer a level/environment/search filter
PAGE: Final = 100  # the API's largest page
SPARK_WIDTH: Final = 96
SPARK_HEIGHT: Final = 20


@dataclass(frozen=True, slots=True)
class TenantRow:
    """One tenant as the picker lists it."""

    handle: str
    masked: str
    groups: int
    events: int


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One line of the group stream: the ErrorGroup document and its sparkline."""

    group: Mapping[str, Any]
    hourly: list[int]
    points: str


@dataclass(frozen=True, slots=True)
class GroupFilters:
    """The stream's filters, as given in the query string (empty means no filter)."""

    status: str = ""
    level: str = ""
    environment: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> GroupFilters:
        """Read the filters from a request's query."""
        return cls(
            status=query.get("status", "").strip(),
            level=query.get("level", "").strip(),
            environment=query.get("environment", "").strip(),
            q=query.get("q", "").strip(),
        )

    @property
    def event_filter(self) -> dict[str, Any]:
        """Return the API's filter document for the event-level criteria."""
        found: dict[str, Any] = {}
        if self.level:
            found["level"] = self.level
        if self.environment:
            found["environment"] = self.environment
        return found

    @property
    def narrows_events(self) -> bool:
        """Tell whether only groups with matching events are shown."""
        return bool(self.level or self.environment or self.q)


@dataclass(frozen=True, slots=True)
class JournalRow:
    """One journal entry, with the tenant masked and the error code pulled out of the envelope."""

    time: float
    method: str
    path: str
    status: int
    operation_id: str | None
    tenant: str | None
    error_code: str | None
    duration_ms: float


@dataclass(slots=True)
class GroupListing:
    """The group stream of one tenant, or the API's complaint about the filters."""

    rows: list[GroupRow] = field(default_factory=list)
    error: str | None = None
    truncated: bool = False


@contextmanager
def store_session(state: ServerState) -> Iterator[None]:
    """Hold the state lock around store calls and commit to the database after them, as the API does.

    Reads commit too: any store call may purge expired events first, and the file must not lag.
    """
    with state.lock:
        try:
            yield
        finally:
            state.commit()


def spec_enum(state: ServerState, schema: str) -> list[str]:
    """Return the `enum` of a named schema in the spec (the choices a filter offers), or none."""
    schemas = state.spec.document.get("components", {}).get("schemas", {})
    values = schemas.get(schema, {}).get("enum", [])
    return [value for value in values if isinstance(value, str)]


def tenant_rows(state: ServerState) -> list[TenantRow]:
    """List every tenant with state, masked, with its group and event counts."""
    rows = []
    with store_session(state):
        for key in state.store.tenants():
            groups = list(_all_groups(state.store.tenant(key), None))
            rows.append(
                TenantRow(tenant_handle(key), mask_key(key), len(groups), sum(g["count"] for g in groups))
            )
    return rows


def find_tenant(state: ServerState, handle: str) -> str | None:
    """Return the API key behind a handle, if that tenant exists (the inspector never creates tenants)."""
    with store_session(state):
        return next((key for key in state.store.tenants() if tenant_handle(key) == handle), None)


def group_rows(state: ServerState, key: str, filters: GroupFilters) -> GroupListing:
    """Return the tenant's groups, newest activity first, narrowed by `filters`."""
    listing = GroupListing()
    with store_session(state):
        tenant = state.store.tenant(key)
        try:
            wanted = _matching_group_ids(tenant, filters) if filters.narrows_events else None
            for group in _all_groups(tenant, filters.status or None):
                if wanted is not None and group["id"] not in wanted:
                    continue
                if len(listing.rows) == MAX_GROUPS:
                    listing.truncated = True
                    break
                hourly = [bucket["count"] for bucket in tenant.group_detail(group["id"])["hourly"]]
                listing.rows.append(GroupRow(group, hourly, sparkline_points(hourly)))
        except DomainError as exc:
            listing.error = exc.message
            listing.rows.clear()
    return listing


def _all_groups(tenant: Tenant, status: str | None) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        page = tenant.list_groups(status=status, sort="last_seen_desc", cursor=cursor, limit=PAGE)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _matching_group_ids(tenant: Tenant, filters: GroupFilters) -> set[str]:
    wanted: set[str] = set()
    cursor: str | None = None
    scanned = 0
    event_filter = filters.event_filter or None
    while scanned < MAX_SCANNED_EVENTS:
        page: Page
        if filters.q:
            page = tenant.search_events(filters.q, filter=event_filter, cursor=cursor, limit=PAGE)
        else:
            page = tenant.list_events(filter=event_filter, cursor=cursor, limit=PAGE)
        for event in page.items:
            wanted.add(event["error_group_id"])
        scanned += len(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return wanted


def sparkline_points(counts: list[int]) -> str:
    """SVG polyline points for hourly counts, oldest left, scaled to the tallest hour."""
    if not counts:
        return ""
    top = max(counts) or 1
    step = SPARK_WIDTH / max(len(counts) - 1, 1)
    return " ".join(
        f"{index * step:.1f},{SPARK_HEIGHT - 1 - (count / top) * (SPARK_HEIGHT - 2):.1f}"
        for index, count in enumerate(counts)
    )


def journal_rows(state: ServerState, key: str | None = None, limit: int = 100) -> list[JournalRow]:
    """Return the newest journal entries (one tenant's when `key` is given), newest first."""
    entries = state.journal.calls_to(tenant=key) if key is not None else state.journal.entries
    return [_journal_row(entry) for entry in reversed(entries[-limit:])]


def _journal_row(entry: JournalEntry) -> JournalRow:
    body = entry.response_body
    error = body.get("error") if isinstance(body, dict) and body.get("ok") is False else None
    code = error.get("code") if isinstance(error, dict) else None
    return JournalRow(
        time=entry.time,
        method=entry.method,
        path=entry.path,
        status=entry.status,
        operation_id=entry.operation_id,
        tenant=mask_key(entry.tenant) if entry.tenant is not None else None,
        error_code=code if isinstance(code, str) else None,
        duration_ms=entry.duration_ms,
    )
