"""The audit page and the API-token page in Chromium, at desktop width and on a
375px phone, under the strict CSP (issue 4 item 5). Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from shuzhi.audit.service import Actor, set_actor
from shuzhi.db import db
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import Org
from shuzhi.tenancy.scope import scoped
from tests.browser.conftest import open_menu, sign_in
from tests.browser.seed import County

pytestmark = pytest.mark.browser


def rename(app, county: County, code: str, name: str) -> None:
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        set_actor(db.session, Actor(county.users["admin"], f"{county.slug}-admin", "10.0.0.8"))
        orgs.update_org(db.session, db.session.get(Org, county.orgs[code]), name=name)
        db.session.commit()
        db.session.remove()


def test_audit_page_filters_and_export(
    page: Page, size: str, county: County, demo_app, screenshot, tmp_path
) -> None:
    # issue 4 item 5: filters, readable changes, chain status, export link; phone-friendly
    rename(demo_app, county, "JX02", "屯里镇新党委")
    sign_in(page, "组织部王干事")
    open_menu(page)
    page.get_by_role("link", name="审计日志").click()
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/audit$"))
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    expect(page.locator("#sz-chain")).to_contain_text("审计链完好")  # htmx loads the verdict
    expect(page.locator(".sz-audit-event")).to_have_count(50)
    first = page.locator(".sz-audit-event", has_text="组织 · 修改").first
    expect(first).to_contain_text("b-")  # the admin's username: the rename is theirs
    first.locator("summary").click()
    changed = first.locator("tr.sz-changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("屯里镇新党委")
    expect(changed).to_contain_text("已修改")
    screenshot(f"audit-{size}")

    page.locator("#f-action").fill("posts.")
    page.locator("#f-q").fill("")
    page.locator("#sz-audit-search").click()
    expect(page).to_have_url(re.compile(r"action=posts\."))
    expect(page.locator("#sz-audit-count")).to_contain_text("共 12 条")
    expect(page.locator(".sz-audit-action").first).to_have_text("任职 · 新建")
    export = page.locator("#sz-audit-export")
    expect(export).to_have_attribute("href", re.compile(r"/audit/export\?.*action=posts\."))
    screenshot(f"audit-filtered-{size}")
    with page.expect_download() as info:
        export.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".xlsx" and saved.name.startswith("审计日志")
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert len(rows) == 13 and all(r[4] == "posts.create" for r in rows[1:])

    # A date that cannot be: the form says so, in Chinese, and keeps the other filters.
    page.goto(f"/t/{county.slug}/audit?from=2024-02-30&action=posts.")
    expect(page.locator("#sz-audit-error")).to_contain_text("起始日期格式不正确")
    expect(page.locator("#f-action")).to_have_value("posts.")
    screenshot(f"audit-bad-date-{size}")


def test_token_page_creates_shows_once_and_revokes(page: Page, size: str, county: County, screenshot) -> None:
    # issue 4 item 5: tokens under the tenant's settings, shown once, revocable
    sign_in(page, "组织部王干事")
    open_menu(page)
    page.get_by_role("link", name="API 令牌").click()
    expect(page.locator("#sz-no-tokens")).to_be_visible()
    page.locator("#t-name").fill("人事系统同步")
    page.get_by_label("查看组织树与述职关系").check()
    page.get_by_label("查看审计日志").check()
    page.locator("#sz-token-create").click()
    secret = page.locator("#sz-token-secret")
    expect(secret).to_have_value(re.compile(r"^szt_[A-Za-z0-9_-]{43}$"))
    expect(page.locator(".sz-token")).to_have_count(1)
    expect(page.locator(".sz-token")).to_contain_text("查看审计日志")
    screenshot(f"tokens-created-{size}")
    page.goto(f"/t/{county.slug}/settings/tokens")
    expect(page.locator("#sz-token-secret")).to_have_count(0)  # shown once
    page.get_by_role("button", name="吊销").click()
    expect(page.locator("#sz-token-revoked")).to_contain_text("人事系统同步")
    expect(page.locator(".sz-token")).to_contain_text("已吊销")
    screenshot(f"tokens-revoked-{size}")
