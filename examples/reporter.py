"""A tiny application under test: it reports exceptions to Infrai and copes with a flaky service.

It reads `INFRAI_BASE_URL` (default: the live service) and `INFRAI_API_KEY` when it reports, as
a real application would; the pytest plugin's `infrai_mock` fixture sets both for each test.
Retries: 429, 502, 503 and 504 wait `Retry-After` (capped) and try again; a dropped, reset or
truncated connection and a timeout are retried too, with the same idempotency key, so a capture
that was stored before its answer got lost is never stored twice. 402 (out of credit) and other
4xx answers are not retried.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

DEFAULT_BASE_URL = "https://api.infrai.cc"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 4
MAX_WAIT_S = 2.0
TIMEOUT_S = 5.0

log = logging.getLogger("reporter")


def report(
    exc: BaseException,
    *,
    tags: dict[str, str] | None = None,
    timeout: float = TIMEOUT_S,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Report `exc`; return the event id, or None when the service could not take it."""
    base_url = os.environ.get("INFRAI_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    headers = {
        "Authorization": f"Bearer {os.environ.get('INFRAI_API_KEY', '')}",
        "Idempotency-Key": uuid.uuid4().hex,  # one key for every attempt of this report
    }
    body: dict[str, Any] = {
        "exception": {"type": type(exc).__name__, "message": str(exc)},
        "level": "error",
        "tags": tags or {},
    }
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = requests.post(
                f"{base_url}/v1/errors/capture", json=body, headers=headers, timeout=timeout
            )
            payload = response.json()
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as error:
            log.warning("attempt %d: %s", attempt, type(error).__name__)
            sleep(min(0.05 * 2**attempt, MAX_WAIT_S))
            continue
        if response.status_code == 200:
            return str(payload["error_id"])
        if response.status_code in RETRY_STATUSES:
            wait = float(response.headers.get("Retry-After", 1))
            sleep(min(wait, MAX_WAIT_S))
            continue
        log.error("not reported (%d %s)", response.status_code, payload["error"]["code"])
        return None  # 402 and other client errors: retrying cannot help
    return None
