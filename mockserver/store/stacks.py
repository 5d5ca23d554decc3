"""Parse free-form stack text into (file, function) frames, ignoring line and column numbers."""

from __future__ import annotations

import re
from typing import NamedTuple

from .normalize import normalize_digits

__all__ = ["Frame", "parse_frames", "stack_grouping_values"]


class Frame(NamedTuple):
    """One stack frame as grouping sees it: file basename (lower-cased) and function name."""

    file: str
    function: str


_PYTHON = re.compile(r'^\s*File "(?P<path>[^"]*)", line \d+(?:, in (?P<func>.+?))?\s*$')
_V8_CALL = re.compile(r"^\s*at (?P<func>.+?) \((?P<loc>[^()]*)\)\s*$")
_V8_BARE = re.compile(r"^\s*at (?P<loc>\S+)\s*$")
_GECKO = re.compile(r"^\s*(?P<func>[^@\s]*)@(?P<loc>\S+)\s*$")
_LINE_COL = re.compile(r"(?::\d+){1,2}$")
_QUERY = re.compile(r"[?#].*$")
_ALIAS = re.compile(r"\s*\[as [^\]]*\]$")
_IGNORED_FUNCTIONS = frozenset({"", "?", "<anonymous>", "anonymous"})
_IGNORED_FILES = frozenset({"<anonymous>", "[native code]", "native"})


def _basename(location: str) -> str:
    location = _QUERY.sub("", _LINE_COL.sub("", location.strip()))
    name = re.split(r"[/\\]", location)[-1].lower()
    return "" if name in _IGNORED_FILES else name


def _clean_function(name: str) -> str:
    name = _ALIAS.sub("", name.strip())
    for prefix in ("async ", "new "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    # Sentry's JavaScript clean-up: the receiver "Object." carries no information about the code path.
    name = name.removeprefix("Object.")
    return "" if name in _IGNORED_FUNCTIONS else name


def _parse_line(line: str) -> Frame | None:
    if match := _PYTHON.match(line):
        return Frame(_basename(match["path"]), (match["func"] or "").strip())
    if match := _V8_CALL.match(line):
        return Frame(_basename(match["loc"]), _clean_function(match["func"]))
    if match := _V8_BARE.match(line):
        return Frame(_basename(match["loc"]), "")
    if (match := _GECKO.match(line)) and _LINE_COL.search(match["loc"]):
        return Frame(_basename(match["loc"]), _clean_function(match["func"]))
    return None


def parse_frames(text: str) -> list[Frame]:
    """Return the recognised Python, V8 and Gecko/Safari frames of `text`, outermost first as written."""
    return [frame for line in text.splitlines() if (frame := _parse_line(line)) is not None]


def stack_grouping_values(text: str) -> list[str]:
    """Return the values a stack contributes to grouping: its frames, else its digit-normalized lines."""
    frames = parse_frames(text)
    if frames:
        return ["frames", *(part for frame in frames for part in frame)]
    return ["lines", *(normalize_digits(line) for line in text.splitlines() if line.strip())]
