"""Pages for people, above the HTTP layer: the docs page, the spec, and the inspector at `/__mock/ui`.

`add_ui_routes(app)` adds them to an application `http.app` built; `server.py` does that for
every app it serves, so `http/` never imports this layer.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..http.app_keys import STATE
from .access import admin_enabled
from .docs import add_docs_routes
from .inspector import PREFIX, add_inspector_routes
from .render import when

__all__ = ["PREFIX", "add_ui_routes", "when"]

_HERE = Path(__file__).resolve().parent


def add_ui_routes(app: web.Application) -> web.Application:
    """Serve `/`, `/docs`, `/openapi.{yaml,json}` and, unless the admin API is off, the inspector.

    The templates are rendered by `render.py`, which imports Jinja2 on the first page shown.
    """
    add_docs_routes(app)
    if admin_enabled(app[STATE]):
        add_inspector_routes(app)
        app.router.add_static(f"{PREFIX}/static", _HERE / "static", name="ui_static")
    return app
