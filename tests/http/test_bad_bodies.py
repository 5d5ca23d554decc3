"""Malformed bodies answer 400 (never 500, never a dropped connection)."""

from __future__ import annotations

import logging
import socket
import threading
from urllib.parse import urlsplit

import pytest
import requests
from aiohttp import web
from aiohttp.typedefs import Handler
from http_support import Api, SpecOracle

from mockserver import MockServer

BODY_OPERATIONS = [
    ("POST", "/v1/errors/capture", "errors_capture"),
    ("POST", "/v1/errors/message", "errors_message"),
    ("POST", "/v1/errors/bulk", "errors_bulk"),
    ("POST", "/v1/errors/export", "errors_export"),
    ("PUT", "/v1/errors/retention/set", "errors_retention_set"),
    ("POST", "/v1/errors/resolve/grp_1", "errors_resolve"),
]
JSON = {"Content-Type": "application/json"}


def _details(response: object) -> object:
    return response.json()["error"].get("details")  # type: ignore[attr-defined]


def _assert_rejected(
    oracle: SpecOracle, operation_id: str, response: requests.Response, field: str, rule: str
) -> None:
    """Assert a spec-conforming 400 whose details name `field` and `rule`."""
    assert response.status_code == 400
    assert _details(response) == {"field": field, "rule": rule}
    oracle.assert_conforms(operation_id, response)


@pytest.mark.parametrize(("method", "path", "operation_id"), BODY_OPERATIONS)
class TestMalformedBodies:
    def test_not_json(self, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str) -> None:
        """Text that is not JSON answers 400 rule json."""
        response = api.call(method, path, data=b"{'single': 'quotes'}", headers=JSON)
        _assert_rejected(oracle, operation_id, response, "body", "json")

    @pytest.mark.parametrize("document", [b"[]", b"[1, 2]", b"null", b"42", b'"text"', b"true"])
    def test_json_that_is_not_an_object(
        self, *, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str, document: bytes
    ) -> None:
        """A list, scalar or null body answers 400 rule type."""
        response = api.call(method, path, data=document, headers=JSON)
        _assert_rejected(oracle, operation_id, response, "body", "type")

    def test_invalid_utf8(
        self, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str
    ) -> None:
        """Bytes that are not UTF-8 answer 400 rule encoding."""
        response = api.call(method, path, data=b'{"text": "\xff\xfe"}', headers=JSON)
        _assert_rejected(oracle, operation_id, response, "body", "encoding")

    @pytest.mark.parametrize("depth", [65, 100_000])
    def test_deep_nesting(
        self, *, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str, depth: int
    ) -> None:
        """Nesting past 64 levels answers 400 rule depth rather than overflowing the stack."""
        document = b'{"tags": ' + b"[" * depth + b"]" * depth + b"}"
        response = api.call(method, path, data=document, headers=JSON)
        _assert_rejected(oracle, operation_id, response, "body", "depth")

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
    def test_wrong_or_missing_content_type(
        self,
        *,
        api: Api,
        oracle: SpecOracle,
        method: str,
        path: str,
        operation_id: str,
        content_type: str | None,
    ) -> None:
        """A body sent without application/json answers 400 rule content_type."""
        headers = {"Content-Type": content_type} if content_type else {}
        response = api.call(method, path, data=b'{"days": 30}', headers=headers)
        _assert_rejected(oracle, operation_id, response, "Content-Type", "content_type")

    def test_lone_surrogate_escape_is_an_encoding_error(
        self, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str
    ) -> None:
        """A \\ud800 escape with no partner decodes to no Unicode text, so it answers 400 rule encoding."""
        response = api.call(method, path, data=b'{"text": "x \\ud800"}', headers=JSON)
        _assert_rejected(oracle, operation_id, response, "body", "encoding")

    def test_body_that_does_not_match_its_content_encoding(
        self, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str
    ) -> None:
        """A plain body declared gzip answers 400 rule encoding, and the next request still gets through."""
        headers = {**JSON, "Content-Encoding": "gzip"}
        response = api.call(method, path, data=b'{"days": 30}', headers=headers)
        _assert_rejected(oracle, operation_id, response, "body", "encoding")
        # aiohttp drops this connection after the answer; the answer says so, so the session reconnects.
        assert response.headers["Connection"] == "close"
        assert api.call("GET", "/v1/errors/list").status_code == 200

    def test_charset_other_than_utf8(
        self, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str
    ) -> None:
        """A body declared in another charset answers 400 rule content_type instead of being misread."""
        headers = {"Content-Type": "application/json; charset=iso-8859-1"}
        response = api.call(method, path, data=b'{"text": "caf\xe9"}', headers=headers)
        _assert_rejected(oracle, operation_id, response, "Content-Type", "content_type")

    def test_nan_is_not_json(self, api: Api, method: str, path: str, operation_id: str) -> None:
        """NaN and Infinity are Python's extensions, not JSON."""
        response = api.call(method, path, data=b'{"days": NaN}', headers=JSON)
        assert response.status_code == 400
        assert _details(response) == {"field": "body", "rule": "json"}


class TestBodyPresence:
    @pytest.mark.parametrize(
        ("method", "path"),
        [("POST", "/v1/errors/capture"), ("POST", "/v1/errors/message"), ("POST", "/v1/errors/bulk"),
         ("PUT", "/v1/errors/retention/set")],
    )  # fmt: skip
    def test_required_body_missing(self, api: Api, method: str, path: str) -> None:
        """An operation whose body is required answers 400 rule required without one."""
        response = api.call(method, path, data=b"", headers=JSON)
        assert response.status_code == 400
        assert _details(response) == {"field": "body", "rule": "required"}

    def test_optional_body_may_be_empty(self, api: Api) -> None:
        """An empty body on an optional-body operation means no body, even with a JSON content type."""
        group_id = api.capture()["error_group_id"]
        assert api.call("POST", f"/v1/errors/resolve/{group_id}", data=b"", headers=JSON).status_code == 200
        assert api.call("POST", "/v1/errors/export", data=b"", headers=JSON).status_code == 200

    def test_charset_parameter_is_fine(self, api: Api) -> None:
        """`application/json; charset=utf-8` is JSON."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        assert (
            api.call("POST", "/v1/errors/message", data=b'{"text": "hi"}', headers=headers).status_code == 200
        )

    def test_body_on_a_get_is_ignored(self, api: Api) -> None:
        """The reference's helper sends Content-Type on GETs; a GET's body is never read."""
        response = api.call(
            "GET", "/v1/errors/list", data=b"not json", headers={"Content-Type": "text/plain"}
        )
        assert response.status_code == 200


class TestLoneSurrogates:
    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/v1/errors/capture", '{"message": "\\ud800"}'),
            ("/v1/errors/capture", '{"message": "m", "tags": {"region": "\\uDC00"}}'),
            ("/v1/errors/capture", '{"exception": {"type": "E", "message": "\\ud800"}}'),
            ("/v1/errors/capture", '{"exception": {"type": "E\\ud800"}}'),
            ("/v1/errors/capture", '{"message": "m", "stack": "at f (a.js:1)\\ud800"}'),
            ("/v1/errors/capture", '{"message": "m", "fingerprint": ["\\ud800"]}'),
            ("/v1/errors/message", '{"text": "x \\ud800"}'),
            ("/v1/errors/export", '{"filter": {"release": "\\ud800"}}'),
        ],
    )
    def test_in_any_body_field(self, api: Api, path: str, body: str) -> None:
        """A lone surrogate anywhere in a body answers 400 rule encoding, not a 500 from grouping."""
        response = api.call("POST", path, data=body.encode(), headers=JSON)
        assert response.status_code == 400
        assert _details(response) == {"field": "body", "rule": "encoding"}

    @pytest.mark.parametrize("path", ["/v1/errors/list", "/v1/errors/search?q=x"])
    def test_in_the_filter_parameter(self, api: Api, path: str) -> None:
        """A lone surrogate in the `filter` query JSON answers 400 rule encoding."""
        response = api.call("GET", path, params={"filter": '{"release": "\\ud800"}'})
        assert response.status_code == 400
        assert _details(response) == {"field": "filter", "rule": "encoding"}

    def test_surrogate_pairs_and_escaped_backslashes_are_text(self, api: Api) -> None:
        """A paired escape is one character and an escaped backslash is no escape: both are stored as sent."""
        body = b'{"message": "\\ud83d\\ude00 and \\\\ud800"}'
        event_id = api.ok("POST", "/v1/errors/capture", data=body, headers=JSON)["error_id"]
        assert api.ok("GET", f"/v1/errors/get/{event_id}")["message"] == "\U0001f600 and \\ud800"


class TestClientHangsUp:
    def test_hang_up_mid_body_is_no_crash(self, caplog: pytest.LogCaptureFixture) -> None:
        """A client that disconnects mid-body leaves no violation, no journal entry and no error log."""
        entered, finished = threading.Event(), threading.Event()

        @web.middleware
        async def watch(request: web.Request, handler: Handler) -> web.StreamResponse:
            entered.set()
            try:
                return await handler(request)
            finally:
                finished.set()

        with caplog.at_level(logging.DEBUG), MockServer(middlewares=[watch]) as server:
            url = urlsplit(server.url)
            head = (
                f"POST /v1/errors/capture HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: Bearer k\r\n"
                "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            )
            with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
                conn.sendall(head.encode() + b'{"message": "cut o')
                assert entered.wait(5)  # the handler is reading the body when the client goes
            assert finished.wait(5)
            # Answered after the hung-up request's task has run to its end (same loop, later turn).
            assert requests.get(server.url + "/__admin/health", timeout=5).status_code == 200
            assert server.violations == []
            assert len(server.journal) == 0
        assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
