"""One command for docs/performance.md: the mock against the bare aiohttp floor and Prism, side by side.

    bench/install.sh                          # wrk (Debian), Prism (npm, pinned), the project in .venv
    .venv/bin/python bench/run.py --quick     # under 4 minutes: 1k and 5k events, 1 s cells, 1 repetition
    .venv/bin/python bench/run.py             # 1k, 10k, 100k events, 3 s cells, 3 interleaved repetitions
    .venv/bin/python bench/run.py --million   # also RSS per stored event at 1,000,000 events

Every server runs as its own process on loopback, driven by `wrk -t1 -c32 --latency`. For each size
the mock servers start fresh and are seeded by concurrent captures; each read operation is sent
once to every server (a first free-text search files the trigram index); then, repetition by repetition,
every operation is run against every server back to back (the order rotates each repetition), so
ratios compare cells measured seconds apart. Start-up (CLI and in-process) is measured after the
package's bytecode is written, as `pip install` writes it, the CLIs interleaved. Writes
`<out>/results.json`, `<out>/results.md` and, with matplotlib installed, `<out>/latency.png`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
import report
import startup
from servers import ROOT, Server, node_version, prism_bin, prism_version
from workload import OPERATIONS, PRISM_GROUP, READ_KEY, Operation, filled, seed_event

MOCKS = ("mock --strict", "mock --no-strict")
STATELESS = ("bare aiohttp", "prism")


def machine() -> str:
    model = "cpu n/a"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load_avg = os.getloadavg()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
        f"load average at start {load_avg[0]:.1f}"
    )


def versions() -> str:
    parts = [f"Python {platform.python_version()}", f"aiohttp {aiohttp.__version__}"]
    prism = prism_version()
    if prism:
        parts.append(f"Prism {prism} on Node {node_version()}")
    return ", ".join(parts)


def group_ids(server: Server) -> list[str]:
    """The read tenant's group ids, most events first (the first is the one single-group reads use)."""
    page = server.call("GET", "/v1/errors/groups?limit=100&sort=count_desc", READ_KEY)
    assert isinstance(page, dict)
    return [item["id"] for item in page["items"]]


def stored_events(server: Server) -> int:
    total, cursor = 0, None
    while True:
        path = "/v1/errors/groups?limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = server.call("GET", path, READ_KEY)
        assert isinstance(page, dict)
        total += sum(item["count"] for item in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return total


def topped_up(server: Server, size: int) -> int:
    """Store the captures wrk's priming call swallowed (at most a few), then return the stored count."""
    stored = stored_events(server)
    for i in range(max(0, size - stored)):
        server.call("POST", "/v1/errors/capture", READ_KEY, seed_event(size - 1 - i))
    return stored_events(server) if stored < size else stored


def served_bytes_per_event(server: Server) -> float:
    request = urllib.request.Request(
        server.url + "/v1/errors/list?limit=100", headers={"Authorization": f"Bearer {READ_KEY}"}
    )
    with urllib.request.urlopen(request) as response:
        page = json.loads(response.read())
    items = page["items"]
    return sum(len(json.dumps(item, separators=(",", ":"))) for item in items) / len(items)


def measure(
    server: Server, op: Operation, groups: list[str], rep: int, args: argparse.Namespace
) -> load.Sample:
    stateless = server.kind in STATELESS
    group = PRISM_GROUP if stateless else groups[0]
    path, body = filled(op, group, [PRISM_GROUP] if stateless else groups[:100])
    key = READ_KEY if op.tenant is None else f"{op.tenant}-{rep}"
    lua = load.script(key, op.method, path, body, op.lua_body)
    return load.run_wrk(server.url, lua, seconds=args.seconds, connections=args.connections, pid=server.pid)


def warm(server: Server, groups: list[str]) -> None:
    """Send each read operation once before the measured cells, as a client's first calls would.

    A first free-text search files the mock's trigram index (once, for every event stored so
    far), and Node's JIT warms Prism's handlers: neither is what a cell should time.
    """
    stateless = server.kind in STATELESS
    for op in OPERATIONS:
        if op.kind != "read":
            continue
        path, body = filled(
            op, PRISM_GROUP if stateless else groups[0], [PRISM_GROUP] if stateless else groups
        )
        request = urllib.request.Request(
            server.url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=op.method,
            headers={"Authorization": f"Bearer {READ_KEY}", "Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(request, timeout=60).read()
        except OSError as exc:  # HTTPError included: Prism may refuse some examples
            print(f"warm-up of {op.name} on {server.kind}: {exc}", flush=True)


def sweep(args: argparse.Namespace, results: dict[str, Any]) -> None:  # noqa: PLR0912
    stateless = [Server(kind).start() for kind in STATELESS if kind != "prism" or not args.no_prism]
    try:
        for index, size in enumerate(args.sizes):
            mocks = [Server(kind).start() for kind in MOCKS]
            try:
                cells: dict[str, dict[str, list[dict[str, Any]]]] = {op.name: {} for op in OPERATIONS}
                for server in mocks:
                    before = load.rss_bytes(server.pid)
                    rate = load.seed(server.url, READ_KEY, 0, size)
                    stored = topped_up(server, size)
                    if stored != size:
                        raise RuntimeError(f"{server.kind}: {stored} events stored, {size} seeded")
                    after = load.rss_bytes(server.pid)
                    results.setdefault("seeding", {}).setdefault(str(size), {})[server.kind] = {
                        "captures_per_s": rate,
                        "rss_before": before,
                        "rss_after": after,
                    }
                    if server.kind == "mock --strict":
                        results.setdefault("memory", {})[str(size)] = {
                            "rss_before": before,
                            "rss_after": after,
                            "bytes_per_event": (after - before) / size,
                            "served_bytes_per_event": served_bytes_per_event(server),
                        }
                    print(f"[{size}] seeded {server.kind}: {rate:,.0f} captures/s", flush=True)
                groups = {server.kind: group_ids(server) for server in mocks}
                servers = mocks + (stateless if index == 0 or args.floor_every_size else [])
                for server in servers:
                    warm(server, groups.get(server.kind, []))
                for rep in range(args.reps):
                    for op in OPERATIONS:
                        if args.only and not any(word in op.name for word in args.only):
                            continue
                        order = servers[rep % len(servers) :] + servers[: rep % len(servers)]
                        for server in order:
                            sample = measure(server, op, groups.get(server.kind, []), rep, args)
                            cells[op.name].setdefault(server.kind, []).append(sample.as_json())
                            print(
                                f"[{size} rep {rep + 1}] {op.name:<45} {server.kind:<17} "
                                f"{sample.rps:>9,.0f} req/s  p99 {sample.p99_ms:>8.1f} ms"
                                + (f"  non-2xx {sample.non_2xx}" if sample.non_2xx else ""),
                                flush=True,
                            )
                            if sample.non_2xx and server.kind in MOCKS:
                                raise RuntimeError(f"{server.kind} answered non-2xx on {op.name}")
                results["runs"][str(size)] = {name: by for name, by in cells.items() if by}
            finally:
                for server in mocks:
                    server.stop()
    finally:
        for server in stateless:
            server.stop()


def million(results: dict[str, Any]) -> None:
    server = Server("mock --no-strict").start()
    try:
        before = load.rss_bytes(server.pid)
        rate = load.seed(server.url, READ_KEY, 0, 1_000_000)
        topped_up(server, 1_000_000)
        after = load.rss_bytes(server.pid)
        results.setdefault("memory", {})["1000000"] = {
            "rss_before": before,
            "rss_after": after,
            "bytes_per_event": (after - before) / 1_000_000,
            "served_bytes_per_event": served_bytes_per_event(server),
            "captures_per_s": rate,
        }
        print(f"[1M] RSS {after / 2**20:,.0f} MiB, {(after - before) / 1e6:,.0f} bytes per event", flush=True)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1k and 5k events, 1 s cells, 1 repetition")
    parser.add_argument("--seconds", type=int, default=None, help="seconds per cell (default 3; quick 1)")
    parser.add_argument("--reps", type=int, default=None, help="interleaved repetitions (default 3; quick 1)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=None, help="stored events (default 1000 10000 100000)"
    )
    parser.add_argument(
        "--million", action="store_true", help="also measure RSS per stored event at 1M events"
    )
    parser.add_argument("--no-prism", action="store_true", help="skip Prism (e.g. without Node)")
    parser.add_argument(
        "--floor-every-size", action="store_true", help="run bare and Prism at every size, not the first only"
    )
    parser.add_argument("--only", nargs="+", help="only operations whose name contains one of these words")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="output folder")
    args = parser.parse_args()
    args.seconds = args.seconds or (1 if args.quick else 3)
    args.reps = args.reps or (1 if args.quick else 3)
    args.sizes = args.sizes or ([1000, 5000] if args.quick else [1000, 10000, 100000])
    if not shutil.which("wrk"):
        parser.exit(2, "wrk is not installed: run bench/install.sh (apt-get install -y wrk)\n")
    if not args.no_prism and prism_bin() is None:
        parser.exit(2, "Prism is not installed: run bench/install.sh, or pass --no-prism\n")
    started = time.perf_counter()
    results: dict[str, Any] = {
        "meta": {
            "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "python bench/run.py " + shlex.join(sys.argv[1:]),
            "machine": machine(),
            "load": f"wrk -t1 -c{args.connections} -d{args.seconds}s --latency, "
            f"{args.reps} interleaved repetitions",
            "versions": versions(),
            "sizes": args.sizes,
        },
        "runs": {},
    }
    sweep(args, results)
    runs = 3 if args.quick else 7
    kinds = ["mock --strict", "bare aiohttp"] + ([] if args.no_prism else ["prism"])
    cli = {kind: startup.summary(times) for kind, times in startup.cli_startup(kinds, runs).items()}
    inproc = {key: startup.summary(values) for key, values in startup.in_process(runs).items()}
    results["startup"] = {"cli": cli, "in_process": inproc}
    if args.million:
        million(results)
    results["summary"] = report.summarize(results)
    results["meta"]["elapsed_s"] = round(time.perf_counter() - started, 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    text = report.markdown(results)
    (out / "results.md").write_text(text)
    drew = report.chart(results, str(out / "latency.png"))
    print(text)
    print(
        f"wrote {out / 'results.json'}, {out / 'results.md'}" + (f", {out / 'latency.png'}" if drew else "")
    )
    print(f"elapsed {results['meta']['elapsed_s']} s")


if __name__ == "__main__":
    main()
