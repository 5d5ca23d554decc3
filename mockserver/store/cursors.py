"""Opaque, tamper-evident pagination cursors bound to a tenant, an operation and a query."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidInput

__all__ = ["CursorCodec", "Page", "query_digest"]

_MAC_BYTES = 16
_MAX_TOKEN_CHARS = 2048
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Page:
    """One page of a list: its items and the cursor for the next page (None on the last)."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    # The envelope, when the store keeps one built (and encoded) for pages that repeat: equal to
    # what `as_json` would build, shared between answers (do not mutate it).
    wire: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def as_json(self) -> dict[str, Any]:
        """Return the wire envelope ``{"items": [...], "next_cursor": ...}``."""
        if self.wire is not None:
            return self.wire
        return {"items": self.items, "next_cursor": self.next_cursor}


def query_digest(query: Any) -> str:
    """Return a stable digest of a JSON-ready query description."""
    canonical = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _invalid() -> InvalidInput:
    return InvalidInput("cursor", "invalid", "is malformed, tampered with, or belongs to another query")


class CursorCodec:
    """Signs cursor payloads with HMAC-SHA256 so clients cannot forge or transplant them."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, tenant: str, operation: str, query: str, body: bytes) -> bytes:
        scope = "\x00".join((tenant, operation, query)).encode("utf-8") + b"\x00"
        return hmac.new(self._secret, scope + body, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, *, tenant: str, operation: str, query: str, payload: dict[str, Any]) -> str:
        """Return the base64url cursor for `payload` within this tenant/operation/query."""
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
        token = body + self._mac(tenant, operation, query, body)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode("ascii")

    def decode(self, cursor: Any, *, tenant: str, operation: str, query: str) -> dict[str, Any]:
        """Return the payload of a cursor minted for exactly this tenant/operation/query."""
        if not isinstance(cursor, str) or len(cursor) > _MAX_TOKEN_CHARS or not _ALPHABET.fullmatch(cursor):
            raise _invalid()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise _invalid() from None
        # Non-canonical spellings of the same bytes (stray low bits in the last character) are tampering too.
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != cursor:
            raise _invalid()
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, self._mac(tenant, operation, query, body)):
            raise _invalid()
        try:
            payload = json.loads(body)
        except ValueError:
            raise _invalid() from None
        if not isinstance(payload, dict):
            raise _invalid()
        return payload
