"""Stateful mock of the Infrai errors API, driven by its OpenAPI document.

Run it in tests with `MockServer` (sync or async context manager) or the pytest plugin's
`infrai_mock` fixture; out of process with `infrai-mock` / `python -m mockserver`.

The names below load on first use, so `import mockserver.store` (or `mockserver.contract`) does
not pull in aiohttp.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from .control.faults import Fault
    from .control.journal import JournalEntry, Violation
    from .http.app import create_app
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
    from .tenant_handle import MockTenant, MockTenantError

_HOMES = {
    "Clock": "store",
    "DomainError": "store",
    "Fault": "control.faults",
    "IdFactory": "store",
    "InvalidInput": "store",
    "JournalEntry": "control.journal",
    "ManualClock": "store",
    "MockServer": "server",
    "MockTenant": "tenant_handle",
    "MockTenantError": "tenant_handle",
    "NotFound": "store",
    "Page": "store",
    "Store": "store",
    "SystemClock": "store",
    "Tenant": "store",
    "Violation": "control.journal",
    "create_app": "http.app",
}

__all__ = [
    "Clock",
    "DomainError",
    "Fault",
    "IdFactory",
    "InvalidInput",
    "JournalEntry",
    "ManualClock",
    "MockServer",
    "MockTenant",
    "MockTenantError",
    "NotFound",
    "Page",
    "Store",
    "SystemClock",
    "Tenant",
    "Violation",
    "create_app",
]


def __getattr__(name: str) -> _typing.Any:
    """Import a public name from the module that holds it, on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
