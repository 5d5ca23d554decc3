"""pytest plugin (entry point `infrai_mock`): a mock server per session, reset for every test.

Fixtures:
    infrai_mock: the `MockServer`, reset before each test (a dedicated one when the test's
        `infrai_mock` marker asks for other options).
    infrai_mock_url: its base URL.
    infrai_mock_api_key: a fresh API key per test, i.e. an isolated tenant.
    infrai_mock_factory: start extra servers with custom options (stopped after the test).
    infrai_mock_options: override (session scope) to configure the shared server.

Marker: ``@pytest.mark.infrai_mock(strict=False, clock="manual", faults=[Fault(...)])``; any
other keyword is passed to `MockServer`.

A test that passed fails afterwards if its (strict) server recorded spec violations during
it; a test that already failed keeps its own error, with the violations attached
as a report section.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Iterator
from typing import Any, Protocol

import pytest

from .control.faults import Fault
from .server import MockServer

__all__ = ["MockServerFactory"]

MARKER = "infrai_mock"
_SERVER = pytest.StashKey[MockServer]()
_FAILED_BY_US = pytest.StashKey[bool]()


class MockServerFactory(Protocol):
    """Starts a `MockServer` with the given options; it is stopped when the test ends."""

    def __call__(self, **options: Any) -> MockServer:
        """Start a server with these `MockServer` options."""
        ...


def pytest_configure(config: pytest.Config) -> None:
    """Register the `infrai_mock` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(strict=True, clock=None, faults=(), **options): run this test against an infrai-errors "
        "mock started with these MockServer options, with these faults armed.",
    )


@pytest.fixture(scope="session")
def infrai_mock_options() -> dict[str, Any]:
    """`MockServer` options of the session's shared server; override to change them."""
    return {}


@pytest.fixture(scope="session")
def infrai_mock_session(infrai_mock_options: dict[str, Any]) -> Iterator[MockServer]:
    """Start the shared server the first time a test asks for it."""
    with MockServer(**infrai_mock_options) as server:
        yield server


@pytest.fixture
def infrai_mock_factory() -> Iterator[MockServerFactory]:
    """Start extra mock servers with custom options; each stops when the test ends."""
    started: list[MockServer] = []

    def factory(**options: Any) -> MockServer:
        server = MockServer(**options).start()
        started.append(server)
        return server

    yield factory
    for server in reversed(started):
        server.stop()


@pytest.fixture
def infrai_mock(
    request: pytest.FixtureRequest,
    infrai_mock_options: dict[str, Any],
    infrai_mock_factory: MockServerFactory,
) -> MockServer:
    """Give this test a mock server with fresh data, journal, violations and faults."""
    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    faults = options.pop("faults", ())
    if options:
        server = infrai_mock_factory(**{**infrai_mock_options, **options})
    else:
        server = request.getfixturevalue("infrai_mock_session")
        server.reset()
    for fault in faults:
        server.faults.add(fault if isinstance(fault, Fault) else Fault.from_json(fault))
    request.node.stash[_SERVER] = server
    return server


@pytest.fixture
def infrai_mock_url(infrai_mock: MockServer) -> str:
    """Return the base URL of this test's mock server."""
    return infrai_mock.url


@pytest.fixture
def infrai_mock_api_key() -> str:
    """Return an API key no other test uses, so this test gets its own tenant."""
    return f"ifr_test_{uuid.uuid4().hex}"


def _violations(item: pytest.Item) -> str | None:
    server = item.stash.get(_SERVER, None)
    if server is None or not server.state.strict or not server.violations:
        return None  # a lax server only logs; the test itself decides what violations mean
    return "\n".join(f"  - {violation}" for violation in list(server.violations))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a test that passed while the mock recorded strict-mode violations."""
    yield  # re-raises the test's own failure untouched
    listed = _violations(item)
    if listed is not None:
        item.stash[_FAILED_BY_US] = True
        pytest.fail(f"the infrai mock's responses broke the spec during this test:\n{listed}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach recorded violations to the report of a test that failed for another reason."""
    report = yield
    if report.when == "call" and report.failed and not item.stash.get(_FAILED_BY_US, False):
        listed = _violations(item)
        if listed is not None:
            report.sections.append(("infrai-mock spec violations", listed))
    return report
