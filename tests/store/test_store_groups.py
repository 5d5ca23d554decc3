"""Error groups: aggregates, detail, status lifecycle, delete and bulk actions."""

from __future__ import annotations

import pytest
from store_helpers import capture, ids

from mockserver.store import InvalidInput, ManualClock, NotFound, Tenant


class TestAggregates:
    def test_new_group_document(self, tenant: Tenant) -> None:
        """A new group is unresolved/new with count 1 and the event's fields."""
        result = tenant.capture(
            {"exception": {"type": "KeyError", "message": "k"}, "level": "warning", "user_id": "u"},
            source="capture",
        )
        group = tenant.get_group(result["error_group_id"])
        event = tenant.get_event(result["error_id"])
        assert group == {
            "id": result["error_group_id"],
            "title": "KeyError: k",
            "fingerprint": event["fingerprint"],
            "status": "unresolved",
            "substatus": "new",
            "level": "warning",
            "count": 1,
            "user_count": 1,
            "first_seen": event["timestamp"],
            "last_seen": event["timestamp"],
            "exception_type": "KeyError",
            "latest_event_id": result["error_id"],
        }

    def test_counts_users_times_and_latest_level(self, tenant: Tenant, clock: ManualClock) -> None:
        """count, distinct users, first/last seen and the latest event's level track every capture."""
        first = capture(tenant, "x 1", user_id="a", level="info")
        clock.advance(60)
        capture(tenant, "x 2", user_id="a")
        clock.advance(60)
        capture(tenant, "x 3", user_id="b")
        clock.advance(60)
        last = capture(tenant, "x 4", level="fatal")
        group = tenant.get_group(first["error_group_id"])
        assert group["count"] == 4
        assert group["user_count"] == 2
        assert group["first_seen"] == "2026-01-01T00:00:00.000Z"
        assert group["last_seen"] == "2026-01-01T00:03:00.000Z"
        assert group["level"] == "fatal"
        assert group["latest_event_id"] == last["error_id"]

    def test_exception_type_is_the_first_events(self, tenant: Tenant) -> None:
        """exception_type comes from the first event, even if later ones (via fingerprint) differ."""
        first = tenant.capture({"exception": {"type": "A"}, "fingerprint": ["f"]}, source="capture")
        tenant.capture({"exception": {"type": "B"}, "fingerprint": ["f"]}, source="capture")
        assert tenant.get_group(first["error_group_id"])["exception_type"] == "A"

    def test_message_only_group_has_no_exception_type(self, tenant: Tenant) -> None:
        """Groups of plain messages report exception_type null."""
        assert tenant.get_group(capture(tenant)["error_group_id"])["exception_type"] is None

    def test_unknown_group_is_not_found(self, tenant: Tenant) -> None:
        """Reading an unknown group raises NotFound(error_group)."""
        with pytest.raises(NotFound) as error:
            tenant.get_group("grp_nope")
        assert error.value.details == {"resource": "error_group", "id": "grp_nope"}


class TestDetail:
    def test_tags_environments_releases_and_latest_event(self, tenant: Tenant) -> None:
        """Detail adds per-key tag counts, sorted environments and releases, and the latest event."""
        for index, browser in enumerate(["chrome", "firefox", "chrome", "safari"]):
            last = capture(
                tenant,
                f"e {index}",
                tags={"browser": browser, **({"os": "linux"} if index % 2 else {})},
                environment=["production", "staging"][index % 2],
                release=["2.0", "1.0"][index % 2],
            )
        detail = tenant.group_detail(last["error_group_id"])
        assert detail["tags"] == [
            {
                "key": "browser",
                "total": 4,
                "top_values": [
                    {"value": "chrome", "count": 2},
                    {"value": "firefox", "count": 1},
                    {"value": "safari", "count": 1},
                ],
            },
            {"key": "os", "total": 2, "top_values": [{"value": "linux", "count": 2}]},
        ]
        assert detail["environments"] == ["production", "staging"]
        assert detail["releases"] == ["1.0", "2.0"]
        assert detail["latest_event"] == tenant.get_event(last["error_id"])
        assert {key: detail[key] for key in tenant.get_group(last["error_group_id"])} == tenant.get_group(
            last["error_group_id"]
        )

    def test_top_values_keep_ten_by_count_then_value(self, tenant: Tenant) -> None:
        """Only the ten most frequent values are listed, ties ordered by value."""
        for value in "abcdefghijkl":
            capture(tenant, "same", tags={"t": value})
        group_id = capture(tenant, "same", tags={"t": "l"})["error_group_id"]
        (tag,) = tenant.group_detail(group_id)["tags"]
        assert tag["total"] == 13
        assert [entry["value"] for entry in tag["top_values"]] == ["l", *"abcdefghi"]

    def test_hourly_has_24_zero_filled_buckets_ending_now(self, tenant: Tenant, clock: ManualClock) -> None:
        """hourly covers the last 24 clock hours, oldest first, ending with the current hour."""
        group_id = capture(tenant, "h")["error_group_id"]
        clock.advance(3600 * 2 + 120)
        capture(tenant, "h")
        capture(tenant, "h")
        clock.advance(600)
        hourly = tenant.group_detail(group_id)["hourly"]
        assert len(hourly) == 24
        assert hourly[-1] == {"hour": "2026-01-01T02:00:00.000Z", "count": 2}
        assert hourly[-3] == {"hour": "2026-01-01T00:00:00.000Z", "count": 1}
        assert hourly[0]["hour"] == "2025-12-31T03:00:00.000Z"
        assert sum(bucket["count"] for bucket in hourly) == 3

    def test_hourly_drops_events_older_than_a_day(self, tenant: Tenant, clock: ManualClock) -> None:
        """Events more than 24 hours back fall out of the buckets but still count."""
        group_id = capture(tenant, "h")["error_group_id"]
        clock.advance(3600 * 30)
        detail = tenant.group_detail(group_id)
        assert sum(bucket["count"] for bucket in detail["hourly"]) == 0
        assert detail["count"] == 1

    def test_detail_is_shared_until_the_group_changes_or_the_hour_turns(
        self, tenant: Tenant, clock: ManualClock
    ) -> None:
        """Unchanged reads share one detail; a capture, a status change, a purge or a new hour rebuild it."""
        tenant.set_retention(1)
        group_id = capture(tenant, "h", tags={"t": "a"})["error_group_id"]
        clock.advance(3600 * 23)
        capture(tenant, "h", tags={"t": "b"})
        detail = tenant.group_detail(group_id)
        assert tenant.group_detail(group_id) is detail
        clock.advance(60)  # the same hour: nothing moved
        assert tenant.group_detail(group_id) is detail
        capture(tenant, "h", tags={"t": "b"})
        assert tenant.group_detail(group_id)["count"] == 3
        assert tenant.group_detail(group_id)["tags"][0]["top_values"][0] == {"value": "b", "count": 2}
        tenant.set_status(group_id, "resolved")
        assert tenant.group_detail(group_id)["status"] == "resolved"
        before = tenant.group_detail(group_id)["hourly"]
        clock.advance(3540)  # midnight: the next hour, exactly a day after the first event (still kept)
        after = tenant.group_detail(group_id)["hourly"]
        assert after[:-1] == before[1:]
        assert after[-1]["count"] == 0
        assert tenant.group_detail(group_id)["count"] == 3
        clock.advance(60)  # the first event is now past the one-day retention
        purged = tenant.group_detail(group_id)
        assert (purged["count"], purged["tags"][0]["top_values"]) == (2, [{"value": "b", "count": 2}])


class TestLifecycle:
    def test_resolve_clears_substatus(self, tenant: Tenant) -> None:
        """Resolving sets status resolved and substatus null."""
        group_id = capture(tenant)["error_group_id"]
        group = tenant.set_status(group_id, "resolved")
        assert (group["status"], group["substatus"]) == ("resolved", None)
        assert tenant.get_group(group_id) == group

    def test_ignore_archives_forever(self, tenant: Tenant) -> None:
        """Ignoring sets substatus archived_forever."""
        group_id = capture(tenant)["error_group_id"]
        assert tenant.set_status(group_id, "ignored")["substatus"] == "archived_forever"

    def test_unresolving_a_resolved_or_ignored_group_makes_it_ongoing(self, tenant: Tenant) -> None:
        """Unresolving from resolved or ignored gives unresolved/ongoing."""
        group_id = capture(tenant)["error_group_id"]
        for previous in ("resolved", "ignored"):
            tenant.set_status(group_id, previous)  # type: ignore[arg-type]
            group = tenant.set_status(group_id, "unresolved")
            assert (group["status"], group["substatus"]) == ("unresolved", "ongoing")

    def test_unresolving_a_new_group_keeps_new(self, tenant: Tenant) -> None:
        """Setting unresolved on an unresolved group is a no-op."""
        group_id = capture(tenant)["error_group_id"]
        assert tenant.set_status(group_id, "unresolved")["substatus"] == "new"

    @pytest.mark.parametrize("status", ["resolved", "unresolved", "ignored"])
    def test_setting_a_status_twice_is_idempotent(self, tenant: Tenant, status: str) -> None:
        """The same set_status twice returns the same group."""
        group_id = capture(tenant)["error_group_id"]
        assert tenant.set_status(group_id, status) == tenant.set_status(group_id, status)  # type: ignore[arg-type]

    def test_event_on_resolved_group_regresses_it(self, tenant: Tenant) -> None:
        """A new event in a resolved group makes it unresolved/regressed and counts."""
        group_id = capture(tenant, "r 1")["error_group_id"]
        tenant.set_status(group_id, "resolved")
        assert capture(tenant, "r 2")["error_group_id"] == group_id
        group = tenant.get_group(group_id)
        assert (group["status"], group["substatus"], group["count"]) == ("unresolved", "regressed", 2)

    def test_event_on_ignored_group_counts_but_stays_ignored(self, tenant: Tenant) -> None:
        """An ignored group keeps its status and still counts new events."""
        group_id = capture(tenant)["error_group_id"]
        tenant.set_status(group_id, "ignored")
        capture(tenant)
        group = tenant.get_group(group_id)
        assert (group["status"], group["substatus"], group["count"]) == ("ignored", "archived_forever", 2)

    def test_events_on_unresolved_groups_keep_substatus(self, tenant: Tenant) -> None:
        """New and ongoing groups are not changed by new events."""
        group_id = capture(tenant)["error_group_id"]
        capture(tenant)
        assert tenant.get_group(group_id)["substatus"] == "new"

    def test_bad_status_is_rejected(self, tenant: Tenant) -> None:
        """Only the three statuses are accepted."""
        group_id = capture(tenant)["error_group_id"]
        with pytest.raises(InvalidInput) as error:
            tenant.set_status(group_id, "archived")  # type: ignore[arg-type]
        assert error.value.details == {"field": "status", "rule": "enum"}

    def test_unknown_group_status_is_not_found(self, tenant: Tenant) -> None:
        """set_status on an unknown group raises NotFound."""
        with pytest.raises(NotFound):
            tenant.set_status("grp_x", "resolved")


class TestDelete:
    def test_delete_removes_the_group_and_its_events_everywhere(self, tenant: Tenant) -> None:
        """After delete, the group and its events are gone from every read and index."""
        doomed = [capture(tenant, f"d {index}", tags={"k": "v"}, level="fatal") for index in range(3)]
        keeper = capture(tenant, "keep me", tags={"k": "v"})
        group_id = doomed[0]["error_group_id"]
        assert tenant.delete_group(group_id) == {"ok": True, "error_group_id": group_id, "deleted_events": 3}
        for result in doomed:
            with pytest.raises(NotFound):
                tenant.get_event(result["error_id"])
        for read in (tenant.get_group, tenant.group_detail, tenant.group_events, tenant.delete_group):
            with pytest.raises(NotFound):
                read(group_id)
        with pytest.raises(NotFound):
            tenant.set_status(group_id, "resolved")
        assert ids(tenant.list_events().items) == [keeper["error_id"]]
        assert ids(tenant.list_events(filter={"tags.k": "v"}).items) == [keeper["error_id"]]
        assert tenant.list_events(filter={"level": "fatal"}).items == []
        assert tenant.list_events(filter={"error_group_id": group_id}).items == []
        assert tenant.search_events("d").items == []
        assert ids(tenant.list_groups().items) == [keeper["error_group_id"]]
        assert tenant.export()["row_count"] == 1

    def test_next_matching_event_opens_a_new_group(self, tenant: Tenant) -> None:
        """After delete, a matching event creates a new group id with count 1."""
        old = capture(tenant, "again 1")
        capture(tenant, "again 2")
        tenant.delete_group(old["error_group_id"])
        new = capture(tenant, "again 3")
        assert new["is_new_group"] is True
        assert new["error_group_id"] != old["error_group_id"]
        group = tenant.get_group(new["error_group_id"])
        assert (group["count"], group["substatus"], group["title"]) == (1, "new", "again 3")


class TestBulk:
    def test_applies_to_each_id_and_reports_unknown_ones(self, tenant: Tenant) -> None:
        """Known ids succeed in request order, de-duplicated; unknown ids fail with NOT_FOUND."""
        first = capture(tenant, "a")["error_group_id"]
        second = capture(tenant, "b")["error_group_id"]
        result = tenant.bulk([second, "grp_missing", first, second, "grp_missing"], "resolve")
        assert result == {
            "ok": True,
            "action": "resolve",
            "succeeded": [second, first],
            "failed": [
                {
                    "error_group_id": "grp_missing",
                    "code": "NOT_FOUND",
                    "message": result["failed"][0]["message"],
                }
            ],
        }
        assert "grp_missing" in result["failed"][0]["message"]
        assert {tenant.get_group(group_id)["status"] for group_id in (first, second)} == {"resolved"}

    @pytest.mark.parametrize(
        ("action", "status", "substatus"),
        [("ignore", "ignored", "archived_forever"), ("unresolve", "unresolved", "ongoing")],
    )
    def test_status_actions(self, tenant: Tenant, action: str, status: str, substatus: str) -> None:
        """ignore and unresolve set the same states as set_status."""
        group_id = capture(tenant)["error_group_id"]
        tenant.set_status(group_id, "resolved")
        tenant.bulk([group_id], action)  # type: ignore[arg-type]
        group = tenant.get_group(group_id)
        assert (group["status"], group["substatus"]) == (status, substatus)

    def test_delete_action_cascades(self, tenant: Tenant) -> None:
        """Bulk delete removes groups and their events; a repeated id is deleted once."""
        event = capture(tenant)
        result = tenant.bulk([event["error_group_id"], event["error_group_id"]], "delete")
        assert result["succeeded"] == [event["error_group_id"]]
        assert result["failed"] == []
        with pytest.raises(NotFound):
            tenant.get_event(event["error_id"])

    @pytest.mark.parametrize(("count", "rule"), [(0, "min_items"), (1001, "max_items")])
    def test_size_limits(self, tenant: Tenant, count: int, rule: str) -> None:
        """Zero ids or more than 1000 ids are rejected as a whole."""
        with pytest.raises(InvalidInput) as error:
            tenant.bulk([f"grp_{index}" for index in range(count)], "resolve")
        assert error.value.details == {"field": "error_group_ids", "rule": rule}

    def test_a_thousand_ids_are_fine(self, tenant: Tenant) -> None:
        """Exactly 1000 ids is within the limit."""
        result = tenant.bulk([f"grp_{index}" for index in range(1000)], "ignore")
        assert len(result["failed"]) == 1000

    def test_bad_action_and_id_types(self, tenant: Tenant) -> None:
        """An unknown action, a string instead of a list, or non-string ids are rejected."""
        with pytest.raises(InvalidInput) as error:
            tenant.bulk(["grp_1"], "merge")  # type: ignore[arg-type]
        assert error.value.details["field"] == "action"
        for bad in ("grp_1", [1]):
            with pytest.raises(InvalidInput) as error:
                tenant.bulk(bad, "resolve")  # type: ignore[arg-type]
            assert error.value.details == {"field": "error_group_ids", "rule": "type"}
