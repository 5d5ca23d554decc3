"""Results a tenant keeps until its next change: group and event pages, small exports, orderings."""

from __future__ import annotations

from typing import Any

__all__ = ["ChangeMemo"]


class ChangeMemo:
    """A bounded memo emptied by `changed()`, which the tenant calls on every change of its state.

    Every change that can alter a page, an export or an ordering (a capture, a status change, a
    deletion, a purge) calls it; `version` counts them, for caches that keep their own entries.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._kept: dict[tuple[Any, ...], Any] = {}
        self.version = 0

    def changed(self) -> None:
        """Forget everything kept: the state it was built from has changed."""
        self.version += 1
        self._kept.clear()

    def recall(self, key: tuple[Any, ...]) -> Any:
        """Return what was kept under `key` since the last change, else None."""
        return self._kept.get(key)

    def keep(self, key: tuple[Any, ...], value: Any) -> None:
        """Keep `value` until the next change (starting over when full)."""
        if len(self._kept) >= self._size:
            self._kept.clear()
        self._kept[key] = value
