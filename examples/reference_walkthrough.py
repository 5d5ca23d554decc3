#!/usr/bin/env python3
"""Infrai · errors — the API reference's end-to-end example, extended to all 16 capabilities.

A single-file program (stdlib only, no SDK). Against the real service every step is a
billed call; against the mock it is free:

    infrai-mock --port 8080 &
    INFRAI_BASE_URL=http://127.0.0.1:8080 INFRAI_API_KEY=ifr_demo python examples/reference_walkthrough.py

Later steps reuse real fields returned by earlier ones (the event id, the group ids).
"""

import json
import os
from urllib import error, parse, request

KEY = os.environ.get("INFRAI_API_KEY") or "ifr_..."  # <- your key
BASE = os.environ.get("INFRAI_BASE_URL", "https://api.infrai.cc").rstrip("/")


# The reference's helper, unchanged: a raw HTTPS call, no SDK.
def infrai(method, path, body=None):
    req = request.Request(
        BASE + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    try:
        with request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())
    except error.HTTPError as e:
        return json.loads(e.read())


def show(label, resp):
    print(f"\n== {label} ==")
    print(json.dumps(resp, indent=2, ensure_ascii=False))
    return resp


# 1) errors.capture — capture an error event, aggregated into a group by fingerprint.
r1 = show(
    "errors.capture",
    infrai(
        "POST",
        "/v1/errors/capture",
        {"exception": {"type": "ValueError", "message": "bad input", "stacktrace": "..."}, "level": "error"},
    ),
)
event_id, group_id = r1.get("error_id"), r1.get("error_group_id")

# 2) errors.message — a structured error/log message (level, tags, user, release, environment).
r2 = show("errors.message", infrai("POST", "/v1/errors/message", {"text": "..."}))

# 3) errors.list — page through captured error events.
show("errors.list", infrai("GET", "/v1/errors/list"))

# 4) errors.search — full-text search by keyword.
show("errors.search", infrai("GET", "/v1/errors/search?" + parse.urlencode({"q": "bad input"})))

# 5) errors.get — one event by id.
show("errors.get", infrai("GET", f"/v1/errors/get/{event_id}"))

# 6) errors.groups — page through error groups.
show("errors.groups", infrai("GET", "/v1/errors/groups?" + parse.urlencode({"sort": "count_desc"})))

# 7) errors.group_detail — a group's aggregates.
show("errors.group_detail", infrai("GET", f"/v1/errors/group_detail/{group_id}"))

# 8) errors.events — the events of one group.
show("errors.events", infrai("GET", f"/v1/errors/events/{group_id}"))

# 9-11) errors.resolve / errors.unresolve / errors.ignore — the group lifecycle.
show("errors.resolve", infrai("POST", f"/v1/errors/resolve/{group_id}", {"error_group_id": group_id}))
show("errors.unresolve", infrai("POST", f"/v1/errors/unresolve/{group_id}", {"error_group_id": group_id}))
show("errors.ignore", infrai("POST", f"/v1/errors/ignore/{group_id}", {"error_group_id": group_id}))

# 12) errors.bulk — one action across several groups.
show(
    "errors.bulk",
    infrai(
        "POST",
        "/v1/errors/bulk",
        {"error_group_ids": [group_id, r2.get("error_group_id")], "action": "resolve"},
    ),
)

# 13) errors.export — JSON (the reference's empty body) and CSV.
show("errors.export (json)", infrai("POST", "/v1/errors/export", {}))
show("errors.export (csv)", infrai("POST", "/v1/errors/export", {"format": "csv"}))

# 14-15) errors.retention.get / errors.retention.set.
show("errors.retention.get", infrai("GET", "/v1/errors/retention/get"))
show("errors.retention.set", infrai("PUT", "/v1/errors/retention/set", {"days": 30}))

# 16) errors.delete — delete the group and its events.
show("errors.delete", infrai("DELETE", f"/v1/errors/delete/{group_id}"))
