"""A tenant's group listings: orderings sorted once per change, walks fixed by their first page.

Counts and `last_seen` move while a client walks a listing, so the first page fixes the order
(a snapshot of group ids, kept in a bounded `SnapshotCache` and named by the cursor); later pages
follow it. Between changes (the tenant's `ChangeMemo`), orderings and whole pages (their envelope
built and encoded once) are shared by every poll.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .cursors import Page
from .documents import EncodedDocument
from .memo import ChangeMemo
from .model import Group
from .paging import GROUP_SORTS, Pager, Scope, SnapshotCache, take_page
from .shared import Shared

__all__ = ["GroupListing"]

_SCOPES: dict[tuple[str | None, str], Scope] = {}  # the cursor scope of each listing: twelve in all


class GroupListing:
    """The ordered, paged views of one tenant's groups (the groups dict is the tenant's own)."""

    def __init__(
        self, shared: Shared, key: str, groups: dict[str, Group], pager: Pager, memo: ChangeMemo
    ) -> None:
        self._shared = shared
        self._key = key
        self._groups = groups
        self._pager = pager
        self._memo = memo
        self.snapshots = SnapshotCache()
        # Sorted orderings by (status, sort), each with the memo version it was sorted at.
        self._orders: dict[tuple[str | None, str], tuple[int, tuple[str, ...]]] = {}

    def page(self, status: str | None, sort: str, cursor: str | None, limit: int) -> Page:
        """Return a page of checked arguments (`status` None: every status); a cursor continues its walk."""
        scope = _SCOPES.get((status, sort))
        if scope is None:
            scope = _SCOPES[(status, sort)] = Pager.scope("list_groups", {"status": status, "sort": sort})
        position = self._pager.read(cursor, scope, "snapshot", "after")
        if position is None:
            ordered = self._ordering(status, sort)
            snapshot_id, start = (self._remember(ordered) if len(ordered) > limit else 0), 0
        else:
            snapshot_id, start = position[0], position[1] + 1
            ordered = self.snapshots.recall(snapshot_id)
        key = ("groups", status, sort, limit, snapshot_id, start)
        page: Page | None = self._memo.recall(key)
        if page is None:
            page = self._build(ordered, start, status, scope, snapshot_id=snapshot_id, limit=limit)
            self._memo.keep(key, page)
        return Page(list(page.items), page.next_cursor, page.wire)

    def _build(
        self,
        ordered: Sequence[str],
        start: int,
        status: str | None,
        scope: Scope,
        *,
        snapshot_id: int,
        limit: int,
    ) -> Page:
        groups = self._groups

        def live() -> Iterator[tuple[int, dict[str, Any]]]:
            for offset in range(start, len(ordered)):
                group = groups.get(ordered[offset])
                if group is not None and status in (None, group.status):
                    yield offset, group.as_json()

        items, last = take_page(live(), limit)
        next_cursor = (
            None if last is None else self._pager.mint(scope, {"snapshot": snapshot_id, "after": last})
        )
        return Page(items, next_cursor, EncodedDocument({"items": items, "next_cursor": next_cursor}))

    def _ordering(self, status: str | None, sort: str) -> tuple[str, ...]:
        """Return the ids of the groups in `status` (None: all) in `sort` order, sorted once per change."""
        cached = self._orders.get((status, sort))
        if cached is not None and cached[0] == self._memo.version:
            return cached[1]
        matching = [group for group in self._groups.values() if status in (None, group.status)]
        ordered = tuple(group.id for group in sorted(matching, key=GROUP_SORTS[sort], reverse=True))
        self._orders[(status, sort)] = (self._memo.version, ordered)
        return ordered

    def _remember(self, ordered: tuple[str, ...]) -> int:
        snapshot_id, is_new, evicted = self.snapshots.remember(ordered)
        if is_new:  # an equal ordering already stored is reused, and persisted already
            self._shared.changes.snapshot_saved(self._key, snapshot_id, ordered)
        if evicted is not None:
            self._shared.changes.snapshot_dropped(self._key, evicted)
        return snapshot_id
