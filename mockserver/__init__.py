"""Stateful mock of the Infrai errors API, driven by its OpenAPI document.

Run it in tests with `MockServer` (sync or async context manager) or the pytest plugin's
`infrai_mock` fixture; out of process with `infrai-mock` / `python -m mockserver`.
"""

from .app import create_app
from .faults import Fault
from .journal import JournalEntry, Violation
from .server import MockServer
from .store import (
    Clock,
    DomainError,
    IdFactory,
    InvalidInput,
    ManualClock,
    NotFound,
    Page,
    Store,
    SystemClock,
    Tenant,
)

__all__ = [
    "Clock",
    "DomainError",
    "Fault",
    "IdFactory",
    "InvalidInput",
    "JournalEntry",
    "ManualClock",
    "MockServer",
    "NotFound",
    "Page",
    "Store",
    "SystemClock",
    "Tenant",
    "Violation",
    "create_app",
]
