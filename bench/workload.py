"""What the benchmark stores and asks: the seeded events and every operation, as wrk requests.

Reads go to one tenant (`READ_KEY`) holding N seeded events in 200 groups; writes go to tenants of
their own, so a capture run never grows the data the reads are measured on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

READ_KEY = "bench-read"
GROUPS = 200
RARE_WORD = "quokka"  # in the 10 oldest events only: found at the far end of any walk
RARE_EVENTS = 10
COMMON_WORD = "timeout"  # in 22% of the events
EXPORT_FILTER = {"tags.hundred": "h3"}  # exactly 100 events at any size >= 400
PRISM_GROUP = "grp_5d41402abc4b2a76"  # the spec's example id: Prism checks path parameters against it


def seed_event(i: int) -> dict[str, object]:
    """The i-th seeded capture body (deterministic; 200 groups by `code`, 22% mention the common word)."""
    if i < RARE_EVENTS:
        message = f"{RARE_WORD} nest {i} overflowed"
    elif i % 50 < 11:
        message = f"upstream {COMMON_WORD} after {i} ms in step {i % 40}"
    else:
        message = f"order {i} failed in step {i % 40}"
    return {
        "message": message,
        "code": f"E{i % GROUPS}",
        "level": ("error", "warning", "info", "fatal")[i % 4],
        "environment": ("production", "staging")[i % 2],
        "release": f"1.{i % 9}.0",
        "user_id": f"user-{i % 500}",
        "tags": {"shard": str(i % 7), "hundred": f"h{i // 100}"},
    }


@dataclass(frozen=True)
class Operation:
    """One benchmarked request: method, path (``{group}`` / ``{groups}`` filled in later) and body."""

    name: str
    method: str
    path: str
    body: object = None
    kind: str = "read"  # read | write | capture (a capture stores into its own tenant)
    # Lua expression for a per-request body (counter `n`), for captures that must differ each time.
    lua_body: str | None = None
    tenant: str | None = None  # None: the read tenant
    extra_headers: dict[str, str] = field(default_factory=dict)


def _q(value: object) -> str:
    return quote(json.dumps(value, separators=(",", ":")), safe="")


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "errors.capture, distinct groups",
        "POST",
        "/v1/errors/capture",
        kind="capture",
        tenant="bench-capture-distinct",
        lua_body=(
            '\'{"exception":{"type":"ValueError","message":"bad input","stacktrace":"..."},'
            '"level":"error","tags":{"service":"checkout"},"fingerprint":["g\' .. n .. \'"]}\''
        ),
    ),
    Operation(
        "errors.capture, same group",
        "POST",
        "/v1/errors/capture",
        body={
            "exception": {"type": "ValueError", "message": "bad input 42", "stacktrace": "..."},
            "level": "error",
            "tags": {"service": "checkout"},
        },
        kind="capture",
        tenant="bench-capture-same",
    ),
    Operation(
        "errors.message",
        "POST",
        "/v1/errors/message",
        body={"text": "cache miss for key 42", "level": "warning", "tags": {"service": "checkout"}},
        kind="capture",
        tenant="bench-message",
    ),
    Operation("errors.list?limit=50", "GET", "/v1/errors/list?limit=50"),
    Operation(f"errors.search?q={COMMON_WORD} (22% match)", "GET", f"/v1/errors/search?q={COMMON_WORD}"),
    Operation(
        f"errors.search?q={RARE_WORD} (rare word, 10 matches)", "GET", f"/v1/errors/search?q={RARE_WORD}"
    ),
    Operation("errors.search?q=shard:3 (key:value)", "GET", "/v1/errors/search?q=shard:3"),
    Operation("errors.groups?limit=50", "GET", "/v1/errors/groups?limit=50"),
    Operation("errors.group_detail", "GET", "/v1/errors/group_detail/{group}"),
    Operation("errors.events?limit=50", "GET", "/v1/errors/events/{group}?limit=50"),
    Operation(
        "errors.export csv, 100 matching",
        "POST",
        "/v1/errors/export",
        body={"filter": EXPORT_FILTER, "format": "csv"},
    ),
    Operation("errors.resolve", "POST", "/v1/errors/resolve/{group}", kind="write"),
    Operation(
        "errors.bulk resolve, 100 ids",
        "POST",
        "/v1/errors/bulk",
        body={"error_group_ids": "{groups}", "action": "resolve"},
        kind="write",
    ),
    Operation("errors.retention.get", "GET", "/v1/errors/retention/get"),
    Operation("errors.retention.set", "PUT", "/v1/errors/retention/set", body={"days": 3650}, kind="write"),
)


def filled(op: Operation, group: str, groups: list[str]) -> tuple[str, object]:
    """Return the operation's path and body with the group ids of the target server filled in."""
    path = op.path.replace("{group}", group)
    body = op.body
    if isinstance(body, dict) and body.get("error_group_ids") == "{groups}":
        body = {**body, "error_group_ids": groups}
    return path, body
