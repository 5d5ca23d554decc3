"""Wire documents that are built once, never mutated, and carry their own JSON encoding."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["EncodedDocument"]


class EncodedDocument(dict[str, Any]):
    """A read-only-by-convention wire document with its compact JSON text, encoded once.

    Stored events are read far more often than they are written: a page of 50 events would
    otherwise be re-encoded on every request. Encoders may use `encoded` instead of walking it.
    """

    __slots__ = ("encoded",)

    def __init__(self, document: Mapping[str, Any], encoded: str | None = None) -> None:
        """Wrap `document`; `encoded`, when given, must be its compact JSON text (a restore reuses it)."""
        super().__init__(document)
        self.encoded: str = json.dumps(self, separators=(",", ":")) if encoded is None else encoded
