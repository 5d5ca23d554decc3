"""Capturing events: body rules, the stored event shape, idempotency."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from store_helpers import capture

from mockserver.store import InvalidInput, ManualClock, NotFound, Store, Tenant


def field_of(error: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, str]:
    """Return the (field, rule) an InvalidInput names."""
    return error.value.details["field"], error.value.details["rule"]


class TestCaptureResult:
    def test_result_shape(self, tenant: Tenant) -> None:
        """A capture answers ok, the event and group ids, is_new_group and duplicate false."""
        result = capture(tenant)
        assert set(result) == {"ok", "error_id", "error_group_id", "is_new_group", "duplicate"}
        assert result["ok"] is True
        assert re.fullmatch(r"evt_[0-9a-f]{16}", result["error_id"])
        assert re.fullmatch(r"grp_[0-9a-f]{16}", result["error_group_id"])
        assert result["is_new_group"] is True
        assert result["duplicate"] is False

    def test_second_matching_event_joins_the_group(self, tenant: Tenant) -> None:
        """A second event with the same fingerprint reports is_new_group false and the same group."""
        first, second = capture(tenant, "user 1 gone"), capture(tenant, "user 2 gone")
        assert second["error_group_id"] == first["error_group_id"]
        assert second["is_new_group"] is False
        assert second["error_id"] != first["error_id"]


class TestStoredEvent:
    def test_full_capture_event_shape(self, tenant: Tenant, clock: ManualClock) -> None:
        """Every body field lands in the ErrorEvent, with the store clock's timestamp."""
        clock.advance(1.2345)
        body = {
            "message": "checkout failed",
            "exception": {"type": "ValueError", "message": "bad qty 3", "stacktrace": "trace"},
            "code": "E_QTY",
            "tags": {"region": "eu"},
            "level": "fatal",
            "user_id": "u1",
            "release": "1.2.3",
            "environment": "staging",
        }
        result = tenant.capture(body, source="capture")
        event = tenant.get_event(result["error_id"])
        assert event == {
            "id": result["error_id"],
            "error_group_id": result["error_group_id"],
            "timestamp": "2026-01-01T00:00:01.234Z",
            "level": "fatal",
            "message": "checkout failed",
            "code": "E_QTY",
            "exception": {"type": "ValueError", "message": "bad qty 3", "stacktrace": "trace"},
            "stack": "trace",
            "tags": {"region": "eu"},
            "user_id": "u1",
            "release": "1.2.3",
            "environment": "staging",
            "fingerprint": event["fingerprint"],
            "source": "capture",
        }
        assert re.fullmatch(r"[0-9a-f]{32}", event["fingerprint"])
        json.dumps(event)

    def test_defaults_for_a_bare_message(self, tenant: Tenant) -> None:
        """A bare message defaults to level error and null optional fields."""
        event = tenant.get_event(capture(tenant)["error_id"])
        assert event["level"] == "error"
        assert event["exception"] is None
        assert event["code"] is None
        assert event["stack"] is None
        assert event["tags"] == {}
        assert (event["user_id"], event["release"], event["environment"]) == (None, None, None)

    def test_message_falls_back_to_exception_message_then_type(self, tenant: Tenant) -> None:
        """The event message is body.message, else exception.message, else exception.type."""
        with_message = tenant.capture({"exception": {"type": "KeyError", "message": "k"}}, source="capture")
        type_only = tenant.capture({"exception": {"type": "KeyError"}}, source="capture")
        assert tenant.get_event(with_message["error_id"])["message"] == "k"
        assert tenant.get_event(type_only["error_id"])["message"] == "KeyError"

    def test_body_stack_wins_over_exception_stacktrace(self, tenant: Tenant) -> None:
        """The effective stack is body.stack when present, else exception.stacktrace."""
        both = tenant.capture(
            {"exception": {"type": "E", "stacktrace": "inner"}, "stack": "outer"}, source="capture"
        )
        assert tenant.get_event(both["error_id"])["stack"] == "outer"
        assert tenant.get_event(both["error_id"])["exception"]["stacktrace"] == "inner"

    def test_message_source_uses_text_and_defaults_to_info(self, tenant: Tenant) -> None:
        """A message capture takes `text` as its message, level info, source "message"."""
        result = tenant.capture(
            {"text": "deploy done", "tags": {"a": "b"}, "idempotency_key": "ignored"}, source="message"
        )
        event = tenant.get_event(result["error_id"])
        assert (event["message"], event["level"], event["source"]) == ("deploy done", "info", "message")
        assert event["tags"] == {"a": "b"}

    def test_reads_return_the_same_document(self, tenant: Tenant) -> None:
        """Events are built once: every read returns the identical stored document."""
        event_id = capture(tenant)["error_id"]
        assert tenant.get_event(event_id) is tenant.get_event(event_id)
        assert tenant.list_events().items[0] is tenant.get_event(event_id)

    def test_unknown_event_is_not_found(self, tenant: Tenant) -> None:
        """get_event of an unknown id raises NotFound naming the event."""
        with pytest.raises(NotFound) as error:
            tenant.get_event("evt_0000000000000000")
        assert error.value.details == {"resource": "event", "id": "evt_0000000000000000"}


class TestCaptureValidation:
    @pytest.mark.parametrize(
        ("body", "source", "field", "rule"),
        [
            ({}, "capture", "message", "required"),
            ({"tags": {"a": "b"}}, "capture", "message", "required"),
            ({"message": 3}, "capture", "message", "type"),
            ({"exception": {"message": "no type"}}, "capture", "exception.type", "required"),
            ({"exception": {"type": 1}}, "capture", "exception.type", "type"),
            ({"exception": "E"}, "capture", "exception", "type"),
            ({"message": "m", "level": "critical"}, "capture", "level", "enum"),
            ({"message": "m", "environment": "qa"}, "capture", "environment", "enum"),
            ({"message": "m", "tags": {"a": 1}}, "capture", "tags.a", "type"),
            ({"message": "m", "tags": ["a"]}, "capture", "tags", "type"),
            ({"message": "m", "fingerprint": "x"}, "capture", "fingerprint", "type"),
            ({"message": "m", "fingerprint": [1]}, "capture", "fingerprint", "type"),
            ({"message": "m", "user_id": 5}, "capture", "user_id", "type"),
            ({}, "message", "text", "required"),
            ({"text": ["x"]}, "message", "text", "type"),
            ({"text": "x", "level": "loud"}, "message", "level", "enum"),
        ],
    )
    def test_unusable_bodies_raise_invalid_input(
        self, tenant: Tenant, body: dict[str, Any], source: Any, field: str, rule: str
    ) -> None:
        """A body the store cannot use raises InvalidInput naming the field and rule, storing nothing."""
        with pytest.raises(InvalidInput) as error:
            tenant.capture(body, source=source)
        assert field_of(error) == (field, rule)
        assert tenant.list_events().items == []

    def test_non_mapping_body_raises(self, tenant: Tenant) -> None:
        """A body that is not an object is rejected, not crashed on."""
        with pytest.raises(InvalidInput):
            tenant.capture(["message"], source="capture")  # type: ignore[arg-type]

    def test_unknown_source_raises(self, tenant: Tenant) -> None:
        """Only the capture and message sources exist."""
        with pytest.raises(InvalidInput) as error:
            tenant.capture({"message": "m"}, source="other")  # type: ignore[arg-type]
        assert field_of(error) == ("source", "enum")

    def test_null_optional_fields_count_as_absent(self, tenant: Tenant) -> None:
        """JSON nulls for optional fields behave like omitted fields."""
        result = tenant.capture({"message": "m", "level": None, "tags": None, "code": None}, source="capture")
        assert tenant.get_event(result["error_id"])["level"] == "error"


class TestIdempotency:
    def test_repeat_key_returns_first_result_marked_duplicate(self, tenant: Tenant) -> None:
        """A repeated key answers the first call's result with duplicate true and stores nothing."""
        first = tenant.capture({"message": "a"}, source="capture", idempotency_key="k1")
        again = tenant.capture({"message": "completely different"}, source="capture", idempotency_key="k1")
        assert again == {**first, "duplicate": True}
        assert len(tenant.list_events().items) == 1
        assert tenant.get_group(first["error_group_id"])["count"] == 1

    def test_namespace_is_shared_by_both_sources(self, tenant: Tenant) -> None:
        """A key used by capture is a duplicate when reused by message, and vice versa."""
        first = tenant.capture({"text": "hello"}, source="message", idempotency_key="shared")
        again = tenant.capture({"message": "x"}, source="capture", idempotency_key="shared")
        assert again["error_id"] == first["error_id"]
        assert again["duplicate"] is True

    def test_duplicates_do_not_regress_a_resolved_group(self, tenant: Tenant) -> None:
        """A replayed capture is not a new event, so a resolved group stays resolved."""
        first = tenant.capture({"message": "a"}, source="capture", idempotency_key="k")
        tenant.set_status(first["error_group_id"], "resolved")
        tenant.capture({"message": "a"}, source="capture", idempotency_key="k")
        assert tenant.get_group(first["error_group_id"])["status"] == "resolved"

    def test_keys_survive_deletion_of_the_event(self, tenant: Tenant) -> None:
        """After the group is deleted the key still answers the first result."""
        first = tenant.capture({"message": "a"}, source="capture", idempotency_key="k")
        tenant.delete_group(first["error_group_id"])
        assert tenant.capture({"message": "a"}, source="capture", idempotency_key="k") == {
            **first,
            "duplicate": True,
        }
        assert tenant.list_events().items == []

    def test_keys_are_per_tenant(self, store: Store) -> None:
        """The same key in two tenants creates two events."""
        first = store.tenant("a").capture({"message": "m"}, source="capture", idempotency_key="k")
        second = store.tenant("b").capture({"message": "m"}, source="capture", idempotency_key="k")
        assert second["duplicate"] is False
        assert second["error_id"] != first["error_id"]

    def test_failed_capture_does_not_claim_the_key(self, tenant: Tenant) -> None:
        """A rejected body leaves the key free for a later valid capture."""
        with pytest.raises(InvalidInput):
            tenant.capture({}, source="capture", idempotency_key="k")
        assert tenant.capture({"message": "m"}, source="capture", idempotency_key="k")["duplicate"] is False

    def test_reset_forgets_keys(self, store: Store) -> None:
        """Idempotency records live until reset."""
        store.tenant("a").capture({"message": "m"}, source="capture", idempotency_key="k")
        store.reset()
        assert (
            store.tenant("a").capture({"message": "m"}, source="capture", idempotency_key="k")["duplicate"]
            is False
        )

    def test_non_string_key_is_rejected(self, tenant: Tenant) -> None:
        """An idempotency key must be a string."""
        with pytest.raises(InvalidInput) as error:
            tenant.capture({"message": "m"}, source="capture", idempotency_key=5)  # type: ignore[arg-type]
        assert field_of(error) == ("idempotency_key", "type")
