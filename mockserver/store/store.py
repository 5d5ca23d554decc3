"""The store: one isolated tenant per API key, sharing a clock, an id factory and a cursor secret."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from .changes import Changes
from .clock import Clock, SystemClock
from .cursors import CursorCodec
from .errors import InvalidInput
from .ids import IdFactory
from .records import TenantRecord
from .shared import Shared
from .tenant import Tenant

__all__ = ["Store"]


class Store:
    """All tenants' state; synchronous and not thread-safe (one event loop drives it)."""

    def __init__(
        self, clock: Clock | None = None, ids: IdFactory | None = None, *, cursor_secret: bytes | None = None
    ) -> None:
        self.shared = Shared(
            clock=clock if clock is not None else SystemClock(),
            ids=ids if ids is not None else IdFactory(),
            cursors=CursorCodec(cursor_secret if cursor_secret is not None else secrets.token_bytes(32)),
        )
        self._tenants: dict[str, Tenant] = {}
        self._serial = 0

    @property
    def clock(self) -> Clock:
        """The clock every tenant reads."""
        return self.shared.clock

    @property
    def ids(self) -> IdFactory:
        """The id factory every tenant draws from."""
        return self.shared.ids

    @property
    def cursors(self) -> CursorCodec:
        """The codec that signs every tenant's cursors."""
        return self.shared.cursors

    @property
    def auto_exports(self) -> list[dict[str, Any]]:
        """Retention's automatic export batches, oldest first, across tenants."""
        return self.shared.auto_exports

    def tenant(self, api_key: str) -> Tenant:
        """Return the tenant for `api_key`, creating it on first use."""
        if not isinstance(api_key, str):
            raise InvalidInput("api_key", "type", "must be a string")
        tenant = self._tenants.get(api_key)
        if tenant is None:
            self._serial += 1
            tenant = self._tenants[api_key] = Tenant(self.shared, api_key, self._serial)
            self.shared.changes.tenant_created(api_key, self._serial)
        return tenant

    @property
    def serial(self) -> int:
        """The last tenant generation handed out (a reset never reuses one, so old cursors expire)."""
        return self._serial

    def observe(self, changes: Changes) -> None:
        """Report every later mutation to `changes` (the database attaches itself here)."""
        self.shared.changes = changes

    def restore(
        self, records: Iterable[TenantRecord], serial: int, auto_exports: Iterable[dict[str, Any]]
    ) -> None:
        """Rebuild tenants from durable records (see `Tenant.restore`), telling the observer nothing."""
        for record in records:
            self._tenants[record.key] = Tenant.restore(self.shared, record)
            serial = max(serial, record.generation)
        self._serial = max(self._serial, serial)
        self.auto_exports.extend(auto_exports)

    def tenants(self) -> list[str]:
        """Return the API keys that have state, sorted."""
        return sorted(self._tenants)

    def purge_expired(self) -> None:
        """Apply every tenant's retention at the current time, so moving the clock takes effect at once."""
        for tenant in self._tenants.values():
            tenant.purge_expired()

    def reset(self) -> None:
        """Drop every tenant's data and the auto-export log; a seeded id factory starts over."""
        self._tenants.clear()
        self.ids.reset()
        # Cleared in place: callers may hold a reference to this list.
        self.auto_exports.clear()
        self.shared.changes.store_reset()
