"""Every fault a client must survive, armed over the control API and seen by a real client (requests)."""

from __future__ import annotations

import pytest
import requests
from http_support import Api

from mockserver import Fault, MockServer

CAPTURE = "/v1/errors/capture"


def arm(api: Api, **fault: object) -> None:
    response = api.call("POST", "/__admin/tenant/faults", fault)
    assert response.status_code == 201, response.text


def journaled_faults(mock: MockServer, api: Api) -> list[list[dict]]:
    return [entry.faults for entry in mock.calls_to("errors_capture", tenant=api.key)]


class TestStatusFaults:
    @pytest.mark.parametrize(
        ("status", "code", "retry_after"),
        [(502, "BAD_GATEWAY", None), (503, "SERVICE_UNAVAILABLE", "30"), (504, "GATEWAY_TIMEOUT", None)],
    )
    def test_gateway_statuses_answer_their_envelope(self, api: Api, status, code, retry_after) -> None:
        """502, 503 (with Retry-After) and 504 answer the spec's envelope, then the fault expires."""
        arm(api, operation_id="errors_capture", status=status, times=1)
        response = api.call("POST", CAPTURE, {"message": "x"})
        assert response.status_code == status
        assert response.json()["error"]["code"] == code
        assert response.headers.get("Retry-After") == retry_after
        assert api.call("POST", CAPTURE, {"message": "x"}).status_code == 200

    def test_a_503_can_name_its_retry_after(self, api: Api) -> None:
        arm(api, status=503, retry_after=2, times=1)
        assert api.call("GET", "/v1/errors/list").headers["Retry-After"] == "2"

    def test_a_delay_only_fault_just_delays(self, api: Api, mock: MockServer) -> None:
        """`{"delay_ms": n}` alone answers normally (it used to answer 500 unless status 0 was given)."""
        arm(api, operation_id="errors_capture", delay_ms=50, times=1)
        assert api.call("POST", CAPTURE, {"message": "x"}).status_code == 200
        [faults] = journaled_faults(mock, api)
        assert faults[0]["delay_ms"] == 50


class TestConnectionFaults:
    def test_reset_closes_the_connection_before_any_byte(self, api: Api, mock: MockServer) -> None:
        """`reset`: the client sees a connection reset; nothing was stored; the journal shows it."""
        arm(api, operation_id="errors_capture", connection="reset", times=1)
        with pytest.raises(requests.ConnectionError):
            api.call("POST", CAPTURE, {"message": "x"})
        assert api.ok("GET", "/v1/errors/list")["items"] == []
        entry = mock.calls_to("errors_capture", tenant=api.key)[0]
        assert entry.status == 0
        assert entry.faults[0]["connection"] == "reset"

    def test_truncate_cuts_the_body_short_after_the_operation_ran(self, api: Api, mock: MockServer) -> None:
        """`truncate`: headers arrive, the body is cut short; the capture itself was stored."""
        arm(api, operation_id="errors_capture", connection="truncate", times=1)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            api.call("POST", CAPTURE, {"message": "x"})
        assert len(api.ok("GET", "/v1/errors/list")["items"]) == 1
        assert journaled_faults(mock, api)[0][0]["connection"] == "truncate"

    def test_hang_answers_nothing_until_the_client_gives_up(self, api: Api, mock: MockServer) -> None:
        """`hang`: the client's read timeout fires; the server then lets go of the connection."""
        arm(api, operation_id="errors_list", connection="hang", delay_ms=10_000, times=1)
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(
                f"{api.base_url}/v1/errors/list", headers={"Authorization": f"Bearer {api.key}"}, timeout=0.5
            )
        assert api.call("GET", "/v1/errors/list").status_code == 200


class TestFaultsInPython:
    """The same kinds through `MockServer.faults` (the pytest handle's `fail()` has its own tests)."""

    @pytest.mark.parametrize("status", [502, 503, 504])
    def test_gateway_status(self, api: Api, mock: MockServer, status: int) -> None:
        mock.faults.add(Fault("errors_capture", status, times=1, tenant=api.key))
        assert api.call("POST", CAPTURE, {"message": "x"}).status_code == status

    def test_reset(self, api: Api, mock: MockServer) -> None:
        mock.faults.add(Fault("errors_capture", connection="reset", times=1))
        with pytest.raises(requests.ConnectionError):
            api.call("POST", CAPTURE, {"message": "x"})

    def test_delay_only_needs_no_status(self) -> None:
        assert Fault(delay_ms=10).is_delay_only
        assert Fault().status == 500

    def test_a_fault_takes_a_status_or_a_connection(self) -> None:
        with pytest.raises(ValueError, match="not both"):
            Fault(status=503, connection="reset")
        with pytest.raises(ValueError, match="connection must be one of"):
            Fault(connection="explode")
