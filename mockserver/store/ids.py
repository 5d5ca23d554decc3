"""Random, optionally reproducible, identifiers."""

from __future__ import annotations

import random

__all__ = ["IdFactory"]


class IdFactory:
    """Makes ids like ``evt_3f2a9c0d1e4b5a69``; a seed makes the sequence reproducible."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._rng: random.Random = random.Random(seed) if seed is not None else random.SystemRandom()

    def reset(self) -> None:
        """Start a seeded sequence again from its first id (unseeded ids stay random)."""
        # So a seeded server hands out the same ids after reset() whatever ran before it.
        if self._seed is not None:
            self._rng.seed(self._seed)

    def new(self, prefix: str) -> str:
        """Return ``prefix`` + ``_`` + 16 lowercase hex digits."""
        return f"{prefix}_{self._rng.getrandbits(64):016x}"
