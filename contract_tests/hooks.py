"""Case adjustments shared by the schemathesis layers (pytest and stateful)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

CURSOR_OPERATIONS = frozenset({"errors_list", "errors_search", "errors_events", "errors_groups"})
GROUP_ACTIONS = frozenset({"errors_resolve", "errors_unresolve", "errors_ignore"})


def operation_id(case: Any) -> str:
    return str(case.operation.definition.raw["operationId"])


def is_positive(case: Any) -> bool:
    return case.meta is None or bool(case.meta.generation.mode.is_positive)


def align_group_action_body(case: Any) -> None:
    """GroupAction: "when given, `error_group_id` must equal the id in the path" — a cross-field rule JSON Schema
    cannot state. A positive case must obey it; negative cases keep whatever they negated."""
    if (
        operation_id(case) in GROUP_ACTIONS
        and is_positive(case)
        and isinstance(case.body, dict)
        and isinstance(case.body.get("error_group_id"), str)
        and isinstance(case.path_parameters, dict)
        and isinstance(case.path_parameters.get("error_group_id"), str)
    ):
        # Path parameters are held percent-encoded; the server compares the decoded id.
        case.body = {**case.body, "error_group_id": unquote(case.path_parameters["error_group_id"])}
