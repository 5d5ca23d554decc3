"""Injected faults: named, composable rules that make matching requests fail or slow down.

A `Fault` with a status answers the spec's `ErrorResponse` for that status instead of
running the operation; a `connection` fault breaks the connection instead (`reset`: closed
before any byte, `truncate`: the operation runs and its answer is cut short, `hang`: no
answer until the client gives up); a fault with neither (`delay_ms` alone, or `status=0`)
only delays. Each request takes every matching delay-only fault and at most one status or
connection fault (the first added). A status fault with no `operation_id` applies to every
operation that documents its status, so a wildcard fault never makes the server answer an
undocumented status.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["ERROR_CODES", "Fault", "FaultSet", "Injection"]

# Status -> ErrorResponse code, for every error status the spec documents.
ERROR_CODES: dict[int, tuple[str, str]] = {
    400: ("INVALID_REQUEST", "injected fault: invalid request"),
    401: ("UNAUTHORIZED", "injected fault: unauthorized"),
    402: ("INSUFFICIENT_CREDIT", "insufficient credit: add funds at https://infrai.cc/billing"),
    404: ("NOT_FOUND", "injected fault: not found"),
    413: ("PAYLOAD_TOO_LARGE", "injected fault: request body too large"),
    429: ("RATE_LIMITED", "rate limit exceeded; retry after {retry_after} s"),
    500: ("INTERNAL", "internal error (injected fault)"),
    502: ("BAD_GATEWAY", "bad gateway (injected fault)"),
    503: ("SERVICE_UNAVAILABLE", "service unavailable (injected fault); retry after {retry_after} s"),
    504: ("GATEWAY_TIMEOUT", "gateway timeout (injected fault)"),
}
# Status -> the Retry-After a fault sends when it names none (None: no header).
DEFAULT_RETRY_AFTER: dict[int, int] = {429: 1, 503: 30}
CONNECTION_FAULTS = ("reset", "truncate", "hang")
# How long a `hang` fault holds a connection whose client never gives up, unless delay_ms says otherwise.
DEFAULT_HANG_MS = 300_000


@dataclass(frozen=True, slots=True)
class Fault:
    """Make matching requests answer `status`, break their `connection`, or just wait `delay_ms`.

    Args:
        operation_id: Only this operation (None: every operation documenting `status`).
        status: The error status to answer; 0 for a delay-only fault. None (the default) means
            500, unless `delay_ms` or `connection` is given: then the fault only delays or breaks.
        times: How many requests it hits before it expires (None: forever).
        delay_ms: Wait this long before answering (for `hang`: how long to hold the connection).
        retry_after: Seconds for the `Retry-After` header (429 defaults to 1, 503 to 30).
        tenant: Only requests made with this API key.
        connection: `"reset"` (closed before any byte; the operation does not run), `"truncate"`
            (the operation runs; its headers are sent and its body cut short) or `"hang"` (no
            answer until the client gives up; the operation does not run).

    """

    operation_id: str | None = None
    status: int | None = None
    times: int | None = None
    delay_ms: int = 0
    retry_after: int | None = None
    tenant: str | None = None
    connection: str | None = None

    def __post_init__(self) -> None:
        if self.connection is not None and self.connection not in CONNECTION_FAULTS:
            raise ValueError(
                f"fault connection must be one of {', '.join(CONNECTION_FAULTS)}, not {self.connection!r}"
            )
        if self.connection is not None and self.status:
            raise ValueError("a fault takes a status or a connection, not both")
        if self.status is None and not self.delay_ms and self.connection is None:
            object.__setattr__(self, "status", 500)
        if self.status not in (None, 0) and self.status not in ERROR_CODES:
            allowed = ", ".join(str(code) for code in ERROR_CODES)
            raise ValueError(
                f"fault status must be one of {allowed} (or 0/None for a delay), not {self.status}"
            )
        if self.times is not None and self.times < 1:
            raise ValueError(f"fault times must be at least 1 (or None for forever), not {self.times}")
        if self.delay_ms < 0:
            raise ValueError(f"fault delay_ms must not be negative, not {self.delay_ms}")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError(f"fault retry_after must not be negative, not {self.retry_after}")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """Build a fault from a JSON object of its fields; ValueError names what is wrong."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        for name in ("status", "times", "delay_ms", "retry_after"):
            value = data.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError(f"fault {name} must be an integer")
        for name in ("operation_id", "tenant", "connection"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"fault {name} must be a string")
        return cls(**data)

    def as_json(self) -> dict[str, Any]:
        """Return the fault's fields as a JSON-ready dict."""
        return asdict(self)

    @property
    def is_delay_only(self) -> bool:
        """Tell whether the fault only delays the request."""
        return not self.status and self.connection is None

    @property
    def retry_after_header(self) -> int | None:
        """The `Retry-After` seconds its answer carries (its own, else its status's default)."""
        if self.retry_after is not None:
            return self.retry_after
        return DEFAULT_RETRY_AFTER.get(self.status or 0)


@dataclass(frozen=True, slots=True)
class Injection:
    """What the faults decided for one request."""

    delay_ms: int
    fault: Fault | None  # the status or connection fault to apply, if any
    delays: tuple[Fault, ...] = ()  # the delay-only faults that hit too


class _Armed:
    __slots__ = ("fault", "remaining")

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.remaining = fault.times


class FaultSet:
    """The active faults of one server; safe to change from any thread."""

    def __init__(self, documented: Mapping[str, Iterable[int]] | None = None) -> None:
        self._documented = {op: frozenset(statuses) for op, statuses in (documented or {}).items()}
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault | None = None, /, **fields_: Any) -> Fault:
        """Arm a fault (a `Fault`, or its fields as keywords) and return it."""
        if fault is None:
            fault = Fault(**fields_)
        elif fields_:
            raise TypeError("pass a Fault or its fields, not both")
        if self._documented and fault.operation_id is not None:
            statuses = self._documented.get(fault.operation_id)
            if statuses is None:
                raise ValueError(f"unknown operation_id {fault.operation_id!r}")
            if fault.status and fault.status not in statuses:
                raise ValueError(f"{fault.operation_id} does not document status {fault.status}")
        with self._lock:
            self._armed.append(_Armed(fault))
        return fault

    def clear(self, *, tenant: str | None = None) -> int:
        """Disarm every fault, or with `tenant` only the faults bound to that API key; return how many."""
        with self._lock:
            before = len(self._armed)
            if tenant is None:
                self._armed.clear()
            else:
                self._armed = [armed for armed in self._armed if armed.fault.tenant != tenant]
            return before - len(self._armed)

    @property
    def active(self) -> list[Fault]:
        """The faults still armed, in the order they were added."""
        with self._lock:
            return [armed.fault for armed in self._armed]

    def active_for(self, tenant: str) -> list[Fault]:
        """Return the armed faults bound to the API key `tenant`, in the order they were added."""
        return [fault for fault in self.active if fault.tenant == tenant]

    def __bool__(self) -> bool:
        return bool(self._armed)

    def __len__(self) -> int:
        return len(self._armed)

    def take(self, operation_id: str, tenant: str | None) -> Injection | None:
        """Consume the faults that hit this request; None when none does."""
        delay = 0
        chosen: Fault | None = None
        delays: list[Fault] = []
        documented = self._documented.get(operation_id, frozenset())
        with self._lock:
            for armed in self._armed:
                fault = armed.fault
                if fault.operation_id not in (None, operation_id) or fault.tenant not in (None, tenant):
                    continue
                if not fault.is_delay_only:
                    undocumented = fault.connection is None and fault.status not in documented
                    if chosen is not None or (fault.operation_id is None and undocumented):
                        continue
                    chosen = fault
                    if fault.connection != "hang":  # a hang's delay_ms is how long it hangs
                        delay += fault.delay_ms
                else:
                    delays.append(fault)
                    delay += fault.delay_ms
                if armed.remaining is not None:
                    armed.remaining -= 1
            self._armed = [armed for armed in self._armed if armed.remaining is None or armed.remaining > 0]
        if chosen is None and delay == 0:
            return None
        return Injection(delay_ms=delay, fault=chosen, delays=tuple(delays))
