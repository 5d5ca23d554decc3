"""A tenant's time: the server's clock until a test gives the tenant a frozen clock of its own."""

from __future__ import annotations

from datetime import datetime

from .clock import Clock, ManualClock
from .shared import Shared

__all__ = ["TenantClock"]


class TenantClock:
    """The clock one tenant reads, and every move of it reported to `shared.changes`."""

    def __init__(self, shared: Shared, key: str) -> None:
        self._shared = shared
        self._key = key
        self._own: ManualClock | None = None

    @property
    def current(self) -> Clock:
        """The clock read now: the tenant's own once it has one, else the server's."""
        return self._own if self._own is not None else self._shared.clock

    @property
    def own_time(self) -> datetime | None:
        """The time of the tenant's own clock, or None while it follows the server's."""
        return self._own.now() if self._own is not None else None

    def now(self) -> datetime:
        """Return the tenant's current time."""
        return self._own.now() if self._own is not None else self._shared.clock.now()

    def freeze(self) -> ManualClock:
        """Give the tenant its own clock, frozen at the current time (a no-op once it has one)."""
        if self._own is None:
            self._own = ManualClock(self._shared.clock.now())
            self._shared.changes.tenant_clock_set(self._key, self._own.now())
        return self._own

    def advance(self, seconds: float) -> datetime:
        """Move the tenant's own clock forwards, freezing it first (ValueError if negative)."""
        now = self.freeze().advance(seconds)
        self._shared.changes.tenant_clock_set(self._key, now)
        return now

    def set(self, when: datetime) -> datetime:
        """Move the tenant's own clock to `when`, never backwards, freezing it first."""
        now = self.freeze().set(when)
        self._shared.changes.tenant_clock_set(self._key, now)
        return now

    def keep(self, when: datetime | None) -> None:
        """Freeze the tenant's own clock at `when`, or (None) follow the server's again; reported."""
        self.restore(when)
        self._shared.changes.tenant_clock_set(self._key, when)

    def restore(self, when: datetime | None) -> None:
        """As `keep`, telling `shared.changes` nothing (for loaders rebuilding a stored tenant)."""
        self._own = ManualClock(when) if when is not None else None
