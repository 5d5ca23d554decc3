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

from ..control import masking
from ..control.state import ServerState
from ..http.control_views import ADMIN_TOKEN_HEADER

__all__ = [
    "COOKIE",
    "PREFIX",
    "TOKEN_HEADER",
    "admin_enabled",
    "admin_token",
    "given_token",
    "is_allowed",
    "mask_key",
    "tenant_handle",
]

PREFIX: Final = "/__mock/ui"  # where the inspector lives

COOKIE: Final = "infrai_mock_admin"
TOKEN_HEADER: Final = ADMIN_TOKEN_HEADER  # the control API's header, read by the inspector too


def admin_token(state: ServerState) -> str | None:
    """Return the admin token that protects the control API (`--admin-token`), or None when it is open."""
    return state.admin_token or None


def admin_enabled(state: ServerState) -> bool:
    """Tell whether the control API is on (`--no-admin` turns it, and the inspector, off)."""
    return state.admin_enabled


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
    """Show an API key without revealing it: the control layer's one masking rule (prefix + hash)."""
    return masking.mask_key(key)


def tenant_handle(key: str) -> str:
    """Name a tenant in URLs stably and opaquely, so raw keys never appear in links or logs."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
