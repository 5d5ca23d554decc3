"""Layer 1: schemathesis per operation — examples, coverage and fuzzing phases, positive and negative.

Every built-in check runs (they are all enabled by default; none is excluded). The two stateful resource
checks (`use_after_free`, `ensure_resource_availability`) only act in stateful runs (test_stateful.py).

* Generated cursors are dropped (`map_case`): an opaque cursor cannot be generated, a random one is rightly
  rejected with 400 and that would both fail `positive_data_acceptance` and hide other bugs behind the 400.
  `test_real_cursors` feeds real cursors through the same checks instead.
* Against live, bodies carry the run tag and destructive calls only name this run's groups (live_guard.py);
  `errors_retention_set` is never fuzzed there (a short retention would purge the account's real data).
  A `response_schema_conformance` failure whose every problem lies in an `x-inferred` schema is a divergence
  (reported, xfailed) rather than a plain failure.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, ClassVar

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import JsonSchemaError

from . import budgets, live_guard, plugin
from .client import check
from .hooks import CURSOR_OPERATIONS, align_group_action_body, is_positive, operation_id
from .scenario import letters
from .spec import DESTRUCTIVE, SPEC_PATH, schema_findings
from .target import Target

schema = schemathesis.openapi.from_path(SPEC_PATH)
NEVER_FUZZED_LIVE = {"errors_retention_set": "would change the account's retention and purge real data"}
SUPPRESSED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


@schema.hook("map_case")
def drop_generated_cursor(ctx: Any, case: Any) -> Any:
    # `map_case` runs in the examples, coverage and fuzzing phases (`map_query` does not run in coverage).
    # Positive cases only: in a negative case the cursor may be the negated part, and dropping it would turn
    # the case valid (a false ST201); a negative case is rejected either way.
    if operation_id(case) in CURSOR_OPERATIONS and is_positive(case) and isinstance(case.query, dict):
        case.query.pop("cursor", None)
    return case


@schema.hook("map_case")
def group_action_body_names_path_group(ctx: Any, case: Any) -> Any:
    align_group_action_body(case)
    return case


@schema.auth(refresh_interval=None, retry_on=[])
class TargetKey:
    """Auth through schemathesis itself, so it knows the credentials are explicit: negative cases that drop
    the Authorization header go out without it (and must get 401), and the `ignored_auth` probes run."""

    key: ClassVar[str] = ""

    def get(self, case: Any, ctx: Any) -> str:
        return self.key

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(autouse=True)
def _schema_auth(target: Target) -> None:
    TargetKey.key = target.api_key


def auth(target: Target, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key or target.api_key}"}


def call_and_check(case: Any, target: Target, item: pytest.Item, key: str | None = None) -> Any:
    """Send a case, run every check; against live, failures inside x-inferred schemas are divergences."""
    op = operation_id(case)
    if target.is_live:
        path, body = live_guard.guard(op, case.path_parameters, case.body, target)
        if path is not case.path_parameters:
            case.path_parameters = path
        if body is not case.body:
            case.body = body
        align_group_action_body(case)  # the guard may have replaced the path's id
        headers = live_guard.guard_headers(case.headers, target)
        if headers is not case.headers:
            case.headers = headers
    # `key` (an explicit header) only for hand-built positive cases under another tenant's key.
    headers = auth(target, key) if key else None
    response = case.call(base_url=target.base_url, headers=headers)
    try:
        case.validate_response(response, headers=headers, transport_kwargs={"base_url": target.base_url})
    except FailureGroup as group:
        if not target.is_live or not _only_inferred_schema_failures(group, op, response, item):
            raise
    if target.is_live:
        live_guard.learn(op, response.status_code, _json(response), target)
    return response


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _only_inferred_schema_failures(group: FailureGroup, op: str, response: Any, item: pytest.Item) -> bool:
    if not all(isinstance(failure, JsonSchemaError) for failure in group.exceptions):
        return False
    findings = schema_findings(op, response.status_code, _json(response))
    if not findings or not all(finding.inferred for finding in findings):
        return False
    for finding in findings:
        assert finding.inferred is not None
        plugin.record(
            item,
            plugin.Divergence(
                test=item.nodeid,
                operation=op,
                assumed=f"{finding.pointer} ({finding.inferred.note or 'x-inferred'})",
                observed=f"HTTP {response.status_code} {finding.describe()}",
                inferred=finding.name,
            ),
        )
    return True


@schema.parametrize()
@settings(max_examples=budgets.current().schema_examples, suppress_health_check=SUPPRESSED)
def test_operation_conforms(case: Any, target: Target, request: pytest.FixtureRequest) -> None:
    op = operation_id(case)
    if target.is_live and op in NEVER_FUZZED_LIVE:
        pytest.skip(f"{op} is never fuzzed against live: it {NEVER_FUZZED_LIVE[op]}")
    if target.is_live and target.readonly and op in DESTRUCTIVE:
        pytest.skip(f"{op} changes data; --live-readonly is set")
    call_and_check(case, target, request.node)


# -- real cursors --------------------------------------------------------------------------------------------


def _seed_events(target: Target, key: str, count: int, walk: str) -> str:
    """Capture `count` events in two groups (3 exceptions, the rest messages); return the exception group.

    `walk` (letters) is unique per call: on live, where every test shares one key, it keeps each walk's events
    and groups apart (message normalisation leaves letters alone)."""
    client = target.client(key)
    group_id = ""
    for n in range(count):
        body = {"message": f"cursor walk {walk} {n}", "tags": {"walk": walk, **target.run_tag}}
        if n % 3 == 0:
            body = {"exception": {"type": "CursorError", "message": f"walk {walk} {n}"}, "tags": body["tags"]}
        reply = client.capture(body)
        result = reply.expect(200)
        live_guard.learn("errors_capture", 200, result, target)
        group_id = group_id or result["error_group_id"]
    return group_id


def _first_page(target: Target, op: str, limit: int, group_id: str, walk: str) -> tuple[dict[str, Any], Any]:
    query: dict[str, Any] = {"limit": limit}
    path: dict[str, Any] = {}
    if op in ("errors_list", "errors_search"):
        # A hand-built case carries the wire form of a `content: application/json` query parameter.
        query["filter"] = json.dumps({"tags.walk": walk, "tags.infrai_contract_run": target.run_id})
    if op == "errors_search":
        query["q"] = f"walk {walk}"
    if op == "errors_events":
        path["error_group_id"] = group_id
    operation = schema.find_operation_by_id(op)
    return query, operation.Case(query=query, path_parameters=path or None)


@pytest.mark.parametrize("op", CURSOR_OPERATIONS)
def test_real_cursors(op: str, target: Target, request: pytest.FixtureRequest) -> None:
    """Walk every list operation with real cursors, each page through every schemathesis check."""
    key = target.fresh_key()
    marker = letters(uuid.uuid4().hex[:12])
    group_id = _seed_events(target, key, 7, marker)

    @settings(max_examples=budgets.current().cursor_examples, suppress_health_check=SUPPRESSED, deadline=None)
    @st_given_limit
    def walk(limit: int) -> None:
        query, case = _first_page(target, op, limit, group_id, marker)
        seen: list[str] = []
        for _ in range(50):
            response = call_and_check(case, target, request.node, key=key)
            body = response.json()
            check(response.status_code == 200, op, "HTTP 200 for a real cursor", response.text)
            seen += [item["id"] for item in body["items"]]
            if body["next_cursor"] is None:
                break
            case = case.operation.Case(
                query={**query, "cursor": body["next_cursor"]}, path_parameters=case.path_parameters
            )
        check(len(seen) == len(set(seen)), op, "every item once across pages", seen)
        if not target.is_live or op != "errors_groups":
            expected = {"errors_groups": 2, "errors_events": 3}.get(op, 7)
            check(len(seen) == expected, op, f"{expected} items across all pages", seen)

    walk()


def st_given_limit(function: Any) -> Any:
    return given(st.integers(1, 4) | st.sampled_from([1, 100]))(function)
