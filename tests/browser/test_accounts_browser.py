"""Local accounts in Chromium (Playwright), under the strict CSP with CSRF on:
sign in with a password and sign out, accept an invitation, my account and
the members page; at desktop width and at a 375px phone (issue 4 item 6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shuzhi.accounts import service
from shuzhi.db import db
from shuzhi.tenancy.models import Role, Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.browser.conftest import open_menu
from tests.browser.seed import County

pytestmark = pytest.mark.browser

PASSWORD = "browser-secret-21"


@pytest.fixture
def local_admin(demo_app, county: County) -> str:
    """The county admin gets a password; returns the user name."""
    with demo_app.test_request_context():
        user = db.session.get(User, county.users["admin"])
        service.set_password(user, PASSWORD)
        db.session.commit()
        return user.username


def sign_in_with_password(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名或邮箱").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.locator("#sz-login-submit").click()


def test_local_sign_in_and_sign_out(
    page: Page, size: str, county: County, local_admin: str, screenshot
) -> None:
    # issue 4: the sign-in page (local form + demo list), a wrong password, sign-in, sign-out
    page.goto("/login")
    expect(page.locator("#sz-login-form")).to_be_visible()
    expect(page.get_by_role("link", name="忘记密码？")).to_be_visible()
    screenshot(f"accounts-login-{size}")

    sign_in_with_password(page, local_admin, "not-the-password")
    expect(page.locator("#sz-login-error")).to_have_text("用户名或密码不正确。")
    expect(page.get_by_label("用户名或邮箱")).to_have_value(local_admin)  # what was typed is kept
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    screenshot(f"accounts-login-error-{size}")

    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.locator("#sz-login-submit").click()
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/campaigns$"))  # the admin's dashboard
    expect(page.locator("#sz-tenant")).to_have_text("吉县县委组织部")

    open_menu(page)
    page.locator(".sz-user .dropdown-toggle").click()
    page.locator("#sz-logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"/t/{county.slug}/orgs")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_accept_invitation(page: Page, size: str, demo_app, county: County, screenshot) -> None:
    # issue 4: open the invitation link, set user name and password, land in the tenant with the role
    with demo_app.test_request_context(), scoped(db.session, tenant_id=county.tenant_id):
        tenant = db.session.get(Tenant, county.tenant_id)
        admin = db.session.get(User, county.users["admin"])
        org_ids = service.parse_org_codes("JX01")
        _inv, link = service.create_invitation(
            tenant, admin, f"new-{size}@jx.example.cn", Role.SECRETARY, org_ids
        )
        db.session.commit()
    path = re.sub(r"^https?://[^/]+", "", link)
    page.goto(path)
    expect(page.locator("#sz-invite-tenant")).to_contain_text("吉县县委组织部")
    expect(page.get_by_text("城关镇党委（JX01）")).to_be_visible()
    page.get_by_label("用户名").fill(f"new.{size}")
    page.get_by_label("姓名").fill("新书记")
    page.get_by_label("新密码", exact=True).fill("short")
    page.get_by_label("再次输入新密码").fill("short")
    page.get_by_role("button", name="创建账号并加入").click()
    expect(page.locator("#sz-form-error")).to_contain_text("密码至少需要 10 个字符")
    screenshot(f"accounts-invite-{size}")

    page.get_by_label("新密码", exact=True).fill("invited-secret-9")
    page.get_by_label("再次输入新密码").fill("invited-secret-9")
    page.get_by_role("button", name="创建账号并加入").click()
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/my/steps$"))  # a secretary's dashboard
    open_menu(page)
    expect(page.locator(".sz-user-name")).to_have_text("新书记")
    # The link is spent.
    page.goto(path)
    expect(page.locator(".sz-error-code")).to_have_text("410")


def test_my_account_and_members(page: Page, size: str, county: County, local_admin: str, screenshot) -> None:
    # issue 4: my account (profile, password, TOTP with its QR under the CSP, sessions) and the members page
    sign_in_with_password(page, local_admin)
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/campaigns$"))  # the admin's dashboard
    page.goto("/account")
    expect(page.locator("#sz-username")).to_have_text(local_admin)
    expect(page.locator("#sz-session-list li")).to_have_count(1)
    screenshot(f"accounts-my-account-{size}")
    page.locator("#sz-totp-enable").click()
    qr = page.locator("#sz-totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the data: URI image loaded under img-src 'self' data:
    screenshot(f"accounts-totp-{size}")

    page.goto(f"/t/{county.slug}/orgs")
    open_menu(page)
    page.get_by_role("link", name="成员").click()
    expect(page).to_have_url(re.compile(rf"/t/{county.slug}/members$"))
    expect(page.locator(f"#member-{county.users['secretary']}")).to_contain_text("城关镇李书记")
    page.get_by_label("邮箱").fill(f"invitee-{size}@jx.example.cn")
    page.get_by_label("角色").select_option("reviewer")
    page.locator("#sz-invite-send").click()
    expect(page.locator(".sz-flash")).to_contain_text("邀请链接")
    expect(page.locator("#sz-pending")).to_contain_text(f"invitee-{size}@jx.example.cn")
    screenshot(f"accounts-members-{size}")
