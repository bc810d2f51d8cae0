"""The portal in Chromium (Playwright): sign in through the demo page, browse
the org tree, read the reporting relations, import a good and a bad file,
switch language; at desktop width and at a 375px phone (issue 3 item 10).
Screenshots of each main page go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import open_menu, sign_in
from tests.browser.seed import BAD, GOOD, County, workbook

pytestmark = pytest.mark.browser


def test_sign_in_and_browse_tree(page: Page, size: str, county: County, screenshot) -> None:
    # issue 3 item 10: demo sign-in, expandable tree with lazy children, detail panel
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="吉县县委组织部")).to_be_visible()
    screenshot(f"login-{size}")

    page.get_by_role("button", name="以 城关镇李书记 身份登录").click()
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/my/steps$"))  # a secretary's dashboard
    expect(page.locator("#sz-tenant")).to_have_text("吉县县委组织部")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    open_menu(page)
    page.locator("#sz-nav").get_by_role("link", name="组织树").click()
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/orgs$"))

    root = page.locator(f"#node-{county.orgs['JX']}")
    expect(root).to_contain_text("张县委")
    expect(page.get_by_text("城关镇党委")).to_have_count(0)  # not loaded yet
    root.locator("> .sz-row .sz-toggle").click()
    town = page.locator(f"#node-{county.orgs['JX01']}")
    expect(town).to_be_visible()
    expect(town).to_contain_text("李城关")
    town.locator("> .sz-row .sz-toggle").click()
    expect(page.locator(f"#node-{county.orgs['JX0103']}")).to_contain_text("空缺")
    screenshot(f"orgs-tree-{size}")

    town.locator("> .sz-row .sz-org-link").click()
    detail = page.locator("#detail")
    expect(detail.locator("#detail-title")).to_have_text("城关镇党委")
    expect(detail.locator(".breadcrumb")).to_contain_text("吉县县委")
    expect(detail.locator("#detail-posts")).to_contain_text("孙前任")
    expect(detail.locator("#detail-reporters li")).to_have_count(3)
    expect(page).to_have_url(re.compile(rf"/orgs/{county.orgs['JX01']}$"))
    expect(town.locator("> .sz-row")).to_have_class(re.compile("sz-selected"))
    screenshot(f"org-detail-{size}")

    # Collapse the root: its children hide; opening again needs no new request.
    root.locator("> .sz-row .sz-toggle").click()
    expect(town).to_be_hidden()
    root.locator("> .sz-row .sz-toggle").click()
    expect(town).to_be_visible()

    page.get_by_placeholder("按名称或编码查找").fill("屯里")
    page.get_by_role("button", name="查找").click()
    results = page.locator(".sz-results li")
    expect(results).to_have_count(4)
    expect(results.first).to_contain_text("屯里镇党委")


def test_relations_page(page: Page, size: str, county: County, screenshot) -> None:
    # issue 3 item 10: receivers and their reporters level by level, with a picker
    sign_in(page, "城关镇李书记")
    open_menu(page)
    page.get_by_role("link", name="述职关系").click()
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/relations$"))
    expect(page.locator(".sz-chain").first).to_contain_text(
        "吉县县委 ← 党委(2)、党工委(1) ← 党支部(7)、党总支(1)"
    )
    expect(page.locator("#level-1 .list-group-item")).to_have_count(3)
    group = page.locator("#level-2 details").first
    group.locator("summary").click()
    expect(group).to_contain_text("城关镇1村党支部")
    screenshot(f"relations-{size}")

    page.locator("#receiver").select_option(label="　城关镇党委")  # autosubmits
    expect(page.locator("#focus-title")).to_have_text("向 城关镇党委 述职的组织")
    expect(page.locator("#level-1 .list-group-item")).to_have_count(3)


def test_import_good_and_bad_file(page: Page, size: str, county: County, screenshot, tmp_path) -> None:
    # issue 3 item 10: import a good file (counts) and a bad one (row errors, nothing written)
    sign_in(page, "组织部王干事")
    open_menu(page)
    page.get_by_role("link", name="数据导入").click()
    expect(page.get_by_role("heading", name="数据导入")).to_be_visible()
    with page.expect_download() as dl:
        page.locator("#sz-template").click()
    assert dl.value.suggested_filename.endswith(".xlsx")

    good = tmp_path / "壶口镇.xlsx"
    good.write_bytes(workbook(GOOD))
    page.locator("#file").set_input_files(str(good))
    page.locator("#sz-import").click()
    ok = page.locator("#sz-import-ok")
    expect(ok).to_contain_text("导入成功：壶口镇.xlsx")
    expect(ok).to_contain_text("组织：2")
    screenshot(f"import-ok-{size}")

    bad = tmp_path / "有错误.xlsx"
    bad.write_bytes(workbook(BAD))
    page.locator("#file").set_input_files(str(bad))
    page.locator("#sz-import").click()
    expect(page.locator("#sz-import-error")).to_contain_text("没有写入任何数据")
    rows = page.locator("#sz-import-errors tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#sz-import-errors")).to_contain_text("类型")
    screenshot(f"import-errors-{size}")

    page.goto(f"/t/{county.slug}/orgs?q=好的")
    expect(page.get_by_text("没有找到")).to_be_visible()  # the bad file wrote nothing


def test_language_switch(page: Page, size: str, county: County, screenshot) -> None:
    # issue 3 item 10: 中文 / English, kept in the session
    sign_in(page, "组织部王干事")
    open_menu(page)
    screenshot(f"menu-{size}")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/campaigns$"))  # the admin's dashboard
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    open_menu(page)
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator("#sz-tenant")).to_have_text("吉县县委组织部")


def test_secretary_sees_no_import_and_errors_are_pages(
    page: Page, size: str, county: County, screenshot
) -> None:
    # issue 3 item 10: navigation by role; 403/404 in the layout with a way back; sign out
    sign_in(page, "城关镇李书记")
    open_menu(page)
    nav = page.locator("#sz-nav .navbar-nav")
    expect(nav.get_by_role("link").nth(0)).to_have_text("我的述职")  # issue 7 item 7: dashboard first
    expect(nav.get_by_role("link").nth(1)).to_have_text("组织树")
    expect(nav.get_by_role("link").nth(2)).to_have_text("述职关系")
    expect(nav.get_by_role("link", name="数据导入")).to_have_count(0)
    expect(nav.get_by_role("link", name="审计日志")).to_have_count(0)
    page.goto(f"/t/{county.slug}/import")
    expect(page.get_by_role("heading", name="没有权限")).to_be_visible()
    screenshot(f"error-403-{size}")
    page.goto(f"/t/{county.slug}-other/orgs")
    expect(page.get_by_role("heading", name="找不到该页面")).to_be_visible()
    page.get_by_role("link", name="回到首页").click()
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/my/steps$"))  # a secretary's dashboard
    open_menu(page)
    page.locator(".sz-user .dropdown-toggle").click()
    page.locator("#sz-logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"/t/{county.slug}/orgs")
    expect(page).to_have_url(re.compile(r"/login\?next="))
