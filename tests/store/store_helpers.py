"""Shared builders for the store tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.store import IdFactory, ManualClock, Page, Store, Tenant


def make_store(seed: int = 7) -> tuple[Store, ManualClock]:
    """Return a reproducible store and the manual clock driving it."""
    clock = ManualClock()
    return Store(clock, IdFactory(seed), cursor_secret=b"store-tests"), clock


def capture(tenant: Tenant, message: str = "boom", **fields: Any) -> dict[str, Any]:
    """Capture a "capture"-source event with a message and any extra body fields."""
    return tenant.capture({"message": message, **fields}, source="capture")


def walk(fetch: Callable[[str | None], Page], *, max_pages: int = 10_000) -> list[dict[str, Any]]:
    """Follow next_cursor from the first page to the last and return every item in order."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(max_pages):
        page = fetch(cursor)
        items.extend(page.items)
        if page.next_cursor is None:
            return items
        assert page.items, "a page with a next cursor must not be empty"
        cursor = page.next_cursor
    raise AssertionError("cursor walk did not terminate")


def ids(items: list[dict[str, Any]]) -> list[str]:
    """Return the ids of wire documents."""
    return [item["id"] for item in items]
