"""The bad-input corpus (bad_inputs.yaml): every client mistake gets the envelope and breaks nothing.

For each entry, over a real socket: the answer has the expected status and the ErrorResponse
envelope; the next request, on a fresh connection, is served; and the tenant's state (JSON
export, groups, retention) is exactly what it was before. The log never shows a traceback, an
"Unhandled exception" or the tenant's API key.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from http_support import Api, SpecOracle
from raw_http import build_request, exchange

from mockserver import MockServer

CORPUS_PATH = Path(__file__).with_name("bad_inputs.yaml")
CORPUS: list[dict[str, Any]] = yaml.safe_load(CORPUS_PATH.read_text(encoding="utf-8"))
KEY = "ifr_corpus_secret_key_0123456789"


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[MockServer, Api, dict[str, str]]]:
    """A mock with small request limits and one tenant holding a few events and groups."""
    with MockServer(seed=7, clock="manual", max_body=65536, max_header_size=16384, max_headers=128) as server:
        api = Api(server.url, KEY)
        first = api.capture()
        api.capture({"message": "user 42 not found", "tags": {"area": "auth"}})
        api.ok("POST", f"/v1/errors/resolve/{first['error_group_id']}")
        api.ok("PUT", "/v1/errors/retention/set", {"days": 30})
        names = {
            "key": KEY,
            "group": first["error_group_id"],
            "event": first["error_id"],
            "long_key": "k" * 300,
        }
        yield server, api, names
        api.session.close()


def _fill(text: str, names: dict[str, str]) -> str:
    for name, value in names.items():
        text = text.replace("{" + name + "}", value)
    return text


def _request_bytes(entry: dict[str, Any], names: dict[str, str]) -> bytes:
    if "raw" in entry:
        return _fill(entry["raw"], names).encode("latin-1")
    headers = [(_fill(name, names), _fill(value, names)) for name, value in entry.get("headers", [])]
    if entry.get("auth", True):
        headers.append(("Authorization", f"Bearer {names['key']}"))
    headers += [(f"X-Extra-{index}", "x") for index in range(entry.get("extra_headers", 0))]
    if "header_bytes" in entry:
        headers.append(("X-Pad", "p" * entry["header_bytes"]))
    target = _fill(entry["path"], names)
    if "path_bytes" in entry:
        target += ("&" if "?" in target else "?") + "pad=" + "p" * entry["path_bytes"]
    body: bytes | None = None
    if "json" in entry:
        body = _fill(json.dumps(entry["json"]), names).encode()
        headers.append(("Content-Type", "application/json"))
    elif "body" in entry:
        body = _fill(entry["body"], names).encode("utf-8", "surrogatepass")
    elif "json_depth" in entry:
        body = (
            '{"message": "m", "tags": ' + "[" * entry["json_depth"] + "]" * entry["json_depth"] + "}"
        ).encode()
        headers.append(("Content-Type", "application/json"))
    elif "body_bytes" in entry:
        body = json.dumps({"message": "m" * entry["body_bytes"]}).encode()
        headers.append(("Content-Type", "application/json"))
    return build_request(entry["method"], target, headers, body)


def _snapshot(api: Api) -> Any:
    export = api.ok("POST", "/v1/errors/export", {"format": "json"})
    export.pop("export_id")  # each export gets a fresh id
    groups = api.ok("GET", "/v1/errors/groups")
    return export, groups, api.ok("GET", "/v1/errors/retention/get")


def test_the_corpus_is_large_and_named_uniquely() -> None:
    """At least 60 kinds of mistake, each with a unique name, status and code."""
    names = [entry["name"] for entry in CORPUS]
    assert len(names) >= 60
    assert len(set(names)) == len(names)
    assert all({"status", "code"} <= set(entry) for entry in CORPUS)


@pytest.mark.parametrize("entry", CORPUS, ids=[entry["name"] for entry in CORPUS])
def test_a_bad_input_gets_the_envelope_and_changes_nothing(
    entry: dict[str, Any],
    seeded: tuple[MockServer, Api, dict[str, str]],
    oracle: SpecOracle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The mistake is answered with its status and the envelope; the server and the tenant carry on."""
    server, api, names = seeded
    before = _snapshot(api)
    violations = len(server.violations)
    caplog.set_level(logging.DEBUG)
    answer = exchange(server.url, _request_bytes(entry, names))
    assert answer is not None, "the server closed the connection without an answer"
    assert answer.status == entry["status"], answer.body[:300]
    assert answer.headers.get("content-type", "").startswith("application/json")
    envelope = answer.json()
    assert oracle.schema_errors("ErrorResponse", envelope) == []
    assert envelope["error"]["code"] == entry["code"]
    details = envelope["error"].get("details", {})
    for name in ("field", "rule"):
        if name in entry:
            assert details.get(name) == entry[name], envelope
    # The next request, on a fresh connection, is served; the tenant's state did not move.
    assert _snapshot(api) == before
    assert server.violations[violations:] == []
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert not any(record.exc_info for record in caplog.records), logged
    assert "Unhandled exception" not in logged
    assert KEY not in logged
