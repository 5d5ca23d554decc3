"""Render exported events as CSV, safe to open in a spreadsheet.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula
by Excel, LibreOffice or Google Sheets; such cells get a leading `'` (OWASP's advice on CSV
injection), which spreadsheets show as text and hide. JSON export is never changed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from .documents import EncodedText, escaped

__all__ = ["CSV_COLUMNS", "CsvLine", "csv_line", "csv_row", "events_to_csv", "rows_to_csv", "safe_cell"]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "id",
    "timestamp",
    "error_group_id",
    "level",
    "message",
    "code",
    "exception_type",
    "environment",
    "release",
    "user_id",
    "tags",
    "fingerprint",
)


def _row(event: dict[str, Any]) -> list[str]:
    exception = event.get("exception")
    values: dict[str, Any] = {
        **event,
        "exception_type": exception["type"] if exception else None,
        "tags": json.dumps(event["tags"], sort_keys=True, separators=(",", ":"), ensure_ascii=False),
    }
    return ["" if values[column] is None else safe_cell(str(values[column])) for column in CSV_COLUMNS]


def safe_cell(text: str) -> str:
    """Return `text` with a leading `'` when a spreadsheet would treat it as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_row(event: dict[str, Any]) -> str:
    """Return one ErrorEvent as a CSV line (CRLF-terminated, quoted as needed)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(_row(event))
    return buffer.getvalue()


CsvLine = tuple[str, str]
"""One event's CSV line and the same line as JSON string content (see `EncodedText`)."""


def csv_line(event: dict[str, Any]) -> CsvLine:
    """Return one ErrorEvent's `csv_row` line and its JSON-escaped form, for `rows_to_csv`."""
    line = csv_row(event)
    return line, escaped(line)


def rows_to_csv(rows: Iterable[CsvLine]) -> EncodedText:
    """Return the header row followed by already rendered `csv_line` lines, with its JSON text."""
    return EncodedText.joined((_HEADER_LINE, *rows))


def events_to_csv(events: Iterable[dict[str, Any]]) -> str:
    """Return a header row plus one row per ErrorEvent, CRLF-terminated, quoted as needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_row(event) for event in events)
    return buffer.getvalue()


_HEADER = events_to_csv(())
_HEADER_LINE: CsvLine = (_HEADER, escaped(_HEADER))
