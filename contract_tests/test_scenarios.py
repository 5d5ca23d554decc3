"""Small, readable scenarios, one rule each. Those resting on x-inferred decisions carry `inferred(...)`, so
a live run reports their failures as divergences naming exactly which decision the service contradicts."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests

from .client import Client, check
from .model import CSV_HEADER
from .scenario import RUN_TAG, CaptureSpec, Scope
from .spec import OPERATIONS
from .target import Target


class Scenario:
    """A fresh tracker (mock) or a fresh scope (live), with capture helpers."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.key = target.fresh_key()
        self.api: Client = target.client(self.key)
        self.scope: Scope = target.scope()

    def body(self, body: dict[str, object], isolate: bool = False) -> dict[str, object]:
        """On live: tag and prefix; `isolate` adds a scenario fingerprint (for stack/custom grouping)."""
        family = "custom:0" if isolate else "message:0"
        return self.scope.body(CaptureSpec("errors_capture", family, body))

    def capture(
        self, body: dict[str, object], isolate: bool = False, key: str | None = None
    ) -> dict[str, object]:
        result = self.api.capture(self.body(body, isolate), idempotency_key=key).expect(200)
        if self.target.is_live and result["is_new_group"]:
            self.target.owned_groups.add(str(result["error_group_id"]))
        return dict(result)

    def group(self, group_id: object) -> dict[str, object]:
        return dict(self.api.group_detail(str(group_id)).expect(200))

    def filter(self, raw: dict[str, object] | None = None) -> dict[str, object] | None:
        return self.scope.filter(raw)


@pytest.fixture
def sc(target: Target) -> Scenario:
    return Scenario(target)


def error_code(reply: object) -> object:
    body = getattr(reply, "body", None)
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


# -- grouping ------------------------------------------------------------------------------------------------


@pytest.mark.inferred("grouping: normalized message", note="numbers, uuids, emails, ... are normalized away")
def test_normalized_messages_group_together(sc: Scenario) -> None:
    a = sc.capture({"message": "user 123 not found"})
    b = sc.capture({"message": "user 456 not found"})
    c = sc.capture({"message": "user 789 not found"})
    d = sc.capture({"message": "account 7 locked by admin@example.org"})
    check(
        a["error_group_id"] == b["error_group_id"] == c["error_group_id"],
        "errors_capture",
        "one group for 'user <n> not found'",
        [a, b, c],
        "grouping",
    )
    check(
        d["error_group_id"] != a["error_group_id"],
        "errors_capture",
        "a different message, a different group",
        [a, d],
        "grouping",
    )
    check(
        (a["is_new_group"], b["is_new_group"]) == (True, False),
        "errors_capture",
        "is_new_group true then false",
        [a, b],
        "CaptureResult.is_new_group",
    )
    group = sc.group(a["error_group_id"])
    check(group["count"] == 3, "errors_group_detail", "count 3", group["count"], "ErrorGroup.count")
    u1 = sc.capture({"message": "order e7a3c2a0-3d41-4a7e-9d1b-5b9a1b0e6c11 lost"})
    u2 = sc.capture({"message": "order 0b5f7c9e-1d2a-4c3b-8e4f-6a7b8c9d0e1f lost"})
    check(
        u1["error_group_id"] == u2["error_group_id"] != a["error_group_id"],
        "errors_capture",
        "uuids normalize together (and apart from numbers)",
        [u1, u2],
        "grouping",
    )


@pytest.mark.inferred("grouping: stack frames", "grouping: explicit fingerprint")
def test_stack_and_fingerprint_grouping(sc: Scenario) -> None:
    def stack(line: int) -> str:
        frame = f'  File "app/pay.py", line {line}, in charge\n    x()\n'
        return f"Traceback (most recent call last):\n{frame}ValueError: no\n"

    a = sc.capture({"exception": {"type": "ValueError", "message": "first", "stacktrace": stack(10)}}, True)
    b = sc.capture(
        {"exception": {"type": "ValueError", "message": "second, other", "stacktrace": stack(99)}}, True
    )
    check(
        a["error_group_id"] == b["error_group_id"],
        "errors_capture",
        "one group: same type and frames, line numbers ignored",
        [a, b],
        "grouping",
    )
    f1 = sc.capture({"message": "alpha", "fingerprint": ["checkout-flow"]}, True)
    f2 = sc.capture({"message": "totally different beta", "fingerprint": ["checkout-flow"]}, True)
    check(
        f1["error_group_id"] == f2["error_group_id"],
        "errors_capture",
        "one group for one explicit fingerprint",
        [f1, f2],
        "CaptureRequest.fingerprint",
    )


# -- lifecycle -----------------------------------------------------------------------------------------------


@pytest.mark.destructive
@pytest.mark.inferred("ErrorGroup.substatus", "lifecycle: regression, ignored keeps counting")
def test_lifecycle_regression_and_ignore(sc: Scenario) -> None:
    first = sc.capture({"message": "disk 1 full"})
    gid = str(first["error_group_id"])

    def state() -> tuple[object, object, object]:
        g = sc.group(gid)
        return g["status"], g["substatus"], g["count"]

    check(state() == ("unresolved", "new", 1), "errors_capture", "a new group: unresolved/new", state())
    resolved = sc.api.set_status("resolve", gid).expect(200)
    again = sc.api.set_status("resolve", gid, {"error_group_id": gid}).expect(200)
    check(
        resolved == again and resolved["status"] == "resolved" and resolved["substatus"] is None,
        "errors_resolve",
        "resolved/null, and the same again (idempotent)",
        [resolved, again],
    )
    sc.capture({"message": "disk 2 full"})
    check(
        state() == ("unresolved", "regressed", 2),
        "errors_capture",
        "an event in a resolved group: unresolved/regressed",
        state(),
        "ErrorGroup.substatus",
    )
    sc.api.set_status("ignore", gid).expect(200)
    sc.capture({"message": "disk 3 full"})
    check(
        state() == ("ignored", "archived_forever", 3),
        "errors_capture",
        "an event in an ignored group: still ignored, counted",
        state(),
        "ErrorGroup.substatus",
    )
    sc.api.set_status("unresolve", gid).expect(200)
    check(
        state() == ("unresolved", "ongoing", 3),
        "errors_unresolve",
        "unresolved/ongoing",
        state(),
        "ErrorGroup.substatus",
    )
    sc.api.set_status("unresolve", gid).expect(200)
    check(state() == ("unresolved", "ongoing", 3), "errors_unresolve", "no change (idempotent)", state())


@pytest.mark.destructive
def test_group_action_body_must_name_the_path_group(sc: Scenario) -> None:
    gid = str(sc.capture({"message": "queue 5 stalled"})["error_group_id"])
    reply = sc.api.set_status("resolve", gid, {"error_group_id": "grp_someone_else"})
    reply.expect(400)
    check(sc.group(gid)["status"] == "unresolved", "errors_resolve", "no change after the 400", sc.group(gid))


@pytest.mark.destructive
@pytest.mark.inferred("DeleteResult", "delete opens a new group")
def test_delete_cascades_and_regroups(sc: Scenario) -> None:
    a = sc.capture({"message": "cache 1 miss"})
    b = sc.capture({"message": "cache 2 miss"})
    gid = str(a["error_group_id"])
    result = sc.api.delete(gid).expect(200)
    check(
        result == {"ok": True, "error_group_id": gid, "deleted_events": 2},
        "errors_delete",
        "ok, the id and deleted_events=2",
        result,
        "DeleteResult",
    )
    sc.api.group_detail(gid).expect(404)
    sc.api.events(gid).expect(404)
    for event in (a, b):
        sc.api.get(str(event["error_id"])).expect(404)
    listed = sc.api.list(sc.filter()).expect(200)
    check(listed["items"] == [], "errors_list", "no events of the deleted group", listed)
    again = sc.capture({"message": "cache 3 miss"})
    check(
        again["error_group_id"] != gid and again["is_new_group"] is True,
        "errors_capture",
        "a new group with a new id",
        again,
        "grouping",
    )
    group = sc.group(again["error_group_id"])
    check(
        (group["count"], group["status"], group["substatus"]) == (1, "unresolved", "new"),
        "errors_group_detail",
        "count 1, unresolved/new",
        group,
    )
    sc.api.delete(gid).expect(404)


@pytest.mark.destructive
@pytest.mark.inferred("BulkRequest.error_group_ids", "ErrorBulkResult")
def test_bulk_bounds_and_unknown_ids(sc: Scenario) -> None:
    reply = sc.api.bulk([], "resolve")
    reply.expect(400)
    check(error_code(reply) == "INVALID_REQUEST", "errors_bulk", "INVALID_REQUEST for []", reply.body)
    sc.api.bulk([f"grp_missing_{n}" for n in range(1001)], "resolve").expect(400)
    gid = str(sc.capture({"message": "bulk 1 target"})["error_group_id"])
    unknown = "grp_ffffffffffff0000"
    result = sc.api.bulk([unknown, gid], "ignore").expect(200)
    check(result["succeeded"] == [gid], "errors_bulk", f"succeeded [{gid}]", result)
    check(
        [(f["error_group_id"], f["code"]) for f in result["failed"]] == [(unknown, "NOT_FOUND")],
        "errors_bulk",
        "the unknown id failed with NOT_FOUND",
        result,
    )
    check(sc.group(gid)["status"] == "ignored", "errors_bulk", "the group ignored", sc.group(gid))
    ids = [f"grp_missing_{n}" for n in range(999)] + [gid]
    result = sc.api.bulk(ids, "delete").expect(200)
    check(
        result["succeeded"] == [gid] and len(result["failed"]) == 999,
        "errors_bulk",
        "1000 ids accepted: one deleted, 999 NOT_FOUND",
        {"succeeded": result["succeeded"]},
    )
    sc.api.group_detail(gid).expect(404)


# -- idempotency ---------------------------------------------------------------------------------------------


@pytest.mark.inferred("CaptureResult.duplicate", "parameter IdempotencyKey")
def test_idempotency_keys(sc: Scenario) -> None:
    key = sc.scope.idempotency_key(1)
    first = sc.capture({"message": "charge 1 failed"}, key=key)
    again = sc.capture({"message": "charge 2 failed, different body"}, key=key)
    check(
        again == {**first, "duplicate": True},
        "errors_capture",
        "the first result with duplicate=true",
        again,
        "CaptureResult.duplicate",
    )
    check(
        sc.group(first["error_group_id"])["count"] == 1,
        "errors_capture",
        "nothing new stored",
        sc.group(first["error_group_id"]),
    )
    body_key, header_key = sc.scope.idempotency_key(2), sc.scope.idempotency_key(3)
    text = sc.scope.prefix + "msg idem"
    tags = {RUN_TAG: sc.scope.tag} if sc.target.is_live else {}
    m1 = sc.api.message({"text": text, "idempotency_key": body_key, "tags": tags}).expect(200)
    m2 = sc.api.message({"text": text, "idempotency_key": body_key, "tags": tags}).expect(200)
    check(m2 == {**m1, "duplicate": True}, "errors_message", "the body's idempotency_key deduplicates", m2)
    m3 = sc.api.message({"text": text, "idempotency_key": body_key, "tags": tags}, idempotency_key=header_key)
    m3_body = m3.expect(200)
    check(
        m3_body["duplicate"] is False,
        "errors_message",
        "the header wins over the body key (a new event)",
        m3_body,
        "parameter IdempotencyKey",
    )


# -- paging, filters, search ---------------------------------------------------------------------------------


@pytest.mark.inferred("parameter Limit")
def test_limit_bounds_and_default(sc: Scenario) -> None:
    for op, call in (("errors_list", sc.api.list), ("errors_groups", sc.api.groups)):
        for bad in (0, 101):
            reply = call(limit=bad)
            reply.expect(400)
            check(error_code(reply) == "INVALID_REQUEST", op, f"INVALID_REQUEST for limit={bad}", reply.body)
    for n in range(51):
        sc.capture({"message": f"page filler {n}"})
    page = sc.api.list(sc.filter()).expect(200)
    check(
        len(page["items"]) == 50 and page["next_cursor"],
        "errors_list",
        "50 items and a cursor by default",
        len(page["items"]),
        "parameter Limit",
    )
    rest = sc.api.list(sc.filter(), cursor=page["next_cursor"]).expect(200)
    check(
        len(rest["items"]) == 1 and rest["next_cursor"] is None,
        "errors_list",
        "the 51st on the last page",
        rest,
    )


@pytest.mark.inferred("Cursor")
def test_cursor_bound_to_its_query(sc: Scenario) -> None:
    for n in range(3):
        sc.capture({"message": f"cursor bound {n}", "level": "warning"})
    page = sc.api.list(sc.filter({"level": "warning"}), limit=1).expect(200)
    check(page["next_cursor"] is not None, "errors_list", "a next_cursor", page)
    sc.api.list(sc.filter({"level": "error"}), cursor=page["next_cursor"], limit=1).expect(400)
    sc.api.list(sc.filter({"level": "warning"}), cursor="not-a-cursor").expect(400)


@pytest.mark.inferred("ErrorFilter")
def test_filter_rules(sc: Scenario) -> None:
    sc.capture({"message": "filter a 1", "level": "error", "environment": "production", "tags": {"svc": "a"}})
    sc.capture({"message": "filter b 2", "level": "info", "environment": "staging", "tags": {"svc": "b"}})
    sc.capture({"message": "filter c 3", "level": "fatal", "tags": {"svc": "c"}})

    def messages(raw: dict[str, object]) -> list[str]:
        items = sc.api.list(sc.filter(raw)).expect(200)["items"]
        return sorted(str(item["message"]).removeprefix(sc.scope.prefix) for item in items)

    check(
        messages({"level": "error"}) == ["filter a 1"],
        "errors_list",
        "scalar = equals",
        messages({"level": "error"}),
    )
    check(
        messages({"level": ["error", "fatal"]}) == ["filter a 1", "filter c 3"],
        "errors_list",
        "list = any of",
        messages({"level": ["error", "fatal"]}),
        "ErrorFilter",
    )
    check(
        messages({"level": ["error", "info"], "tags.svc": "b"}) == ["filter b 2"],
        "errors_list",
        "keys ANDed",
        messages({"level": ["error", "info"], "tags.svc": "b"}),
        "ErrorFilter",
    )
    for bad in ({"nope": "x"}, {"level": "loud"}, {"level": []}, {"since": "yesterday"}):
        reply = sc.api.list(sc.filter(bad))
        check(reply.status == 400, "errors_list", f"400 for filter {bad}", reply.text, "ErrorFilter")
    raw = sc.api.call("errors_list", query={"filter": "{not json"})
    check(raw.status == 400, "errors_list", "400 for a filter that is not JSON", raw.text)


@pytest.mark.inferred("search: key:value tokens, case-insensitive substrings")
def test_search_tokens(sc: Scenario) -> None:
    sc.capture({"message": "Payment TIMEOUT at gateway", "level": "error", "tags": {"svc": "Checkout"}})
    sc.capture({"message": "payment ok", "level": "info", "tags": {"svc": "checkout"}})
    sc.capture({"exception": {"type": "TimeoutError", "message": "upstream slow"}, "level": "warning"})

    def found(q: str) -> list[str]:
        items = sc.api.search(q, sc.filter()).expect(200)["items"]
        return sorted(str(item["message"]).removeprefix(sc.scope.prefix) for item in items)

    check(
        found("timeout") == ["Payment TIMEOUT at gateway", "upstream slow"],
        "errors_search",
        "case-insensitive substring of message or exception type",
        found("timeout"),
    )
    check(
        found("timeout level:error") == ["Payment TIMEOUT at gateway"],
        "errors_search",
        "key:value tokens filter",
        found("timeout level:error"),
    )
    check(
        found("CHECKOUT pay") == ["Payment TIMEOUT at gateway", "payment ok"],
        "errors_search",
        "every token must match (tag values are searched)",
        found("CHECKOUT pay"),
    )
    check(
        found("is:unresolved ok") == ["payment ok"], "errors_search", "is:<status>", found("is:unresolved ok")
    )
    sc.api.call("errors_search", query={"filter": json.dumps(sc.filter())}).expect(400)  # q is required


# -- export, retention ---------------------------------------------------------------------------------------


@pytest.mark.inferred("ErrorExportResult", note="CSV header, RFC 4180 quoting, CRLF")
def test_export_csv_round_trip(sc: Scenario) -> None:
    messages = ["comma, here", 'quote "here"', "newline\nhere", "ünïcode ошибка", "plain"]
    for message in messages:
        sc.capture({"message": message, "tags": {"note": 'a,"b"'}, "code": "E,1"})
    listed = sc.api.list(sc.filter()).expect(200)["items"]
    result = sc.api.export(sc.filter(), "csv").expect(200)
    check(result["row_count"] == 5, "errors_export", "row_count 5", result["row_count"])
    rows = list(csv.reader(io.StringIO(result["csv"], newline="")))
    check(rows[0] == CSV_HEADER, "errors_export", f"header {CSV_HEADER}", rows[0], "ErrorExportResult")
    check(
        [row[0] for row in rows[1:]] == [item["id"] for item in listed],
        "errors_export",
        "the ids of errors.list, in its order",
        rows,
    )
    check(
        [row[4] for row in rows[1:]] == [item["message"] for item in listed],
        "errors_export",
        "messages round-trip through CSV quoting",
        [row[4] for row in rows[1:]],
    )
    check(
        all(json.loads(row[10]).get("note") == 'a,"b"' and row[5] == "E,1" for row in rows[1:]),
        "errors_export",
        "tags (JSON) and code round-trip",
        rows[1:],
    )
    as_json = sc.api.export(sc.filter()).expect(200)
    check(
        as_json["events"] == listed and as_json["format"] == "json",
        "errors_export",
        "format json by default, the events of errors.list",
        as_json,
    )
    sc.api.export({"nope": 1}).expect(400)


@pytest.mark.destructive
@pytest.mark.inferred("Retention.days", "RetentionUpdate")
def test_retention_round_trip(sc: Scenario) -> None:
    current = sc.api.retention().expect(200)
    if sc.target.is_live:
        again = sc.api.set_retention(dict(current)).expect(200)
        check(again == current, "errors_retention_set", "the same settings back", again)
        return
    check(
        current == {"days": 90, "auto_export_before_cleanup": False, "export_destination": None},
        "errors_retention_get",
        "the default: 90 days, no auto export",
        current,
        "Retention.days",
    )
    full = {"days": 30, "auto_export_before_cleanup": True, "export_destination": "s3://bucket/x/"}
    check(sc.api.set_retention(full).expect(200) == full, "errors_retention_set", f"{full}", full)
    kept = sc.api.set_retention({"days": 45}).expect(200)
    check(kept == {**full, "days": 45}, "errors_retention_set", "omitted fields keep their values", kept)
    cleared = sc.api.set_retention({"days": 45, "export_destination": None}).expect(200)
    check(
        cleared["export_destination"] is None,
        "errors_retention_set",
        "an explicit null clears the destination",
        cleared,
        "RetentionUpdate",
    )
    for bad in (0, 3651, 2.5, "30"):
        sc.api.set_retention({"days": bad}).expect(400)
    check(
        sc.api.retention().expect(200)["days"] == 45,
        "errors_retention_get",
        "unchanged after 400s",
        sc.api.retention().body,
    )


# -- auth, errors, tenants -----------------------------------------------------------------------------------


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_operation_requires_auth(sc: Scenario, operation_id: str) -> None:
    op = OPERATIONS[operation_id]
    path = {"event_id": "evt_x", "error_group_id": "grp_x"}
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}):
        body = {} if op.method in ("POST", "PUT") else None
        reply = sc.api.call(operation_id, path=path, body=body, headers=headers, auth=False)
        check(
            reply.status == 401, operation_id, f"401 for {op.label} with {headers or 'no auth'}", reply.text
        )
        reply.conforms()
        check(
            error_code(reply) == "UNAUTHORIZED",
            operation_id,
            "code UNAUTHORIZED",
            reply.body,
            "ErrorResponse",
        )


@pytest.mark.inferred("ErrorResponse")
def test_not_found_envelope(sc: Scenario) -> None:
    for reply in (sc.api.get("evt_0000000000000000"), sc.api.group_detail("grp_0000000000000000")):
        body = reply.expect(404)
        check(
            body["ok"] is False and body["error"]["code"] == "NOT_FOUND",
            reply.operation,
            "the ErrorResponse envelope with NOT_FOUND",
            body,
            "ErrorResponse",
        )


@pytest.mark.mock_only
def test_keys_are_isolated_tenants(target: Target) -> None:
    one, two = Scenario(target), Scenario(target)
    result = one.capture({"message": "tenant 1 secret"})
    two.api.get(str(result["error_id"])).expect(404)
    two.api.group_detail(str(result["error_group_id"])).expect(404)
    check(two.api.list().expect(200)["items"] == [], "errors_list", "another key sees nothing", "items")
    unknown = target.client("not-in-the-allow-list")
    unknown.list().expect(401)


@pytest.mark.mock_only
def test_oversized_body_is_413(sc: Scenario) -> None:
    big = {"message": "x" * 8000, "tags": {f"k{n}": "v" * 250 for n in range(50)}, "stack": "s" * 262144}
    body = {**big, "stack": big["stack"] + "y" * (1 << 20)}
    response = requests.post(
        f"{sc.target.base_url}/v1/errors/capture",
        json=body,
        headers={"Authorization": f"Bearer {sc.key}"},
        timeout=30,
    )
    check(response.status_code == 413, "errors_capture", "413 for a body over max_body", response.text[:200])
    check(
        response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE",
        "errors_capture",
        "PAYLOAD_TOO_LARGE",
        response.text[:200],
    )
