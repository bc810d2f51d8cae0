"""The reviewer's pages in Chromium (issue 6 item 6): 童家镇's 包片领导 reads a submitted report
with its findings, comments on a paragraph, returns it; the secretary re-submits; the reviewer
compares the versions and approves (TJ-02, CO-02). Desktop and phone, strict CSP, screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from shuzhi.cycles import access
from shuzhi.cycles import service as cycles
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.reports import service
from shuzhi.tenancy.models import Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.browser import conftest as browser
from tests.reports.review_kit import tongjia_text

# The folder's conftest gives demo_app, live_server, size and the CSP check: a
# re-exported session fixture would be a second app that base_url does not serve.
open_menu, sign_in = browser.open_menu, browser.sign_in

pytestmark = pytest.mark.browser

DAY = date(2023, 12, 20)  # before TJ-02's 2024-01-05


def _as(username: str, tid: int) -> Any:
    with scoped(db.session, platform=True):
        user = db.session.scalar(select(User).where(User.username == username))
    return access.for_user(user, tid)


@pytest.fixture
def tongjia(demo_app, scratch_db) -> Iterator[dict[str, Any]]:
    """童家镇's campaign open, 新街社区's secretary (C04) has submitted to the 包片领导."""
    with demo_app.app_context():
        build_demo(db.session, only=["tongjia"])
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == "tongjia"))
        with scoped(db.session, tenant_id=tid):
            campaign = cycles.open_campaign(
                db.session, access.operator("test"), year=2023, today=date(2023, 12, 1)
            )
            reporter = next(
                r
                for r in cycles.review_reporters(db.session, cycles.root_review(db.session, campaign))
                if cycles.org_names(db.session, [r.org_id])[r.org_id].code == "C04"
            )
            report = service.get_or_create_report(db.session, reporter)
            sec = _as("tongjia-secretary", tid)
            service.save_draft(db.session, report, tongjia_text(), user=sec)
            service.submit(db.session, report, user=sec, today=DAY)
            db.session.commit()
            info = {"tid": tid, "report": report.id, "org": cycles.org_names(db.session, [report.org_id])}
        with scoped(db.session, platform=True):
            info["reviewer"] = db.session.scalar(
                select(User.display_name).where(User.username == "tongjia-reviewer")
            )
    demo_app.config["SHUZHI_DEMO_DAYS"] = {"tongjia": DAY}
    yield info
    demo_app.config.pop("SHUZHI_DEMO_DAYS", None)
    with demo_app.app_context():
        db.session.remove()
    scratch_db.truncate()


def _resubmit(demo_app: Any, info: dict[str, Any]) -> None:
    with demo_app.app_context(), scoped(db.session, tenant_id=info["tid"]):
        report = service.get_report(db.session, info["report"])
        sec = _as("tongjia-secretary", info["tid"])
        service.save_draft(
            db.session, report, tongjia_text("全年发展党员3名，培养入党积极分子5名。"), user=sec
        )
        service.submit(db.session, report, user=sec, today=DAY)
        db.session.commit()


def test_reviewer_returns_with_a_comment_then_approves(
    page: Page, size: str, tongjia: dict[str, Any], demo_app, screenshot
) -> None:
    # clauses TJ-02 (包片领导审核) and CO-02 (return with comments, re-submit, approve)
    sign_in(page, tongjia["reviewer"])
    page.wait_for_url("**/t/tongjia/**")
    open_menu(page)
    page.get_by_role("link", name="审核述职报告", exact=True).click()
    expect(page.locator("#sz-waiting")).to_contain_text("待您审核：1 份")
    screenshot(f"review-list-{size}")
    row = page.locator("#sz-review-list tr", has_text="待审核")
    row.get_by_role("link", name="查看").click()
    expect(page.locator("#sz-report-status")).to_have_text("待审核")
    expect(page.locator("#decision")).to_contain_text("述职报告报包片领导审核")
    expect(page.locator("#sz-findings")).to_contain_text("TJ-06")
    screenshot(f"review-report-{size}")

    # a comment on paragraph 5, quoting its words
    para = page.locator("#p-4")
    quote = para.locator("div.flex-grow-1").inner_text()[2:10]
    para.locator("summary").click()
    para.locator("input[name=excerpt]").fill(quote)
    para.locator("textarea[name=body]").fill("请写明全年发展党员和积极分子的人数。")
    para.get_by_role("button", name="保存意见").click()
    expect(page.locator("#p-4 .sz-comment")).to_contain_text("请写明全年发展党员和积极分子的人数。")
    expect(page.locator("#p-4 .sz-comment")).to_contain_text(f"“{quote}”")

    # a return without its reason is refused, with the form kept
    page.locator("#sz-return").click()
    expect(page.locator("#sz-error")).to_contain_text("退回修改须写明意见")
    page.locator("#sz-return-note").fill("请补充具体数据后再报。")
    page.locator("#sz-return").click()
    expect(page.locator("#sz-report-status")).to_have_text("已退回修改")
    expect(page.locator("#sz-decisions")).to_contain_text("退回修改")
    screenshot(f"review-returned-{size}")

    # the secretary revises and re-submits; the reviewer compares and approves
    _resubmit(demo_app, tongjia)
    page.reload()
    expect(page.locator("#sz-report-status")).to_have_text("待审核")
    page.locator("#sz-versions").get_by_role("link", name="与上一版比较").first.click()
    expect(page.locator("#sz-diff-summary")).to_contain_text("共 1 段有改动")
    expect(page.locator(".sz-diff-insert")).to_contain_text("全年发展党员3名")
    screenshot(f"review-diff-{size}")
    page.go_back()
    page.locator("#sz-approve-note").fill("同意报党建办。")
    page.locator("#sz-approve").click()
    expect(page.locator("#sz-report-status")).to_have_text("已提交")
    expect(page.locator("#sz-decisions")).to_contain_text("审核通过")
    screenshot(f"review-approved-{size}")


@pytest.fixture
def yongzhou(demo_app, scratch_db) -> Iterator[dict[str, Any]]:
    """永州's campaign open, 市第八单位's secretary (U08) with a draft within YZ-04."""
    from tests.reports.review_kit import yongzhou_text

    day = date(2020, 12, 1)
    with demo_app.app_context():
        build_demo(db.session, only=["yongzhou"])
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == "yongzhou"))
        with scoped(db.session, tenant_id=tid):
            campaign = cycles.open_campaign(
                db.session, access.operator("test"), year=2020, today=date(2020, 11, 20)
            )
            reporters = [
                r
                for review in [cycles.root_review(db.session, campaign)]
                for r in cycles.review_reporters(db.session, review)
            ]
            reporter = next(
                r for r in reporters if cycles.org_names(db.session, [r.org_id])[r.org_id].code == "U08"
            )
            report = service.get_or_create_report(db.session, reporter)
            service.save_draft(db.session, report, yongzhou_text(), user=_as("yongzhou-secretary", tid))
            db.session.commit()
            info: dict[str, Any] = {"tid": tid, "report": report.id}
        with scoped(db.session, platform=True):
            info["secretary"] = db.session.scalar(
                select(User.display_name).where(User.username == "yongzhou-secretary")
            )
    demo_app.config["SHUZHI_DEMO_DAYS"] = {"yongzhou": day}
    yield info
    demo_app.config.pop("SHUZHI_DEMO_DAYS", None)
    with demo_app.app_context():
        db.session.remove()
    scratch_db.truncate()


def test_secretary_attaches_the_stamped_scan_and_attests(
    page: Page, size: str, yongzhou: dict[str, Any], screenshot
) -> None:
    # clause YZ-05: 经党组（党委）讨论通过盖章: the scan of the stamped copy and who attests
    from tests.reports.review_kit import PDF

    sign_in(page, yongzhou["secretary"])
    page.wait_for_url("**/t/yongzhou/**")
    page.goto(f"/t/yongzhou/reports/{yongzhou['report']}/files")
    expect(page.locator("#seal-title")).to_contain_text("盖章确认（YZ-05）")
    # a renamed program is refused in Chinese, nothing listed
    page.locator("#kind").select_option("scan")
    page.locator("#file").set_input_files(
        files=[{"name": "盖章件.pdf", "mimeType": "application/pdf", "buffer": b"MZ" + b"\x00" * 64}]
    )
    page.get_by_role("button", name="上传").click()
    expect(page.locator("#sz-error")).to_contain_text("只能上传")
    page.locator("#kind").select_option("scan")
    page.locator("#file").set_input_files(
        files=[{"name": "盖章件.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="上传").click()
    expect(page.locator("#sz-file-list")).to_contain_text("盖章件.pdf")
    page.locator("#name").fill("王五（局党组成员）")
    page.locator("#body").fill("局党组会议")
    page.locator("#on").fill("2020-12-10")
    page.locator("#attachment_id").select_option(label="盖章件.pdf")
    page.get_by_role("button", name="保存盖章确认").click()
    expect(page.locator("#sz-attested")).to_contain_text("已确认：王五（局党组成员）")
    screenshot(f"report-files-{size}")
