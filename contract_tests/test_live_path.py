"""Proof that `--target=live` works, run against second mock processes standing in for the live service.

* a conforming "live" service: the suite passes, every event it stored carries this run's tag, the call
  counter stays within `--live-budget`, and an empty divergence report is written;
* a tiny budget: the run still exits 0, the remaining tests are *skipped* with the budget reason, the report
  says `budget_reached`;
* `--live-readonly`: destructive tests are skipped with their reason;
* no API key: every contract test is skipped with the reason (never failed, never passed);
* a divergent service (the mock with `ErrorGroup.substatus` renamed): the divergence report names
  `ErrorGroup.substatus`; with `--strict-divergence` the run fails.
The inner runs use the small `mutants` profile and skip this module (it is marked `slow`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from .scenario import RUN_TAG
from .spec import ROOT

pytestmark = [pytest.mark.mock_only, pytest.mark.slow]
PYTHON = sys.executable


@contextmanager
def live_service(*args: str) -> Iterator[str]:
    process = subprocess.Popen(
        [PYTHON, "-m", "contract_tests.serve_mock", "--port", "0", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("URL "), f"serve_mock did not start: {line!r}"
        yield line.split()[1]
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def run_suite(tmp: Path, name: str, *args: str, key: str | None = "x") -> tuple[subprocess.Popen[str], Path]:
    report = tmp / f"{name}.json"
    env = {k: v for k, v in os.environ.items() if k not in ("INFRAI_API_KEY", "INFRAI_MOCK_MUTANT")}
    env["INFRAI_HYPOTHESIS_PROFILE"] = "mutants"
    command = [
        PYTHON,
        "-m",
        "pytest",
        "contract_tests",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rs",
        "-m",
        "not slow",
        "--target=live",
        f"--divergence-report={report}",
        *args,
    ]
    if key is not None:
        command.append(f"--api-key={key}")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return process, report


def finish(process: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


@contextmanager
def reaped(processes: list[subprocess.Popen[str]]) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate()


def test_live_path_against_a_second_mock(tmp_path: Path) -> None:
    inner: list[subprocess.Popen[str]] = []
    with (
        live_service() as url,
        live_service("--mutant", "rename_substatus", "--lenient") as divergent,
        reaped(inner),
    ):
        full, full_report = run_suite(tmp_path, "full", f"--base-url={url}", "--live-budget=20000")
        tiny, tiny_report = run_suite(
            tmp_path, "tiny", f"--base-url={url}", "--live-budget=40", "-k", "scenarios"
        )
        readonly, readonly_report = run_suite(
            tmp_path, "readonly", f"--base-url={url}", "--live-readonly", "-k", "scenarios"
        )
        nokey, nokey_report = run_suite(tmp_path, "nokey", f"--base-url={url}", key=None)
        diverged, diverged_report = run_suite(
            tmp_path, "diverged", f"--base-url={divergent}", "-k", "lifecycle or test_operation_conforms"
        )
        strict, _ = run_suite(
            tmp_path, "strict", f"--base-url={divergent}", "--strict-divergence", "-k", "lifecycle"
        )
        inner += [full, tiny, readonly, nokey, diverged, strict]

        code, output = finish(full)
        assert code == 0, output[-6000:]
        report = json.loads(full_report.read_text())
        assert report["divergences"] == [], report["divergences"]
        assert 0 < report["calls"] <= 20000, report
        assert not report["budget_reached"], report
        assert "divergences from inferred decisions: none" in output
        code, output = finish(tiny)
        assert code == 0, output[-4000:]
        assert "LIVE BUDGET REACHED" in output, output[-4000:]
        assert "live budget of 40 calls reached" in output, output[-4000:]
        tiny_doc = json.loads(tiny_report.read_text())
        assert tiny_doc["budget_reached"], tiny_doc
        assert tiny_doc["calls"] == 40, tiny_doc

        code, output = finish(readonly)
        assert code == 0, output[-4000:]
        assert "destructive; --live-readonly is set" in output, output[-4000:]

        # Everything the three runs against `url` stored carries its run's tag (so it can be found, cleaned
        # up).
        runs = tuple(
            json.loads(path.read_text())["run_id"] for path in (full_report, tiny_report, readonly_report)
        )
        untagged = []
        cursor = None
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = requests.get(
                f"{url}/v1/errors/list", params=params, headers={"Authorization": "Bearer x"}, timeout=30
            ).json()
            untagged += [e["id"] for e in page["items"] if not e["tags"].get(RUN_TAG, "").startswith(runs)]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert untagged == [], f"{len(untagged)} events without the run tag"

        code, output = finish(nokey)
        assert code == 0, output[-4000:]
        assert "needs an API key" in output, output[-4000:]
        assert " passed" not in output, output[-4000:]
        assert json.loads(nokey_report.read_text())["not_run_reason"]

        code, output = finish(diverged)
        assert code == 0, output[-6000:]
        divergences = json.loads(diverged_report.read_text())["divergences"]
        named = {d["inferred"] for d in divergences}
        assert any("substatus" in name for name in named), divergences
        assert any("substatus" in d["observed"] or "substatus" in d["assumed"] for d in divergences), (
            divergences
        )
        assert "divergence(s) from x-inferred decisions" in output

        code, output = finish(strict)
        assert code != 0, output[-4000:]
