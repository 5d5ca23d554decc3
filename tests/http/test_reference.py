"""The API reference's own calls, run against the mock, get well-formed answers the spec documents."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from http_support import CAPTURE_BODY, ROOT, Api, SpecOracle

from mockserver import MockServer

LABELS = {
    "errors.capture": "errors_capture",
    "errors.message": "errors_message",
    "errors.list": "errors_list",
    "errors.search": "errors_search",
    "errors.get": "errors_get",
    "errors.groups": "errors_groups",
    "errors.group_detail": "errors_group_detail",
    "errors.events": "errors_events",
    "errors.resolve": "errors_resolve",
    "errors.unresolve": "errors_unresolve",
    "errors.ignore": "errors_ignore",
    "errors.bulk": "errors_bulk",
    "errors.export (json)": "errors_export",
    "errors.export (csv)": "errors_export",
    "errors.retention.get": "errors_retention_get",
    "errors.retention.set": "errors_retention_set",
    "errors.delete": "errors_delete",
}


class TestReferenceWalkthrough:
    def test_walks_all_sixteen_capabilities(self, mock: MockServer, oracle: SpecOracle) -> None:
        """examples/reference_walkthrough.py succeeds at every step and prints spec-valid answers."""
        env = {**os.environ, "INFRAI_BASE_URL": mock.url, "INFRAI_API_KEY": "ifr_walkthrough"}
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "reference_walkthrough.py")],
            env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        sections = re.split(r"^== (.+) ==$", result.stdout, flags=re.MULTILINE)[1:]
        printed: dict[str, Any] = {
            label: json.loads(body) for label, body in zip(sections[::2], sections[1::2], strict=True)
        }
        assert list(printed) == list(LABELS)
        for label, body in printed.items():
            assert body.get("ok") is not False, (label, body)
            problems = oracle.response_errors(LABELS[label], 200, body)
            assert not problems, (label, problems)
        assert printed["errors.bulk"]["failed"] == []
        assert printed["errors.retention.set"]["days"] == 30
        assert printed["errors.delete"]["deleted_events"] == 1
        assert {entry.operation_id for entry in mock.journal} == set(LABELS.values())


# (operation, method, path, body or None, status, error details or None): the reference's curl examples.
CURL_CALLS = [
    ("errors_capture", "POST", "/v1/errors/capture", CAPTURE_BODY, 200, None),
    ("errors_message", "POST", "/v1/errors/message", {"text": "..."}, 200, None),
    ("errors_list", "GET", "/v1/errors/list", None, 200, None),
    ("errors_search", "GET", "/v1/errors/search", None, 400, {"field": "q", "rule": "required"}),
    ("errors_get", "GET", "/v1/errors/get/EVENT_ID", None, 404, {"resource": "event", "id": "EVENT_ID"}),
    ("errors_groups", "GET", "/v1/errors/groups", None, 200, None),
    ("errors_group_detail", "GET", "/v1/errors/group_detail/ERROR_GROUP_ID", None, 404,
     {"resource": "error_group", "id": "ERROR_GROUP_ID"}),
    ("errors_events", "GET", "/v1/errors/events/ERROR_GROUP_ID", None, 404,
     {"resource": "error_group", "id": "ERROR_GROUP_ID"}),
    ("errors_resolve", "POST", "/v1/errors/resolve/ERROR_GROUP_ID", {"error_group_id": "..."}, 400,
     {"field": "error_group_id", "rule": "matches_path"}),
    ("errors_unresolve", "POST", "/v1/errors/unresolve/ERROR_GROUP_ID", {"error_group_id": "..."}, 400,
     {"field": "error_group_id", "rule": "matches_path"}),
    ("errors_ignore", "POST", "/v1/errors/ignore/ERROR_GROUP_ID", {"error_group_id": "..."}, 400,
     {"field": "error_group_id", "rule": "matches_path"}),
    ("errors_delete", "DELETE", "/v1/errors/delete/ERROR_GROUP_ID", None, 404,
     {"resource": "error_group", "id": "ERROR_GROUP_ID"}),
    ("errors_bulk", "POST", "/v1/errors/bulk", {"error_group_ids": [], "action": "resolve"}, 400,
     {"field": "body.error_group_ids", "rule": "minItems"}),
    ("errors_export", "POST", "/v1/errors/export", {}, 200, None),
    ("errors_retention_get", "GET", "/v1/errors/retention/get", None, 200, None),
    ("errors_retention_set", "PUT", "/v1/errors/retention/set", {"days": 0}, 400,
     {"field": "body.days", "rule": "minimum"}),
]  # fmt: skip


class TestReferenceCurlCalls:
    @pytest.mark.parametrize(
        ("operation_id", "method", "path", "body", "status", "details"),
        CURL_CALLS,
        ids=[call[0] for call in CURL_CALLS],
    )
    def test_curl_example_gets_a_documented_answer(
        self,
        *,
        api: Api,
        oracle: SpecOracle,
        mock: MockServer,
        operation_id: str,
        method: str,
        path: str,
        body: Any,
        status: int,
        details: dict[str, str] | None,
    ) -> None:
        """The reference's example request is answered with a status and body the spec documents."""
        # Like the reference's curl lines, send Content-Type: application/json on every call, body or not.
        data = None if body is None else json.dumps(body).encode()
        response = api.call(method, path, data=data, headers={"Content-Type": "application/json"})
        assert response.status_code == status, response.text
        assert mock.journal[-1].operation_id == operation_id
        answer = oracle.assert_conforms(operation_id, response)
        if details is not None:
            assert answer["error"]["details"] == details
