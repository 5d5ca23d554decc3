"""The tenant-scoped control API: each key resets, seeds, time-travels and inspects only itself."""

from __future__ import annotations

import uuid

import pytest
import requests
from http_support import Api

from mockserver import MockServer


def other(api: Api) -> Api:
    return Api(api.base_url, f"ifr_other_{uuid.uuid4().hex[:12]}")


def control(api: Api, method: str, what: str, body: object = None) -> requests.Response:
    path = f"/__admin/tenant/{what}"
    return api.call(method, path) if body is None else api.call(method, path, body)


class TestTenantScopedControl:
    def test_reset_drops_only_the_callers_tenant(self, api: Api, mock: MockServer) -> None:
        """POST /__admin/tenant/reset empties the caller's tenant; a neighbour keeps its data."""
        neighbour = other(api)
        api.capture()
        neighbour.capture()
        assert control(api, "POST", "reset").json() == {"ok": True}
        assert api.ok("GET", "/v1/errors/list")["items"] == []
        assert len(neighbour.ok("GET", "/v1/errors/list")["items"]) == 1
        assert mock.calls_to(tenant=neighbour.key)

    def test_advancing_a_tenant_clock_purges_it_and_not_its_neighbour(self, api: Api) -> None:
        """POST /__admin/tenant/clock moves only the caller's clock, on a system-clock server."""
        neighbour = other(api)
        api.capture()
        neighbour.capture()
        moved = control(api, "POST", "clock", {"advance_seconds": 91 * 86400})
        assert moved.status_code == 200, moved.text
        assert moved.json()["manual"] is True
        assert moved.json()["tenant_clock"] is True
        assert api.ok("GET", "/v1/errors/list")["items"] == []
        assert len(neighbour.ok("GET", "/v1/errors/list")["items"]) == 1
        assert control(neighbour, "GET", "clock").json()["tenant_clock"] is False

    def test_state_round_trips_between_two_keys(self, api: Api) -> None:
        """GET state from one key, PUT it into another: the second answers the same lists."""
        api.capture()
        api.capture({"message": "second"})
        document = control(api, "GET", "state").json()
        copy = other(api)
        loaded = control(copy, "PUT", "state", document)
        assert loaded.json() == {"ok": True, "groups": 2, "events": 2}
        assert copy.ok("GET", "/v1/errors/groups") == api.ok("GET", "/v1/errors/groups")

    def test_a_bad_document_is_refused_whole(self, api: Api) -> None:
        """A document with one bad event is a 400 naming it, and the tenant keeps its state."""
        api.capture()
        document = {
            "version": 1,
            "events": [
                {"timestamp": "2025-12-01T00:00:00Z", "message": "fine"},
                {"timestamp": "2025-12-02T00:00:00Z", "message": "bad", "level": "loud"},
            ],
        }
        refused = control(api, "PUT", "state", document)
        assert refused.status_code == 400
        assert refused.json()["error"]["details"]["field"] == "body.events[1].level"
        assert len(api.ok("GET", "/v1/errors/list")["items"]) == 1

    def test_journal_shows_only_the_callers_requests(self, api: Api) -> None:
        """GET /__admin/tenant/journal lists the caller's requests, never a neighbour's."""
        neighbour = other(api)
        api.capture()
        neighbour.capture()
        entries = control(api, "GET", "journal").json()["entries"]
        assert [entry["tenant"] for entry in entries] == [api.key]

    def test_faults_are_the_callers_own(self, api: Api) -> None:
        """A tenant fault hits only the caller; listing and clearing see only its own."""
        neighbour = other(api)
        added = control(api, "POST", "faults", {"operation_id": "errors_list", "status": 503, "times": 1})
        assert added.status_code == 201, added.text
        assert added.json()["fault"]["tenant"] == api.key
        assert neighbour.call("GET", "/v1/errors/list").status_code == 200
        assert control(neighbour, "GET", "faults").json() == {"faults": []}
        hit = api.call("GET", "/v1/errors/list")
        assert hit.status_code == 503
        assert hit.headers["Retry-After"] == "30"
        assert control(api, "DELETE", "faults").json() == {"ok": True, "cleared": 0}

    def test_a_tenant_cannot_aim_a_fault_at_another_key(self, api: Api) -> None:
        """The tenant-scoped fault body has no `tenant` field."""
        refused = control(api, "POST", "faults", {"status": 500, "tenant": "someone-else"})
        assert refused.status_code == 400
        assert refused.json()["error"]["details"] == {"field": "body.tenant", "rule": "additionalProperties"}

    @pytest.mark.parametrize(
        ("method", "what"),
        [("POST", "reset"), ("GET", "clock"), ("GET", "state"), ("GET", "journal"), ("GET", "faults")],
    )
    def test_every_tenant_endpoint_needs_the_tenants_key(self, api: Api, method: str, what: str) -> None:
        """Without a bearer key the tenant endpoints answer 401."""
        response = requests.request(method, f"{api.base_url}/__admin/tenant/{what}", timeout=5)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHORIZED"


class TestControlRequestsAreChecked:
    @pytest.mark.parametrize(
        ("method", "path", "name"),
        [
            ("POST", "/__admin/reset?tenant=abc", "tenant"),
            ("GET", "/__admin/journal?operation=errors_capture", "operation"),
            ("GET", "/__admin/journal?status=500", "status"),
            ("GET", "/__admin/tenant/journal?tenant=x", "tenant"),
            ("GET", "/__admin/faults?all=1", "all"),
            ("GET", "/__admin/tenant/state?pretty=1", "pretty"),
        ],
    )
    def test_unknown_query_parameters_are_refused(self, api: Api, method: str, path: str, name: str) -> None:
        """Every control endpoint names an unknown query parameter in a 400 envelope."""
        response = api.call(method, path)
        assert response.status_code == 400
        assert response.json()["error"]["details"] == {"field": name, "rule": "unknown_parameter"}

    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/__admin/clock", {"advance_seconds": 1, "extra": 2}, "body.extra"),
            ("/__admin/tenant/clock", {"advance": 1}, "body.advance"),
            ("/__admin/faults", {"status": 500, "colour": "red"}, "body.colour"),
            ("/__admin/tenant/faults", {"statuss": 500}, "body.statuss"),
        ],
    )
    def test_unknown_body_fields_are_refused(self, api: Api, path: str, body: dict, field: str) -> None:
        """Every control body names an unknown field in a 400 envelope."""
        response = api.call("POST", path, body)
        assert response.status_code == 400
        assert response.json()["error"]["details"]["field"] == field

    def test_an_unknown_operation_id_in_a_journal_filter_is_refused(self, api: Api) -> None:
        """`?operation_id=capture` (a typo) is a 400 listing the real ids, not an empty list."""
        response = api.call("GET", "/__admin/journal?operation_id=errors_capturee")
        assert response.status_code == 400
        assert "errors_capture" in response.json()["error"]["message"]

    def test_a_body_sent_by_curl_without_content_type_is_read_as_json(self, api: Api) -> None:
        """Control bodies are JSON whatever the Content-Type (curl -d sends form-encoded)."""
        response = api.call(
            "POST",
            "/__admin/tenant/clock",
            data=b'{"advance_seconds": 5}',
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200, response.text
