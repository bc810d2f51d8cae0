"""Single sign-on in Chromium: the SSO button on /login, the IdP's form, back in the portal (issue 4 item 1)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from shuzhi.auth import oidc
from shuzhi.db import db
from shuzhi.tenancy.models import Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.oidc.conftest import idp  # noqa: F401  (the local OpenID provider, a session fixture)

pytestmark = pytest.mark.browser

LABEL = "吉县统一身份认证"
SUBJECT = "jx-7f3a9c"


@pytest.fixture
def sso_county(demo_app, county, idp, monkeypatch) -> Iterator[str]:  # noqa: F811
    """The county signs in through the local IdP; its admin is linked to SUBJECT."""
    monkeypatch.setenv("SHUZHI_OIDC_JX_SECRET", "browser-test-secret")
    with demo_app.app_context(), scoped(db.session, platform=True):
        provider = oidc.save_provider(
            db.session,
            name="jx",
            issuer=idp,
            client_id="shuzhi-browser",
            label=LABEL,
            tenant=db.session.get(Tenant, county.tenant_id),
        )
        oidc.link_identity(db.session, provider, SUBJECT, db.session.get(User, county.users["admin"]))
        db.session.commit()
    yield idp


def test_sso_button_signs_in_and_out(page, live_server, county, sso_county, screenshot) -> None:
    # issue 4: click the IdP's button on /login, type the subject on the IdP's form, land in the portal
    page.goto("/login")
    button = page.get_by_role("link", name=LABEL)
    expect(button).to_be_visible()
    screenshot("sso-login-button")
    button.click()
    expect(page).to_have_url(re.compile(re.escape(sso_county) + r"/oauth2/authorize\?"))
    page.fill("input[name=sub]", SUBJECT)
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + f"/t/{county.slug}/"))
    expect(page.locator(".sz-user-name")).to_have_text(county.names["admin"])
    screenshot("sso-signed-in")
    # Sign out: the session ends here, then the IdP's end-session page, then back to /login
    page.locator(".sz-user .dropdown-toggle").click()
    page.locator("#sz-logout").click()
    expect(page).to_have_url(re.compile(re.escape(sso_county) + r"/oauth2/end_session\?.*id_token_hint="))
    page.get_by_role("button", name="End session").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login"))
    page.goto(f"/t/{county.slug}/")
    expect(page).to_have_url(re.compile(r"/login"))  # signed out here too


def test_sso_refusal_page_in_the_browser(page, live_server, county, sso_county, screenshot) -> None:
    # issue 4: an unlinked subject sees a Chinese page saying whom to ask, with a way back
    page.goto("/login")
    page.get_by_role("link", name=LABEL).click()
    page.fill("input[name=sub]", "jx-unknown-person")
    page.get_by_role("button", name="Authorize").click()
    expect(page.locator("#sz-sso-error h1")).to_have_text("您的账号尚未开通")
    expect(page.locator("#sz-sso-subject")).to_contain_text("jx-unknown-person")
    screenshot("sso-not-linked")
    page.locator("#sz-back").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login"))
