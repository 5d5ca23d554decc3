"""The one place failures become HTTP answers, plus the journal and strict-mode checks.

Every answer leaves through `make_middleware`'s middleware: domain errors, aiohttp's own
HTTP errors (unknown route, wrong method, body too large) and unexpected exceptions all
become the spec's `ErrorResponse` envelope. The middleware then checks responses of spec
operations against the document and records the request in the journal.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..contract.validation import OperationValidator
from ..control.journal import JournalEntry, Violation
from ..control.masking import mask_key
from ..control.state import ServerState
from ..store import DomainError, EncodedDocument, EncodedText
from ..store.documents import COMPACT
from . import connection_faults
from .access_log import access_line
from .app_keys import BROKEN, FAULTS, REQUEST_BODY, REQUEST_SIZE, TENANT
from .commits import GroupCommit

__all__ = [
    "ApiResponse",
    "Forbidden",
    "PayloadTooLarge",
    "RequestTimeout",
    "Unauthorized",
    "error_payload",
    "error_response",
    "json_response",
    "make_middleware",
]

log = logging.getLogger("mockserver")

STATUS_OF_CODE: Final = {
    "INVALID_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "INSUFFICIENT_CREDIT": 402,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "REQUEST_TIMEOUT": 408,
    "PAYLOAD_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "INTERNAL": 500,
}
CODE_OF_STATUS: Final = {status: code for code, status in STATUS_OF_CODE.items()}
_NO_PAYLOAD: Final = object()
_CLIENT_CLOSED_REQUEST: Final = 499  # nginx's name for it; never reaches the wire
# Transport failures, answered by whatever operation was reading: not part of any operation's contract.
_TENANT_CAP_RETRY_AFTER: Final = "60"
_TRANSPORT_STATUSES: Final = frozenset({408})


class Unauthorized(DomainError):
    """The request has no usable API key."""

    code = "UNAUTHORIZED"


class Forbidden(DomainError):
    """The request is authenticated but not allowed (a wrong admin token)."""

    code = "FORBIDDEN"


class RequestTimeout(DomainError):
    """The client did not send the request body in time; the connection is closed after the answer."""

    code = "REQUEST_TIMEOUT"

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"request body not received within {seconds:g} s", {"field": "body", "rule": "timeout"}
        )


class PayloadTooLarge(DomainError):
    """The request body is larger than the server accepts."""

    code = "PAYLOAD_TOO_LARGE"

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit} bytes", {"limit": limit})


class ApiResponse(web.Response):
    """A JSON response that remembers the document it encodes (for the journal and strict checks)."""

    payload: Any


def _encode(value: Any) -> str:
    if type(value) is EncodedDocument or type(value) is EncodedText:
        return value.encoded
    if type(value) is list and value and type(value[0]) is EncodedDocument:
        return "[" + ",".join(_encode(item) for item in value) + "]"
    return COMPACT.encode(value)


def encode_json(payload: Any) -> str:
    """Encode compactly, reusing the stored encoding of events at the top two levels (pages, details)."""
    if type(payload) is dict and any(map(_carries_encoded, payload.values())):
        return "{" + ",".join(f"{json.dumps(key)}:{_encode(value)}" for key, value in payload.items()) + "}"
    return _encode(payload)


def _carries_encoded(value: Any) -> bool:
    return (
        type(value) is EncodedDocument
        or type(value) is EncodedText
        or (type(value) is list and bool(value) and type(value[0]) is EncodedDocument)
    )


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> ApiResponse:
    """Encode `payload` compactly as an `application/json` response."""
    response = ApiResponse(
        status=status,
        body=encode_json(payload).encode(),
        content_type="application/json",
        headers=headers,
    )
    response.payload = payload
    return response


def error_payload(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the spec's `ErrorResponse` envelope."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = dict(details)
    return {"ok": False, "error": error}


def error_response(
    status: int,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    code: str | None = None,
) -> ApiResponse:
    """Answer `status` with the `ErrorResponse` envelope (the code follows from the status)."""
    code = code or CODE_OF_STATUS.get(status, "INTERNAL")
    return json_response(status, error_payload(code, message, details), headers)


def _from_domain(exc: DomainError) -> ApiResponse:
    status = STATUS_OF_CODE.get(exc.code, 500)
    headers = (
        {"WWW-Authenticate": 'Bearer realm="infrai"'}
        if status == 401
        # The tenant cap: room comes back only with a reset, so ask for a patient retry.
        else {"Retry-After": _TENANT_CAP_RETRY_AFTER}
        if status == 429
        else None
    )
    return error_response(status, exc.message, exc.details, headers, code=CODE_OF_STATUS[status])


def _from_http(exc: web.HTTPException, max_body: int) -> ApiResponse:
    headers = {
        name: value for name, value in exc.headers.items() if name not in ("Content-Type", "Content-Length")
    }
    details: dict[str, Any] | None = None
    if exc.status == 404:
        message = "no such route"
    elif isinstance(exc, web.HTTPMethodNotAllowed):
        message = f"method {exc.method} not allowed; allowed: {', '.join(sorted(exc.allowed_methods))}"
    elif exc.status == 413:
        message, details = f"request body exceeds {max_body} bytes", {"limit": max_body}
    else:
        message = exc.reason
    return error_response(exc.status, message, details, headers=headers)


def _payload_of(response: web.StreamResponse) -> Any:
    if isinstance(response, ApiResponse):
        return response.payload
    body = response.body if isinstance(response, web.Response) else None
    if not isinstance(body, bytes) or response.content_type != "application/json":
        return _NO_PAYLOAD
    try:
        return json.loads(body)
    except ValueError:
        return _NO_PAYLOAD


def _closing_if_body_broke(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    if request.content.exception() is not None:
        # The body stream broke (bad gzip, say): aiohttp drops the connection after this answer, so
        # say so, rather than let the client send its next request into a reset.
        response.force_close()
    return response


def _checked(
    state: ServerState,
    validator: OperationValidator,
    request: web.Request,
    response: web.StreamResponse,
    payload: Any,
) -> tuple[web.StreamResponse, Any]:
    """Check an answer against its operation; record a violation (strict: answer 500 naming it)."""
    problems = (
        validator.check_response(response.status, payload, response.headers)
        if payload is not _NO_PAYLOAD
        else ["the response is not a JSON document"]
    )
    if not problems:
        return response, payload
    violation = Violation(
        validator.op.operation_id, request.method, request.path, response.status, tuple(problems)
    )
    state.violations.append(violation)
    if not state.strict:
        log.warning("response broke the spec: %s", violation)
        return response, payload
    replaced = error_response(500, f"strict mode: response broke the spec: {violation}")
    return replaced, replaced.payload


def _control_answer(
    state: ServerState, request: web.Request, response: web.StreamResponse, started: float
) -> web.StreamResponse:
    """Finish a control API answer or a page: checked against the control document, logged, not journaled."""
    route_name = request.match_info.route.name or ""
    control = state.control_validators
    checker = control.operations.get(route_name) if control is not None else None
    if checker is not None:
        response, _ = _checked(state, checker, request, response, _payload_of(response))
    if state.access_log is not None:
        state.access_log(
            access_line(
                method=request.method,
                path=request.path,
                status=response.status,
                operation_id=route_name,
                duration_ms=(time.perf_counter() - started) * 1000.0,
                tenant=request.get(TENANT),
                payload=_payload_of(response),
            )
        )
    return _closing_if_body_broke(request, response)


def make_middleware(state: ServerState) -> Middleware:
    """Return the outermost middleware: error mapping, strict response checks and the journal."""
    validators = state.validators.operations
    journal = state.journal
    commits = GroupCommit(state) if state.database is not None else None

    @web.middleware
    async def infrai_mock_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        arrived = time.time()
        state.served += 1
        response: web.StreamResponse
        try:
            response = await handler(request)
        except DomainError as exc:
            response = _from_domain(exc)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = _from_http(exc, state.max_body)
        except asyncio.CancelledError:
            raise
        except ConnectionResetError:
            # The client hung up mid-request (mid-body, say): not the mock's bug, and nobody is
            # listening, so no violation and no journal entry. Re-raising would make aiohttp log a
            # traceback as an error; the answer returned instead fails to send and aiohttp drops it
            # quietly, like any write to a closed connection.
            log.debug("client disconnected during %s %s", request.method, request.path)
            return web.Response(status=_CLIENT_CLOSED_REQUEST)
        except Exception as exc:
            # A crash is the mock's own bug: log it and record it, so a strict harness fails the test.
            log.exception("unexpected error answering %s %s", request.method, request.path)
            problem = f"unhandled {type(exc).__name__}: {exc}"
            state.violations.append(
                Violation(request.match_info.route.name or "", request.method, request.path, 500, (problem,))
            )
            response = error_response(500, f"internal error: {type(exc).__name__}: {exc}")
        # Whatever the answer (a refused call may have purged expired events first); a failed write is a 500.
        if commits is not None and (failure := await commits.settle()) is not None:
            response = _from_domain(failure)
        route_name = request.match_info.route.name
        if route_name is not None and route_name.startswith(("admin_", "ui_")):
            # The journal reports API calls only, not the control API nor the pages (ui/).
            return _control_answer(state, request, response, started)
        validator = validators.get(route_name) if route_name is not None else None
        payload = _payload_of(response)
        broken = request.get(BROKEN)
        if validator is not None and broken is None and response.status not in _TRANSPORT_STATUSES:
            response, payload = _checked(state, validator, request, response, payload)
        response = _closing_if_body_broke(request, response)
        status = response.status
        body = response.body if isinstance(response, web.Response) else None
        if broken == "truncate" and isinstance(response, web.Response):
            response = await connection_faults.truncate(request, response)
        elif broken is not None:
            status = connection_faults.BROKEN_STATUS
        duration_ms = (time.perf_counter() - started) * 1000.0
        operation_id = route_name if validator is not None else None
        tenant = request.get(TENANT)
        injected = request.get(FAULTS)
        journal.append(
            JournalEntry(
                method=request.method,
                path=request.path,
                query=dict(request.query) if request.query_string else {},
                status=status,
                operation_id=operation_id,
                tenant=mask_key(tenant) if tenant is not None else None,
                request_body=request.get(REQUEST_BODY),
                response_body=None if payload is _NO_PAYLOAD else payload,
                duration_ms=duration_ms,
                time=arrived,
                size=len(request.raw_path)
                + request.get(REQUEST_SIZE, 0)
                + (len(body) if isinstance(body, bytes) else 0),
                faults=tuple(fault.as_json() for fault in injected) if injected else (),
            )
        )
        if state.access_log is not None:
            state.access_log(
                access_line(
                    method=request.method,
                    path=request.path,
                    status=status,
                    operation_id=operation_id,
                    duration_ms=duration_ms,
                    tenant=request.get(TENANT),
                    payload=payload,
                )
            )
        return response

    return infrai_mock_middleware
