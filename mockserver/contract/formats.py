"""The `date-time` format as the spec means it (RFC 3339), shared by the fast check and jsonschema.

Our own check, so the rule holds whether or not jsonschema's optional rfc3339-validator happens
to be installed; no jsonschema import here, so the fast path does not pull it in.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

__all__ = ["is_date_time", "is_valid_date_time"]

_RFC3339: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def is_date_time(value: object) -> bool:
    """Tell whether `value` is an RFC 3339 date-time (non-strings pass); ValueError for a day out of range."""
    if not isinstance(value, str):
        return True
    if _RFC3339.fullmatch(value) is None:
        return False
    datetime.fromisoformat(value.upper())  # range checks (month 13, day 32); raises ValueError
    return True


def is_valid_date_time(value: Any) -> bool:
    """`is_date_time` as a plain yes/no (what the fast check asks)."""
    try:
        return is_date_time(value)
    except ValueError:
        return False
