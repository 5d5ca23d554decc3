"""Hooks of the schemathesis CLI run (`hooks = "contract_tests.st_hooks"` in schemathesis.toml).

The CLI cannot subclass the state machine as test_stateful.py does, so the same case adjustments run as
`before_call`/`after_call` hooks, for every phase:
* a cursor the server never issued is dropped (a generated cursor is garbage by construction, and its rightful
  400 would fail `positive_data_acceptance` and hide other bugs);
* a real cursor (fed by a NextPage link) gets back the rest of the query it is bound to (the links carry the
  cursor alone; "valid only for the same query");
* a positive group action's optional body names the path's group, as the spec requires;
* the two captures may start stateful scenarios (hooks.allow_capture_roots).
"""

from __future__ import annotations

from typing import Any

import schemathesis

from contract_tests.hooks import (
    CURSOR_OPERATIONS,
    align_group_action_body,
    allow_capture_roots,
    is_positive,
    operation_id,
)

allow_capture_roots()

BOUND_QUERY = {
    "errors_list": ("filter",),
    "errors_search": ("q", "filter"),
    "errors_events": (),
    "errors_groups": ("status", "sort"),
}
_ISSUED: dict[str, dict[str, Any]] = {}  # next_cursor -> the query that returned it


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    op = operation_id(case)
    if op in CURSOR_OPERATIONS and isinstance(case.query, dict) and "cursor" in case.query:
        origin = _ISSUED.get(str(case.query["cursor"]))
        if origin is None:
            if is_positive(case):  # in a negative case the cursor may be what is negated
                case.query.pop("cursor")
        else:
            for name in BOUND_QUERY[op]:
                if name in origin:
                    case.query[name] = origin[name]
                else:
                    case.query.pop(name, None)
    align_group_action_body(case)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    op = operation_id(case)
    if op not in CURSOR_OPERATIONS or response.status_code != 200 or not isinstance(case.query, dict):
        return
    try:
        cursor = response.json().get("next_cursor")
    except (ValueError, AttributeError):
        return
    if isinstance(cursor, str):
        _ISSUED[cursor] = {k: v for k, v in case.query.items() if k != "cursor"}
