"""Case adjustments shared by the schemathesis layers (pytest and stateful)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import schemathesis
from schemathesis.specs.openapi import stateful

CURSOR_OPERATIONS = frozenset({"errors_list", "errors_search", "errors_events", "errors_groups"})
GROUP_ACTIONS = frozenset({"errors_resolve", "errors_unresolve", "errors_ignore"})


def operation_id(case: Any) -> str:
    return str(case.operation.definition.raw["operationId"])


def is_positive(case: Any) -> bool:
    return case.meta is None or bool(case.meta.generation.mode.is_positive)


def align_group_action_body(case: Any) -> None:
    """GroupAction: "when given, `error_group_id` must equal the id in the path" — a cross-field rule JSON
    Schema cannot state. A positive case must obey it; negative cases keep whatever they negated."""
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


# Operations that create the resources every link starts from.
CAPTURE_LABELS = frozenset({"POST /v1/errors/capture", "POST /v1/errors/message"})


def allow_capture_roots() -> None:
    """Let the stateful phase start scenarios with a capture.

    schemathesis 4.32 picks scenario roots with `is_likely_root_transition`, which rejects an operation when
    any body field looks like a foreign key to a resource nothing produces. Both capture bodies have an
    *optional* `user_id`, read as a key of a `User` resource, so neither capture can start a scenario and
    every link-fed group id is missing: the run degenerates into 404s. Optional fields cannot make a request
    fail, so the two captures are roots again. (Worth an upstream issue: optional FK-looking fields should
    not count.)
    """
    original = stateful.is_likely_root_transition
    if getattr(original, "_infrai_patched", False):
        return

    def is_likely_root_transition(operation: Any, node: Any, produced_anywhere: set[str]) -> bool:
        if operation.label in CAPTURE_LABELS:
            return True
        return bool(original(operation, node, produced_anywhere))

    is_likely_root_transition._infrai_patched = True  # type: ignore[attr-defined]
    stateful.is_likely_root_transition = is_likely_root_transition


def json_strings_as_content(raw_schema: dict[str, Any]) -> None:
    """Give schemathesis the filter parameter as `content: application/json` again.

    The spec declares `filter` as `type: string` + `contentMediaType: application/json` + `contentSchema`
    so client generators keep it (they drop a `content:` parameter). schemathesis 4.32 generates arbitrary
    JSON for such a string, ignoring `contentSchema`, so positive cases would send filters the server must
    refuse and negative cases would mutate nothing of the DSL. Rewritten back, schemathesis generates and
    negates ErrorFilter documents exactly as before the change; the server reads both forms the same way.
    """
    parameters = raw_schema.get("components", {}).get("parameters", {})
    for parameter in parameters.values():
        schema = parameter.get("schema")
        if (
            isinstance(schema, dict)
            and schema.get("contentMediaType") == "application/json"
            and "contentSchema" in schema
        ):
            parameter.pop("schema")
            parameter["content"] = {"application/json": {"schema": schema["contentSchema"]}}
            parameter.pop("examples", None)  # string examples; the content form wants decoded ones


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    json_strings_as_content(raw_schema)
