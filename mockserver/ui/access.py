"""Who may use the inspector, and how tenants appear in it (masked, addressed by a handle).

The inspector reads and changes the same state as `/__admin/`, so it obeys the same protection:
off when the admin API is off, and behind the admin token when one is configured. The token is
given once (`?token=`, the login form or the `X-Admin-Token` header) and then kept in an
HttpOnly, SameSite=Strict cookie scoped to the inspector's path.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from aiohttp import web

from ..control.state import ServerState

__all__ = [
    "COOKIE",
    "TOKEN_HEADER",
    "admin_enabled",
    "admin_token",
    "given_token",
    "is_allowed",
    "mask_key",
    "tenant_handle",
]

COOKIE: Final = "infrai_mock_admin"
TOKEN_HEADER: Final = "X-Admin-Token"


def admin_token(state: ServerState) -> str | None:
    """Return the admin token that protects the control API, or None when it is open.

    The hook for the control API's protection (`ServerState.admin_token`, set by `--admin-token`).
    """
    token = getattr(state, "admin_token", None)
    return token if isinstance(token, str) and token else None


def admin_enabled(state: ServerState) -> bool:
    """Tell whether the control API is on (`--no-admin` turns it, and the inspector, off)."""
    return bool(getattr(state, "admin_enabled", True))


def given_token(request: web.Request) -> str | None:
    """Return the token a request carries: header, `?token=` or the inspector's cookie."""
    return request.headers.get(TOKEN_HEADER) or request.query.get("token") or request.cookies.get(COOKIE)


def is_allowed(state: ServerState, request: web.Request) -> bool:
    """Tell whether no token is configured or the request carries the right one."""
    expected = admin_token(state)
    if expected is None:
        return True
    offered = given_token(request)
    return offered is not None and hmac.compare_digest(offered.encode(), expected.encode())


def mask_key(key: str) -> str:
    """Show an API key without revealing it: a short prefix and suffix only."""
    if len(key) <= 8:
        return key[:2] + "…"
    return f"{key[:4]}…{key[-4:]}"


def tenant_handle(key: str) -> str:
    """Name a tenant in URLs stably and opaquely, so raw keys never appear in links or logs."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
