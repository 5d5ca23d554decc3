"""Sentry-style message parameterization: variable parts become ``<name>`` placeholders."""

from __future__ import annotations

import re

__all__ = ["normalize_digits", "normalize_message"]

_LOCAL = r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]"
_OCTET = r"(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])"

# Order matters: at each position the first alternative that matches wins (Sentry's
# DEFAULT_PARAMETERIZATION_REGEXES order, reduced to the older, shorter list plus durations).
_PATTERNS: list[tuple[str, str]] = [
    # The lookbehind only starts a match at the beginning of a run of local-part characters: same
    # matches as Sentry's pattern, but linear instead of quadratic on long runs without an "@".
    ("email", rf"(?<!{_LOCAL}){_LOCAL}+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*"),
    ("url", r"\b(?:wss?|https?|ftp)://[^\s/$.?#].[^\s]*"),
    ("ip", rf"\b(?:{_OCTET}\.){{3}}{_OCTET}\b|\b(?:[0-9a-fA-F]{{1,4}}:){{7}}[0-9a-fA-F]{{1,4}}\b"),
    ("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("sha1", r"\b[0-9a-fA-F]{40}\b"),
    ("md5", r"\b[0-9a-fA-F]{32}\b"),
    (
        "date",
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
        r"|\b\d{4}-\d{2}-\d{2}\b"
        r"|\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b",
    ),
    ("duration", r"\b\d+ms\b|\b\d+(?:\.\d+)?s\b"),
    ("hex", r"\b0[xX][0-9a-fA-F]+\b|\b(?=[a-f]*[0-9])[0-9a-f]{8,128}\b|\b(?=[A-F]*[0-9])[0-9A-F]{8,128}\b"),
    ("float", r"-\d+\.\d+\b|\b\d+\.\d+\b"),
    ("int", r"(?:\b|(?<!\w)-)\d+\b"),
]

_COMBINED = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS))
_DIGITS = re.compile(r"\d+")


def _placeholder(match: re.Match[str]) -> str:
    return f"<{match.lastgroup}>"


def normalize_message(text: str) -> str:
    """Keep the first two non-empty lines and replace variable tokens with ``<name>``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:2]
    return _COMBINED.sub(_placeholder, "\n".join(lines))


def normalize_digits(line: str) -> str:
    """Replace every run of digits with ``0`` (the grouping fallback for unparseable stacks)."""
    return _DIGITS.sub("0", line.strip())
