"""What a start-up leaves for later: jsonschema, Jinja2, sqlite3 load only when something needs them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

DEFERRED = ["jsonschema", "referencing", "jinja2", "sqlite3", "swagger_ui", "mockserver.persist"]

SCRIPT = textwrap.dedent(
    """
    import json, sys, urllib.request
    from mockserver import MockServer

    def get(url, key="k"):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    deferred = %r
    with MockServer(strict=True) as server:
        statuses = [get(server.url + "/v1/errors/retention/get"), get(server.url + "/v1/errors/list")]
        loaded = [name for name in deferred if name in sys.modules]
        bad = get(server.url + "/v1/errors/list?limit=0")
        after_bad = [name for name in ("jsonschema", "referencing") if name in sys.modules]
        page = get(server.url + "/")
        after_page = "jinja2" in sys.modules
        violations = [str(v) for v in server.violations]
    print(json.dumps({"statuses": statuses, "loaded": loaded, "bad": bad, "after_bad": after_bad,
                      "page": page, "after_page": after_page, "violations": violations}))
    """
)


def test_valid_traffic_needs_neither_jsonschema_nor_jinja2_nor_sqlite3():
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT % (DEFERRED,)], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(run.stdout)
    assert result["statuses"] == [200, 200]
    assert result["loaded"] == []
    assert result["violations"] == []
    # An invalid request still gets its named 400 (jsonschema loads to name it), a page still renders.
    assert result["bad"] == 400
    assert result["after_bad"] == ["jsonschema", "referencing"]
    assert result["page"] == 200
    assert result["after_page"] is True
