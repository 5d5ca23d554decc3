"""Thin operation endpoints: authenticate, apply faults, validate from the spec, call the store.

`HANDLERS` maps each operationId to a plain function of the caller's `Tenant` and the
validated `Call`; `make_endpoint` wraps one of them in the HTTP steps every operation
shares. Semantic rules the schema cannot express live here too (`matches_path`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Handler as AioHandler

from ..contract.spec import Operation
from ..control.faults import ERROR_CODES, Fault
from ..control.state import ServerState
from ..store import KEEP, InvalidInput, Tenant
from . import connection_faults
from .app_keys import BROKEN, FAULTS, REQUEST_BODY, TENANT
from .body import read_body
from .errors import ApiResponse, PayloadTooLarge, Unauthorized, error_response, json_response

__all__ = ["HANDLERS", "Call", "Handler", "bearer_token", "make_endpoint"]

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
_JOURNAL_RAW_BODY: Final = 1024  # bytes of an undecodable body the journal keeps
# RFC 6750 b64token (token68). It also keeps out what aiohttp decoded with surrogateescape from
# non-UTF-8 header bytes: such a "key" could not be encoded again to sign cursors.
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


@dataclass(frozen=True, slots=True)
class Call:
    """A validated request: parameters by name (defaults filled in) and the decoded body."""

    params: dict[str, Any]
    body: Any


Handler = Callable[[Tenant, Call], Any]


def _capture(tenant: Tenant, call: Call) -> Any:
    return tenant.capture(call.body, source="capture", idempotency_key=call.params[IDEMPOTENCY_HEADER])


def _message(tenant: Tenant, call: Call) -> Any:
    # The header wins over the body's idempotency_key when both are given.
    key = call.params[IDEMPOTENCY_HEADER] or call.body.get("idempotency_key")
    return tenant.capture(call.body, source="message", idempotency_key=key)


def _list(tenant: Tenant, call: Call) -> Any:
    params = call.params
    return tenant.list_events(
        filter=params["filter"], cursor=params["cursor"], limit=params["limit"]
    ).as_json()


def _search(tenant: Tenant, call: Call) -> Any:
    params = call.params
    page = tenant.search_events(
        params["q"], filter=params["filter"], cursor=params["cursor"], limit=params["limit"]
    )
    return page.as_json()


def _groups(tenant: Tenant, call: Call) -> Any:
    params = call.params
    page = tenant.list_groups(
        status=params["status"], sort=params["sort"], cursor=params["cursor"], limit=params["limit"]
    )
    return page.as_json()


def _events(tenant: Tenant, call: Call) -> Any:
    params = call.params
    page = tenant.group_events(params["error_group_id"], cursor=params["cursor"], limit=params["limit"])
    return page.as_json()


def _set_status(status: Any) -> Handler:
    def handler(tenant: Tenant, call: Call) -> Any:
        group_id = call.params["error_group_id"]
        named = call.body.get("error_group_id") if call.body is not None else None
        if named is not None and named != group_id:
            raise InvalidInput("error_group_id", "matches_path", f"must equal the path's id {group_id!r}")
        return tenant.set_status(group_id, status)

    return handler


def _bulk(tenant: Tenant, call: Call) -> Any:
    return tenant.bulk(call.body["error_group_ids"], call.body["action"])


def _export(tenant: Tenant, call: Call) -> Any:
    body = call.body or {}
    return tenant.export(filter=body.get("filter"), format=body.get("format", "json"))


def _retention_set(tenant: Tenant, call: Call) -> Any:
    body = call.body
    return tenant.set_retention(
        body["days"],
        body.get("auto_export_before_cleanup", KEEP),
        body.get("export_destination", KEEP),
    )


HANDLERS: Final[dict[str, Handler]] = {
    "errors_capture": _capture,
    "errors_message": _message,
    "errors_list": _list,
    "errors_search": _search,
    "errors_get": lambda tenant, call: tenant.get_event(call.params["event_id"]),
    "errors_groups": _groups,
    "errors_group_detail": lambda tenant, call: tenant.group_detail(call.params["error_group_id"]),
    "errors_events": _events,
    "errors_resolve": _set_status("resolved"),
    "errors_unresolve": _set_status("unresolved"),
    "errors_ignore": _set_status("ignored"),
    "errors_delete": lambda tenant, call: tenant.delete_group(call.params["error_group_id"]),
    "errors_bulk": _bulk,
    "errors_export": _export,
    "errors_retention_get": lambda tenant, call: tenant.retention(),
    "errors_retention_set": _retention_set,
}


def bearer_token(header: str | None, api_keys: frozenset[str] | None) -> str:
    """Return the API key of an `Authorization: Bearer <key>` header; raise `Unauthorized` otherwise."""
    if not header:
        raise Unauthorized("missing Authorization: Bearer <key> header")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or _TOKEN68.fullmatch(token) is None:
        raise Unauthorized("malformed Authorization header; expected Bearer <key>")
    if api_keys is not None and token not in api_keys:
        raise Unauthorized("unknown API key")
    return token


def fault_response(fault: Fault) -> ApiResponse:
    """Answer the spec's ErrorResponse for an injected fault's status."""
    status = int(fault.status or 500)
    code, template = ERROR_CODES[status]
    retry_after = fault.retry_after_header
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error_response(status, template.format(retry_after=retry_after), headers=headers, code=code)


def make_endpoint(op: Operation, handler: Handler, state: ServerState) -> AioHandler:
    """Wrap `handler` in the steps every operation shares: auth, faults, validation, the store call."""
    validator = state.validators[op.operation_id]
    operation_id = op.operation_id
    takes_body = op.body is not None
    max_body = state.max_body
    lock = state.lock

    async def endpoint(request: web.Request) -> web.StreamResponse:
        # 401 first: an unauthenticated caller learns nothing about the request's validity.
        token = bearer_token(request.headers.get("Authorization"), state.api_keys)
        request[TENANT] = token
        if state.faults:
            injection = state.faults.take(operation_id, token)
            if injection is not None:
                chosen = injection.fault
                request[FAULTS] = (*injection.delays, *((chosen,) if chosen is not None else ()))
                if injection.delay_ms:
                    await asyncio.sleep(injection.delay_ms / 1000.0)
                if chosen is not None and chosen.connection is not None:
                    request[BROKEN] = chosen.connection
                    if chosen.connection == "reset":
                        return connection_faults.reset(request)
                    if chosen.connection == "hang":
                        return await connection_faults.hang(request, chosen)
                    # "truncate": the operation runs; the middleware cuts its answer short.
                elif chosen is not None:
                    return fault_response(chosen)
        params = validator.params(request.match_info, request.query, request.headers)
        body = None
        if takes_body:
            length = request.content_length
            if length is not None and length > max_body:
                raise PayloadTooLarge(max_body)
            raw = await read_body(request)  # aiohttp raises 413 past client_max_size (chunked bodies)
            has_type = "Content-Type" in request.headers
            content_type = request.content_type if has_type else ""
            try:
                body = validator.body(raw, content_type, request.charset if has_type else None)
            except InvalidInput:
                request[REQUEST_BODY] = raw[:_JOURNAL_RAW_BODY].decode("utf-8", "replace")
                raise
            request[REQUEST_BODY] = body
        call = Call(params, body)
        with lock:
            # With a database, the middleware commits the changes before this answer leaves.
            result = handler(state.store.tenant(token), call)
        return json_response(200, result)

    return endpoint
