"""Run-level plumbing of the contract suite, called from the root conftest's hooks.

* which target (mock or live), its key, the run id and tag;
* the live call budget: every `requests` call to the live base URL is counted; once the budget is spent the
  call in flight and every later contract test are skipped with a reason (never silently passed);
* `--live-readonly`: tests marked `destructive` are skipped;
* the divergence report: against live, a failing test marked `inferred` (or a schemathesis failure located in
  an `x-inferred` schema) is a divergence from our guess, not a plain failure. It is listed in a terminal
  table and written to `--divergence-report` as JSON; the test is reported as xfailed unless
  `--strict-divergence`.

Nothing here imports the mock: `tests/` must not depend on it.
"""

from __future__ import annotations

import json
import os
import re
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from .mismatch import ContractMismatch

LIVE_DEFAULT_URL = "https://api.infrai.cc"
CONTRACT_DIR = Path(__file__).resolve().parent


@dataclass
class Divergence:
    test: str
    operation: str
    assumed: str
    observed: str
    inferred: str

    def as_json(self) -> dict[str, str]:
        return {
            "test": self.test,
            "operation": self.operation,
            "inferred": self.inferred,
            "assumed": self.assumed,
            "observed": self.observed,
        }


@dataclass
class RunState:
    target: str
    base_url: str | None
    api_key: str | None
    readonly: bool
    budget: int | None
    report_path: Path
    strict_divergence: bool
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.time)
    calls: int = 0
    refused: int = 0
    budget_skips: int = 0
    divergences: list[Divergence] = field(default_factory=list)
    skip_reason: str | None = None

    @property
    def is_live(self) -> bool:
        return self.target == "live"

    @property
    def exhausted(self) -> bool:
        return self.budget is not None and self.calls >= self.budget and self.refused > 0

    def budget_message(self) -> str:
        return (
            f"live budget of {self.budget} calls reached (--live-budget); "
            "the remaining contract tests are skipped, not passed"
        )


STATE = pytest.StashKey[RunState]()
ITEM_DIVERGENCES = pytest.StashKey[list[Divergence]]()
_ORIGINAL_REQUEST = requests.Session.request


def state(config: pytest.Config) -> RunState:
    return config.stash[STATE]


def configure(config: pytest.Config) -> None:
    target = config.getoption("--target", "mock")
    api_key = config.getoption("--api-key", None) or os.environ.get("INFRAI_API_KEY") or None
    base_url = config.getoption("--base-url", None)
    run = RunState(
        target=target,
        base_url=(base_url or LIVE_DEFAULT_URL).rstrip("/") if target == "live" else None,
        api_key=api_key if target == "live" else None,
        readonly=bool(config.getoption("--live-readonly", False)),
        budget=config.getoption("--live-budget", None),
        report_path=Path(config.getoption("--divergence-report", "contract-divergence.json")),
        strict_divergence=bool(config.getoption("--strict-divergence", False)),
    )
    if run.is_live and not run.api_key:
        run.skip_reason = (
            "--target=live needs an API key (--api-key or $INFRAI_API_KEY); contract tests were not run"
        )
    config.stash[STATE] = run
    if run.is_live and run.api_key:
        _install_counter(run)


def _install_counter(run: RunState) -> None:
    """Count (and cap) every `requests` call to the live base URL, whoever makes it (probes too)."""
    prefix = run.base_url or ""

    def request(self: requests.Session, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        text = url.decode() if isinstance(url, bytes) else str(url)
        if text.startswith(prefix):
            if run.budget is not None and run.calls >= run.budget:
                run.refused += 1
                pytest.skip(run.budget_message())
            run.calls += 1
        return _ORIGINAL_REQUEST(self, method, url, *args, **kwargs)

    requests.Session.request = request  # type: ignore[method-assign]


def unconfigure() -> None:
    requests.Session.request = _ORIGINAL_REQUEST  # type: ignore[method-assign]


def _is_contract(item: pytest.Item) -> bool:
    return CONTRACT_DIR in Path(str(item.path)).resolve().parents


def modify_items(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = config.stash.get(STATE, None)
    if run is None:
        return
    for item in items:
        if not _is_contract(item):
            continue
        item.add_marker(pytest.mark.contract)
        if run.skip_reason:
            item.add_marker(pytest.mark.skip(reason=run.skip_reason))
        elif run.is_live and item.get_closest_marker("mock_only"):
            item.add_marker(pytest.mark.skip(reason="needs the in-process mock (--target=mock)"))
        elif run.is_live and run.readonly and item.get_closest_marker("destructive"):
            item.add_marker(pytest.mark.skip(reason="destructive; --live-readonly is set"))


def runtest_setup(item: pytest.Item) -> None:
    run = item.config.stash.get(STATE, None)
    if run is None or not item.get_closest_marker("contract"):
        return
    if run.is_live and run.budget is not None and run.calls >= run.budget:
        run.budget_skips += 1
        pytest.skip(run.budget_message())


def record(item: pytest.Item, divergence: Divergence) -> None:
    """Record a divergence found inside a test (schemathesis layers call this); deduplicated per test."""
    found = item.stash.setdefault(ITEM_DIVERGENCES, [])
    key = (divergence.operation, divergence.inferred, divergence.assumed)
    if all((d.operation, d.inferred, d.assumed) != key for d in found):
        found.append(divergence)


def _divergences_from_failure(item: pytest.Item, call: pytest.CallInfo[None]) -> list[Divergence]:
    marker = item.get_closest_marker("inferred")
    assert marker is not None
    names = ", ".join(map(str, marker.args)) or "inferred behaviour"
    note = str(marker.kwargs.get("note", ""))
    operation = str(marker.kwargs.get("operation", ""))
    excinfo = call.excinfo
    value = excinfo.value if excinfo is not None else None
    leaves = _leaves(value) if value is not None else []
    found = []
    for exc in leaves:
        if isinstance(exc, ContractMismatch):
            found.append(
                Divergence(item.nodeid, exc.operation, exc.assumed, exc.observed, exc.inferred or names)
            )
        else:
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            found.append(
                Divergence(
                    item.nodeid,
                    operation or item.name,
                    note or f"the behaviour of {names}",
                    text[:600],
                    names,
                )
            )
    return found


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, or `exc` itself."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


_SERVER_ERROR = re.compile(r"HTTP 5\d\d\b")


def is_divergence(call: pytest.CallInfo[None]) -> bool:
    """Tell whether a failure can be a divergence from an inferred decision.

    Only failed expectations qualify: not an error (a test bug, a dead connection), and not a 5xx
    answer, which no decision of ours explains: those stay plain failures.
    """
    if call.excinfo is None:
        return False
    leaves = _leaves(call.excinfo.value)
    return bool(leaves) and all(
        isinstance(exc, AssertionError)
        and not (isinstance(exc, ContractMismatch) and _SERVER_ERROR.match(exc.observed))
        for exc in leaves
    )


def makereport(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    run = item.config.stash.get(STATE, None)
    if run is None or not run.is_live or report.when != "call" or not item.get_closest_marker("contract"):
        return
    found: list[Divergence] = []
    if report.failed and item.get_closest_marker("inferred") and is_divergence(call):
        found = _divergences_from_failure(item, call)
    elif report.passed:
        found = item.stash.get(ITEM_DIVERGENCES, [])
    if not found:
        return
    run.divergences.extend(found)
    if run.strict_divergence:
        report.outcome = "failed"
        if report.longrepr is None:
            report.longrepr = "divergence from the spec's inferred decisions:\n" + "\n".join(
                f"  {d.operation}: assumed {d.assumed}; observed {d.observed}" for d in found
            )
        return
    report.outcome = "skipped"
    report.wasxfail = "divergence from inferred spec: " + "; ".join(
        f"{d.operation} {d.inferred}" for d in found
    )


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def terminal_summary(reporter: pytest.TerminalReporter) -> None:
    run = reporter.config.stash.get(STATE, None)
    if run is None:
        return
    if run.skip_reason:
        reporter.write_sep("=", "infrai contract suite: NOT RUN", yellow=True)
        reporter.write_line(run.skip_reason)
        return
    if not run.is_live:
        return
    reporter.write_sep("=", f"infrai contract suite against {run.base_url} (run {run.run_id})")
    budget = "unlimited" if run.budget is None else str(run.budget)
    reporter.write_line(f"live calls: {run.calls} (budget {budget}); readonly: {run.readonly}")
    if run.refused or run.budget_skips:
        reporter.write_line(
            f"LIVE BUDGET REACHED: {run.refused} call(s) refused, "
            f"{run.budget_skips} test(s) skipped before start",
            red=True,
            bold=True,
        )
    if not run.divergences:
        reporter.write_line(f"divergences from inferred decisions: none (report: {run.report_path})")
        return
    reporter.write_sep("-", f"{len(run.divergences)} divergence(s) from x-inferred decisions")
    rows = [("operation", "inferred decision", "what we assumed", "what the service did")]
    rows += [
        (_clip(d.operation, 24), _clip(d.inferred, 28), _clip(d.assumed, 48), _clip(d.observed, 60))
        for d in run.divergences
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        reporter.write_line(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            reporter.write_line("-+-".join("-" * w for w in widths))
    reporter.write_line(f"JSON report: {run.report_path}")


def sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(STATE, None)
    if run is None:
        return
    unconfigure()
    if not run.is_live:
        return
    document = {
        "run_id": run.run_id,
        "base_url": run.base_url,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(run.started)),
        "readonly": run.readonly,
        "calls": run.calls,
        "budget": run.budget,
        "budget_reached": bool(run.refused or run.budget_skips),
        "not_run_reason": run.skip_reason,
        "divergences": [d.as_json() for d in run.divergences],
    }
    run.report_path.parent.mkdir(parents=True, exist_ok=True)
    run.report_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
