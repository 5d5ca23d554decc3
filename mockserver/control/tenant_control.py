"""One tenant's controls, for the tenant-scoped control API and the per-test Python handle.

Each function acts on the tenant of one API key only, under the server's lock: reset it,
read and move its own clock, dump and load its state document, read its journal and arm
its faults. The HTTP views (`/__admin/tenant/...`) and the pytest plugin's handle both
call these, so a test reads and changes a tenant through the same code either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..store import InvalidInput, ManualClock
from ..store.clock import iso_ms
from .faults import Fault
from .journal import JournalEntry
from .state import ServerState

__all__ = [
    "add_fault",
    "advance_clock",
    "check_operation_id",
    "clear_faults",
    "clock",
    "dump",
    "faults",
    "journal",
    "load",
    "reset",
    "set_clock",
]


def check_operation_id(state: ServerState, operation_id: str | None) -> None:
    """Raise InvalidInput naming the valid ids when `operation_id` is not one of the spec's operations."""
    if operation_id is not None and operation_id not in state.spec.operations:
        valid = ", ".join(sorted(state.spec.operations))
        raise InvalidInput(
            "operation_id", "enum", f"{operation_id!r} is not an operation; use one of {valid}"
        )


def reset(state: ServerState, key: str) -> None:
    """Drop the tenant's data, own clock, auto-exports, journal entries and faults; others are untouched."""
    with state.lock:
        state.store.reset_tenant(key)
        state.journal.forget(tenant=key)
        state.faults.clear(tenant=key)


def _clock_answer(state: ServerState, key: str) -> dict[str, Any]:
    tenant = state.store.tenant(key)
    manual = tenant.has_own_clock or isinstance(state.store.clock, ManualClock)
    return {"now": iso_ms(tenant.now()), "manual": manual, "tenant_clock": tenant.has_own_clock}


def clock(state: ServerState, key: str) -> dict[str, Any]:
    """Return the tenant's time, whether it is manual, and whether it is the tenant's own."""
    with state.lock:
        return _clock_answer(state, key)


def advance_clock(state: ServerState, key: str, seconds: float) -> dict[str, Any]:
    """Move the tenant's own clock forwards by `seconds` (freezing it first) and purge; answer as `clock`."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise InvalidInput("advance_seconds", "minimum", "must be a number of seconds >= 0")
    with state.lock:
        try:
            state.store.tenant(key).advance_clock(seconds)
        except OverflowError:  # past year 9999, or more seconds than a timedelta holds
            raise InvalidInput("advance_seconds", "maximum", "moves the clock past year 9999") from None
        return _clock_answer(state, key)


def set_clock(state: ServerState, key: str, when: datetime) -> dict[str, Any]:
    """Move the tenant's own clock to `when` (never backwards) and purge; answer as `clock`."""
    with state.lock:
        try:
            state.store.tenant(key).set_clock(when)
        except ValueError as exc:
            raise InvalidInput("set", "monotonic", str(exc)) from None
        return _clock_answer(state, key)


def dump(state: ServerState, key: str) -> dict[str, Any]:
    """Return the tenant's state document."""
    with state.lock:
        return state.store.tenant(key).dump()


def load(state: ServerState, key: str, document: Any) -> dict[str, Any]:
    """Replace the tenant with a state document, all or nothing; answer its group and event counts."""
    with state.lock:
        tenant = state.store.load_tenant(document, api_key=key)
        summary = tenant.dump()
    return {"ok": True, "groups": len(summary["groups"]), "events": len(summary["events"])}


def journal(
    state: ServerState,
    key: str,
    operation_id: str | None = None,
    *,
    method: str | None = None,
    path: str | None = None,
) -> list[JournalEntry]:
    """Return the tenant's journal entries matching every given criterion; an unknown operation id raises."""
    check_operation_id(state, operation_id)
    return state.journal.calls_to(operation_id, method=method, path=path, tenant=key)


def faults(state: ServerState, key: str) -> list[Fault]:
    """Return the faults armed for this tenant."""
    return state.faults.active_for(key)


def add_fault(state: ServerState, key: str, fields: Mapping[str, Any]) -> Fault:
    """Arm a fault for this tenant's requests only; InvalidInput names what is wrong with it."""
    if "tenant" in fields:
        raise InvalidInput(
            "tenant", "additionalProperties", "is not an allowed property (the fault is yours)"
        )
    try:
        return state.faults.add(Fault.from_json({**fields, "tenant": key}))
    except (TypeError, ValueError) as exc:
        raise InvalidInput("body", "fault", str(exc)) from None


def clear_faults(state: ServerState, key: str) -> int:
    """Disarm this tenant's faults; return how many."""
    return state.faults.clear(tenant=key)
