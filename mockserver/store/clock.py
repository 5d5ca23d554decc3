"""Clocks the store reads time from, and the ISO-8601 helpers that go with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock", "hour_start", "iso_ms", "parse_iso", "truncate_ms"]

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)


class Clock(Protocol):
    """Anything that tells the current time as a timezone-aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time (tz-aware, UTC)."""
        ...


class SystemClock:
    """Wall-clock time that never goes backwards."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)

    def now(self) -> datetime:
        """Return the wall-clock time, clamped so it never precedes an earlier reading."""
        # The store relies on capture order being time order (retention walks from the oldest end),
        # so an NTP step backwards must not produce an event older than its predecessor.
        self._last = max(self._last, datetime.now(UTC))
        return self._last


class ManualClock:
    """A clock frozen until a test moves it forwards."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _require_aware(start if start is not None else DEFAULT_START)

    def now(self) -> datetime:
        """Return the frozen time."""
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forwards by `seconds` (never negative) and return the new time."""
        if seconds < 0:
            raise ValueError(f"cannot advance a clock by a negative amount ({seconds!r} s)")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to `when`, which must not be earlier than the current time."""
        when = _require_aware(when)
        if when < self._now:
            raise ValueError(f"cannot move a clock backwards from {iso_ms(self._now)} to {iso_ms(when)}")
        self._now = when
        return self._now


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("clock times must be timezone-aware")
    return when.astimezone(UTC)


def truncate_ms(when: datetime) -> datetime:
    """Drop sub-millisecond precision, so stored times equal their wire form exactly."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def iso_ms(when: datetime) -> str:
    """Format as ISO-8601 UTC with milliseconds and a Z suffix."""
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    # isoformat (C, no strftime) pads the year to four digits and ends in "+00:00" for UTC.
    return when.isoformat(timespec="milliseconds")[:-6] + "Z"


def hour_start(when: datetime) -> int:
    """Return the Unix hour number (seconds since the epoch // 3600) that contains `when`."""
    return int(when.timestamp()) // 3600


def parse_iso(text: str, *, clamp: bool = False) -> datetime | None:
    """Parse an ISO-8601 datetime that carries a timezone; None when it cannot.

    RFC 3339 allows a lower-case `t` and `z`; Python's parser takes only upper case, hence `upper()`.
    Year 1 at +01:00 or year 9999 at -01:00 parse but have no UTC form: None, or with `clamp` the
    end of the range they fall past (for query bounds, which lie before or after every event).
    """
    try:
        parsed = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        if not clamp:
            return None
        return (datetime.min if parsed.year == datetime.min.year else datetime.max).replace(tzinfo=UTC)
