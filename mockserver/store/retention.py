"""Per-tenant retention settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from functools import cached_property
from typing import Any, Final

from .errors import InvalidInput

__all__ = ["KEEP", "MAX_DAYS", "MIN_DAYS", "Keep", "Retention"]

MIN_DAYS = 1
MAX_DAYS = 3650


class Keep(Enum):
    """Marks an optional setting the caller left out, as opposed to one it set to null."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


@dataclass(frozen=True)
class Retention:
    """How long events are kept, and whether expired ones are exported before they go."""

    days: int = 90
    auto_export_before_cleanup: bool = False
    export_destination: str | None = None

    def cutoff(self, now: datetime) -> datetime:
        """Return the oldest timestamp still kept at `now`."""
        return now - self.window

    @cached_property
    def window(self) -> timedelta:
        """How long an event is kept."""
        return timedelta(days=self.days)

    def updated(self, days: Any, auto_export: Any = KEEP, destination: Any = KEEP) -> Retention:
        """Return validated new settings; KEEP (or None for the flag) keeps an optional setting's value."""
        if type(days) is not int or not MIN_DAYS <= days <= MAX_DAYS:
            raise InvalidInput("days", "range", f"must be an integer between {MIN_DAYS} and {MAX_DAYS}")
        if auto_export not in (None, KEEP) and not isinstance(auto_export, bool):
            raise InvalidInput("auto_export_before_cleanup", "type", "must be a boolean")
        if destination is not KEEP and destination is not None and not isinstance(destination, str):
            raise InvalidInput("export_destination", "type", "must be a string")
        return replace(
            self,
            days=days,
            auto_export_before_cleanup=self.auto_export_before_cleanup
            if auto_export is None or auto_export is KEEP
            else auto_export,
            export_destination=self.export_destination if destination is KEEP else destination,
        )

    def as_json(self) -> dict[str, Any]:
        """Return the Retention wire document."""
        return {
            "days": self.days,
            "auto_export_before_cleanup": self.auto_export_before_cleanup,
            "export_destination": self.export_destination,
        }
