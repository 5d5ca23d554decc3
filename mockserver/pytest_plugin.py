"""pytest plugin (entry point `infrai_mock`): a per-test handle on a fresh tenant of one mock server.

Fixtures:
    infrai_mock: a `MockTenant` on a fresh API key of the session's server, with `url`,
        `api_key`, `headers`, domain reads (`groups`, `group`, `events`, `calls`),
        `assert_captured`, `advance_clock` / `set_clock` (this tenant's own clock), `reset`,
        `dump` / `load`, and `fail` (a fault for this tenant). For the test's duration
        `INFRAI_BASE_URL` and `INFRAI_API_KEY` point at it (monkeypatch).
    infrai_mock_server: the session's `MockServer` (not in external-server mode).
    infrai_mock_url, infrai_mock_api_key: the handle's URL and key.
    infrai_mock_factory: start extra servers with custom options (stopped after the test).
    infrai_mock_options: override (session scope, in the root conftest) to configure the shared server.

Marker: ``@pytest.mark.infrai_mock(clock="manual", faults=[Fault(...)], state="seed.json")``:
``clock="manual"`` freezes the test's tenant clock (no dedicated server needed); ``faults`` are
armed for the tenant; ``state`` loads a state document; any other keyword (``strict=False``,
``seed=1``, ...) starts a dedicated server with those `MockServer` options.

Options: ``--infrai-mock-url URL`` uses an already running server through its tenant-scoped
control endpoints; ``--infrai-block-live`` fails a test whose code reaches api.infrai.cc;
``--infrai-access-log`` prints the session server's access log.

A test that passed fails afterwards if the server recorded spec violations during it; a test
that failed gets its tenant's last journal entries (and any violations) as report sections.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Generator, Iterator
from typing import Any, Protocol

import pytest

from .control.faults import Fault
from .server import MockServer
from .tenant_handle import MockTenant

__all__ = ["LIVE_HOST", "MockServerFactory"]

MARKER = "infrai_mock"
LIVE_HOST = "api.infrai.cc"
ENV_BASE_URL = "INFRAI_BASE_URL"
ENV_API_KEY = "INFRAI_API_KEY"
_JOURNAL_LINES = 20
_HANDLE = pytest.StashKey[MockTenant]()
_SERVER = pytest.StashKey[MockServer]()
_VIOLATIONS_BEFORE = pytest.StashKey[int]()
_LIVE_ATTEMPTS = pytest.StashKey[list[str]]()
_FAILED_BY_US = pytest.StashKey[bool]()
_HANDLE_OPTIONS = ("clock", "faults", "state")


class MockServerFactory(Protocol):
    """Starts a `MockServer` with the given options; it is stopped when the test ends."""

    def __call__(self, **options: Any) -> MockServer:
        """Start a server with these `MockServer` options."""
        ...


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the plugin's command-line options."""
    group = parser.getgroup("infrai-mock", "infrai-errors mock (the infrai_mock fixture)")
    group.addoption(
        "--infrai-mock-url",
        metavar="URL",
        default=None,
        help="use an already running infrai-mock server at URL (through its tenant-scoped control API)",
    )
    group.addoption(
        "--infrai-block-live",
        action="store_true",
        default=False,
        help=f"fail any test whose code connects to {LIVE_HOST}",
    )
    group.addoption(
        "--infrai-access-log",
        action="store_true",
        default=False,
        help="print one line per request the session's mock server answers",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the `infrai_mock` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(clock=None, faults=(), state=None, **options): clock='manual' freezes the test tenant's "
        "clock, faults are armed for it, state loads a state document; other options start a dedicated "
        "MockServer with them.",
    )


def _external_url(config: pytest.Config) -> str | None:
    url: str | None = config.getoption("--infrai-mock-url")
    return url.rstrip("/") if url else None


@pytest.fixture(scope="session")
def infrai_mock_options() -> dict[str, Any]:
    """`MockServer` options of the session's shared server; override (session scope) to change them."""
    return {}


@pytest.fixture(scope="session")
def infrai_mock_server(
    pytestconfig: pytest.Config, infrai_mock_options: dict[str, Any]
) -> Iterator[MockServer]:
    """Start the session's shared `MockServer` the first time a test asks for it."""
    if _external_url(pytestconfig) is not None:
        raise pytest.UsageError(
            "infrai_mock_server is in-process only; --infrai-mock-url names another server"
        )
    options = dict(infrai_mock_options)
    if pytestconfig.getoption("--infrai-access-log"):
        options.setdefault("access_log", True)
    with MockServer(**options) as server:
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


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    return dict(marker.kwargs) if marker is not None else {}


@pytest.fixture
def infrai_mock(
    request: pytest.FixtureRequest,
    pytestconfig: pytest.Config,
    monkeypatch: pytest.MonkeyPatch,
    infrai_mock_options: dict[str, Any],
    infrai_mock_factory: MockServerFactory,
) -> Iterator[MockTenant]:
    """Give this test a handle on a fresh tenant, with INFRAI_BASE_URL / INFRAI_API_KEY pointing at it."""
    options = _marker_options(request)
    handle_options = {name: options.pop(name) for name in _HANDLE_OPTIONS if name in options}
    external = _external_url(pytestconfig)
    server: MockServer | None = None
    if external is not None:
        if options:
            raise pytest.UsageError(
                f"server options {sorted(options)} need an in-process server, not --infrai-mock-url"
            )
        url = external
    else:
        if options:
            server = infrai_mock_factory(**{**infrai_mock_options, **options})
        else:
            server = request.getfixturevalue("infrai_mock_server")
        url = server.url
        request.node.stash[_SERVER] = server
        request.node.stash[_VIOLATIONS_BEFORE] = len(server.violations)
    handle = MockTenant(url, f"ifr_test_{uuid.uuid4().hex}", server)
    if handle_options.get("clock") == "manual":
        handle.advance_clock(0)  # gives the tenant its own frozen clock
    elif handle_options.get("clock") not in (None, "system"):
        raise pytest.UsageError("the infrai_mock marker's clock must be 'manual' or 'system'")
    if handle_options.get("state") is not None:
        handle.load(handle_options["state"])
    for fault in handle_options.get("faults", ()):
        fields = fault.as_json() if isinstance(fault, Fault) else dict(fault)
        fields.pop("tenant", None)
        handle.fail(**fields)
    request.node.stash[_HANDLE] = handle
    monkeypatch.setenv(ENV_BASE_URL, url)
    monkeypatch.setenv(ENV_API_KEY, handle.api_key)
    yield handle
    if external is not None:
        handle.reset()  # leave a shared server as we found it


@pytest.fixture
def infrai_mock_url(infrai_mock: MockTenant) -> str:
    """Return the base URL of this test's mock server."""
    return infrai_mock.url


@pytest.fixture
def infrai_mock_api_key(infrai_mock: MockTenant) -> str:
    """Return this test's API key (its own tenant)."""
    return infrai_mock.api_key


# -- blocking the live service ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _infrai_block_live(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if not request.config.getoption("--infrai-block-live"):
        return
    attempts = request.node.stash.setdefault(_LIVE_ATTEMPTS, [])
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".").lower() == LIVE_HOST or name.rstrip(".").lower().endswith("." + LIVE_HOST):
            attempts.append(name)
            raise OSError(f"--infrai-block-live: this test tried to reach {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


# -- failing and reporting -------------------------------------------------------------------------


def _violations(item: pytest.Item) -> str | None:
    server = item.stash.get(_SERVER, None)
    if server is None or not server.state.strict:
        return None  # a lax server only logs; the test itself decides what violations mean
    found = list(server.violations)[item.stash.get(_VIOLATIONS_BEFORE, 0) :]
    return "\n".join(f"  - {violation}" for violation in found) or None


def _journal(item: pytest.Item) -> str | None:
    handle = item.stash.get(_HANDLE, None)
    if handle is None:
        return None
    try:
        entries = handle.calls()[-_JOURNAL_LINES:]
    except Exception as exc:
        return f"(could not read the journal: {exc})"
    lines = []
    for entry in entries:
        error = entry["response_body"].get("error") if isinstance(entry["response_body"], dict) else None
        detail = f"  {error['code']} {json.dumps(error.get('details', {}))}" if error else ""
        faults = f"  faults={[fault.get('connection') or fault.get('status') for fault in entry['faults']]}"
        lines.append(
            f"{entry['method']} {entry['path']} -> {entry['status']} ({entry['operation_id']})"
            f"{detail}{faults if entry['faults'] else ''}"
        )
    return "\n".join(lines) or "(no requests)"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a test that passed while the mock recorded violations or the test reached the live service."""
    yield  # re-raises the test's own failure untouched
    attempts = item.stash.get(_LIVE_ATTEMPTS, [])
    if attempts:
        item.stash[_FAILED_BY_US] = True
        pytest.fail(
            f"--infrai-block-live: the test tried to reach {', '.join(sorted(set(attempts)))}", pytrace=False
        )
    listed = _violations(item)
    if listed is not None:
        item.stash[_FAILED_BY_US] = True
        pytest.fail(f"the infrai mock's responses broke the spec during this test:\n{listed}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the tenant's last journal entries (and violations) to the report of a failed test."""
    report = yield
    if report.when == "call" and report.failed:
        journal = _journal(item)
        if journal is not None:
            report.sections.append(("infrai-mock journal (this test's tenant, oldest first)", journal))
        if not item.stash.get(_FAILED_BY_US, False):
            listed = _violations(item)
            if listed is not None:
                report.sections.append(("infrai-mock spec violations", listed))
    return report
