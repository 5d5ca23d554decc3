"""Reading a request body off the wire, with transport failures mapped to what caused them."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..store import InvalidInput
from .errors import RequestTimeout

__all__ = ["read_body"]

_MAX_REASON = 120  # characters of aiohttp's explanation quoted back


async def read_body(request: web.Request, timeout: float) -> bytes:
    """Return the (decompressed) request body; a body that cannot be decoded as sent is 400.

    A body that has not fully arrived `timeout` seconds after the read started is 408 (and the
    connection is closed after the answer: `protocol.MockRequestHandler.finish_response`).

    aiohttp raises `HTTPRequestEntityTooLarge` past `client_max_size` (answered as 413) and
    `ConnectionResetError` when the client hangs up mid-body (the middleware drops that quietly).
    """
    try:
        if request.content.is_eof():
            return await request.read()  # all there already: no timer to set up (the common case)
        async with asyncio.timeout(timeout if timeout > 0 else None):
            return await request.read()
    except TimeoutError:
        raise RequestTimeout(timeout) from None
    except web.RequestPayloadError as exc:
        # E.g. `Content-Encoding: gzip` on a plain body, or a broken chunked encoding: the client's
        # mistake, not the mock's. aiohttp's text is "400, message:\n  <reason>"; keep the reason.
        lines = str(exc).strip().splitlines() or ["unknown"]
        reason = lines[-1].strip()[:_MAX_REASON]
        raise InvalidInput("body", "encoding", f"cannot be read as sent ({reason})") from None
