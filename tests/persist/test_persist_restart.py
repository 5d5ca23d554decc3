"""A `MockServer(database=...)` stopped and started again, over real sockets, answers as before.

Events, groups and statuses, retention, idempotency keys, the manual clock, the auto-export log and
every kind of cursor (event lists, searches, group walks, a group's events) survive the restart;
cursors minted before a reset stay expired after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from http_support import Api

from mockserver import MockServer, Store

KEY = "restart-key"


def _server(path: Path) -> MockServer:
    return MockServer(database=path, clock="manual")


def _reads(api: Api, cursors: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    groups = api.ok("GET", "/v1/errors/groups", params={"limit": 100})["items"]
    return {
        "events": api.ok("POST", "/v1/errors/export", {})["events"],
        "groups": groups,
        "details": [api.ok("GET", f"/v1/errors/group_detail/{group['id']}") for group in groups],
        "retention": api.ok("GET", "/v1/errors/retention/get"),
        "pages": {
            name: api.ok("GET", path, params={**params, "cursor": cursors[name][1]["cursor"]})
            for name, (path, params) in ((name, cursors[name][1]["request"]) for name in sorted(cursors))
        },
    }


def test_a_restarted_server_answers_every_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    cursors: dict[str, tuple[str, dict[str, Any]]] = {}
    with _server(path) as mock:
        api = Api(mock.url, KEY)
        first = api.capture(
            {"message": "user 1 failed", "tags": {"shard": "a"}}, headers={"Idempotency-Key": "once"}
        )
        for number in range(6):
            api.capture(
                {"message": f"job {number} broke", "fingerprint": [f"fp{number % 3}"], "level": "warning"}
            )
        groups = api.ok("GET", "/v1/errors/groups", params={"limit": 100})["items"]
        api.ok("POST", f"/v1/errors/resolve/{groups[0]['id']}")
        api.ok("POST", f"/v1/errors/ignore/{groups[1]['id']}")
        api.ok("DELETE", f"/v1/errors/delete/{groups[2]['id']}")
        api.ok("PUT", "/v1/errors/retention/set", {"days": 30, "export_destination": "s3://bucket/x"})
        mock.advance_clock(3600)
        group_id = next(group["id"] for group in groups[:2] + groups[3:] if group["count"] >= 2)
        for name, request_path, params in (
            ("list", "/v1/errors/list", {"limit": 1}),
            ("search", "/v1/errors/search", {"q": "job", "limit": 1}),
            ("groups", "/v1/errors/groups", {"limit": 1, "sort": "count_desc"}),
            ("events", f"/v1/errors/events/{group_id}", {"limit": 1}),
        ):
            cursor = api.ok("GET", request_path, params=params)["next_cursor"]
            assert cursor is not None, name
            cursors[name] = (name, {"request": (request_path, params), "cursor": cursor})
        before = _reads(api, cursors)
        now = mock.clock.now()
        mock.check()
        api.session.close()

    with _server(path) as mock:
        api = Api(mock.url, KEY)
        assert mock.clock.now() == now
        assert _reads(api, cursors) == before
        again = api.capture({"message": "something else"}, headers={"Idempotency-Key": "once"})
        assert again == {**first, "duplicate": True}
        mock.check()
        api.session.close()


def test_retention_purges_and_auto_exports_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    with _server(path) as mock:
        api = Api(mock.url, KEY)
        api.ok("PUT", "/v1/errors/retention/set", {"days": 1, "auto_export_before_cleanup": True})
        api.capture({"message": "old news"})
        mock.advance_clock(2 * 86400)  # purged now, and exported first
        exports = api.ok("GET", "/__admin/exports")
        assert exports["count"] == 1
        api.session.close()
    with _server(path) as mock:
        api = Api(mock.url, KEY)
        assert api.ok("GET", "/__admin/exports") == exports
        assert api.ok("POST", "/v1/errors/export", {})["row_count"] == 0
        assert api.ok("GET", "/v1/errors/retention/get")["auto_export_before_cleanup"] is True
        api.session.close()


def test_a_reset_is_durable_and_keeps_older_cursors_expired(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    with _server(path) as mock:
        api = Api(mock.url, KEY)
        for number in range(3):
            api.capture({"message": f"m {number}"})
        cursor = api.ok("GET", "/v1/errors/list", params={"limit": 1})["next_cursor"]
        api.ok("POST", "/__admin/reset")
        api.capture({"message": "after the reset"})
        api.session.close()
    with _server(path) as mock:
        api = Api(mock.url, KEY)
        assert api.ok("POST", "/v1/errors/export", {})["row_count"] == 1
        stale = api.call("GET", "/v1/errors/list", params={"limit": 1, "cursor": cursor})
        assert stale.status_code == 400
        assert stale.json()["error"]["details"] == {"field": "cursor", "rule": "expired"}
        api.session.close()


def test_a_stopped_server_releases_its_file_and_a_restart_on_it_continues(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    mock = _server(path)
    with mock:
        Api(mock.url, KEY).capture()
    with _server(path) as other:  # the first one let go of the file when it stopped
        assert Api(other.url, KEY).ok("POST", "/v1/errors/export", {})["row_count"] == 1
    with mock:  # and the first one can take it back
        assert Api(mock.url, KEY).ok("POST", "/v1/errors/export", {})["row_count"] == 1


def test_a_ready_store_and_a_database_are_refused_together(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="either a store or a database"):
        MockServer(store=Store(), database=tmp_path / "mock.db")


def test_a_failed_write_answers_500_and_its_changes_are_written_with_the_next_commit(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    with _server(path) as mock:
        api = Api(mock.url, KEY)
        database = mock.state.database
        assert database is not None
        connection = database._connection  # the file itself refuses the next write, like a full disk
        assert connection is not None
        connection.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        failed = api.call("POST", "/v1/errors/capture", {"message": "first"})
        assert failed.status_code == 500
        assert failed.json()["error"]["code"] == "INTERNAL"
        assert "the database could not be written" in failed.json()["error"]["message"]
        connection.execute("DROP TRIGGER refuse")
        api.capture({"message": "second"})
        api.session.close()
    with _server(path) as mock:
        api = Api(mock.url, KEY)
        messages = sorted(event["message"] for event in api.ok("POST", "/v1/errors/export", {})["events"])
        assert messages == ["first", "second"]
        api.session.close()
