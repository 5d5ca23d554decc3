"""Wire documents that are built once, never mutated, and carry their own JSON encoding."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["COMPACT", "EncodedDocument", "EncodedText", "encoded_page", "escaped"]

# One encoder for compact JSON: `json.dumps` with any non-default argument builds a new one per call.
COMPACT = json.JSONEncoder(separators=(",", ":"))


class EncodedDocument(dict[str, Any]):
    """A read-only-by-convention wire document with its compact JSON text, encoded once.

    Stored events are read far more often than they are written: a page of 50 events would
    otherwise be re-encoded on every request. Encoders may use `encoded` instead of walking it.
    """

    __slots__ = ("encoded",)

    def __init__(self, document: Mapping[str, Any], encoded: str | None = None) -> None:
        """Wrap `document`; `encoded`, when given, must be its compact JSON text (a restore reuses it)."""
        super().__init__(document)
        self.encoded: str = COMPACT.encode(self) if encoded is None else encoded

    @classmethod
    def decoded(cls, encoded: str) -> EncodedDocument:
        """Decode a document from its compact JSON text (which it keeps as `encoded`)."""
        return cls(json.loads(encoded), encoded)


class EncodedText(str):
    """A string with its JSON text (quoted and escaped) beside it, joined from parts escaped once.

    JSON escapes a string character by character, so the escaped form of a concatenation is the
    concatenation of the escaped parts: a CSV export joins its events' lines escaped at first export.
    """

    encoded: str

    @classmethod
    def joined(cls, parts: Iterable[tuple[str, str]]) -> EncodedText:
        """Join (text, its JSON string content without quotes) pairs into one encoded text."""
        texts: tuple[str, ...] = ()
        escaped: tuple[str, ...] = ()
        pairs = list(parts)
        if pairs:
            texts, escaped = zip(*pairs, strict=True)
        joined = cls("".join(texts))
        joined.encoded = '"' + "".join(escaped) + '"'
        return joined


def escaped(text: str) -> str:
    """Return `text` as JSON string content (escaped as `json.dumps` does, without the quotes)."""
    return json.dumps(text)[1:-1]


def encoded_page(items: list[Any], next_cursor: str | None) -> EncodedDocument:
    """Return the page envelope `{"items": ..., "next_cursor": ...}`, encoded once.

    Its JSON text is joined from the items' own encodings (stored events are encoded once), byte
    for byte what `json.dumps` gives.
    """
    envelope = {"items": items, "next_cursor": next_cursor}
    if not all(type(item) is EncodedDocument for item in items):
        return EncodedDocument(envelope)
    joined = ",".join(item.encoded for item in items)
    return EncodedDocument(envelope, f'{{"items":[{joined}],"next_cursor":{json.dumps(next_cursor)}}}')
