"""Layer 3: a Hypothesis state machine drives the target over HTTP and checks it against the reference model.

What layers 1 and 2 cannot see: grouping (families), exact aggregates, the lifecycle incl. regression, ignored
groups still counting, delete cascades, bulk with unknown ids, idempotency keys, every page of every list
walked (with captures in between) visiting each item exactly once, filters, search, export (CSV parsed back)
and retention. Each example is a fresh scenario: a fresh API key against the mock, a fresh scope tag against
live (every comparison then narrowed to that tag; destructive rules only touch the scenario's own groups).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from . import budgets
from .client import Client, check, mismatch
from .model import CSV_HEADER, MEvent, MGroup, Model, parse_csv_tags, parse_ts, same_order
from .scenario import (
    BY_KEY,
    ENVIRONMENTS,
    LEVELS,
    RELEASES,
    TAG_POOL,
    USERS,
    CaptureSpec,
    Scope,
    capture_specs,
)
from .target import Target

ACTIONS = ("resolve", "unresolve", "ignore")
SORTS = ("last_seen_desc", "first_seen_desc", "count_desc")
STATUSES = ("unresolved", "resolved", "ignored")
LIMITS = st.integers(1, 4) | st.sampled_from([None, 100])
MAX_LIVE_GROUP_PAGES = 20


class ErrorsModel(RuleBasedStateMachine):
    target: ClassVar[Target]

    @initialize()
    def start(self) -> None:
        self.key = self.target.fresh_key()
        self.api: Client = self.target.client(self.key)
        self.scope: Scope = self.target.scope()
        self.model = Model()
        self.idempotent: list[tuple[str, dict[str, Any], str | None, dict[str, Any]]] = []
        self.counter = 0
        self.destructive = not (self.target.is_live and self.target.readonly)
        if self.target.is_live:  # a live account's retention is whatever it is: start from it
            self.model.retention = self.api.retention().expect(200)

    # -- helpers ---------------------------------------------------------------------------------------------
    # Ids and timestamps differ from run to run, so nothing drawn may depend on them (or on how many there
    # are): Hypothesis replays a failing example against a new server and would call it flaky. Choices over
    # service state draw a state-independent integer and index with it.

    @staticmethod
    def _pick(data: st.DataObject, items: list[Any]) -> Any:
        return items[data.draw(st.integers(0, 1 << 16)) % len(items)]

    @staticmethod
    def _some(data: st.DataObject, items: list[Any], at_most: int) -> list[Any]:
        mask = data.draw(st.integers(0, (1 << 16) - 1))
        chosen = [item for index, item in enumerate(items[:16]) if mask >> index & 1][:at_most]
        data.draw(st.randoms(use_true_random=False)).shuffle(chosen)
        return chosen

    def _capture(self, spec: CaptureSpec, idempotent: bool = False) -> MEvent:
        body = self.scope.body(spec)
        header_key = None
        if idempotent:
            self.counter += 1
            key = self.scope.idempotency_key(self.counter)
            if spec.operation == "errors_message" and self.counter % 2:
                body["idempotency_key"] = key
            else:
                header_key = key
        send = self.api.message if spec.operation == "errors_message" else self.api.capture
        result = send(body, idempotency_key=header_key).expect(200)
        op = spec.operation
        known = self.model.by_family.get(spec.family)
        seen_before = result["error_group_id"] in self.model.ever_group_ids
        doc = self.api.get(result["error_id"]).expect(200)
        newest = max(self.model.events, key=lambda event: event.ts) if self.model.events else None
        # Into the model first, so a failing check below leaves model and service in step (teardown compares).
        event = self.model.add_event(spec.family, doc)
        if idempotent:
            self.idempotent.append((op, body, header_key, result))
        if self.target.is_live and result["is_new_group"]:
            self.target.owned_groups.add(result["error_group_id"])
        check(
            result["duplicate"] is False,
            op,
            "duplicate=false for a new event",
            result,
            "CaptureResult.duplicate",
        )
        if known is None:
            check(
                result["is_new_group"] is True and not seen_before,
                op,
                f"a new group (is_new_group=true, unseen id) for the first event of family {spec.family}",
                result,
                "grouping",
            )
        else:
            check(
                result["error_group_id"] == known and result["is_new_group"] is False,
                op,
                f"group {known} (is_new_group=false): same family {spec.family} as earlier events",
                result,
                "grouping",
            )
        self._check_event_doc(doc, spec, body, result, newest)
        return event

    def _check_event_doc(
        self, doc: dict[str, Any], spec: CaptureSpec, body: dict[str, Any], result: Any, newest: MEvent | None
    ) -> None:
        op = "errors_get"
        exception = body.get("exception")
        if spec.operation == "errors_message":
            message, level, source = body["text"], body.get("level", "info"), "message"
        else:
            message = body.get("message") or (exception or {}).get("message") or (exception or {}).get("type")
            level, source = body.get("level", "error"), "capture"
        expected = {
            "id": result["error_id"],
            "error_group_id": result["error_group_id"],
            "message": message,
            "level": level,
            "source": source,
            "code": body.get("code"),
            "tags": body.get("tags", {}),
            "user_id": body.get("user_id"),
            "release": body.get("release"),
            "environment": body.get("environment"),
            "stack": body.get("stack") or (exception or {}).get("stacktrace"),
            "exception": None
            if exception is None
            else {
                "type": exception["type"],
                "message": exception.get("message"),
                "stacktrace": exception.get("stacktrace"),
            },
        }
        actual = {name: doc.get(name) for name in expected}
        check(
            actual == expected, op, f"the stored event to echo the capture: {expected}", actual, "ErrorEvent"
        )
        group = self.model.groups.get(result["error_group_id"])
        if group is not None:
            check(
                doc["fingerprint"] == group.events[0].doc["fingerprint"],
                op,
                "every event of a group to carry the group's fingerprint",
                doc["fingerprint"],
                "ErrorEvent.fingerprint",
            )
        if newest is not None:
            check(
                parse_ts(doc["timestamp"]) >= newest.ts,
                op,
                f"a timestamp not before the newest earlier event's ({newest.doc['timestamp']})",
                doc["timestamp"],
            )

    def _compare_group(self, doc: dict[str, Any], group: MGroup, op: str) -> None:
        expected = group.expected()
        actual = {name: doc.get(name) for name in expected}
        check(
            actual == expected, op, f"group {group.id} as the model has it: {expected}", actual, "ErrorGroup"
        )
        first = group.events[0].doc
        if first.get("exception") is None:
            lines = first["message"].strip().splitlines()
            title = lines[0].strip()[:256] if lines else ""
            check(
                doc["title"] == title,
                op,
                f"title {title!r} (first event's first line)",
                doc["title"],
                "title",
            )

    def _pick_group(self, data: st.DataObject) -> str:
        pool = list(self.model.groups) + list(self.model.deleted_groups)
        unknown = f"grp_{'0' * 15}{data.draw(st.integers(1, 9))}"  # never issued
        if not pool or data.draw(st.integers(0, 9)) == 0:
            return unknown
        return str(self._pick(data, pool))

    def _filter(self, data: st.DataObject, allow_status: bool = True) -> dict[str, Any] | None:
        events = self.model.events
        if not events or data.draw(st.integers(0, 3)) == 0:
            return None
        keys = [
            "level",
            "environment",
            "release",
            "user_id",
            "code",
            "error_group_id",
            "tags.service",
            "since",
        ]
        if allow_status:
            keys.append("status")
        chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=2, unique=True))
        result: dict[str, Any] = {}
        for key in chosen:
            if key == "since":
                since = self._pick(data, events).doc["timestamp"]
                result["since"] = since
                until = self._pick(data, events).doc["timestamp"]
                if data.draw(st.booleans()):
                    result["until"] = until  # possibly not after `since`: an empty window
                continue
            pools = {
                "level": LEVELS,
                "environment": ENVIRONMENTS,
                "status": STATUSES,
                "release": RELEASES,
                "user_id": USERS,
                "code": ("PAYMENT_DECLINED", "DB_TIMEOUT", "E_ONE", "NOPE"),
                "error_group_id": (),
                "tags.service": TAG_POOL["service"],
            }
            if key == "error_group_id":
                values = self._some(data, list(self.model.groups), 3) or ["grp_none"]
            else:
                values = data.draw(st.lists(st.sampled_from(pools[key]), min_size=1, max_size=3, unique=True))
            result[key] = values[0] if len(values) == 1 and data.draw(st.booleans()) else values
        return result

    def _search_query(self, data: st.DataObject) -> tuple[str, list[str], list[tuple[str, str]]]:
        terms: list[str] = []
        tokens: list[tuple[str, str]] = []
        events = self.model.events
        if events:
            for _ in range(data.draw(st.integers(0, 2))):
                event = self._pick(data, events)
                words = [w for w in " ".join(event.haystack()).split() if ":" not in w and '"' not in w]
                if not words:
                    continue
                word = self._pick(data, words)
                start = data.draw(st.integers(0, 1 << 16)) % len(word)
                term = word[start : start + data.draw(st.integers(1, 8))]
                terms.append(term.upper() if data.draw(st.booleans()) else term)
        if not terms or data.draw(st.booleans()):
            key = data.draw(st.sampled_from(["level", "environment", "is", "tags.service", "release"]))
            pools = {
                "level": LEVELS,
                "environment": ENVIRONMENTS,
                "is": STATUSES,
                "tags.service": TAG_POOL["service"],
            }
            value = data.draw(st.sampled_from(pools.get(key, RELEASES)))
            tokens.append((key, value.upper() if data.draw(st.booleans()) else value))
        if not terms and not tokens:
            terms = ["zzqx"]
        parts = terms + [f"{key}:{value}" for key, value in tokens]
        data.draw(st.randoms(use_true_random=False)).shuffle(parts)
        return " ".join(parts), terms, tokens

    def _walk(
        self, op: str, fetch: Any, limit: int | None, between: list[CaptureSpec], max_pages: int = 10_000
    ) -> list[dict[str, Any]]:
        """Follow next_cursor to the end, capturing `between` one by one at page boundaries.

        Items created by those captures may or may not show up (they did not exist when the walk started);
        they are dropped from the result, and every other item must be one the walk started with.
        """
        self.during: set[str] = set()
        self.captured_during = False
        self.walk_complete = True
        items: list[dict[str, Any]] = []
        cursor = None
        pending = list(between)
        for _ in range(max_pages):
            page = fetch(cursor=cursor, limit=limit).expect(200)
            if limit is not None:
                check(
                    len(page["items"]) <= limit,
                    op,
                    f"at most limit={limit} items per page",
                    len(page["items"]),
                )
            check(
                page["next_cursor"] is None or len(page["items"]) > 0,
                op,
                "no empty page before the last",
                page,
            )
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
            if pending:
                event = self._capture(pending.pop(0))
                self.during.add(event.id)
                self.captured_during = True
                if self.model.groups[event.group_id].count == 1:
                    self.during.add(event.group_id)
        else:
            if not self.target.is_live:
                raise mismatch(op, f"the last page within {max_pages} pages", "next_cursor never became null")
            self.walk_complete = False  # live: stopped at the page cap, the rest of the account unseen
        self.leftover = pending  # captured by `_flush` once the caller has compared the walk
        return [item for item in items if item["id"] not in self.during]

    def _flush(self) -> None:
        for spec in getattr(self, "leftover", []):
            self._capture(spec)
        self.leftover = []

    def _safe_between(self, specs: list[CaptureSpec], status_filtered: bool) -> list[CaptureSpec]:
        """Captures that keep the walk's starting set unchanged (an event can regress a resolved group)."""
        if not status_filtered:
            return specs
        result = []
        for spec in specs:
            group_id = self.model.by_family.get(spec.family)
            if group_id is None or self.model.groups[group_id].status != "resolved":
                result.append(spec)
        return result

    def _ids_equal(
        self, op: str, seen: list[dict[str, Any]], expected: list[MEvent] | list[MGroup], what: str
    ) -> None:
        seen_ids = [item["id"] for item in seen]
        want = [item.id for item in expected]
        check(len(seen_ids) == len(set(seen_ids)), op, f"{what}: every item exactly once", seen_ids)
        if expected and isinstance(expected[0], MEvent):
            events = [item for item in expected if isinstance(item, MEvent)]
            ok = same_order(seen, events)  # newest first; equal timestamps in any order
        else:
            ok = seen_ids == want
        check(ok, op, f"{what}: exactly {want}", seen_ids)

    # -- rules -----------------------------------------------------------------------------------------------

    @rule(spec=capture_specs(), idempotent=st.booleans())
    def capture(self, spec: CaptureSpec, idempotent: bool) -> None:
        self._capture(spec, idempotent)

    @rule(specs=st.lists(capture_specs(), min_size=2, max_size=6))
    def capture_burst(self, specs: list[CaptureSpec]) -> None:
        for spec in specs:
            self._capture(spec)

    @precondition(lambda self: bool(self.model.groups))
    @rule(data=st.data())
    def capture_into_existing_group(self, data: st.DataObject) -> None:
        """Another event for a group the scenario has: regression, ignored-still-counting, aggregates."""
        group = self._pick(data, list(self.model.groups.values()))
        self._capture(data.draw(capture_specs((BY_KEY[group.family],))))

    @precondition(lambda self: bool(self.idempotent))
    @rule(data=st.data())
    def replay_idempotent(self, data: st.DataObject) -> None:
        op, body, header_key, first = self._pick(data, self.idempotent)
        send = self.api.message if op == "errors_message" else self.api.capture
        again = send(body, idempotency_key=header_key).expect(200)
        check(
            again == {**first, "duplicate": True},
            op,
            f"the first result again with duplicate=true: {first}",
            again,
            "idempotency",
        )
        group = self.model.groups.get(first["error_group_id"])
        if group is not None:
            doc = self.api.group_detail(group.id).expect(200)
            check(
                doc["count"] == group.count,
                op,
                f"nothing stored on replay (count {group.count})",
                doc["count"],
            )

    @precondition(lambda self: self.destructive)
    @rule(data=st.data(), action=st.sampled_from(ACTIONS))
    def set_status(self, data: st.DataObject, action: str) -> None:
        group_id = self._pick_group(data)
        op = f"errors_{action}"
        body = {"error_group_id": group_id} if data.draw(st.booleans()) else None
        reply = (
            self.api.set_status(action, group_id)
            if body is None
            else self.api.set_status(action, group_id, body)
        )
        if group_id not in self.model.groups:
            error = reply.expect(404)
            check(error["error"]["code"] == "NOT_FOUND", op, "code NOT_FOUND", error)
            return
        first = reply.expect(200)
        self.model.set_status(group_id, action)
        self._compare_group(first, self.model.groups[group_id], op)
        second = self.api.set_status(action, group_id).expect(200)
        check(second == first, op, "the same group again (idempotent)", second, "idempotent lifecycle")

    @precondition(lambda self: self.destructive)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        group_id = self._pick_group(data)
        if group_id not in self.model.groups:
            self.api.delete(group_id).expect(404)
            return
        result = self.api.delete(group_id).expect(200)
        group = self.model.delete(group_id)
        check(
            result["error_group_id"] == group_id and result["deleted_events"] == group.count,
            "errors_delete",
            f"error_group_id={group_id}, deleted_events={group.count}",
            result,
            "DeleteResult",
        )
        self._check_gone(group)

    def _check_gone(self, group: MGroup) -> None:
        self.api.group_detail(group.id).expect(404)
        self.api.events(group.id).expect(404)
        for event in group.events[-3:]:
            reply = self.api.get(event.id)
            check(reply.status == 404, "errors_get", f"404 for event {event.id} of deleted group", reply.text)

    @precondition(lambda self: self.destructive)
    @rule(data=st.data(), action=st.sampled_from((*ACTIONS, "delete")))
    def bulk(self, data: st.DataObject, action: str) -> None:
        known = self._some(data, list(self.model.groups), 16)
        unknown = self._some(data, list(self.model.deleted_groups), 2)
        unknown += [f"grp_{'f' * 12}{n:04d}" for n in range(data.draw(st.integers(0, 2)))]
        if not known and not unknown:
            unknown = ["grp_ffffffffffff9999"]
        ids = known + unknown
        data.draw(st.randoms(use_true_random=False)).shuffle(ids)
        result = self.api.bulk(list(ids), action).expect(200)
        op = "errors_bulk"
        check(result["action"] == action, op, f"action={action}", result)
        check(set(result["succeeded"]) == set(known), op, f"succeeded = the live ids {known}", result, "bulk")
        failed = {entry["error_group_id"]: entry["code"] for entry in result["failed"]}
        check(
            failed == dict.fromkeys(unknown, "NOT_FOUND"),
            op,
            f"failed = {unknown} (NOT_FOUND)",
            result,
            "bulk",
        )
        for group_id in known:
            if action == "delete":
                self._check_gone(self.model.delete(group_id))
            else:
                self.model.set_status(group_id, action)
                doc = self.api.group_detail(group_id).expect(200)
                self._compare_group(doc, self.model.groups[group_id], op)

    @rule(data=st.data(), kind=st.sampled_from(["list", "search", "events"]), limit=LIMITS)
    def walk_events(self, data: st.DataObject, kind: str, limit: int | None) -> None:
        between = data.draw(st.lists(capture_specs(), max_size=2))
        if kind == "list":
            filter = self._filter(data)
            expected = self.model.listed(filter)
            between = self._safe_between(between, bool(filter and "status" in filter))
            scoped = self.scope.filter(filter)
            items = self._walk("errors_list", lambda **kw: self.api.list(scoped, **kw), limit, between)
            self._ids_equal("errors_list", items, expected, f"events matching {filter}")
        elif kind == "search":
            q, terms, tokens = self._search_query(data)
            filter = self._filter(data, allow_status=False) if data.draw(st.booleans()) else None
            expected = self.model.searched(terms, tokens, filter)
            between = self._safe_between(between, any(key == "is" for key, _ in tokens))
            scoped = self.scope.filter(filter)
            items = self._walk("errors_search", lambda **kw: self.api.search(q, scoped, **kw), limit, between)
            self._ids_equal("errors_search", items, expected, f"search q={q!r} filter={filter}")
        else:
            if not self.model.groups:
                self.leftover = between
                self._flush()
                return
            group_id = self._pick(data, list(self.model.groups))
            expected = [e for e in self.model.listed(None) if e.group_id == group_id]
            items = self._walk("errors_events", lambda **kw: self.api.events(group_id, **kw), limit, between)
            self._ids_equal("errors_events", items, expected, f"events of {group_id}")
        for item in items:
            event = self.model.event(item["id"])
            if event is not None:
                check(
                    item == event.doc,
                    f"errors_{kind}",
                    f"listed event {event.id} equal to errors.get's",
                    item,
                )
        self._flush()

    @rule(
        data=st.data(),
        status=st.none() | st.sampled_from(STATUSES),
        sort=st.none() | st.sampled_from(SORTS),
        limit=LIMITS,
    )
    def walk_groups(
        self, data: st.DataObject, status: str | None, sort: str | None, limit: int | None
    ) -> None:
        between = self._safe_between(data.draw(st.lists(capture_specs(), max_size=2)), status is not None)
        expected = self.model.group_list(status, sort or "last_seen_desc")
        pages = MAX_LIVE_GROUP_PAGES if self.target.is_live else 10_000
        if self.target.is_live:
            limit = 100  # the account's other groups interleave; small pages would never reach ours
        items = self._walk(
            "errors_groups", lambda **kw: self.api.groups(status, sort, **kw), limit, between, max_pages=pages
        )
        if self.target.is_live:  # foreign groups interleave: compare this scenario's subsequence
            items = [item for item in items if item["id"] in self.model.ever_group_ids]
            if not self.walk_complete:  # only what the capped walk reached, in the right order
                reached = {item["id"] for item in items}
                expected = [group for group in expected if group.id in reached]
        self._ids_equal("errors_groups", items, expected, f"groups status={status} sort={sort}")
        if not self.captured_during:  # else pages fetched before a capture show the group as it was then
            for item in items:
                group = self.model.groups.get(item["id"])
                if group is not None:
                    self._compare_group(item, group, "errors_groups")
        self._flush()

    @precondition(lambda self: bool(self.model.groups))
    @rule(data=st.data())
    def group_detail(self, data: st.DataObject) -> None:
        group_id = self._pick(data, list(self.model.groups))
        doc = self.api.group_detail(group_id).expect(200)
        group = self.model.groups[group_id]
        self._compare_group(doc, group, "errors_group_detail")
        expected = self.model.detail(group_id)
        actual = {
            "environments": doc["environments"],
            "releases": doc["releases"],
            "tags": {t["key"]: {v["value"]: v["count"] for v in t["top_values"]} for t in doc["tags"]},
            "latest_event": doc["latest_event"],
        }
        check(actual == expected, "errors_group_detail", f"aggregates {expected}", actual, "ErrorGroupDetail")
        totals = {t["key"]: t["total"] for t in doc["tags"]}
        want_totals = {key: sum(counts.values()) for key, counts in expected["tags"].items()}
        check(
            totals == want_totals,
            "errors_group_detail",
            f"tag totals {want_totals}",
            totals,
            "ErrorGroupDetail",
        )
        hourly = sum(bucket["count"] for bucket in doc["hourly"])
        check(hourly == group.count, "errors_group_detail", f"hourly counts summing to {group.count}", hourly)

    @rule(data=st.data())
    def get_event(self, data: st.DataObject) -> None:
        known = [event.id for event in self.model.events] + list(self.model.deleted_events)
        if not known:
            return
        event_id = self._pick(data, known)
        reply = self.api.get(event_id)
        event = self.model.event(event_id)
        if event is None:
            reply.expect(404)
        else:
            check(reply.expect(200) == event.doc, "errors_get", f"event {event_id} unchanged", reply.body)

    @rule(data=st.data(), format=st.sampled_from(["json", "csv", None]))
    def export(self, data: st.DataObject, format: str | None) -> None:
        filter = self._filter(data)
        expected = self.model.listed(filter)
        result = self.api.export(self.scope.filter(filter), format).expect(200)
        op = "errors_export"
        check(result["format"] == (format or "json"), op, f"format {format or 'json'}", result["format"])
        check(result["row_count"] == len(expected), op, f"row_count {len(expected)}", result["row_count"])
        if (format or "json") == "json":
            check("csv" not in result, op, "no csv for format json", sorted(result), "ErrorExportResult")
            events = result.get("events") or []
            docs = {e.id: e.doc for e in expected}
            check(
                same_order(events, expected) and all(doc == docs.get(doc["id"]) for doc in events),
                op,
                f"the {len(expected)} events of errors.list, in its order",
                result,
            )
            return
        check("events" not in result, op, "no events for format csv", sorted(result), "ErrorExportResult")
        text = result["csv"]
        check(text.endswith("\r\n"), op, "CRLF-terminated rows", text[-20:])
        rows = list(csv.reader(io.StringIO(text, newline="")))
        check(rows[:1] == [CSV_HEADER], op, f"header {CSV_HEADER}", rows[:1])
        parsed = [
            [*row[:10], parse_csv_tags(row[10]), *row[11:]] if len(row) == 12 else row for row in rows[1:]
        ]
        rows_by_id = {event.id: event.csv_row() for event in expected}
        in_order = same_order([{"id": row[0], "timestamp": row[1]} for row in parsed], expected)
        check(
            in_order and all(row == rows_by_id.get(row[0]) for row in parsed),
            op,
            f"the rows of {len(expected)} events, in list order: {list(rows_by_id.values())}",
            parsed,
            "export CSV",
        )

    @rule(
        data=st.data(),
        days=st.integers(1, 3650),
        auto=st.none() | st.booleans(),
        destination=st.none() | st.just("unset") | st.sampled_from(["s3://bucket/infrai/", "gs://archive/x"]),
    )
    def retention(self, data: st.DataObject, days: int, auto: bool | None, destination: str | None) -> None:
        current = self.api.retention().expect(200)
        check(current == self.model.retention, "errors_retention_get", f"{self.model.retention}", current)
        if self.target.is_live:
            if self.destructive:  # a no-op round trip: never change a live account's retention
                again = self.api.set_retention(dict(current)).expect(200)
                check(again == current, "errors_retention_set", f"{current} unchanged", again)
            return
        body: dict[str, Any] = {"days": days}
        if auto is not None:
            body["auto_export_before_cleanup"] = auto
        if destination == "unset":
            body["export_destination"] = None
        elif destination is not None:
            body["export_destination"] = destination
        if data.draw(st.integers(0, 4)) == 0:
            bad = data.draw(st.sampled_from([0, 3651, -1, "30", None]))
            self.api.set_retention({**body, "days": bad}).expect(400)
            after = self.api.retention().expect(200)
            check(after == self.model.retention, "errors_retention_set", "unchanged after a 400", after)
            return
        result = self.api.set_retention(body).expect(200)
        self.model.retention = {**self.model.retention, **body}
        check(
            result == self.model.retention,
            "errors_retention_set",
            f"{self.model.retention}",
            result,
            "Retention",
        )

    def teardown(self) -> None:
        if not hasattr(self, "model"):
            return
        # The whole tracker once more: every event and group, each field.
        items = self._walk("errors_list", lambda **kw: self.api.list(self.scope.filter(None), **kw), 100, [])
        self._ids_equal("errors_list", items, self.model.listed(None), "all events at the end")


@pytest.mark.inferred(
    "ErrorGroup",
    "ErrorEvent",
    "ErrorFilter",
    "grouping/lifecycle/paging semantics",
    note="grouping, lifecycle (substatus), aggregates, order, filter DSL, search, export and idempotency as "
    "docs/semantics.md states them",
)
def test_model(target: Target) -> None:
    ErrorsModel.target = target
    budget = budgets.current()
    calls_before = len(target.server.journal) if target.server is not None else 0
    run_state_machine_as_test(
        ErrorsModel,
        settings=settings(
            max_examples=budget.model_examples,
            stateful_step_count=budget.model_steps,
            deadline=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        ),
    )
    if target.server is not None:
        ops = Counter(e.operation_id for e in list(target.server.journal.entries)[calls_before:])
        print(f"model: {len(target.server.journal) - calls_before} calls {dict(ops)}")
