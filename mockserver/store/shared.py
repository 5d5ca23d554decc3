"""What every tenant of one store shares: the clock, the id factory, the cursor codec, the auto-export log.

Tenants receive this object rather than the `Store` itself, so `tenant.py` never imports `store.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .clock import Clock
from .cursors import CursorCodec
from .ids import IdFactory

__all__ = ["Shared"]


@dataclass(eq=False, slots=True)
class Shared:
    """The services one store lends to all of its tenants."""

    clock: Clock
    ids: IdFactory
    cursors: CursorCodec
    # Appended to by retention purges; cleared in place on reset (callers may hold a reference).
    auto_exports: list[dict[str, Any]] = field(default_factory=list)
