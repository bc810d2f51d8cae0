"""Dashboards and the pre-meeting page in Chromium (issue 7 items 6 and 7), on the demo campaigns
seen on their demo days, at desktop width and on a phone, under the strict CSP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.demo.campaigns import DEMO_DAYS
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped
from tests.browser.conftest import sign_in as sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture
def sign_in(page: Page):
    """Sign in as a demo user by display name (the folder's demo app, base_url)."""

    def go(display_name: str) -> None:
        sign_in_as(page, display_name)

    return go


@pytest.fixture
def names(demo_app, scratch_db) -> Iterator[dict[str, str]]:
    """童家镇, 永州 and 根河 with their demo campaigns, seen on their demo days; display names."""
    with demo_app.app_context():
        build_demo(db.session, only=["tongjia", "yongzhou", "genhe"], campaigns=True)
        with scoped(db.session, platform=True):
            found = dict(db.session.execute(select(User.username, User.display_name)).all())
    demo_app.config["SHUZHI_DEMO_DAYS"] = dict(DEMO_DAYS)
    yield found
    demo_app.config.pop("SHUZHI_DEMO_DAYS", None)
    with demo_app.app_context():
        db.session.remove()
    scratch_db.truncate()


def test_secretary_lands_on_their_countdown(page: Page, size: str, names, sign_in, screenshot) -> None:
    # clause TJ-02 / CO-06: the village secretary's draft is with the 包片领导; hand-in 01-05
    sign_in(names["tongjia-secretary"])
    page.wait_for_url("**/t/tongjia/my/steps")
    expect(page.get_by_role("heading", name="我的述职", exact=True)).to_be_visible()
    now = page.locator(".sz-now").first
    expect(now).to_contain_text("待审核")
    expect(now).to_contain_text("还剩 8 天")
    expect(now).to_contain_text("2024-01-05")
    expect(page.get_by_role("link", name="打开我的述职报告")).to_be_visible()
    screenshot(f"my-steps-{size}")


def test_secretary_sees_the_extension(page: Page, size: str, names, sign_in, screenshot) -> None:
    # clause YZ-05: reports due 12-15; this unit's 党组 met late, an extension to 12-22
    sign_in(names["yongzhou-secretary"])
    page.wait_for_url("**/t/yongzhou/my/steps")
    now = page.locator(".sz-now").first
    expect(now).to_contain_text("原定 2020-12-15，已延期")
    expect(now).to_contain_text("还剩 4 天")
    screenshot(f"my-steps-extended-{size}")


def test_reviewer_sees_their_reporters_overdue_first(
    page: Page, size: str, names, sign_in, screenshot
) -> None:
    # clause YZ-06's 核查组组长 sees the 8 units in scope; the late one first, flagged
    sign_in(names["yongzhou-reviewer"])
    page.wait_for_url("**/t/yongzhou/my/reporters")
    cards = page.locator(".sz-my-reporters > li")
    expect(cards).to_have_count(8)
    expect(cards.first).to_contain_text("逾期")
    expect(cards.first).to_contain_text("已超过 3 天")
    screenshot(f"my-reporters-{size}")


def test_prework_page_records_a_visit(page: Page, size: str, names, sign_in, screenshot) -> None:
    # clauses GH-04 (plan filed, unannounced research) on the general branch's pre-meeting page
    sign_in(names["genhe-admin"])
    page.wait_for_url("**/t/genhe/**")
    page.goto(page.url.split("/t/")[0] + "/t/genhe/campaigns")
    page.get_by_role("link", name="2023年度党组织书记抓基层党建工作述职评议考核").click()
    page.get_by_role("link", name="会前工作").click()
    expect(page.locator("#sz-filings")).to_contain_text("报根河市委直属机关工委备案")
    expect(page.locator("#sz-visit-list li")).to_have_count(2)
    page.locator("#sz-visits summary").click()
    page.select_option("#visit-reporter", index=1)
    page.fill("#visited_on", "2023-12-15")
    page.fill("#visitors", "党总支副书记")
    page.fill("#findings", "")
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.locator("#sz-prework-error")).to_contain_text("请填写走访发现的情况")
    expect(page.locator("#visitors")).to_have_value("党总支副书记")  # what was typed stays
    page.fill("#findings", "整改台账已建立")
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.locator("#sz-visit-list li")).to_have_count(3)
    screenshot(f"prework-{size}")
