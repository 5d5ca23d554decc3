"""Random, optionally reproducible, identifiers."""

from __future__ import annotations

import os
import random

__all__ = ["IdFactory"]

# Unseeded ids come from the OS's CSPRNG, read in blocks: one syscall per 512 ids, not one per id.
_POOL_BYTES = 4096


class IdFactory:
    """Makes ids like ``evt_3f2a9c0d1e4b5a69``; a seed makes the sequence reproducible."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._rng: random.Random | None = random.Random(seed) if seed is not None else None
        self._pool = b""
        self._offset = 0

    def reset(self) -> None:
        """Start a seeded sequence again from its first id (unseeded ids stay random)."""
        # So a seeded server hands out the same ids after reset() whatever ran before it.
        if self._rng is not None:
            self._rng.seed(self._seed)

    def new(self, prefix: str) -> str:
        """Return ``prefix`` + ``_`` + 16 lowercase hex digits."""
        if self._rng is not None:
            return f"{prefix}_{self._rng.getrandbits(64):016x}"
        offset = self._offset
        if offset + 8 > len(self._pool):
            self._pool, offset = os.urandom(_POOL_BYTES), 0
        self._offset = offset + 8
        return f"{prefix}_{self._pool[offset : offset + 8].hex()}"
