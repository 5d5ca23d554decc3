"""What `--database` costs: capture throughput and latency with and without it, and start-up at scale.

Usage: python bench/persistence.py [--seconds 10] [--connections 32] [--events 100000]
Prints Markdown (machine, command, tables); docs/performance.md quotes its output.

1. Captures: `POST /v1/errors/capture` with `wrk -t1 --latency` against the CLI server in memory
   and with `--database` (a fresh file each), same run, same load. The rows are interleaved
   (memory, database, memory, database) so a noisy neighbour hits both alike.
2. Start-up: a database holding `--events` events (10 tenants, 500 groups) is built in-process;
   then the time to restore it (open, read, rebuild every index) and the CLI's time from exec to
   "listening" with that file vs with no database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from throughput import CAPTURE_BODY, KEY, ROOT, free_port, start

from mockserver.persist import Database
from mockserver.store import IdFactory, ManualClock, Store

TENANTS = 10
GROUPS_PER_TENANT = 50


def wrk_capture(url: str, seconds: int, connections: int) -> tuple[float, str, str]:
    """Return (req/s, p50, p99) for POST capture."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.headers["Authorization"] = "Bearer {KEY}"\n')
        script.write('wrk.headers["Content-Type"] = "application/json"\n')
        script.write('wrk.method = "POST"\n')
        script.write(f"wrk.body = [[{json.dumps(CAPTURE_BODY)}]]\n")
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers during the run:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    return rps, p50, p99


def captures(seconds: int, connections: int, folder: Path) -> list[tuple[str, float, str, str]]:
    py = sys.executable
    rows = []
    for attempt in range(2):
        for name in ("in memory", "--database"):
            port = free_port()
            cmd = [py, "-m", "mockserver", "--port", str(port), "--no-strict"]
            if name == "--database":
                cmd += ["--database", str(folder / f"bench-{attempt}.db")]
            proc = start(cmd)
            try:
                rps, p50, p99 = wrk_capture(
                    f"http://127.0.0.1:{port}/v1/errors/capture", seconds, connections
                )
            finally:
                proc.terminate()
                proc.wait(30)
            rows.append((name, rps, p50, p99))
    return rows


def build(path: Path, events: int) -> float:
    """Fill a database with `events` events; return the seconds it took."""
    started = time.perf_counter()
    database = Database(path)
    store = Store(ManualClock(), IdFactory(1), cursor_secret=database.cursor_secret(b"bench"))
    database.restore(store)
    for number in range(events):
        tenant = store.tenant(f"tenant-{number % TENANTS}")
        group = number // TENANTS % GROUPS_PER_TENANT
        tenant.capture(
            {
                "exception": {"type": "ValueError", "message": f"order {number} failed", "stacktrace": "..."},
                "fingerprint": [f"group-{group}"],
                "tags": {"shard": str(number % 7), "region": "eu"},
                "user_id": f"user-{number % 300}",
                "environment": "production",
            },
            source="capture",
            idempotency_key=f"key-{number}",
        )
        if number % 1000 == 999:
            database.commit()
    database.close()
    return time.perf_counter() - started


def restore_seconds(path: Path) -> float:
    started = time.perf_counter()
    database = Database(path)
    store = Store(ManualClock(), IdFactory(1), cursor_secret=database.cursor_secret(b"bench"))
    count = database.restore(store)
    elapsed = time.perf_counter() - started
    database.close()
    assert count > 0
    return elapsed


def cli_start_seconds(database: Path | None) -> float:
    py = sys.executable
    cmd = [py, "-m", "mockserver", "--port", str(free_port())]
    if database is not None:
        cmd += ["--database", str(database)]
    started = time.perf_counter()
    proc = start(cmd)
    elapsed = time.perf_counter() - started
    proc.terminate()
    proc.wait(30)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (bench/install.sh installs it)")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or 'cpu n/a'}, "
        f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}; "
        f"load: wrk -t1 -c{args.connections} --latency, {args.seconds} s per row"
    )
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        rows = captures(args.seconds, args.connections, folder)
        print("\n| server | POST capture req/s | p50 | p99 |")
        print("|---|---|---|---|")
        for name, rps, p50, p99 in rows:
            print(f"| {name} | {rps:,.0f} | {p50} | {p99} |")
        for name in ("in memory", "--database"):
            mean = statistics.mean(rps for row_name, rps, _, _ in rows if row_name == name)
            print(f"\nmean capture req/s, {name}: {mean:,.0f}")
        path = folder / "big.db"
        built = build(path, args.events)
        size = path.stat().st_size / 1e6
        groups = TENANTS * GROUPS_PER_TENANT
        print(
            f"\nbuilt {args.events:,} events, {TENANTS} tenants, {groups} groups: {built:.0f}s, {size:.0f}MB"
        )
        restore = statistics.median(restore_seconds(path) for _ in range(3))
        print(f"restore (open, read, rebuild) of {args.events:,} events, median of 3: {restore:.2f} s")
        with_db = statistics.median(cli_start_seconds(path) for _ in range(3))
        without = statistics.median(cli_start_seconds(None) for _ in range(3))
        print(
            f"CLI exec to listening, median of 3: {with_db:.2f} s with the {args.events:,}-event file, "
            f"{without:.2f} s without a database"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    main()
