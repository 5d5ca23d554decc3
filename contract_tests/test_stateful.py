"""Layer 2: schemathesis's link-driven state machine (capture -> get -> group_detail -> resolve -> events ->
delete -> group_detail ...), every built-in check on, `use_after_free` and `ensure_resource_availability`
included.

Those two built-ins only relate operations whose paths nest (`POST /things` -> `GET /things/{id}`). This API
is RPC-shaped (`/v1/errors/delete/{id}` vs `/v1/errors/group_detail/{id}`), so they stay active but
structurally silent; `validate_response` below adds the same two checks keyed on the group id instead:
* a group (or one of its events) answered 2xx after this scenario deleted it -> ST301 use-after-free;
* a group a capture just reported answered 404 although nothing deleted it -> ST302.

Each scenario runs under a fresh API key (an empty tracker) against the mock, so link values never depend on
earlier scenarios. Generated cursors are dropped unless a link supplied a real one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar
from urllib.parse import unquote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.openapi.checks import EnsureResourceAvailability, UseAfterFree

from . import budgets, live_guard
from .hooks import CURSOR_OPERATIONS, align_group_action_body, allow_capture_roots, is_positive, operation_id
from .spec import DESTRUCTIVE, SPEC_PATH
from .target import Target

schema = schemathesis.openapi.from_path(SPEC_PATH)
allow_capture_roots()
# The query parameters a cursor is bound to, per operation (besides the path).
BOUND_QUERY = {
    "errors_list": ("filter",),
    "errors_search": ("q", "filter"),
    "errors_events": (),
    "errors_groups": ("status", "sort"),
}
GROUP_READS = frozenset(
    {"errors_group_detail", "errors_events", "errors_resolve", "errors_unresolve", "errors_ignore"}
)


@schema.auth(refresh_interval=None, retry_on=[])
class ScenarioKey:
    """The scenario's key on every case whose Authorization header is not the thing being negated."""

    key: ClassVar[str] = ""

    def get(self, case: Any, ctx: Any) -> str:
        return self.key

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    target: ClassVar[Target]
    statuses: ClassVar[Counter[int]] = Counter()
    operations: ClassVar[Counter[str]] = Counter()
    link_fed_cursors: ClassVar[int] = 0

    def setup(self) -> None:
        self.key = ScenarioKey.key = self.target.fresh_key()
        self.deleted_groups: dict[str, str] = {}  # group id -> the call that deleted it
        self.event_groups: dict[str, str] = {}  # event id -> group id
        self.live_groups: set[str] = set()
        self.cursor_queries: dict[str, dict[str, Any]] = {}  # next_cursor -> the query that returned it

    def step(self, input: Any) -> Any:
        case = input.case
        op = operation_id(case)
        fed = {name for _, name in input.applied_parameters}
        if (
            op in CURSOR_OPERATIONS
            and "cursor" not in fed
            and is_positive(case)
            and isinstance(case.query, dict)
        ):
            case.query.pop("cursor", None)  # a generated cursor is garbage by construction
        if op in CURSOR_OPERATIONS and "cursor" in fed and isinstance(case.query, dict):
            type(self).link_fed_cursors += 1
            # A cursor is "valid only for the same query": the NextPage links carry the cursor alone, so the
            # rest of the query (status/sort, filter, q) comes from the request that returned it.
            origin = self.cursor_queries.get(str(case.query.get("cursor")))
            if origin is not None:
                for name in BOUND_QUERY[op]:
                    if name in origin:
                        case.query[name] = origin[name]
                    else:
                        case.query.pop(name, None)
        if self.target.is_live:
            path, body = live_guard.guard(op, case.path_parameters, case.body, self.target)
            # Assign only what changed: schemathesis tracks caller edits of a generated case.
            if path is not case.path_parameters:
                case.path_parameters = path
            if body is not case.body:
                case.body = body
            headers = live_guard.guard_headers(case.headers, self.target)
            if headers is not case.headers:
                case.headers = headers
        align_group_action_body(case)
        return super().step(input)

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"base_url": self.target.base_url}

    def after_call(self, response: Any, case: Any) -> None:
        super().after_call(response, case)  # the recorder the stateful checks read
        type(self).statuses[response.status_code] += 1
        op = operation_id(case)
        type(self).operations[op] += 1
        payload = _json(response)
        if self.target.is_live:
            live_guard.learn(op, response.status_code, payload, self.target)
        if response.status_code != 200 or not isinstance(payload, dict):
            return
        if op in CURSOR_OPERATIONS and payload.get("next_cursor") and isinstance(case.query, dict):
            self.cursor_queries[str(payload["next_cursor"])] = dict(case.query)
        if op in ("errors_capture", "errors_message"):
            self.event_groups[str(payload.get("error_id"))] = str(payload.get("error_group_id"))
            if payload.get("duplicate") is False:  # a replayed result may name a group deleted since
                self.live_groups.add(str(payload.get("error_group_id")))
                self.deleted_groups.pop(str(payload.get("error_group_id")), None)
        elif op == "errors_delete":
            self.deleted_groups[_path_group(case)] = f"DELETE {response.request.url}"
        elif op == "errors_bulk" and payload.get("action") == "delete":
            for group_id in payload.get("succeeded", []):
                self.deleted_groups[str(group_id)] = "POST /v1/errors/bulk (delete)"

    def validate_response(
        self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
    ) -> None:
        super().validate_response(response, case, additional_checks=additional_checks, **kwargs)
        op = operation_id(case)
        usage = f"{case.operation.method.upper()} {response.request.url}"
        group_id = _path_group(case) if op in GROUP_READS or op == "errors_delete" else None
        if op == "errors_get" and isinstance(case.path_parameters, dict):
            group_id = self.event_groups.get(unquote(str(case.path_parameters.get("event_id"))))
        if (
            group_id
            and group_id in self.deleted_groups
            and 200 <= response.status_code < 300
            and (op == "errors_get" or op in GROUP_READS)
        ):
            raise UseAfterFree(
                operation=case.operation.label,
                message=(
                    f"The API answered HTTP {response.status_code} for a group that was deleted.\n\n"
                    f"Deleted with: `{self.deleted_groups[group_id]}`\nUsed with:    `{usage}`"
                ),
                free=self.deleted_groups[group_id],
                usage=usage,
                deleted_case_id=case.id,
            )
        if (
            op in GROUP_READS | {"errors_delete"}
            and response.status_code == 404
            and group_id in self.live_groups
            and group_id not in self.deleted_groups
        ):
            raise EnsureResourceAvailability(
                operation=case.operation.label,
                message=(
                    f"The API answered 404 for group `{group_id}` that a capture in this scenario reported "
                    f"and nothing deleted.\n\nNot available with: `{usage}`"
                ),
                created_with="POST /v1/errors/capture",
                not_available_with=case.operation.label,
            )


def _path_group(case: Any) -> str:
    params = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    return unquote(str(params.get("error_group_id", "")))


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@pytest.mark.destructive
def test_stateful_links(target: Target) -> None:
    schema.config.update(base_url=target.base_url)
    machine: Any = Workflow
    if target.is_live and target.readonly:
        pytest.skip("the link workflow resolves and deletes groups; --live-readonly is set")
    Workflow.target = target
    Workflow.statuses.clear()
    Workflow.operations.clear()
    budget = budgets.current()
    machine.run(
        settings=settings(
            max_examples=budget.stateful_examples,
            stateful_step_count=budget.stateful_steps,
            deadline=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        )
    )
    print(  # visible with -s / -rP: what the links actually reached
        f"stateful: statuses={dict(Workflow.statuses)} operations={dict(Workflow.operations)} "
        f"link-fed cursors={Workflow.link_fed_cursors}"
    )
    successes = sum(count for status, count in Workflow.statuses.items() if 200 <= status < 300)
    # Guard against a vacuous run (e.g. every call 401 with a wrong key still "passes" every check).
    assert successes > 0, f"no 2xx answer in the whole stateful run: {dict(Workflow.statuses)}"
    destructive_seen = set(Workflow.operations) & DESTRUCTIVE
    assert destructive_seen, f"the links never reached a group action: {dict(Workflow.operations)}"
