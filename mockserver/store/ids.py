"""Random, optionally reproducible, identifiers."""

from __future__ import annotations

import os
import random
import secrets

__all__ = ["IdFactory"]

# Unseeded ids come from the OS's CSPRNG, read in blocks: one syscall per 512 ids, not one per id.
_POOL_BYTES = 4096


class IdFactory:
    """Makes ids like ``evt_3f2a9c0d1e4b5a69``; a seed makes the sequence reproducible.

    A seeded factory knows its position (`position`): the stream it draws from (the seed's own, or
    one forked from it) and how many ids it drew. A database stores it, so a restarted server goes
    on where the last one stopped instead of handing out the ids of deleted events and groups again.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._rng: random.Random | None = random.Random(seed) if seed is not None else None
        self._stream = str(seed) if seed is not None else None
        self._drawn = 0
        self._pool = b""
        self._offset = 0

    @property
    def seed(self) -> int | None:
        """The seed, or None for random ids."""
        return self._seed

    def reset(self) -> None:
        """Start a seeded sequence again from its first id (unseeded ids stay random)."""
        # So a seeded server hands out the same ids after reset() whatever ran before it.
        if self._rng is not None:
            self._rng.seed(self._seed)
            self._stream, self._drawn = str(self._seed), 0

    def position(self) -> tuple[str, int] | None:
        """Return (stream, ids drawn from it) of a seeded factory; None for random ids."""
        if self._stream is None:
            return None
        return self._stream, self._drawn

    def resume(self, stream: str, drawn: int) -> None:
        """Go on from a `position()` of a factory with the same seed (as if its ids had been drawn here)."""
        if self._rng is None:
            return
        if drawn < 0:
            raise ValueError(f"an id position cannot be negative ({drawn})")
        self._rng.seed(self._seed if stream == str(self._seed) else stream)
        getrandbits = self._rng.getrandbits
        for _ in range(drawn):
            getrandbits(64)
        self._stream, self._drawn = stream, drawn

    def fork(self) -> None:
        """Draw from now on from a fresh stream derived from the seed (for a position that was lost).

        Ids stay unique with the odds of random 64-bit ids; the new stream is recorded in `position()`.
        """
        if self._rng is None:
            return
        stream = f"{self._seed}/{secrets.token_hex(8)}"
        self._rng.seed(stream)
        self._stream, self._drawn = stream, 0

    def new(self, prefix: str) -> str:
        """Return ``prefix`` + ``_`` + 16 lowercase hex digits."""
        if self._rng is not None:
            self._drawn += 1
            return f"{prefix}_{self._rng.getrandbits(64):016x}"
        offset = self._offset
        if offset + 8 > len(self._pool):
            self._pool, offset = os.urandom(_POOL_BYTES), 0
        self._offset = offset + 8
        return f"{prefix}_{self._pool[offset : offset + 8].hex()}"
