"""Every error status the spec documents, produced through a real socket, in the ErrorResponse envelope."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests
from http_support import CAPTURE_BODY, Api, SpecOracle

from mockserver import Fault, MockServer

CAPTURE = "/v1/errors/capture"
BULK = "/v1/errors/bulk"
IDS = "body.error_group_ids"


def _error(response: requests.Response) -> dict[str, object]:
    body = response.json()
    assert body["ok"] is False
    error: dict[str, object] = body["error"]
    return error


class TestInvalidRequest:
    @pytest.mark.parametrize(
        ("path", "params", "field", "rule"),
        [
            ("/v1/errors/list", {"limit": "500"}, "limit", "maximum"),
            ("/v1/errors/list", {"limit": "0"}, "limit", "minimum"),
            ("/v1/errors/list", {"limit": "ten"}, "limit", "type"),
            ("/v1/errors/list", {"filter": "{not json"}, "filter", "json"),
            ("/v1/errors/list", {"filter": '{"level": "bogus"}'}, "filter.level", "enum"),
            ("/v1/errors/list", {"filter": '{"colour": "red"}'}, "filter.colour", "additionalProperties"),
            ("/v1/errors/list", {"filter": '{"since": "yesterday"}'}, "filter.since", "format"),
            ("/v1/errors/list", {"filter": "[]"}, "filter", "type"),
            ("/v1/errors/list", {"cursor": ""}, "cursor", "minLength"),
            ("/v1/errors/search", {}, "q", "required"),
            ("/v1/errors/groups", {"sort": "random"}, "sort", "enum"),
            ("/v1/errors/groups", {"status": "open"}, "status", "enum"),
        ],
    )
    def test_bad_query_names_field_and_rule(
        self, *, api: Api, oracle: SpecOracle, path: str, params: dict[str, str], field: str, rule: str
    ) -> None:
        """A query parameter breaking its schema answers 400 naming the field and the rule."""
        response = api.call("GET", path, params=params)
        assert response.status_code == 400
        error = _error(response)
        assert error["code"] == "INVALID_REQUEST"
        assert error["details"] == {"field": field, "rule": rule}
        assert str(error["message"]).startswith(f"{field}: ")
        oracle.assert_conforms(path.replace("/v1/errors/", "errors_"), response)

    def test_message_names_the_limit(self, api: Api) -> None:
        """The message says what was wrong, as in the spec's example."""
        message = _error(api.call("GET", "/v1/errors/list", params={"limit": "500"}))["message"]
        assert str(message).startswith("limit: 500 is greater than the maximum of 100")

    @pytest.mark.parametrize(
        ("path", "method", "body", "field", "rule"),
        [
            (CAPTURE, "POST", {"exception": {"message": "x"}}, "body.exception.type", "required"),
            (CAPTURE, "POST", {"message": "x", "extra": 1}, "body.extra", "additionalProperties"),
            (CAPTURE, "POST", {"message": "x", "level": "loud"}, "body.level", "enum"),
            (CAPTURE, "POST", {"message": 42}, "body.message", "type"),
            (CAPTURE, "POST", {"message": ""}, "body.message", "minLength"),
            (CAPTURE, "POST", {"level": "error"}, "body.message", "required"),
            (CAPTURE, "POST", {"message": "x", "tags": {"k": 1}}, "body.tags.k", "type"),
            ("/v1/errors/message", "POST", {}, "body.text", "required"),
            (BULK, "POST", {"error_group_ids": ["g"], "action": "nuke"}, "body.action", "enum"),
            (BULK, "POST", {"error_group_ids": [""], "action": "ignore"}, f"{IDS}[0]", "minLength"),
            ("/v1/errors/export", "POST", {"format": "xml"}, "body.format", "enum"),
            ("/v1/errors/retention/set", "PUT", {"days": 3651}, "body.days", "maximum"),
            ("/v1/errors/retention/set", "PUT", {"days": "30"}, "body.days", "type"),
        ],
    )  # fmt: skip
    def test_bad_body_names_field_and_rule(
        self, *, api: Api, path: str, method: str, body: object, field: str, rule: str
    ) -> None:
        """A body breaking its schema answers 400 naming the field (from `body.`) and the rule."""
        response = api.call(method, path, body)
        assert response.status_code == 400, response.text
        assert _error(response)["details"] == {"field": field, "rule": rule}

    def test_too_long_path_id_is_rejected(self, api: Api) -> None:
        """A path parameter is validated too (Id is at most 128 characters)."""
        response = api.call("GET", "/v1/errors/get/" + "e" * 129)
        assert response.status_code == 400
        assert _error(response)["details"] == {"field": "event_id", "rule": "maxLength"}

    def test_empty_idempotency_header_is_rejected(self, api: Api) -> None:
        """Header parameters are validated (Idempotency-Key has minLength 1)."""
        response = api.call("POST", "/v1/errors/capture", CAPTURE_BODY, headers={"Idempotency-Key": ""})
        assert response.status_code == 400
        assert _error(response)["details"] == {"field": "Idempotency-Key", "rule": "minLength"}

    def test_group_action_body_must_match_the_path(self, api: Api, oracle: SpecOracle) -> None:
        """A body error_group_id other than the path's answers 400 rule matches_path."""
        group_id = api.capture()["error_group_id"]
        response = api.call("POST", f"/v1/errors/resolve/{group_id}", {"error_group_id": "grp_other"})
        assert response.status_code == 400
        assert _error(response)["details"] == {"field": "error_group_id", "rule": "matches_path"}
        oracle.assert_conforms("errors_resolve", response)

    @pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
    @pytest.mark.parametrize(
        ("operation", "key"),
        [("list", "since"), ("list", "until"), ("search", "since"), ("search", "until"), ("export", "until")],
    )
    def test_time_bound_without_a_utc_form_is_accepted(
        self, api: Api, oracle: SpecOracle, operation: str, key: str, when: str
    ) -> None:
        """A valid date-time whose UTC instant falls outside years 1..9999 bounds at the range's end.

        The spec's `date-time` admits it, so it answers 200 (never 400, never 500); the stateful
        contract run found the 400 this used to answer.
        """
        path = f"/v1/errors/{operation}"
        if operation == "list":
            response = api.call("GET", path, params={"filter": json.dumps({key: when})})
        elif operation == "search":
            response = api.call("GET", path, params={"q": f"{key}:{when}"})
        else:
            response = api.call("POST", path, {"filter": {key: when}})
        assert response.status_code == 200, response.text
        oracle.assert_conforms(f"errors_{operation}", response)

    def test_huge_invalid_value_keeps_the_message_short(self, api: Api) -> None:
        """An oversized value is not echoed back whole."""
        response = api.call("POST", "/v1/errors/capture", {"message": "m" * 10_000})
        assert response.status_code == 400
        assert len(str(_error(response)["message"])) < 300


class TestUnauthorized:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": ""},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer   "},
            {"Authorization": "Bearer two tokens"},
        ],
    )
    def test_missing_or_malformed_key_is_401(
        self, mock: MockServer, oracle: SpecOracle, headers: dict[str, str]
    ) -> None:
        """Without a well-formed Bearer key every operation answers 401 UNAUTHORIZED."""
        response = requests.get(mock.url + "/v1/errors/list", headers=headers, timeout=5)
        assert response.status_code == 401
        assert _error(response)["code"] == "UNAUTHORIZED"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        oracle.assert_conforms("errors_list", response)

    @pytest.mark.parametrize("token", ["ab,cd", "a=b", "=abc", "ключ", "a\tb"])
    def test_key_outside_the_token68_charset_is_401(self, mock: MockServer, token: str) -> None:
        """A Bearer key must be RFC 6750 token68 characters (letters, digits, -._~+/ and trailing =)."""
        header = f"Bearer {token}".encode().decode("latin-1")  # as the bytes go on the wire
        response = requests.get(mock.url + "/v1/errors/list", headers={"Authorization": header}, timeout=5)
        assert response.status_code == 401
        assert _error(response)["message"] == "malformed Authorization header; expected Bearer <key>"

    def test_token68_key_with_padding_is_accepted(self, mock: MockServer) -> None:
        """Every token68 character, padding included, makes a usable key."""
        headers = {"Authorization": "Bearer aZ09-._~+/=="}
        assert requests.get(mock.url + "/v1/errors/list", headers=headers, timeout=5).status_code == 200

    def test_non_utf8_key_bytes_are_401_not_500(self, mock: MockServer, oracle: SpecOracle) -> None:
        """A key of bytes that are not UTF-8 is malformed (it could not sign a cursor), so 401."""
        url = urlsplit(mock.url)
        request = (
            f"GET /v1/errors/list?limit=1 HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n".encode()
            + b"Authorization: Bearer \xff\xfe\r\n\r\n"
        )
        with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
            conn.sendall(request)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 401 ")
        assert json.loads(body)["error"]["code"] == "UNAUTHORIZED"
        assert mock.violations == []

    def test_auth_is_checked_before_validation(self, mock: MockServer) -> None:
        """An unauthenticated invalid request learns only that it is unauthenticated."""
        response = requests.get(mock.url + "/v1/errors/list", params={"limit": "500"}, timeout=5)
        assert response.status_code == 401

    def test_scheme_is_case_insensitive(self, api: Api) -> None:
        """`bearer` works like `Bearer` (RFC 7235 schemes are case-insensitive)."""
        response = api.call("GET", "/v1/errors/list", headers={"Authorization": f"bearer {api.key}"})
        assert response.status_code == 200

    def test_allow_list_rejects_unknown_keys(self) -> None:
        """With api_keys set, only listed keys get in."""
        with MockServer(api_keys=["ifr_good"]) as server:
            good = requests.get(
                server.url + "/v1/errors/list", headers={"Authorization": "Bearer ifr_good"}, timeout=5
            )
            bad = requests.get(
                server.url + "/v1/errors/list", headers={"Authorization": "Bearer ifr_bad"}, timeout=5
            )
        assert good.status_code == 200
        assert bad.status_code == 401
        assert _error(bad)["message"] == "unknown API key"


class TestInjectedStatuses:
    def test_insufficient_credit(self, api: Api, mock: MockServer, oracle: SpecOracle) -> None:
        """A 402 fault answers INSUFFICIENT_CREDIT."""
        mock.faults.add(Fault("errors_capture", 402, times=1))
        response = api.call("POST", "/v1/errors/capture", CAPTURE_BODY)
        assert response.status_code == 402
        assert _error(response)["code"] == "INSUFFICIENT_CREDIT"
        oracle.assert_conforms("errors_capture", response)
        assert api.call("POST", "/v1/errors/capture", CAPTURE_BODY).status_code == 200

    def test_rate_limited_carries_retry_after(self, api: Api, mock: MockServer, oracle: SpecOracle) -> None:
        """A 429 fault answers RATE_LIMITED with a Retry-After header."""
        mock.faults.add(Fault("errors_list", 429, retry_after=7))
        response = api.call("GET", "/v1/errors/list")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert _error(response)["code"] == "RATE_LIMITED"
        oracle.assert_conforms("errors_list", response)

    def test_rate_limited_defaults_retry_after_to_one(self, api: Api, mock: MockServer) -> None:
        """Retry-After is required by the spec, so a 429 fault always sends one."""
        mock.faults.add(Fault("errors_list", 429))
        assert api.call("GET", "/v1/errors/list").headers["Retry-After"] == "1"

    def test_internal(self, api: Api, mock: MockServer, oracle: SpecOracle) -> None:
        """A 500 fault answers INTERNAL."""
        mock.faults.add(Fault("errors_groups", 500))
        response = api.call("GET", "/v1/errors/groups")
        assert response.status_code == 500
        assert _error(response)["code"] == "INTERNAL"
        oracle.assert_conforms("errors_groups", response)


class TestNotFound:
    def test_unknown_event(self, api: Api, oracle: SpecOracle) -> None:
        """An unknown event id answers 404 naming the resource."""
        response = api.call("GET", "/v1/errors/get/evt_0000000000000000")
        assert response.status_code == 404
        assert _error(response)["details"] == {"resource": "event", "id": "evt_0000000000000000"}
        oracle.assert_conforms("errors_get", response)

    @pytest.mark.parametrize(
        ("method", "verb", "operation_id"),
        [
            ("GET", "group_detail", "errors_group_detail"),
            ("GET", "events", "errors_events"),
            ("POST", "resolve", "errors_resolve"),
            ("POST", "unresolve", "errors_unresolve"),
            ("POST", "ignore", "errors_ignore"),
            ("DELETE", "delete", "errors_delete"),
        ],
    )
    def test_unknown_group(
        self, api: Api, oracle: SpecOracle, method: str, verb: str, operation_id: str
    ) -> None:
        """Every group operation answers 404 for an unknown group."""
        response = api.call(method, f"/v1/errors/{verb}/grp_0000000000000000")
        assert response.status_code == 404
        assert _error(response)["code"] == "NOT_FOUND"
        oracle.assert_conforms(operation_id, response)

    def test_unknown_route_is_json(self, api: Api) -> None:
        """A path outside the spec answers the JSON envelope, not aiohttp's text."""
        response = api.call("GET", "/v1/errors/nope")
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("application/json")
        assert _error(response)["code"] == "NOT_FOUND"


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("PUT", "/v1/errors/list", "GET"),
            ("GET", "/v1/errors/capture", "POST"),
            ("POST", "/v1/errors/retention/set", "PUT"),
            ("GET", "/v1/errors/delete/grp_1", "DELETE"),
        ],
    )
    def test_wrong_method_keeps_allow(self, api: Api, method: str, path: str, allow: str) -> None:
        """A documented path with an undocumented method answers 405 with its Allow header."""
        response = api.call(method, path)
        assert response.status_code == 405
        assert response.headers["Allow"] == allow
        assert _error(response)["code"] == "METHOD_NOT_ALLOWED"


class TestPayloadTooLarge:
    def test_declared_length_over_the_limit(self, oracle: SpecOracle) -> None:
        """A body over max_body answers 413 PAYLOAD_TOO_LARGE."""
        with MockServer(max_body=1024) as server:
            body = {"message": "m" * 2048}
            response = requests.post(
                server.url + "/v1/errors/capture", json=body, headers={"Authorization": "Bearer k"}, timeout=5
            )
        assert response.status_code == 413
        assert _error(response) == {"code": "PAYLOAD_TOO_LARGE", "message": "request body exceeds 1024 bytes",
                                    "details": {"limit": 1024}}  # fmt: skip
        oracle.assert_conforms("errors_capture", response)

    def test_chunked_body_over_the_limit(self) -> None:
        """A chunked body without Content-Length is cut off at max_body too."""

        def chunks():  # type: ignore[no-untyped-def]
            yield b'{"message": "'
            for _ in range(4):
                yield b"m" * 1024
            yield b'"}'

        with MockServer(max_body=1024) as server:
            response = requests.post(
                server.url + "/v1/errors/capture",
                data=chunks(),
                headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
                timeout=5,
            )
        assert response.status_code == 413
        assert _error(response)["details"] == {"limit": 1024}

    def test_default_limit_is_one_mebibyte(self, api: Api) -> None:
        """Two MiB are refused with 413 rather than a dropped connection."""
        response = api.call("POST", "/v1/errors/capture", {"message": "m" * (2 << 20)})
        assert response.status_code == 413

    def test_the_connection_survives_a_413(self, mock: MockServer) -> None:
        """The server answers 413 and the client reads it over a raw socket."""
        url = urlsplit(mock.url)
        payload = json.dumps({"message": "m" * (1 << 20)}).encode()
        head = (
            f"POST /v1/errors/capture HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: Bearer k\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
            conn.sendall(head)
            status_line = conn.recv(64).split(b"\r\n", 1)[0]
        assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
