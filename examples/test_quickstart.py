"""README.md's pytest snippet, verbatim (tests/test_readme.py checks they match): a whole test module."""

import json
import os
import urllib.error
import urllib.request
from datetime import timedelta

import pytest


def signup(email):  # your application: it reports errors to $INFRAI_BASE_URL with $INFRAI_API_KEY
    if not email.partition("@")[2]:
        body = {
            "exception": {"type": "ValueError", "message": f"bad email: {email}"},
            "tags": {"flow": "signup"},
        }
        request = urllib.request.Request(
            os.environ.get("INFRAI_BASE_URL", "https://api.infrai.cc") + "/v1/errors/capture",
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {os.environ['INFRAI_API_KEY']}",
                "Content-Type": "application/json",
            },
        )
        urllib.request.urlopen(request, timeout=10).close()


def test_reports_failed_signup(infrai_mock):
    signup("bad@")
    infrai_mock.assert_captured(type="ValueError", tags={"flow": "signup"}, count=1)


def test_old_errors_expire_after_90_days(infrai_mock):
    signup("bad@")
    infrai_mock.advance_clock(timedelta(days=91))  # this test's tenant only; no sleeping
    assert infrai_mock.groups() == []


def test_a_rate_limit_reaches_the_app(infrai_mock):
    infrai_mock.fail("errors_capture", status=429, times=1)
    with pytest.raises(urllib.error.HTTPError, match="429"):
        signup("bad@")
    assert [call["status"] for call in infrai_mock.calls("errors_capture")] == [429]
