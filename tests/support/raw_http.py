"""Raw HTTP/1.1 over a socket, for requests no well-behaved client library would send."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    """One answer as it came off the wire."""

    version: str
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def address_of(url: str) -> tuple[str, int]:
    """Return (host, port) of a base URL such as http://127.0.0.1:8080."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


def read_response(sock: socket.socket) -> RawResponse | None:
    """Read one response; None when the server closed the connection without answering."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            if data:
                raise AssertionError(f"connection closed mid-response: {data[:200]!r}")
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    version, status, *_ = status_line.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return RawResponse(version, int(status), headers, rest[:length])


def exchange(url: str, request: bytes, timeout: float = 15.0) -> RawResponse | None:
    """Send `request` on a fresh connection and read the one answer."""
    with socket.create_connection(address_of(url), timeout=timeout) as sock:
        sock.sendall(request)
        return read_response(sock)


def build_request(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes | None = None
) -> bytes:
    """Assemble a request; a body gets its Content-Length unless `headers` frame it already."""
    lines = [f"{method} {target} HTTP/1.1", "Host: mock"]
    lines += [f"{name}: {value}" for name, value in headers]
    names = {name.lower() for name, _ in headers}
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + (body or b"")
