"""Group status transitions and bulk-request validation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .errors import InvalidInput
from .model import Group

__all__ = [
    "BULK_ACTIONS",
    "MAX_BULK_IDS",
    "STATUSES",
    "apply_status",
    "bulk_ids",
    "check_status",
    "on_new_event",
    "settled",
]

STATUSES = ("unresolved", "resolved", "ignored")
MAX_BULK_IDS = 1000
# Bulk action -> target status; None means delete.
BULK_ACTIONS: dict[str, str | None] = {
    "resolve": "resolved",
    "unresolve": "unresolved",
    "ignore": "ignored",
    "delete": None,
}


def check_status(status: Any) -> str:
    """Return `status` if it is a group status, else raise InvalidInput(status, enum)."""
    if status not in STATUSES:
        raise InvalidInput("status", "enum", f"must be one of {', '.join(STATUSES)}")
    return str(status)


def apply_status(group: Group, status: str) -> None:
    """Set a status manually: resolved -> no substatus, ignored -> archived_forever, unresolved -> ongoing."""
    if status == "resolved":
        group.status, group.substatus = "resolved", None
    elif status == "ignored":
        group.status, group.substatus = "ignored", "archived_forever"
    elif group.status != "unresolved":
        # Already unresolved (new, ongoing or regressed): Sentry treats the repeat as a no-op.
        group.status, group.substatus = "unresolved", "ongoing"


def settled(status: str) -> Callable[[Group], bool]:
    """Return a test of whether `apply_status(group, status)` would leave `group` as it is."""
    if status == "resolved":
        return lambda group: group.status == "resolved" and group.substatus is None
    if status == "ignored":
        return lambda group: group.status == "ignored" and group.substatus == "archived_forever"
    return lambda group: group.status == "unresolved"


def on_new_event(group: Group) -> None:
    """Regress a resolved group on a new event; ignored and unresolved groups keep their status."""
    if group.status == "resolved":
        group.status, group.substatus = "unresolved", "regressed"


def bulk_ids(group_ids: Any, action: Any) -> list[str]:
    """Validate a bulk request and return its ids de-duplicated in request order."""
    if action not in BULK_ACTIONS:
        raise InvalidInput("action", "enum", f"must be one of {', '.join(BULK_ACTIONS)}")
    if isinstance(group_ids, str | bytes) or not isinstance(group_ids, Sequence):
        raise InvalidInput("error_group_ids", "type", "must be a list of group ids")
    if not group_ids:
        raise InvalidInput("error_group_ids", "min_items", "must contain at least one id")
    if len(group_ids) > MAX_BULK_IDS:
        raise InvalidInput("error_group_ids", "max_items", f"must contain at most {MAX_BULK_IDS} ids")
    if not all(isinstance(group_id, str) for group_id in group_ids):
        raise InvalidInput("error_group_ids", "type", "must be a list of strings")
    return list(dict.fromkeys(group_ids))
