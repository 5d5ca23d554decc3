"""The inspector at `/__mock/ui`: tenants, the group stream, a group's events, the journal, reset.

Pages are rendered on the server (Jinja2, autoescaped, see `render.py`); `inspector.js`
re-fetches the page every second and swaps the `#live` part in place, so it follows a running
test suite without a reload. Changes go through the store's own methods under the state lock
(`Tenant.set_status`, `Tenant.delete_group`) and `ServerState.reset`, as the API's do.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web
from yarl import URL

from ..control.state import ServerState
from ..http.app_keys import STATE
from ..store import DomainError
from ..store.clock import iso_ms
from .access import COOKIE, PREFIX, TOKEN_HEADER, admin_token, is_allowed, mask_key, tenant_handle
from .render import render_template
from .snapshot import (
    GroupFilters,
    find_tenant,
    group_rows,
    journal_rows,
    sparkline_points,
    spec_enum,
    store_session,
    tenant_rows,
)

__all__ = ["PREFIX", "VIEWS"]

ACTIONS: Final = {"resolve": "resolved", "unresolve": "unresolved", "ignore": "ignored"}
EVENTS_SHOWN: Final = 50

View = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _state(request: web.Request) -> ServerState:
    return request.app[STATE]


class Missing(Exception):
    """The tenant or group a page names is not there (any more): answered with an HTML 404."""


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _cross_site(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if request.method == "GET" or origin is None:
        return False
    return origin == "null" or URL(origin).raw_authority != request.host


def _protected(view: View) -> View:
    """Answer the token form (401) unless the request may use the inspector; keep a given token."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        state = _state(request)
        if _cross_site(request):
            return web.Response(status=403, text="cross-site request refused")
        if not is_allowed(state, request):
            wrong = bool(request.query.get("token") or request.headers.get(TOKEN_HEADER))
            context = _common(state, wrong=wrong, next=request.path)
            return render_template("login.html", request, context, status=401)
        if "token" in request.query and request.method == "GET":
            # Keep the token in the cookie and drop it from the address bar (and from history).
            rest = {name: value for name, value in request.query.items() if name != "token"}
            response = _see_other(request.path + (f"?{urlencode(rest)}" if rest else ""))
            _remember(response, request.query["token"])
            return response
        try:
            return await view(request)
        except Missing as exc:
            context = _common(state, message=str(exc))
            return render_template("missing.html", request, context, status=404)

    return guarded


def _remember(response: web.StreamResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, path=PREFIX, httponly=True, samesite="Strict")


async def login(request: web.Request) -> web.StreamResponse:
    """Take the token from the form; a right one is kept in the cookie."""
    state = _state(request)
    form = await request.post()
    token = str(form.get("token", ""))
    target = str(form.get("next", PREFIX))
    if not target.startswith(PREFIX):
        target = PREFIX
    expected = admin_token(state)
    if _cross_site(request):
        return web.Response(status=403, text="cross-site request refused")
    if expected is not None and not hmac.compare_digest(token.encode(), expected.encode()):
        context = _common(state, wrong=True, next=target)
        return render_template("login.html", request, context, status=401)
    response = _see_other(target)
    if expected is not None:
        _remember(response, token)
    return response


def _fmt_time(value: float) -> str:
    return iso_ms(datetime.fromtimestamp(value, UTC))


def _common(state: ServerState, **context: Any) -> dict[str, Any]:
    return {"prefix": PREFIX, "protected": admin_token(state) is not None, "fmt_time": _fmt_time, **context}


async def tenants(request: web.Request) -> web.StreamResponse:
    """Render the tenant picker and the whole server's journal."""
    state = _state(request)
    context = _common(state, tenants=tenant_rows(state), journal=journal_rows(state))
    return render_template("tenants.html", request, context)


def _tenant_key(request: web.Request) -> str:
    key = find_tenant(_state(request), request.match_info["tenant"])
    if key is None:
        raise Missing("no such tenant (reset, or never used)")
    return key


async def groups(request: web.Request) -> web.StreamResponse:
    """Render one tenant's group stream with filters, and its journal."""
    state = _state(request)
    key = _tenant_key(request)
    filters = GroupFilters.from_query(request.query)
    context = _common(
        state,
        handle=tenant_handle(key),
        masked=mask_key(key),
        filters=filters,
        listing=group_rows(state, key, filters),
        statuses=spec_enum(state, "GroupStatus"),
        levels=spec_enum(state, "Level"),
        environments=spec_enum(state, "Environment"),
        journal=journal_rows(state, key),
    )
    return render_template("groups.html", request, context)


async def group(request: web.Request) -> web.StreamResponse:
    """Render one group: its detail, its newest events with their stacks, and the lifecycle buttons."""
    state = _state(request)
    key = _tenant_key(request)
    group_id = request.match_info["group"]
    with store_session(state):
        tenant = state.store.tenant(key)
        try:
            detail = tenant.group_detail(group_id)
            events = tenant.group_events(group_id, limit=EVENTS_SHOWN).items
        except DomainError:
            raise Missing("no such group (deleted, purged or reset)") from None
    hourly = [bucket["count"] for bucket in detail["hourly"]]
    context = _common(
        state,
        handle=tenant_handle(key),
        masked=mask_key(key),
        detail=detail,
        events=[_event_view(event) for event in events],
        hourly=hourly,
        points=sparkline_points(hourly),
        actions=ACTIONS,
    )
    return render_template("group.html", request, context)


def _event_view(event: Any) -> dict[str, Any]:
    doc = dict(event)
    exception = doc.get("exception") or {}
    stack = doc.get("stack") or exception.get("stacktrace") or ""
    doc["stack_lines"] = stack.splitlines()
    return doc


async def change_group(request: web.Request) -> web.StreamResponse:
    """Resolve, unresolve, ignore or delete a group, as the API's operations do."""
    state = _state(request)
    key = _tenant_key(request)
    group_id = request.match_info["group"]
    action = request.match_info["action"]
    handle = tenant_handle(key)
    with store_session(state):
        tenant = state.store.tenant(key)
        try:
            if action == "delete":
                tenant.delete_group(group_id)
            elif action in ACTIONS:
                tenant.set_status(group_id, ACTIONS[action])  # type: ignore[arg-type]
            else:
                raise Missing(f"no action {action!r}")
        except DomainError:
            raise Missing("no such group (deleted, purged or reset)") from None
    if action == "delete":
        return _see_other(f"{PREFIX}/tenants/{handle}")
    return _see_other(f"{PREFIX}/tenants/{handle}/groups/{group_id}")


async def find(request: web.Request) -> web.StreamResponse:
    """Open a tenant by its full API key (posted, so the key stays out of URLs and history)."""
    state = _state(request)
    key = str((await request.post()).get("key", "")).strip()
    if key and key in _keys(state):
        return _see_other(f"{PREFIX}/tenants/{tenant_handle(key)}")
    raise Missing("no tenant has that API key (it has sent nothing since the last reset)")


def _keys(state: ServerState) -> list[str]:
    with store_session(state):
        return state.store.tenants()


async def reset(request: web.Request) -> web.StreamResponse:
    """Drop every tenant's data, the journal, violations and faults (as `POST /__admin/reset`)."""
    _state(request).reset()
    return _see_other(PREFIX)


# The views by route name; `ui/__init__.py` routes to them and imports this module on the first page.
VIEWS: Final[dict[str, View]] = {
    "ui_tenants": _protected(tenants),
    "ui_login": login,
    "ui_reset": _protected(reset),
    "ui_find": _protected(find),
    "ui_groups": _protected(groups),
    "ui_group": _protected(group),
    "ui_group_change": _protected(change_group),
}
