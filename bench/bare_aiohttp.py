"""The baseline: a bare aiohttp app answering fixed JSON on the mock's paths (no state, no validation)."""

from __future__ import annotations

import json
import sys

from aiohttp import web

# Same size as the mock's answer: a page of 50 events shaped like the spec's ErrorEvent.
EVENT = {
    "id": "evt_1b4f0e9851971998",
    "error_group_id": "grp_5d41402abc4b2a76",
    "timestamp": "2026-11-26T08:59:58.120Z",
    "level": "error",
    "message": "order 1234 failed in step 7",
    "code": "E7",
    "exception": None,
    "stack": None,
    "tags": {"shard": "3"},
    "user_id": None,
    "release": None,
    "environment": None,
    "fingerprint": "0f343b0931126a20f133d67c2b018a3b",
    "source": "capture",
}
EVENT_PAGE = json.dumps({"items": [EVENT] * 50, "next_cursor": "eyJ2IjoxfQ.c2lnbmF0dXJl"}).encode()
CAPTURED = json.dumps({"ok": True, "error_id": "evt_0", "error_group_id": "grp_0"}).encode()


async def list_events(request: web.Request) -> web.Response:
    return web.Response(body=EVENT_PAGE, content_type="application/json")


async def capture(request: web.Request) -> web.Response:
    await request.json()
    return web.Response(body=CAPTURED, content_type="application/json")


def main() -> None:
    app = web.Application()
    app.router.add_get("/v1/errors/list", list_events)
    app.router.add_post("/v1/errors/capture", capture)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=lambda *_: print("listening", flush=True))


if __name__ == "__main__":
    main()
