"""The admin API under /__admin/ lets an out-of-process harness do what MockServer does in Python."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from http_support import Api

from mockserver import MockServer


@pytest.fixture
def manual() -> Iterator[MockServer]:
    """A mock with a manual clock."""
    with MockServer(clock="manual") as server:
        yield server


def admin(server: MockServer, method: str, path: str, body: object = None) -> requests.Response:
    return requests.request(method, f"{server.url}/__admin/{path}", json=body, timeout=5)


class TestAdminApi:
    def test_health(self, mock: MockServer) -> None:
        """Health answers without an API key and counts the operations."""
        response = admin(mock, "GET", "health")
        assert response.json() == {"ok": True, "operations": 16, "strict": True}

    def test_reset_drops_data(self, api: Api, mock: MockServer) -> None:
        """POST reset empties every tenant and the journal."""
        api.capture()
        assert admin(mock, "POST", "reset").json() == {"ok": True}
        assert len(mock.journal) == 0
        assert api.ok("GET", "/v1/errors/list")["items"] == []

    def test_journal_lists_and_filters(self, api: Api, mock: MockServer) -> None:
        """GET journal lists API calls (not admin calls), optionally by operation_id."""
        api.capture()
        api.call("GET", "/v1/errors/list")
        every = admin(mock, "GET", "journal").json()
        assert [entry["operation_id"] for entry in every["entries"]] == ["errors_capture", "errors_list"]
        only = admin(mock, "GET", "journal?operation_id=errors_list").json()
        assert only["count"] == 1
        assert only["entries"][0]["status"] == 200

    def test_violations_start_empty(self, mock: MockServer) -> None:
        """GET violations lists what strict mode caught."""
        assert admin(mock, "GET", "violations").json() == {"count": 0, "violations": []}

    def test_faults_round_trip(self, api: Api, mock: MockServer) -> None:
        """POST arms a fault, GET lists it, DELETE clears it."""
        created = admin(
            mock, "POST", "faults", {"operation_id": "errors_list", "status": 429, "retry_after": 2}
        )
        assert created.status_code == 201
        assert admin(mock, "GET", "faults").json()["faults"][0]["status"] == 429
        limited = api.call("GET", "/v1/errors/list")
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "2")
        assert admin(mock, "DELETE", "faults").json() == {"ok": True, "cleared": 1}
        assert api.call("GET", "/v1/errors/list").status_code == 200

    @pytest.mark.parametrize(
        "body", [{"status": 418}, {"status": "500"}, {"colour": "red"}, [1], {"operation_id": "errors_nope"}]
    )
    def test_bad_fault_is_400(self, mock: MockServer, body: object) -> None:
        """A fault the server cannot honour answers 400 with the reason."""
        response = admin(mock, "POST", "faults", body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "INVALID_REQUEST"

    def test_clock_advance_and_set(self, manual: MockServer) -> None:
        """POST clock advances or sets a manual clock and answers the new time."""
        assert admin(manual, "GET", "clock").json() == {"now": "2026-01-01T00:00:00.000Z", "manual": True}
        advanced = admin(manual, "POST", "clock", {"advance_seconds": 90})
        assert advanced.json()["now"] == "2026-01-01T00:01:30.000Z"
        moved = admin(manual, "POST", "clock", {"set": "2026-06-01T12:00:00Z"})
        assert moved.json()["now"] == "2026-06-01T12:00:00.000Z"

    @pytest.mark.parametrize(
        "body",
        [
            {"advance_seconds": -1},
            {"advance_seconds": "soon"},
            {"set": "not a time"},
            {"set": "2025-01-01T00:00:00Z"},
            {"set": "2026-06-01T12:00:00"},
            {"advance_seconds": 1, "set": "2026-06-01T12:00:00Z"},
            {},
        ],
    )
    def test_bad_clock_moves_are_400(self, manual: MockServer, body: object) -> None:
        """Negative, backwards, naive or ambiguous moves answer 400."""
        assert admin(manual, "POST", "clock", body).status_code == 400

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"advance_seconds": 1e20}, "advance_seconds"),  # more than a timedelta holds
            ({"advance_seconds": 10**12}, "advance_seconds"),  # a timedelta, but past year 9999
            ({"set": "0001-01-01T00:00:00+01:00"}, "set"),
            ({"set": "9999-12-31T23:59:59-01:00"}, "set"),
        ],
    )
    def test_clock_moves_out_of_datetime_range_are_400(
        self, manual: MockServer, body: object, field: str
    ) -> None:
        """A move past the datetime range answers 400 naming the field, and leaves the clock alone."""
        response = admin(manual, "POST", "clock", body)
        assert response.status_code == 400
        assert response.json()["error"]["details"]["field"] == field
        assert manual.violations == []
        assert admin(manual, "GET", "clock").json()["now"] == "2026-01-01T00:00:00.000Z"

    def test_clock_set_with_an_offset_answers_utc(self, manual: MockServer) -> None:
        """A set time with a UTC offset is reported back in the API's UTC form."""
        moved = admin(manual, "POST", "clock", {"set": "2026-06-01T14:00:00.5+02:00"})
        assert moved.json() == {"now": "2026-06-01T12:00:00.500Z", "manual": True}

    def test_body_that_does_not_match_its_content_encoding_is_400(self, mock: MockServer) -> None:
        """Admin bodies are read like API bodies: a plain body declared gzip answers 400, not 500."""
        response = requests.post(
            f"{mock.url}/__admin/faults",
            data=b'{"operation_id": "errors_list", "status": 500}',
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            timeout=5,
        )
        assert response.status_code == 400
        assert response.json()["error"]["details"] == {"field": "body", "rule": "encoding"}
        assert mock.faults.active == []

    def test_clock_must_be_manual(self, mock: MockServer) -> None:
        """Moving the system clock answers 409."""
        response = admin(mock, "POST", "clock", {"advance_seconds": 1})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "CONFLICT"

    def test_exports_lists_retention_auto_exports(self, manual: MockServer) -> None:
        """Moving the clock past retention purges at once; the auto-export shows up under GET exports."""
        api = Api(manual.url, "ifr_exports")
        api.capture()
        api.ok("PUT", "/v1/errors/retention/set", {"days": 1, "auto_export_before_cleanup": True})
        admin(manual, "POST", "clock", {"advance_seconds": 2 * 86400})
        api.session.close()
        exports = admin(manual, "GET", "exports").json()
        assert exports["count"] == 1
        assert len(exports["exports"][0]["events"]) == 1
