"""Malformed bodies answer 400 (never 500, never a dropped connection)."""

from __future__ import annotations

import pytest
from http_support import Api, SpecOracle

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


@pytest.mark.parametrize(("method", "path", "operation_id"), BODY_OPERATIONS)
class TestMalformedBodies:
    def test_not_json(self, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str) -> None:
        """Text that is not JSON answers 400 rule json."""
        response = api.call(method, path, data=b"{'single': 'quotes'}", headers=JSON)
        assert response.status_code == 400
        assert _details(response) == {"field": "body", "rule": "json"}
        oracle.assert_conforms(operation_id, response)

    @pytest.mark.parametrize("document", [b"[]", b"[1, 2]", b"null", b"42", b'"text"', b"true"])
    def test_json_that_is_not_an_object(
        self, *, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str, document: bytes
    ) -> None:
        """A list, scalar or null body answers 400 rule type."""
        response = api.call(method, path, data=document, headers=JSON)
        assert response.status_code == 400
        assert _details(response) == {"field": "body", "rule": "type"}
        oracle.assert_conforms(operation_id, response)

    def test_invalid_utf8(
        self, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str
    ) -> None:
        """Bytes that are not UTF-8 answer 400 rule encoding."""
        response = api.call(method, path, data=b'{"text": "\xff\xfe"}', headers=JSON)
        assert response.status_code == 400
        assert _details(response) == {"field": "body", "rule": "encoding"}
        oracle.assert_conforms(operation_id, response)

    @pytest.mark.parametrize("depth", [65, 100_000])
    def test_deep_nesting(
        self, *, api: Api, oracle: SpecOracle, method: str, path: str, operation_id: str, depth: int
    ) -> None:
        """Nesting past 64 levels answers 400 rule depth rather than overflowing the stack."""
        document = b'{"tags": ' + b"[" * depth + b"]" * depth + b"}"
        response = api.call(method, path, data=document, headers=JSON)
        assert response.status_code == 400
        assert _details(response) == {"field": "body", "rule": "depth"}
        oracle.assert_conforms(operation_id, response)

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
        assert response.status_code == 400
        assert _details(response) == {"field": "Content-Type", "rule": "content_type"}
        oracle.assert_conforms(operation_id, response)

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
