"""Pages for people, above the HTTP layer: the docs page, the spec, and the inspector at `/__mock/ui`.

`add_ui_routes(app)` adds them to an application `http.app` built; `server.py` does that for
every app it serves, so `http/` never imports this layer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from aiohttp import web

from ..http.app_keys import STATE
from .access import PREFIX, admin_enabled
from .docs import add_docs_routes
from .render import when

__all__ = ["PREFIX", "add_inspector_routes", "add_ui_routes", "when"]

_HERE = Path(__file__).resolve().parent

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The inspector's routes: method, path below PREFIX, route name (its view in `inspector.VIEWS`).
_INSPECTOR_ROUTES: Final = (
    ("GET", "", "ui_tenants"),
    ("POST", "/login", "ui_login"),
    ("POST", "/reset", "ui_reset"),
    ("POST", "/find", "ui_find"),
    ("GET", "/tenants/{tenant}", "ui_groups"),
    ("GET", "/tenants/{tenant}/groups/{group}", "ui_group"),
    ("POST", "/tenants/{tenant}/groups/{group}/{action}", "ui_group_change"),
)


def _deferred(name: str) -> Handler:
    """Route to the inspector's view `name`, importing the inspector (and what it reads) on first use."""

    async def view(request: web.Request) -> web.StreamResponse:
        from .inspector import VIEWS  # noqa: PLC0415 - a server nobody inspects never loads the pages

        return await VIEWS[name](request)

    return view


def add_inspector_routes(app: web.Application) -> None:
    """Register the inspector's pages on `app` (route names start with `ui_`; GET without HEAD)."""
    for method, tail, name in _INSPECTOR_ROUTES:
        app.router.add_route(method, f"{PREFIX}{tail}", _deferred(name), name=name)


def add_ui_routes(app: web.Application) -> web.Application:
    """Serve `/`, `/docs`, `/openapi.{yaml,json}` and, unless the admin API is off, the inspector.

    The templates are rendered by `render.py`, which imports Jinja2 on the first page shown.
    """
    add_docs_routes(app)
    if admin_enabled(app[STATE]):
        add_inspector_routes(app)
        app.router.add_static(f"{PREFIX}/static", _HERE / "static", name="ui_static")
    return app
