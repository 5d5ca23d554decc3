"""Pages for people, above the HTTP layer: the docs page, the spec, and the inspector at `/__mock/ui`.

`add_ui_routes(app)` adds them to an application `http.app` built; `server.py` does that for
every app it serves, so `http/` never imports this layer.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from ..http.app_keys import STATE
from .access import admin_enabled
from .docs import add_docs_routes
from .inspector import PREFIX, add_inspector_routes

__all__ = ["PREFIX", "add_ui_routes"]

_HERE = Path(__file__).resolve().parent


def when(iso: str) -> str:
    """Show a wire timestamp (`2026-01-01T17:00:00.000Z`) as `2026-01-01 17:00:00`, to the second."""
    return iso.replace("T", " ", 1)[:19] if isinstance(iso, str) and len(iso) >= 19 else str(iso)


def add_ui_routes(app: web.Application) -> web.Application:
    """Serve `/`, `/docs`, `/openapi.{yaml,json}` and, unless the admin API is off, the inspector."""
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        filters={"when": when},
    )
    add_docs_routes(app)
    if admin_enabled(app[STATE]):
        add_inspector_routes(app)
        app.router.add_static(f"{PREFIX}/static", _HERE / "static", name="ui_static")
    return app
