"""Root pytest configuration: contract-suite options, markers, Hypothesis profiles, and the live-run plumbing
(budget, readonly, divergence report).

Everything here is inert for `tests/` except the Hypothesis profiles, which only set what Hypothesis's own
defaults and built-in `ci` profile already set (plus a deeper `thorough`). Contract-suite budgets live in
`contract_tests/budgets.py`, keyed by the active profile name, so they never leak into `tests/`.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from contract_tests import plugin

# -- Hypothesis profiles -------------------------------------------------------------------------------------
# `dev`: exactly Hypothesis's defaults (local runs keep the example database, so failures replay). The
# contract tests set `deadline=None` themselves (schemathesis does for its own tests).
settings.register_profile("dev")
# `ci`: what Hypothesis's built-in `ci` profile sets (deterministic, no database, print the blob).
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# `thorough`: nightly / before a release; 10x the examples.
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
# `mutants`: contract_tests/run_mutants.py; small and deterministic, so the mutant table is reproducible.
settings.register_profile(
    "mutants",
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.target],  # detection only: no shrinking
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILES = ("dev", "ci", "thorough", "mutants")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("infrai-contract", "Infrai errors API contract suite (contract_tests/)")
    group.addoption(
        "--target",
        choices=("mock", "live"),
        default="mock",
        help="Run the contract suite against an in-process mock (default) or a live service.",
    )
    group.addoption(
        "--base-url",
        default=None,
        help="Base URL of the live service (default https://api.infrai.cc); ignored for --target=mock.",
    )
    group.addoption(
        "--api-key",
        default=None,
        help="API key for --target=live (default: $INFRAI_API_KEY); without one contract tests are skipped.",
    )
    group.addoption(
        "--live-budget",
        type=int,
        default=None,
        metavar="N",
        help="At most N HTTP calls against the live service; the remaining tests are skipped with a reason.",
    )
    group.addoption(
        "--live-readonly",
        action="store_true",
        default=False,
        help="Against live: no status changes, deletes, bulk actions or retention changes.",
    )
    group.addoption(
        "--divergence-report",
        default="contract-divergence.json",
        metavar="PATH",
        help="Where a live run writes the JSON divergence report (default contract-divergence.json).",
    )
    group.addoption(
        "--strict-divergence",
        action="store_true",
        default=False,
        help="Against live, fail (not xfail) tests whose failure is a divergence from an inferred decision.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "inferred(*names, note=''): the test depends on x-inferred parts of the spec; against live "
        "its failure is reported as a divergence.",
    )
    config.addinivalue_line("markers", "destructive: changes or deletes data; skipped with --live-readonly.")
    config.addinivalue_line(
        "markers", "contract: a contract-suite test (added automatically to contract_tests/)."
    )
    config.addinivalue_line(
        "markers", "mock_only: needs the in-process mock (its store, journal or a mutant)."
    )
    config.addinivalue_line("markers", "slow: starts extra processes; excluded by the mutant runner.")
    if config.getoption("hypothesis_profile", None) is None:
        default = "ci" if os.environ.get("CI") else "dev"
        settings.load_profile(os.environ.get("INFRAI_HYPOTHESIS_PROFILE") or default)
    plugin.configure(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    plugin.modify_items(config, items)


def pytest_runtest_setup(item: pytest.Item) -> None:
    plugin.runtest_setup(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    plugin.makereport(item, call, report)
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    plugin.terminal_summary(terminalreporter)


def pytest_sessionfinish(session: pytest.Session) -> None:
    plugin.sessionfinish(session)
