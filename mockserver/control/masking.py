"""How an API key appears wherever the mock writes one down: a short prefix and a hash, never whole.

The journal, the logs and the access log show `mask_key(key)`. The hash is of the whole key,
so two keys with the same prefix stay apart, and a harness holding the full key can still find
its own entries (`Journal.calls_to(tenant=key)` masks the key it is given before comparing).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Final

__all__ = ["MASK_PREFIX", "is_masked", "mask_key"]

MASK_PREFIX: Final = 4  # at most this many leading characters are shown, and at most a quarter of the key
_HASH_CHARS: Final = 12  # 48 bits of sha256: distinct keys in one journal do not collide in practice
_MARK: Final = "..."


@lru_cache(maxsize=4096)
def mask_key(key: str) -> str:
    """Return `key` as it may be shown: e.g. `ifr_...3b1f0c9a2d4e` (prefix, ellipsis, sha256 head)."""
    shown = key[: min(MASK_PREFIX, len(key) // 4)]
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:_HASH_CHARS]
    return f"{shown}{_MARK}{digest}"


def is_masked(text: str) -> bool:
    """Tell whether `text` already has the shape `mask_key` gives."""
    head, mark, digest = text.rpartition(_MARK)
    return bool(mark) and len(head) <= MASK_PREFIX and len(digest) == _HASH_CHARS
