"""Done-when of issue 6 in Chromium: a secretary of 童家镇 writes the report in the editor,
sees the findings in Chinese with figures as they type, is refused a submit with the reasons,
fixes the report and submits it — at desktop width and on a phone, under the strict CSP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from shuzhi.cycles import access, service
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.tenancy.models import Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.browser import conftest as browser
from tests.conftest import ARTIFACTS
from tests.reports import livetexts

# demo_app, live_server, size and the CSP watch come from tests/browser/conftest.py. Not
# re-exported here: a module's own copy of a session fixture is a second app, and the
# session's base_url (the first live server) would not serve the one this module configures.
open_menu, sign_in = browser.open_menu, browser.sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def tongjia(demo_app, scratch_db) -> Iterator[dict[str, str]]:
    """童家镇 with its 2023 campaign open, seen on 2023-12-01 (the demo's clock, before the
    hand-in deadline); the demo logins' display names."""
    demo_app.config["SHUZHI_DEMO_DAYS"] = {"tongjia": date(2023, 12, 1)}
    with demo_app.app_context():
        build_demo(db.session, only=["tongjia"])
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == "tongjia"))
        with scoped(db.session, tenant_id=tid):
            service.open_campaign(db.session, access.operator("test"), year=2023, today=date(2023, 11, 20))
            db.session.commit()
        with scoped(db.session, platform=True):
            names = dict(
                db.session.execute(
                    select(User.username, User.display_name).where(User.username.like("tongjia-%"))
                ).all()
            )
    yield {k.removeprefix("tongjia-"): v for k, v in names.items()}
    demo_app.config.pop("SHUZHI_DEMO_DAYS", None)
    with demo_app.app_context():
        db.session.remove()
    scratch_db.truncate()


def test_secretary_writes_fixes_and_submits(
    page: Page, size: str, tongjia: dict[str, str], screenshot
) -> None:
    # clause TJ-04 (必答题) and clause TJ-10 (1500–2000字) shown live with figures; CO-02 submit blocked, then done
    sign_in(page, tongjia["secretary"])
    page.wait_for_url("**/t/tongjia/**")
    open_menu(page)
    page.get_by_role("link", name="撰写述职报告").click()
    expect(page.locator("#sz-editor-title")).to_contain_text("述职报告")
    expect(page.locator("#sz-empty")).to_be_visible()

    # a first draft: too short, no 必答题
    page.locator("#sz-text").fill(livetexts.SHORT)
    verdict = page.locator("#sz-verdict")
    expect(verdict).to_contain_text("须修改")
    findings = page.locator("#sz-findings")
    expect(findings).to_contain_text("TJ-04")
    expect(findings).to_contain_text("拼经济搞建设")
    expect(findings.locator('[data-rule="TJ-10"]').first).to_contain_text("字")
    expect(page.locator("#sz-outline")).to_contain_text("主要做法")
    screenshot(f"editor-findings-{size}")
    if size == "phone":  # what a secretary sees while typing on a phone: the verdict under the text
        expect(page.locator("#sz-mini")).to_contain_text("须修改")
        page.locator("#sz-mini").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "editor-typing-phone-view.png"))

    # submitting now is refused, with the reasons and the text kept
    page.locator("#sz-submit").click()
    expect(page.locator("#sz-error")).to_contain_text("须修改后才能提交")
    expect(page.locator("#sz-text")).to_have_value(livetexts.SHORT)
    screenshot(f"editor-blocked-{size}")

    # the fixed report: both 必答题 answered, 1500–2000字; the refusal goes once the text changes
    page.locator("#sz-text").fill(livetexts.tongjia_report(problems_share=0.34))
    expect(verdict).to_contain_text("没有须修改的问题")
    expect(page.locator("#sz-error")).to_be_hidden()
    expect(page.locator("#sz-mini")).to_contain_text("没有须修改的问题") if size == "phone" else None
    expect(page.locator("#sz-words")).to_contain_text("全文")
    expect(page.locator("#sz-saved")).to_contain_text("草稿已自动保存", timeout=10_000)
    screenshot(f"editor-ready-{size}")
    page.locator("#sz-submit").click()
    expect(page.locator("#sz-notice")).to_contain_text("已提交")
    expect(page.locator("#sz-status")).to_contain_text("待审核")  # TJ-02: to the 包片领导 first
    expect(page.locator("#sz-text")).to_have_attribute("readonly", "")
    screenshot(f"editor-submitted-{size}")


def _switch(page: Page, display_name: str) -> None:
    page.context.clear_cookies()  # signed out
    sign_in(page, display_name)
    page.wait_for_url("**/t/tongjia/**")
    open_menu(page)


def test_written_returned_revised_and_approved(page: Page, tongjia: dict[str, str], screenshot) -> None:
    # The whole of issue 6's done-when in one browser: the secretary writes and submits in the
    # editor; the 包片领导 returns it with a reason (clause TJ-02, CO-02); the secretary sees the
    # reason in the editor, revises and re-submits; the 包片领导 approves.
    sign_in(page, tongjia["secretary"])
    page.wait_for_url("**/t/tongjia/**")
    open_menu(page)
    page.get_by_role("link", name="撰写述职报告").click()
    page.locator("#sz-text").fill(livetexts.tongjia_report(problems_share=0.34))
    expect(page.locator("#sz-verdict")).to_contain_text("没有须修改的问题")
    page.locator("#sz-submit").click()
    expect(page.locator("#sz-status")).to_contain_text("待审核")

    _switch(page, tongjia["reviewer"])
    page.get_by_role("link", name="审核述职报告", exact=True).click()
    page.locator("#sz-review-list tr", has_text="待审核").get_by_role("link", name="查看").click()
    page.locator("#sz-return-note").fill("请在问题部分写明原因，并补充发展党员的人数。")
    page.locator("#sz-return").click()
    expect(page.locator("#sz-report-status")).to_have_text("已退回修改")

    _switch(page, tongjia["secretary"])
    page.get_by_role("link", name="撰写述职报告").click()
    expect(page.locator("#sz-status")).to_contain_text("已退回修改")
    expect(page.locator("#sz-comments")).to_contain_text("请在问题部分写明原因")
    screenshot("editor-returned-desktop")
    revised = livetexts.tongjia_report(problems_share=0.34) + "\n全年发展党员3名，培养入党积极分子5名。"
    page.locator("#sz-text").fill(revised)
    expect(page.locator("#sz-verdict")).to_contain_text("没有须修改的问题")
    expect(page.locator("#sz-submit")).to_have_text("重新提交")
    page.locator("#sz-submit").click()
    expect(page.locator("#sz-status")).to_contain_text("待审核")

    _switch(page, tongjia["reviewer"])
    page.get_by_role("link", name="审核述职报告", exact=True).click()
    page.locator("#sz-review-list tr", has_text="待审核").get_by_role("link", name="查看").click()
    page.locator("#sz-approve-note").fill("同意报党建办。")
    page.locator("#sz-approve").click()
    expect(page.locator("#sz-decisions")).to_contain_text("审核通过")
    screenshot("editor-flow-approved-desktop")
