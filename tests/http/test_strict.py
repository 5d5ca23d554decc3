"""Strict mode: a response that breaks the spec becomes a 500 and a recorded violation."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from aiohttp import web
from aiohttp.typedefs import Handler

from mockserver import Fault, MockServer
from mockserver.http.operations import HANDLERS

AUTH = {"Authorization": "Bearer ifr_strict"}


@pytest.fixture
def broken_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make errors.retention.get answer a document the spec forbids."""
    monkeypatch.setitem(HANDLERS, "errors_retention_get", lambda tenant, call: {"days": "ninety"})


@web.middleware
async def teapot(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer an undocumented status for errors.list, and plain text for errors.groups."""
    if request.path == "/v1/errors/list":
        return web.json_response({"ok": False, "error": {"code": "INTERNAL", "message": "x"}}, status=418)
    if request.path == "/v1/errors/groups":
        return web.Response(text="not json")
    return await handler(request)


class TestStrictMode:
    @pytest.mark.usefixtures("broken_retention")
    def test_broken_response_becomes_500_and_is_recorded(self) -> None:
        """The client gets 500 INTERNAL naming the violation; the server records it."""
        with MockServer() as server:
            response = requests.get(server.url + "/v1/errors/retention/get", headers=AUTH, timeout=5)
            assert response.status_code == 500
            error = response.json()["error"]
            assert error["code"] == "INTERNAL"
            assert "strict mode" in error["message"]
            assert "'ninety' is not of type 'integer'" in error["message"]
            [violation] = server.violations
            assert violation.operation_id == "errors_retention_get"
            assert violation.status == 200
            assert any("required" in problem for problem in violation.problems)
            assert server.journal[-1].status == 500
            with pytest.raises(AssertionError, match="broke the spec"):
                server.check()

    def test_undocumented_status_is_a_violation(self) -> None:
        """A status the operation does not document is reported as such."""
        with MockServer(middlewares=[teapot]) as server:
            response = requests.get(server.url + "/v1/errors/list", headers=AUTH, timeout=5)
            assert response.status_code == 500
            assert "status 418 is not documented for errors_list" in server.violations[0].problems[0]

    def test_non_json_response_is_a_violation(self) -> None:
        """A response that is not JSON cannot conform."""
        with MockServer(middlewares=[teapot]) as server:
            assert requests.get(server.url + "/v1/errors/groups", headers=AUTH, timeout=5).status_code == 500
            assert server.violations[0].problems == ("the response is not a JSON document",)

    def test_conforming_traffic_records_nothing(self) -> None:
        """Ordinary requests, good and bad, leave no violation."""
        with MockServer() as server:
            requests.get(server.url + "/v1/errors/list", headers=AUTH, timeout=5)
            requests.get(server.url + "/v1/errors/list", params={"limit": "x"}, headers=AUTH, timeout=5)
            requests.get(server.url + "/v1/errors/list", timeout=5)
            assert server.violations == []
            server.check()


class TestLaxMode:
    @pytest.mark.usefixtures("broken_retention")
    def test_broken_response_is_sent_and_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        """With strict=False the response goes out unchanged, with a warning and a record."""
        with caplog.at_level(logging.WARNING, logger="mockserver"), MockServer(strict=False) as server:
            response = requests.get(server.url + "/v1/errors/retention/get", headers=AUTH, timeout=5)
            assert response.status_code == 200
            assert response.json() == {"days": "ninety"}
            assert len(server.violations) == 1
        assert any("broke the spec" in record.getMessage() for record in caplog.records)


class TestUnexpectedErrors:
    def test_handler_crash_is_a_json_500(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An exception in a handler answers the INTERNAL envelope, is logged and is recorded."""

        def crash(tenant: Any, call: Any) -> Any:
            raise ZeroDivisionError("boom")

        monkeypatch.setitem(HANDLERS, "errors_groups", crash)
        with caplog.at_level(logging.ERROR, logger="mockserver"), MockServer() as server:
            response = requests.get(server.url + "/v1/errors/groups", headers=AUTH, timeout=5)
            assert response.status_code == 500
            assert response.json()["error"]["code"] == "INTERNAL"
            assert "ZeroDivisionError" in response.json()["error"]["message"]
            [crash] = server.violations
            assert (crash.operation_id, crash.status) == ("errors_groups", 500)
            assert crash.problems == ("unhandled ZeroDivisionError: boom",)
        assert any(record.exc_info for record in caplog.records)


class TestStartup:
    def test_operation_without_handler_fails_at_startup(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A spec operation with no handler is a start-up error, not a runtime 404."""
        monkeypatch.delitem(HANDLERS, "errors_bulk")
        with pytest.raises(RuntimeError, match="errors_bulk"):
            MockServer()


@web.middleware
async def drop_retry_after(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Lose the required `Retry-After` header of a 429."""
    response = await handler(request)
    response.headers.pop("Retry-After", None)
    return response


class TestRequiredHeaders:
    def test_a_429_without_retry_after_is_a_violation(self) -> None:
        """The spec requires `Retry-After` on 429; a response without it is recorded and becomes 500."""
        with MockServer(middlewares=[drop_retry_after]) as server:
            server.faults.add(Fault(operation_id="errors_list", status=429, times=1))
            response = requests.get(server.url + "/v1/errors/list", headers=AUTH, timeout=5)
            assert response.status_code == 500
            [violation] = server.violations
            assert violation.status == 429
            assert any("Retry-After" in problem for problem in violation.problems)
