"""A tenant's event lists: filtered and searched pages, one group's events, and export rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from .cursors import Page
from .documents import encoded_page
from .export import ExportRows, filter_key, rows_to_csv
from .filters import EventQuery, parse_filter, parse_search
from .indexes import EventIndex
from .memo import ChangeMemo
from .model import Event, Group
from .paging import Pager, Scope, take_page

__all__ = ["EventListing"]

_SHARED_EXPORT_ROWS = 1000  # exports up to this many rows are kept between changes


def _described(raw: Mapping[str, Any] | None) -> Any:
    return dict(raw) if isinstance(raw, Mapping) else raw


class EventListing:
    """Pages of a tenant's events, newest first, shared between changes through the tenant's memo.

    Callers check the limit (`paging.check_limit`) first, so a bad limit is reported before anything
    the listing itself checks (the filter, the search string, the cursor).
    """

    def __init__(
        self, index: EventIndex, pager: Pager, memo: ChangeMemo, groups: Mapping[str, Group]
    ) -> None:
        # The tenant's own objects, never the tenant: a reference back to it (a bound method, say)
        # would make a cycle, and the store's objects must die by reference counting alone.
        self._index = index
        self._pager = pager
        self._memo = memo
        self._groups = groups

    def list(self, filter: Mapping[str, Any] | None, cursor: str | None, limit: int) -> Page:
        """Return one page of the events matching `filter`."""
        query = parse_filter(filter)
        scope = Pager.scope("list_events", {"filter": _described(filter)})
        return self._shared(scope, cursor, limit, lambda: self._page(query, scope, cursor, limit))

    def search(self, q: str, filter: Mapping[str, Any] | None, cursor: str | None, limit: int) -> Page:
        """Return one page of the events matching the search string and the filter."""
        filtered = parse_filter(filter)
        searched, tokens = parse_search(q)
        scope = Pager.scope("search_events", {"q": q, "filter": _described(filter)})

        def build() -> Page:
            resolved = EventQuery(conditions=tuple(self._index.resolve(token) for token in tokens))
            return self._page(filtered.merged(searched).merged(resolved), scope, cursor, limit)

        return self._shared(scope, cursor, limit, build)

    def of_group(self, group: Group, cursor: str | None, limit: int) -> Page:
        """Return one page of a group's events."""
        scope = Pager.scope("group_events", {"group": group.id})

        def build() -> Page:
            before = self._pager.read(cursor, scope, "seq")
            return self._events_page(group.events_before(before[0] if before else None), scope, limit)

        return self._shared(scope, cursor, limit, build)

    def export_rows(self, filter: Mapping[str, Any] | None, format: Literal["json", "csv"]) -> ExportRows:
        """Return every event matching the filter, in list order, as JSON documents or CSV text.

        Repeated exports between changes share their rows (small ones: a big export's documents are
        not worth holding). A filter seen since the last change was valid then and matches the same
        events now: it is not parsed again.
        """
        described = filter_key(filter)
        key = None if described is None else ("export", format, described)
        rows: ExportRows | None = None if key is None else self._memo.recall(key)
        if rows is not None:
            return rows
        query = parse_filter(filter)
        candidates, followed = self._index.walk(query.conditions, None, query.until)
        matched = list(self._matching(candidates, query, followed))
        if format == "json":
            documents = [event.passing_doc() for event in matched]
            rows = (len(matched), documents, "[" + ",".join(doc.encoded for doc in documents) + "]")
        else:
            text = rows_to_csv(event.csv_line() for event in matched)
            rows = (len(matched), text, text.encoded)
        if key is not None and len(matched) <= _SHARED_EXPORT_ROWS:
            self._memo.keep(key, rows)
        return rows

    def _status_of(self, group_id: str) -> str | None:
        group = self._groups.get(group_id)
        return None if group is None else group.status

    def _shared(self, scope: Scope, cursor: str | None, limit: int, build: Callable[[], Page]) -> Page:
        """Return the page `build` makes, shared between changes, its envelope encoded once."""
        key = ("page", scope, cursor, limit)
        page: Page | None = self._memo.recall(key)
        if page is None:
            built = build()
            page = Page(built.items, built.next_cursor, encoded_page(built.items, built.next_cursor))
            self._memo.keep(key, page)
        return Page(list(page.items), page.next_cursor, page.wire)

    def _page(self, query: EventQuery, scope: Scope, cursor: str | None, limit: int) -> Page:
        before = self._pager.read(cursor, scope, "seq")
        candidates, followed = self._index.walk(
            query.conditions, before[0] if before else None, query.until, query.terms
        )
        if query.is_empty:  # the unfiltered list, the hot path: no per-event checks to make
            return self._events_page(candidates, scope, limit)
        return self._events_page(self._matching(candidates, query, followed), scope, limit)

    def _events_page(self, events: Iterable[Event], scope: Scope, limit: int) -> Page:
        items, last_seq = take_page(((event.seq, event.doc) for event in events), limit)
        return Page(items, None if last_seq is None else self._pager.mint(scope, {"seq": last_seq}))

    def _matching(
        self, candidates: Iterator[Event], query: EventQuery, followed: int | None
    ) -> Iterator[Event]:
        """Keep the candidates matching `query`; those of an index walk all hold condition `followed`."""
        check = query.checker(self._status_of, followed)
        since = query.since
        if since is None:
            return candidates if check is None else filter(check, candidates)
        return _since(candidates, since, check)


def _since(
    candidates: Iterator[Event], since: datetime, check: Callable[[Event], bool] | None
) -> Iterator[Event]:
    for event in candidates:
        if event.ts < since:
            return  # capture order is time order, so every further candidate is older still
        if check is None or check(event):
            yield event
