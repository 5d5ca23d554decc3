"""Keep generated requests against a live service inside this run's own data.

Schemathesis generates bodies and ids freely. Against live, before a generated request is sent:
* capture/message bodies get the run tag, so everything this run stores is findable (and deletable) later;
* a destructive call (status change, delete, bulk) may only name groups this run created
  (`CaptureResult.is_new_group` seen by this run); any other id is replaced by one that cannot exist.
Against the mock nothing is rewritten.
"""

from __future__ import annotations

import uuid
from typing import Any

from .scenario import RUN_TAG
from .target import Target

MAX_TAGS = 50
GROUP_PATH_OPERATIONS = frozenset({"errors_resolve", "errors_unresolve", "errors_ignore", "errors_delete"})


def missing_group_id() -> str:
    return f"grp_infrai_contract_missing_{uuid.uuid4().hex[:12]}"


def tag_body(body: Any, target: Target) -> Any:
    """Add the run tag to a capture/message body when that keeps it valid."""
    if not isinstance(body, dict):
        return body
    tags = body.get("tags", {})
    if not isinstance(tags, dict):
        return body
    if len(tags) >= MAX_TAGS:  # make room: the tag matters more than one generated tag
        tags = dict(list(tags.items())[: MAX_TAGS - 1])
    return {**body, "tags": {**tags, RUN_TAG: target.run_id}}


def run_key(value: Any, target: Target) -> Any:
    """Namespace a generated idempotency key by the run, so it never replays an earlier run's result."""
    if isinstance(value, str) and 1 <= len(value) <= 255 - 14:
        return f"icr-{target.run_id[:8]}-{value}"
    return value


def guard(operation_id: str, path: dict[str, Any] | None, body: Any, target: Target) -> tuple[Any, Any]:
    """Return (path parameters, body) safe to send to the live service for this operation."""
    if operation_id in ("errors_capture", "errors_message"):
        body = tag_body(body, target)
        if isinstance(body, dict) and "idempotency_key" in body:
            body = {**body, "idempotency_key": run_key(body["idempotency_key"], target)}
        return path, body
    if operation_id in GROUP_PATH_OPERATIONS and isinstance(path, dict):
        group_id = path.get("error_group_id")
        if group_id not in target.owned_groups:
            path = {**path, "error_group_id": missing_group_id()}
    if (
        operation_id == "errors_bulk"
        and isinstance(body, dict)
        and isinstance(body.get("error_group_ids"), list)
    ):
        ids = [
            group_id if isinstance(group_id, str) and group_id in target.owned_groups else missing_group_id()
            for group_id in body["error_group_ids"]
        ]
        body = {**body, "error_group_ids": ids}
    return path, body


def guard_headers(headers: Any, target: Target) -> Any:
    """The Idempotency-Key header, namespaced by the run (see `run_key`)."""
    if isinstance(headers, dict) and "Idempotency-Key" in headers:
        return {**headers, "Idempotency-Key": run_key(headers["Idempotency-Key"], target)}
    return headers


def learn(operation_id: str, status: int, payload: Any, target: Target) -> None:
    """Remember the groups this run created (the only ones destructive calls may touch on live)."""
    if operation_id in ("errors_capture", "errors_message") and status == 200 and isinstance(payload, dict):
        group_id = payload.get("error_group_id")
        if payload.get("is_new_group") is True and isinstance(group_id, str):
            target.owned_groups.add(group_id)
