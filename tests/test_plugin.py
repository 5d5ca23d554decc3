"""The pytest plugin, exercised in inner pytest runs through pytester."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver import MockServer

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
    def test_three_lines_with_the_env_wired(self, inner: pytest.Pytester) -> None:
        """The app reads INFRAI_BASE_URL / INFRAI_API_KEY; the test needs no env fixture of its own."""
        inner.makepyfile(
            test_inner="""
            import os
            from client import call

            def signup(email):
                if "@" not in email or email.endswith("@"):
                    call(os.environ["INFRAI_BASE_URL"], os.environ["INFRAI_API_KEY"], "POST",
                         "/v1/errors/capture", {"exception": {"type": "ValueError", "message": email}})

            def test_reports_failed_signup(infrai_mock):
                signup("bad@")
                infrai_mock.assert_captured(type="ValueError", count=1)

            def test_handle_basics(infrai_mock, infrai_mock_url, infrai_mock_api_key):
                assert (infrai_mock.url, infrai_mock.api_key) == (infrai_mock_url, infrai_mock_api_key)
                assert infrai_mock.headers == {"Authorization": f"Bearer {infrai_mock_api_key}"}
                assert infrai_mock.groups() == []
            """
        )
        run(inner).assert_outcomes(passed=2)

    def test_each_test_gets_a_fresh_tenant_on_the_session_server(self, inner: pytest.Pytester) -> None:
        """Keys differ per test; the server (infrai_mock_server) is one per session."""
        inner.makepyfile(
            test_inner="""
            seen = []

            def test_one(infrai_mock, infrai_mock_server):
                seen.append((infrai_mock.api_key, infrai_mock_server))
                infrai_mock.request("POST", "/v1/errors/message", {"text": "hi"})

            def test_two(infrai_mock, infrai_mock_server):
                assert infrai_mock.api_key != seen[0][0]
                assert infrai_mock_server is seen[0][1]
                assert infrai_mock.events() == []
            """
        )
        run(inner).assert_outcomes(passed=2)

    def test_assert_captured_failure_shows_what_was_captured(self, inner: pytest.Pytester) -> None:
        """A failed assert_captured prints a table of groups and events, not a bare assert."""
        inner.makepyfile(
            test_inner="""
            def test_wrong(infrai_mock):
                infrai_mock.request("POST", "/v1/errors/capture", {"message": "db timeout", "level": "fatal"})
                infrai_mock.assert_captured(message="card declined")
            """
        )
        result = run(inner)
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                "*expected at least one event matching message='card declined', found 0*",
                "*count*status*title*",
                "*1*unresolved*db timeout*",
                "*fatal*db timeout*",
            ]
        )

    def test_calls_with_an_unknown_operation_id_raises(self, inner: pytest.Pytester) -> None:
        """calls("capture") (a typo) raises, naming the valid ids."""
        inner.makepyfile(
            test_inner="""
            import pytest

            def test_typo(infrai_mock):
                infrai_mock.request("POST", "/v1/errors/message", {"text": "hi"})
                assert [c["operation_id"] for c in infrai_mock.calls("errors_message")] == ["errors_message"]
                with pytest.raises(ValueError, match="errors_capture"):
                    infrai_mock.calls("capture")
            """
        )
        run(inner).assert_outcomes(passed=1)

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

    def test_a_failed_test_gets_its_tenants_journal(self, inner: pytest.Pytester) -> None:
        """The report of a failed test has a section with this tenant's requests, error fields included."""
        inner.makepyfile(
            test_inner="""
            def test_fails(infrai_mock):
                try:
                    infrai_mock.request("POST", "/v1/errors/capture", {"mesage": "typo"})
                except Exception:
                    pass
                assert False, "the test's own failure"
            """
        )
        result = run(inner)
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                "*infrai-mock journal*",
                "*POST /v1/errors/capture -> 400 (errors_capture)*INVALID_REQUEST*mesage*",
            ]
        )


class TestClockAndState:
    def test_advancing_the_tenant_clock_purges_past_retention(self, inner: pytest.Pytester) -> None:
        """advance_clock(timedelta(days=91)) on the system-clock session server purges this tenant only."""
        inner.makepyfile(
            test_inner="""
            from datetime import timedelta

            def test_retention(infrai_mock, infrai_mock_server):
                neighbour = infrai_mock_server.tenant()
                for tenant in (infrai_mock, neighbour):
                    tenant.request("POST", "/v1/errors/capture", {"message": "old"})
                infrai_mock.advance_clock(timedelta(days=91))
                assert infrai_mock.events() == []
                assert len(neighbour.events()) == 1
            """
        )
        run(inner).assert_outcomes(passed=1)

    def test_marker_manual_clock_freezes_the_tenant(self, inner: pytest.Pytester) -> None:
        """@pytest.mark.infrai_mock(clock="manual") freezes this tenant's time, on the shared server."""
        inner.makepyfile(
            test_inner="""
            import time
            import pytest
            from mockserver import Fault

            @pytest.mark.infrai_mock(clock="manual", faults=[Fault("errors_list", 429, times=1)])
            def test_frozen(infrai_mock, infrai_mock_server):
                before = infrai_mock.now()
                time.sleep(0.01)
                assert infrai_mock.now() == before
                with pytest.raises(Exception, match="429"):
                    infrai_mock.events()
                assert infrai_mock.events() == []
            """
        )
        run(inner).assert_outcomes(passed=1)

    def test_dump_load_and_the_state_marker(self, inner: pytest.Pytester) -> None:
        """dump() from one test, load() as a file or the state marker in another."""
        inner.makepyfile(
            test_inner="""
            import json
            import pytest

            SEED = {"version": 1, "clock": {"now": "2026-02-01T00:00:00Z"},
                    "groups": [{"id": "grp_seed", "status": "resolved"}],
                    "events": [{"timestamp": "2026-01-31T00:00:00Z", "message": "seeded",
                                "error_group_id": "grp_seed"}]}

            @pytest.fixture
            def seed_file(tmp_path):
                path = tmp_path / "seed.json"
                path.write_text(json.dumps(SEED))
                return path

            def test_load_file(infrai_mock, seed_file):
                infrai_mock.load(seed_file)
                assert [g["status"] for g in infrai_mock.groups()] == ["resolved"]
                assert infrai_mock.dump()["events"][0]["id"]

            @pytest.mark.infrai_mock(state=SEED)
            def test_marker(infrai_mock):
                infrai_mock.assert_captured(message="seeded", count=1)

            def test_bad_document(infrai_mock):
                with pytest.raises(ValueError, match="version"):
                    infrai_mock.load({"version": 9})
            """
        )
        run(inner).assert_outcomes(passed=3)


PARALLEL = """
import os
import time
from datetime import timedelta
from pathlib import Path

RENDEZVOUS = Path(os.environ["RENDEZVOUS"])


def meet(me, other):
    (RENDEZVOUS / me).touch()
    deadline = time.monotonic() + 60
    while not (RENDEZVOUS / other).exists():
        assert time.monotonic() < deadline, f"{other} never arrived"
        time.sleep(0.05)


def test_a(infrai_mock):
    infrai_mock.request("POST", "/v1/errors/capture", {"message": "same message"})
    meet("a-captured", "b-captured")
    infrai_mock.advance_clock(timedelta(days=91))
    assert infrai_mock.events() == []
    meet("a-advanced", "b-checked")


def test_b(infrai_mock):
    infrai_mock.request("POST", "/v1/errors/capture", {"message": "same message"})
    meet("b-captured", "a-captured")
    meet("b-waiting", "a-advanced")
    infrai_mock.assert_captured(message="same message", count=1)
    [group] = infrai_mock.groups()
    assert group["count"] == 1
    meet("b-checked", "a-advanced")
"""


class TestSharedServer:
    def test_two_parallel_workers_on_one_server_never_see_each_other(
        self, inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Under pytest-xdist, two tests capture the same message on one standalone server; one
        advances its clock 91 days and is purged; the other still sees exactly its own one event."""
        monkeypatch.setenv("RENDEZVOUS", str(tmp_path))
        inner.makepyfile(test_parallel=PARALLEL)
        with MockServer() as server:
            result = inner.runpytest_subprocess(
                *PLUGIN_ARGS, "-p", "xdist", "-n", "2", f"--infrai-mock-url={server.url}"
            )
            result.assert_outcomes(passed=2)
            # Each test's teardown reset its own tenant: the shared server is left as it was found.
            assert server.calls_to("errors_capture") == []
            with server.lock:
                assert server.store.tenants() == []

    def test_reset_on_a_shared_server_leaves_other_tenants_intact(self, inner: pytest.Pytester) -> None:
        """--infrai-mock-url: the fixture's reset() (and its teardown) touch only the test's tenant."""
        inner.makepyfile(
            test_inner="""
            def test_resets(infrai_mock):
                infrai_mock.request("POST", "/v1/errors/capture", {"message": "mine"})
                infrai_mock.reset()
                assert infrai_mock.events() == []
                infrai_mock.request("POST", "/v1/errors/capture", {"message": "mine again"})

            def test_server_fixture_is_in_process_only(infrai_mock_server):
                pass
            """
        )
        with MockServer() as server:
            other = server.tenant("ifr_someone_else")
            other.request("POST", "/v1/errors/capture", {"message": "theirs"})
            result = run(inner, f"--infrai-mock-url={server.url}")
            result.assert_outcomes(passed=1, errors=1)
            assert len(other.events()) == 1
            with server.lock:
                assert server.store.tenants() == ["ifr_someone_else"]


class TestOptions:
    def test_marker_is_registered(self, inner: pytest.Pytester) -> None:
        """`pytest --markers` lists infrai_mock."""
        run(inner, "--markers").stdout.fnmatch_lines(["@pytest.mark.infrai_mock(*"])

    def test_block_live_fails_a_test_that_reaches_the_service(self, inner: pytest.Pytester) -> None:
        """--infrai-block-live fails the test even when the app swallows the connection error."""
        inner.makepyfile(
            test_inner="""
            import urllib.request

            def test_leaks(infrai_mock):
                try:
                    urllib.request.urlopen("https://api.infrai.cc/v1/errors/list", timeout=2)
                except OSError:
                    pass  # the app's own retry logic swallows it

            def test_stays_local(infrai_mock):
                infrai_mock.groups()
            """
        )
        result = run(inner, "--infrai-block-live")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["*--infrai-block-live: the test tried to reach api.infrai.cc*"])

    def test_access_log_prints_one_line_per_request(self, inner: pytest.Pytester) -> None:
        """--infrai-access-log: method, path, status, operation, masked key, and a 4xx's error field."""
        inner.makepyfile(
            test_inner="""
            def test_logged(infrai_mock):
                try:
                    infrai_mock.request("POST", "/v1/errors/capture", {"level": "error"})
                except Exception:
                    pass
                assert False
            """
        )
        result = run(inner, "--infrai-access-log")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            ["*POST /v1/errors/capture 400 errors_capture *ms key=ifr_te*INVALID_REQUEST field=body.message*"]
        )


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
                assert len(infrai_mock.server.violations) == 1
            """
        )
        run(inner).assert_outcomes(passed=1)
