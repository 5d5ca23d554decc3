"""Pages for people: `/` (where to go), `/docs` (the spec as an interactive reference) and the spec itself.

`/docs` is Swagger UI, served from the files the `swagger-ui-py` package ships, so it works
offline; it reads `/openapi.json`, the very document the mock is driven by.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Final

from aiohttp import web

from ..http.app_keys import STATE
from .access import admin_enabled
from .render import render_template

__all__ = ["add_docs_routes", "swagger_assets"]

DOCS: Final = "/docs"


def swagger_assets() -> Path:
    """Return the folder of Swagger UI's distribution files, as shipped by `swagger-ui-py`.

    Found without importing `swagger_ui` (which imports PyYAML and more): only its files are served.
    """
    found = importlib.util.find_spec("swagger_ui")
    if found is None or not found.submodule_search_locations:
        raise ModuleNotFoundError("swagger-ui-py is not installed (it ships the files of /docs)")
    return Path(next(iter(found.submodule_search_locations))) / "static"


async def home(request: web.Request) -> web.StreamResponse:
    """Say what the server is and link the docs and the inspector."""
    state = request.app[STATE]
    context = {"operations": len(state.spec.operations), "inspector": admin_enabled(state)}
    return render_template("home.html", request, context)


async def docs(request: web.Request) -> web.StreamResponse:
    """Render the interactive API reference."""
    return render_template("docs.html", request, {"title": _title(request)})


def _title(request: web.Request) -> str:
    info = request.app[STATE].spec.document.get("info", {})
    title = info.get("title") if isinstance(info, dict) else None
    return title if isinstance(title, str) else "API reference"


async def openapi_yaml(request: web.Request) -> web.StreamResponse:
    """Serve the spec as the file the mock was started with."""
    text = request.app[STATE].spec.path.read_bytes()
    return web.Response(body=text, content_type="application/yaml", charset="utf-8")


async def openapi_json(request: web.Request) -> web.StreamResponse:
    """Serve the same document as JSON (what Swagger UI and many generators read)."""
    body = json.dumps(request.app[STATE].spec.document, ensure_ascii=False, default=str)
    return web.Response(text=body, content_type="application/json")


def add_docs_routes(app: web.Application) -> None:
    """Register `/`, `/docs`, its assets, `/openapi.yaml` and `/openapi.json` (route names start `ui_`)."""
    router = app.router
    router.add_get("/", home, name="ui_home", allow_head=False)
    router.add_get(DOCS, docs, name="ui_docs", allow_head=False)
    router.add_static(f"{DOCS}/assets", swagger_assets(), name="ui_docs_assets")
    router.add_get("/openapi.yaml", openapi_yaml, name="ui_openapi_yaml", allow_head=False)
    router.add_get("/openapi.json", openapi_json, name="ui_openapi_json", allow_head=False)
