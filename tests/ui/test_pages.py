"""The pages for people over real sockets: docs, the spec, the inspector, escaping and the admin token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from http_support import SPEC_PATH, Api
from markupsafe import escape
from ui_support import PREFIX, group_path, protect, tenant_path

from mockserver import MockServer
from mockserver.control.masking import mask_key
from mockserver.http.app import build_app
from mockserver.ui import add_ui_routes

PROBES = [line for line in (Path(__file__).parent / "xss_probes.txt").read_text().splitlines() if line]
TOKEN = "adm-s3cret-token"


def get(mock: MockServer, path: str, **kwargs: object) -> requests.Response:
    return requests.get(mock.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]


def post(mock: MockServer, path: str, **kwargs: object) -> requests.Response:
    return requests.post(mock.url + path, timeout=10, allow_redirects=False, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def protected(mock: MockServer) -> Iterator[MockServer]:
    protect(mock, TOKEN)
    yield mock
    protect(mock, None)


# -- docs and the spec --------------------------------------------------------------------------------


def test_home_links_the_docs_and_the_inspector(mock):
    page = get(mock, "/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'href="/docs"' in page.text
    assert f'href="{PREFIX}"' in page.text


def test_openapi_yaml_is_the_spec_file_and_json_the_same_document(mock):
    served = get(mock, "/openapi.yaml")
    assert served.status_code == 200
    assert served.content == SPEC_PATH.read_bytes()
    as_json = get(mock, "/openapi.json")
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_json.json() == json.loads(json.dumps(yaml.safe_load(SPEC_PATH.read_text()), default=str))


def test_docs_page_loads_every_asset_from_the_mock_itself(mock):
    page = get(mock, "/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    for source in sources:
        assert source.startswith("/"), f"{source} is not served by the mock (offline docs)"
        assert get(mock, source).status_code == 200, source
    assert "/openapi.json" in page.text
    assert "validatorUrl: null" in page.text  # Swagger UI would otherwise call an online validator


def test_pages_are_not_journaled(mock, api):
    api.capture()
    for path in ("/", "/docs", "/openapi.json", PREFIX, tenant_path(api.key)):
        assert get(mock, path).status_code == 200
    assert [entry.operation_id for entry in mock.journal] == ["errors_capture"]


# -- the inspector ------------------------------------------------------------------------------------


def test_tenants_are_listed_masked_and_the_raw_key_never_appears(mock, api):
    captured = api.capture()
    pages = [
        get(mock, PREFIX),
        get(mock, tenant_path(api.key)),
        get(mock, group_path(api.key, captured["error_group_id"])),
    ]
    assert f'href="{tenant_path(api.key)}"' in pages[0].text
    for page in pages:
        assert page.status_code == 200
        assert api.key not in page.text
        assert mask_key(api.key) in page.text


def test_a_tenant_opens_by_its_full_key(mock, api):
    api.capture()
    found = post(mock, f"{PREFIX}/find", data={"key": api.key})
    assert found.status_code == 303
    assert found.headers["Location"] == tenant_path(api.key)
    assert post(mock, f"{PREFIX}/find", data={"key": "not-a-tenant"}).status_code == 404


def test_group_stream_shows_title_status_counts_users_and_a_sparkline(mock, api):
    for user in ("u1", "u2", "u1"):
        group_id = api.capture({"message": "disk full", "level": "warning", "user_id": user})[
            "error_group_id"
        ]
    page = get(mock, tenant_path(api.key)).text
    row = page[page.index(f'data-group-id="{group_id}"') :]
    row = row[: row.index("</tr>")]
    assert "disk full" in row
    assert "unresolved" in row
    assert '<td class="num count">3</td>' in row
    assert '<td class="num">2</td>' in row  # users
    assert "<polyline" in row
    assert "3 events in the last 24 hours" in row


@pytest.mark.parametrize("probe", PROBES)
def test_user_data_renders_inert(mock, api, probe):
    group_id = api.capture(
        {
            "exception": {"type": "ValueError", "message": probe, "stacktrace": f"File x.py\n{probe}"},
            "message": probe,
            "tags": {"probe": probe},
            "release": probe[:100],
            "user_id": probe[:100],
        }
    )["error_group_id"]
    for path in (tenant_path(api.key), group_path(api.key, group_id)):
        page = get(mock, path).text
        assert probe not in page, path
        assert str(escape(probe)) in page, path  # shown, as text


def test_group_page_shows_events_with_message_exception_stack_tags_release_and_user(mock, api):
    group_id = api.capture(
        {
            "message": "payment failed",
            "exception": {"type": "CardError", "message": "declined", "stacktrace": "line one\nline two"},
            "tags": {"region": "eu"},
            "release": "1.2.3",
            "user_id": "user-9",
            "environment": "staging",
        }
    )["error_group_id"]
    page = get(mock, group_path(api.key, group_id)).text
    for text in ("payment failed", "CardError", "declined", "region", "eu", "1.2.3", "user-9", "staging"):
        assert text in page, text
    assert "<li><code>line one</code></li><li><code>line two</code></li>" in page


@pytest.mark.parametrize(
    ("action", "status"), [("resolve", "resolved"), ("ignore", "ignored"), ("unresolve", "unresolved")]
)
def test_lifecycle_buttons_change_the_group_as_the_api_sees_it(mock, api, action, status):
    group_id = api.capture()["error_group_id"]
    if action == "unresolve":
        api.ok("POST", f"/v1/errors/resolve/{group_id}")
    answer = post(mock, f"{group_path(api.key, group_id)}/{action}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == group_path(api.key, group_id)
    assert api.ok("GET", f"/v1/errors/group_detail/{group_id}")["status"] == status


def test_delete_button_deletes_the_group(mock, api):
    group_id = api.capture()["error_group_id"]
    answer = post(mock, f"{group_path(api.key, group_id)}/delete")
    assert answer.status_code == 303
    assert answer.headers["Location"] == tenant_path(api.key)
    assert api.call("GET", f"/v1/errors/group_detail/{group_id}").status_code == 404


def test_reset_button_drops_everything(mock, api):
    api.capture()
    assert post(mock, f"{PREFIX}/reset").status_code == 303
    assert mock.store.tenants() == []
    assert len(mock.journal) == 0


def test_filters_narrow_the_stream_through_the_api_rules(mock, api):
    kept = api.capture({"message": "timeout talking to db", "level": "error", "environment": "production"})
    other = api.capture({"message": "cache miss", "level": "info", "environment": "staging"})
    api.ok("POST", f"/v1/errors/resolve/{other['error_group_id']}")
    cases = {
        "status=unresolved": kept,
        "status=resolved": other,
        "level=error": kept,
        "environment=staging": other,
        "q=timeout": kept,
        "q=level:info": other,
    }
    for query, expected in cases.items():
        page = get(mock, f"{tenant_path(api.key)}?{query}").text
        shown = re.findall(r'data-group-id="([^"]+)"', page)
        assert shown == [expected["error_group_id"]], query
    nothing = get(mock, f"{tenant_path(api.key)}?q=nothing-like-this").text
    assert 'id="no-groups"' in nothing


def test_a_filter_the_api_refuses_is_refused_with_the_api_message(mock, api):
    api.capture()
    page = get(mock, f"{tenant_path(api.key)}?level=loud")
    assert page.status_code == 200
    assert "filter.level" in page.text
    assert "rule: enum" in page.text


def test_journal_shows_status_and_error_code_per_call(mock, api):
    api.capture()
    api.call("POST", "/v1/errors/capture", {"nonsense": 1})
    api.call("GET", "/v1/errors/group_detail/grp_missing")
    page = get(mock, tenant_path(api.key)).text
    journal = page[page.index('id="journal"') :]
    assert ">400<" in journal
    assert "INVALID_REQUEST" in journal
    assert ">404<" in journal
    assert "NOT_FOUND" in journal
    assert ">200<" in journal


def test_unknown_tenant_or_group_is_an_html_404(mock, api):
    assert get(mock, f"{PREFIX}/tenants/0123456789abcdef").status_code == 404
    api.capture()
    missing = get(mock, group_path(api.key, "grp_missing"))
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("text/html")
    assert post(mock, f"{group_path(api.key, 'grp_missing')}/resolve").status_code == 404


def test_the_inspector_never_creates_a_tenant(mock):
    get(mock, tenant_path("never-used-key"))
    assert mock.store.tenants() == []


def test_cross_site_posts_are_refused(mock, api):
    group_id = api.capture()["error_group_id"]
    answer = post(mock, f"{group_path(api.key, group_id)}/resolve", headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403
    assert api.ok("GET", f"/v1/errors/group_detail/{group_id}")["status"] == "unresolved"
    same_site = post(mock, f"{group_path(api.key, group_id)}/resolve", headers={"Origin": mock.url})
    assert same_site.status_code == 303


# -- the admin token ----------------------------------------------------------------------------------


def test_with_an_admin_token_the_inspector_asks_for_it(protected, api):
    api.capture()
    for path in (PREFIX, tenant_path(api.key)):
        page = get(protected, path)
        assert page.status_code == 401
        assert 'name="token"' in page.text
        assert api.key[:4] not in page.text
    assert get(protected, "/docs").status_code == 200  # the reference stays public


def test_a_wrong_token_is_refused(protected):
    assert get(protected, PREFIX, params={"token": "nope"}).status_code == 401
    assert get(protected, PREFIX, headers={"X-Admin-Token": "nope"}).status_code == 401
    form = post(protected, f"{PREFIX}/login", data={"token": "nope", "next": PREFIX})
    assert form.status_code == 401
    assert 'id="wrong-token"' in form.text


def test_token_in_the_url_moves_to_an_httponly_cookie(protected):
    first = get(protected, PREFIX, params={"token": TOKEN, "x": "1"}, allow_redirects=False)
    assert first.status_code == 303
    assert first.headers["Location"] == f"{PREFIX}?x=1"
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    session = requests.Session()
    session.cookies.update(first.cookies)
    assert session.get(protected.url + PREFIX, timeout=10).status_code == 200


def test_login_form_and_header_grant_access(protected):
    form = post(protected, f"{PREFIX}/login", data={"token": TOKEN, "next": PREFIX})
    assert form.status_code == 303
    assert "HttpOnly" in form.headers["Set-Cookie"]
    assert get(protected, PREFIX, headers={"X-Admin-Token": TOKEN}).status_code == 200


def test_changes_need_the_token_too(protected, api):
    group_id = api.capture()["error_group_id"]
    assert post(protected, f"{group_path(api.key, group_id)}/resolve").status_code == 401
    assert post(protected, f"{PREFIX}/reset").status_code == 401
    assert api.ok("GET", f"/v1/errors/group_detail/{group_id}")["status"] == "unresolved"
    allowed = post(protected, f"{PREFIX}/reset", headers={"X-Admin-Token": TOKEN})
    assert allowed.status_code == 303
    assert protected.store.tenants() == []


def test_login_never_redirects_off_the_inspector(protected):
    form = post(protected, f"{PREFIX}/login", data={"token": TOKEN, "next": "https://evil.example/"})
    assert form.headers["Location"] == PREFIX


def test_without_the_admin_api_there_is_no_inspector():
    server = MockServer()
    # Routes are fixed when an app is built: one built with the admin API off has no inspector.
    server.state.admin_enabled = False
    server.app = add_ui_routes(build_app(server.state))
    with server:
        assert get(server, PREFIX).status_code == 404
        assert get(server, "/docs").status_code == 200
        assert PREFIX not in get(server, "/").text


def test_changes_from_the_page_are_durable(tmp_path):
    database = tmp_path / "mock.db"
    key = "ifr_durable_key_1234"
    with MockServer(database=database) as server:
        api = Api(server.url, key)
        kept_id, gone_id = (api.capture({"message": text})["error_group_id"] for text in ("a", "b"))
        assert post(server, f"{group_path(key, kept_id)}/resolve").status_code == 303
        assert post(server, f"{group_path(key, gone_id)}/delete").status_code == 303
    with MockServer(database=database) as server:
        groups = Api(server.url, key).ok("GET", "/v1/errors/groups")["items"]
        assert [(group["id"], group["status"]) for group in groups] == [(kept_id, "resolved")]
