"""The tenant state document's JSON Schema (spec/tenant-state.schema.json) describes what the store writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mockserver.store import IdFactory, ManualClock, Store

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "spec" / "tenant-state.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
BAD = json.loads(
    (Path(__file__).resolve().parents[1] / "store" / "data" / "bad_state_documents.json").read_text()
)


def test_the_schema_is_a_valid_draft_2020_12_schema_with_a_version():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["version"] == {
        "const": 1,
        "description": SCHEMA["properties"]["version"]["description"],
    }


@pytest.mark.parametrize("internal", [False, True])
def test_every_dump_conforms_to_the_schema(internal):
    tenant = Store(ManualClock(), IdFactory(1)).tenant("k")
    body = {"message": "user 1 failed", "tags": {"a": "b"}, "user_id": "u", "environment": "staging"}
    tenant.capture({**body, "release": "1"}, source="capture")
    tenant.capture({"text": "hi"}, source="message", idempotency_key="i")
    tenant.capture(
        {"exception": {"type": "E", "message": None, "stacktrace": "tb"}, "code": "C"}, source="capture"
    )
    tenant.set_status(tenant.list_groups().items[0]["id"], "ignored")
    tenant.advance_clock(60)
    document = json.loads(json.dumps(tenant.dump(internal=internal)))
    assert list(VALIDATOR.iter_errors(document)) == []


# Rules about one value's shape; the others (references, order, uniqueness) only the store can check.
SHAPE_RULES = {"type", "const", "additionalProperties", "required", "enum", "format", "range"}


@pytest.mark.parametrize(
    "case",
    [case for case in BAD if case["rule"] in SHAPE_RULES and not case.get("store_only")],
    ids=lambda case: case["why"],
)
def test_the_schema_refuses_the_badly_shaped_documents(case):
    assert not VALIDATOR.is_valid(case["document"])
