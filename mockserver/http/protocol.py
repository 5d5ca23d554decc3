"""The connection handler: what happens below the application, before and after a view runs.

aiohttp's own `RequestHandler` answers requests its HTTP parser rejects (a control character
in a header, raw non-ASCII bytes in the path, `Transfer-Encoding` with `Content-Length`, too
many or too long headers, a garbage method) with a plain-text 400 and logs a traceback that
quotes the offending line, API key and all. `MockRequestHandler` answers those with the
`ErrorResponse` envelope instead and logs one line naming the kind of mistake, never the bytes.
It also closes connections that stall: a request's headers must arrive within
`header_timeout` seconds of the connection opening (or of their first byte on a kept-alive
connection), else the client gets 408 and the connection is closed (checked by one sweep per
server, so within a quarter timeout past the deadline, one second at most). Body reads are bounded in
`body.py`; idle kept-alive connections close after aiohttp's `keepalive_timeout`.

`MockAppRunner` is `web.AppRunner` serving through this handler (the only supported way to
plug a handler class into aiohttp is the `Server` factory it builds).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from aiohttp import http_exceptions, web
from aiohttp.streams import EMPTY_PAYLOAD
from aiohttp.web_protocol import RequestHandler, _ErrInfo
from aiohttp.web_request import BaseRequest

from .errors import error_response

__all__ = ["DEFAULT_HEADER_TIMEOUT", "MockAppRunner", "MockRequestHandler", "describe_parse_error"]

log = logging.getLogger("mockserver")

DEFAULT_HEADER_TIMEOUT: Final = 10.0
_REQUEST_TIMEOUT: Final = 408


class RequestHeadersTimeout(Exception):
    """The request's headers did not arrive in time."""


def describe_parse_error(exc: BaseException | None, line_limit: int = -1) -> tuple[str, str, str]:
    """Name what the parser refused: (field, rule, message), with none of the request's bytes.

    `line_limit` is the request-line limit, which tells a long request line from a long header.
    """
    text = str(getattr(exc, "message", "") or "").lower()
    if isinstance(exc, http_exceptions.LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 else "the limit of"
        if limit == line_limit:
            return "request line", "maxLength", f"the request line is longer than {limit} bytes"
        return "headers", "maxLength", f"a header is longer than {limit} bytes"
    for matches, answer in _PARSE_ERRORS:
        if (isinstance(matches, type) and isinstance(exc, matches)) or (
            isinstance(matches, str) and matches in text
        ):
            return answer
    return "request", "http", "the request is not valid HTTP/1.1"


# What the parser's exception (its class, else a phrase of its message) says was wrong, in order.
_PARSE_ERRORS: Final[tuple[tuple[type[BaseException] | str, tuple[str, str, str]], ...]] = (
    (http_exceptions.BadHttpMethod, ("method", "token", "the request method is not an HTTP token")),
    (
        http_exceptions.InvalidURLError,
        ("path", "encoding", "the request target holds bytes a URL may not contain"),
    ),
    ("url", ("path", "encoding", "the request target holds bytes a URL may not contain")),
    ("too many headers", ("headers", "maxItems", "the request has too many headers")),
    (
        "transfer-encoding",
        ("Transfer-Encoding", "framing", "the request's body framing is invalid or ambiguous"),
    ),
    ("content-length", ("Content-Length", "framing", "the request's Content-Length is invalid or ambiguous")),
    (http_exceptions.InvalidHeader, ("headers", "syntax", "a header is malformed (invalid name or value)")),
    ("header", ("headers", "syntax", "a header is malformed (invalid name or value)")),
    (
        http_exceptions.BadStatusLine,
        ("request line", "syntax", "the request line is not METHOD target HTTP/x.y"),
    ),
)


class MockRequestHandler(RequestHandler):
    """aiohttp's connection handler with envelope answers for parser errors and a header deadline."""

    def __init__(self, *args: Any, header_timeout: float = DEFAULT_HEADER_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        line, field = kwargs.get("max_line_size", 8190), kwargs.get("max_field_size", 8190)
        self._line_limit = line if line != field else -1  # equal limits: cannot tell which line
        # When the wait for the current request's headers began (loop time); None while none is awaited.
        # `_Server._sweep` checks it for every connection instead of a timer per request (a timer
        # armed and cancelled per request cost about 1.5% of a capture).
        self.headers_since: float | None = None

    # -- the header deadline -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start serving, and start the clock on the first request's headers."""
        super().connection_made(transport)
        self.headers_since = self._loop.time()  # a connection that never sends a request is stalled too

    def data_received(self, data: bytes) -> None:
        """Parse what arrived; a request's first byte starts its header deadline, its headers end it."""
        if self.headers_since is None and data:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                self.headers_since = self._loop.time()  # the next request on a kept-alive connection
        super().data_received(data)
        if self._messages:
            self.headers_since = None

    def headers_overdue(self, now: float) -> None:
        """Answer 408 and close if this connection's request headers are past their deadline at `now`."""
        since = self.headers_since
        if since is None or self._header_timeout <= 0 or now - since < self._header_timeout:
            return
        self.headers_since = None
        if self._force_close or self._close or self.transport is None or self._messages:
            return
        waiter = self._waiter
        if waiter is None or waiter.done():
            self.force_close()  # not waiting for headers: nothing to answer
            return
        log.info("closing a connection whose request headers took over %s s", self._header_timeout)
        exc = RequestHeadersTimeout(f"request headers not received within {self._header_timeout} s")
        self._messages.append((_ErrInfo(status=_REQUEST_TIMEOUT, exc=exc, message=str(exc)), EMPTY_PAYLOAD))
        self._close = True  # parse nothing more; the 408 closes the connection
        waiter.set_result(None)

    # -- answers below the application -------------------------------------------------------------

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """Answer a request the parser refused (or a stalled one) with the envelope, logging no bytes."""
        if status >= 500:
            return super().handle_error(request, status, exc, message)
        if request.writer.output_size > 0:
            raise ConnectionError("a response was already sent on this connection")
        if isinstance(exc, RequestHeadersTimeout):
            response = error_response(status, str(exc), {"field": "headers", "rule": "timeout"})
        else:
            field, rule, text = describe_parse_error(exc, self._line_limit)
            log.info("refused a request the HTTP parser rejected: %s (%s)", type(exc).__name__, text)
            response = error_response(status, text, {"field": field, "rule": rule})
        response.force_close()
        return response

    async def finish_response(
        self, request: BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> tuple[web.StreamResponse, bool]:
        """Send the answer; close at once after a timed-out or broken body (no lingering reads)."""
        result = await super().finish_response(request, resp, start_time)
        if resp.status == _REQUEST_TIMEOUT or request.content.exception() is not None:
            # aiohttp would otherwise keep reading ("lingering") a body that stalled, or re-raise the
            # broken body's error from that read and log it as an unhandled exception.
            self.force_close()
        return result


class _Server(web.Server):
    """aiohttp's connection factory, making `MockRequestHandler`s and sweeping their header deadlines.

    One timer per server, every quarter of the header timeout (at most a second) while connections
    are open, checks each connection: a stalled one is answered within 1.25 timeouts (1 s at most
    past it), and serving a request costs no timer at all.
    """

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._sweep_every = min(header_timeout / 4, 1.0)
        self._sweeper: asyncio.TimerHandle | None = None

    def __call__(self) -> RequestHandler:
        return MockRequestHandler(self, loop=self._loop, header_timeout=self._header_timeout, **self._kwargs)

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        if self._sweeper is None and self._header_timeout > 0:
            self._sweeper = self._loop.call_later(self._sweep_every, self._sweep)

    def _sweep(self) -> None:
        self._sweeper = None
        now = self._loop.time()
        for handler in list(self._connections):
            if isinstance(handler, MockRequestHandler):
                handler.headers_overdue(now)
        if self._connections:
            self._sweeper = self._loop.call_later(self._sweep_every, self._sweep)

    async def shutdown(self, timeout: float | None = None) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        await super().shutdown(timeout)


class MockAppRunner(web.AppRunner):
    """`web.AppRunner` whose connections are handled by `MockRequestHandler`."""

    def __init__(
        self, app: web.Application, *, header_timeout: float = DEFAULT_HEADER_TIMEOUT, **kwargs: Any
    ) -> None:
        super().__init__(app, **kwargs)
        self._header_timeout = header_timeout

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()
        return _Server(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            loop=asyncio.get_running_loop(),
            header_timeout=self._header_timeout,
            **plain._kwargs,
        )
