"""Start-up to the first 200: the CLI (and the other servers) and the in-process MockServer."""

from __future__ import annotations

import json
import statistics
import subprocess

from servers import PY, ROOT, Server

IN_PROCESS = r"""
import json, time, urllib.request
t0 = time.perf_counter()
from mockserver import MockServer
t1 = time.perf_counter()

def first_answer():
    start = time.perf_counter()
    with MockServer() as srv:
        url = srv.url + "/v1/errors/retention/get"
        req = urllib.request.Request(url, headers={"Authorization": "Bearer k"})
        urllib.request.urlopen(req).read()
    return (time.perf_counter() - start) * 1000

first = first_answer()
later = sorted(first_answer() for _ in range(5))[2]
print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_ms": first, "later_ms": later}))
"""


def compile_package() -> None:
    """Write the package's bytecode, as `pip install` does for an installed wheel.

    An editable checkout run with PYTHONDONTWRITEBYTECODE=1 (or on a read-only tree) would otherwise
    compile every module of the mock at each start, while aiohttp's bytecode was written when pip
    installed it: a start-up cost that no installed mock pays (about 60 ms measured here).
    """
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "mockserver")], check=True)


def cli_startup(kinds: list[str], runs: int) -> dict[str, list[float]]:
    """Spawn every kind `runs` times, interleaved; return each one's times from spawn to first 200, in ms."""
    compile_package()
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(runs):
        for kind in kinds:
            server = Server(kind).start()
            times[kind].append(server.startup_ms)
            server.stop()
    return times


def in_process(runs: int) -> dict[str, list[float]]:
    """Time `from mockserver import MockServer`, the first MockServer to its first answer, and later ones."""
    compile_package()
    out: dict[str, list[float]] = {"import_ms": [], "first_ms": [], "later_ms": []}
    for _ in range(runs):
        line = subprocess.run(
            [PY, "-c", IN_PROCESS], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        for key, value in json.loads(line).items():
            out[key].append(value)
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}
