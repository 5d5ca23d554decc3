"""The control API's protection and the limits that bound what one client can make the mock hold."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import requests
from http_support import CAPTURE_BODY, Api

from mockserver import MockServer
from mockserver.control.masking import mask_key

TOKEN = "adm-0123456789abcdef"
SERVER_WIDE = [
    ("GET", "health"),
    ("POST", "reset"),
    ("GET", "journal"),
    ("GET", "violations"),
    ("GET", "faults"),
    ("POST", "faults"),
    ("DELETE", "faults"),
    ("GET", "clock"),
    ("POST", "clock"),
    ("GET", "exports"),
]


@pytest.fixture(scope="module")
def guarded() -> Iterator[MockServer]:
    """A mock whose server-wide control API needs TOKEN."""
    with MockServer(admin_token=TOKEN, clock="manual") as server:
        yield server


def _admin(server: MockServer, method: str, path: str, token: str | None = None) -> requests.Response:
    headers = {"X-Admin-Token": token} if token is not None else {}
    return requests.request(method, f"{server.url}/__admin/{path}", headers=headers, json={}, timeout=10)


class TestAdminToken:
    @pytest.mark.parametrize(("method", "path"), SERVER_WIDE)
    def test_every_server_wide_call_without_the_token_is_401(
        self, guarded: MockServer, method: str, path: str
    ) -> None:
        """No X-Admin-Token: 401 with the envelope, and nothing happens."""
        response = _admin(guarded, method, path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHORIZED"
        assert "X-Admin-Token" in response.json()["error"]["message"]

    @pytest.mark.parametrize(("method", "path"), SERVER_WIDE)
    def test_every_server_wide_call_with_a_wrong_token_is_403(
        self, guarded: MockServer, method: str, path: str
    ) -> None:
        """A wrong X-Admin-Token: 403 FORBIDDEN."""
        response = _admin(guarded, method, path, token=TOKEN + "x")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "FORBIDDEN"

    def test_the_right_token_opens_the_control_api(self, guarded: MockServer) -> None:
        """With the token, admin calls work as before."""
        assert _admin(guarded, "GET", "health", TOKEN).status_code == 200
        assert _admin(guarded, "GET", "journal", TOKEN).json()["count"] >= 0

    def test_a_refused_reset_keeps_the_data(self, guarded: MockServer) -> None:
        """Without the token nobody can wipe the tenants."""
        api = Api(guarded.url, "ifr_keeps_its_data")
        api.capture()
        assert _admin(guarded, "POST", "reset").status_code == 401
        assert len(api.ok("GET", "/v1/errors/list")["items"]) == 1

    def test_the_api_itself_needs_no_admin_token(self, guarded: MockServer) -> None:
        """The /v1/errors API authenticates with Bearer keys only."""
        assert Api(guarded.url, "ifr_plain").call("GET", "/v1/errors/list").status_code == 200

    def test_tenant_scoped_admin_paths_are_not_guarded_by_the_admin_token(self, guarded: MockServer) -> None:
        """/__admin/tenant/... is the tenants' own (their Bearer key): the admin token never gates it."""
        response = requests.get(f"{guarded.url}/__admin/tenant/state", timeout=10)
        assert response.status_code != 403


class TestNoAdmin:
    def test_no_admin_turns_the_server_wide_control_api_off(self) -> None:
        """admin=False: every server-wide /__admin/ path answers 404 with the envelope; the API works."""
        with MockServer(admin=False) as server:
            for method, path in SERVER_WIDE:
                response = _admin(server, method, path, TOKEN)
                assert response.status_code == 404, (method, path)
                assert response.json()["error"]["code"] == "NOT_FOUND"
            assert Api(server.url, "ifr_k").call("GET", "/v1/errors/list").status_code == 200


class TestMaskedKeys:
    def test_the_journal_holds_masked_keys_and_finds_entries_by_the_full_key(self, mock: MockServer) -> None:
        """Entries show prefix + hash, never the key; calls_to(tenant=key) and ?tenant=key still match."""
        key = "ifr_secret_0123456789abcdef"
        api = Api(mock.url, key)
        api.capture()
        api.capture(key="ifr_secret_other_key_999")
        entries = mock.calls_to(tenant=key)
        assert [entry.tenant for entry in entries] == [mask_key(key)]
        listed = requests.get(f"{mock.url}/__admin/journal", params={"tenant": key}, timeout=10).json()
        assert listed["count"] == 1
        everything = requests.get(f"{mock.url}/__admin/journal", timeout=10).text
        assert key not in everything
        assert "ifr_secret_other_key_999" not in everything
        assert mock.calls_to(tenant=mask_key(key)) == entries  # the masked form finds them too

    def test_masks_are_short_distinct_and_hide_most_of_the_key(self) -> None:
        """Same prefix, different keys: different masks; at most a quarter of the key (<= 4 chars) shows."""
        first, second = mask_key("ifr_aaaaaaaaaaaaaaaa1"), mask_key("ifr_aaaaaaaaaaaaaaaa2")
        assert first != second
        assert first.startswith("ifr_...")
        assert len(first) == 4 + 3 + 12
        assert mask_key("k").startswith("...")  # a short key shows nothing of itself

    def test_the_log_never_shows_a_key(self, caplog: pytest.LogCaptureFixture) -> None:
        """At DEBUG, a server that crashes a handler, refuses requests and serves some logs no key."""
        key = "ifr_never_logged_0123456789"
        caplog.set_level(logging.DEBUG)
        with MockServer(strict=False) as server:
            api = Api(server.url, key)
            api.capture()
            api.call("GET", "/v1/errors/list", params={"limit": "0"})
            api.call("POST", "/v1/errors/capture", data=b"{", headers={"Content-Type": "application/json"})
        logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
        assert key not in logged


class TestLimits:
    def test_an_api_key_longer_than_the_limit_is_401(self, mock: MockServer) -> None:
        """257 characters: 401 naming the limit, and no tenant is created."""
        response = Api(mock.url, "k" * 257).call("POST", "/v1/errors/capture", CAPTURE_BODY)
        assert response.status_code == 401
        assert response.json()["error"]["details"] == {"limit": 256}
        assert Api(mock.url, "k" * 256).call("GET", "/v1/errors/list").status_code == 200
        assert mock.store.tenants() == ["k" * 256]

    def test_the_key_length_limit_is_configurable(self) -> None:
        """max_key_length=8: a 9-character key is refused."""
        with MockServer(max_key_length=8) as server:
            assert Api(server.url, "123456789").call("GET", "/v1/errors/list").status_code == 401
            assert Api(server.url, "12345678").call("GET", "/v1/errors/list").status_code == 200

    def test_past_max_tenants_read_only_tenants_make_room_and_then_new_keys_get_429(self) -> None:
        """Keys that only read are dropped oldest first; once every tenant holds data, new keys get 429."""
        with MockServer(max_tenants=3) as server:
            for index in range(10):  # read-only scanners never fill the server
                assert Api(server.url, f"reader{index}").call("GET", "/v1/errors/list").status_code == 200
            writers = [Api(server.url, f"writer{index}") for index in range(3)]
            for writer in writers:
                writer.capture()
            refused = Api(server.url, "one-too-many").call("POST", "/v1/errors/capture", CAPTURE_BODY)
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "RATE_LIMITED"
            assert refused.json()["error"]["details"] == {"limit": 3}
            assert sorted(server.store.tenants()) == ["writer0", "writer1", "writer2"]
            assert all(len(writer.ok("GET", "/v1/errors/list")["items"]) == 1 for writer in writers)
            server.reset()
            assert Api(server.url, "one-too-many").call("GET", "/v1/errors/list").status_code == 200

    def test_the_journal_is_bounded_in_bytes(self) -> None:
        """journal_bytes=64 KiB: 100 captures of 4 KiB keep the journal under the bound, newest kept."""
        with MockServer(journal_bytes=64 * 1024) as server:
            api = Api(server.url, "ifr_big")
            for index in range(100):
                api.capture({"message": f"{index} " + "x" * 4000})
            assert server.journal.bytes <= 64 * 1024
            assert 5 < len(server.journal) < 100
            assert server.journal.entries[-1].request_body["message"].startswith("99 ")
