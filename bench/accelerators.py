"""What uvloop and orjson would buy the mock: the CLI server as shipped against the same server with them.

    .venv/bin/pip install uvloop orjson && .venv/bin/python bench/accelerators.py
    .venv/bin/python bench/accelerators.py --seconds 3 --reps 3 --only capture list

The project is unchanged: each variant is `python -c` that installs uvloop's event loop policy
and/or routes the standard `json.dumps` / `json.loads` through orjson (compact output, the same
keyword options the mock uses), then runs `mockserver.cli.main` with `--strict`. Every variant
serves 1,000 seeded events (200 groups); then, repetition by repetition, every operation runs
against every variant back to back (`wrk -t1 -c32`), the order rotating, so the gains compare
cells measured seconds apart. Prints req/s medians and each variant's gain over the plain mock.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import run_wrk, script, seed
from servers import PY, ROOT, answers, free_port
from workload import OPERATIONS, READ_KEY

_ORJSON = """
import json, orjson
_dumps, _loads = json.dumps, json.loads
def dumps(obj, *, sort_keys=False, default=None, indent=None, **_ignored):
    if indent is not None:
        return _dumps(obj, sort_keys=sort_keys, default=default, indent=indent, **_ignored)
    option = orjson.OPT_SORT_KEYS if sort_keys else 0
    return orjson.dumps(obj, default=default, option=option).decode()
def loads(text, **kwargs):
    return _loads(text, **kwargs) if kwargs else orjson.loads(text)
json.dumps, json.loads = dumps, loads
"""
_UVLOOP = "import uvloop; uvloop.install()\n"
VARIANTS = {
    "plain": "",
    "uvloop": _UVLOOP,
    "orjson": _ORJSON,
    "uvloop+orjson": _UVLOOP + _ORJSON,
}


def start(prelude: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    code = prelude + "import sys; from mockserver.cli import main; sys.exit(main(sys.argv[1:]))\n"
    proc = subprocess.Popen(
        [PY, "-c", code, "--port", str(port), "--strict"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not answers(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"variant did not start: {prelude[:40]!r}")
        time.sleep(0.01)
    return proc, url


def first_group(url: str) -> str:
    """The id of the most recently seen group of the read tenant."""
    request = urllib.request.Request(
        url + "/v1/errors/groups?limit=1", headers={"Authorization": f"Bearer {READ_KEY}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["items"][0]["id"])


def main() -> None:
    """Run every operation against every variant, interleaved; print medians and gains."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument(
        "--only", nargs="+", default=["capture", "message", "list", "groups?", "group_detail"]
    )
    args = parser.parse_args()
    operations = [
        op for op in OPERATIONS if any(word in op.name for word in args.only) and "{groups}" not in op.path
    ]
    running = {name: start(prelude) for name, prelude in VARIANTS.items()}
    try:
        for _, url in running.values():
            seed(url, READ_KEY, 0, args.events)
        groups = {name: first_group(url) for name, (_, url) in running.items()}
        results: dict[tuple[str, str], list[float]] = {}
        for rep in range(args.reps):
            names = list(running)
            names = names[rep % len(names) :] + names[: rep % len(names)]
            for op in operations:
                for name in names:
                    proc, url = running[name]
                    path = op.path.replace("{group}", groups[name])
                    key = READ_KEY if op.kind == "read" else f"{op.tenant or 'bench'}-{name}-{rep}"
                    lua = script(key, op.method, path, op.body, op.lua_body)
                    sample = run_wrk(url, lua, seconds=args.seconds, connections=32, pid=proc.pid)
                    results.setdefault((op.name, name), []).append(sample.rps)
        size = f"{args.events:,} stored events, wrk -t1 -c32 -d{args.seconds}s"
        print(f"\nreq/s, median of {args.reps} ({size})\n")
        print("| operation | " + " | ".join(VARIANTS) + " |")
        print("|---|" + "---|" * len(VARIANTS))
        for op in operations:
            plain = statistics.median(results[(op.name, "plain")])
            cells = []
            for name in VARIANTS:
                value = statistics.median(results[(op.name, name)])
                cells.append(f"{value:,.0f}" + ("" if name == "plain" else f" ({value / plain - 1:+.0%})"))
            print(f"| {op.name} | " + " | ".join(cells) + " |")
    finally:
        for proc, _ in running.values():
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
