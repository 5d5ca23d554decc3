"""Starting the mock: MockServer (sync and async), create_app options, the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import aiohttp
import pytest
import requests
from http_support import CAPTURE_BODY, ROOT

import mockserver
import mockserver.server
from mockserver import MockServer, create_app
from mockserver.control.journal import Journal

AUTH = {"Authorization": "Bearer ifr_server"}


class TestMockServerSync:
    def test_is_ready_when_start_returns(self) -> None:
        """The socket accepts requests as soon as the context manager is entered."""
        with MockServer() as server:
            assert server.running
            assert requests.get(server.url + "/__admin/health", timeout=5).status_code == 200
        assert not server.running

    def test_url_needs_a_running_server(self) -> None:
        """Asking for the URL of a stopped server is an error, not a wrong address."""
        with pytest.raises(RuntimeError, match="not running"):
            _ = MockServer().url

    def test_cannot_start_twice(self) -> None:
        """A server runs once."""
        with MockServer() as server, pytest.raises(RuntimeError, match="already started"):
            server.start()

    def test_port_in_use_fails_loudly(self) -> None:
        """A start failure in the serving thread is raised in the caller."""
        with MockServer() as first, pytest.raises(OSError, match="address already in use"):
            MockServer(port=first.port).start()

    def test_reset_keeps_configuration(self) -> None:
        """reset() drops data but keeps options such as the allow-list."""
        with MockServer(api_keys=["ifr_server"]) as server:
            requests.post(server.url + "/v1/errors/capture", json=CAPTURE_BODY, headers=AUTH, timeout=5)
            server.reset()
            assert server.store.tenants() == []
            assert requests.get(server.url + "/v1/errors/list", headers=AUTH, timeout=5).status_code == 200
            bad = requests.get(
                server.url + "/v1/errors/list", headers={"Authorization": "Bearer x"}, timeout=5
            )
            assert bad.status_code == 401

    def test_store_access_from_the_test_thread_under_the_lock(self) -> None:
        """Captures made through the store while requests fly all land."""
        with MockServer() as server:
            errors: list[BaseException] = []

            def traffic() -> None:
                try:
                    with requests.Session() as session:
                        for _ in range(50):
                            session.post(
                                server.url + "/v1/errors/capture", json=CAPTURE_BODY, headers=AUTH, timeout=5
                            )
                except BaseException as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            thread = threading.Thread(target=traffic)
            thread.start()
            for index in range(50):
                with server.lock:
                    server.store.tenant("ifr_server").capture(
                        {"message": f"direct {index}"}, source="capture"
                    )
            thread.join()
            assert errors == []
            listed = requests.get(server.url + "/v1/errors/list?limit=100", headers=AUTH, timeout=5).json()
            assert len(listed["items"]) == 100

    def test_seed_makes_ids_reproducible(self) -> None:
        """Two servers with one seed hand out the same ids."""
        ids = []
        for _ in range(2):
            with MockServer(seed=42) as server:
                response = requests.post(
                    server.url + "/v1/errors/capture", json=CAPTURE_BODY, headers=AUTH, timeout=5
                )
                ids.append(response.json()["error_id"])
        assert ids[0] == ids[1]

    def test_starts_again_after_stop(self) -> None:
        """A stopped server starts again on its port, with its data."""
        server = MockServer()
        with server:
            requests.post(server.url + "/v1/errors/capture", json=CAPTURE_BODY, headers=AUTH, timeout=5)
            port = server.port
        with server:
            assert server.port == port
            listed = requests.get(server.url + "/v1/errors/list", headers=AUTH, timeout=5).json()
            assert len(listed["items"]) == 1

    def test_starts_after_a_failed_start(self) -> None:
        """A start that failed (port taken) leaves the server free to start once the port is."""
        with MockServer() as first:
            second = MockServer(port=first.port)
            with pytest.raises(OSError, match="address already in use"):
                second.start()
        with second:
            assert requests.get(second.url + "/__admin/health", timeout=5).status_code == 200

    def test_start_timeout_ends_the_serving_thread(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A start that times out stops its loop and thread instead of leaking them, and may be retried."""
        server = MockServer()

        async def slow_startup(app: aiohttp.web.Application) -> None:
            await asyncio.sleep(30)

        server.app.on_startup.append(slow_startup)
        monkeypatch.setattr(mockserver.server, "_START_TIMEOUT", 0.2)
        with pytest.raises(RuntimeError, match="did not start within"):
            server.start()
        assert _serving_thread(server) is None
        monkeypatch.setattr(mockserver.server, "_START_TIMEOUT", 10.0)
        with server:  # the retry serves from a fresh application, without the slow hook
            assert requests.get(server.url + "/__admin/health", timeout=5).status_code == 200

    def test_stop_ends_the_thread_even_when_cleanup_fails(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """stop() reports a failed cleanup but still stops the loop, ends the thread and frees the port."""
        server = MockServer().start()
        real_stop = server.stop_async
        calls = 0

        async def failing_once() -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise RuntimeError("cleanup failed")
            await real_stop()

        monkeypatch.setattr(server, "stop_async", failing_once)
        with pytest.raises(RuntimeError, match="cleanup failed"):
            server.stop()
        assert _serving_thread(server) is None
        with MockServer(port=server.port) as again:
            assert requests.get(again.url + "/__admin/health", timeout=5).status_code == 200

    def test_seeded_reset_hands_out_the_first_ids_again(self) -> None:
        """After reset() a seeded server's ids do not depend on what ran before."""
        with MockServer(seed=5) as server:

            def capture() -> str:
                response = requests.post(
                    server.url + "/v1/errors/capture", json=CAPTURE_BODY, headers=AUTH, timeout=5
                )
                return str(response.json()["error_id"])

            first = capture()
            capture()
            server.reset()
            assert capture() == first
            requests.post(server.url + "/__admin/reset", timeout=5)
            assert capture() == first

    def test_reset_clears_the_records_inside_the_store_lock(self) -> None:
        """reset() empties the journal and violations inside the lock: lock holders never see half of it."""
        free_at_clear: list[bool] = []

        class WatchedJournal(Journal):
            def clear(self) -> None:
                free_at_clear.append(_free_for_another_thread(server.lock))
                super().clear()

        class WatchedViolations(list[mockserver.Violation]):
            def clear(self) -> None:
                free_at_clear.append(_free_for_another_thread(server.lock))
                super().clear()

        server = MockServer()
        server.state.journal = WatchedJournal()
        server.state.violations = WatchedViolations()
        server.reset()
        assert free_at_clear == [False, False]

    def test_clock_and_store_together_are_refused(self) -> None:
        """A ready store brings its own clock."""
        with pytest.raises(ValueError, match="not both"):
            create_app(store=mockserver.Store(), clock="manual")


def _serving_thread(server: MockServer) -> threading.Thread | None:
    """The server's serving thread, if it is still alive."""
    name = f"infrai-mock-{id(server):x}"
    return next((thread for thread in threading.enumerate() if thread.name == name), None)


def _free_for_another_thread(lock: threading.RLock) -> bool:
    """Whether a thread other than the caller could take `lock` right now."""
    free: list[bool] = []

    def probe() -> None:
        taken = lock.acquire(blocking=False)
        if taken:
            lock.release()
        free.append(taken)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return free[0]


@pytest.mark.asyncio
class TestMockServerAsync:
    async def test_async_context_manager_serves_on_the_callers_loop(self) -> None:
        """`async with MockServer()` serves on the running loop."""
        async with MockServer() as server, aiohttp.ClientSession() as session:
            async with session.post(
                server.url + "/v1/errors/capture", json=CAPTURE_BODY, headers=AUTH
            ) as response:
                assert response.status == 200
            assert len(server.journal) == 1
        assert not server.running

    async def test_starts_again_on_the_same_loop(self) -> None:
        """`async with` works twice on one server."""
        server = MockServer()
        for _ in range(2):
            async with (
                server,
                aiohttp.ClientSession() as session,
                session.get(server.url + "/__admin/health") as response,
            ):
                assert response.status == 200


class TestPublicApi:
    def test_all_lists_the_public_names(self) -> None:
        """`__all__` is exactly the package's public surface, and every name in it resolves."""
        for name in mockserver.__all__:
            getattr(mockserver, name)
        public = {name for name in dir(mockserver) if not name.startswith("_")}
        modules = {name for name in public if type(getattr(mockserver, name)).__name__ == "module"}
        assert set(mockserver.__all__) == public - modules

    def test_unknown_names_are_attribute_errors(self) -> None:
        with pytest.raises(AttributeError, match="no attribute 'Nope'"):
            _ = mockserver.Nope  # type: ignore[attr-defined]

    def test_importing_the_store_does_not_load_aiohttp(self) -> None:
        """The public names load lazily, so the pure layers stay importable without the HTTP stack."""
        probe = "import sys, mockserver.store, mockserver.control.state; print('aiohttp' in sys.modules)"
        out = subprocess.run(
            [sys.executable, "-c", probe], env=_env(), capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "False"

    def test_package_is_typed(self) -> None:
        """py.typed ships with the package."""
        assert (ROOT / "mockserver" / "py.typed").is_file()


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def cli() -> Iterator[subprocess.Popen[str]]:
    """`python -m mockserver --port 0 --manual-clock`, stopped after the test."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "--port",
            "0",
            "--manual-clock",
            "--seed",
            "7",
            "--api-key",
            "ifr_cli",
        ],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)


class TestCli:
    def test_help(self) -> None:
        """`python -m mockserver --help` documents the options."""
        result = subprocess.run(
            [sys.executable, "-m", "mockserver", "--help"],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        options = [
            "--host",
            "--port",
            "--spec",
            "--strict",
            "--no-strict",
            "--seed",
            "--api-key",
            "--max-body",
        ]
        for option in [*options, "--manual-clock"]:
            assert option in result.stdout

    def test_serves_and_stops_on_sigterm(self, cli: subprocess.Popen[str]) -> None:
        """The CLI prints its URL, answers requests and exits 0 on SIGTERM."""
        assert cli.stdout is not None
        line = cli.stdout.readline().strip()
        assert line.startswith("infrai-mock listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        response = requests.post(
            url + "/v1/errors/capture",
            json=CAPTURE_BODY,
            headers={"Authorization": "Bearer ifr_cli"},
            timeout=5,
        )
        assert response.status_code == 200
        assert (
            requests.get(
                url + "/v1/errors/list", headers={"Authorization": "Bearer other"}, timeout=5
            ).status_code
            == 401
        )
        assert requests.get(url + "/__admin/clock", timeout=5).json()["manual"] is True
        cli.send_signal(signal.SIGTERM)
        assert cli.wait(timeout=10) == 0

    def test_stops_on_ctrl_c(self, cli: subprocess.Popen[str]) -> None:
        """SIGINT (Ctrl-C) also exits 0."""
        assert cli.stdout is not None
        assert cli.stdout.readline().startswith("infrai-mock listening on")
        cli.send_signal(signal.SIGINT)
        assert cli.wait(timeout=10) == 0

    def test_bad_spec_path_is_a_usage_error(self) -> None:
        """A missing spec file exits 2 with a message instead of a traceback."""
        result = subprocess.run(
            [sys.executable, "-m", "mockserver", "--spec", "/nonexistent.yaml"],
            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert result.returncode == 2
        assert "infrai-mock: error:" in result.stderr
