"""What every tenant of one store shares: clock, ids, cursor codec, auto-export log, change observer.

Tenants receive this object rather than the `Store` itself, so `tenant.py` never imports `store.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .changes import NO_CHANGES, Changes
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
    # Told about every mutation (the database, when there is one); NO_CHANGES ignores them.
    changes: Changes = NO_CHANGES
