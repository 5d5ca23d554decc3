"""What `--database` costs: capture throughput and latency with and without it, and start-up at scale.

Usage: python bench/persistence.py [--seconds 10] [--connections 32] [--reps 2] [--events 100000]
                                  [--baseline DIR]
Prints Markdown (machine, command, tables); docs/performance.md quotes its output.

1. Captures: `POST /v1/errors/capture` with `wrk -t1 --latency` against the CLI server in memory
   and with `--database` (a fresh file each), same run, same load. The rows are interleaved
   (memory, database, memory, database) so a noisy neighbour hits both alike; `--baseline DIR`
   adds the in-memory server of another checkout (a worktree of the commit before) to the rotation.
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
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mockserver.persist import Database
from mockserver.store import IdFactory, ManualClock, Store

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-key"
CAPTURE_BODY = {
    "exception": {"type": "ValueError", "message": "bad input 42", "stacktrace": "..."},
    "level": "error",
    "tags": {"service": "checkout"},
}
TENANTS = 10
GROUPS_PER_TENANT = 50


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (from /proc): robust where wall time is not, on a busy box."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:13]) / os.sysconf("SC_CLK_TCK")


def wrk_capture(url: str, seconds: int, connections: int, pid: int) -> tuple[float, str, str, float]:
    """Return (req/s, p50, p99, server CPU µs per request) for POST capture."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.headers["Authorization"] = "Bearer {KEY}"\n')
        script.write('wrk.headers["Content-Type"] = "application/json"\n')
        script.write('wrk.method = "POST"\n')
        script.write(f"wrk.body = [[{json.dumps(CAPTURE_BODY)}]]\n")
    cpu_before = cpu_seconds(pid)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    cpu = cpu_seconds(pid) - cpu_before
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers during the run:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return rps, p50, p99, cpu / max(requests, 1) * 1e6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_in(cmd: list[str], cwd: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening" not in line:
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return proc


def captures(
    seconds: int, connections: int, folder: Path, baseline: Path | None, reps: int = 2
) -> list[tuple[str, float, str, str, float]]:
    py = sys.executable
    rows = []
    names = ["in memory", "--database"] + ([f"in memory, baseline {baseline.name}"] if baseline else [])
    for attempt in range(reps):
        for name in names:
            port = free_port()
            cmd = [py, "-m", "mockserver", "--port", str(port), "--no-strict"]
            if name == "--database":
                cmd += ["--database", str(folder / f"bench-{attempt}.db")]
            proc = start_in(cmd, baseline if name.startswith("in memory, baseline") and baseline else ROOT)
            try:
                url = f"http://127.0.0.1:{port}/v1/errors/capture"
                rps, p50, p99, cpu = wrk_capture(url, seconds, connections, proc.pid)
            finally:
                proc.terminate()
                proc.wait(30)
            rows.append((name, rps, p50, p99, cpu))
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


def restore_seconds(path: Path) -> tuple[float, float]:
    """Return (wall, CPU) seconds to open the file and rebuild the store from it."""
    started, cpu = time.perf_counter(), time.process_time()
    database = Database(path)
    store = Store(ManualClock(), IdFactory(1), cursor_secret=database.cursor_secret(b"bench"))
    count = database.restore(store)
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    database.close()
    assert count > 0
    return elapsed


def cli_start_seconds(database: Path | None) -> float:
    py = sys.executable
    cmd = [py, "-m", "mockserver", "--port", str(free_port())]
    if database is not None:
        cmd += ["--database", str(database)]
    started = time.perf_counter()
    proc = start_in(cmd, ROOT)
    elapsed = time.perf_counter() - started
    proc.terminate()
    proc.wait(30)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--reps", type=int, default=2, help="rounds of the interleaved rotation")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument(
        "--baseline",
        type=Path,
        help="also run the in-memory server from this checkout (e.g. a git worktree of an older commit)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (bench/install.sh installs it)")
    print(
        f"load average at start: {os.getloadavg()[0]:.1f}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, {platform.processor() or 'cpu n/a'}, "
        f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}; "
        f"load: wrk -t1 -c{args.connections} --latency, {args.seconds} s per row"
    )
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        rows = captures(args.seconds, args.connections, folder, args.baseline, args.reps)
        print("\n| server | POST capture req/s | p50 | p99 | server CPU per request |")
        print("|---|---|---|---|---|")
        for name, rps, p50, p99, cpu in rows:
            print(f"| {name} | {rps:,.0f} | {p50} | {p99} | {cpu:,.0f} µs |")
        means: dict[str, tuple[float, float]] = {}
        for name in dict.fromkeys(row[0] for row in rows):
            mine = [row for row in rows if row[0] == name]
            mean = statistics.mean(row[1] for row in mine)
            cpu = statistics.mean(row[4] for row in mine)
            means[name] = (mean, cpu)
            spread = f"{min(row[1] for row in mine):,.0f}-{max(row[1] for row in mine):,.0f}"
            print(
                f"\nmean of {name}: {mean:,.0f} req/s (reps {spread}), {cpu:,.0f} µs server CPU per request"
            )
        if args.baseline is not None:
            (rps, cpu), (base_rps, base_cpu) = (
                means["in memory"],
                means[f"in memory, baseline {args.baseline.name}"],
            )
            print(
                f"\nin memory against the baseline: {rps / base_rps:.3f}x the req/s, "
                f"{cpu / base_cpu:.3f}x the CPU per request"
            )
        path = folder / "big.db"
        built = build(path, args.events)
        size = path.stat().st_size / 1e6
        groups = TENANTS * GROUPS_PER_TENANT
        print(
            f"\nbuilt {args.events:,} events, {TENANTS} tenants, {groups} groups: {built:.0f}s, {size:.0f}MB"
        )
        restores = [restore_seconds(path) for _ in range(3)]
        wall, cpu = statistics.median(r[0] for r in restores), statistics.median(r[1] for r in restores)
        print(
            f"restore (open, read, rebuild) of {args.events:,} events, median of 3: "
            f"{wall:.2f} s ({cpu:.2f} s CPU)"
        )
        with_db = statistics.median(cli_start_seconds(path) for _ in range(3))
        without = statistics.median(cli_start_seconds(None) for _ in range(3))
        print(
            f"CLI exec to listening, median of 3: {with_db:.2f} s with the {args.events:,}-event file, "
            f"{without:.2f} s without a database"
        )


if __name__ == "__main__":
    main()
