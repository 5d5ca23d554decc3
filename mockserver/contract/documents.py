"""Read the spec's YAML (and JSON) files, through a cache of their parsed form keyed by content hash.

Parsing `openapi.yaml` and `control.yaml` is most of a cold start (libyaml still builds every node
in Python); the same document read back as JSON takes well under a millisecond. So the first
parse of a file stores what it parsed to as JSON under the cache folder, named by the SHA-256 of
the file's bytes (and the parser), and later processes read that instead. The YAML file stays the
one source: an edited file has another hash, so it is parsed afresh, and the old entry is never
read again. A document that JSON cannot carry exactly (a YAML date, a non-string key, NaN) is
simply not cached.

The cache folder is `$INFRAI_MOCK_CACHE_DIR`, else `$XDG_CACHE_HOME/infrai-errors-mock`, else
`~/.cache/infrai-errors-mock`; `INFRAI_MOCK_CACHE_DIR=""` turns the cache off. A folder that cannot
be written (or an entry that cannot be read) only costs the parse, never an error.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Final

__all__ = ["CACHE_ENV", "cache_dir", "digest", "load_entry", "parse_yaml", "read_document", "store_entry"]

CACHE_ENV: Final = "INFRAI_MOCK_CACHE_DIR"
# Part of every entry's name: a new entry format never reads an old entry.
_TAG: Final = "v1"


def cache_dir() -> Path | None:
    """Return the folder of parsed documents, or None when the cache is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "infrai-errors-mock"


def parse_yaml(text: str, path: Path) -> Any:
    """Parse YAML with the safe loader (libyaml's when available); ValueError, naming `path`, if not YAML."""
    import yaml  # noqa: PLC0415 - only when a file is parsed, not on every start from the cache

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: the same document, faster
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:  # callers (the CLI) report ValueErrors as bad input
        raise ValueError(f"{path} is not valid YAML: {exc}") from None


def digest(data: bytes | Path) -> str:
    """Return the SHA-256 (hex) of `data`, or of the file at that path."""
    return hashlib.sha256(data.read_bytes() if isinstance(data, Path) else data).hexdigest()


def _entry(name: str) -> Path | None:
    folder = cache_dir()
    return folder / f"{name}-{_TAG}.json" if folder is not None else None


def load_entry(name: str) -> Any:
    """Return the cached value called `name`, or None when there is none (or the cache is off)."""
    entry = _entry(name)
    if entry is None:
        return None
    try:
        return json.loads(entry.read_bytes())
    except (OSError, ValueError):
        return None  # not cached yet, or unreadable: the caller builds it again


def store_entry(name: str, value: Any) -> None:
    """Cache `value` as `name` if JSON carries it exactly; a cache that cannot be written is skipped."""
    entry = _entry(name)
    if entry is not None and _json_exact(value):
        _store(entry, json.dumps(value, ensure_ascii=False, allow_nan=False).encode())


def read_document(path: Path) -> Any:
    """Return the parsed YAML (or, for `.json`, JSON) file at `path`; raises `OSError`, `ValueError`."""
    raw = path.read_bytes()
    if path.suffix == ".json":
        return json.loads(raw)
    name = digest(raw)
    document = load_entry(name)
    if document is not None:
        return document
    document = parse_yaml(raw.decode("utf-8"), path)  # UnicodeDecodeError is a ValueError too
    store_entry(name, document)
    return document


def _store(entry: Path, data: bytes) -> None:
    """Write `entry` whole or not at all (a reader never sees half a file)."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, entry)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only home or a full disk: the next start parses again


def _json_exact(document: Any) -> bool:
    """Tell whether JSON gives `document` back exactly (string keys, JSON scalar types, finite floats)."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if not all(isinstance(key, str) for key in node):
                return False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, float):
            if not math.isfinite(node):
                return False
        elif node is not None and not isinstance(node, str | int):  # bool is an int
            return False
    return True
