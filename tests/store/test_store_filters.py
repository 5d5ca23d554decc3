"""The filter DSL and the search query language."""

from __future__ import annotations

from typing import Any

import pytest
from store_helpers import capture, ids

from mockserver.store import InvalidInput, ManualClock, Tenant
from mockserver.store.filters import parse_filter, parse_search, tokenize


@pytest.fixture
def events(tenant: Tenant, clock: ManualClock) -> dict[str, str]:
    """Capture a small, varied data set one minute apart; map names to event ids."""
    bodies: dict[str, dict[str, Any]] = {
        "db": {
            "message": "Timeout talking to DB",
            "level": "error",
            "environment": "production",
            "release": "1.0",
            "user_id": "alice",
            "code": "E_DB",
            "tags": {"region": "eu", "Browser": "Chrome"},
        },
        "perm": {
            "exception": {"type": "PermissionError", "message": "permission denied for /etc"},
            "level": "warning",
            "environment": "staging",
            "release": "2.0",
            "user_id": "bob",
            "tags": {"region": "us"},
        },
        "pay": {
            "message": "payment declined",
            "level": "fatal",
            "environment": "production",
            "release": "2.0",
            "code": "E_PAY",
            "tags": {"region": "eu", "card": "visa"},
        },
        "note": {"message": "cache warmed", "level": "info"},
    }
    names: dict[str, str] = {}
    for name, body in bodies.items():
        names[name] = tenant.capture(body, source="capture")["error_id"]
        clock.advance(60)
    return names


def listed(tenant: Tenant, flt: dict[str, Any] | None) -> list[str]:
    """Return ids listed for a filter, asserting list, search and export agree."""
    listed_ids = ids(tenant.list_events(filter=flt, limit=100).items)
    assert ids(tenant.search_events("", filter=flt, limit=100).items) == listed_ids
    assert ids(tenant.export(filter=flt)["events"]) == listed_ids
    return listed_ids


class TestFilterDsl:
    @pytest.mark.parametrize(
        ("flt", "expected"),
        [
            (None, ["note", "pay", "perm", "db"]),
            ({}, ["note", "pay", "perm", "db"]),
            ({"level": "error"}, ["db"]),
            ({"level": ["error", "fatal"]}, ["pay", "db"]),
            ({"environment": "production"}, ["pay", "db"]),
            ({"release": "2.0"}, ["pay", "perm"]),
            ({"user_id": "bob"}, ["perm"]),
            ({"code": ["E_DB", "E_PAY"]}, ["pay", "db"]),
            ({"tags.region": "eu"}, ["pay", "db"]),
            ({"tags.region": "eu", "tags.card": "visa"}, ["pay"]),
            ({"tags.Browser": "Chrome"}, ["db"]),
            ({"tags.browser": "Chrome"}, []),
            ({"release": "2.0", "environment": "production"}, ["pay"]),
            ({"since": "2026-01-01T00:01:00Z"}, ["note", "pay", "perm"]),
            ({"until": "2026-01-01T00:01:00Z"}, ["db"]),
            ({"since": "2026-01-01T00:01:00Z", "until": "2026-01-01T00:03:00Z"}, ["pay", "perm"]),
            ({"since": "2026-01-01T01:01:00+01:00"}, ["note", "pay", "perm"]),
            ({"user_id": "nobody"}, []),
        ],
    )
    def test_each_key_narrows_the_same_way_everywhere(
        self, tenant: Tenant, events: dict[str, str], flt: dict[str, Any] | None, expected: list[str]
    ) -> None:
        """Each filter key (scalar = equals, list = any of) gives the same set in list, search and export."""
        assert listed(tenant, flt) == [events[name] for name in expected]

    def test_error_group_id_and_status(self, tenant: Tenant, events: dict[str, str]) -> None:
        """error_group_id picks a group's events; status follows the group's current status."""
        group_id = tenant.get_event(events["perm"])["error_group_id"]
        assert listed(tenant, {"error_group_id": group_id}) == [events["perm"]]
        assert listed(tenant, {"status": "resolved"}) == []
        tenant.set_status(group_id, "resolved")
        assert listed(tenant, {"status": "resolved"}) == [events["perm"]]
        assert listed(tenant, {"status": ["ignored", "resolved"], "level": "warning"}) == [events["perm"]]
        assert events["perm"] not in listed(tenant, {"status": "unresolved"})

    @pytest.mark.parametrize(
        ("flt", "field", "rule"),
        [
            ({"colour": "red"}, "filter.colour", "unknown_key"),
            ({"tags.": "x"}, "filter.tags.", "unknown_key"),
            ({"Level": "error"}, "filter.Level", "unknown_key"),
            ({"level": 3}, "filter.level", "type"),
            ({"level": ["error", 3]}, "filter.level", "type"),
            ({"level": {"eq": "error"}}, "filter.level", "type"),
            ({"release": []}, "filter.release", "non_empty"),
            ({"level": "critical"}, "filter.level", "enum"),
            ({"environment": ["production", "qa"]}, "filter.environment", "enum"),
            ({"status": "open"}, "filter.status", "enum"),
            ({"since": "yesterday"}, "filter.since", "datetime"),
            ({"until": "2026-01-01T00:00:00"}, "filter.until", "datetime"),
            ({"since": 1700000000}, "filter.since", "type"),
            ({"since": ["2026-01-01T00:00:00Z"]}, "filter.since", "type"),
        ],
    )
    def test_bad_filters_name_the_key_and_rule(
        self, tenant: Tenant, flt: dict[str, Any], field: str, rule: str
    ) -> None:
        """Unknown keys, bad types, empty lists, bad enums and bad times fail list, search and export."""
        calls = [
            lambda: tenant.list_events(filter=flt),
            lambda: tenant.search_events("x", filter=flt),
            lambda: tenant.export(filter=flt),
        ]
        for call in calls:
            with pytest.raises(InvalidInput) as error:
                call()
            assert error.value.details == {"field": field, "rule": rule}
            assert field in error.value.message

    @pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
    @pytest.mark.parametrize("key", ["since", "until"])
    def test_time_bounds_without_a_utc_form_clamp_to_the_range(
        self, tenant: Tenant, key: str, when: str
    ) -> None:
        """A valid RFC 3339 since/until outside the UTC datetime range bounds at the range's end.

        The spec's `date-time` admits it, so it is never a 400: year 1 at +01:00 is before every event
        (a `since` keeps them all, an `until` none), year 9999 at -01:00 after every event.
        """
        tenant.capture({"message": "kept"}, source="capture")
        early = when.startswith("0001")
        expected = 1 if (key == "since") == early else 0
        assert len(tenant.list_events(filter={key: when}).items) == expected
        assert len(tenant.search_events(f"{key}:{when}").items) == expected

    def test_filter_must_be_an_object(self, tenant: Tenant) -> None:
        """A non-object filter is rejected."""
        with pytest.raises(InvalidInput) as error:
            tenant.list_events(filter=["level"])  # type: ignore[arg-type]
        assert error.value.details == {"field": "filter", "rule": "type"}


class TestTokenize:
    def test_whitespace_quotes_and_lists(self) -> None:
        """Tokens split on whitespace, quotes group words, key:[a, b] stays one token."""
        assert tokenize('  level:error "connection reset" tags.x:[a, b] is:"resolved"  ') == [
            ("level", "error"),
            (None, "connection reset"),
            ("tags.x", "[a, b]"),
            ("is", "resolved"),
        ]

    def test_quoted_colon_is_not_a_key(self) -> None:
        """A colon inside quotes does not make a key:value token."""
        assert tokenize('"level:error"') == [(None, "level:error")]


class TestSearch:
    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("", ["note", "pay", "perm", "db"]),
            ("   ", ["note", "pay", "perm", "db"]),
            ("timeout", ["db"]),
            ("TIMEOUT db", ["db"]),
            ('"talking to db"', ["db"]),
            ('"to db timeout"', []),
            ("permissionerror", ["perm"]),
            ("/etc", ["perm"]),
            ("e_pay", ["pay"]),
            ("visa", ["pay"]),
            ("chrome", ["db"]),
            ("eu", ["pay", "db"]),
            ("timeout payment", []),
            ("level:fatal", ["pay"]),
            ("LEVEL:FATAL", ["pay"]),
            ("level:[error, fatal]", ["pay", "db"]),
            ("environment:production declined", ["pay"]),
            ("release:2.0", ["pay", "perm"]),
            ("user_id:ALICE", ["db"]),
            ("code:e_db", ["db"]),
            ("tags.region:EU", ["pay", "db"]),
            ("tags.browser:chrome", ["db"]),
            ("tags.region:[us, eu] tags.card:visa", ["pay"]),
            ("is:unresolved level:info", ["note"]),
            ("since:2026-01-01T00:02:00Z", ["note", "pay"]),
            ("until:2026-01-01T00:01:00Z", ["db"]),
            ("nope:value", []),
            ("alice", []),
        ],
    )
    def test_queries(self, tenant: Tenant, events: dict[str, str], q: str, expected: list[str]) -> None:
        """Free text must all appear in some searchable field; key:value tokens filter, case-insensitively."""
        assert ids(tenant.search_events(q, limit=100).items) == [events[name] for name in expected]

    def test_tokens_and_with_the_filter_param(self, tenant: Tenant, events: dict[str, str]) -> None:
        """Search tokens narrow further whatever the filter param selects."""
        assert ids(tenant.search_events("tags.region:eu", filter={"level": "fatal"}).items) == [events["pay"]]
        assert ids(tenant.search_events("level:error", filter={"level": "fatal"}).items) == []

    def test_status_alias(self, tenant: Tenant, events: dict[str, str]) -> None:
        """is: and status: both filter on the group's status."""
        tenant.set_status(tenant.get_event(events["note"])["error_group_id"], "ignored")
        assert ids(tenant.search_events("is:ignored").items) == [events["note"]]
        assert ids(tenant.search_events("status:IGNORED").items) == [events["note"]]

    def test_error_group_id_token(self, tenant: Tenant, events: dict[str, str]) -> None:
        """error_group_id:<id> selects that group's events."""
        group_id = tenant.get_event(events["pay"])["error_group_id"]
        assert ids(tenant.search_events(f"error_group_id:{group_id.upper()}").items) == [events["pay"]]

    @pytest.mark.parametrize(
        ("q", "rule"),
        [
            ("level:critical", "enum"),
            ("is:open", "enum"),
            ("environment:qa", "enum"),
            ("since:yesterday", "datetime"),
            ("release:", "non_empty"),
            ("level:[error,]", "non_empty"),
        ],
    )
    def test_bad_token_values_blame_q(self, tenant: Tenant, q: str, rule: str) -> None:
        """A bad value in a key:value token raises InvalidInput(q)."""
        with pytest.raises(InvalidInput) as error:
            tenant.search_events(q)
        assert error.value.details == {"field": "q", "rule": rule}

    def test_paging_search_results(self, tenant: Tenant, events: dict[str, str]) -> None:
        """Search results page with cursors bound to the query string."""
        first = tenant.search_events("eu", limit=1)
        assert ids(first.items) == [events["pay"]]
        second = tenant.search_events("eu", limit=1, cursor=first.next_cursor)
        assert ids(second.items) == [events["db"]]
        assert second.next_cursor is None
        with pytest.raises(InvalidInput):
            tenant.search_events("us", limit=1, cursor=first.next_cursor)

    def test_many_events_filtered_by_a_rare_tag(self, tenant: Tenant) -> None:
        """A filter on a rare indexed value finds its events among many others, newest first."""
        rare = []
        for index in range(300):
            result = capture(tenant, f"bulk {index}", tags={"rare": "yes"} if index % 100 == 7 else {})
            if index % 100 == 7:
                rare.append(result["error_id"])
        assert ids(tenant.search_events("tags.rare:yes bulk").items) == rare[::-1]
        assert ids(tenant.list_events(filter={"tags.rare": ["yes", "no"]}).items) == rare[::-1]


@pytest.mark.parametrize("text", ["2020-01-01T00:00:00z", "2020-01-01t00:00:00Z", "2020-01-01t00:00:00z"])
def test_lower_case_t_and_z_are_accepted_in_filter_times(text: str) -> None:
    """RFC 3339 allows lower-case t and z; since/until take them (also in search's since:)."""
    when = parse_filter({"since": text}).since
    assert when is not None
    assert when.isoformat() == "2020-01-01T00:00:00+00:00"
    assert parse_search(f"since:{text}")[0].since == when
