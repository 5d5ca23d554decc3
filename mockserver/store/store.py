"""The store: one isolated tenant per API key, sharing a clock, an id factory and a cursor secret."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .changes import Changes
from .clock import Clock, SystemClock
from .cursors import CursorCodec
from .errors import InvalidInput, TooManyTenants
from .ids import IdFactory
from .model import Event
from .records import GroupRecord, TenantRecord
from .shared import Shared
from .tenant import Tenant

if TYPE_CHECKING:
    from .state_document import TenantImage

__all__ = ["DEFAULT_MAX_TENANTS", "Store"]

DEFAULT_MAX_TENANTS = 10_000


def _record(image: TenantImage, key: str, generation: int) -> TenantRecord:
    """Turn a checked state document into the durable record `Tenant.restore` rebuilds from."""
    events: list[tuple[int, dict[str, Any], str]] = []
    for item in image.events:
        doc = Event.document(
            event_id=item.id, group_id=item.group_id, ts=item.ts, data=item.data, fingerprint=item.fingerprint
        )
        events.append((item.seq, dict(doc), doc.encoded))
    return TenantRecord(
        key=key,
        generation=generation,
        seq=events[-1][0] if events else 0,
        retention=image.retention,
        groups=[
            GroupRecord(
                group.id, group.fingerprint, group.title, group.exception_type, group.status, group.substatus
            )
            for group in image.groups
        ],
        events=events,
        idempotency=dict(image.idempotency),
        clock=image.clock,
    )


class Store:
    """All tenants' state; synchronous and not thread-safe (one event loop drives it).

    At most `max_tenants` tenants are held. A new key past that drops the oldest tenant that never
    stored anything (no event, idempotency key or retention change: a key that only read), else
    it is refused with `TooManyTenants` (429), so distinct keys cannot grow memory without bound.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        ids: IdFactory | None = None,
        *,
        cursor_secret: bytes | None = None,
        max_tenants: int = DEFAULT_MAX_TENANTS,
    ) -> None:
        if max_tenants < 1:
            raise ValueError(f"max_tenants must be at least 1, not {max_tenants}")
        self.max_tenants = max_tenants
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
            if len(self._tenants) >= self.max_tenants:
                self._make_room()
            self._serial += 1
            tenant = self._tenants[api_key] = Tenant(self.shared, api_key, self._serial)
            self.shared.changes.tenant_created(api_key, self._serial)
        return tenant

    def _make_room(self) -> None:
        for key, tenant in self._tenants.items():  # oldest first
            if tenant.is_pristine:
                del self._tenants[key]
                self.shared.changes.tenant_dropped(key)
                return
        raise TooManyTenants(self.max_tenants)

    def has_tenant(self, api_key: str) -> bool:
        """Tell whether `api_key` has state (without creating it)."""
        return api_key in self._tenants

    def reset_tenant(self, api_key: str) -> None:
        """Drop one tenant's data, its own clock and its auto-exports; other tenants are untouched.

        The key's next use starts an empty tenant on the server's clock; its old cursors read as expired.
        """
        if self._tenants.pop(api_key, None) is not None:
            self.shared.changes.tenant_dropped(api_key)
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
        from .state_document import read_document  # noqa: PLC0415 - only servers that load state need it

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
        tenant = Tenant.restore(self.shared, _record(image, key, generation))
        self._tenants[key] = tenant
        self._report_loaded(tenant, generation)
        return tenant

    def _report_loaded(self, tenant: Tenant, generation: int) -> None:
        """Tell the observer (the database) that a tenant was replaced, as the changes it is made of."""
        changes = self.shared.changes
        changes.tenant_dropped(tenant.key)
        changes.tenant_created(tenant.key, generation)
        for group in tenant.groups_in_order():
            changes.group_saved(tenant.key, group)
        for event in tenant.events_oldest_first():
            changes.event_added(tenant.key, event)
        changes.retention_set(tenant.key, tenant.retention_settings)
        for key, result in tenant.idempotency_results():
            changes.idempotency_recorded(tenant.key, key, result)
        if tenant.has_own_clock:
            changes.tenant_clock_set(tenant.key, tenant.now())

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
