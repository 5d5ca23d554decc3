"""Typed keys for what the mock keeps on the aiohttp application and on each request."""

from __future__ import annotations

from aiohttp import web

from ..control.state import ServerState

__all__ = ["REQUEST_BODY", "REQUEST_SIZE", "STATE", "TENANT"]

STATE = web.AppKey("infrai_mock_state", ServerState)
# What the journal records about a request, set by the operation endpoint as it learns it.
TENANT = web.RequestKey("infrai_mock_tenant", str)
REQUEST_BODY = web.RequestKey("infrai_mock_request_body", object)
REQUEST_SIZE = web.RequestKey("infrai_mock_request_size", int)  # body bytes read, for the journal bound
