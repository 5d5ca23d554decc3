"""Listing and paging: order, limits, cursors, stable walks under concurrent change."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import capture, ids, make_store, walk

from mockserver.store import IdFactory, InvalidInput, ManualClock, Page, Store, Tenant
from mockserver.store.changes import NoChanges
from mockserver.store.paging import MAX_LIMIT


class SavedSnapshots(NoChanges):
    """A change observer that records the ids of the snapshots reported saved."""

    __slots__ = ("ids",)

    def __init__(self) -> None:
        self.ids: list[int] = []

    def snapshot_saved(self, tenant: str, snapshot_id: int, ordered: Sequence[str]) -> None:
        """Record the id."""
        self.ids.append(snapshot_id)


def cursor_error(call: object) -> dict[str, str]:
    """Run a zero-argument callable expected to reject its cursor and return the error details."""
    with pytest.raises(InvalidInput) as error:
        call()  # type: ignore[operator]
    return error.value.details


class TestEventOrder:
    def test_newest_first_ties_broken_by_capture_order(self, tenant: Tenant, clock: ManualClock) -> None:
        """Events list newest first; events at the same instant list latest capture first."""
        captured = [capture(tenant, f"m {index}")["error_id"] for index in range(3)]
        clock.advance(1)
        captured.append(capture(tenant, "later")["error_id"])
        assert ids(tenant.list_events().items) == captured[::-1]

    def test_default_limit_is_fifty(self, tenant: Tenant) -> None:
        """Without a limit a page holds up to 50 events."""
        for index in range(51):
            capture(tenant, f"m {index}")
        page = tenant.list_events()
        assert len(page.items) == 50
        assert page.next_cursor is not None

    @pytest.mark.parametrize("limit", [0, 101, -1, True, 2.0, "5", None])
    def test_limit_must_be_an_int_in_range(self, tenant: Tenant, limit: object) -> None:
        """limit outside 1..100 or not an int raises InvalidInput(limit, range) on every list."""
        calls = [
            lambda: tenant.list_events(limit=limit),  # type: ignore[arg-type]
            lambda: tenant.search_events("", limit=limit),  # type: ignore[arg-type]
            lambda: tenant.list_groups(limit=limit),  # type: ignore[arg-type]
            lambda: tenant.group_events("grp_x", limit=limit),  # type: ignore[arg-type]
        ]
        for call in calls:
            assert cursor_error(call) == {"field": "limit", "rule": "range"}

    def test_limit_one_hundred_is_allowed(self, tenant: Tenant) -> None:
        """The maximum page size is 100."""
        assert tenant.list_events(limit=MAX_LIMIT).items == []


class TestEventCursors:
    def test_walk_visits_every_event_once(self, tenant: Tenant) -> None:
        """Following cursors lists every event once, in order, with no empty last page."""
        captured = [capture(tenant, f"m {index}")["error_id"] for index in range(7)]
        pages = []
        cursor = None
        while True:
            page = tenant.list_events(limit=3, cursor=cursor)
            pages.append(ids(page.items))
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert pages == [captured[6:3:-1], captured[3:0:-1], captured[:1]]

    def test_exact_multiple_has_no_trailing_cursor(self, tenant: Tenant) -> None:
        """When the last page is full and nothing follows, next_cursor is None."""
        for index in range(4):
            capture(tenant, f"m {index}")
        second = tenant.list_events(limit=2, cursor=tenant.list_events(limit=2).next_cursor)
        assert len(second.items) == 2
        assert second.next_cursor is None

    def test_new_events_are_not_visited_and_deleted_ones_are_skipped(self, tenant: Tenant) -> None:
        """A walk ignores events captured after it began and skips deleted ones."""
        doomed = capture(tenant, "doomed", fingerprint=["doomed"])
        kept = [capture(tenant, f"k {index}", fingerprint=["k"])["error_id"] for index in range(4)]
        first = tenant.list_events(limit=2)
        capture(tenant, "newcomer")
        tenant.delete_group(doomed["error_group_id"])
        rest = walk(lambda cursor: tenant.list_events(limit=2, cursor=cursor or first.next_cursor))
        assert ids(first.items) + ids(rest) == kept[::-1]

    def test_cursor_is_urlsafe_base64(self, tenant: Tenant) -> None:
        """Cursors are opaque base64url strings."""
        capture(tenant, "a")
        capture(tenant, "b")
        cursor = tenant.list_events(limit=1).next_cursor
        assert cursor is not None
        base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @pytest.mark.parametrize("bad", ["", "!!!", "abc", "eyJzZXEiOjF9", "a" * 5000])
    def test_malformed_cursors_are_invalid(self, tenant: Tenant, bad: str) -> None:
        """Garbage cursors raise InvalidInput(cursor, invalid)."""
        assert cursor_error(lambda: tenant.list_events(cursor=bad)) == {"field": "cursor", "rule": "invalid"}

    def test_tampered_cursor_is_invalid(self, tenant: Tenant) -> None:
        """Changing any character of a cursor invalidates it."""
        for index in range(3):
            capture(tenant, f"m {index}")
        cursor = tenant.list_events(limit=1).next_cursor
        assert cursor is not None
        for position in range(len(cursor)):
            replacement = "A" if cursor[position] != "A" else "B"
            tampered = cursor[:position] + replacement + cursor[position + 1 :]
            assert cursor_error(lambda tampered=tampered: tenant.list_events(limit=1, cursor=tampered)) == {
                "field": "cursor",
                "rule": "invalid",
            }

    def test_cursor_is_bound_to_tenant_operation_and_query(self, store: Store) -> None:
        """A cursor from another tenant, operation or query is invalid."""
        tenant, other = store.tenant("a"), store.tenant("b")
        for index in range(3):
            capture(tenant, f"m {index}", level="error")
            capture(other, f"m {index}", level="error")
        cursor = tenant.list_events(limit=1, filter={"level": "error"}).next_cursor
        assert cursor is not None
        invalid = {"field": "cursor", "rule": "invalid"}
        assert (
            cursor_error(lambda: other.list_events(limit=1, filter={"level": "error"}, cursor=cursor))
            == invalid
        )
        assert (
            cursor_error(lambda: tenant.search_events("", filter={"level": "error"}, cursor=cursor))
            == invalid
        )
        assert (
            cursor_error(lambda: tenant.list_events(limit=1, filter={"level": "info"}, cursor=cursor))
            == invalid
        )
        assert cursor_error(lambda: tenant.list_events(limit=1, cursor=cursor)) == invalid
        assert cursor_error(lambda: tenant.list_groups(cursor=cursor)) == invalid
        assert tenant.list_events(limit=2, filter={"level": "error"}, cursor=cursor).items

    def test_cursor_from_another_store_secret_is_invalid(self) -> None:
        """Two stores with different secrets do not accept each other's cursors."""
        tenants = [
            Store(ManualClock(), IdFactory(1), cursor_secret=secret).tenant("k") for secret in (b"x", b"y")
        ]
        for tenant in tenants:
            capture(tenant, "a")
            capture(tenant, "b")
        cursor = tenants[0].list_events(limit=1).next_cursor
        assert cursor_error(lambda: tenants[1].list_events(limit=1, cursor=cursor)) == {
            "field": "cursor",
            "rule": "invalid",
        }

    def test_cursor_from_before_a_reset_is_expired(self, store: Store) -> None:
        """After reset, an old cursor of the same tenant reads as expired."""
        tenant = store.tenant("a")
        capture(tenant, "a")
        capture(tenant, "b")
        cursor = tenant.list_events(limit=1).next_cursor
        store.reset()
        assert cursor_error(lambda: store.tenant("a").list_events(limit=1, cursor=cursor)) == {
            "field": "cursor",
            "rule": "expired",
        }

    def test_group_events_page_newest_first(self, tenant: Tenant) -> None:
        """A group's events list newest first and page by cursor, excluding other groups."""
        mine = [capture(tenant, f"mine {index}")["error_id"] for index in range(5)]
        capture(tenant, "other")
        group_id = tenant.get_event(mine[0])["error_group_id"]
        assert ids(walk(lambda cursor: tenant.group_events(group_id, limit=2, cursor=cursor))) == mine[::-1]

    def test_group_events_cursor_is_bound_to_the_group(self, tenant: Tenant) -> None:
        """A group_events cursor cannot be used for another group."""
        first = [capture(tenant, "a", fingerprint=["a"])["error_group_id"] for _ in range(3)][-1]
        second = [capture(tenant, "b", fingerprint=["b"])["error_group_id"] for _ in range(3)][-1]
        cursor = tenant.group_events(first, limit=1).next_cursor
        assert cursor_error(lambda: tenant.group_events(second, limit=1, cursor=cursor))["rule"] == "invalid"


class TestGroupListing:
    def make_groups(self, tenant: Tenant, clock: ManualClock) -> dict[str, str]:
        """Create groups a (3 events, oldest), b (1 event, newest first_seen), c (2 events, latest)."""
        names: dict[str, str] = {}
        names["a"] = capture(tenant, "alpha")["error_group_id"]
        clock.advance(10)
        capture(tenant, "alpha")
        capture(tenant, "alpha")
        clock.advance(10)
        names["c"] = capture(tenant, "gamma")["error_group_id"]
        clock.advance(10)
        names["b"] = capture(tenant, "beta")["error_group_id"]
        clock.advance(10)
        capture(tenant, "gamma")
        return names

    def test_sort_orders(self, tenant: Tenant, clock: ManualClock) -> None:
        """last_seen_desc (default), first_seen_desc and count_desc order groups."""
        names = self.make_groups(tenant, clock)
        assert ids(tenant.list_groups().items) == [names["c"], names["b"], names["a"]]
        assert ids(tenant.list_groups(sort="first_seen_desc").items) == [names["b"], names["c"], names["a"]]
        assert ids(tenant.list_groups(sort="count_desc").items) == [names["a"], names["c"], names["b"]]

    def test_ties_are_broken_by_id_descending(self, tenant: Tenant) -> None:
        """Groups with equal sort keys list by id descending."""
        created = [
            capture(tenant, f"g{index}", fingerprint=[str(index)])["error_group_id"] for index in range(6)
        ]
        for sort in ("last_seen_desc", "first_seen_desc", "count_desc"):
            assert ids(tenant.list_groups(sort=sort).items) == sorted(created, reverse=True)

    def test_status_filter(self, tenant: Tenant, clock: ManualClock) -> None:
        """status narrows the list to groups currently in that status."""
        names = self.make_groups(tenant, clock)
        tenant.set_status(names["b"], "resolved")
        tenant.set_status(names["a"], "ignored")
        assert ids(tenant.list_groups(status="resolved").items) == [names["b"]]
        assert ids(tenant.list_groups(status="ignored").items) == [names["a"]]
        assert ids(tenant.list_groups(status="unresolved").items) == [names["c"]]

    def test_bad_status_and_sort(self, tenant: Tenant) -> None:
        """Unknown statuses and sorts are rejected naming the parameter."""
        assert cursor_error(lambda: tenant.list_groups(status="open")) == {"field": "status", "rule": "enum"}
        assert cursor_error(lambda: tenant.list_groups(sort="title")) == {"field": "sort", "rule": "enum"}

    def test_walk_follows_the_first_pages_order_despite_changes(
        self, tenant: Tenant, clock: ManualClock
    ) -> None:
        """Later pages keep the first page's order as counts change and skip deleted or re-statused groups."""
        created = [
            capture(tenant, f"g{index}", fingerprint=[str(index)])["error_group_id"] for index in range(8)
        ]
        first = tenant.list_groups(limit=3, sort="count_desc", status="unresolved")
        expected = sorted(created, reverse=True)
        assert ids(first.items) == expected[:3]
        clock.advance(5)
        for _ in range(5):
            capture(tenant, "bump", fingerprint=[str(created.index(expected[-1]))])
        tenant.delete_group(expected[4])
        tenant.set_status(expected[5], "resolved")
        capture(tenant, "brand new", fingerprint=["new"])
        rest = walk(
            lambda cursor: tenant.list_groups(
                limit=3, sort="count_desc", status="unresolved", cursor=cursor or first.next_cursor
            )
        )
        assert ids(rest) == [expected[3], expected[6], expected[7]]
        assert rest[-1]["count"] == 6

    def test_evicted_snapshot_is_expired(self, tenant: Tenant) -> None:
        """A cursor whose snapshot fell out of the LRU raises InvalidInput(cursor, expired)."""
        for index in range(3):
            capture(tenant, f"g{index}", fingerprint=[str(index)])
        cursor = tenant.list_groups(limit=1).next_cursor
        for index in range(256):  # a new group each time: 256 other orders
            capture(tenant, "more", fingerprint=[f"more {index}"])
            tenant.list_groups(limit=1)
        assert cursor_error(lambda: tenant.list_groups(limit=1, cursor=cursor)) == {
            "field": "cursor",
            "rule": "expired",
        }

    def test_recently_used_snapshots_survive(self, tenant: Tenant) -> None:
        """Using a snapshot refreshes it in the LRU."""
        for index in range(4):
            capture(tenant, f"g{index}", fingerprint=[str(index)])
        cursor = tenant.list_groups(limit=1).next_cursor
        for index in range(255):
            capture(tenant, "more", fingerprint=[f"more {index}"])
            tenant.list_groups(limit=1)
        cursor = tenant.list_groups(limit=1, cursor=cursor).next_cursor
        for index in range(255):
            capture(tenant, "more", fingerprint=[f"again {index}"])
            tenant.list_groups(limit=1)
        assert len(tenant.list_groups(limit=1, cursor=cursor).items) == 1

    def test_polling_an_unchanged_listing_reuses_one_snapshot(
        self, store: Store, tenant: Tenant, clock: ManualClock
    ) -> None:
        """Polls of an unchanged listing share one snapshot (one cursor, one save); a change makes another."""
        saved = SavedSnapshots()
        store.observe(saved)
        created = [capture(tenant, "g", fingerprint=[str(index)])["error_group_id"] for index in range(3)]
        cursors = {tenant.list_groups(limit=1).next_cursor for _ in range(20)}
        assert len(cursors) == 1
        assert len(saved.ids) == 1
        # Another listing with the same order (unresolved is every group) shares that snapshot too.
        tenant.list_groups(limit=1, status="unresolved")
        assert len(saved.ids) == 1
        clock.advance(1)
        last = ids(tenant.list_groups(limit=100).items)[-1]
        capture(tenant, "g", fingerprint=[str(created.index(last))])  # the last listed is now the first
        moved = tenant.list_groups(limit=1).next_cursor
        assert moved not in cursors
        assert len(saved.ids) == 2
        assert ids(walk(lambda cursor: tenant.list_groups(limit=1, cursor=cursor))) == ids(
            tenant.list_groups(limit=100).items
        )
        (cursor,) = cursors  # the first walk's snapshot still serves its later pages
        assert len(tenant.list_groups(limit=1, cursor=cursor).items) == 1

    def test_group_cursor_bound_to_status_and_sort(self, tenant: Tenant) -> None:
        """A group cursor is invalid with a different sort or status."""
        for index in range(3):
            capture(tenant, f"g{index}", fingerprint=[str(index)])
        cursor = tenant.list_groups(limit=1).next_cursor
        assert (
            cursor_error(lambda: tenant.list_groups(limit=1, sort="count_desc", cursor=cursor))["rule"]
            == "invalid"
        )
        assert (
            cursor_error(lambda: tenant.list_groups(limit=1, status="resolved", cursor=cursor))["rule"]
            == "invalid"
        )


class TestWalksUnderConcurrentCaptures:
    @settings(max_examples=40, deadline=None)
    @given(
        initial=st.integers(0, 25),
        limits=st.lists(st.integers(1, 6), min_size=1, max_size=30),
        captures_between=st.lists(st.integers(0, 3), min_size=1, max_size=30),
        level_filter=st.sampled_from([None, "error", "info"]),
    )
    def test_event_walk_sees_exactly_the_events_that_existed_at_the_start(
        self, initial: int, limits: list[int], captures_between: list[int], level_filter: str | None
    ) -> None:
        """With random page sizes and captures between pages, each original match is listed once, in order."""
        store, clock = make_store()
        tenant = store.tenant("k")
        for index in range(initial):
            capture(tenant, f"m {index % 4}", level=["error", "info"][index % 2])
            clock.advance(index % 3)
        flt = None if level_filter is None else {"level": level_filter}
        expected = ids(tenant.export(filter=flt)["events"])
        seen: list[str] = []
        cursor: str | None = None
        for step in range(1000):
            page = tenant.list_events(filter=flt, cursor=cursor, limit=limits[step % len(limits)])
            seen.extend(ids(page.items))
            for extra in range(captures_between[step % len(captures_between)]):
                capture(tenant, f"late {extra}", level="error")
                clock.advance(1)
            if page.next_cursor is None:
                break
            assert page.items
            cursor = page.next_cursor
        assert seen == expected

    @settings(max_examples=30, deadline=None)
    @given(
        groups=st.integers(0, 20),
        limits=st.lists(st.integers(1, 5), min_size=1, max_size=10),
        sort=st.sampled_from(["last_seen_desc", "first_seen_desc", "count_desc"]),
        bumps=st.lists(st.integers(0, 19), max_size=20),
    )
    def test_group_walk_lists_each_original_group_once(
        self, groups: int, limits: list[int], sort: str, bumps: list[int]
    ) -> None:
        """Group walks list every group of the first page's order exactly once, even as counts change."""
        store, clock = make_store()
        tenant = store.tenant("k")
        for index in range(groups):
            for _ in range(index % 3 + 1):
                capture(tenant, "g", fingerprint=[str(index)])
            clock.advance(index % 2)
        expected = ids(tenant.list_groups(sort=sort, limit=100).items)
        seen: list[str] = []
        cursor: str | None = None
        for step in range(1000):
            page = tenant.list_groups(sort=sort, cursor=cursor, limit=limits[step % len(limits)])
            seen.extend(ids(page.items))
            if step < len(bumps):
                clock.advance(1)
                capture(tenant, "g", fingerprint=[str(bumps[step])])
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == expected


GROUP_STATUSES = (None, "unresolved", "resolved", "ignored")
SORT_FIELDS = {"last_seen_desc": "last_seen", "first_seen_desc": "first_seen", "count_desc": "count"}
OPERATIONS = st.one_of(
    st.tuples(st.just("capture"), st.integers(0, 5), st.integers(0, 3)),
    st.tuples(st.just("status"), st.integers(0, 5), st.sampled_from(["resolved", "unresolved", "ignored"])),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(
        st.just("bulk"),
        st.lists(st.integers(0, 5), min_size=1, max_size=4),
        st.sampled_from(["resolve", "unresolve", "ignore", "delete"]),
    ),
    st.tuples(st.just("purge"), st.integers(1, 30)),  # hours to move on, past a one-day retention
    st.tuples(st.just("reset")),
    st.tuples(st.just("restore")),
)


def from_scratch(tenant: Tenant, status: str | None, sort: str) -> list[str]:
    """Every stored group in `status` (None: all) in `sort` order, computed without the store's listing."""
    documents = [tenant.get_group(group.id) for group in tenant.groups_in_order()]
    chosen = [doc for doc in documents if status in (None, doc["status"])]
    # ISO-8601 times with milliseconds and Z compare as text in time order.
    chosen.sort(key=lambda doc: (doc[SORT_FIELDS[sort]], doc["id"]), reverse=True)
    return [doc["id"] for doc in chosen]


def assert_every_listing_from_scratch(tenant: Tenant) -> None:
    """Check every (status, sort) listing, whole and walked in pages of two, against `from_scratch`."""
    for status in GROUP_STATUSES:
        for sort in SORT_FIELDS:
            expected = from_scratch(tenant, status, sort)
            assert ids(tenant.list_groups(status=status, sort=sort, limit=100).items) == expected

            def fetch(cursor: str | None, status: str | None = status, sort: str = sort) -> Page:
                return tenant.list_groups(status=status, sort=sort, cursor=cursor, limit=2)

            assert ids(walk(fetch)) == expected


class TestOrderCache:
    @settings(max_examples=60, deadline=None)
    @given(operations=st.lists(OPERATIONS, min_size=1, max_size=25))
    def test_orders_follow_every_change_between_polls(self, operations: list[tuple[object, ...]]) -> None:
        """Polling every listing between random changes always answers what a from-scratch sort gives."""
        store, clock = make_store()
        tenant = store.tenant("k")
        tenant.set_retention(1)
        for operation in operations:
            assert_every_listing_from_scratch(tenant)
            groups = [group.id for group in tenant.groups_in_order()]
            kind = operation[0]
            if kind == "capture":
                _, fingerprint, seconds = operation
                clock.advance(int(seconds))  # type: ignore[call-overload]
                capture(tenant, "g", fingerprint=[str(fingerprint)])
            elif kind in ("status", "delete") and groups:
                group_id = groups[int(operation[1]) % len(groups)]  # type: ignore[call-overload]
                if kind == "delete":
                    tenant.delete_group(group_id)
                else:
                    tenant.set_status(group_id, operation[2])  # type: ignore[arg-type]
            elif kind == "bulk" and groups:
                chosen = [groups[index % len(groups)] for index in operation[1]]  # type: ignore[attr-defined]
                tenant.bulk(chosen, operation[2])  # type: ignore[arg-type]
            elif kind == "purge":
                clock.advance(3600 * int(operation[1]))  # type: ignore[call-overload]
                tenant.purge_expired()
            elif kind == "reset":
                store.reset_tenant("k")
                tenant = store.tenant("k")
                tenant.set_retention(1)
            elif kind == "restore":
                tenant = store.load_tenant(tenant.dump(internal=True))
        assert_every_listing_from_scratch(tenant)
