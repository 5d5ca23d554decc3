"""`MockTenant`, the pytest fixture's handle, used directly on a `MockServer`: reads, faults, clock, state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from mockserver import MockServer, MockTenant


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer() as mock:
        yield mock


@pytest.fixture
def tenant(server: MockServer) -> Iterator[MockTenant]:
    handle = server.tenant()
    yield handle
    handle.reset()


def capture(tenant: MockTenant, timeout: float = 5, **body: object) -> requests.Response:
    return requests.post(
        f"{tenant.url}/v1/errors/capture",
        json=body or {"message": "x"},
        headers=tenant.headers,
        timeout=timeout,
    )


class TestFail:
    @pytest.mark.parametrize(("status", "retry_after"), [(502, None), (503, "30"), (504, None)])
    def test_gateway_statuses(self, tenant: MockTenant, status: int, retry_after: str | None) -> None:
        tenant.fail("errors_capture", status=status, times=1)
        response = capture(tenant)
        assert response.status_code == status
        assert response.headers.get("Retry-After") == retry_after
        assert capture(tenant).status_code == 200

    def test_reset(self, tenant: MockTenant) -> None:
        tenant.fail("errors_capture", connection="reset", times=1)
        with pytest.raises(requests.ConnectionError):
            capture(tenant)
        assert tenant.calls("errors_capture")[0]["status"] == 0

    def test_truncate(self, tenant: MockTenant) -> None:
        tenant.fail("errors_capture", connection="truncate", times=1)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            capture(tenant)
        tenant.assert_captured(message="x", count=1)  # the capture ran; only its answer was cut

    def test_hang(self, tenant: MockTenant) -> None:
        tenant.fail("errors_capture", connection="hang", times=1, delay_ms=10_000)
        with pytest.raises(requests.exceptions.ReadTimeout):
            capture(tenant, timeout=0.5)
        assert tenant.groups() == []

    def test_delay_only(self, tenant: MockTenant) -> None:
        tenant.fail("errors_capture", delay_ms=20, times=1)
        assert capture(tenant).status_code == 200
        assert tenant.calls("errors_capture")[0]["faults"][0]["delay_ms"] == 20

    def test_faults_are_this_tenants_only(self, server: MockServer, tenant: MockTenant) -> None:
        tenant.fail(status=503)
        other = server.tenant()
        assert capture(other).status_code == 200
        assert tenant.clear_faults() == 1

    def test_an_impossible_fault_raises(self, tenant: MockTenant) -> None:
        with pytest.raises(ValueError, match="not both"):
            tenant.fail(status=503, connection="reset")


class TestReads:
    def test_groups_events_and_group(self, tenant: MockTenant) -> None:
        capture(tenant, message="user 1 failed", tags={"a": "b"})
        capture(tenant, message="user 2 failed")
        [group] = tenant.groups()
        assert group["count"] == 2
        assert tenant.group(group["id"])["tags"][0]["key"] == "a"
        assert len(tenant.events(group_id=group["id"])) == 2
        assert len(tenant.events(filter={"tags.a": "b"})) == 1

    def test_assert_captured_counts_and_describes(self, tenant: MockTenant) -> None:
        capture(tenant, message="boom", level="warning")
        assert len(tenant.assert_captured(message="boom", level="warning", count=1)) == 1
        with pytest.raises(AssertionError, match=r"(?s)found 0.*1  unresolved  boom"):
            tenant.assert_captured(message="boom", level="fatal")


class TestClockAndState:
    def test_set_clock_and_now(self, tenant: MockTenant) -> None:
        later = tenant.now() + timedelta(days=2)
        assert tenant.set_clock(later) == later.replace(microsecond=later.microsecond // 1000 * 1000)
        with pytest.raises(Exception, match="backwards"):
            tenant.set_clock(datetime(2000, 1, 1, tzinfo=UTC))

    def test_dump_and_load_into_another_tenant(self, server: MockServer, tenant: MockTenant) -> None:
        capture(tenant, message="seed me")
        copy = server.tenant()
        assert copy.load(tenant.dump()) == {"ok": True, "groups": 1, "events": 1}
        assert copy.groups() == tenant.groups()
