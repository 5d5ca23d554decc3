"""A tenant's events in capture order, with inverted indexes for filtered, newest-first walks."""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from .filters import Condition, SearchToken
from .model import Event

__all__ = ["EventIndex"]

_COMPACT_MIN_DEAD = 1024
GRAM = 3  # free-text terms this long or longer are narrowed by the trigram index


def grams(text: str) -> set[str]:
    """Return the distinct GRAM-character substrings of `text`."""
    return {text[i : i + GRAM] for i in range(len(text) - GRAM + 1)}


class EventIndex:
    """Events by sequence and id, plus ascending sequence lists per (field, value), deleted lazily.

    A group's status belongs to the group, not its events, so the index also keeps the group ids
    per status (the tenant reports every change) and answers a status condition with the union of
    those groups' sequence lists.
    """

    def __init__(self) -> None:
        self.events: dict[int, Event] = {}
        self.by_id: dict[str, Event] = {}
        # Ascending sequences; entries before `_head` are purged, removed ones stay until compaction.
        self._order: list[int] = []
        # The capture time of each `_order` entry: ascending too, since capture order is time order.
        self._times: list[datetime] = []
        self._head = 0
        self._fields: dict[str, dict[str, list[int]]] = {}
        self._status_groups: dict[str, set[str]] = {}
        # Search is a substring match, so words are indexed by their trigrams: an event holding a
        # term holds every trigram of it, and the rarest trigram's list bounds the walk.
        self._grams: dict[str, array[int]] = {}
        # Trigrams are filed when a free-text search first needs them, not on capture: captured
        # events wait in `_grams_pending` (one list append each), so a suite that never searches by
        # word never pays for the index, and one that does pays once per batch of new events.
        self._grams_pending: list[Event] = []
        # True after a restore that left the trigrams out: every live event is filed on the next search.
        self._grams_deferred = False
        self._dead = 0

    def __len__(self) -> int:
        return len(self.events)

    def add(self, event: Event) -> None:
        """File a new event, which must have the highest sequence so far."""
        self.events[event.seq] = event
        self.by_id[event.id] = event
        self._order.append(event.seq)
        self._times.append(event.ts)
        self._postings("error_group_id", event.group_id).append(event.seq)
        for name, value in event.index_keys():
            self._postings(name, value).append(event.seq)
        if not self._grams_deferred:
            self._grams_pending.append(event)

    def _file_grams(self, event: Event) -> None:
        gram_lists = self._grams
        for gram in set().union(*map(grams, event.haystack)):
            postings = gram_lists.get(gram)
            if postings is None:
                postings = gram_lists[gram] = array("I")
            postings.append(event.seq)

    def extend(self, events: list[Event], *, defer_grams: bool = False) -> None:
        """File many events at once (a restore), in ascending sequence, all above the highest so far.

        `defer_grams` leaves the trigram lists out until a free-text search first needs them, so a
        restore does not pay for a search that may never come (about a third of its time).
        """
        stored, by_id, order, times, fields = self.events, self.by_id, self._order, self._times, self._fields
        if defer_grams or self._grams_deferred:
            self._grams_deferred = True
        else:
            self._grams_pending.extend(events)
        for event in events:
            seq = event.seq
            stored[seq] = event
            by_id[event.id] = event
            order.append(seq)
            times.append(event.ts)
            for name, value in (("error_group_id", event.group_id), *event.index_keys()):
                values = fields.get(name)
                if values is None:
                    values = fields[name] = {}
                postings = values.get(value)
                if postings is None:
                    values[value] = [seq]
                else:
                    postings.append(seq)

    def _gram_lists(self) -> dict[str, array[int]]:
        """Return the trigram lists, first filing the events not filed yet (oldest first, so lists ascend)."""
        if self._grams_deferred:
            self._grams_deferred = False
            self._grams_pending.clear()
            for event in self.oldest_first():
                self._file_grams(event)
        elif self._grams_pending:
            live = self.events
            for event in self._grams_pending:
                if live.get(event.seq) is event:  # removed since: nothing to file
                    self._file_grams(event)
            self._grams_pending.clear()
        return self._grams

    def _postings(self, name: str, value: str) -> list[int]:
        return self._fields.setdefault(name, {}).setdefault(value, [])

    def file_group(self, group_id: str, status: str, previous: str | None = None) -> None:
        """Record a new group's status (`previous` None) or a group's change from `previous` to `status`."""
        if previous is not None:
            self._status_groups[previous].discard(group_id)
        self._status_groups.setdefault(status, set()).add(group_id)

    def forget_group(self, group_id: str, status: str) -> None:
        """Drop a deleted group from the status lists (its events are removed one by one)."""
        self._status_groups.get(status, set()).discard(group_id)

    def remove(self, event: Event) -> None:
        """Forget an event; index entries pointing at it are skipped until the next compaction."""
        del self.events[event.seq]
        del self.by_id[event.id]
        self._dead += 1
        if self._dead >= _COMPACT_MIN_DEAD and self._dead > len(self.events):
            self._compact()

    def _compact(self) -> None:
        live = self.events
        self._order = [seq for seq in self._order[self._head :] if seq in live]
        self._times = [live[seq].ts for seq in self._order]
        self._head = 0
        for name in list(self._fields):
            values = self._fields[name]
            for value in list(values):
                kept = [seq for seq in values[value] if seq in live]
                if kept:
                    values[value] = kept
                else:
                    del values[value]
            if not values:
                del self._fields[name]
        self._grams_pending = [event for event in self._grams_pending if live.get(event.seq) is event]
        for gram in list(self._grams):
            kept_seqs = array("I", (seq for seq in self._grams[gram] if seq in live))
            if kept_seqs:
                self._grams[gram] = kept_seqs
            else:
                del self._grams[gram]
        self._dead = 0

    def oldest(self) -> Event | None:
        """Return the oldest stored event (None when there is none), dropping dead entries at the front."""
        order, events = self._order, self.events
        while self._head < len(order):
            event = events.get(order[self._head])
            if event is not None:
                return event
            self._head += 1
        return None

    def oldest_first(self) -> Iterator[Event]:
        """Yield stored events oldest first (the purge walk), dropping dead entries at the front."""
        while self._head < len(self._order) and self._order[self._head] not in self.events:
            self._head += 1
        for position in range(self._head, len(self._order)):
            event = self.events.get(self._order[position])
            if event is not None:
                yield event

    def resolve(self, token: SearchToken) -> Condition:
        """Turn a case-insensitive search token into the exact stored (field, value) pairs it matches."""
        if token.key in ("status", "error_group_id", "level", "environment"):
            return frozenset((token.key, value) for value in token.values)
        names = (
            [
                name
                for name in self._fields
                if name.startswith("tags.") and name[5:].casefold() == token.key[5:]
            ]
            if token.key.startswith("tags.")
            else [token.key]
        )
        wanted = set(token.values)
        return frozenset(
            (name, value)
            for name in names
            for value in self._fields.get(name, {})
            if value.casefold() in wanted
        )

    def newest_first(
        self,
        conditions: Iterable[Condition],
        before: int | None,
        until: datetime | None = None,
        terms: Iterable[str] = (),
    ) -> Iterator[Event]:
        """Yield candidate events newest first (sequence below `before`, time below `until`).

        The walk follows the smallest usable index: a condition's sequence lists, or the rarest
        trigram of a free-text term. Candidates still have to be checked against the full query;
        this only narrows the walk.
        """
        return self.walk(conditions, before, until, terms)[0]

    def walk(
        self,
        conditions: Iterable[Condition],
        before: int | None,
        until: datetime | None = None,
        terms: Iterable[str] = (),
    ) -> tuple[Iterator[Event], int | None]:
        """Return `newest_first`'s candidates and which condition (its position) they all satisfy.

        When the walk follows a condition's sequence lists, every candidate holds one of its
        (field, value) pairs, so that condition need not be checked again per candidate (None: the
        walk followed every event or a trigram, which only narrows).
        """
        if until is not None:
            # Everything from the first event at or after `until` onwards is out: start below it.
            position = bisect_left(self._times, until, lo=self._head)
            if position < len(self._order):
                first_out = self._order[position]
                before = first_out if before is None else min(before, first_out)
        best: list[Sequence[int]] | None = None
        best_size = len(self._order) - self._head
        followed: int | None = None
        for position, condition in enumerate(conditions):
            lists = self._candidates(condition)
            size = sum(len(postings) for postings in lists)
            if size < best_size:
                best, best_size, followed = lists, size, position
        for term in terms:
            if len(term) < GRAM:
                continue
            rarest = min((self._gram_lists().get(gram, _EMPTY) for gram in grams(term)), key=len)
            if len(rarest) < best_size:
                best, best_size, followed = [rarest], len(rarest), None
        if best is None:
            return self._live(_descending(self._order, before, self._head)), None
        if len(best) == 1:
            return self._live(_descending(best[0], before, 0)), followed
        merged = heapq.merge(*(_descending(postings, before, 0) for postings in best), reverse=True)
        return self._live(_distinct(merged)), followed

    def _candidates(self, condition: Condition) -> list[Sequence[int]]:
        """Return the sequence lists whose union holds every event that can satisfy `condition`."""
        lists: list[Sequence[int]] = []
        for name, value in condition:
            if name == "status":
                by_group = self._fields.get("error_group_id", {})
                groups = self._status_groups.get(value, ())
                lists.extend(by_group[group_id] for group_id in groups if group_id in by_group)
            else:
                lists.append(self._fields.get(name, {}).get(value, []))
        return lists

    def _live(self, seqs: Iterable[int]) -> Iterator[Event]:
        for seq in seqs:
            event = self.events.get(seq)
            if event is not None:
                yield event


_EMPTY: array[int] = array("I")


def _descending(postings: Sequence[int], before: int | None, lo: int) -> Iterator[int]:
    stop = len(postings) if before is None else bisect_left(postings, before, lo=lo)
    for position in range(stop - 1, lo - 1, -1):
        yield postings[position]


def _distinct(seqs: Iterable[int]) -> Iterator[int]:
    previous: int | None = None
    for seq in seqs:
        if seq != previous:
            yield seq
        previous = seq
