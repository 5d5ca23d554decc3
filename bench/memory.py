"""Memory per stored event, in-process: RSS growth per event, and where the bytes go.

    .venv/bin/python bench/memory.py                  # 100,000 events: RSS delta per event
    .venv/bin/python bench/memory.py -n 1000000       # the issue-11 target: <= 1.5 KiB per event at 1M
    .venv/bin/python bench/memory.py -n 100000 --trace   # also tracemalloc's top allocation sites

Builds one `Store`, captures N of the benchmark's seeded bodies (`workload.seed_event`: 200 groups,
tags shard + hundred) into one tenant through `Tenant.capture`, the path every HTTP capture takes.
Each body is decoded from its own JSON text first, so its strings are fresh objects as they are
when aiohttp hands a request body to the store. Reports the RSS growth (``/proc/self/status``
VmRSS, after a full collection) divided by N, again after a first free-text search has filed the
search index's trigram lists, and with `--trace` the top allocation sites by line
(tracemalloc slows capture several-fold and adds its own overhead, so its total is not the RSS).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workload import READ_KEY, seed_event

from mockserver.store import Store


def rss_bytes() -> int:
    """Return this process's resident set size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _fresh(i: int) -> dict[str, object]:
    body: dict[str, object] = json.loads(json.dumps(seed_event(i)))
    return body


def main() -> None:
    """Build the store, capture N events, report bytes per event."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--events", type=int, default=100_000)
    parser.add_argument("--trace", action="store_true", help="report tracemalloc's top 15 sites by line")
    args = parser.parse_args()
    store = Store()
    tenant = store.tenant(READ_KEY)
    tenant.capture(_fresh(0), source="capture")  # warm: first group, first index lists
    gc.collect()
    if args.trace:
        tracemalloc.start(1)
    before = rss_bytes()
    started = time.perf_counter()
    for i in range(1, args.events):
        tenant.capture(_fresh(i), source="capture")
    elapsed = time.perf_counter() - started
    gc.collect()
    after = rss_bytes()
    stored = args.events - 1
    print(f"events: {args.events:,}  capture: {elapsed:.1f} s ({stored / elapsed:,.0f}/s)")
    print(f"RSS: {before / 2**20:.0f} MiB -> {after / 2**20:.0f} MiB")
    print(f"bytes per event (RSS delta / events): {(after - before) / stored:,.0f}")
    # The search index's trigram lists are filed by the first free-text search: count them too.
    tenant.search_events("timeout", limit=1)
    gc.collect()
    searched = rss_bytes()
    print(
        f"bytes per event after a first free-text search (trigrams filed): "
        f"{(searched - before) / stored:,.0f}"
    )
    if args.trace:
        snapshot = tracemalloc.take_snapshot()
        stats = snapshot.statistics("lineno")
        total = sum(stat.size for stat in stats)
        print(f"tracemalloc: {total / stored:,.0f} bytes per event traced; top sites:")
        for stat in stats[:15]:
            frame = stat.traceback[0]
            where = frame.filename.split("/mockserver/")[-1]
            print(f"  {stat.size / stored:7,.0f} B/event  {where}:{frame.lineno}")
    assert len(tenant.events_oldest_first()) == args.events


if __name__ == "__main__":
    main()
