"""What the server saw: a bounded, append-only request journal and the strict-mode violations.

Records are written on the server's event loop and read from test threads; `deque`
appends and snapshots are atomic under the GIL, so no lock is needed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_JOURNAL_SIZE", "Journal", "JournalEntry", "Violation"]

DEFAULT_JOURNAL_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request and the answer it got."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    operation_id: str | None
    tenant: str | None
    request_body: Any
    response_body: Any
    duration_ms: float
    time: float  # Unix time when the request arrived
    # The injected faults that hit this request (delays first, then a status or connection fault).
    faults: tuple[dict[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """Return the entry as a JSON-ready dict."""
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "operation_id": self.operation_id,
            "tenant": self.tenant,
            "request_body": self.request_body,
            "response_body": self.response_body,
            "duration_ms": self.duration_ms,
            "time": self.time,
            "faults": list(self.faults),
        }


@dataclass(frozen=True, slots=True)
class Violation:
    """A response that broke the spec (strict mode answers 500 instead), or a crash of the mock."""

    operation_id: str
    method: str
    path: str
    status: int
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id}) -> {self.status}: " + "; ".join(
            self.problems
        )

    def as_json(self) -> dict[str, Any]:
        """Return the violation as a JSON-ready dict."""
        return {
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "problems": list(self.problems),
        }


class Journal:
    """The last `maxlen` requests, oldest first."""

    def __init__(self, maxlen: int = DEFAULT_JOURNAL_SIZE) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self.append = self._entries.append

    @property
    def entries(self) -> list[JournalEntry]:
        """A snapshot of the recorded entries, oldest first."""
        return list(self._entries)

    def calls_to(
        self,
        operation_id: str | None = None,
        *,
        path: str | None = None,
        method: str | None = None,
        tenant: str | None = None,
    ) -> list[JournalEntry]:
        """Return the entries matching every given criterion, oldest first."""
        wanted_method = method.upper() if method is not None else None
        return [
            entry
            for entry in list(self._entries)
            if (operation_id is None or entry.operation_id == operation_id)
            and (path is None or entry.path == path)
            and (wanted_method is None or entry.method == wanted_method)
            and (tenant is None or entry.tenant == tenant)
        ]

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    def forget(self, *, tenant: str) -> None:
        """Forget the entries of one API key (a tenant's reset), keeping everyone else's."""
        kept = [entry for entry in list(self._entries) if entry.tenant != tenant]
        self._entries.clear()
        self._entries.extend(kept)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(list(self._entries))

    def __getitem__(self, index: int) -> JournalEntry:
        return self._entries[index]
