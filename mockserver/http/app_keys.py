"""Typed keys for what the mock keeps on the aiohttp application and on each request."""

from __future__ import annotations

from aiohttp import web

from ..control.faults import Fault
from ..control.state import ServerState

__all__ = ["BROKEN", "FAULTS", "REQUEST_BODY", "STATE", "TENANT"]

STATE = web.AppKey("infrai_mock_state", ServerState)
# What the journal records about a request, set by the operation endpoint as it learns it.
TENANT = web.RequestKey("infrai_mock_tenant", str)
REQUEST_BODY = web.RequestKey("infrai_mock_request_body", object)
# The faults that hit a request (delays first, then the status or connection fault), for the journal.
FAULTS = web.RequestKey("infrai_mock_faults", tuple[Fault, ...])
# Set when a connection fault broke the answer: the response is not checked against the spec.
BROKEN = web.RequestKey("infrai_mock_broken", str)
