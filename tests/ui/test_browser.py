"""The inspector and the docs page in a real browser (headless Chromium through Playwright)."""

from __future__ import annotations

from ui_support import PREFIX, group_path, tenant_path


def test_new_events_appear_without_a_reload(mock, api, page):
    first = api.capture({"message": "first failure", "level": "error"})
    page.goto(mock.url + tenant_path(api.key))
    page.wait_for_selector(f'tr[data-group-id="{first["error_group_id"]}"]')
    page.evaluate("window.__not_reloaded = true")
    later = api.capture({"exception": {"type": "KeyError", "message": "'user'"}, "level": "fatal"})
    api.capture({"message": "first failure", "level": "error"})
    row = page.wait_for_selector(f'tr[data-group-id="{later["error_group_id"]}"]')
    assert "KeyError" in row.inner_text()
    page.wait_for_function(
        "id => document.querySelector(`tr[data-group-id='${id}'] .count`).textContent.trim() === '2'",
        arg=first["error_group_id"],
    )
    assert page.evaluate("window.__not_reloaded") is True
    assert page.locator("#journal tbody tr").count() == 3


def test_a_new_tenant_appears_on_the_picker(mock, api, page):
    page.goto(mock.url + PREFIX)
    page.evaluate("window.__not_reloaded = true")
    api.capture()
    page.wait_for_selector(f'a[href="{tenant_path(api.key)}"]')
    assert page.evaluate("window.__not_reloaded") is True
    assert api.key not in page.content()


def test_resolve_from_the_page_and_the_api_agrees(mock, api, page):
    group_id = api.capture({"message": "resolve me"})["error_group_id"]
    page.goto(mock.url + group_path(api.key, group_id))
    assert page.inner_text("#group-status") == "unresolved"
    page.click("#resolve")
    page.wait_for_function("document.querySelector('#group-status').textContent === 'resolved'")
    assert api.ok("GET", f"/v1/errors/group_detail/{group_id}")["status"] == "resolved"
    api.ok("POST", f"/v1/errors/unresolve/{group_id}")
    page.wait_for_function("document.querySelector('#group-status').textContent === 'unresolved'")


def test_search_narrows_the_stream(mock, api, page):
    wanted = api.capture({"message": "payment gateway timeout"})["error_group_id"]
    other = api.capture({"message": "avatar upload failed"})["error_group_id"]
    page.goto(mock.url + tenant_path(api.key))
    page.wait_for_selector(f'tr[data-group-id="{other}"]')
    page.fill("input[name=q]", "gateway")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=gateway*")
    rows = page.locator("tr.group")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-group-id") == wanted
    page.select_option("select[name=level]", "fatal")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#no-groups")


def test_open_a_group_and_read_its_stack(mock, api, page):
    stack = 'Traceback (most recent call last):\n  File "app.py", line 3, in handler\nValueError: boom'
    group_id = api.capture(
        {
            "exception": {"type": "ValueError", "message": "boom", "stacktrace": stack},
            "tags": {"route": "/pay"},
        }
    )["error_group_id"]
    api.capture({"exception": {"type": "ValueError", "message": "boom", "stacktrace": stack}})
    page.goto(mock.url + tenant_path(api.key))
    page.click(f'tr[data-group-id="{group_id}"] a.title')
    page.wait_for_url(f"**{group_path(api.key, group_id)}")
    lines = page.locator(".event").first.locator(".stack-lines li")
    assert lines.all_inner_texts() == stack.splitlines()
    second = page.locator(".event").nth(1)
    assert not second.locator(".stack-lines").is_visible()
    second.locator("summary").click()
    assert second.locator(".stack-lines li").count() == 3
    assert "/pay" in page.inner_text(".tags")


def test_docs_list_all_sixteen_operations_offline(mock, page, browser_context):
    refused_before = len(browser_context.refused)
    page.goto(mock.url + "/docs")
    page.wait_for_selector(".opblock")
    operations = page.locator(".opblock")
    page.wait_for_function("document.querySelectorAll('.opblock').length === 16")
    assert operations.count() == 16 == len(mock.state.spec.operations)
    assert page.locator(".servers select option").first.get_attribute("value") == mock.url  # try it out here
    assert browser_context.refused[refused_before:] == []


def test_try_it_out_on_the_docs_page_calls_this_mock(mock, page):
    page.goto(mock.url + "/docs")
    block = page.locator(".opblock", has=page.locator('[data-path="/v1/errors/retention/get"]'))
    block.locator(".opblock-summary").click()
    block.locator(".try-out__btn").click()
    block.locator(".execute").click()
    status = block.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("401")
    assert [(entry.operation_id, entry.status) for entry in mock.journal] == [("errors_retention_get", 401)]
