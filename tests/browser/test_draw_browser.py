"""The draw page and the projector view in Chromium (issue 7 item 4; YZ-02, CO-03):
永州's 工委 lists the candidates with exclusions, publishes the commitment, records a
witness, draws and confirms; the projector shows the commitment before and the seed and
the eight after, without the portal's menus. Desktop and phone, strict CSP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from shuzhi.cycles import access
from shuzhi.cycles import service as cycles
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.tenancy.models import Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def yongzhou(demo_app, scratch_db) -> Iterator[tuple[str, int]]:
    """永州 with its 2020 campaign open (all in writing, YZ-01); the admin's name and the campaign id."""
    with demo_app.app_context():
        build_demo(db.session, only=["yongzhou"])
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == "yongzhou"))
        with scoped(db.session, tenant_id=tid):
            c = cycles.open_campaign(db.session, access.operator("test"), year=2020, today=date(2020, 11, 10))
            db.session.commit()
            cid = c.id
        with scoped(db.session, platform=True):
            name = db.session.scalar(select(User.display_name).where(User.username == "yongzhou-admin"))
    yield name, cid
    with demo_app.app_context():
        db.session.remove()
    scratch_db.truncate()


def test_public_draw_page_and_projector(page: Page, size: str, yongzhou: tuple[str, int], screenshot) -> None:
    # clauses YZ-02 (public random draw of 8, exclusions with reasons, seed committed before and
    # revealed after, witnessed, final once confirmed) and CO-03 (modes set from the record)
    name, cid = yongzhou
    sign_in(page, name)
    page.wait_for_url("**/t/yongzhou/**")
    page.goto(f"/t/yongzhou/campaigns/{cid}/draw")
    page.locator("#sz-prepare").click()
    table = page.locator("#sz-candidates")
    expect(table).to_contain_text("永州市发展和改革委员会党组")
    expect(table.locator("tr", has_text="到岗不满6个月")).to_have_count(4)
    expect(page.locator("#sz-draw-status")).to_have_text("候选名单已列出")
    screenshot(f"draw-prepared-{size}")

    page.locator("#sz-commit").click()
    commitment = page.locator("#sz-commitment").inner_text().strip()
    assert len(commitment) == 64
    expect(page.locator("#sz-seed")).to_have_count(0)

    # the projector before the draw: the commitment in large type, no seed, no menus
    page.goto(page.locator("#sz-projector-link").get_attribute("href") or "")
    expect(page.locator("#sz-proj-commitment")).to_contain_text(commitment[:8])
    expect(page.locator("#sz-proj-seed")).to_have_count(0)
    expect(page.locator(".navbar")).to_have_count(0)
    screenshot(f"draw-projector-before-{size}")

    page.goto(f"/t/yongzhou/campaigns/{cid}/draw")
    # a witness without a role is refused, with the name kept in the form
    page.locator("#w-name").fill("周建国")
    page.locator("#w-role").evaluate("el => el.removeAttribute('required')")
    page.locator("#sz-add-witness").click()
    expect(page.locator("#sz-draw-error")).to_contain_text("见证人")
    expect(page.locator("#w-name")).to_have_value("周建国")
    page.locator("#w-role").fill("市直机关党代表")
    page.locator("#sz-add-witness").click()
    expect(page.locator("#sz-witnesses")).to_contain_text("周建国（市直机关党代表）")
    page.locator("#public_input").fill("26")
    page.locator("#sz-run").click()
    expect(page.locator(".sz-draw-result tbody tr")).to_have_count(8)
    expect(page.locator("#sz-seed")).not_to_be_empty()
    page.locator("#sz-confirm").click()
    expect(page.locator("#sz-draw-status")).to_have_text("已确认")
    expect(page.locator("#sz-confirmed")).to_contain_text("已写入各述职人的述职方式")
    screenshot(f"draw-confirmed-{size}")

    # the projector after: the revealed seed and the eight, in drawn order
    page.goto(page.locator("#sz-projector-link").get_attribute("href") or "")
    expect(page.locator("#sz-proj-result li")).to_have_count(8)
    expect(page.locator("#sz-proj-seed")).to_contain_text("26")
    expect(page.locator("#sz-proj-status")).to_have_text("已确认")
    screenshot(f"draw-projector-after-{size}")
