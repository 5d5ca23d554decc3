"""Page limits, cursor minting for one tenant, and the snapshots that keep group walks stable."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from .cursors import CursorCodec, query_digest
from .errors import InvalidInput
from .model import Group

__all__ = ["GROUP_SORTS", "MAX_LIMIT", "Pager", "Scope", "SnapshotCache", "check_limit", "take_page"]

MAX_LIMIT = 100
GROUP_SORTS: dict[str, Callable[[Group], tuple[Any, str]]] = {
    "last_seen_desc": lambda group: (group.latest.ts, group.id),
    "first_seen_desc": lambda group: (group.oldest.ts, group.id),
    "count_desc": lambda group: (group.count, group.id),
}

Scope = tuple[str, str]


def check_limit(limit: Any) -> int:
    """Return `limit` if it is an int in 1..100, else raise InvalidInput(limit, range)."""
    if type(limit) is not int or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", "range", f"must be an integer between 1 and {MAX_LIMIT}")
    return limit


def take_page(
    entries: Iterable[tuple[int, dict[str, Any]]], limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Take up to `limit` (key, item) entries; also return the last key taken when more entries follow."""
    items: list[dict[str, Any]] = []
    last_key = 0
    for key, item in entries:
        if len(items) == limit:
            return items, last_key  # peeked one further: a next page exists and is non-empty
        items.append(item)
        last_key = key
    return items, None


class Pager:
    """Mints and reads one tenant's cursors; a cursor is bound to its operation and query."""

    def __init__(self, codec: CursorCodec, tenant: str, generation: int) -> None:
        self._codec = codec
        self._tenant = tenant
        # Identifies this incarnation of the tenant, so cursors minted before a reset read as expired.
        self._generation = generation

    @property
    def generation(self) -> int:
        """The tenant incarnation this pager's cursors are bound to."""
        return self._generation

    @staticmethod
    def scope(operation: str, described: dict[str, Any]) -> Scope:
        """Return the (operation, query digest) a cursor is bound to."""
        return operation, query_digest(described)

    def mint(self, scope: Scope, payload: dict[str, int]) -> str:
        """Return a signed cursor carrying `payload`."""
        operation, digest = scope
        return self._codec.encode(
            tenant=self._tenant,
            operation=operation,
            query=digest,
            payload={**payload, "gen": self._generation},
        )

    def read(self, cursor: str | None, scope: Scope, *names: str) -> list[int] | None:
        """Return the named integer fields of a cursor for this scope; None when there is no cursor."""
        if cursor is None:
            return None
        operation, digest = scope
        payload = self._codec.decode(cursor, tenant=self._tenant, operation=operation, query=digest)
        if payload.get("gen") != self._generation:
            raise InvalidInput("cursor", "expired", "refers to data that has since been reset")
        values = [payload.get(name) for name in names]
        if not all(type(value) is int for value in values):
            raise InvalidInput("cursor", "invalid", "is malformed")
        return [int(value) for value in values if value is not None]


class SnapshotCache:
    """A bounded LRU of ordered group-id lists, one per distinct group walk order.

    Walks that fix an equal order share one snapshot (its cursors read the same pages), so polling
    an unchanged listing does not store a new snapshot per request.
    """

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._snapshots: OrderedDict[int, tuple[str, ...]] = OrderedDict()
        self._ids: dict[tuple[str, ...], int] = {}  # each stored ordering's id (the newest, if several)
        self._next_id = 0

    @property
    def serial(self) -> int:
        """The last snapshot id handed out (ids are never reused, so old cursors cannot misread)."""
        return self._next_id

    def remember(self, ordered: tuple[str, ...]) -> tuple[int, bool, int | None]:
        """Store an ordering, or find an equal stored one; return its id, whether it is new, and evicted.

        The evicted id is that of the least recently used ordering a new one pushed out (or None).
        """
        known = self._ids.get(ordered)
        if known is not None:
            self._snapshots.move_to_end(known)
            return known, False, None
        self._next_id += 1
        self._snapshots[self._next_id] = ordered
        self._ids[ordered] = self._next_id
        evicted = None
        if len(self._snapshots) > self._capacity:
            evicted, dropped = self._snapshots.popitem(last=False)
            if self._ids.get(dropped) == evicted:
                del self._ids[dropped]
        return self._next_id, True, evicted

    def restore(self, snapshots: Iterable[tuple[int, tuple[str, ...]]], serial: int) -> None:
        """Reload stored orderings (least recently used first) and the id counter."""
        for snapshot_id, ordered in snapshots:
            self._snapshots[snapshot_id] = ordered
            self._ids[ordered] = snapshot_id
        self._next_id = max(serial, self._next_id)

    def recall(self, snapshot_id: int) -> tuple[str, ...]:
        """Return a stored ordering, or raise InvalidInput(cursor, expired) if it was evicted."""
        ordered = self._snapshots.get(snapshot_id)
        if ordered is None:
            raise InvalidInput("cursor", "expired", "its listing snapshot has been evicted; start again")
        self._snapshots.move_to_end(snapshot_id)
        return ordered
