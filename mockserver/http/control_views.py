"""The admin HTTP API under `/__admin/`, for harnesses that run the mock out of process.

Not part of the spec. The server-wide endpoints need `X-Admin-Token` when the server has an
admin token (401 without it, 403 with a wrong one) and are not routed at all with `admin=False`
(`--no-admin`: 404). Tenant-scoped endpoints (`/__admin/tenant/...`) authenticate with the
tenant's own key instead and are never guarded here. See docs/admin-api.md.
"""

from __future__ import annotations

import hmac
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Handler

from ..contract.validation import decode_json
from ..control.faults import Fault
from ..control.state import ServerState
from ..store import InvalidInput, ManualClock
from ..store.clock import iso_ms, parse_iso
from .app_keys import STATE
from .body import read_body
from .errors import Forbidden, Unauthorized, error_response, json_response

__all__ = ["ADMIN_TOKEN_HEADER", "add_admin_routes"]

ADMIN_TOKEN_HEADER: Final = "X-Admin-Token"


async def _json_object(request: web.Request) -> dict[str, Any]:
    raw = await read_body(request, request.app[STATE].body_timeout)
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


def _guarded(handler: Handler, token: str) -> Handler:
    """Wrap a server-wide admin view so it answers only callers that show the admin token."""
    expected = token.encode()

    async def guarded(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(ADMIN_TOKEN_HEADER)
        if given is None:
            raise Unauthorized(f"this server's admin API needs the {ADMIN_TOKEN_HEADER} header")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected):
            raise Forbidden(f"wrong {ADMIN_TOKEN_HEADER}")
        return await handler(request)

    return guarded


_SERVER_WIDE: Final[tuple[tuple[str, str, Handler, str], ...]] = (
    ("GET", "/__admin/health", health, "admin_health"),
    ("POST", "/__admin/reset", reset, "admin_reset"),
    ("GET", "/__admin/journal", journal, "admin_journal"),
    ("GET", "/__admin/violations", violations, "admin_violations"),
    ("GET", "/__admin/faults", list_faults, "admin_faults"),
    ("POST", "/__admin/faults", add_fault, "admin_faults_add"),
    ("DELETE", "/__admin/faults", clear_faults, "admin_faults_clear"),
    ("GET", "/__admin/clock", get_clock, "admin_clock"),
    ("POST", "/__admin/clock", move_clock, "admin_clock_move"),
    ("GET", "/__admin/exports", exports, "admin_exports"),
)


def add_admin_routes(app: web.Application, state: ServerState) -> None:
    """Register the admin API on `app` (route names start with `admin_`), guarded as `state` says."""
    router = app.router
    if state.admin_enabled:
        for method, path, handler, name in _SERVER_WIDE:
            view = _guarded(handler, state.admin_token) if state.admin_token is not None else handler
            router.add_route(method, path, view, name=name)
