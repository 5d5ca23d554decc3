"""Each API key is its own tenant, and both capture operations honour idempotency keys."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from http_support import CAPTURE_BODY, Api

from mockserver import create_app
from mockserver.http.app import state_of

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


class TestTenantIsolation:
    def test_keys_see_only_their_own_events(self, api: Api) -> None:
        """Another key's list is empty and its get answers 404."""
        event_id = api.capture()["error_id"]
        assert api.ok("GET", "/v1/errors/list", key="ifr_other")["items"] == []
        assert api.call("GET", f"/v1/errors/get/{event_id}", key="ifr_other").status_code == 404
        assert api.ok("GET", f"/v1/errors/get/{event_id}")["id"] == event_id

    def test_keys_cannot_change_each_others_groups(self, api: Api) -> None:
        """Resolving another tenant's group answers 404 and changes nothing."""
        group_id = api.capture()["error_group_id"]
        assert api.call("POST", f"/v1/errors/resolve/{group_id}", key="ifr_other").status_code == 404
        assert api.ok("GET", f"/v1/errors/group_detail/{group_id}")["status"] == "unresolved"

    def test_retention_is_per_key(self, api: Api) -> None:
        """Setting retention for one key leaves another's default."""
        api.ok("PUT", "/v1/errors/retention/set", {"days": 7})
        assert api.ok("GET", "/v1/errors/retention/get", key="ifr_other")["days"] == 90

    def test_cursor_from_another_key_is_rejected(self, api: Api) -> None:
        """A cursor is bound to the key that got it."""
        api.capture()
        api.capture({"message": "second"})
        cursor = api.ok("GET", "/v1/errors/list", params={"limit": 1})["next_cursor"]
        response = api.call("GET", "/v1/errors/list", params={"limit": 1, "cursor": cursor}, key="ifr_other")
        assert response.status_code == 400
        assert response.json()["error"]["details"]["field"] == "cursor"


class TestIdempotency:
    def test_capture_header_replays_the_first_result(self, api: Api) -> None:
        """A repeated Idempotency-Key returns the first result marked duplicate and stores nothing."""
        headers = {"Idempotency-Key": "k-1"}
        first = api.capture(headers=headers)
        second = api.capture({"message": "different"}, headers=headers)
        assert second == {**first, "duplicate": True}
        assert len(api.ok("GET", "/v1/errors/list")["items"]) == 1

    def test_message_body_key(self, api: Api) -> None:
        """errors.message honours the body's idempotency_key."""
        first = api.ok("POST", "/v1/errors/message", {"text": "a", "idempotency_key": "m-1"})
        second = api.ok("POST", "/v1/errors/message", {"text": "b", "idempotency_key": "m-1"})
        assert second["error_id"] == first["error_id"]
        assert second["duplicate"] is True

    def test_message_header_wins_over_body(self, api: Api) -> None:
        """With both given, the header's key is the one that counts."""
        api.ok("POST", "/v1/errors/message", {"text": "a", "idempotency_key": "body-key"})
        replay = api.ok(
            "POST",
            "/v1/errors/message",
            {"text": "b", "idempotency_key": "body-key"},
            headers={"Idempotency-Key": "h"},
        )
        assert replay["duplicate"] is False
        again = api.ok("POST", "/v1/errors/message", {"text": "c"}, headers={"Idempotency-Key": "h"})
        assert again["duplicate"] is True

    def test_keys_are_per_tenant(self, api: Api) -> None:
        """The same idempotency key under another API key stores a new event."""
        api.capture(headers={"Idempotency-Key": "shared"})
        other = api.capture(headers={"Idempotency-Key": "shared"}, key="ifr_other")
        assert other["duplicate"] is False


@pytest.mark.asyncio
class TestConcurrentIdempotency:
    async def test_twenty_concurrent_identical_requests_store_one_event(
        self, aiohttp_client: AiohttpClient
    ) -> None:
        """Twenty simultaneous captures with one key store exactly one event."""
        app = create_app(seed=3)
        client = await aiohttp_client(app)
        headers = {"Authorization": "Bearer ifr_concurrent", "Idempotency-Key": "same"}

        async def capture() -> dict[str, Any]:
            response = await client.post("/v1/errors/capture", json=CAPTURE_BODY, headers=headers)
            assert response.status == 200
            body: dict[str, Any] = await response.json()
            return body

        results = await asyncio.gather(*(capture() for _ in range(20)))
        assert len({result["error_id"] for result in results}) == 1
        assert sum(not result["duplicate"] for result in results) == 1
        listed = await client.get("/v1/errors/list", headers={"Authorization": "Bearer ifr_concurrent"})
        assert len((await listed.json())["items"]) == 1
        assert state_of(app).violations == []
