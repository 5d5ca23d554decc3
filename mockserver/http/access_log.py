"""The access log: one readable line per request (`infrai-mock --access-log`, `MockServer(access_log=...)`).

    POST /v1/errors/capture 400 errors_capture 0.8ms key=ifr_te…3f2a9c INVALID_REQUEST field=Content-Type

Method, path, status, operation id, duration, a masked key (a short prefix and a hash, never the
key), and for a 4xx the error code and the field it names. Written by the middleware after the
journal entry, to a callable (print, a logger's info).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["AccessLog", "access_line", "make_access_log", "mask_key"]

AccessLog = Callable[[str], None]
_PREFIX = 6


def mask_key(key: str | None) -> str:
    """Return a key as a short prefix and a hash: enough to tell keys apart, never enough to reuse one."""
    if key is None:
        return "-"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{key[:_PREFIX]}…{digest}"


def access_line(
    *,
    method: str,
    path: str,
    status: int,
    operation_id: str | None,
    duration_ms: float,
    tenant: str | None,
    payload: Any,
) -> str:
    """Format one request's access-log line."""
    line = f"{method} {path} {status} {operation_id or '-'} {duration_ms:.1f}ms key={mask_key(tenant)}"
    if 400 <= status < 500 and isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        error = payload["error"]
        details = error.get("details") if isinstance(error.get("details"), dict) else {}
        line += f" {error.get('code')}"
        if details.get("field") is not None:
            line += f" field={details['field']}"
    return line


def make_access_log(option: bool | AccessLog | None) -> AccessLog | None:
    """Return the writer `option` asks for: True logs to the `mockserver.access` logger at INFO."""
    if option is None or option is False:
        return None
    if option is True:
        logger = logging.getLogger("mockserver.access")
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        if not logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            logger.addHandler(handler)
            logger.propagate = False
        return logger.info
    return option
