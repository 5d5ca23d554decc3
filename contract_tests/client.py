"""A small synchronous HTTP client of the errors API that checks every answer against the spec.

Used by the reference-model machine and the scenario tests. Every response body is validated against the
documented schema of its status; a mismatch raises `ContractMismatch`, which names the spec location (and the
`x-inferred` decision it belongs to, if any) so a live run can report it as a divergence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from .mismatch import ContractMismatch
from .spec import OPERATIONS, schema_findings

_MISSING: Any = object()
TIMEOUT = 30


def mismatch(operation: str, assumed: str, observed: Any, inferred: str | None = None) -> ContractMismatch:
    text = observed if isinstance(observed, str) else json.dumps(observed, ensure_ascii=False, default=str)
    if len(text) > 600:
        text = text[:597] + "..."
    return ContractMismatch(operation, assumed, text, inferred)


def check(condition: bool, operation: str, assumed: str, observed: Any, inferred: str | None = None) -> None:
    """Raise a `ContractMismatch` unless `condition` holds."""
    if not condition:
        raise mismatch(operation, assumed, observed, inferred)


@dataclass
class Reply:
    operation: str
    status: int
    body: Any
    text: str
    headers: requests.structures.CaseInsensitiveDict[str]

    def expect(self, *statuses: int, inferred: str | None = None) -> Any:
        """Assert the status is one of `statuses` and the body matches its schema; return the body."""
        check(
            self.status in statuses,
            self.operation,
            f"HTTP {' or '.join(map(str, statuses))}",
            f"HTTP {self.status}: {self.text[:400]}",
            inferred,
        )
        self.conforms()
        return self.body

    def conforms(self) -> None:
        findings = schema_findings(self.operation, self.status, self.body)
        if findings:
            first = findings[0]
            raise mismatch(
                self.operation,
                f"a body matching {first.pointer or 'the documented schema'} (HTTP {self.status})",
                "; ".join(f.describe() for f in findings[:5]),
                first.name if first.inferred else None,
            )


class Client:
    """One API key's view of the service."""

    def __init__(self, base_url: str, key: str | None, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.session = session or requests.Session()

    def call(
        self,
        operation_id: str,
        *,
        path: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = _MISSING,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Reply:
        op = OPERATIONS[operation_id]
        url_path = op.path
        for name, value in (path or {}).items():
            url_path = url_path.replace("{" + name + "}", quote(str(value), safe=""))
        sent_headers = dict(headers or {})
        if auth and self.key is not None:
            sent_headers["Authorization"] = f"Bearer {self.key}"
        params = {}
        for name, value in (query or {}).items():
            if value is None:
                continue
            # `filter` is URL-encoded JSON; a str is sent as it is (to test malformed filters).
            params[name] = json.dumps(value) if name == "filter" and not isinstance(value, str) else value
        kwargs: dict[str, Any] = {"params": params, "headers": sent_headers, "timeout": TIMEOUT}
        if body is not _MISSING:
            kwargs["json"] = body
        response = self.session.request(op.method, self.base_url + url_path, **kwargs)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return Reply(operation_id, response.status_code, parsed, response.text, response.headers)

    # -- the 16 operations ---------------------------------------------------------------------------------

    def capture(self, body: Any, idempotency_key: str | None = None) -> Reply:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.call("errors_capture", body=body, headers=headers)

    def message(self, body: Any, idempotency_key: str | None = None) -> Reply:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.call("errors_message", body=body, headers=headers)

    def list(
        self, filter: dict[str, Any] | None = None, cursor: str | None = None, limit: int | None = None
    ) -> Reply:
        return self.call("errors_list", query={"filter": filter, "cursor": cursor, "limit": limit})

    def search(
        self,
        q: str,
        filter: dict[str, Any] | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Reply:
        return self.call("errors_search", query={"q": q, "filter": filter, "cursor": cursor, "limit": limit})

    def get(self, event_id: str) -> Reply:
        return self.call("errors_get", path={"event_id": event_id})

    def groups(
        self,
        status: str | None = None,
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Reply:
        return self.call(
            "errors_groups", query={"status": status, "sort": sort, "cursor": cursor, "limit": limit}
        )

    def group_detail(self, group_id: str) -> Reply:
        return self.call("errors_group_detail", path={"error_group_id": group_id})

    def events(self, group_id: str, cursor: str | None = None, limit: int | None = None) -> Reply:
        return self.call(
            "errors_events", path={"error_group_id": group_id}, query={"cursor": cursor, "limit": limit}
        )

    def set_status(self, action: str, group_id: str, body: Any = _MISSING) -> Reply:
        return self.call(f"errors_{action}", path={"error_group_id": group_id}, body=body)

    def delete(self, group_id: str) -> Reply:
        return self.call("errors_delete", path={"error_group_id": group_id})

    def bulk(self, group_ids: list[str], action: str) -> Reply:
        return self.call("errors_bulk", body={"error_group_ids": group_ids, "action": action})

    def export(self, filter: dict[str, Any] | None = None, format: str | None = None) -> Reply:
        body: dict[str, Any] = {}
        if filter is not None:
            body["filter"] = filter
        if format is not None:
            body["format"] = format
        return self.call("errors_export", body=body)

    def retention(self) -> Reply:
        return self.call("errors_retention_get")

    def set_retention(self, body: Any) -> Reply:
        return self.call("errors_retention_set", body=body)

    # -- helpers -------------------------------------------------------------------------------------------

    def walk(
        self, operation_id: str, fetch: Any, limit: int | None, max_pages: int = 10_000
    ) -> list[dict[str, Any]]:
        """Follow `next_cursor` from the first page to the last; return every item in order."""
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(max_pages):
            body = fetch(cursor=cursor, limit=limit).expect(200)
            if limit is not None:
                check(
                    len(body["items"]) <= limit,
                    operation_id,
                    f"at most {limit} items per page",
                    len(body["items"]),
                )
            items.extend(body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                return items
        raise mismatch(
            operation_id, f"the last page within {max_pages} pages", "next_cursor never became null"
        )
