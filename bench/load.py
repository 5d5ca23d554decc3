"""Drive one server with wrk: throughput, p50/p99, non-2xx answers and the server's CPU per request."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from workload import COMMON_WORD, GROUPS, RARE_EVENTS, RARE_WORD

_TICKS = os.sysconf("SC_CLK_TCK")
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class Sample:
    """One wrk run against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    cpu_us_per_request: float | None

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / _TICKS


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def script(key: str, method: str, path: str, body: object = None, lua_body: str | None = None) -> str:
    lines = [
        f"wrk.method = {_lua_string(method)}",
        f"wrk.path = {_lua_string(path)}",
        f'wrk.headers["Authorization"] = {_lua_string("Bearer " + key)}',
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(json.dumps(body, separators=(',', ':')))}")
    if lua_body is not None:
        lines += [
            "local n = 0",
            "request = function()",
            "  n = n + 1",
            f"  return wrk.format(nil, nil, nil, {lua_body})",
            "end",
        ]
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unreadable latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(out: str, seconds_fallback: float) -> tuple[float, float, float, int, int, int]:
    rps_match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    requests_match = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    if not (rps_match and requests_match and p50 and p99):
        raise RuntimeError(f"unreadable wrk output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(x) for x in sock.groups()) if sock else 0
    return (
        float(rps_match.group(1)),
        _ms(p50.group(1)),
        _ms(p99.group(1)),
        int(requests_match.group(1)),
        int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors,
    )


def run_wrk(
    url: str,
    lua: str,
    *,
    seconds: float,
    connections: int,
    pid: int | None,
) -> Sample:
    """Run `wrk -t1 -c<connections> -d<seconds>s --latency` with `lua`; sample the server's CPU around it."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
    try:
        cpu_before = cpu_seconds(pid) if pid else None
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        cpu_after = cpu_seconds(pid) if pid else None
    finally:
        os.unlink(handle.name)
    rps, p50, p99, requests, non_2xx, socket_errors = parse(out, seconds)
    cpu = None
    if cpu_before is not None and cpu_after is not None and requests:
        cpu = (cpu_after - cpu_before) / requests * 1e6
    return Sample(rps, p50, p99, requests, non_2xx, socket_errors, cpu)


SEED_LUA = """
local n = 0
local after = 0
local target = {target}
local offset = {offset}
local flag = {flag}
local levels = {{"error", "warning", "info", "fatal"}}
local envs = {{"production", "staging"}}
wrk.headers["Authorization"] = "Bearer {key}"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local i = n + offset
  n = n + 1
  if n > target then
    return wrk.format("GET", "/v1/errors/retention/get")
  end
  local msg
  if i < {rare} then
    msg = "{rare_word} nest " .. i .. " overflowed"
  elseif i % 50 < 11 then
    msg = "upstream {common_word} after " .. i .. " ms in step " .. (i % 40)
  else
    msg = "order " .. i .. " failed in step " .. (i % 40)
  end
  local body = string.format(
    '{{"message":"%s","code":"E%d","level":"%s","environment":"%s","release":"1.%d.0",' ..
    '"user_id":"user-%d","tags":{{"shard":"%d","hundred":"h%d"}}}}',
    msg, i % {groups}, levels[i % 4 + 1], envs[i % 2 + 1], i % 9, i % 500, i % 7, math.floor(i / 100))
  return wrk.format("POST", "/v1/errors/capture", nil, body)
end
response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("seed: status " .. status .. "\\n")
  end
  if n > target and not body:find("error_id", 1, true) then
    -- wrk primes request() once before sending, so count answers that are not captures instead:
    -- once 64 of them came back, every capture sent has been answered.
    after = after + 1
    if after == 64 then
      local f = io.open(flag, "w")
      f:close()
      wrk.thread:stop()
    end
  end
end
"""


def seed(url: str, key: str, offset: int, count: int, connections: int = 32) -> float:
    """Capture events `offset`..`offset+count-1` of the seed set concurrently; return captures per second.

    Mirrors `workload.seed_event` in Lua. wrk keeps sleeping after its thread stops, so the Lua side
    drops a flag file once every capture is answered and this interrupts wrk then.
    """
    if count <= 0:
        return 0.0
    flag = Path(tempfile.mkdtemp()) / "done"
    lua = SEED_LUA.format(
        target=count,
        offset=offset,
        flag=_lua_string(str(flag)),
        key=key,
        rare=RARE_EVENTS,
        rare_word=RARE_WORD,
        common_word=COMMON_WORD,
        groups=GROUPS,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", "-d3600s", "--timeout", "30s", "-s", handle.name, url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while not flag.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"seeding stopped early: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        if "seed: status" in err:
            raise RuntimeError(f"seeding got non-200 answers: {err[:500]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.unlink(handle.name)
        flag.unlink(missing_ok=True)
        flag.parent.rmdir()
    return count / elapsed
