"""Random, optionally reproducible, identifiers."""

from __future__ import annotations

import random

__all__ = ["IdFactory"]


class IdFactory:
    """Makes ids like ``evt_3f2a9c0d1e4b5a69``; a seed makes the sequence reproducible."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng: random.Random = random.Random(seed) if seed is not None else random.SystemRandom()

    def new(self, prefix: str) -> str:
        """Return ``prefix`` + ``_`` + 16 lowercase hex digits."""
        return f"{prefix}_{self._rng.getrandbits(64):016x}"
