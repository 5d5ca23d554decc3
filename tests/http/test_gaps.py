"""Rules that cross operations: auth on every route, bulk limits, and one filter meaning one set."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import pytest
import requests
from http_support import Api, SpecOracle
from pytest_aiohttp import AiohttpClient

from mockserver import MockServer, create_app

OPERATIONS = SpecOracle().operations


class TestAuthOnEveryOperation:
    @pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
    def test_every_operation_answers_401_without_a_key(
        self, mock: MockServer, oracle: SpecOracle, operation_id: str
    ) -> None:
        """No operation serves an unauthenticated caller, whatever else the request holds."""
        method, template = OPERATIONS[operation_id]
        path = template.replace("{event_id}", "evt_x").replace("{error_group_id}", "grp_x")
        response = requests.request(method, mock.url + path, json={"days": 5}, timeout=5)
        assert response.status_code == 401
        assert oracle.assert_conforms(operation_id, response)["error"]["code"] == "UNAUTHORIZED"


class TestBulkLimitsOverHttp:
    @pytest.mark.parametrize("count", [0, 1001])
    def test_empty_or_oversized_id_lists_are_400(self, api: Api, oracle: SpecOracle, count: int) -> None:
        """Bulk takes 1..1000 ids; outside that the whole call is rejected, naming the field."""
        ids = [f"grp_{index:016x}" for index in range(count)]
        response = api.call("POST", "/v1/errors/bulk", {"error_group_ids": ids, "action": "resolve"})
        assert response.status_code == 400
        details = oracle.assert_conforms("errors_bulk", response)["error"]["details"]
        assert details == {"field": "body.error_group_ids", "rule": "minItems" if count == 0 else "maxItems"}

    def test_a_thousand_ids_with_unknown_ones_succeed_per_id(self, api: Api) -> None:
        """1000 ids, one real: the real one succeeds and the 999 unknown ones fail alone."""
        real = api.capture()["error_group_id"]
        ids = [real] + [f"grp_{index:016x}" for index in range(999)]
        result = api.ok("POST", "/v1/errors/bulk", {"error_group_ids": ids, "action": "ignore"})
        assert result["succeeded"] == [real]
        assert len(result["failed"]) == 999
        assert {failure["code"] for failure in result["failed"]} == {"NOT_FOUND"}


def _walk(api: Api, path: str, params: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    params = {**params, "limit": 7}
    while True:
        page = api.ok("GET", path, params=params)
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return seen
        params["cursor"] = page["next_cursor"]


FILTERS: list[dict[str, Any]] = [
    {},
    {"level": "warning"},
    {"level": ["error", "fatal"], "environment": "production"},
    {"tags.shard": ["1", "3"]},
    {"status": "resolved"},
    {"release": "r2", "user_id": ["u1", "u2"]},
]


class TestOneFilterOneSet:
    @pytest.mark.parametrize("flt", FILTERS, ids=json.dumps)
    def test_list_search_and_export_agree(self, api: Api, flt: dict[str, Any]) -> None:
        """The same filter selects the same events, in the same order, in list, search and export."""
        levels = ["error", "warning", "fatal", "info"]
        envs = ["production", "staging"]
        for index in range(30):
            api.capture(
                {
                    "message": f"job {index} failed with code {index % 4}",
                    "code": f"E{index % 5}",
                    "level": levels[index % 4],
                    "environment": envs[index % 2],
                    "release": f"r{index % 3}",
                    "user_id": f"u{index % 4}",
                    "tags": {"shard": str(index % 5)},
                }
            )
        first_group = api.ok("GET", "/v1/errors/groups", params={"limit": 1})["items"][0]["id"]
        api.ok("POST", f"/v1/errors/resolve/{first_group}")
        encoded = {"filter": json.dumps(flt)}
        listed = _walk(api, "/v1/errors/list", encoded)
        searched = _walk(api, "/v1/errors/search", {**encoded, "q": "job"})
        exported_json = api.ok("POST", "/v1/errors/export", {"filter": flt})["events"]
        exported_csv = api.ok("POST", "/v1/errors/export", {"filter": flt, "format": "csv"})["csv"]
        csv_ids = [row["id"] for row in csv.DictReader(io.StringIO(exported_csv))]
        assert listed == searched == [event["id"] for event in exported_json] == csv_ids
        assert len(listed) == len(set(listed))
        if flt:
            assert 0 < len(listed) < 30


class TestFilterBounds:
    @pytest.mark.parametrize(
        ("flt", "rule"),
        [
            ({f"tags.k{index}": "v" for index in range(17)}, "maxProperties"),
            ({"release": [f"r{index}" for index in range(21)]}, "maxItems"),
            ({"release": "r" * 129}, "maxLength"),
        ],
        ids=["17 keys", "21 values", "129 chars"],
    )
    def test_filters_past_the_spec_bounds_are_400(
        self, api: Api, oracle: SpecOracle, flt: dict[str, Any], rule: str
    ) -> None:
        """16 keys, 20 values and 128 characters are the limits; one more names the rule."""
        response = api.call("GET", "/v1/errors/list", params={"filter": json.dumps(flt)})
        assert response.status_code == 400
        assert oracle.assert_conforms("errors_list", response)["error"]["details"]["rule"] in {rule, "anyOf"}


class TestIdempotencyOrder:
    def test_replay_with_an_invalid_body_is_still_rejected(self, api: Api) -> None:
        """Validation comes first: an invalid body is 400 even when its key was seen before."""
        first = api.ok("POST", "/v1/errors/message", {"text": "x", "idempotency_key": "k1"})
        invalid = api.call("POST", "/v1/errors/message", {"text": "", "idempotency_key": "k1"})
        assert invalid.status_code == 400
        replay = api.ok("POST", "/v1/errors/message", {"text": "y", "idempotency_key": "k1"})
        assert (replay["error_id"], replay["duplicate"]) == (first["error_id"], True)


class TestClockMovesPurgeEveryTenant:
    def test_advance_clock_purges_all_tenants_at_once(self) -> None:
        """MockServer.advance_clock applies retention to every tenant before any further call."""
        with MockServer(clock="manual") as server:
            for key in ("ifr_a", "ifr_b"):
                tenant = Api(server.url, key)
                tenant.capture()
                tenant.ok("PUT", "/v1/errors/retention/set", {"days": 1, "auto_export_before_cleanup": True})
                tenant.session.close()
            server.advance_clock(2 * 86400)
            assert sorted(export["tenant"] for export in server.store.auto_exports) == ["ifr_a", "ifr_b"]
            server.check()


@pytest.mark.asyncio
class TestConcurrentMessageIdempotency:
    async def test_concurrent_body_keys_store_one_message(self, aiohttp_client: AiohttpClient) -> None:
        """Ten simultaneous errors.message calls with one idempotency_key store one event."""
        client = await aiohttp_client(create_app(seed=4))
        headers = {"Authorization": "Bearer ifr_concurrent_message"}
        body = {"text": "disk almost full", "idempotency_key": "alert-7"}

        async def send() -> dict[str, Any]:
            response = await client.post("/v1/errors/message", json=body, headers=headers)
            assert response.status == 200
            result: dict[str, Any] = await response.json()
            return result

        results = await asyncio.gather(*(send() for _ in range(10)))
        assert len({result["error_id"] for result in results}) == 1
        assert sum(not result["duplicate"] for result in results) == 1
        listed = await client.get("/v1/errors/list", headers=headers)
        assert len((await listed.json())["items"]) == 1
