"""Reading a request body off the wire, with transport failures mapped to what caused them."""

from __future__ import annotations

from aiohttp import web

from .store import InvalidInput

__all__ = ["read_body"]

_MAX_ECHO = 40  # characters of the declared encoding quoted back


async def read_body(request: web.Request) -> bytes:
    """Return the (decompressed) request body; a body that does not match its Content-Encoding is 400.

    aiohttp raises `HTTPRequestEntityTooLarge` past `client_max_size` (answered as 413) and
    `ConnectionResetError` when the client goes away mid-body (left to propagate: nobody is
    listening for an answer).
    """
    try:
        return await request.read()
    except web.RequestPayloadError:
        # E.g. `Content-Encoding: gzip` on a plain body: the client's mistake, not the mock's.
        request.content.feed_eof()
        declared = request.headers.get("Content-Encoding", "")[:_MAX_ECHO]
        raise InvalidInput("body", "encoding", f"does not decode as Content-Encoding {declared!r}") from None
