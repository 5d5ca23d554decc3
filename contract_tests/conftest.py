"""Fixtures of the contract suite: the target (one strict in-process mock per session, or a live URL).

Options, markers, profiles and the live plumbing are in the root conftest.py / contract_tests/plugin.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from mockserver import MockServer

from . import mutants, plugin
from .target import Target


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    run = plugin.state(pytestconfig)
    if run.is_live:
        assert run.base_url is not None
        assert run.api_key is not None
        yield Target("live", run.base_url, run.api_key, run.run_id, readonly=run.readonly)
        return
    undo = mutants.apply(os.environ.get(mutants.ENV))
    keys = Target.mock_keys(run.run_id)
    try:
        with MockServer(strict=True, api_keys=keys, host="127.0.0.1", port=0) as server:
            yield Target("mock", server.url, keys[0], run.run_id, server=server, spare_keys=keys[1:])
            violations = list(server.violations)
    finally:
        undo()
    assert not violations, "the mock's responses broke the spec during the session:\n" + "\n".join(
        f"  - {violation}" for violation in violations
    )


@pytest.fixture(autouse=True)
def _no_new_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Against the mock, every test also fails when a response it provoked broke the spec (strict mode)."""
    if "target" not in request.fixturenames:
        yield
        return
    target: Target = request.getfixturevalue("target")
    if target.server is None:
        yield
        return
    before = len(target.server.violations)
    yield
    new = target.server.violations[before:]
    if new:
        pytest.fail(
            "strict mode: the mock's responses broke the spec:\n" + "\n".join(f"  - {v}" for v in new[:10]),
            pytrace=False,
        )
