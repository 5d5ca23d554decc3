"""The admin HTTP API under `/__admin/`, for harnesses that run the mock out of process.

Not part of the spec and never authenticated. See docs/admin-api.md.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..contract.validation import decode_json
from ..control.faults import Fault
from ..store import InvalidInput, ManualClock
from ..store.clock import iso_ms, parse_iso
from .app_keys import STATE
from .body import read_body
from .errors import error_response, json_response

__all__ = ["add_admin_routes"]


async def _json_object(request: web.Request) -> dict[str, Any]:
    raw = await read_body(request)
    value = decode_json(raw, "body") if raw else {}
    if not isinstance(value, dict):
        raise InvalidInput("body", "type", "must be a JSON object")
    return value


async def health(request: web.Request) -> web.StreamResponse:
    """Answer 200 while the server runs."""
    state = request.app[STATE]
    return json_response(200, {"ok": True, "operations": len(state.spec.operations), "strict": state.strict})


async def reset(request: web.Request) -> web.StreamResponse:
    """Drop stored data, the journal, violations and faults."""
    request.app[STATE].reset()
    return json_response(200, {"ok": True})


async def journal(request: web.Request) -> web.StreamResponse:
    """List recorded requests, optionally narrowed by operation_id, tenant, method and path."""
    query = request.query
    entries = request.app[STATE].journal.calls_to(
        query.get("operation_id"),
        path=query.get("path"),
        method=query.get("method"),
        tenant=query.get("tenant"),
    )
    return json_response(200, {"count": len(entries), "entries": [entry.as_json() for entry in entries]})


async def violations(request: web.Request) -> web.StreamResponse:
    """List the responses that broke the spec."""
    found = list(request.app[STATE].violations)
    return json_response(200, {"count": len(found), "violations": [item.as_json() for item in found]})


async def list_faults(request: web.Request) -> web.StreamResponse:
    """List the armed faults."""
    return json_response(200, {"faults": [fault.as_json() for fault in request.app[STATE].faults.active]})


async def add_fault(request: web.Request) -> web.StreamResponse:
    """Arm one fault; the body holds `Fault` fields."""
    try:
        fault = request.app[STATE].faults.add(Fault.from_json(await _json_object(request)))
    except (TypeError, ValueError) as exc:
        raise InvalidInput("body", "fault", str(exc)) from None
    return json_response(201, {"ok": True, "fault": fault.as_json()})


async def clear_faults(request: web.Request) -> web.StreamResponse:
    """Disarm every fault."""
    faults = request.app[STATE].faults
    cleared = len(faults)
    faults.clear()
    return json_response(200, {"ok": True, "cleared": cleared})


async def get_clock(request: web.Request) -> web.StreamResponse:
    """Tell the server's time and whether the clock is manual."""
    clock = request.app[STATE].clock
    return json_response(200, {"now": iso_ms(clock.now()), "manual": isinstance(clock, ManualClock)})


async def move_clock(request: web.Request) -> web.StreamResponse:
    """Advance (`{"advance_seconds": n}`) or set (`{"set": iso}`) a manual clock."""
    state = request.app[STATE]
    body = await _json_object(request)
    if not isinstance(state.clock, ManualClock):
        return error_response(
            409, "the server's clock is not manual (start it with a manual clock)", code="CONFLICT"
        )
    if set(body) == {"advance_seconds"}:
        seconds = body["advance_seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise InvalidInput("advance_seconds", "minimum", "must be a number of seconds >= 0")
        try:
            now = state.advance_clock(seconds)
        except OverflowError:  # past year 9999, or more seconds than a timedelta holds
            raise InvalidInput("advance_seconds", "maximum", "moves the clock past year 9999") from None
    elif set(body) == {"set"}:
        when = parse_iso(body["set"]) if isinstance(body["set"], str) else None
        if when is None:
            raise InvalidInput("set", "format", "must be an ISO-8601 date-time with a timezone")
        try:
            now = state.set_clock(when)
        except ValueError as exc:
            raise InvalidInput("set", "monotonic", str(exc)) from None
    else:
        raise InvalidInput("body", "oneOf", 'give exactly one of "advance_seconds" and "set"')
    return json_response(200, {"now": iso_ms(now), "manual": True})


async def exports(request: web.Request) -> web.StreamResponse:
    """List the exports written by retention cleanup."""
    with request.app[STATE].lock:
        found = list(request.app[STATE].store.auto_exports)
    return json_response(200, {"count": len(found), "exports": found})


def add_admin_routes(app: web.Application) -> None:
    """Register the admin API on `app` (route names start with `admin_`)."""
    router = app.router
    router.add_get("/__admin/health", health, name="admin_health", allow_head=False)
    router.add_post("/__admin/reset", reset, name="admin_reset")
    router.add_get("/__admin/journal", journal, name="admin_journal", allow_head=False)
    router.add_get("/__admin/violations", violations, name="admin_violations", allow_head=False)
    router.add_get("/__admin/faults", list_faults, name="admin_faults", allow_head=False)
    router.add_post("/__admin/faults", add_fault, name="admin_faults_add")
    router.add_delete("/__admin/faults", clear_faults, name="admin_faults_clear")
    router.add_get("/__admin/clock", get_clock, name="admin_clock", allow_head=False)
    router.add_post("/__admin/clock", move_clock, name="admin_clock_move")
    router.add_get("/__admin/exports", exports, name="admin_exports", allow_head=False)
