"""Every one of the 16 operations answers its documented 200 over a real socket."""

from __future__ import annotations

import json

import pytest
from http_support import CAPTURE_BODY, Api, SpecOracle

from mockserver import MockServer


@pytest.fixture
def seeded(api: Api) -> dict[str, str]:
    """Two groups in the caller's tenant: an exception and a message."""
    first = api.capture()
    second = api.ok("POST", "/v1/errors/message", {"text": "cache miss rate above 40%", "level": "warning"})
    return {
        "event_id": first["error_id"],
        "group_id": first["error_group_id"],
        "message_group_id": second["error_group_id"],
    }


class TestCapture:
    def test_capture_stores_an_event_in_a_new_group(self, api: Api, oracle: SpecOracle) -> None:
        """The reference body is captured and opens a group."""
        body = oracle.assert_conforms("errors_capture", api.call("POST", "/v1/errors/capture", CAPTURE_BODY))
        assert body["ok"] is True
        assert body["is_new_group"] is True
        assert body["duplicate"] is False

    def test_documented_fields_shape_is_accepted(self, api: Api, oracle: SpecOracle) -> None:
        """The parameter-table shape (message, code, stack, tags) is captured too."""
        response = api.call(
            "POST",
            "/v1/errors/capture",
            {"message": "payment failed", "code": "PAYMENT_DECLINED", "stack": "x", "tags": {"a": "b"}},
        )
        assert oracle.assert_conforms("errors_capture", response)["ok"] is True

    def test_same_error_twice_joins_the_first_group(self, api: Api) -> None:
        """A second identical capture lands in the same group."""
        first, second = api.capture(), api.capture()
        assert second["error_group_id"] == first["error_group_id"]
        assert second["is_new_group"] is False

    def test_message_is_captured(self, api: Api, oracle: SpecOracle) -> None:
        """errors.message stores the reference body."""
        response = api.call("POST", "/v1/errors/message", {"text": "..."})
        assert oracle.assert_conforms("errors_message", response)["ok"] is True


class TestReads:
    def test_list_pages_newest_first(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """errors.list returns the captured events, newest first."""
        body = oracle.assert_conforms("errors_list", api.call("GET", "/v1/errors/list"))
        assert [item["source"] for item in body["items"]] == ["message", "capture"]

    def test_list_follows_the_cursor(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """A limit-1 page hands out a cursor that yields the next event."""
        first = oracle.assert_conforms("errors_list", api.call("GET", "/v1/errors/list", params={"limit": 1}))
        assert first["next_cursor"]
        params = {"limit": 1, "cursor": first["next_cursor"]}
        second = oracle.assert_conforms("errors_list", api.call("GET", "/v1/errors/list", params=params))
        assert second["items"][0]["id"] == seeded["event_id"]

    def test_list_filter_is_json_in_the_query(
        self, api: Api, oracle: SpecOracle, seeded: dict[str, str]
    ) -> None:
        """The filter parameter is URL-encoded JSON and narrows the list."""
        params = {"filter": json.dumps({"level": ["error", "fatal"]})}
        body = oracle.assert_conforms("errors_list", api.call("GET", "/v1/errors/list", params=params))
        assert [item["id"] for item in body["items"]] == [seeded["event_id"]]

    def test_search_finds_by_keyword(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """errors.search matches the exception message."""
        body = oracle.assert_conforms(
            "errors_search", api.call("GET", "/v1/errors/search", params={"q": "bad"})
        )
        assert [item["id"] for item in body["items"]] == [seeded["event_id"]]

    def test_get_returns_the_event(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """errors.get returns one event by id."""
        body = oracle.assert_conforms("errors_get", api.call("GET", f"/v1/errors/get/{seeded['event_id']}"))
        assert body["id"] == seeded["event_id"]

    def test_groups_lists_both_groups(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """errors.groups pages through groups."""
        body = oracle.assert_conforms("errors_groups", api.call("GET", "/v1/errors/groups"))
        assert {item["id"] for item in body["items"]} == {seeded["group_id"], seeded["message_group_id"]}

    def test_groups_filters_by_status_and_sorts(
        self, api: Api, oracle: SpecOracle, seeded: dict[str, str]
    ) -> None:
        """Status and sort parameters are accepted from the spec's enums."""
        params = {"status": "unresolved", "sort": "count_desc", "limit": 100}
        body = oracle.assert_conforms("errors_groups", api.call("GET", "/v1/errors/groups", params=params))
        assert len(body["items"]) == 2

    def test_group_detail_aggregates(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """errors.group_detail carries the hourly histogram and the latest event."""
        response = api.call("GET", f"/v1/errors/group_detail/{seeded['group_id']}")
        body = oracle.assert_conforms("errors_group_detail", response)
        assert len(body["hourly"]) == 24
        assert body["latest_event"]["id"] == seeded["event_id"]

    def test_events_lists_one_groups_events(
        self, api: Api, oracle: SpecOracle, seeded: dict[str, str]
    ) -> None:
        """errors.events pages through one group."""
        body = oracle.assert_conforms(
            "errors_events", api.call("GET", f"/v1/errors/events/{seeded['group_id']}")
        )
        assert [item["id"] for item in body["items"]] == [seeded["event_id"]]


class TestGroupChanges:
    @pytest.mark.parametrize(
        ("operation_id", "verb", "status"),
        [
            ("errors_resolve", "resolve", "resolved"),
            ("errors_unresolve", "unresolve", "unresolved"),
            ("errors_ignore", "ignore", "ignored"),
        ],
    )
    def test_status_change_without_body(
        self,
        *,
        api: Api,
        oracle: SpecOracle,
        seeded: dict[str, str],
        operation_id: str,
        verb: str,
        status: str,
    ) -> None:
        """The group action works with no body at all."""
        response = api.call("POST", f"/v1/errors/{verb}/{seeded['group_id']}")
        assert oracle.assert_conforms(operation_id, response)["status"] == status

    @pytest.mark.parametrize(
        ("operation_id", "verb"),
        [("errors_resolve", "resolve"), ("errors_unresolve", "unresolve"), ("errors_ignore", "ignore")],
    )
    def test_status_change_with_matching_body(
        self, api: Api, oracle: SpecOracle, seeded: dict[str, str], operation_id: str, verb: str
    ) -> None:
        """The reference's body shape is accepted when it names the path's group."""
        group_id = seeded["group_id"]
        response = api.call("POST", f"/v1/errors/{verb}/{group_id}", {"error_group_id": group_id})
        assert oracle.assert_conforms(operation_id, response)["id"] == group_id

    def test_delete_removes_the_group(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """errors.delete answers a DeleteResult and the group is gone."""
        response = api.call("DELETE", f"/v1/errors/delete/{seeded['group_id']}")
        assert oracle.assert_conforms("errors_delete", response)["deleted_events"] == 1
        assert api.call("GET", f"/v1/errors/group_detail/{seeded['group_id']}").status_code == 404

    def test_bulk_reports_each_id(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """errors.bulk succeeds per known id and reports unknown ids as failed."""
        ids = [seeded["group_id"], "grp_0000000000000000"]
        response = api.call("POST", "/v1/errors/bulk", {"error_group_ids": ids, "action": "ignore"})
        body = oracle.assert_conforms("errors_bulk", response)
        assert body["succeeded"] == [seeded["group_id"]]
        assert [item["error_group_id"] for item in body["failed"]] == ["grp_0000000000000000"]


class TestData:
    def test_export_json_inline(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """The reference's empty export body exports every event as JSON."""
        body = oracle.assert_conforms("errors_export", api.call("POST", "/v1/errors/export", {}))
        assert body["format"] == "json"
        assert body["row_count"] == len(body["events"]) == 2

    def test_export_without_body(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """The export body is optional."""
        body = oracle.assert_conforms("errors_export", api.call("POST", "/v1/errors/export"))
        assert body["row_count"] == 2

    def test_export_csv(self, api: Api, oracle: SpecOracle, seeded: dict[str, str]) -> None:
        """format=csv answers CSV text with a header row."""
        response = api.call("POST", "/v1/errors/export", {"format": "csv", "filter": {"level": "error"}})
        body = oracle.assert_conforms("errors_export", response)
        assert body["csv"].startswith("id,")
        assert body["row_count"] == 1

    def test_retention_defaults(self, api: Api, oracle: SpecOracle) -> None:
        """A new tenant keeps data 90 days."""
        body = oracle.assert_conforms("errors_retention_get", api.call("GET", "/v1/errors/retention/get"))
        assert body == {"days": 90, "auto_export_before_cleanup": False, "export_destination": None}

    def test_retention_set_reads_back(self, api: Api, oracle: SpecOracle) -> None:
        """errors.retention.set changes what errors.retention.get answers."""
        update = {"days": 30, "auto_export_before_cleanup": True, "export_destination": "s3://bucket/x"}
        body = oracle.assert_conforms(
            "errors_retention_set", api.call("PUT", "/v1/errors/retention/set", update)
        )
        assert body == update
        assert api.ok("GET", "/v1/errors/retention/get") == update


class TestSpecSemantics:
    def test_integral_float_is_an_integer(self, api: Api) -> None:
        """`days: 30.0` is the JSON Schema integer 30."""
        assert api.ok("PUT", "/v1/errors/retention/set", {"days": 30.0})["days"] == 30

    def test_tag_names_outside_the_sentry_charset_are_rejected(self, api: Api) -> None:
        """Tag names are `[A-Za-z0-9_.:-]{1,64}`, in capture and filter alike, with ECMA-262's `$`."""
        api.capture({"message": "x", "tags": {"svc.name:v-1_2": "v"}})
        params = {"filter": json.dumps({"tags.svc.name:v-1_2": "v"})}
        assert len(api.ok("GET", "/v1/errors/list", params=params)["items"]) == 1
        for name in ("a\x1db", "a b", "trailing\n"):
            assert (
                api.call("POST", "/v1/errors/capture", {"message": "x", "tags": {name: "v"}}).status_code
                == 400
            )
            bad = {"filter": json.dumps({f"tags.{name}": "v"})}
            assert api.call("GET", "/v1/errors/list", params=bad).status_code == 400

    def test_long_filter_fits_in_the_request_line(self, api: Api) -> None:
        """A filter far past aiohttp's default 8 KiB request line still reaches the app."""
        values = [f"value-{index:04d}-" + "x" * 110 for index in range(20)]
        keys = ["release", "user_id", "code", *(f"tags.t{index}" for index in range(13))]
        params = {"filter": json.dumps(dict.fromkeys(keys, values))}
        assert len(params["filter"]) > 30_000
        assert api.ok("GET", "/v1/errors/list", params=params)["items"] == []


class TestRoutesComeFromTheSpec:
    def test_every_spec_operation_is_routed(self, api: Api, oracle: SpecOracle, mock: MockServer) -> None:
        """Each documented path and method reaches the operation of that id."""
        for operation_id, (method, template) in oracle.operations.items():
            path = template.replace("{event_id}", "evt_x").replace("{error_group_id}", "grp_x")
            api.call(method, path)
            assert mock.journal[-1].operation_id == operation_id
        assert len(oracle.operations) == 16
