"""The tiny application's own test suite: what it reported, and how it copes with a flaky service.

README.md's pytest snippet is the smaller examples/test_quickstart.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from reporter import report


def no_sleep(seconds: float) -> None:
    """The tests do not wait out Retry-After; the app still reads it."""


def test_reports_a_failed_signup(infrai_mock):
    report(
        ValueError("bad email: bad@"), tags={"flow": "signup"}
    )  # the app reads INFRAI_BASE_URL/INFRAI_API_KEY
    infrai_mock.assert_captured(type="ValueError", tags={"flow": "signup"}, count=1)


def test_old_errors_expire_after_90_days(infrai_mock):
    report(KeyError("session"))
    infrai_mock.advance_clock(timedelta(days=91))  # this test's tenant only
    assert infrai_mock.groups() == []


def test_retries_after_a_rate_limit(infrai_mock):
    infrai_mock.fail("errors_capture", status=429, times=1, retry_after=0)
    assert report(RuntimeError("boom")) is not None
    assert [call["status"] for call in infrai_mock.calls("errors_capture")] == [429, 200]


def test_groups_errors_that_differ_only_by_an_id(infrai_mock):
    report(ValueError("user 123 not found"))
    report(ValueError("user 456 not found"))
    [group] = infrai_mock.groups()
    assert (group["title"], group["count"]) == ("ValueError: user 123 not found", 2)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_retries_gateway_errors(infrai_mock, status):
    infrai_mock.fail("errors_capture", status=status, times=2)
    assert report(RuntimeError("flaky"), sleep=no_sleep) is not None
    infrai_mock.assert_captured(type="RuntimeError", count=1)
    assert [call["status"] for call in infrai_mock.calls("errors_capture")] == [status, status, 200]


def test_gives_up_when_out_of_credit(infrai_mock):
    infrai_mock.fail("errors_capture", status=402)
    assert report(RuntimeError("boom")) is None
    assert len(infrai_mock.calls("errors_capture")) == 1  # 402 is not retried
    assert infrai_mock.groups() == []


def test_survives_a_dropped_connection(infrai_mock):
    infrai_mock.fail("errors_capture", connection="reset", times=1)
    assert report(RuntimeError("boom"), sleep=no_sleep) is not None
    infrai_mock.assert_captured(type="RuntimeError", count=1)


def test_a_cut_off_answer_is_retried_without_a_duplicate(infrai_mock):
    """The first capture was stored, its answer lost: the retry's idempotency key avoids a second event."""
    infrai_mock.fail("errors_capture", connection="truncate", times=1)
    assert report(RuntimeError("boom"), sleep=no_sleep) is not None
    infrai_mock.assert_captured(type="RuntimeError", count=1)
    second = infrai_mock.calls("errors_capture")[-1]
    assert second["response_body"]["duplicate"] is True


def test_a_server_that_never_answers_is_timed_out_and_retried(infrai_mock):
    infrai_mock.fail("errors_capture", connection="hang", times=1, delay_ms=5_000)
    assert report(RuntimeError("slow"), timeout=0.5, sleep=no_sleep) is not None
    infrai_mock.assert_captured(type="RuntimeError", count=1)


def test_starts_from_a_known_world(infrai_mock):
    infrai_mock.load(
        {
            "version": 1,
            "clock": {"now": "2025-12-10T00:00:00Z"},  # this tenant's own time; retention counts from it
            "groups": [{"id": "grp_known", "status": "resolved"}],
            "events": [
                {"timestamp": "2025-12-01T00:00:00Z", "message": "boom", "error_group_id": "grp_known"}
            ],
        }
    )
    infrai_mock.assert_captured(message="boom", count=1)
    assert infrai_mock.group("grp_known")["status"] == "resolved"
