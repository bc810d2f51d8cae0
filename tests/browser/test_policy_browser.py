"""The policy page in Chromium (issue 5 item 8): a tenant admin reads the plan's clauses,
sees the plan's own contradiction, and a bad override keeps what was typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from shuzhi.db import db
from shuzhi.tenancy import service
from shuzhi.tenancy.models import Tenant
from shuzhi.tenancy.scope import scoped
from tests.browser.conftest import open_menu, sign_in
from tests.browser.seed import County

pytestmark = pytest.mark.browser


def test_policy_page_and_override_form(page: Page, size: str, county: County, demo_app, screenshot) -> None:
    # clause TJ-06, TJ-10: the contradiction is shown, not hidden
    with demo_app.app_context(), scoped(db.session, platform=True):
        service.update_tenant(db.session, db.session.get(Tenant, county.tenant_id), policy_name="tongjia")
        db.session.commit()
    sign_in(page, "组织部王干事")
    open_menu(page)
    page.get_by_role("link", name="述职方案").click()
    expect(page.locator("#sz-policy-title")).to_contain_text("童家镇")
    expect(page.locator("#sz-lint")).to_contain_text("TJ-06、TJ-10 不能同时满足")
    expect(page.locator("#clause-TJ-04")).to_contain_text("拼经济搞建设")
    screenshot(f"policy-{size}")

    field = page.locator("#sz-overrides input.form-control").first
    field.fill("-5")
    page.locator("#sz-save-overrides").click()
    expect(page.locator("#sz-overrides .invalid-feedback").first).to_be_visible()
    expect(page.locator("#sz-overrides input.form-control").first).to_have_value("-5")
    screenshot(f"policy-error-{size}")
