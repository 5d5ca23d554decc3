"""Helpers for the inspector's tests: where its pages are, and a token switch for a running mock."""

from __future__ import annotations

from mockserver import MockServer
from mockserver.ui.access import tenant_handle
from mockserver.ui.inspector import PREFIX

__all__ = ["PREFIX", "group_path", "tenant_path"]


def tenant_path(key: str) -> str:
    """The inspector page of the tenant behind `key`."""
    return f"{PREFIX}/tenants/{tenant_handle(key)}"


def group_path(key: str, group_id: str) -> str:
    """The inspector page of one group."""
    return f"{tenant_path(key)}/groups/{group_id}"


def protect(mock: MockServer, token: str | None) -> None:
    """Configure (or drop) the admin token of a running mock."""
    mock.state.admin_token = token
