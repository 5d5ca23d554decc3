"""What tests use to drive and inspect the mock: journal, faults and the clock, from Python."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests
from http_support import CAPTURE_BODY, Api

from mockserver import Fault, ManualClock, MockServer
from mockserver.control.journal import Journal, JournalEntry
from mockserver.control.masking import mask_key


class TestJournal:
    def test_records_each_request_with_its_answer(self, api: Api, mock: MockServer) -> None:
        """An entry carries method, path, query, status, operation, tenant, both bodies and timing."""
        api.capture()
        api.call("GET", "/v1/errors/list", params={"limit": "500"})
        capture, bad_list = mock.journal.entries
        assert capture.method == "POST"
        assert capture.operation_id == "errors_capture"
        assert capture.tenant == mask_key(api.key)  # never the full key
        assert capture.request_body == CAPTURE_BODY
        assert capture.response_body["ok"] is True
        assert capture.duration_ms >= 0
        assert capture.time == pytest.approx(time.time(), abs=60)
        assert bad_list.status == 400
        assert bad_list.query == {"limit": "500"}
        assert bad_list.request_body is None

    def test_calls_to_filters(self, api: Api, mock: MockServer) -> None:
        """calls_to narrows by operation, path, method and tenant."""
        api.capture()
        api.capture(key="ifr_other")
        api.call("GET", "/v1/errors/list")
        assert len(mock.calls_to("errors_capture")) == 2
        assert len(mock.calls_to("errors_capture", tenant=api.key)) == 1
        assert len(mock.calls_to(path="/v1/errors/list", method="get")) == 1
        assert mock.calls_to(method="DELETE") == []

    def test_records_unrouted_and_unauthenticated_requests(self, mock: MockServer) -> None:
        """A 404 route and a 401 are journaled too, without an operation or tenant where unknown."""
        requests.get(mock.url + "/nowhere", timeout=5)
        requests.get(mock.url + "/v1/errors/list", timeout=5)
        unrouted, anonymous = mock.journal.entries
        assert (unrouted.status, unrouted.operation_id, unrouted.tenant) == (404, None, None)
        assert (anonymous.status, anonymous.operation_id, anonymous.tenant) == (401, "errors_list", None)

    def test_keeps_a_raw_prefix_of_an_undecodable_body(self, api: Api, mock: MockServer) -> None:
        """A body that failed to parse is kept as text, for debugging."""
        api.call("POST", "/v1/errors/capture", data=b"{oops", headers={"Content-Type": "application/json"})
        assert mock.journal[-1].request_body == "{oops"

    def test_is_bounded(self) -> None:
        """Only the newest entries are kept."""
        journal = Journal(maxlen=3)
        for status in range(5):
            journal.append(JournalEntry("GET", "/", {}, status, None, None, None, None, 0.0, 0.0))
        assert [entry.status for entry in journal] == [2, 3, 4]


class TestFaults:
    def test_times_limits_a_fault(self, api: Api, mock: MockServer) -> None:
        """A fault with times=2 hits two requests, then expires."""
        mock.faults.add(Fault("errors_list", 500, times=2))
        statuses = [api.call("GET", "/v1/errors/list").status_code for _ in range(3)]
        assert statuses == [500, 500, 200]
        assert mock.faults.active == []

    def test_wildcard_fault_skips_operations_that_do_not_document_its_status(
        self, api: Api, mock: MockServer
    ) -> None:
        """A 404 fault with no operation hits errors.get but not errors.list (which has no 404)."""
        mock.faults.add(Fault(status=404))
        assert api.call("GET", "/v1/errors/list").status_code == 200
        assert api.call("GET", "/v1/errors/retention/get").status_code == 200
        assert api.call("GET", "/v1/errors/get/evt_1").status_code == 404

    def test_tenant_scoped_fault(self, api: Api, mock: MockServer) -> None:
        """A fault for one API key leaves the others alone."""
        mock.faults.add(Fault(status=402, tenant=api.key))
        assert api.call("GET", "/v1/errors/list").status_code == 402
        assert api.call("GET", "/v1/errors/list", key="ifr_other").status_code == 200

    def test_delay_only_fault_slows_but_succeeds(self, api: Api, mock: MockServer) -> None:
        """status=None only waits."""
        mock.faults.add(Fault("errors_list", None, delay_ms=150, times=1))
        started = time.perf_counter()
        assert api.call("GET", "/v1/errors/list").status_code == 200
        assert time.perf_counter() - started >= 0.14

    def test_faults_compose(self, api: Api, mock: MockServer) -> None:
        """A request takes every matching delay and the first matching status fault."""
        mock.faults.add(Fault(status=0, delay_ms=50))
        mock.faults.add(Fault("errors_capture", 429, times=1, retry_after=3))
        mock.faults.add(Fault("errors_capture", 500, times=1))
        first = api.call("POST", "/v1/errors/capture", CAPTURE_BODY)
        second = api.call("POST", "/v1/errors/capture", CAPTURE_BODY)
        third = api.call("POST", "/v1/errors/capture", CAPTURE_BODY)
        assert [first.status_code, second.status_code, third.status_code] == [429, 500, 200]
        assert first.headers["Retry-After"] == "3"

    def test_faults_come_before_validation_but_after_auth(self, mock: MockServer) -> None:
        """An invalid request still gets the fault; an unauthenticated one gets 401."""
        mock.faults.add(Fault("errors_list", 429))
        bad = requests.get(
            mock.url + "/v1/errors/list?limit=0", headers={"Authorization": "Bearer k"}, timeout=5
        )
        anonymous = requests.get(mock.url + "/v1/errors/list", timeout=5)
        assert (bad.status_code, anonymous.status_code) == (429, 401)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"status": 418}, "fault status must be one of"),
            ({"times": 0}, "times must be at least 1"),
            ({"delay_ms": -1}, "delay_ms must not be negative"),
            ({"operation_id": "errors_nope"}, "unknown operation_id"),
            ({"operation_id": "errors_list", "status": 404}, "errors_list does not document status 404"),
        ],
    )
    def test_impossible_faults_are_refused(
        self, mock: MockServer, fields: dict[str, object], message: str
    ) -> None:
        """A fault the spec could not produce is refused when it is added."""
        with pytest.raises(ValueError, match=message):
            mock.faults.add(**fields)

    def test_clear_disarms(self, api: Api, mock: MockServer) -> None:
        """faults.clear() removes every fault."""
        mock.faults.add(Fault(status=500))
        mock.faults.clear()
        assert api.call("GET", "/v1/errors/list").status_code == 200


class TestClock:
    def test_system_clock_by_default(self, mock: MockServer) -> None:
        """Without clock=..., time is the wall clock."""
        assert not isinstance(mock.clock, ManualClock)
        with pytest.raises(TypeError, match="not a ManualClock"):
            mock.advance_clock(1)

    def test_manual_clock_drives_timestamps(self) -> None:
        """Events are stamped with the manual clock's time, which moves only when told."""
        with MockServer(clock="manual") as server:
            api = Api(server.url, "ifr_clock")
            first = api.ok("GET", f"/v1/errors/get/{api.capture()['error_id']}")
            server.advance_clock(3600)
            second = api.ok("GET", f"/v1/errors/get/{api.capture({'message': 'later'})['error_id']}")
            api.session.close()
        assert first["timestamp"] == "2026-01-01T00:00:00.000Z"
        assert second["timestamp"] == "2026-01-01T01:00:00.000Z"

    def test_retention_purges_as_the_clock_moves(self) -> None:
        """Moving the clock past the retention period removes old events."""
        start = datetime(2026, 3, 1, tzinfo=UTC)
        with MockServer(clock=ManualClock(start)) as server:
            api = Api(server.url, "ifr_retention")
            api.capture()
            api.ok("PUT", "/v1/errors/retention/set", {"days": 1})
            server.set_clock(datetime(2026, 3, 3, tzinfo=UTC))
            assert api.ok("GET", "/v1/errors/list")["items"] == []
            api.session.close()

    def test_reset_keeps_the_clock(self) -> None:
        """reset() drops data but not the time."""
        with MockServer(clock="manual") as server:
            server.advance_clock(60)
            server.reset()
            assert server.clock.now() == datetime(2026, 1, 1, 0, 1, tzinfo=UTC)
