"""Fixtures shared by the tests that serve the mock: one strict mock per session, reset per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from http_support import Api, SpecOracle

from mockserver import MockServer


@pytest.fixture(scope="session")
def oracle() -> SpecOracle:
    """The spec, as an independent judge of responses."""
    return SpecOracle()


@pytest.fixture(scope="session")
def shared_mock() -> Iterator[MockServer]:
    """One strict mock for the whole session."""
    with MockServer(seed=1) as server:
        yield server


@pytest.fixture
def mock(shared_mock: MockServer) -> Iterator[MockServer]:
    """The shared mock with fresh data; fails the test if a response broke the spec."""
    shared_mock.reset()
    yield shared_mock
    shared_mock.check()


@pytest.fixture
def api(mock: MockServer) -> Iterator[Api]:
    """A client of the shared mock with its own API key (so its own tenant)."""
    client = Api(mock.url, f"ifr_test_{uuid.uuid4().hex[:12]}")
    yield client
    client.session.close()
