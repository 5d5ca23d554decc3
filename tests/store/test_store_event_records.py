"""Stored events keep their JSON text and a compact record; documents are decoded when read.

The read cache of decoded documents is bounded (`DOCUMENT_CACHE`), so these tests read events
before and after it has been emptied, and check that the shared tag sets are never reachable
through a document a caller gets.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import capture, make_store

from mockserver.contract.validation import SHARED_VERDICTS
from mockserver.store.model import DOCUMENT_CACHE

TAG_TEXT = st.text(alphabet="abcdefgh-_0123456789", min_size=1, max_size=12)


def test_an_event_reads_the_same_after_the_document_cache_has_been_emptied() -> None:
    """get_event, pages and the state dump give what capture stored, cached or decoded again."""
    store, _ = make_store(seed=3)
    tenant = store.tenant("records")
    first = capture(tenant, "disk full on /var", code="E_DISK", tags={"host": "db-1", "zone": "eu"})
    as_captured = json.loads(json.dumps(tenant.get_event(first["error_id"])))
    for number in range(DOCUMENT_CACHE + 10):  # every cached document is dropped at least once
        capture(tenant, f"filler {number}", tags={"host": f"web-{number % 3}"})
    again = tenant.get_event(first["error_id"])
    assert again == as_captured
    assert json.loads(again.encoded) == as_captured
    dumped = next(doc for doc in tenant.dump()["events"] if doc["id"] == first["error_id"])
    assert dumped == as_captured


def test_events_with_equal_tags_share_one_record_but_documents_do_not_alias_it() -> None:
    """Two events tagged alike share their tags record; changing one's document changes nothing stored."""
    store, _ = make_store(seed=4)
    tenant = store.tenant("tags")
    one = capture(tenant, "a", tags={"service": "checkout", "region": "eu"})
    two = capture(tenant, "b", tags={"service": "checkout", "region": "eu"})
    events = {event.id: event for event in tenant.events_oldest_first()}
    assert events[one["error_id"]].tags is events[two["error_id"]].tags
    tenant.get_event(one["error_id"])["tags"]["service"] = "tampered"  # a careless caller
    assert events[two["error_id"]].tags == {"service": "checkout", "region": "eu"}
    found = tenant.search_events("tags.service:checkout", limit=10).items
    assert sorted(item["id"] for item in found) == sorted([one["error_id"], two["error_id"]])


def test_strict_mode_keeps_no_more_event_verdicts_than_decoded_documents() -> None:
    """Each remembered verdict holds its document alive: the two bounds are one."""
    assert SHARED_VERDICTS["#/components/schemas/ErrorEvent"] == DOCUMENT_CACHE


@settings(max_examples=60, deadline=None)
@given(
    tags=st.dictionaries(TAG_TEXT, TAG_TEXT, max_size=4),
    message=st.text(min_size=1, max_size=40).filter(lambda text: "\x00" not in text),
)
def test_a_restored_event_holds_the_record_its_capture_held(tags: dict[str, str], message: str) -> None:
    """Restoring from the JSON text rebuilds the same record: fields, tags and search words."""
    store, _ = make_store(seed=5)
    tenant = store.tenant("original")
    capture(tenant, message, code="C1", tags=tags, environment="production", user_id="u-1")
    restored = store.load_tenant(tenant.dump(internal=True), api_key="restored")
    (before,) = tenant.events_oldest_first()
    (after,) = restored.events_oldest_first()
    for name in ("id", "group_id", "ts", "level", "environment", "release", "user_id", "code", "tags"):
        assert getattr(after, name) == getattr(before, name), name
    assert sorted(after.haystack) == sorted(before.haystack)
    assert after.encoded == before.encoded


def test_events_purged_before_any_search_are_not_kept_by_the_search_index() -> None:
    """Trigrams wait for the first free-text search; dead events waiting go with the index's compaction.

    The index drops removed events lazily, at most 1,023 (or as many as it holds live) at a time:
    the events waiting for their trigrams are bounded the same way, whether or not anyone searches.
    """
    store, clock = make_store(seed=6)
    tenant = store.tenant("never-searches")
    tenant.set_retention(1)
    for number in range(5000):
        capture(tenant, f"message {number}")
    clock.advance(3 * 86400)
    tenant.purge_expired()
    index = tenant._index  # what the index holds is the point
    assert len(index.events) == 0
    assert len(index._grams_pending) <= index._dead < 1024
    capture(tenant, "after the purge")
    assert [item["message"] for item in tenant.search_events("purge").items] == ["after the purge"]
