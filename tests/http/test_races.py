"""Concurrency over real sockets: exact counts, one event per idempotency key, no orphans after races.

Sizes are parameters: INFRAI_RACE_CLIENTS (default 20) clients x INFRAI_RACE_CAPTURES (default 50)
captures each; CI uses the defaults (a few seconds), heavy runs raise them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from http_support import Api

from mockserver import MockServer

CLIENTS = int(os.environ.get("INFRAI_RACE_CLIENTS", "20"))
CAPTURES = int(os.environ.get("INFRAI_RACE_CAPTURES", "50"))


@pytest.fixture
def racing() -> Iterator[MockServer]:
    """A fresh strict mock per test."""
    with MockServer(seed=3) as server:
        yield server
        server.check()


def _together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) on `count` threads released at once."""
    start = threading.Barrier(count)

    def run(index: int) -> Any:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _walk(api: Api, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api.ok("GET", path, params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_n_clients_by_m_captures_are_counted_exactly(racing: MockServer) -> None:
    """CLIENTS threads x CAPTURES captures into one tenant: every event stored once, counts exact."""

    def send(index: int) -> list[str]:
        api = Api(racing.url, "ifr_race_counts")
        return [
            api.capture({"message": f"worker {index % 4} failed", "tags": {"w": str(index)}})["error_id"]
            for _ in range(CAPTURES)
        ]

    ids = [event_id for batch in _together(CLIENTS, send) for event_id in batch]
    assert len(set(ids)) == CLIENTS * CAPTURES
    reader = Api(racing.url, "ifr_race_counts")
    assert len(_walk(reader, "/v1/errors/list")) == CLIENTS * CAPTURES
    groups = _walk(reader, "/v1/errors/groups")
    assert len(groups) == 1  # "worker N failed" normalizes to one message
    assert sum(group["count"] for group in groups) == CLIENTS * CAPTURES


def test_one_event_per_idempotency_key_under_concurrent_senders(racing: MockServer) -> None:
    """20 senders repeat the same 10 keys at once: 10 events, every sender sees the same first result."""
    keys = [f"idem-{n}" for n in range(10)]

    def send(_: int) -> dict[str, str]:
        api = Api(racing.url, "ifr_race_idem")
        return {key: api.capture(headers={"Idempotency-Key": key})["error_id"] for key in keys}

    results = _together(20, send)
    assert all(result == results[0] for result in results)
    assert len(_walk(Api(racing.url, "ifr_race_idem"), "/v1/errors/list")) == len(keys)


def test_status_changes_and_deletes_racing_captures_leave_no_orphans(racing: MockServer) -> None:
    """Captures, resolves, ignores and deletes of the same groups at once: every stored event's group exists,
    every group's count equals its listed events, and a deleted group's events are gone."""
    messages = [f"race kind {chr(97 + n)}" for n in range(4)]  # four groups (letters do not normalize)
    key = "ifr_race_lifecycle"
    seed = Api(racing.url, key)
    groups = {message: seed.capture({"message": message})["error_group_id"] for message in messages}

    def act(index: int) -> None:
        api = Api(racing.url, key)
        for round_ in range(CAPTURES // 2):
            message = messages[(index + round_) % len(messages)]
            if index % 4 == 0:
                api.call("DELETE", f"/v1/errors/delete/{groups[message]}")
            elif index % 4 == 1:
                api.call("POST", f"/v1/errors/resolve/{groups[message]}")
            elif index % 4 == 2:
                api.call("POST", f"/v1/errors/ignore/{groups[message]}")
            else:
                api.capture({"message": message})

    _together(CLIENTS, act)
    reader = Api(racing.url, key)
    events = _walk(reader, "/v1/errors/list")
    listed_groups = {group["id"]: group for group in _walk(reader, "/v1/errors/groups")}
    assert {event["error_group_id"] for event in events} <= set(listed_groups)  # no orphan events
    for group_id, group in listed_groups.items():
        in_group = _walk(reader, f"/v1/errors/events/{group_id}")
        assert (
            group["count"]
            == len(in_group)
            == sum(1 for event in events if event["error_group_id"] == group_id)
        )
    for group_id in set(groups.values()) - set(listed_groups):
        assert reader.call("GET", f"/v1/errors/group_detail/{group_id}").status_code == 404
