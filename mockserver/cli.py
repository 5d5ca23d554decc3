"""`infrai-mock` / `python -m mockserver`: serve the mock until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import Sequence
from pathlib import Path

from .contract.control_spec import default_control_path
from .http.app import DEFAULT_MAX_BODY
from .server import MockServer
from .store import InvalidInput

__all__ = ["main", "parser"]

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


async def _serve(server: MockServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        print(f"infrai-mock listening on {server.url}", flush=True)
        await stop.wait()


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
    try:
        server = MockServer(
            spec_path=args.spec,
            clock="manual" if args.manual_clock else None,
            seed=args.seed,
            api_keys=args.api_keys,
            strict=args.strict,
            max_body=args.max_body,
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
            asyncio.run(_serve(server))
    except (OSError, OverflowError) as exc:  # e.g. the port is taken, or the host will not resolve
        parser().exit(1, f"infrai-mock: error: {exc}\n")
    return 0
