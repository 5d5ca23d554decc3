"""The application factory: routes come from the spec's paths, handlers from `HANDLERS`."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

from ..contract.control_spec import load_control_spec
from ..contract.spec import Spec, load_spec
from ..contract.validation import Validators
from ..control.faults import FaultSet
from ..control.journal import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_SIZE, Journal
from ..control.state import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_MAX_KEY_LENGTH,
    ClockOption,
    ServerState,
    make_clock,
)
from ..store import IdFactory, Store
from ..store.store import DEFAULT_MAX_TENANTS
from .access_log import AccessLog, make_access_log
from .app_keys import STATE
from .control_views import add_admin_routes
from .errors import make_middleware
from .operations import HANDLERS, make_endpoint

__all__ = ["DEFAULT_MAX_BODY", "MAX_MAX_BODY", "build_app", "create_app", "state_of"]

DEFAULT_MAX_BODY = 1 << 20
# aiohttp's C parser takes the limit (also our request-line limit) as a C integer: past 2**64 every
# connection drops silently. A TiB is far beyond what a mock is ever sent.
MAX_MAX_BODY = 1 << 40

_validators: dict[Path, Validators] = {}
_validators_lock = threading.Lock()


def _validators_for(spec: Spec) -> Validators:
    """Compile a document's validators once per process (they hold no per-server state)."""
    with _validators_lock:
        validators = _validators.get(spec.path)
        if validators is None:
            validators = _validators[spec.path] = Validators(spec)
        return validators


def create_app(
    *,
    spec_path: str | Path | None = None,
    store: Store | None = None,
    clock: ClockOption = None,
    seed: int | None = None,
    api_keys: Iterable[str] | None = None,
    strict: bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    middlewares: Sequence[Middleware] = (),
    journal_size: int = DEFAULT_JOURNAL_SIZE,
    journal_bytes: int = DEFAULT_JOURNAL_BYTES,
    max_tenants: int | None = None,
    max_key_length: int = DEFAULT_MAX_KEY_LENGTH,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    admin_token: str | None = None,
    admin: bool = True,
    access_log: bool | AccessLog | None = None,
    database: str | os.PathLike[str] | None = None,
) -> web.Application:
    """Build the mock as an aiohttp application.

    Args:
        spec_path: The OpenAPI document (default: the packaged one, else `spec/openapi.yaml`).
        store: A ready store; otherwise a new one from `clock` and `seed`.
        clock: `"manual"` for a `ManualClock`, a `Clock` instance, or None for the system clock.
        seed: Makes ids (and cursors) reproducible.
        api_keys: Allow-list of API keys; None accepts any bearer token as its own tenant.
        strict: Answer 500 (and record a violation) when a response would break the spec.
        max_body: Largest accepted request body in bytes; larger ones get 413.
        middlewares: Extra aiohttp middlewares, run inside the mock's own.
        journal_size: How many requests the journal keeps.
        journal_bytes: How many bytes of requests and responses the journal keeps (oldest go first).
        max_tenants: How many API keys may hold state (default 10,000); a new key past it drops the
            oldest tenant that stored nothing, else gets 429. With `store`, None keeps the store's.
        max_key_length: Longest accepted API key in characters; longer ones get 401.
        body_timeout: Seconds a request body may take to arrive; then 408 and the connection closes.
        admin_token: When set, every server-wide `/__admin/` call needs it in `X-Admin-Token`.
        admin: False removes the server-wide `/__admin/` API (its routes answer 404).
        access_log: True logs one line per request (logger `mockserver.access`); a callable gets each line.
        database: A SQLite file that keeps all state (created if missing, restored if present);
            every change is committed before its answer is sent. None keeps state in memory only.

    """
    spec = load_spec(spec_path)
    missing = sorted(set(spec.operations) - set(HANDLERS))
    if missing:
        raise RuntimeError(f"the spec has operations without a handler: {', '.join(missing)}")
    if store is not None and (clock is not None or seed is not None):
        raise ValueError("pass either a store or clock/seed, not both")
    if store is not None and database is not None:
        raise ValueError("pass either a store or a database, not both")
    if not 1 <= max_body <= MAX_MAX_BODY:
        raise ValueError(f"max_body must be between 1 and {MAX_MAX_BODY}, not {max_body}")
    if max_tenants is not None and max_tenants < 1:
        raise ValueError(f"max_tenants must be at least 1, not {max_tenants}")
    if max_key_length < 1:
        raise ValueError(f"max_key_length must be at least 1, not {max_key_length}")
    if admin_token is not None and not admin_token:
        raise ValueError("admin_token must not be empty")
    durable = None
    if database is not None:
        from ..persist import Database  # noqa: PLC0415 - sqlite3 and the format only for a database

        durable = Database(database)
    if store is None:
        secret = f"infrai-mock-seed-{seed}".encode() if seed is not None else secrets.token_bytes(32)
        store = Store(
            make_clock(clock),
            IdFactory(seed),
            cursor_secret=durable.cursor_secret(secret) if durable is not None else secret,
            max_tenants=max_tenants if max_tenants is not None else DEFAULT_MAX_TENANTS,
        )
    elif max_tenants is not None:
        store.max_tenants = max_tenants
    if durable is not None:
        try:
            durable.restore(store)
        except BaseException:
            durable.close()
            raise
    state = ServerState(
        spec=spec,
        validators=_validators_for(spec),
        store=store,
        strict=strict,
        api_keys=frozenset(api_keys) if api_keys is not None else None,
        max_body=max_body,
        journal=Journal(journal_size, journal_bytes),
        faults=FaultSet({op_id: op.responses for op_id, op in spec.operations.items()}),
        body_timeout=body_timeout,
        max_key_length=max_key_length,
        admin_token=admin_token,
        admin_enabled=admin,
        control_validators=_validators_for(load_control_spec()),
        access_log=make_access_log(access_log),
        database=durable,
    )
    return build_app(state, middlewares)


def build_app(state: ServerState, middlewares: Sequence[Middleware] = ()) -> web.Application:
    """Serve an existing state from a new application (aiohttp binds an application to one loop)."""
    app = web.Application(middlewares=[make_middleware(state), *middlewares], client_max_size=state.max_body)
    app[STATE] = state
    spec = state.spec
    for op in spec.operations.values():
        endpoint = make_endpoint(op, HANDLERS[op.operation_id], state)
        app.router.add_route(op.method, op.path, endpoint, name=op.operation_id)
    add_admin_routes(app, state)
    return app


def state_of(app: web.Application) -> ServerState:
    """Return the mock's state held by `app`."""
    return app[STATE]
