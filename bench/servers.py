"""The servers compared: the mock (strict and not), the bare aiohttp floor and Prism, each its own process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "bench" / ".tools"  # bench/install.sh puts the pinned Prism here
PRISM_VERSION = "5.16.0"
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prism_bin() -> Path | None:
    found = TOOLS / "node_modules" / ".bin" / "prism"
    if found.exists():
        return found
    which = shutil.which("prism")
    return Path(which) if which else None


def node_version() -> str | None:
    node = shutil.which("node")
    if not node:
        return None
    return subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()


def prism_version() -> str | None:
    package = TOOLS / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    if package.exists():
        return str(json.loads(package.read_text())["version"])
    return None


def command(kind: str, port: int) -> list[str]:
    if kind == "mock --strict":
        return [PY, "-m", "mockserver", "--port", str(port), "--strict"]
    if kind == "mock --no-strict":
        return [PY, "-m", "mockserver", "--port", str(port), "--no-strict"]
    if kind == "bare aiohttp":
        return [PY, str(ROOT / "bench" / "bare_aiohttp.py"), str(port)]
    if kind == "prism":
        found = prism_bin()
        if found is None:
            raise RuntimeError("Prism is not installed: run bench/install.sh")
        return [
            str(found),
            "mock",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-v",
            "error",
            str(ROOT / "spec" / "openapi.yaml"),
        ]
    raise ValueError(kind)


def answers(url: str) -> bool:
    request = urllib.request.Request(
        url + "/v1/errors/retention/get", headers={"Authorization": "Bearer probe"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass
class Server:
    """One running server process."""

    kind: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    startup_ms: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 60.0) -> Server:
        """Spawn the process and wait for its first 200; `startup_ms` is the time that took."""
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            command(self.kind, self.port),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = started + timeout
        while not answers(self.url):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode} before answering")
            if time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"{self.kind} did not answer within {timeout} s")
            time.sleep(0.002)
        self.startup_ms = (time.perf_counter() - started) * 1000
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def call(self, method: str, path: str, key: str, body: object = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
