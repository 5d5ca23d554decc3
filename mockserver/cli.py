"""`infrai-mock` / `python -m mockserver`: serve the mock until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .contract.control_spec import default_control_path
from .control.collector import TICK_SECONDS, CollectorPolicy
from .control.journal import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_SIZE
from .control.state import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_KEY_LENGTH
from .http.app import DEFAULT_MAX_BODY
from .http.protocol import DEFAULT_HEADER_TIMEOUT
from .server import DEFAULT_KEEPALIVE_TIMEOUT, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_HEADERS, MockServer
from .store import InvalidInput
from .store.store import DEFAULT_MAX_TENANTS

__all__ = ["exposure_warning", "is_loopback", "main", "parser"]

DOCS_URL = "https://github.com/infrai/infrai-errors-mock#readme"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def parser() -> argparse.ArgumentParser:
    """Build the command line of `infrai-mock`."""
    cli = argparse.ArgumentParser(
        prog="infrai-mock",
        description="Serve a stateful mock of the Infrai errors API (/v1/errors/*), driven by its spec.",
        epilog=(
            "Each Bearer token is its own tenant. The control API is under /__admin/ (tenant-scoped under "
            "/__admin/tenant/, with the tenant's own key); its OpenAPI document is served with the package "
            f"as {default_control_path()}. Documentation: {DOCS_URL}"
        ),
    )
    cli.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    cli.add_argument(
        "--port",
        type=_port,
        default=8080,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    cli.add_argument("--spec", metavar="PATH", help="OpenAPI document to serve (default: the packaged spec)")
    cli.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="answer 500 when a response would break the spec (default: log only)",
    )
    cli.add_argument("--seed", type=int, help="make ids and cursors reproducible")
    cli.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this API key (repeatable; default: any Bearer token)",
    )
    cli.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help="largest request body accepted; larger ones get 413 (default: %(default)s)",
    )
    cli.add_argument(
        "--database",
        metavar="PATH",
        help="keep all state in this SQLite file: created if missing, restored if present; "
        "every change is committed before it is answered (default: in memory only)",
    )
    cli.add_argument(
        "--manual-clock",
        action="store_true",
        help="freeze time at 2026-01-01T00:00:00Z; move it with POST /__admin/clock",
    )
    limits = cli.add_argument_group("limits (see the reliability guide in the documentation)")
    for flag, kind, default, unit, what in (
        ("--max-key-length", int, DEFAULT_MAX_KEY_LENGTH, "CHARS", "longest API key; longer ones get 401"),
        ("--max-tenants", int, DEFAULT_MAX_TENANTS, "N", "API keys holding state; past it, 429"),
        ("--journal-size", int, DEFAULT_JOURNAL_SIZE, "N", "requests the journal keeps"),
        ("--journal-bytes", int, DEFAULT_JOURNAL_BYTES, "BYTES", "bytes of bodies the journal keeps"),
        ("--max-headers", int, DEFAULT_MAX_HEADERS, "N", "header lines per request; more get 400"),
        ("--max-header-size", int, DEFAULT_MAX_HEADER_SIZE, "BYTES", "longest header line; longer get 400"),
        ("--header-timeout", float, DEFAULT_HEADER_TIMEOUT, "SECONDS", "for a request's headers; then 408"),
        ("--body-timeout", float, DEFAULT_BODY_TIMEOUT, "SECONDS", "for a request's body; then 408"),
        ("--keepalive-timeout", float, DEFAULT_KEEPALIVE_TIMEOUT, "SECONDS", "an idle connection stays open"),
    ):
        limits.add_argument(
            flag, type=_positive(kind), default=default, metavar=unit, help=f"{what} (default: %(default)s)"
        )
    admin = cli.add_argument_group("control API")
    admin.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require this token (header X-Admin-Token) on every server-wide /__admin/ call",
    )
    admin.add_argument(
        "--no-admin",
        action="store_true",
        help="turn the server-wide /__admin/ API off (404); tenant-scoped endpoints stay",
    )
    cli.add_argument(
        "--access-log",
        action="store_true",
        help="print one line per request: method, path, status, operation, duration, masked key, error field",
    )
    cli.add_argument(
        "--load",
        action="append",
        dest="load",
        metavar="FILE",
        type=Path,
        help="start with the tenant in this state document (JSON; the key is its api_key; repeatable)",
    )
    cli.add_argument(
        "--no-gc-tuning",
        action="store_true",
        help="leave Python's garbage collector as configured; by default the server raises its "
        "thresholds and freezes long-lived state ten times a second (a full collection only "
        "when the peak resident size has doubled, at a moment no request arrives), which keeps "
        "collector pauses out of the "
        "latency tail",
    )
    cli.add_argument(
        "--log-level",
        type=str.upper,
        choices=_LOG_LEVELS,
        default="WARNING",
        help="logging level (default: %(default)s)",
    )
    return cli


def _port(text: str) -> int:
    # Checked here: an out-of-range port would only fail at bind time, as an OverflowError traceback.
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not in 0..65535")
    return port


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text} is not a positive number")
        return value

    return parse


def is_loopback(host: str) -> bool:
    """Tell whether `host` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name, or "" / 0.0.0.0 (every interface)


def exposure_warning(host: str, admin_token: str | None, no_admin: bool) -> str | None:
    """Say why serving on `host` is risky, or None: an open control API beyond this machine is."""
    if is_loopback(host) or admin_token is not None or no_admin:
        return None
    return (
        f"listening on {host or 'every interface'}, beyond this machine, with an open control API: "
        "anyone who can reach the port can read every tenant's journal, reset all data and arm "
        "faults. Pass --admin-token TOKEN or --no-admin."
    )


async def _serve(server: MockServer, collector: CollectorPolicy | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        collecting = None if collector is None else asyncio.create_task(_collect(collector, stop))
        print(f"infrai-mock listening on {server.url}", flush=True)
        try:
            await stop.wait()
        finally:
            if collecting is not None:
                await collecting


async def _collect(collector: CollectorPolicy, stop: asyncio.Event) -> None:
    collector.install()
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_SECONDS)
            if not stop.is_set():
                collector.tick()
    finally:
        collector.uninstall()


def _print_line(line: str) -> None:
    print(line, flush=True)


def _load(server: MockServer, path: Path) -> None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from None
    try:
        server.load_tenant(document)
    except InvalidInput as exc:
        raise ValueError(f"{path}: {exc.message}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server; return the exit status (0 after Ctrl-C or SIGTERM)."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.admin_token is not None and args.no_admin:
        parser().error("--admin-token and --no-admin contradict each other; give one")
    warning = exposure_warning(args.host, args.admin_token, args.no_admin)
    if warning is not None:
        print(f"infrai-mock: warning: {warning}", file=sys.stderr, flush=True)
    try:
        server = MockServer(
            spec_path=args.spec,
            clock="manual" if args.manual_clock else None,
            seed=args.seed,
            api_keys=args.api_keys,
            strict=args.strict,
            max_body=args.max_body,
            journal_size=args.journal_size,
            journal_bytes=args.journal_bytes,
            max_tenants=args.max_tenants,
            max_key_length=args.max_key_length,
            body_timeout=args.body_timeout,
            admin_token=args.admin_token,
            admin=not args.no_admin,
            max_headers=args.max_headers,
            max_header_size=args.max_header_size,
            header_timeout=args.header_timeout,
            keepalive_timeout=args.keepalive_timeout,
            access_log=_print_line if args.access_log else None,
            database=args.database,
            host=args.host,
            port=args.port,
        )
        for path in args.load or ():
            _load(server, path)
    except (OSError, ValueError, RuntimeError) as exc:
        parser().exit(2, f"infrai-mock: error: {exc}\n")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            policy = None if args.no_gc_tuning else CollectorPolicy(activity=lambda: server.state.served)
            asyncio.run(_serve(server, policy))
    except (OSError, OverflowError) as exc:  # e.g. the port is taken, or the host will not resolve
        parser().exit(1, f"infrai-mock: error: {exc}\n")
    return 0
