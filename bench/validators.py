"""The hand-written fast path (mockserver/contract/fastcheck.py) against jsonschema-rs, on the spec's schemas.

    .venv/bin/pip install jsonschema-rs && .venv/bin/python bench/validators.py

For each hot schema: microseconds per valid document (the fast path every strict response and every
request body takes), then the message each engine gives for a few invalid documents.
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
import timeit
from pathlib import Path
from typing import Any

import jsonschema_rs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import seed_event

from mockserver.contract.spec import load_spec
from mockserver.contract.validation import Validators
from mockserver.store import Store

SCHEMAS = "#/components/schemas/"


def documents() -> dict[str, Any]:
    """Real documents from a store holding 1,000 seeded events."""
    tenant = Store().tenant("k")
    for i in range(1000):
        tenant.capture(seed_event(i), source="capture")
    groups = tenant.list_groups(limit=50)
    group_id = groups.items[0]["id"]
    events = tenant.list_events(limit=50)
    # Fresh copies: the fast path remembers stored events it has passed, which would flatter it.
    return {
        "CaptureRequest": seed_event(7),
        "ErrorGroupList": {"items": groups.items, "next_cursor": groups.next_cursor},
        "ErrorEventList": copy.deepcopy({"items": events.items, "next_cursor": events.next_cursor}),
        "ErrorGroupDetail": copy.deepcopy(tenant.group_detail(group_id)),
    }


INVALID = {
    "CaptureRequest": [
        {"message": "x", "level": "loud"},
        {"message": "x", "tags": {"bad name!": "v"}},
        {"message": ""},
        {"message": "x", "surprise": 1},
    ],
}


def per_call(check: Any, instance: Any, n: int = 100) -> float:
    """Seconds per call for one round (a fresh outer copy each call, items shared as in the store)."""
    return timeit.timeit(lambda: check(copy.copy(instance)), number=n) / n


def interleaved(first: Any, second: Any, instance: Any, rounds: int = 9) -> tuple[float, float]:
    """Median seconds per call of each check, rounds alternating so both see the same load."""
    a, b = [], []
    for _ in range(rounds):
        a.append(per_call(first, instance))
        b.append(per_call(second, instance))
    return statistics.median(a), statistics.median(b)


def main() -> None:
    spec = load_spec()
    validators = Validators(spec)
    document = spec.document  # jsonschema-rs speaks ECMA-262 regex natively: no translation
    docs = documents()
    print("| schema | fastcheck µs | jsonschema-rs µs | rs / fastcheck |")
    print("|---|---|---|---|")
    for name, instance in docs.items():
        ours = validators.compile(f"/components/schemas/{name}")
        assert ours.fast is not None
        fast = ours.fast
        rs = jsonschema_rs.validator_for({**document, "$ref": f"{SCHEMAS}{name}"}, validate_formats=True)
        assert fast(instance), name
        assert rs.is_valid(instance), name
        t_fast, t_rs = interleaved(fast, rs.is_valid, instance)
        print(f"| {name} | {t_fast * 1e6:,.1f} | {t_rs * 1e6:,.1f} | {t_rs / t_fast:.2f} |")
    print("\n| invalid CaptureRequest | ours (field, rule, message) | jsonschema-rs |")
    print("|---|---|---|")
    ours_body = validators["errors_capture"]
    rs = jsonschema_rs.validator_for({**document, "$ref": f"{SCHEMAS}CaptureRequest"}, validate_formats=True)
    for bad in INVALID["CaptureRequest"]:
        try:
            ours_body.body(json.dumps(bad).encode(), "application/json")
            mine = "accepted"
        except Exception as exc:
            mine = f"{getattr(exc, 'field', '?')}, {getattr(exc, 'rule', '?')}: {exc}"
        theirs = "; ".join(
            f"{'/'.join(map(str, e.instance_path)) or '$'}: {e.message}" for e in rs.iter_errors(bad)
        )
        print(f"| `{json.dumps(bad)}` | {mine} | {theirs} |")


if __name__ == "__main__":
    main()
