"""Filtered walks check each candidate once against what the index walk did not already guarantee."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import capture, ids, make_store, walk

from mockserver.store import EncodedText, ManualClock, Tenant
from mockserver.store.clock import iso_ms
from mockserver.store.export import csv_line, rows_to_csv

LEVELS = ("error", "warning", "info")
RELEASES = ("1.0", "2.0", "3.0")


def _seed(tenant: Tenant, rows: list[tuple[int, int, int]]) -> None:
    for number, (level, release, shard) in enumerate(rows):
        capture(
            tenant,
            f"row {number}",
            level=LEVELS[level],
            release=RELEASES[release],
            code=f"C{number % 3}",
            tags={"shard": str(shard)},
        )


def _expected(tenant: Tenant, flt: dict[str, Any]) -> list[str]:
    """The plain reading of a filter: every stored event whose fields equal (one of) the values."""
    everything = walk(lambda cursor: tenant.list_events(cursor=cursor, limit=100))

    def holds(doc: dict[str, Any], key: str, wanted: Any) -> bool:
        values = wanted if isinstance(wanted, list) else [wanted]
        value = doc["tags"].get(key[5:]) if key.startswith("tags.") else doc[key]
        return value in values

    return [doc["id"] for doc in everything if all(holds(doc, key, value) for key, value in flt.items())]


class TestConditionsTheWalkDidNotFollow:
    def test_two_field_filter_keeps_only_events_holding_both(self, tenant: Tenant) -> None:
        """Whichever field's index is the smaller, the other field is still checked on every candidate."""
        _seed(tenant, [(number % 3, 0 if number < 5 else 1, number % 2) for number in range(40)])
        narrow_release = {"release": "1.0", "level": "error"}  # 5 events of release 1.0: followed
        narrow_level = {"release": "2.0", "level": "warning"}  # 13 warnings, 35 of release 2.0
        for flt in (narrow_release, narrow_level):
            listed = ids(tenant.list_events(filter=flt, limit=100).items)
            assert listed == _expected(tenant, flt)
            assert ids(tenant.export(filter=flt)["events"]) == listed

    def test_status_condition_followed_still_checks_the_rest(self, tenant: Tenant) -> None:
        """A status filter's walk covers the groups in that status; other conditions are still applied."""
        first = capture(tenant, "alpha", level="error")["error_group_id"]
        capture(tenant, "alpha", level="info")
        for number in range(30):
            capture(tenant, f"beta {number}", level="error", fingerprint=[f"b{number}"])
        tenant.set_status(first, "resolved")
        page = tenant.list_events(filter={"status": "resolved", "level": "error"}, limit=100)
        assert [item["level"] for item in page.items] == ["error"]
        assert [item["error_group_id"] for item in page.items] == [first]

    def test_search_token_resolving_to_nothing_matches_nothing(self, tenant: Tenant) -> None:
        """A key:value token no stored value has selects no event, with or without other conditions."""
        _seed(tenant, [(0, 0, 1), (1, 1, 2)])
        assert tenant.search_events("shard:9").items == []
        assert tenant.search_events("shard:9 level:error").items == []

    def test_until_and_free_text_still_apply_with_a_followed_condition(
        self, tenant: Tenant, clock: ManualClock
    ) -> None:
        """A walk following an equality condition still checks the words and the time bound."""
        capture(tenant, "disk full", level="fatal")
        capture(tenant, "disk slow", level="info")
        clock.advance(10)
        bound = iso_ms(clock.now())
        capture(tenant, "disk full again", level="fatal")
        capture(tenant, "cpu hot", level="fatal")
        found = tenant.search_events("disk level:fatal").items
        assert [item["message"] for item in found] == ["disk full again", "disk full"]
        before = tenant.list_events(filter={"level": "fatal", "until": bound}).items
        assert [item["message"] for item in before] == ["disk full"]
        exported = tenant.export(filter={"level": ["fatal", "info"], "until": bound})["events"]
        assert [item["message"] for item in exported] == ["disk slow", "disk full"]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 3)), max_size=40),
    flt=st.dictionaries(
        st.sampled_from(["level", "release", "tags.shard", "code"]),
        st.integers(0, 2),
        max_size=3,
    ),
    as_list=st.booleans(),
)
def test_filtered_list_agrees_with_the_plain_reading(
    rows: list[tuple[int, int, int]], flt: dict[str, int], as_list: bool
) -> None:
    """Any conjunction of equality filters lists exactly the events a plain field-by-field reading finds."""
    store, _ = make_store()
    tenant = store.tenant("key-q")
    _seed(tenant, rows)
    names = {"level": LEVELS, "release": RELEASES, "tags.shard": ("0", "1", "2"), "code": ("C0", "C1", "C2")}
    query: dict[str, Any] = {
        key: [names[key][value], names[key][(value + 1) % 3]] if as_list else names[key][value]
        for key, value in flt.items()
    }
    listed = ids(walk(lambda cursor: tenant.list_events(filter=query, cursor=cursor, limit=7)))
    assert listed == _expected(tenant, query)
    assert ids(tenant.export(filter=query)["events"]) == listed


class TestEncodedCsv:
    def test_export_csv_carries_its_own_json_text(self, tenant: Tenant) -> None:
        """The CSV text's JSON form is exactly what json.dumps makes of it, however odd the characters."""
        for message in ['say "hi", then\r\nleave', "tab\there \\ back", "ünïcødé \u2028 😀", "=1+1", "\x01"]:
            capture(tenant, message, tags={"k": message})
        text = tenant.export(format="csv")["csv"]
        assert isinstance(text, EncodedText)
        assert text.encoded == json.dumps(text)
        assert json.loads(text.encoded) == text

    def test_empty_export_is_the_header_alone(self) -> None:
        """With no rows, the text is the header line, and its JSON form is the header's."""
        text = rows_to_csv([])
        assert text.startswith("id,timestamp,")
        assert text.endswith("\r\n")
        assert text.encoded == json.dumps(str(text))

    def test_csv_line_pairs_the_line_with_its_escaped_form(self, tenant: Tenant) -> None:
        """An event's cached pair is its CSV line and that line's JSON string content."""
        capture(tenant, 'quote " and\nnewline')
        doc = tenant.list_events().items[0]
        line, escaped = csv_line(doc)
        assert json.dumps(line) == f'"{escaped}"'
