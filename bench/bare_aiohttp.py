"""The floor: a bare aiohttp app on the mock's routes (no state, no validation, precomputed answers).

It parses every request body as JSON, as any server must, then answers fixed bytes: a page of 50
events shaped like the spec's ErrorEvent for the event lists, a small JSON object for the rest.
"""

from __future__ import annotations

import json
import sys

from aiohttp import web

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
SMALL = json.dumps({"ok": True, "error_id": "evt_0", "error_group_id": "grp_0"}).encode()


async def page(request: web.Request) -> web.Response:
    return web.Response(body=EVENT_PAGE, content_type="application/json")


async def small(request: web.Request) -> web.Response:
    if request.can_read_body:
        await request.json()
    return web.Response(body=SMALL, content_type="application/json")


def main() -> None:
    app = web.Application()
    for path in ("/v1/errors/list", "/v1/errors/search", "/v1/errors/events/{group}"):
        app.router.add_get(path, page)
    for path in (
        "/v1/errors/groups",
        "/v1/errors/group_detail/{group}",
        "/v1/errors/get/{event}",
        "/v1/errors/retention/get",
    ):
        app.router.add_get(path, small)
    for path in (
        "/v1/errors/capture",
        "/v1/errors/message",
        "/v1/errors/resolve/{group}",
        "/v1/errors/unresolve/{group}",
        "/v1/errors/ignore/{group}",
        "/v1/errors/bulk",
        "/v1/errors/export",
    ):
        app.router.add_post(path, small)
    app.router.add_put("/v1/errors/retention/set", small)
    app.router.add_delete("/v1/errors/delete/{group}", small)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=lambda *_: print("listening", flush=True))


if __name__ == "__main__":
    main()
