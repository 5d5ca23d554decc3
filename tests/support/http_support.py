"""Test helpers for the HTTP layer: an independent spec oracle and a small API client.

The oracle reads spec/openapi.yaml itself and validates with plain jsonschema, so the tests
do not trust the server's own validation code to judge the server's answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "spec" / "openapi.yaml"
_URI = "urn:test-oracle:openapi"
_UNSET: Any = object()

CAPTURE_BODY = {
    "exception": {"type": "ValueError", "message": "bad input", "stacktrace": "..."},
    "level": "error",
}


class SpecOracle:
    """Judges answers against the spec, independently of mockserver's validation module."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.document = yaml.safe_load(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(_URI, resource)
        self.operations: dict[str, tuple[str, str]] = {}
        for template, item in self.document["paths"].items():
            for method, op in item.items():
                self.operations[op["operationId"]] = (method.upper(), template)

    def _pointer_target(self, pointer: str) -> Any:
        node = self.document
        for token in pointer.lstrip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def response_errors(self, operation_id: str, status: int, body: Any) -> list[str]:
        """Return how `body` breaks the documented `status` response of the operation."""
        method, template = self.operations[operation_id]
        escaped = template.replace("~", "~0").replace("/", "~1")
        pointer = f"/paths/{escaped}/{method.lower()}/responses/{status}"
        responses = self._pointer_target(pointer.rsplit("/", 1)[0])
        if str(status) not in responses:
            return [f"{status} is not documented for {operation_id}"]
        while "$ref" in (node := self._pointer_target(pointer)):
            pointer = node["$ref"][1:]
        schema = {"$ref": f"{_URI}#{pointer}/content/application~1json/schema"}
        validator = Draft202012Validator(
            schema, registry=self._registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body)]

    def schema_errors(self, name: str, instance: Any) -> list[str]:
        """Return how `instance` breaks the named component schema (e.g. `ErrorResponse`)."""
        schema = {"$ref": f"{_URI}#/components/schemas/{name}"}
        validator = Draft202012Validator(schema, registry=self._registry)
        return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)]

    def assert_conforms(self, operation_id: str, response: requests.Response) -> Any:
        """Assert the response is JSON that the spec documents for its status; return the body."""
        assert response.headers["Content-Type"].startswith("application/json"), response.headers
        body = response.json()
        problems = self.response_errors(operation_id, response.status_code, body)
        assert not problems, f"{operation_id} {response.status_code}: {problems}\n{body}"
        return body


class Api:
    """A requests session bound to a mock's URL and one API key."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key
        self.session = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        body: Any = _UNSET,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        data: bytes | None = None,
    ) -> requests.Response:
        """Send one request (JSON `body`, or raw `data`), authenticated unless `headers` say otherwise."""
        sent = {"Authorization": f"Bearer {key or self.key}"}
        sent.update(headers or {})
        return self.session.request(
            method,
            self.base_url + path,
            json=None if body is _UNSET else body,
            data=data,
            params=params,
            headers=sent,
            timeout=10,
        )

    def ok(self, method: str, path: str, body: Any = _UNSET, **kwargs: Any) -> Any:
        """Send a request that must succeed; return its JSON body."""
        response = self.call(method, path, body, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def capture(self, body: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Capture an event (the reference body by default)."""
        result: dict[str, Any] = self.ok("POST", "/v1/errors/capture", body or CAPTURE_BODY, **kwargs)
        return result
