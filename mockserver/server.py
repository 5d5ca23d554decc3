"""`MockServer`: run the mock on a real socket, from synchronous or asynchronous code.

As a sync context manager it serves from its own event loop in a daemon thread; as an
async context manager it serves on the caller's loop. Either way it exposes the store,
clock, journal, violations and faults of the running app.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from aiohttp.typedefs import Middleware

from .control.faults import FaultSet
from .control.journal import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_SIZE, Journal, JournalEntry, Violation
from .control.state import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_MAX_KEY_LENGTH,
    ClockOption,
    CommittingLock,
    ServerState,
)
from .http.access_log import AccessLog
from .http.app import DEFAULT_MAX_BODY, build_app, create_app, state_of
from .http.protocol import DEFAULT_HEADER_TIMEOUT, MockAppRunner
from .store import Clock, Store
from .ui import add_ui_routes

if TYPE_CHECKING:
    from .tenant_handle import MockTenant

__all__ = [
    "DEFAULT_KEEPALIVE_TIMEOUT",
    "DEFAULT_MAX_HEADERS",
    "DEFAULT_MAX_HEADER_SIZE",
    "MockServer",
]

_START_TIMEOUT = 10.0
_SHUTDOWN_TIMEOUT = 2.0
_MIN_LINE_LIMIT = 64 * 1024
DEFAULT_MAX_HEADERS = 128  # header lines per request; more get 400 (aiohttp's parser limit)
DEFAULT_MAX_HEADER_SIZE = 16 * 1024  # bytes of one header line; longer ones get 400
DEFAULT_KEEPALIVE_TIMEOUT = 75.0  # seconds an idle kept-alive connection stays open


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Let connection handlers that outlived the runner finish, then close the loop."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def _stop_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Ask a loop in another thread to stop; fine if it already stopped and closed."""
    with contextlib.suppress(RuntimeError):  # "Event loop is closed"
        loop.call_soon_threadsafe(loop.stop)


class MockServer:
    """A running (or ready to run) infrai-errors mock on `host:port` (port 0 picks a free one).

    Takes the keyword arguments of `create_app` plus `host` and `port`, and the connection limits:
    `max_headers`, `max_header_size` (bytes of one header line), `header_timeout` (seconds for a
    request's headers to arrive; then 408 and the connection closes), `keepalive_timeout` (seconds
    an idle connection stays open). See docs/reliability.md. Requests are served
    on an event loop; the store is guarded by `lock`, which `reset()` and the clock helpers
    take, and which a test thread should hold while it touches `store` directly during traffic
    (with a database, leaving it commits what the thread changed; `commit()` does so without it).
    It can be stopped and started again, keeping its data; a start on another event loop (every
    sync `start()` has its own) serves from a fresh `app`, as aiohttp binds an app to one loop.
    With `database=PATH` every change is committed to that SQLite file before its answer, and a
    new server on the same file starts where the last one stopped (or was killed); a stopped
    server releases the file, so another one can open it.
    """

    def __init__(
        self,
        *,
        spec_path: str | Path | None = None,
        store: Store | None = None,
        clock: ClockOption = None,
        seed: int | None = None,
        api_keys: Iterable[str] | None = None,
        strict: bool = True,
        max_body: int = DEFAULT_MAX_BODY,
        middlewares: Sequence[Middleware] = (),
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        journal_bytes: int = DEFAULT_JOURNAL_BYTES,
        max_tenants: int | None = None,
        max_key_length: int = DEFAULT_MAX_KEY_LENGTH,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        admin_token: str | None = None,
        admin: bool = True,
        max_headers: int = DEFAULT_MAX_HEADERS,
        max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT,
        database: str | os.PathLike[str] | None = None,
        access_log: bool | AccessLog | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        for name, value in (("max_headers", max_headers), ("max_header_size", max_header_size)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        # The API from http/, then the pages for people from ui/ (which sits above http/).
        self.app = add_ui_routes(
            create_app(
                spec_path=spec_path,
                store=store,
                clock=clock,
                seed=seed,
                api_keys=api_keys,
                strict=strict,
                max_body=max_body,
                middlewares=middlewares,
                journal_size=journal_size,
                journal_bytes=journal_bytes,
                max_tenants=max_tenants,
                max_key_length=max_key_length,
                body_timeout=body_timeout,
                admin_token=admin_token,
                admin=admin,
                database=database,
                access_log=access_log,
            )
        )
        self.max_headers = max_headers
        self.max_header_size = max_header_size
        self.header_timeout = header_timeout
        self.keepalive_timeout = keepalive_timeout
        self.state: ServerState = state_of(self.app)
        self._lock = CommittingLock(self.state)
        self._middlewares = tuple(middlewares)
        self._app_loop: asyncio.AbstractEventLoop | None = None  # the loop `app` is bound to
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    # -- what tests look at ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:54321` (only while running)."""
        if self._url is None:
            raise RuntimeError("the mock server is not running")
        return self._url

    @property
    def running(self) -> bool:
        """True between start and stop."""
        return self._url is not None

    @property
    def store(self) -> Store:
        """The domain store (hold `lock` while touching it from another thread during traffic)."""
        return self.state.store

    @property
    def clock(self) -> Clock:
        """The store's clock (a `ManualClock` when started with `clock="manual"`)."""
        return self.state.store.clock

    @property
    def journal(self) -> Journal:
        """Every request the server answered, oldest first (bounded)."""
        return self.state.journal

    @property
    def violations(self) -> list[Violation]:
        """Responses that broke the spec."""
        return self.state.violations

    @property
    def faults(self) -> FaultSet:
        """The injected faults; `faults.add(...)`, `faults.clear()`."""
        return self.state.faults

    @property
    def lock(self) -> CommittingLock:
        """The lock the server holds around every store call; leaving it commits the store's changes.

        With `database=`, what a thread changed through `store` while holding this lock is in the
        file once its outermost `with server.lock:` ends (changes made without it wait for `commit()`,
        the next request, clock move or reset, or `stop()`).
        """
        return self._lock

    def commit(self) -> None:
        """Commit what was changed through `store` to the database now (a no-op without one).

        Raises `DatabaseWriteFailed` when the file cannot be written; the changes are kept for the
        next commit. A stopped server has released its file: its changes are committed by the next
        `start()`.
        """
        with self.state.lock:
            self.state.commit_if_open()

    def calls_to(
        self,
        operation_id: str | None = None,
        *,
        path: str | None = None,
        method: str | None = None,
        tenant: str | None = None,
    ) -> list[JournalEntry]:
        """Journal entries matching every given criterion."""
        return self.state.journal.calls_to(operation_id, path=path, method=method, tenant=tenant)

    def reset(self) -> None:
        """Drop stored data, the journal, violations and faults; keep the configuration and clock."""
        self.state.reset()

    def advance_clock(self, seconds: float) -> datetime:
        """Move the manual clock forwards; TypeError if the clock is not manual."""
        return self.state.advance_clock(seconds)

    def set_clock(self, when: datetime) -> datetime:
        """Move the manual clock to `when` (never backwards)."""
        return self.state.set_clock(when)

    def tenant(self, api_key: str | None = None) -> MockTenant:
        """Return a `MockTenant` handle on `api_key` (default: a fresh key) of this running server."""
        from .tenant_handle import MockTenant  # noqa: PLC0415 - only for tests that ask for a handle

        key = api_key if api_key is not None else f"ifr_test_{uuid.uuid4().hex}"
        return MockTenant(self.url, key, self)

    def load_tenant(self, document: Any, api_key: str | None = None) -> None:
        """Replace a tenant with a state document (key: `api_key`, else the document's), all or nothing."""
        with self.lock:  # committed as the lock is left
            self.store.load_tenant(document, api_key=api_key)

    def check(self) -> None:
        """Raise AssertionError listing the recorded spec violations, if any."""
        if self.state.violations:
            listed = "\n".join(f"  - {violation}" for violation in self.state.violations)
            raise AssertionError(f"the mock's responses broke the spec:\n{listed}")

    # -- async lifecycle (the caller's loop) -------------------------------------------------------

    async def start_async(self) -> Self:
        """Serve on the running event loop."""
        if self._runner is not None:
            raise RuntimeError("the mock server was already started")
        loop = asyncio.get_running_loop()
        if self._app_loop is not None and self._app_loop is not loop:
            # Restarted on another loop (each sync start() has its own): aiohttp refuses to move an
            # application, so serve the same state from a fresh one.
            self.app = add_ui_routes(build_app(self.state, self._middlewares))
        self._app_loop = loop
        # A valid filter may be long (the spec bounds it near 600 KB URL-encoded), so allow request lines as
        # long as a body; aiohttp's default 8 KiB would answer a plain-text 400 before the app runs.
        line_limit = max(_MIN_LINE_LIMIT, self.state.max_body)
        runner = MockAppRunner(
            self.app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
            max_line_size=line_limit,
            max_field_size=self.max_header_size,
            max_headers=self.max_headers,
            header_timeout=self.header_timeout,
            keepalive_timeout=self.keepalive_timeout,
        )
        self._runner = runner  # claimed before the first await, so a concurrent start is refused
        try:
            if self.state.database is not None:
                with self.state.lock:
                    self.state.database.reopen()
                    self.state.commit()  # what was changed through `store` while stopped
            await runner.setup()
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            self._runner = None  # a failed start leaves the server startable again
            await runner.cleanup()
            raise
        host, port = runner.addresses[0][:2]
        self.port = port
        self._url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        return self

    async def stop_async(self) -> None:
        """Stop serving and release the socket."""
        runner, self._runner, self._url = self._runner, None, None
        if runner is not None:
            try:
                await runner.cleanup()
            finally:
                if self.state.database is not None:
                    with self.state.lock:
                        self.state.database.close()

    async def __aenter__(self) -> Self:
        return await self.start_async()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop_async()

    # -- sync lifecycle (a daemon thread with its own loop) ----------------------------------------

    def start(self) -> Self:
        """Serve from a daemon thread; return once the socket accepts connections."""
        if self._runner is not None or self._thread is not None:
            raise RuntimeError("the mock server was already started")
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        abandoned = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start_async())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                _close_loop(loop)  # also finishes a start that a timeout interrupted (its cleanup)
                return
            loop.call_soon(ready.set)  # set once the loop runs, so stop() can always reach it
            try:
                # A timed-out start() sets `abandoned` before it stops the loop, so a stop request
                # swallowed by run_until_complete above is never waited for here.
                if not abandoned.is_set():
                    loop.run_forever()
            finally:
                try:
                    # A no-op after stop(); after a timed-out start() it releases the socket.
                    loop.run_until_complete(self.stop_async())
                finally:
                    _close_loop(loop)

        thread = threading.Thread(target=serve, name=f"infrai-mock-{id(self):x}", daemon=True)
        self._loop, self._thread = loop, thread
        thread.start()
        if not ready.wait(_START_TIMEOUT):
            # Nobody will call stop() on a server whose start() raised: end the thread here.
            self._loop = self._thread = None
            abandoned.set()
            _stop_loop(loop)
            thread.join(_SHUTDOWN_TIMEOUT + 5)
            raise RuntimeError(f"the mock server did not start within {_START_TIMEOUT} s")
        if failure:
            self._thread = self._loop = None
            thread.join(_SHUTDOWN_TIMEOUT + 5)
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop the thread's server and loop (a no-op when not started this way)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            if self._runner is None and self.state.database is not None:
                with self.state.lock:  # never started: still release the file
                    self.state.database.close()
            return
        self._loop = self._thread = None
        try:
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(self.stop_async(), loop).result(_SHUTDOWN_TIMEOUT + 5)
        finally:
            # Even when the cleanup failed or timed out: a loop left running would leak the thread.
            _stop_loop(loop)
            thread.join(_SHUTDOWN_TIMEOUT + 5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._url or "not running"
        return f"<MockServer {where} strict={self.state.strict}>"
