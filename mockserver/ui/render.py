"""Render the pages' Jinja2 templates; Jinja2 is imported, and its environment built, on the first page.

One environment serves every app of the process (the templates and filters are the same for
all), so a server that never shows a page never imports Jinja2.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

if TYPE_CHECKING:
    import jinja2

__all__ = ["TEMPLATES", "render_template", "when"]

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"

_environment: jinja2.Environment | None = None
_lock = threading.Lock()


def when(iso: str) -> str:
    """Show a wire timestamp (`2026-01-01T17:00:00.000Z`) as `2026-01-01 17:00:00`, to the second."""
    return iso.replace("T", " ", 1)[:19] if isinstance(iso, str) and len(iso) >= 19 else str(iso)


def environment() -> jinja2.Environment:
    """Return the process's template environment, building it on first use."""
    global _environment  # noqa: PLW0603 - one lazily built environment per process
    env = _environment
    if env is None:
        with _lock:
            env = _environment
            if env is None:
                import jinja2  # noqa: PLC0415 - deferred to the first page

                env = jinja2.Environment(
                    loader=jinja2.FileSystemLoader(TEMPLATES),
                    autoescape=True,
                    undefined=jinja2.StrictUndefined,
                )
                env.filters["when"] = when
                _environment = env
    return env


def render_template(
    name: str, request: web.Request, context: Mapping[str, Any], *, status: int = 200
) -> web.Response:
    """Answer the template `name` rendered with `context`, as UTF-8 HTML."""
    text = environment().get_template(name).render(context)
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")
