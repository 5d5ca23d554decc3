"""The CLI's collector policy: thresholds, freezing, full passes, and a store that leaves no cycles.

Each check runs in a fresh interpreter: freezing and thresholds are process-wide, and pytest's own
garbage would blur the counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
import requests

from mockserver import MockServer
from mockserver.cli import parser
from mockserver.control.collector import DEFAULT_THRESHOLD


def run_isolated(*parts: str) -> Any:
    """Run `parts` (each dedented, then joined) in a new interpreter; return the JSON it prints last."""
    argv = [sys.executable, "-c", "\n".join(map(textwrap.dedent, parts))]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_install_raises_the_thresholds_and_uninstall_restores_them() -> None:
    seen = run_isolated(
        """
        import gc, json
        from mockserver.control.collector import CollectorPolicy
        gc.set_threshold(700, 10, 10)
        policy = CollectorPolicy()
        policy.install()
        during, frozen = gc.get_threshold(), gc.get_freeze_count()
        policy.uninstall()
        print(json.dumps([during, frozen, gc.get_threshold(), gc.get_freeze_count(), policy.installed]))
        """
    )
    during, frozen, after, frozen_after, installed = seen
    assert tuple(during) == DEFAULT_THRESHOLD
    assert frozen > 0  # what start-up built is frozen at once
    assert after == [700, 10, 10]
    assert frozen_after == 0
    assert installed is False


def test_a_tick_freezes_what_was_allocated_since_the_last_one() -> None:
    grown = run_isolated(
        """
        import gc, json
        from mockserver.control.collector import CollectorPolicy
        policy = CollectorPolicy()
        policy.install()
        before = gc.get_freeze_count()
        kept = [[i] for i in range(20_000)]  # lists are always tracked
        policy.tick()
        print(json.dumps([gc.get_freeze_count() - before, policy.ticks, policy.full_passes]))
        """
    )
    frozen_now, ticks, full_passes = grown
    assert frozen_now >= 20_000
    assert ticks == 1
    assert full_passes == 0


def test_a_tick_before_install_or_after_uninstall_changes_nothing() -> None:
    seen = run_isolated(
        """
        import gc, json
        from mockserver.control.collector import CollectorPolicy
        policy = CollectorPolicy()
        policy.tick()
        first = gc.get_freeze_count()
        policy.install(); policy.uninstall(); policy.tick()
        print(json.dumps([first, gc.get_freeze_count(), policy.ticks]))
        """
    )
    assert seen == [0, 0, 0]


CYCLE_PROBE = """
import gc, json, weakref
import mockserver.control.collector as collector

class Node:
    pass

def frozen_cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    probe = weakref.ref(a)
    policy.tick()  # the cycle is alive: frozen with the rest
    return probe  # once this returns, the cycle is garbage that only a full pass can find
"""


def test_frozen_cyclic_garbage_is_collected_once_the_resident_size_has_doubled() -> None:
    seen = run_isolated(
        CYCLE_PROBE,
        """
        heap = [100_000]
        policy = collector.CollectorPolicy(heap_size=lambda: heap[0])
        policy.install()
        probe = frozen_cycle()
        states = []
        for size in (150_000, 199_999, 200_000, 390_000, 400_000):
            heap[0] = size
            policy.tick()
            states.append([size, policy.full_passes, probe() is None])
        print(json.dumps(states))
        """,
    )
    assert seen == [
        [150_000, 0, False],
        [199_999, 0, False],  # frozen garbage waits while the heap is less than twice as big
        [200_000, 1, True],  # the full pass finds it
        [390_000, 1, True],  # the next one is due at twice the size after that pass
        [400_000, 2, True],
    ]


def test_a_due_full_pass_waits_for_a_tick_in_which_no_request_began() -> None:
    seen = run_isolated(
        CYCLE_PROBE,
        """
        heap, served = [100_000], [0]
        policy = collector.CollectorPolicy(heap_size=lambda: heap[0], activity=lambda: served[0])
        policy.install()
        probe = frozen_cycle()
        states = []
        for size, requests in ((200_000, 5), (250_000, 9), (300_000, 9), (310_000, 9)):
            heap[0], served[0] = size, requests
            policy.tick()
            states.append([size, policy.full_passes, probe() is None])
        print(json.dumps(states))
        """,
    )
    assert seen == [
        [200_000, 0, False],  # due, but requests arrived since the last tick
        [250_000, 0, False],  # still busy
        [300_000, 1, True],  # no request since the last tick: the pass runs now
        [310_000, 1, True],
    ]


def test_under_unbroken_load_a_full_pass_is_forced_at_four_times_the_size() -> None:
    seen = run_isolated(
        """
        import json
        from mockserver.control.collector import CollectorPolicy
        heap, served = [100_000], [0]
        policy = CollectorPolicy(heap_size=lambda: heap[0], activity=lambda: served[0])
        policy.install()
        states = []
        for size in (200_000, 399_999, 400_000, 800_000, 1_599_999, 1_600_000):
            heap[0] = size
            served[0] += 1
            policy.tick()
            states.append([size, policy.full_passes])
        print(json.dumps(states))
        """
    )
    assert seen == [[200_000, 0], [399_999, 0], [400_000, 1], [800_000, 1], [1_599_999, 1], [1_600_000, 2]]


def test_without_a_resident_size_the_objects_frozen_since_the_last_pass_stand_in() -> None:
    seen = run_isolated(
        CYCLE_PROBE,
        """
        collector._FIRST_FULL_PASS = 1_000
        policy = collector.CollectorPolicy(heap_size=lambda: None)
        policy.install()
        base = gc.get_freeze_count()
        probe = frozen_cycle()
        alive_ticks, kept = 0, []
        while policy.full_passes == 0 and len(kept) < 50:
            kept.append([[i] for i in range(base // 10 + 1_000)])
            policy.tick()
            alive_ticks += probe() is not None
        print(json.dumps([policy.full_passes, probe() is None, alive_ticks >= 1]))
        """,
    )
    assert seen == [1, True, True]


def test_serving_reads_never_costs_a_full_pass() -> None:
    """Garbage freed as fast as it is made does not move the peak resident size."""
    seen = run_isolated(
        """
        import json
        from mockserver.control.collector import CollectorPolicy
        from mockserver.store import Store

        store = Store()
        tenant = store.tenant("k")
        for i in range(2_000):
            tenant.capture({"message": f"order {i} failed", "code": f"E{i % 50}"}, source="capture")
        policy = CollectorPolicy()
        policy.install()
        for round in range(200):
            tenant.list_groups(limit=50)
            tenant.search_events(q=f"order {round}", limit=50)
            tenant.export(format="csv", filter={})
            policy.tick()
        print(json.dumps([policy.ticks, policy.full_passes]))
        """
    )
    assert seen == [200, 0]


def test_the_store_leaves_no_cyclic_garbage_behind() -> None:
    """Freezing is safe only because the store's objects die by reference counting alone."""
    found = run_isolated(
        """
        import gc, json
        from mockserver.store import Store

        def churn(store):
            tenant = store.tenant("k")
            for i in range(300):
                body = {"message": f"order {i} failed", "code": f"E{i % 20}", "tags": {"s": str(i % 3)}}
                tenant.capture(body, source="capture", idempotency_key=f"idem-{i}")
                tenant.capture({"text": f"cache miss {i}"}, source="message")
            groups = tenant.list_groups(limit=50)
            ids = [g["id"] for g in groups.items]
            tenant.set_status(ids[0], "resolved")
            tenant.bulk(ids[1:5], "ignore")
            tenant.delete_group(ids[5])
            tenant.search_events(q="order", limit=10)
            tenant.export(format="csv", filter={"level": "error"})
            tenant.set_retention(days=1)
            clock.advance(2 * 86400)
            tenant.purge_expired()
            store.reset_tenant("k")

        from mockserver.store.clock import ManualClock
        clock = ManualClock()
        store = Store(clock=clock)
        churn(store)  # warm: caches, lazily built tables
        gc.collect()
        gc.disable()
        churn(store)
        print(json.dumps(gc.collect()))
        """
    )
    assert found == 0


@pytest.mark.parametrize(("argv", "tuned"), [([], True), (["--no-gc-tuning"], False)])
def test_the_cli_tunes_the_collector_unless_told_not_to(argv: list[str], tuned: bool) -> None:
    assert parser().parse_args(argv).no_gc_tuning is not tuned


def test_the_serving_loop_ticks_and_uninstalls_when_stopped() -> None:
    seen = run_isolated(
        """
        import asyncio, gc, json
        from mockserver.cli import _collect
        from mockserver.control.collector import CollectorPolicy

        async def main():
            stop = asyncio.Event()
            policy = CollectorPolicy()
            task = asyncio.create_task(_collect(policy, stop))
            await asyncio.sleep(0.45)
            installed = policy.installed
            stop.set()
            await task
            return [installed, policy.ticks, policy.installed, gc.get_freeze_count()]

        print(json.dumps(asyncio.run(main())))
        """
    )
    installed, ticks, still_installed, frozen = seen
    assert installed is True
    assert ticks >= 2
    assert still_installed is False
    assert frozen == 0


def test_the_server_counts_every_request_it_begins_as_the_policys_activity() -> None:
    """API calls, refused calls and control calls alike: any of them makes a tick busy."""
    with MockServer() as server:
        before = server.state.served
        requests.get(f"{server.url}/v1/errors/list", headers={"Authorization": "Bearer k"}, timeout=5)
        requests.get(f"{server.url}/v1/errors/list", timeout=5)  # 401
        requests.get(f"{server.url}/__admin/health", timeout=5)
        assert server.state.served - before == 3
