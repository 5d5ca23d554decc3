"""Exports (JSON and CSV), retention settings and purging, tenant isolation and reset."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import capture, ids, make_store

from mockserver.store import InvalidInput, ManualClock, NotFound, Store, Tenant
from mockserver.store.export import CSV_COLUMNS

FORMULA_STARTS = frozenset("=+-@\t\r")  # OWASP's list, restated here as the test's own oracle

DAY = 86_400


def read_csv(text: str) -> list[list[str]]:
    """Parse CSV text exactly as a client reading the export would."""
    return list(csv.reader(io.StringIO(text, newline="")))


class TestExport:
    def test_json_export_matches_the_list(self, tenant: Tenant, clock: ManualClock) -> None:
        """A JSON export holds every matching event in list order, with id, count and time."""
        for index in range(60):
            capture(tenant, f"m {index}", level=["error", "info"][index % 2])
        clock.advance(5)
        result = tenant.export(filter={"level": "info"})
        assert set(result) == {"ok", "export_id", "format", "row_count", "created_at", "events"}
        assert re.fullmatch(r"exp_[0-9a-f]{16}", result["export_id"])
        assert result["format"] == "json"
        assert result["row_count"] == 30
        assert result["created_at"] == "2026-01-01T00:00:05.000Z"
        listed = ids(tenant.list_events(filter={"level": "info"}, limit=30).items)
        assert ids(result["events"]) == listed

    def test_csv_export_shape(self, tenant: Tenant) -> None:
        """CSV has the fixed header, CRLF endings, compact sorted tags JSON and empty cells for nulls."""
        result = tenant.capture(
            {"exception": {"type": "E", "message": "m"}, "tags": {"b": "2", "a": "é"}, "code": "C"},
            source="capture",
        )
        exported = tenant.export(format="csv")
        assert set(exported) == {"ok", "export_id", "format", "row_count", "created_at", "csv"}
        assert exported["format"] == "csv"
        text = exported["csv"]
        assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
        assert text.endswith("\r\n")
        header, row = read_csv(text)
        record = dict(zip(header, row, strict=True))
        event = tenant.get_event(result["error_id"])
        assert record == {
            "id": event["id"],
            "timestamp": event["timestamp"],
            "error_group_id": event["error_group_id"],
            "level": "error",
            "message": "m",
            "code": "C",
            "exception_type": "E",
            "environment": "",
            "release": "",
            "user_id": "",
            "tags": '{"a":"é","b":"2"}',
            "fingerprint": event["fingerprint"],
        }

    def test_empty_csv_export_is_just_the_header(self, tenant: Tenant) -> None:
        """With no events the CSV is the header row alone."""
        result = tenant.export(format="csv")
        assert result["row_count"] == 0
        assert result["csv"] == ",".join(CSV_COLUMNS) + "\r\n"

    def test_bad_format(self, tenant: Tenant) -> None:
        """Only json and csv exist."""
        with pytest.raises(InvalidInput) as error:
            tenant.export(format="xml")  # type: ignore[arg-type]
        assert error.value.details == {"field": "format", "rule": "enum"}

    @pytest.mark.parametrize("start", sorted(FORMULA_STARTS))
    def test_csv_cells_a_spreadsheet_would_run_get_an_apostrophe(self, start: str) -> None:
        """OWASP CSV injection: a cell starting with = + - @ tab or CR is prefixed with ' (JSON unchanged)."""
        store, _ = make_store()
        tenant = store.tenant("k")
        formula = f'{start}HYPERLINK("http://evil")'
        capture(tenant, formula, user_id=f"{start}cmd", release="@1.0")
        row = read_csv(tenant.export(format="csv")["csv"])[1]
        assert row[CSV_COLUMNS.index("message")] == "'" + formula
        assert row[CSV_COLUMNS.index("user_id")] == f"'{start}cmd"
        assert row[CSV_COLUMNS.index("release")] == "'@1.0"
        assert tenant.export(format="json")["events"][0]["message"] == formula

    def test_csv_cells_that_only_contain_formula_characters_later_are_unchanged(self) -> None:
        """Only the first character decides: `a=b` and `x-1` stay as they are."""
        store, _ = make_store()
        tenant = store.tenant("k")
        capture(tenant, "a=b+c-d@e")
        assert read_csv(tenant.export(format="csv")["csv"])[1][CSV_COLUMNS.index("message")] == "a=b+c-d@e"

    @settings(max_examples=60, deadline=None)
    @given(
        messages=st.lists(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=40), min_size=1, max_size=5
        ),
        tag=st.text(st.characters(exclude_categories=["Cs"]), max_size=10),
    )
    def test_csv_round_trips_any_text(self, messages: list[str], tag: str) -> None:
        """Commas, quotes, newlines, NULs and non-ASCII in messages and tags survive csv.reader."""
        store, _ = make_store()
        tenant = store.tenant("k")
        for message in messages:
            capture(tenant, message, tags={"t": tag}, user_id=tag or None)
        rows = read_csv(tenant.export(format="csv")["csv"])
        assert rows[0] == list(CSV_COLUMNS)
        shown = [("'" + text if text[:1] in FORMULA_STARTS else text) for text in messages[::-1]]
        assert [row[CSV_COLUMNS.index("message")] for row in rows[1:]] == shown
        assert {json.loads(row[CSV_COLUMNS.index("tags")])["t"] for row in rows[1:]} == {tag}
        assert all(len(row) == len(CSV_COLUMNS) for row in rows)


class TestRetentionSettings:
    def test_defaults(self, tenant: Tenant) -> None:
        """Retention defaults to 90 days, no auto export, no destination."""
        assert tenant.retention() == {
            "days": 90,
            "auto_export_before_cleanup": False,
            "export_destination": None,
        }

    def test_set_and_keep_omitted_values(self, tenant: Tenant) -> None:
        """set_retention changes what is given and keeps omitted optional values."""
        assert tenant.set_retention(30, True, "s3://bucket") == {
            "days": 30,
            "auto_export_before_cleanup": True,
            "export_destination": "s3://bucket",
        }
        assert tenant.set_retention(7) == {
            "days": 7,
            "auto_export_before_cleanup": True,
            "export_destination": "s3://bucket",
        }
        assert (
            tenant.set_retention(7, auto_export_before_cleanup=False)["auto_export_before_cleanup"] is False
        )
        assert tenant.retention()["export_destination"] == "s3://bucket"

    def test_explicit_null_destination_clears_it(self, tenant: Tenant) -> None:
        """A None destination clears it, while leaving it out keeps it."""
        tenant.set_retention(30, True, "s3://bucket")
        assert tenant.set_retention(30)["export_destination"] == "s3://bucket"
        assert tenant.set_retention(30, export_destination=None)["export_destination"] is None
        assert tenant.retention()["auto_export_before_cleanup"] is True

    @pytest.mark.parametrize("days", [0, 3651, -5, True, 30.0, "30", None])
    def test_days_must_be_an_int_in_range(self, tenant: Tenant, days: object) -> None:
        """days outside 1..3650, or not a real int, raises InvalidInput(days, range) and changes nothing."""
        with pytest.raises(InvalidInput) as error:
            tenant.set_retention(days)  # type: ignore[arg-type]
        assert error.value.details == {"field": "days", "rule": "range"}
        assert tenant.retention()["days"] == 90

    @pytest.mark.parametrize("days", [1, 3650])
    def test_bounds_are_inclusive(self, tenant: Tenant, days: int) -> None:
        """1 and 3650 days are both valid."""
        assert tenant.set_retention(days)["days"] == days

    def test_optional_settings_are_type_checked(self, tenant: Tenant) -> None:
        """auto_export_before_cleanup must be a bool and export_destination a string."""
        with pytest.raises(InvalidInput) as error:
            tenant.set_retention(5, auto_export_before_cleanup="yes")  # type: ignore[arg-type]
        assert error.value.details["field"] == "auto_export_before_cleanup"
        with pytest.raises(InvalidInput) as error:
            tenant.set_retention(5, export_destination=3)  # type: ignore[arg-type]
        assert error.value.details["field"] == "export_destination"


class TestRetentionPurge:
    def test_events_older_than_the_window_disappear(self, tenant: Tenant, clock: ManualClock) -> None:
        """Once older than `days`, events vanish from reads and their aggregates are decremented."""
        old = capture(tenant, "same 1", user_id="a", tags={"k": "old"}, environment="staging")
        clock.advance(10 * DAY)
        new = capture(tenant, "same 2", user_id="b", tags={"k": "new"}, environment="production")
        tenant.set_retention(5)
        with pytest.raises(NotFound):
            tenant.get_event(old["error_id"])
        group = tenant.group_detail(new["error_group_id"])
        assert (group["count"], group["user_count"]) == (1, 1)
        assert group["first_seen"] == tenant.get_event(new["error_id"])["timestamp"]
        assert group["tags"] == [{"key": "k", "total": 1, "top_values": [{"value": "new", "count": 1}]}]
        assert group["environments"] == ["production"]
        assert ids(tenant.list_events().items) == [new["error_id"]]
        assert tenant.list_events(filter={"tags.k": "old"}).items == []

    def test_boundary_is_exclusive_of_exactly_days_old(self, tenant: Tenant, clock: ManualClock) -> None:
        """An event exactly `days` old is kept; a millisecond older is purged."""
        tenant.set_retention(1)
        event = capture(tenant, "edge")["error_id"]
        clock.advance(DAY)
        assert tenant.get_event(event)
        clock.advance(0.001)
        with pytest.raises(NotFound):
            tenant.get_event(event)

    def test_default_ninety_days_purges_on_any_call(self, tenant: Tenant, clock: ManualClock) -> None:
        """With the default 90 days, an event 91 days old is gone on the next read."""
        group_id = capture(tenant, "ancient")["error_group_id"]
        clock.advance(91 * DAY)
        assert tenant.list_groups().items == []
        with pytest.raises(NotFound):
            tenant.get_group(group_id)

    def test_emptied_group_is_removed_and_reopened_fresh(self, tenant: Tenant, clock: ManualClock) -> None:
        """A group whose last event expires is removed; a later matching event opens a new group."""
        old = capture(tenant, "recurring")
        tenant.set_status(old["error_group_id"], "resolved")
        clock.advance(91 * DAY)
        new = capture(tenant, "recurring")
        assert new["is_new_group"] is True
        assert new["error_group_id"] != old["error_group_id"]
        assert tenant.get_group(new["error_group_id"])["substatus"] == "new"

    def test_auto_export_records_purged_events_before_removal(self, store: Store, clock: ManualClock) -> None:
        """With auto export on, each purge batch is appended to Store.auto_exports, oldest first."""
        tenant = store.tenant("acme")
        first = capture(tenant, "a")
        clock.advance(DAY)
        second = capture(tenant, "b")
        clock.advance(DAY)
        kept = capture(tenant, "c")
        expected = [tenant.get_event(first["error_id"]), tenant.get_event(second["error_id"])]
        clock.advance(3600)
        tenant.set_retention(1, auto_export_before_cleanup=True, export_destination="s3://x")
        assert store.auto_exports == [
            {
                "tenant": "acme",
                "destination": "s3://x",
                "created_at": "2026-01-03T01:00:00.000Z",
                "row_count": 2,
                "events": expected,
            }
        ]
        assert ids(tenant.list_events().items) == [kept["error_id"]]

    def test_no_auto_export_by_default(self, store: Store, clock: ManualClock) -> None:
        """Without the flag purged events are not exported."""
        tenant = store.tenant("acme")
        capture(tenant, "a")
        clock.advance(100 * DAY)
        tenant.retention()
        assert store.auto_exports == []

    def test_purge_keeps_other_tenants_untouched(self, store: Store, clock: ManualClock) -> None:
        """A short retention in one tenant does not purge another's events."""
        short, long = store.tenant("short"), store.tenant("long")
        capture(short, "x")
        kept = capture(long, "x")
        clock.advance(2 * DAY)
        short.set_retention(1)
        assert short.list_events().items == []
        assert ids(long.list_events().items) == [kept["error_id"]]


class TestTenants:
    def test_tenants_are_isolated(self, store: Store) -> None:
        """Events, groups and lookups of one key are invisible to another."""
        mine = capture(store.tenant("a"), "same")
        theirs = capture(store.tenant("b"), "same")
        assert mine["error_group_id"] != theirs["error_group_id"]
        with pytest.raises(NotFound):
            store.tenant("b").get_event(mine["error_id"])
        with pytest.raises(NotFound):
            store.tenant("b").get_group(mine["error_group_id"])
        assert ids(store.tenant("a").list_events().items) == [mine["error_id"]]

    def test_tenant_is_created_lazily_and_reused(self, store: Store) -> None:
        """tenant() returns the same object per key and tenants() lists keys with state."""
        assert store.tenants() == []
        assert store.tenant("b") is store.tenant("b")
        store.tenant("a")
        assert store.tenants() == ["a", "b"]

    def test_reset_drops_data_but_keeps_clock_and_ids(self, store: Store, clock: ManualClock) -> None:
        """reset() empties every tenant and the auto-export log; clock and id factory carry on."""
        tenant = store.tenant("a")
        capture(tenant, "x")
        tenant.set_retention(1, True)
        clock.advance(2 * DAY)
        tenant.retention()
        exports = store.auto_exports
        assert exports
        ids_before = store.ids
        store.reset()
        assert store.tenants() == []
        assert store.auto_exports == []
        assert store.auto_exports is exports
        assert store.clock is clock
        assert store.ids is ids_before
        assert store.tenant("a").list_events().items == []
        assert store.tenant("a").retention()["days"] == 90
