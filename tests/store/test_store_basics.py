"""Clocks, ids, errors and pages: the small building blocks of the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mockserver.store import (
    DomainError,
    IdFactory,
    InvalidInput,
    ManualClock,
    NotFound,
    Page,
    Store,
    SystemClock,
)
from mockserver.store.clock import iso_ms, parse_iso


class TestManualClock:
    def test_defaults_to_new_year_2026(self) -> None:
        """A manual clock without a start reads 2026-01-01T00:00:00Z."""
        assert ManualClock().now() == datetime(2026, 1, 1, tzinfo=UTC)

    def test_is_frozen_until_moved(self) -> None:
        """Reading the clock twice gives the same instant."""
        clock = ManualClock()
        assert clock.now() == clock.now()

    def test_advance_moves_forwards_and_returns_the_new_time(self) -> None:
        """advance() adds seconds and returns the new reading."""
        clock = ManualClock()
        assert clock.advance(90.5) == datetime(2026, 1, 1, 0, 1, 30, 500000, tzinfo=UTC)
        assert clock.now() == datetime(2026, 1, 1, 0, 1, 30, 500000, tzinfo=UTC)

    def test_advance_rejects_negative_seconds(self) -> None:
        """A clock never goes backwards through advance()."""
        with pytest.raises(ValueError, match="negative"):
            ManualClock().advance(-1)

    def test_set_jumps_forwards_and_normalizes_to_utc(self) -> None:
        """set() accepts any aware time not before now and stores it in UTC."""
        clock = ManualClock()
        when = datetime(2026, 1, 1, 5, tzinfo=timezone(timedelta(hours=2)))
        assert clock.set(when) == datetime(2026, 1, 1, 3, tzinfo=UTC)
        assert clock.now().tzinfo == UTC

    def test_set_rejects_the_past(self) -> None:
        """set() refuses a time earlier than the current one."""
        clock = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
        with pytest.raises(ValueError, match="backwards"):
            clock.set(datetime(2026, 5, 1, tzinfo=UTC))

    def test_rejects_naive_times(self) -> None:
        """Naive datetimes are refused at construction and by set()."""
        with pytest.raises(ValueError, match="timezone"):
            ManualClock(datetime(2026, 1, 1))
        with pytest.raises(ValueError, match="timezone"):
            ManualClock().set(datetime(2027, 1, 1))


class TestSystemClock:
    def test_reads_aware_utc_time_that_never_decreases(self) -> None:
        """The system clock is tz-aware UTC and monotonic across reads."""
        clock = SystemClock()
        first, second = clock.now(), clock.now()
        assert first.tzinfo == UTC
        assert second >= first

    def test_default_store_uses_the_system_clock(self) -> None:
        """A store built without a clock reads the wall clock."""
        assert isinstance(Store().clock, SystemClock)


class TestTimeFormat:
    def test_iso_ms_has_milliseconds_and_z(self) -> None:
        """Timestamps render as ISO-8601 UTC with exactly three fractional digits and Z."""
        assert iso_ms(datetime(2026, 1, 2, 3, 4, 5, 678999, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
            ("2026-01-02T05:04:05+02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
            ("2026-01-02T03:04:05", None),
            ("yesterday", None),
        ],
    )
    def test_parse_iso_requires_a_timezone(self, text: str, expected: datetime | None) -> None:
        """Only ISO-8601 datetimes with an offset or Z parse."""
        assert parse_iso(text) == expected

    @pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
    def test_parse_iso_refuses_times_without_a_utc_form(self, text: str) -> None:
        """A valid date whose UTC instant falls outside years 1..9999 does not parse (no OverflowError)."""
        assert parse_iso(text) is None

    def test_iso_ms_pads_early_years_to_four_digits(self) -> None:
        """Years before 1000 keep the four-digit ISO form."""
        assert iso_ms(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000Z"


class TestIdFactory:
    def test_ids_are_prefix_underscore_sixteen_hex(self) -> None:
        """An id is the prefix, an underscore and 16 lowercase hex digits."""
        new_id = IdFactory().new("evt")
        assert new_id.startswith("evt_")
        assert len(new_id) == 20
        assert all(char in "0123456789abcdef" for char in new_id[4:])

    def test_a_seed_makes_ids_reproducible(self) -> None:
        """Two factories with the same seed produce the same sequence."""
        first, second = IdFactory(42), IdFactory(42)
        assert [first.new("grp") for _ in range(5)] == [second.new("grp") for _ in range(5)]

    def test_unseeded_factories_differ(self) -> None:
        """Unseeded factories draw from system randomness."""
        assert IdFactory().new("x") != IdFactory().new("x")

    def test_seeded_stores_assign_the_same_ids(self) -> None:
        """Replaying the same captures on two seeded stores yields identical ids."""
        results = []
        for _ in range(2):
            tenant = Store(ManualClock(), IdFactory(3)).tenant("k")
            results.append([tenant.capture({"message": f"m{i}"}, source="capture") for i in range(3)])
        assert results[0] == results[1]

    def test_reset_restarts_a_seeded_sequence(self) -> None:
        """After reset() a seeded factory hands out its first ids again."""
        factory = IdFactory(42)
        first = [factory.new("evt") for _ in range(3)]
        factory.new("grp")
        factory.reset()
        assert [factory.new("evt") for _ in range(3)] == first

    def test_store_reset_makes_ids_independent_of_earlier_use(self) -> None:
        """A seeded store assigns the same ids after reset() however much it was used before."""
        store = Store(ManualClock(), IdFactory(3))
        fresh = store.tenant("k").capture({"message": "m"}, source="capture")
        for index in range(5):
            store.tenant(f"other{index}").capture({"message": "m"}, source="capture")
        store.reset()
        assert store.tenant("k").capture({"message": "m"}, source="capture") == fresh

    def test_a_factory_resumed_at_a_position_goes_on_like_the_original(self) -> None:
        """`resume(*position())` on a new factory with the same seed continues the same sequence."""
        original = IdFactory(42)
        for _ in range(7):
            original.new("evt")
        position = original.position()
        assert position == ("42", 7)
        resumed = IdFactory(42)
        resumed.resume(*position)
        assert [resumed.new("evt") for _ in range(3)] == [original.new("evt") for _ in range(3)]

    def test_a_forked_factory_leaves_its_seeds_sequence_and_can_be_resumed(self) -> None:
        """A fork draws from a stream of its own, recorded in its position like the seed's."""
        seeded, forked = IdFactory(42), IdFactory(42)
        forked.fork()
        stream, drawn = forked.position() or ("", -1)
        assert stream.startswith("42/")
        assert drawn == 0
        fork_ids = [forked.new("evt") for _ in range(5)]
        assert not set(fork_ids) & {seeded.new("evt") for _ in range(50)}
        again = IdFactory(42)
        again.resume(stream, 2)
        assert [again.new("evt") for _ in range(3)] == fork_ids[2:]

    def test_an_unseeded_factory_has_no_position(self) -> None:
        """Random ids need none: they cannot repeat a sequence."""
        factory = IdFactory()
        factory.new("evt")
        assert factory.position() is None


class TestErrors:
    def test_not_found_carries_code_and_resource(self) -> None:
        """NotFound has code NOT_FOUND and names the resource and id."""
        error = NotFound("error_group", "grp_1")
        assert isinstance(error, DomainError)
        assert error.code == "NOT_FOUND"
        assert error.details == {"resource": "error_group", "id": "grp_1"}
        assert "grp_1" in error.message

    def test_invalid_input_names_field_and_rule(self) -> None:
        """InvalidInput has code INVALID_REQUEST and names the field and rule in details and message."""
        error = InvalidInput("filter.since", "datetime", "must be a datetime")
        assert error.code == "INVALID_REQUEST"
        assert error.details == {"field": "filter.since", "rule": "datetime"}
        assert "filter.since" in error.message
        assert "datetime" in error.message


class TestPage:
    def test_as_json_is_the_wire_envelope(self) -> None:
        """A page renders as items plus next_cursor."""
        assert Page([{"id": "x"}], None).as_json() == {"items": [{"id": "x"}], "next_cursor": None}
