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

from .documents import EncodedDocument, EncodedText, escaped

__all__ = [
    "CSV_COLUMNS",
    "CsvLine",
    "ExportRows",
    "csv_line",
    "csv_row",
    "envelope",
    "events_to_csv",
    "filter_key",
    "rows_to_csv",
    "safe_cell",
]

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


# What an export shares between changes: the row count, the content (the documents' list, or the
# CSV text) and that content's JSON text.
ExportRows = tuple[int, Any, str]


def filter_key(raw: Any) -> tuple[Any, ...] | None:
    """Return a hashable key, equal for equal filters; None for a filter it cannot key.

    It keys None and objects of strings or lists of strings (every valid JSON filter); anything
    else (a tuple from Python, an invalid value) is parsed afresh each time.
    """
    if raw is None:
        return ()
    if type(raw) is not dict:
        return None
    items: list[tuple[str, Any]] = []
    for key, value in raw.items():
        if type(value) is str:
            items.append((key, value))
        elif type(value) is list and all(type(item) is str for item in value):
            items.append((key, tuple(value)))
        else:
            return None
    return tuple(items)


def envelope(export_id: str, format: str, created_at: str, rows: ExportRows) -> EncodedDocument:
    """Return the export's answer with its JSON text spliced from the shared rows' own encoding.

    The id and the time are the only per-call parts; both are ASCII that JSON never escapes
    (`exp_` and hex digits, an ISO-8601 time), so the text is byte for byte what `json.dumps` gives.
    """
    row_count, content, encoded = rows
    field = "events" if format == "json" else "csv"
    document = {
        "ok": True,
        "export_id": export_id,
        "format": format,
        "row_count": row_count,
        "created_at": created_at,
        field: list(content) if format == "json" else content,
    }
    text = (
        f'{{"ok":true,"export_id":"{export_id}","format":"{format}","row_count":{row_count},'
        f'"created_at":"{created_at}","{field}":{encoded}}}'
    )
    return EncodedDocument(document, text)
