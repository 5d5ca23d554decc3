"""Builders for the persistence tests: a store on a real SQLite file, and a picture of all its state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mockserver.persist import Database
from mockserver.store import IdFactory, ManualClock, Store, Tenant

SECRET = b"persist-tests-secret"


def open_store(path: Path, seed: int | None = 3) -> tuple[Store, Database, ManualClock]:
    """Open (or create) the database at `path` and return the restored store on a manual clock."""
    database = Database(path)
    clock = ManualClock()
    store = Store(clock, IdFactory(seed), cursor_secret=database.cursor_secret(SECRET))
    database.restore(store)
    return store, database, clock


def _all_groups(tenant: Tenant) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = tenant.list_groups(sort="first_seen_desc", cursor=cursor, limit=100)
        groups.extend(page.items)
        if page.next_cursor is None:
            return groups
        cursor = page.next_cursor


def picture(store: Store) -> dict[str, Any]:
    """Everything a client can read of every tenant, plus the auto-export log (reads change nothing)."""
    state: dict[str, Any] = {"auto_exports": [dict(batch) for batch in store.auto_exports]}
    for key in store.tenants():
        tenant = store.tenant(key)
        groups = _all_groups(tenant)
        state[key] = {
            "events": tenant.export()["events"],
            "groups": groups,
            "details": [tenant.group_detail(group["id"]) for group in groups],
            "retention": tenant.retention(),
            "clock": (tenant.has_own_clock, tenant.now()),
            "search": tenant.search_events("ure 3", limit=100).items,  # the trigram index, too
        }
    return state
