"""How an application's own test suite uses the mock: a tiny error reporter, tested against it.

`report_error` stands for your code under test; the tests show grouping, the lifecycle, faults,
the journal and the manual clock. README.md quotes the first test.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver import Fault, MockServer

API_KEY = "ifr_example"


def infrai(base_url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """The reference's 12-line stdlib helper, pointed at any base URL."""
    request = urllib.request.Request(
        base_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def report_error(base_url: str, exc: BaseException, *, retries: int = 3) -> str:
    """Code under test: report an exception, retrying politely on 429; return the event id."""
    body = {"exception": {"type": type(exc).__name__, "message": str(exc)}, "level": "error"}
    for _ in range(retries):
        status, result = infrai(base_url, "POST", "/v1/errors/capture", body)
        if status != 429:
            break
        time.sleep(0.01)
    assert status == 200, result
    return str(result["error_id"])


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    """One mock for this module, with a clock the tests move by hand."""
    with MockServer(clock="manual", seed=1) as mock:
        yield mock


@pytest.fixture
def mock(server: MockServer) -> Iterator[MockServer]:
    """The module's mock, emptied before each test and checked against the spec after it."""
    server.reset()
    yield server
    server.check()


def test_errors_with_different_numbers_land_in_one_group(mock: MockServer) -> None:
    """Two reports that differ only by an id are one issue with count 2."""
    report_error(mock.url, ValueError("user 123 not found"))
    report_error(mock.url, ValueError("user 456 not found"))
    _, groups = infrai(mock.url, "GET", "/v1/errors/groups")
    assert [(g["title"], g["count"]) for g in groups["items"]] == [("ValueError: user 123 not found", 2)]
    assert len(mock.calls_to("errors_capture")) == 2


def test_a_resolved_issue_regresses_on_the_next_report(mock: MockServer) -> None:
    """Resolving, then reporting again, reopens the issue as regressed."""
    report_error(mock.url, TimeoutError("db timeout after 30s"))
    _, groups = infrai(mock.url, "GET", "/v1/errors/groups")
    group_id = groups["items"][0]["id"]
    infrai(mock.url, "POST", f"/v1/errors/resolve/{group_id}")
    report_error(mock.url, TimeoutError("db timeout after 31s"))
    _, group = infrai(mock.url, "GET", f"/v1/errors/group_detail/{group_id}")
    assert (group["status"], group["substatus"], group["count"]) == ("unresolved", "regressed", 2)


def test_the_reporter_retries_after_a_rate_limit(mock: MockServer) -> None:
    """One injected 429 is retried; the journal shows both attempts."""
    mock.faults.add(Fault(operation_id="errors_capture", status=429, times=1))
    report_error(mock.url, RuntimeError("boom"))
    assert [entry.status for entry in mock.calls_to("errors_capture")] == [429, 200]


def test_old_errors_expire_with_retention(mock: MockServer) -> None:
    """Moving the clock past the 90-day retention purges the event; no sleeping needed."""
    event_id = report_error(mock.url, KeyError("session"))
    mock.advance_clock(91 * 86400)
    status, body = infrai(mock.url, "GET", f"/v1/errors/get/{event_id}")
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
