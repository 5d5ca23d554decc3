"""The control API under `/__admin/`, for harnesses that run the mock out of process.

Described by its own OpenAPI document, `spec/control.yaml`: every route here is one of its
operations (the route name is the operationId). `_controlled` checks each request against
that document first (unknown or repeated query parameters, body fields and values are a 400
naming them), authenticates the tenant-scoped ones with the tenant's own bearer key, and the
middleware checks each answer against the document. See docs/admin-api.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web

from ..control import tenant_control
from ..control.faults import Fault
from ..store import InvalidInput, ManualClock
from ..store.clock import iso_ms, parse_iso
from .app_keys import STATE, TENANT
from .body import read_body
from .errors import error_response, json_response
from .operations import bearer_token

__all__ = ["ROUTES", "ControlCall", "add_admin_routes"]


@dataclass(frozen=True, slots=True)
class ControlCall:
    """A checked control request: query parameters by name, the JSON body, the tenant's key if scoped."""

    params: dict[str, Any]
    body: Any
    tenant: str | None


View = Callable[[web.Request, ControlCall], Awaitable[web.StreamResponse]]


def _controlled(operation_id: str, view: View) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        validators = state.control_validators
        if validators is None:
            raise web.HTTPNotFound()
        validator = validators[operation_id]
        op = validator.op
        tenant: str | None = None
        if op.operation_id.startswith("admin_tenant_"):
            tenant = bearer_token(request.headers.get("Authorization"), state.api_keys)
            request[TENANT] = tenant
        declared = {param.name for param in op.parameters if param.location == "query"}
        for name in request.query:
            if name not in declared:
                raise InvalidInput(name, "unknown_parameter", "is not a query parameter of this endpoint")
            if len(request.query.getall(name)) > 1:
                raise InvalidInput(name, "repeated", "is given more than once")
        params = validator.params(request.match_info, request.query, request.headers)
        body = None
        if op.body is not None:
            # Read as JSON whatever the Content-Type: `curl -d` sends form-encoded by default.
            body = validator.body(await read_body(request), "application/json")
        return await view(request, ControlCall(params, body, tenant))

    return endpoint


# -- server-wide -----------------------------------------------------------------------------------


async def health(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Answer 200 while the server runs."""
    state = request.app[STATE]
    return json_response(200, {"ok": True, "operations": len(state.spec.operations), "strict": state.strict})


async def reset(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Drop stored data, the journal, violations and faults."""
    request.app[STATE].reset()
    return json_response(200, {"ok": True})


def _journal_answer(entries: list[Any]) -> web.StreamResponse:
    return json_response(200, {"count": len(entries), "entries": [entry.as_json() for entry in entries]})


async def journal(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """List recorded requests, optionally narrowed by operation_id, tenant, method and path."""
    state = request.app[STATE]
    params = call.params
    tenant_control.check_operation_id(state, params["operation_id"])
    entries = state.journal.calls_to(
        params["operation_id"], path=params["path"], method=params["method"], tenant=params["tenant"]
    )
    return _journal_answer(entries)


async def violations(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """List the responses that broke the spec."""
    found = list(request.app[STATE].violations)
    return json_response(200, {"count": len(found), "violations": [item.as_json() for item in found]})


def _faults_answer(faults: list[Fault]) -> web.StreamResponse:
    return json_response(200, {"faults": [fault.as_json() for fault in faults]})


async def list_faults(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """List the armed faults."""
    return _faults_answer(request.app[STATE].faults.active)


async def add_fault(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Arm one fault; the body holds `Fault` fields."""
    try:
        fault = request.app[STATE].faults.add(Fault.from_json(call.body))
    except (TypeError, ValueError) as exc:
        raise InvalidInput("body", "fault", str(exc)) from None
    return json_response(201, {"ok": True, "fault": fault.as_json()})


async def clear_faults(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Disarm every fault."""
    return json_response(200, {"ok": True, "cleared": request.app[STATE].faults.clear()})


async def get_clock(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Tell the server's time and whether the clock is manual."""
    clock = request.app[STATE].clock
    return json_response(200, {"now": iso_ms(clock.now()), "manual": isinstance(clock, ManualClock)})


def _clock_move(body: dict[str, Any]) -> tuple[str, Any]:
    """Return ("advance", seconds) or ("set", datetime) from a checked ClockMove body."""
    if len(body) != 1:
        raise InvalidInput("body", "oneOf", 'give exactly one of "advance_seconds" and "set"')
    if "advance_seconds" in body:
        return "advance", body["advance_seconds"]
    when = parse_iso(body["set"])
    if when is None:
        raise InvalidInput("set", "format", "must be an ISO-8601 date-time with a timezone")
    return "set", when


async def move_clock(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Advance (`{"advance_seconds": n}`) or set (`{"set": iso}`) a manual clock."""
    state = request.app[STATE]
    kind, value = _clock_move(call.body)
    if not isinstance(state.clock, ManualClock):
        return error_response(
            409, "the server's clock is not manual (start it with a manual clock)", code="CONFLICT"
        )
    if kind == "advance":
        try:
            now = state.advance_clock(value)
        except OverflowError:  # past year 9999, or more seconds than a timedelta holds
            raise InvalidInput("advance_seconds", "maximum", "moves the clock past year 9999") from None
    else:
        try:
            now = state.set_clock(value)
        except ValueError as exc:
            raise InvalidInput("set", "monotonic", str(exc)) from None
    return json_response(200, {"now": iso_ms(now), "manual": True})


async def exports(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """List the exports written by retention cleanup."""
    with request.app[STATE].lock:
        found = list(request.app[STATE].store.auto_exports)
    return json_response(200, {"count": len(found), "exports": found})


# -- tenant-scoped (the caller's own key) ----------------------------------------------------------


def _key(call: ControlCall) -> str:
    assert call.tenant is not None  # `_controlled` authenticated the tenant-scoped routes
    return call.tenant


async def tenant_reset(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Reset the caller's tenant only."""
    tenant_control.reset(request.app[STATE], _key(call))
    return json_response(200, {"ok": True})


async def tenant_clock(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Tell the caller's tenant's time."""
    return json_response(200, tenant_control.clock(request.app[STATE], _key(call)))


async def tenant_clock_move(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Move the caller's tenant's own clock."""
    state = request.app[STATE]
    kind, value = _clock_move(call.body)
    if kind == "advance":
        return json_response(200, tenant_control.advance_clock(state, _key(call), value))
    return json_response(200, tenant_control.set_clock(state, _key(call), value))


async def tenant_state(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Dump the caller's tenant as a state document."""
    return json_response(200, tenant_control.dump(request.app[STATE], _key(call)))


async def tenant_state_load(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Replace the caller's tenant with the state document in the body."""
    return json_response(200, tenant_control.load(request.app[STATE], _key(call), call.body))


async def tenant_journal(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """List the caller's tenant's requests."""
    params = call.params
    entries = tenant_control.journal(
        request.app[STATE], _key(call), params["operation_id"], method=params["method"], path=params["path"]
    )
    return _journal_answer(entries)


async def tenant_faults(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """List the caller's tenant's faults."""
    return _faults_answer(tenant_control.faults(request.app[STATE], _key(call)))


async def tenant_fault_add(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Arm a fault for the caller's requests."""
    fault = tenant_control.add_fault(request.app[STATE], _key(call), call.body)
    return json_response(201, {"ok": True, "fault": fault.as_json()})


async def tenant_faults_clear(request: web.Request, call: ControlCall) -> web.StreamResponse:
    """Disarm the caller's faults."""
    cleared = tenant_control.clear_faults(request.app[STATE], _key(call))
    return json_response(200, {"ok": True, "cleared": cleared})


# Route name (= the control spec's operationId) -> (method, path, view).
ROUTES: Final[dict[str, tuple[str, str, View]]] = {
    "admin_health": ("GET", "/__admin/health", health),
    "admin_reset": ("POST", "/__admin/reset", reset),
    "admin_journal": ("GET", "/__admin/journal", journal),
    "admin_violations": ("GET", "/__admin/violations", violations),
    "admin_faults": ("GET", "/__admin/faults", list_faults),
    "admin_faults_add": ("POST", "/__admin/faults", add_fault),
    "admin_faults_clear": ("DELETE", "/__admin/faults", clear_faults),
    "admin_clock": ("GET", "/__admin/clock", get_clock),
    "admin_clock_move": ("POST", "/__admin/clock", move_clock),
    "admin_exports": ("GET", "/__admin/exports", exports),
    "admin_tenant_reset": ("POST", "/__admin/tenant/reset", tenant_reset),
    "admin_tenant_clock": ("GET", "/__admin/tenant/clock", tenant_clock),
    "admin_tenant_clock_move": ("POST", "/__admin/tenant/clock", tenant_clock_move),
    "admin_tenant_state": ("GET", "/__admin/tenant/state", tenant_state),
    "admin_tenant_state_load": ("PUT", "/__admin/tenant/state", tenant_state_load),
    "admin_tenant_journal": ("GET", "/__admin/tenant/journal", tenant_journal),
    "admin_tenant_faults": ("GET", "/__admin/tenant/faults", tenant_faults),
    "admin_tenant_faults_add": ("POST", "/__admin/tenant/faults", tenant_fault_add),
    "admin_tenant_faults_clear": ("DELETE", "/__admin/tenant/faults", tenant_faults_clear),
}


def add_admin_routes(app: web.Application) -> None:
    """Register the control API on `app` (route names are the control spec's operationIds)."""
    for name, (method, path, view) in ROUTES.items():
        if method == "GET":
            app.router.add_get(path, _controlled(name, view), name=name, allow_head=False)
        else:
            app.router.add_route(method, path, _controlled(name, view), name=name)
