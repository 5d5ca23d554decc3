"""Everything one running mock holds, gathered in one object (no aiohttp here)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from ..contract.spec import Spec
from ..contract.validation import Validators
from ..store import Clock, ManualClock, Store, SystemClock
from .faults import FaultSet
from .journal import Journal, Violation

if TYPE_CHECKING:
    from ..persist import Database  # imported by http/app.py only when a server has a database

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_MAX_KEY_LENGTH",
    "ClockOption",
    "CommittingLock",
    "ServerState",
    "make_clock",
]

DEFAULT_BODY_TIMEOUT = 30.0  # seconds to receive a whole request body
DEFAULT_MAX_KEY_LENGTH = 256  # characters of an API key; longer ones get 401

ClockOption = Clock | str | None  # a Clock, "manual", "system" or None (system)


def make_clock(option: ClockOption) -> Clock:
    """Return the clock `option` asks for: a Clock as is, `"manual"` or `"system"`/None."""
    if option is None or option == "system":
        return SystemClock()
    if option == "manual":
        return ManualClock()
    if isinstance(option, str):
        raise ValueError(f"clock must be a Clock, 'manual' or 'system', not {option!r}")
    return option


@dataclass(eq=False)
class ServerState:
    """The store, the spec's validators and the test harness's records of one server."""

    spec: Spec
    validators: Validators
    store: Store
    strict: bool
    api_keys: frozenset[str] | None
    max_body: int
    journal: Journal
    faults: FaultSet
    # Limits and the control API's protection (docs/reliability.md); see create_app for each.
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_key_length: int = DEFAULT_MAX_KEY_LENGTH
    admin_token: str | None = None
    admin_enabled: bool = True
    violations: list[Violation] = field(default_factory=list)
    # The control API's own validators (`spec/control.yaml`), when the server serves it.
    control_validators: Validators | None = None
    # Called with one line per answered request (`--access-log`), or None.
    access_log: Callable[[str], None] | None = None
    # The file every acknowledged change is committed to, or None for an in-memory mock.
    database: Database | None = None
    # Held around every store call, so test threads can touch the store while the loop serves.
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Requests begun (API, control and pages alike): the collector policy's sign of an idle server.
    served: int = 0

    @property
    def clock(self) -> Clock:
        """The store's clock."""
        return self.store.clock

    def manual_clock(self) -> ManualClock:
        """Return the clock if it is manual; raise TypeError otherwise."""
        clock = self.store.clock
        if not isinstance(clock, ManualClock):
            raise TypeError(f"the server's clock is a {type(clock).__name__}, not a ManualClock")
        return clock

    def commit(self) -> None:
        """Commit the store's changes to the database, if there is one (hold `lock`)."""
        if self.database is not None:
            self.database.commit()

    def commit_if_open(self) -> None:
        """Commit as `commit` does, while the file is held (a stopped server's next start commits)."""
        if self.database is not None and self.database.is_open:
            self.database.commit()

    def advance_clock(self, seconds: float) -> datetime:
        """Move a manual clock forwards (under the store lock)."""
        with self.lock:
            try:
                now = self.manual_clock().advance(seconds)
                self.store.purge_expired()
            finally:
                self.commit()
            return now

    def set_clock(self, when: datetime) -> datetime:
        """Move a manual clock to `when` (under the store lock)."""
        with self.lock:
            try:
                now = self.manual_clock().set(when)
                self.store.purge_expired()
            finally:
                self.commit()
            return now

    def reset(self) -> None:
        """Drop stored data, the journal, violations and faults; keep the configuration and the clock."""
        # One critical section, so a thread holding the lock sees all of this state from before
        # the reset or all of it from after, never fresh data beside an old journal.
        with self.lock:
            self.store.reset()
            self.commit()
            self.journal.clear()
            self.violations.clear()
            self.faults.clear()


class CommittingLock:
    """`ServerState.lock` for code outside the server: leaving it commits what was changed under it.

    A test thread that writes through `MockServer.store` holds this lock; when its outermost hold
    ends, the store's changes are committed to the database (if there is one) before the lock is
    released, as a request's are before its answer. Re-entrant, like the lock it wraps.
    """

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._depth = threading.local()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock (re-entrant); False when `blocking` is False or `timeout` ran out first."""
        taken = self._state.lock.acquire(blocking, timeout)
        if taken:
            self._depth.value = getattr(self._depth, "value", 0) + 1
        return taken

    def release(self) -> None:
        """Give the lock back; the outermost release commits first (DatabaseWriteFailed after releasing)."""
        depth = getattr(self._depth, "value", 0)
        if depth < 1:
            raise RuntimeError("cannot release un-acquired lock")
        try:
            if depth == 1:
                self._state.commit_if_open()
        finally:
            self._depth.value = depth - 1
            self._state.lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
