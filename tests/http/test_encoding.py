"""Responses reuse each stored event's encoding, and the result is the same JSON as a fresh encode."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mockserver.http.errors import encode_json
from mockserver.store import EncodedDocument, Store

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
documents = st.dictionaries(st.text(), json_values, max_size=4).map(EncodedDocument)


class TestEncodeJson:
    @given(
        items=st.lists(documents, max_size=4),
        cursor=st.none() | st.text(),
        single=documents,
        extra=json_values,
    )
    def test_equals_a_compact_dump(
        self, items: list[Any], cursor: str | None, single: Any, extra: Any
    ) -> None:
        """Pages, details and plain values encode exactly as `json.dumps(..., separators=(",", ":"))`."""
        for payload in ({"items": items, "next_cursor": cursor}, {"latest_event": single, "x": extra}, extra):
            assert encode_json(payload) == json.dumps(payload, separators=(",", ":"))

    def test_stored_events_are_encoded_documents(self) -> None:
        """The store hands out each event as one shared, pre-encoded document."""
        tenant = Store().tenant("k")
        event_id = tenant.capture({"message": 'héllo, "world"'}, source="capture")["error_id"]
        event = tenant.get_event(event_id)
        assert type(event) is EncodedDocument
        assert event is tenant.list_events().items[0]
        assert json.loads(event.encoded) == event

    def test_group_documents_details_and_pages_encode_as_a_fresh_dump(self) -> None:
        """Groups, group details and group pages are shared encoded documents equal to a fresh encode."""
        tenant = Store().tenant("k")
        for index in range(3):
            group_id = tenant.capture(
                {"message": f'boom "{index}"', "tags": {"t": "ü"}, "fingerprint": [str(index)]},
                source="capture",
            )["error_group_id"]
        documents = [
            tenant.get_group(group_id),
            tenant.group_detail(group_id),
            tenant.list_groups(limit=2).as_json(),
            tenant.list_groups(limit=2).as_json(),
        ]
        for document in documents:
            assert type(document) is EncodedDocument
            assert encode_json(document) == json.dumps(document, separators=(",", ":"))
        assert documents[2] is documents[3]  # an unchanged listing's page is shared
        tenant.set_status(group_id, "resolved")
        assert tenant.group_detail(group_id)["status"] == "resolved"
        assert group_id in [item["id"] for item in tenant.list_groups(status="resolved").items]
