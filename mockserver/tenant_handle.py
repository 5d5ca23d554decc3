"""`MockTenant`: one tenant of a running mock, read and controlled in domain terms over HTTP.

The pytest plugin's `infrai_mock` fixture is one of these, on a fresh API key. It talks to the
mock only through the errors API and the tenant-scoped control API (`/__admin/tenant/...`,
authenticated with the tenant's own key), so it works the same against an in-process
`MockServer` and an already running server in another process or container. Standard library
only (urllib), so it needs nothing the application under test does not have.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["MockTenant", "MockTenantError"]

_TIMEOUT_S = 30.0
_PAGE = 100
_TABLE_EVENTS = 10


class MockTenantError(RuntimeError):
    """The mock refused a control or read call; carries its status and error envelope."""

    def __init__(self, status: int, payload: Any) -> None:
        error = payload.get("error", {}) if isinstance(payload, dict) else {}
        super().__init__(f"{status} {error.get('code', '')}: {error.get('message', payload)}")
        self.status = status
        self.payload = payload


def _seconds(delta: float | timedelta) -> float:
    return delta.total_seconds() if isinstance(delta, timedelta) else float(delta)


class MockTenant:
    """One API key's tenant on the mock at `url`: reads, assertions, clock, state and faults."""

    def __init__(self, url: str, api_key: str, server: Any = None) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        #: The in-process `MockServer` behind `url`, when there is one (None against an external server).
        self.server = server

    def __repr__(self) -> str:
        return f"<MockTenant {self.url} key={self.api_key[:12]}...>"

    @property
    def headers(self) -> dict[str, str]:
        """The headers an application sends to be this tenant: `Authorization: Bearer <key>`."""
        return {"Authorization": f"Bearer {self.api_key}"}

    # -- transport ---------------------------------------------------------------------------------

    def request(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        """Send one request as this tenant and return its JSON answer; raise MockTenantError on a 4xx/5xx."""
        params = {key: value for key, value in (query or {}).items() if value is not None}
        target = self.url + path + (f"?{urllib.parse.urlencode(params)}" if params else "")
        data = None if body is None else json.dumps(body).encode()
        headers = {**self.headers, "Content-Type": "application/json"}
        request = urllib.request.Request(target, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = raw.decode("utf-8", "replace")
            raise MockTenantError(error.code, payload) from None

    def _pages(self, path: str, query: Mapping[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self.request("GET", path, query={**query, "limit": _PAGE, "cursor": cursor})
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    # -- reads -------------------------------------------------------------------------------------

    def groups(self, status: str | None = None, sort: str | None = None) -> list[dict[str, Any]]:
        """Return every ErrorGroup (all pages), optionally one status, in `sort` order (last_seen_desc)."""
        return self._pages("/v1/errors/groups", {"status": status, "sort": sort})

    def group(self, group_id: str) -> dict[str, Any]:
        """Return one group's ErrorGroupDetail (tags, environments, releases, hourly counts, latest event)."""
        result: dict[str, Any] = self.request(
            "GET", f"/v1/errors/group_detail/{urllib.parse.quote(group_id)}"
        )
        return result

    def events(
        self, group_id: str | None = None, filter: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Return every ErrorEvent newest first: one group's, or those matching a filter, or all."""
        if group_id is not None:
            if filter is not None:
                raise ValueError("give group_id or filter, not both")
            return self._pages(f"/v1/errors/events/{urllib.parse.quote(group_id)}", {})
        encoded = None if filter is None else json.dumps(filter)
        return self._pages("/v1/errors/list", {"filter": encoded})

    def calls(self, operation_id: str | None = None) -> list[dict[str, Any]]:
        """Return this tenant's journal entries, oldest first; an unknown operation id raises ValueError."""
        try:
            answer = self.request("GET", "/__admin/tenant/journal", query={"operation_id": operation_id})
        except MockTenantError as exc:
            if exc.status == 400:
                raise ValueError(str(exc)) from None
            raise
        entries: list[dict[str, Any]] = answer["entries"]
        return entries

    # -- assertions --------------------------------------------------------------------------------

    def assert_captured(
        self,
        message: str | None = None,
        type: str | None = None,
        tags: Mapping[str, str] | None = None,
        level: str | None = None,
        count: int | None = None,
    ) -> list[dict[str, Any]]:
        """Assert that events matching every given field were captured (exactly `count` of them if given).

        `message` matches an event's message or its group's title; `type` its exception type;
        `tags` must all be among its tags. Returns the matching events. On failure the
        AssertionError shows a table of what *was* captured.
        """
        events = self.events()
        titles = {group["id"]: group["title"] for group in self.groups()}

        def matches(event: dict[str, Any]) -> bool:
            exception = event.get("exception") or {}
            return (
                (message is None or message in (event["message"], titles.get(event["error_group_id"])))
                and (type is None or exception.get("type") == type)
                and (level is None or event["level"] == level)
                and (tags is None or all(event["tags"].get(key) == value for key, value in tags.items()))
            )

        found = [event for event in events if matches(event)]
        if (count is None and found) or (count is not None and len(found) == count):
            return found
        wanted = ", ".join(
            f"{name}={value!r}"
            for name, value in (("message", message), ("type", type), ("tags", tags), ("level", level))
            if value is not None
        )
        expected = f"{count} event(s)" if count is not None else "at least one event"
        raise AssertionError(
            f"expected {expected} matching {wanted or 'anything'}, found {len(found)}\n{self.describe()}"
        )

    def describe(self) -> str:
        """Return a readable table of this tenant's groups and latest events."""
        groups = self.groups()
        events = self.events()[:_TABLE_EVENTS]
        lines = [f"captured by tenant {self.api_key[:12]}...: {len(groups)} group(s)"]
        if groups:
            lines.append(f"  {'count':>5}  {'status':<10}  title")
            lines.extend(
                f"  {group['count']:>5}  {group['status']:<10}  {group['title']}" for group in groups
            )
            lines.append(f"latest {len(events)} event(s):")
            for event in events:
                exception = event.get("exception") or {}
                kind = f"{exception['type']}: " if exception.get("type") else ""
                lines.append(f"  {event['timestamp']}  {event['level']:<7}  {kind}{event['message']}")
        return "\n".join(lines)

    # -- control -----------------------------------------------------------------------------------

    def advance_clock(self, delta: float | timedelta) -> datetime:
        """Move this tenant's own clock forwards (seconds or a timedelta); retention applies at once."""
        answer = self.request("POST", "/__admin/tenant/clock", {"advance_seconds": _seconds(delta)})
        return datetime.fromisoformat(answer["now"])

    def set_clock(self, when: datetime | float | timedelta) -> datetime:
        """Move this tenant's own clock to `when` (a datetime; seconds or a timedelta advance it)."""
        if not isinstance(when, datetime):
            return self.advance_clock(when)
        answer = self.request("POST", "/__admin/tenant/clock", {"set": when.isoformat()})
        return datetime.fromisoformat(answer["now"])

    def now(self) -> datetime:
        """Return this tenant's current time."""
        return datetime.fromisoformat(self.request("GET", "/__admin/tenant/clock")["now"])

    def reset(self) -> None:
        """Empty this tenant: data, own clock, faults and journal entries; other tenants are untouched."""
        self.request("POST", "/__admin/tenant/reset")

    def dump(self) -> dict[str, Any]:
        """Return this tenant as a state document (see spec/tenant-state.schema.json)."""
        document: dict[str, Any] = self.request("GET", "/__admin/tenant/state")
        return document

    def load(self, document: Mapping[str, Any] | str | Path) -> dict[str, Any]:
        """Replace this tenant with a state document (a dict, or the path of a JSON file), all or nothing."""
        body: Any = (
            json.loads(Path(document).read_text(encoding="utf-8"))
            if isinstance(document, str | Path)
            else dict(document)
        )
        try:
            result: dict[str, Any] = self.request("PUT", "/__admin/tenant/state", body)
        except MockTenantError as exc:
            if exc.status == 400:
                raise ValueError(str(exc)) from None
            raise
        return result

    def fail(
        self,
        operation_id: str | None = None,
        status: int | None = None,
        *,
        times: int | None = None,
        delay_ms: int = 0,
        retry_after: int | None = None,
        connection: str | None = None,
    ) -> dict[str, Any]:
        """Arm a fault for this tenant's requests only (the `Fault` fields; see docs/admin-api.md)."""
        fields = {
            "operation_id": operation_id,
            "status": status,
            "times": times,
            "delay_ms": delay_ms,
            "retry_after": retry_after,
            "connection": connection,
        }
        try:
            answer = self.request("POST", "/__admin/tenant/faults", fields)
        except MockTenantError as exc:
            if exc.status == 400:
                raise ValueError(str(exc)) from None
            raise
        fault: dict[str, Any] = answer["fault"]
        return fault

    def clear_faults(self) -> int:
        """Disarm this tenant's faults; return how many there were."""
        cleared: int = self.request("DELETE", "/__admin/tenant/faults")["cleared"]
        return cleared
