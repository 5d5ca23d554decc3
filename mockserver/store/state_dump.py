"""Writing a tenant state document (`spec/tenant-state.schema.json`); `state_document.py` reads one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .clock import iso_ms
from .model import Event, Group
from .retention import Retention
from .state_document import STATE_VERSION

__all__ = ["dump_document"]


def dump_document(
    key: str,
    *,
    own_time: datetime | None,
    retention: Retention,
    groups: Iterable[Group],
    events: Iterable[Event],
    idempotency: Mapping[str, Mapping[str, Any]],
    generation: int | None = None,
) -> dict[str, Any]:
    """Return one tenant's state document; a `generation` adds what only persistence needs.

    With a generation (persistence's internal form) every event also carries its `seq`, so cursors
    minted before a restart still read the same pages after it.
    """
    internal = generation is not None
    documents: list[dict[str, Any]] = []
    for event in events:
        doc = event.decoded()
        if internal:
            doc["seq"] = event.seq
        documents.append(doc)
    document: dict[str, Any] = {
        "version": STATE_VERSION,
        "api_key": key,
        "clock": {"now": iso_ms(own_time)} if own_time is not None else None,
        "retention": retention.as_json(),
        "groups": [
            {
                "id": group.id,
                "fingerprint": group.fingerprint,
                "title": group.title,
                "exception_type": group.exception_type,
                "status": group.status,
                "substatus": group.substatus,
            }
            for group in groups
        ],
        "events": documents,
        "idempotency": [{"key": name, "result": dict(result)} for name, result in idempotency.items()],
    }
    if internal:
        document["generation"] = generation
    return document
