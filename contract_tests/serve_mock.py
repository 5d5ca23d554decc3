"""Run the mock out of process, optionally as a mutant: the "live" service of the live-path tests.

    python -m contract_tests.serve_mock [--port 0] [--api-key x] [--mutant NAME] [--lenient]

Prints `URL http://127.0.0.1:<port>` once serving, then runs until stdin closes or SIGTERM. Like a live
account, it knows one API key (`--api-key`, default `x`) and answers 401 to any other. `--lenient` turns
strict mode off, so a divergent mutant's responses go out as they are (a live service does not police itself).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from mockserver import MockServer

from . import mutants


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mutant", default=None)
    parser.add_argument("--api-key", default="x")
    parser.add_argument("--lenient", action="store_true")
    args = parser.parse_args(argv)
    mutants.apply(args.mutant)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with MockServer(strict=not args.lenient, api_keys=[args.api_key], port=args.port) as server:
        print(f"URL {server.url}", flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
