"""Slow and stalled clients: header, body and idle deadlines close their connections.

Over real sockets. The stalled-connection test holds STALLED connections (default 500; set
INFRAI_STALLED for a heavier run) that connect and send nothing, send half their headers, or send
their headers and part of a body, then shows that a normal client is served meanwhile within 2x
of an idle server's median latency, and that every stalled connection is closed (with a 408
envelope where it is still waiting for its request).
"""

from __future__ import annotations

import os
import resource
import socket
import statistics
import time
from collections.abc import Iterator

import pytest
import requests
from raw_http import address_of, build_request, read_response

from mockserver import MockServer

STALLED = int(os.environ.get("INFRAI_STALLED", "500"))
HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def impatient() -> Iterator[MockServer]:
    """A mock with one-second header and body deadlines and a two-second idle deadline."""
    with MockServer(
        header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT, keepalive_timeout=2.0
    ) as server:
        yield server


def _connect(server: MockServer, first_bytes: bytes = b"") -> socket.socket:
    sock = socket.create_connection(address_of(server.url), timeout=30)
    if first_bytes:
        sock.sendall(first_bytes)
    return sock


def _partial_body(key: str = "ifr_slow") -> bytes:
    head = build_request(
        "POST",
        "/v1/errors/capture",
        [("Authorization", f"Bearer {key}"), ("Content-Type", "application/json"), ("Content-Length", "200")],
    )
    return head + b'{"message": "so'


def _closed_after(sock: socket.socket, seconds: float) -> tuple[int | None, float]:
    """Read the one answer (if any) and the close; return (status or None, seconds it took)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    answer = read_response(sock)
    assert sock.recv(1) == b"", "the connection stayed open after its answer"
    return (answer.status if answer is not None else None), time.monotonic() - started


class TestDeadlines:
    def test_headers_that_stall_get_408_and_a_closed_connection(self, impatient: MockServer) -> None:
        """Half a request line, then nothing: 408 with the envelope after the header deadline."""
        with _connect(impatient, b"GET /v1/errors/list HTTP/1.1\r\nHost: mock\r\nAuthor") as sock:
            sock.settimeout(15)
            answer = read_response(sock)
            assert answer is not None
            assert answer.status == 408
            assert answer.json()["error"] == {
                "code": "REQUEST_TIMEOUT",
                "message": f"request headers not received within {HEADER_TIMEOUT} s",
                "details": {"field": "headers", "rule": "timeout"},
            }
            assert sock.recv(1) == b""

    def test_a_connection_that_never_sends_is_closed_too(self, impatient: MockServer) -> None:
        """Connect and say nothing: closed (with a 408) after the header deadline."""
        with _connect(impatient) as sock:
            status, _ = _closed_after(sock, 15)
            assert status == 408

    def test_a_body_that_stalls_gets_408_and_a_closed_connection(self, impatient: MockServer) -> None:
        """Headers promising 200 bytes, then 15 of them: 408 naming the body, connection closed."""
        with _connect(impatient, _partial_body()) as sock:
            sock.settimeout(15)
            answer = read_response(sock)
            assert answer is not None
            assert answer.status == 408
            assert answer.json()["error"]["details"] == {"field": "body", "rule": "timeout"}
            assert sock.recv(1) == b""
        assert impatient.violations == []  # a transport failure, not a broken contract

    def test_a_slow_but_steady_request_is_served(self, impatient: MockServer) -> None:
        """Headers in pieces within the deadline are fine; the deadline is for the whole header block."""
        request = build_request("GET", "/v1/errors/retention/get", [("Authorization", "Bearer ifr_steady")])
        with _connect(impatient) as sock:
            for piece in (request[:10], request[10:30], request[30:]):
                sock.sendall(piece)
                time.sleep(0.1)
            sock.settimeout(15)
            answer = read_response(sock)
            assert answer is not None
            assert answer.status == 200

    def test_an_idle_kept_alive_connection_is_closed(self, impatient: MockServer) -> None:
        """After an answer, a connection that sends nothing more is closed after the idle deadline."""
        request = build_request("GET", "/v1/errors/retention/get", [("Authorization", "Bearer ifr_idle")])
        with _connect(impatient, request) as sock:
            sock.settimeout(15)
            answer = read_response(sock)
            assert answer is not None
            assert answer.status == 200
            started = time.monotonic()
            assert sock.recv(1) == b""
            assert time.monotonic() - started < 14


def _median_latency(session: requests.Session, url: str, rounds: int = 30) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = session.get(
            f"{url}/v1/errors/retention/get", headers={"Authorization": "Bearer ifr_normal"}, timeout=30
        )
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(timings)


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"needs {needed} file descriptors; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def test_stalled_connections_are_closed_while_a_normal_client_is_served(impatient: MockServer) -> None:
    """STALLED stalled connections: a normal client's median latency stays within 2x of idle; all close."""
    _raise_fd_limit(2 * STALLED + 256)  # both ends live in this process
    with requests.Session() as session:
        _median_latency(session, impatient.url, rounds=5)  # warm up
        idle = _median_latency(session, impatient.url)
        kinds = (b"", b"GET /v1/errors/list HTTP/1.1\r\nHost: mo", _partial_body())
        stalled = [_connect(impatient, kinds[index % 3]) for index in range(STALLED)]
        try:
            held = min(_median_latency(session, impatient.url) for _ in range(3))
            assert held <= 2 * idle or held - idle < 0.002, (
                f"idle {idle * 1000:.2f} ms, held {held * 1000:.2f} ms"
            )
            statuses = [_closed_after(sock, 30)[0] for sock in stalled]
        finally:
            for sock in stalled:
                sock.close()
        assert statuses.count(408) == STALLED
        assert _median_latency(session, impatient.url, rounds=5) > 0  # still serving
    print(
        f"\n{STALLED} stalled connections closed; idle median {idle * 1000:.2f} ms, held {held * 1000:.2f} ms"
    )
