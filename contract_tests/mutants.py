"""Deliberately broken variants of the mock (filled in below)."""

from __future__ import annotations

from collections.abc import Callable

ENV = "INFRAI_MOCK_MUTANT"


def apply(name: str | None) -> Callable[[], None]:
    if not name:
        return lambda: None
    raise KeyError(name)
