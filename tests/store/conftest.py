"""Fixtures for the store tests."""

from __future__ import annotations

import pytest
from store_helpers import make_store

from mockserver.store import ManualClock, Store, Tenant


@pytest.fixture
def store_and_clock() -> tuple[Store, ManualClock]:
    return make_store()


@pytest.fixture
def store(store_and_clock: tuple[Store, ManualClock]) -> Store:
    return store_and_clock[0]


@pytest.fixture
def clock(store_and_clock: tuple[Store, ManualClock]) -> ManualClock:
    return store_and_clock[1]


@pytest.fixture
def tenant(store: Store) -> Tenant:
    return store.tenant("key-a")
