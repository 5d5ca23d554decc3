"""The pytest plugin, exercised in inner pytest runs through pytester."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest_plugins = ["pytester"]

# Load the plugin by module path whether or not the package's entry point is installed.
PLUGIN_ARGS = ("-p", "no:infrai_mock", "-p", "mockserver.pytest_plugin", "-p", "no:cacheprovider")

CLIENT = """
import json
import urllib.request
from urllib.error import HTTPError


def call(url, key, method, path, body=None):
    request = urllib.request.Request(
        url + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester with a tiny urllib client module next to the inner tests."""
    pytester.makepyfile(client=CLIENT)
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    )  # pytest-asyncio asks for it
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*PLUGIN_ARGS, "--strict-markers", *args)


class TestFixtures:
    def test_fixtures_give_a_server_url_and_isolated_key(self, inner: pytest.Pytester) -> None:
        """infrai_mock, infrai_mock_url and infrai_mock_api_key work together; each test starts clean."""
        inner.makepyfile(
            test_inner="""
            from client import call

            def test_capture(infrai_mock, infrai_mock_url, infrai_mock_api_key):
                assert infrai_mock_url == infrai_mock.url
                key = infrai_mock_api_key
                status, body = call(infrai_mock_url, key, "POST", "/v1/errors/message", {"text": "hi"})
                assert status == 200 and body["ok"] is True
                assert len(infrai_mock.calls_to("errors_message", tenant=infrai_mock_api_key)) == 1

            def test_reset_between_tests(infrai_mock, infrai_mock_api_key):
                assert len(infrai_mock.journal) == 0
                assert infrai_mock.store.tenants() == []

            def test_same_session_server(infrai_mock, request):
                assert infrai_mock is request.getfixturevalue("infrai_mock_session")
            """
        )
        run(inner).assert_outcomes(passed=3)

    def test_keys_differ_per_test(self, inner: pytest.Pytester) -> None:
        """Two tests get two API keys."""
        inner.makepyfile(
            test_inner="""
            seen = []

            def test_one(infrai_mock_api_key):
                seen.append(infrai_mock_api_key)

            def test_two(infrai_mock_api_key):
                assert seen and infrai_mock_api_key != seen[0]
            """
        )
        run(inner).assert_outcomes(passed=2)

    def test_server_starts_only_when_asked_for(
        self, inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A session whose tests never use the mock starts no server (in a subprocess: no outer threads)."""
        monkeypatch.setenv("PYTHONPATH", str(ROOT))
        inner.makepyfile(
            test_inner="""
            import threading

            def test_nothing():
                assert not any(t.name.startswith("infrai-mock") for t in threading.enumerate())

            def test_something(infrai_mock):
                assert any(t.name.startswith("infrai-mock") for t in threading.enumerate())
            """
        )
        inner.runpytest_subprocess(*PLUGIN_ARGS).assert_outcomes(passed=2)

    def test_factory_starts_extra_servers(self, inner: pytest.Pytester) -> None:
        """infrai_mock_factory starts servers with their own options."""
        inner.makepyfile(
            test_inner="""
            from client import call

            def test_allow_list(infrai_mock_factory):
                server = infrai_mock_factory(api_keys=["ifr_only"])
                assert call(server.url, "ifr_only", "GET", "/v1/errors/list")[0] == 200
                assert call(server.url, "ifr_other", "GET", "/v1/errors/list")[0] == 401
            """
        )
        run(inner).assert_outcomes(passed=1)


class TestMarker:
    def test_marker_is_registered(self, inner: pytest.Pytester) -> None:
        """`pytest --markers` lists infrai_mock."""
        run(inner, "--markers").stdout.fnmatch_lines(["@pytest.mark.infrai_mock(*"])

    def test_manual_clock_and_faults(self, inner: pytest.Pytester) -> None:
        """The marker's clock and faults configure the test's server."""
        inner.makepyfile(
            test_inner="""
            import pytest
            from client import call
            from mockserver import Fault, ManualClock

            @pytest.mark.infrai_mock(clock="manual", faults=[Fault("errors_list", 429, times=1)])
            def test_marked(infrai_mock, infrai_mock_api_key):
                assert isinstance(infrai_mock.clock, ManualClock)
                assert call(infrai_mock.url, infrai_mock_api_key, "GET", "/v1/errors/list")[0] == 429
                assert call(infrai_mock.url, infrai_mock_api_key, "GET", "/v1/errors/list")[0] == 200

            @pytest.mark.infrai_mock(faults=[{"operation_id": "errors_groups", "status": 402}])
            def test_faults_as_dicts_on_the_shared_server(infrai_mock, infrai_mock_api_key, request):
                assert infrai_mock is request.getfixturevalue("infrai_mock_session")
                assert call(infrai_mock.url, infrai_mock_api_key, "GET", "/v1/errors/groups")[0] == 402

            def test_unmarked_gets_no_faults(infrai_mock, infrai_mock_api_key):
                assert not isinstance(infrai_mock.clock, ManualClock)
                assert call(infrai_mock.url, infrai_mock_api_key, "GET", "/v1/errors/groups")[0] == 200
            """
        )
        run(inner).assert_outcomes(passed=3)


BROKEN = """
import pytest
from aiohttp import web

@web.middleware
async def bogus_list(request, handler):
    if request.path == "/v1/errors/list":
        return web.json_response({"items": "nope"})
    return await handler(request)
"""


class TestStrictViolations:
    def test_passing_test_fails_on_violations(self, inner: pytest.Pytester) -> None:
        """A test that passed is failed when the mock answered something the spec forbids."""
        inner.makeconftest(BROKEN)
        inner.makepyfile(
            test_inner="""
            import pytest
            from client import call
            from conftest import bogus_list

            @pytest.mark.infrai_mock(middlewares=[bogus_list])
            def test_ignores_the_500(infrai_mock, infrai_mock_api_key):
                call(infrai_mock.url, infrai_mock_api_key, "GET", "/v1/errors/list")

            @pytest.mark.infrai_mock(middlewares=[bogus_list])
            def test_clean(infrai_mock, infrai_mock_api_key):
                call(infrai_mock.url, infrai_mock_api_key, "GET", "/v1/errors/groups")
            """
        )
        result = run(inner)
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(
            ["*responses broke the spec during this test*", "*GET /v1/errors/list (errors_list) -> 200*"]
        )

    def test_own_failure_is_kept_and_violations_attached(self, inner: pytest.Pytester) -> None:
        """A test failing for its own reason shows its own error, with the violations as a report section."""
        inner.makeconftest(BROKEN)
        inner.makepyfile(
            test_inner="""
            import pytest
            from client import call
            from conftest import bogus_list

            @pytest.mark.infrai_mock(middlewares=[bogus_list])
            def test_fails_itself(infrai_mock, infrai_mock_api_key):
                call(infrai_mock.url, infrai_mock_api_key, "GET", "/v1/errors/list")
                raise KeyError("the test's own error")
            """
        )
        result = run(inner)
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["*KeyError*the test's own error*", "*infrai-mock spec violations*"])
        result.stdout.no_fnmatch_line("*responses broke the spec during this test*")

    def test_lax_marker_does_not_fail(self, inner: pytest.Pytester) -> None:
        """strict=False lets the response through, and the test decides."""
        inner.makeconftest(BROKEN)
        inner.makepyfile(
            test_inner="""
            import pytest
            from client import call
            from conftest import bogus_list

            @pytest.mark.infrai_mock(strict=False, middlewares=[bogus_list])
            def test_lax(infrai_mock, infrai_mock_api_key):
                status, body = call(infrai_mock.url, infrai_mock_api_key, "GET", "/v1/errors/list")
                assert (status, body) == (200, {"items": "nope"})
                assert len(infrai_mock.violations) == 1
            """
        )
        run(inner).assert_outcomes(passed=1)
