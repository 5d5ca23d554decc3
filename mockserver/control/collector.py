"""How the standalone server keeps the cyclic garbage collector out of its latency tail.

A mock holding 100,000 events holds millions of small, long-lived objects (event records, index
postings, strings). CPython's collector traverses every object of a generation when it collects
it, so with the default thresholds each oldest-generation collection walks the whole store: a
pause of tens to hundreds of milliseconds in the middle of some request, visible as the capture
p99 (issue 11 measured 90-280 ms against a median of 6 ms).

The store makes no reference cycles (an event, a group and the indexes point at each other only
through ids and sequence numbers; `tests/control/test_collector.py` checks that dropping a tenant
leaves nothing for the collector), so its objects are freed by reference counting alone and need
no traversal. Measured over 33,000 captures with the default collector, its collections found
fewer than 2,000 objects in cycles in all (aiohttp's and asyncio's, not the store's). So
`CollectorPolicy`, ten times a second, `gc.freeze()`s every tracked object into the permanent
generation, which no collection traverses. Freezing splices lists (it costs the same whatever the
heap holds), and the young generations never hold more than a tick's allocations, so the
collections that still run are short. Frozen objects that die by reference counting are freed as
usual; only frozen *cyclic* garbage stays. To bound it, the policy unfreezes, collects everything
and freezes again once the process's peak resident size has doubled since the last full pass:
full passes come logarithmically often as the store grows, and a server that only serves reads
(whose garbage is freed as fast as it is made, so the peak does not move) never pays one. A pass
walks the whole heap (190 ms at 70,000 stored events), so when the policy knows how many
requests the server has begun (`activity`) a due pass waits for a tick in which none arrived: it
lands between a test's bursts, not in the middle of one. Under unbroken load it is forced once the
peak has grown `growth` times more (four times the size after the last pass, by default). Where
the peak resident size cannot be read (no `resource` module), the objects frozen since the last
full pass, estimated from the generation-0 counts, stand in for it.

The CLI installs it (`--no-gc-tuning` leaves the collector as CPython configures it); an
in-process `MockServer` never touches the collector of the test process it runs in.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

__all__ = ["DEFAULT_THRESHOLD", "GROWTH", "TICK_SECONDS", "CollectorPolicy", "peak_resident_kib"]

DEFAULT_THRESHOLD: Final = (50_000, 20, 100)
TICK_SECONDS: Final = 0.1
GROWTH: Final = 2.0  # a full pass once the heap is this many times its size after the last one
_FIRST_FULL_PASS: Final = 500_000  # objects frozen before the first full pass, without `resource`


def peak_resident_kib() -> int | None:
    """Return the process's peak resident size in KiB, or None where the platform cannot say."""
    try:
        import resource  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


@dataclass
class CollectorPolicy:
    """Raise the collector's thresholds and freeze long-lived objects; see the module docstring."""

    threshold: tuple[int, int, int] = DEFAULT_THRESHOLD
    growth: float = GROWTH
    heap_size: Callable[[], int | None] = peak_resident_kib
    # Requests begun so far (None: unknown, so every tick counts as idle).
    activity: Callable[[], int] | None = None
    full_passes: int = 0
    ticks: int = 0
    _saved: tuple[int, int, int] | None = field(default=None, repr=False)
    _size_after_full: int | None = field(default=None, repr=False)
    _frozen_after_full: int = field(default=0, repr=False)
    _since_full: int = field(default=0, repr=False)
    _last_activity: int | None = field(default=None, repr=False)

    @property
    def installed(self) -> bool:
        """Whether `install()` ran and `uninstall()` has not."""
        return self._saved is not None

    def install(self) -> None:
        """Set the thresholds and freeze what start-up built (modules, the spec, validators, a restore).

        No collection first: start-up makes next to no cyclic garbage (`python -m mockserver`
        imports with the collector off), and a full pass over a restored store would delay the
        first requests.
        """
        if self._saved is not None:
            return
        self._saved = gc.get_threshold()
        gc.set_threshold(*self.threshold)
        gc.freeze()
        self._mark_full_pass()

    def tick(self) -> None:
        """Freeze what was allocated since the last tick, and run a full pass when one is due."""
        if self._saved is None:
            return
        self.ticks += 1
        self._since_full += max(gc.get_count()[0], 0)  # freezing resets it
        gc.freeze()
        idle = self._idle()
        if self._grown(self.growth) and (idle or self._grown(self.growth * self.growth)):
            self.full_pass()

    def _idle(self) -> bool:
        """Whether no request began since the last tick (always, without an activity count)."""
        if self.activity is None:
            return True
        seen, self._last_activity = self._last_activity, self.activity()
        return seen == self._last_activity

    def _grown(self, factor: float) -> bool:
        """Whether the heap is `factor` times its size after the last full pass."""
        if self._size_after_full is not None:
            size = self.heap_size()
            if size is not None:
                return size >= factor * self._size_after_full
        return self._since_full >= (factor - 1) * max(self._frozen_after_full, _FIRST_FULL_PASS)

    def _mark_full_pass(self) -> None:
        self._size_after_full = self.heap_size()
        # Counting the frozen objects walks their list: done only without a heap size to go by.
        self._frozen_after_full = gc.get_freeze_count() if self._size_after_full is None else 0
        self._since_full = 0

    def full_pass(self) -> None:
        """Unfreeze, collect everything (frozen cyclic garbage included), freeze again."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.full_passes += 1
        self._mark_full_pass()

    def uninstall(self) -> None:
        """Unfreeze and restore the thresholds found at `install()`."""
        if self._saved is None:
            return
        gc.unfreeze()
        gc.set_threshold(*self._saved)
        self._saved = None
