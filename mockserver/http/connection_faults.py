"""Connection faults: break the connection the way real networks and servers do.

`reset` closes the connection with a TCP reset before any byte of an answer; `hang` holds
the connection without answering until the client gives up (or the fault's time runs out);
`truncate` sends the operation's real answer with its full `Content-Length` but only half
its body, then closes. The journal records each with the fault that caused it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

from aiohttp import web

from ..control.faults import DEFAULT_HANG_MS, Fault

__all__ = ["BROKEN_STATUS", "BrokenConnection", "hang", "reset", "truncate"]

BROKEN_STATUS = 0  # what the journal records for a connection that got no answer at all
_HANG_POLL_S = 0.05


class BrokenConnection(web.Response):
    """Stands for the answer a connection fault prevented; aiohttp's write of it fails quietly."""


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN: a reset, not an EOF.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def reset(request: web.Request) -> web.StreamResponse:
    """Reset the connection before any byte of an answer."""
    _abort(request)
    return BrokenConnection(status=BROKEN_STATUS)


async def hang(request: web.Request, fault: Fault) -> web.StreamResponse:
    """Hold the connection unanswered until the client closes it or the fault's time is up, then reset."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (fault.delay_ms or DEFAULT_HANG_MS) / 1000.0
    while loop.time() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            break
        await asyncio.sleep(_HANG_POLL_S)
    return reset(request)


async def truncate(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Send `response`'s status and headers with its full length, then half its body, then close."""
    body = response.body if isinstance(response.body, bytes) else b""
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = len(body)
    try:
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
    except ConnectionError:
        pass  # the client went first
    _abort(request)
    return stream
