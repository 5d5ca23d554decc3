"""Named, deliberately broken variants of the mock, made by monkeypatching mockserver (no product code
changes).

`apply(name)` patches the live classes/functions and returns an undo callable. The contract suite applies the
mutant named by $INFRAI_MOCK_MUTANT before it starts its mock (contract_tests/conftest.py); serve_mock.py does
the same for an out-of-process mock. `run_mutants.py` runs the suite once per mutant and fails unless every
mutant is caught.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mockserver.http import app
from mockserver.store import event_listing, grouping, tenant
from mockserver.store.export import CSV_COLUMNS
from mockserver.store.model import Group
from mockserver.store.tenant import Tenant

ENV = "INFRAI_MOCK_MUTANT"


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    patch: Callable[[], list[tuple[Any, str, Any]]]  # returns (owner, attribute, new value) triples


def _resolve_noop() -> list[tuple[Any, str, Any]]:

    original = tenant.apply_status

    def apply_status(group: Any, status: str) -> None:
        if status != "resolved":
            original(group, status)

    return [(tenant, "apply_status", apply_status)]


def _delete_leaves_events() -> list[tuple[Any, str, Any]]:

    def _drop_group(self: Any, group: Any) -> int:
        del self._groups[group.id]
        if self._by_fingerprint.get(group.fingerprint) is group:
            del self._by_fingerprint[group.fingerprint]
        return int(group.count)

    return [(Tenant, "_drop_group", _drop_group)]


def _cursor_skips_boundary() -> list[tuple[Any, str, Any]]:

    def take_page(entries: Iterable[tuple[int, dict[str, Any]]], limit: int) -> tuple[list[Any], int | None]:
        items: list[Any] = []
        iterator: Iterator[tuple[int, dict[str, Any]]] = iter(entries)
        for key, item in iterator:
            if len(items) == limit:
                return items, key  # the next page starts after the peeked item: it is never listed
            items.append(item)
        return items, None

    return [(event_listing, "take_page", take_page)]


def _grouping_ignores_normalization() -> list[tuple[Any, str, Any]]:

    return [(grouping, "normalize_message", lambda text: "\n".join(text.strip().splitlines()[:2]))]


def _response_missing_field() -> list[tuple[Any, str, Any]]:

    original = Group.as_json

    def as_json(self: Any) -> dict[str, Any]:
        doc = dict(original(self))
        doc.pop("user_count", None)
        return doc

    return [(Group, "as_json", as_json)]


def _auth_ignored_on_list() -> list[tuple[Any, str, Any]]:

    original = app.make_endpoint

    def make_endpoint(op: Any, handler: Any, state: Any) -> Any:
        endpoint = original(op, handler, state)
        if op.operation_id != "errors_list":
            return endpoint
        fallback = next(iter(sorted(state.api_keys)), "anonymous") if state.api_keys else "anonymous"

        async def no_auth_needed(request: Any) -> Any:
            if "Authorization" not in request.headers or not request.headers["Authorization"].strip():
                request = request.clone(headers={**request.headers, "Authorization": f"Bearer {fallback}"})
            elif state.api_keys is not None:
                token = request.headers["Authorization"].partition(" ")[2].strip()
                if token not in state.api_keys:
                    request = request.clone(
                        headers={**request.headers, "Authorization": f"Bearer {fallback}"}
                    )
            return await endpoint(request)

        return no_auth_needed

    return [(app, "make_endpoint", make_endpoint)]


def _idempotency_ignored() -> list[tuple[Any, str, Any]]:

    original = Tenant.capture

    def capture(self: Any, body: Any, *, source: Any, idempotency_key: Any = None) -> Any:
        return original(self, body, source=source, idempotency_key=None)

    return [(Tenant, "capture", capture)]


def _export_drops_commas() -> list[tuple[Any, str, Any]]:

    original = event_listing.rows_to_csv
    message = CSV_COLUMNS.index("message")

    def has_comma(line: str) -> bool:
        return "," in next(csv.reader(io.StringIO(line, newline="")))[message]

    def rows_to_csv(rows: Iterable[tuple[str, str]]) -> Any:
        return original(row for row in rows if not has_comma(row[0]))

    return [(event_listing, "rows_to_csv", rows_to_csv)]


def _delete_noop() -> list[tuple[Any, str, Any]]:
    def delete_group(self: Any, group_id: str) -> dict[str, Any]:
        group = self._group(group_id)
        return {"ok": True, "error_group_id": group.id, "deleted_events": group.count}

    return [(Tenant, "delete_group", delete_group)]


def _no_regression() -> list[tuple[Any, str, Any]]:

    return [(tenant, "on_new_event", lambda group: None)]


def _rename_substatus() -> list[tuple[Any, str, Any]]:
    """Not a bug: a *divergent* service, for the live-path divergence report (an inferred field renamed)."""

    original = Group.as_json

    def as_json(self: Any) -> dict[str, Any]:
        doc = dict(original(self))
        doc["sub_status"] = doc.pop("substatus")
        return doc

    return [(Group, "as_json", as_json)]


MUTANTS: dict[str, Mutant] = {
    m.name: m
    for m in (
        Mutant("resolve_noop", "resolve answers 200 but leaves the status unchanged", _resolve_noop),
        Mutant(
            "delete_leaves_events", "delete removes the group but leaves its events", _delete_leaves_events
        ),
        Mutant("cursor_skips_boundary", "every page boundary skips one item", _cursor_skips_boundary),
        Mutant(
            "grouping_ignores_normalization",
            "messages group by their raw text (`user 1` and `user 2` apart)",
            _grouping_ignores_normalization,
        ),
        Mutant(
            "response_missing_field",
            "ErrorGroup documents lack the required user_count",
            _response_missing_field,
        ),
        Mutant(
            "auth_ignored_on_list", "errors.list answers without a (valid) API key", _auth_ignored_on_list
        ),
        Mutant("idempotency_ignored", "Idempotency-Key / idempotency_key are ignored", _idempotency_ignored),
        Mutant(
            "export_drops_commas", "CSV export drops rows whose message has a comma", _export_drops_commas
        ),
        Mutant("no_regression", "an event in a resolved group leaves it resolved", _no_regression),
        Mutant("delete_noop", "delete answers 200 but deletes nothing", _delete_noop),
    )
}
# Divergent services for the live-path proof; not run by run_mutants.py.
DIVERGENT: dict[str, Mutant] = {
    "rename_substatus": Mutant(
        "rename_substatus", "ErrorGroup.substatus renamed sub_status", _rename_substatus
    )
}


def apply(name: str | None) -> Callable[[], None]:
    """Apply the named mutant; return a function that undoes it. No name: nothing to do."""
    if not name:
        return lambda: None
    mutant = MUTANTS.get(name) or DIVERGENT.get(name)
    if mutant is None:
        known = ", ".join(sorted({*MUTANTS, *DIVERGENT}))
        raise KeyError(f"unknown mutant {name!r}; known: {known}")
    patches = mutant.patch()
    saved = []
    for owner, attribute, value in patches:
        if not hasattr(owner, attribute):
            raise AttributeError(f"mutant {name}: {owner!r} has no {attribute!r} any more; update mutants.py")
        saved.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, value)

    def undo() -> None:
        for owner, attribute, value in reversed(saved):
            setattr(owner, attribute, value)

    return undo
