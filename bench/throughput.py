"""Throughput of the mock against bare aiohttp, measured with wrk (or a Python load generator).

Usage: python bench/throughput.py [--seconds 10] [--connections 32] [--events 2000]
Prints a Markdown table and the machine it ran on; docs/performance.md quotes its output.
"""

from __future__ import annotations

import argparse
import asyncio
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
import urllib.request
from pathlib import Path

import aiohttp

from mockserver import MockServer

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-key"
CAPTURE_BODY = {
    "exception": {"type": "ValueError", "message": "bad input 42", "stacktrace": "..."},
    "level": "error",
    "tags": {"service": "checkout"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening" not in line:
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return proc


def call(url: str, method: str = "GET", body: object = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def seed(base: str, events: int) -> None:
    for i in range(events):
        body = {
            "message": f"order {i} failed in step {i % 40}",
            "code": f"E{i % 50}",
            "tags": {"shard": str(i % 7)},
        }
        call(f"{base}/v1/errors/capture", "POST", body)


def wrk(url: str, seconds: int, connections: int, post: object | None) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.headers["Authorization"] = "Bearer {KEY}"\n')
        script.write('wrk.headers["Content-Type"] = "application/json"\n')
        if post is not None:
            script.write('wrk.method = "POST"\n')
            script.write(f"wrk.body = [[{json.dumps(post)}]]\n")
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers during the run:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


async def pyload(url: str, seconds: int, connections: int, post: object | None) -> float:
    headers = {"Authorization": f"Bearer {KEY}"}
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            if post is None:
                async with session.get(url, headers=headers) as r:
                    await r.read()
            else:
                async with session.post(url, headers=headers, json=post) as r:
                    await r.read()
            done += 1

    async with aiohttp.ClientSession() as session:
        start_t = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(connections)))
        return done / (time.perf_counter() - start_t)


def measure(url: str, seconds: int, connections: int, post: object | None = None) -> float:
    if shutil.which("wrk"):
        return wrk(url, seconds, connections, post)
    return asyncio.run(pyload(url, seconds, connections, post))


def startup_ms(runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with MockServer() as srv:
            call(f"{srv.url}/v1/errors/retention/get")
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    py = sys.executable
    servers = {
        "bare aiohttp (fixed JSON)": lambda port: [py, "bench/bare_aiohttp.py", str(port)],
        "mock --no-strict": lambda port: [py, "-m", "mockserver", "--port", str(port), "--no-strict"],
        "mock --strict": lambda port: [py, "-m", "mockserver", "--port", str(port), "--strict"],
    }
    rows = []
    for name, cmd in servers.items():
        port = free_port()
        proc = start(cmd(port))
        base = f"http://127.0.0.1:{port}"
        try:
            if name.startswith("mock"):
                seed(base, args.events)
            list_rps = measure(f"{base}/v1/errors/list?limit=50", args.seconds, args.connections)
            capture_rps = measure(f"{base}/v1/errors/capture", args.seconds, args.connections, CAPTURE_BODY)
        finally:
            proc.terminate()
            proc.wait(10)
        rows.append((name, list_rps, capture_rps))
    base_list, base_capture = rows[0][1], rows[0][2]
    loader = "wrk -t1" if shutil.which("wrk") else "aiohttp client"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or 'cpu n/a'}, "
        f"Python {platform.python_version()}, load: {loader}, {args.connections} connections, "
        f"{args.seconds} s per cell, {args.events} events seeded"
    )
    print("\n| server | GET list (50 items) req/s | POST capture req/s |")
    print("|---|---|---|")
    for name, lst, cap in rows:
        print(f"| {name} | {lst:,.0f} ({lst / base_list:.0%}) | {cap:,.0f} ({cap / base_capture:.0%}) |")
    print(f"\nMockServer start-up to first answer, median of 20: {startup_ms():.1f} ms")


if __name__ == "__main__":
    main()
