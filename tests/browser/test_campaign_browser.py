"""The campaign page in Chromium (issue 7, minimal page): 吉县's campaign as a tree of reviews
with steps and overdue counts, sub-reviews opened on demand, at desktop width and on a phone."""

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
from tests.browser.conftest import open_menu, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def jixian(demo_app, scratch_db) -> Iterator[str]:
    """吉县 with its 2018 campaign open; the admin's display name."""
    with demo_app.app_context():
        build_demo(db.session, only=["jixian"])
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == "jixian"))
        with scoped(db.session, tenant_id=tid):
            service.open_campaign(db.session, access.operator("test"), year=2018, today=date(2018, 11, 20))
            db.session.commit()
        with scoped(db.session, platform=True):
            name = db.session.scalar(select(User.display_name).where(User.username == "jixian-admin"))
    yield name
    with demo_app.app_context():
        db.session.remove()
    scratch_db.truncate()


def test_campaign_tree(page: Page, size: str, jixian: str, screenshot) -> None:
    # clause JX-04: the county's review, the townships' and 工委s' reviews under it, overdue flagged
    sign_in(page, jixian)
    page.wait_for_url("**/t/jixian/**")  # signed in: the menu to unfold is the tenant page's
    open_menu(page)
    page.get_by_role("link", name="述职评议", exact=True).click()
    expect(page.locator("table.sz-campaigns")).to_contain_text("2018年度党组织书记抓基层党建工作述职评议考核")
    page.get_by_role("link", name="2018年度党组织书记抓基层党建工作述职评议考核").click()
    expect(page.locator("#campaign-title")).to_contain_text("2018年度")
    tree = page.locator("#sz-review-tree")
    expect(tree).to_contain_text("中共吉县县委")
    expect(tree).to_contain_text("中共吉县县直机关工作委员会")
    expect(page.locator(".sz-timeline")).to_contain_text("县直系统党委（总支）完成所属党组织书记述职评议")
    # the 县直工委's systems load when opened
    organs = page.locator(".sz-node", has_text="中共吉县县直机关工作委员会").first
    organs.locator("button.sz-toggle").first.click()
    expect(organs).to_contain_text("吉县教育系统党委")
    screenshot(f"campaign-{size}")
