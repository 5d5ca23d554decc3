"""The store: one isolated tenant per API key, sharing a clock, an id factory and a cursor secret."""

from __future__ import annotations

import secrets
from typing import Any

from .clock import Clock, SystemClock
from .cursors import CursorCodec
from .errors import InvalidInput
from .ids import IdFactory
from .shared import Shared
from .state_document import read_document
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
        return tenant

    def has_tenant(self, api_key: str) -> bool:
        """Tell whether `api_key` has state (without creating it)."""
        return api_key in self._tenants

    def reset_tenant(self, api_key: str) -> None:
        """Drop one tenant's data, its own clock and its auto-exports; other tenants are untouched.

        The key's next use starts an empty tenant on the server's clock; its old cursors read as expired.
        """
        self._tenants.pop(api_key, None)
        # In place: callers may hold a reference to this list.
        self.auto_exports[:] = [batch for batch in self.auto_exports if batch.get("tenant") != api_key]

    def load_tenant(self, document: Any, *, api_key: str | None = None) -> Tenant:
        """Replace one tenant with the state document `document`, all or nothing; return the new tenant.

        The tenant's key is `api_key`, else the document's `api_key`. The whole document is checked
        first (`state_document.read_document`): a bad one raises `InvalidInput` naming its first
        problem and changes nothing. Events keep their own ids, timestamps and group ids (missing
        ones are generated); groups, counters, indexes and idempotency keys are rebuilt exactly, so
        `store.load_tenant(tenant.dump())` gives a tenant that answers every query as the original.
        A document's `generation` (written by `dump(internal=True)`) is kept, so the cursors of a
        restored tenant stay valid; without one the tenant is a new incarnation.
        """
        image = read_document(document, now=self.shared.clock.now, new_id=self.ids.new)
        key = api_key if api_key is not None else image.api_key
        if key is None:
            raise InvalidInput("api_key", "required", "name the tenant's key in the document or the call")
        if not isinstance(key, str) or not key:
            raise InvalidInput("api_key", "type", "must be a non-empty string")
        if image.generation is not None:
            generation = image.generation
            self._serial = max(self._serial, generation)
        else:
            self._serial += 1
            generation = self._serial
        tenant = Tenant(self.shared, key, generation)
        tenant.restore(image)
        self._tenants[key] = tenant
        return tenant

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
