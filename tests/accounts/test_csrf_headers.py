"""CSRF on every form (Flask-WTF), the API's bearer-token exemption, and the
security headers with a strict CSP (issue 4 item 4)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from shuzhi.accounts.models import Invitation
from shuzhi.db import db
from shuzhi.security import CSP
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped
from tests.accounts.conftest import PASSWORD, csrf_from, sign_in, signed_in_as, text

CSRF_MESSAGE = "安全校验失败"


def test_sign_in_without_token_is_refused(client, county, csrf_on) -> None:
    # issue 4: a CSRF-less post is a 400 with a Chinese message, and signs nobody in
    r = client.post("/login", data={"username": "jx-admin", "password": PASSWORD})
    assert r.status_code == 400 and CSRF_MESSAGE in text(r)
    assert signed_in_as(client) is None
    token = csrf_from(text(client.get("/login")))
    r = client.post("/login", data={"username": "jx-admin", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and signed_in_as(client) == "jx-admin"


def test_forged_or_foreign_token_is_refused(app, client, county, csrf_on) -> None:
    # issue 4: a token from another browser's session does not pass
    other = app.test_client()
    foreign = csrf_from(text(other.get("/login")))
    client.get("/login")
    for token in (foreign, "garbage", "a" * 5000):
        r = client.post("/login", data={"username": "jx-admin", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 400 and CSRF_MESSAGE in text(r)


def test_state_changes_without_token_change_nothing(app, client, county, csrf_on) -> None:
    # issue 4: invite, role change, sign-out and demo sign-in all need the token; nothing half-done
    token = csrf_from(text(client.get("/login")))
    client.post("/login", data={"username": "jx-admin", "password": PASSWORD, "csrf_token": token})
    r = client.post("/t/jx/members/invite", data={"email": "new@jx.example.cn", "role": "secretary"})
    assert r.status_code == 400 and CSRF_MESSAGE in text(r)
    r = client.post(f"/t/jx/members/{county.users['secretary']}/suspend")
    assert r.status_code == 400
    r = client.post("/logout")
    assert r.status_code == 400 and signed_in_as(client) == "jx-admin"
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert "停用" in text(client.get("/t/jx/members"))  # the secretary is still active


def test_cookie_authenticated_api_write_needs_the_token(app, client, county, csrf_on) -> None:
    # issue 4: the JSON API called with the session cookie is CSRF-protected too (X-CSRFToken header)
    page = text(client.get("/login"))
    client.post("/login", data={"username": "jx-admin", "password": PASSWORD, "csrf_token": csrf_from(page)})
    body = {"code": "JX99", "name": "新建党支部", "kind": "branch", "parent_id": county.orgs["JX"]}
    r = client.post("/api/v1/tenants/jx/orgs", json=body)
    assert r.status_code == 400 and CSRF_MESSAGE in r.get_json()["message"]
    token = csrf_from(text(client.get("/account")))
    r = client.post("/api/v1/tenants/jx/orgs", json=body, headers={"X-CSRFToken": token})
    assert r.status_code == 201, r.get_json()


def test_bearer_token_api_write_is_exempt(app, client, county, csrf_on) -> None:
    # issue 4: only a request authenticated by an API token skips CSRF (g.auth_method == "token")
    from shuzhi.auth import tokens
    from shuzhi.auth.permissions import Perm
    from shuzhi.tenancy.models import Tenant

    with app.test_request_context(), scoped(db.session, tenant_id=county.tenant_id):
        tenant = db.session.get(Tenant, county.tenant_id)
        admin = db.session.get(User, county.users["admin"])
        new = tokens.create_token(
            db.session,
            tenant=tenant,
            creator=admin,
            name="集成",
            scopes=[Perm.ORGS_WRITE.value, Perm.ORGS_READ.value],
        )
        secret = new.secret
        db.session.commit()
    body = {"code": "JX98", "name": "令牌建的党支部", "kind": "branch", "parent_id": county.orgs["JX"]}
    r = client.post("/api/v1/tenants/jx/orgs", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 201, r.get_json()
    # A bad bearer token is a 401, never a CSRF-free pass.
    r = client.post("/api/v1/tenants/jx/orgs", json=body, headers={"Authorization": "Bearer szt_nope"})
    assert r.status_code == 401


def _post_forms(html: str) -> list[str]:
    return re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", html, flags=re.S | re.I)


@pytest.mark.parametrize(
    "who,path",
    [
        (None, "/login"),
        (None, "/password/forgot"),
        ("secretary", "/account"),
        ("admin", "/account"),
        ("admin", "/t/jx/members"),
        ("admin", "/t/jx/members/{secretary}"),
        ("admin", "/t/jx/orgs"),
        ("admin", "/t/jx/import"),
    ],
)
def test_every_form_carries_a_csrf_token(app, client, county, csrf_on, who, path: str) -> None:
    # issue 4: CSRF on every form — each POST form on the pages carries the token
    if who:
        page = text(client.get("/login"))
        sign_in(client, f"jx-{who}", csrf_token=csrf_from(page))
    r = client.get(path.format(secretary=county.users["secretary"]))
    assert r.status_code == 200
    forms = _post_forms(text(r))
    assert forms
    for form in forms:
        assert 'name="csrf_token"' in form, form[:200]


def test_security_headers_and_strict_csp(client, county) -> None:
    # issue 4: strict CSP without unsafe-inline, framing refused, no sniffing, same-origin referrers
    r = client.get("/login")
    h = r.headers
    csp = h["Content-Security-Policy"]
    assert csp == CSP
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "unsafe" not in csp
    assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin" and h["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in h  # plain http in tests
    static = client.get("/assets/css/portal.css")
    assert static.headers["Content-Security-Policy"] == CSP and "no-store" not in static.headers.get(
        "Cache-Control", ""
    )
    static.close()


def test_pages_have_no_inline_script_or_style(client, county) -> None:
    # issue 4: the accounts pages work under the strict CSP (no inline script, handler or style)
    sign_in(client, "jx-admin")
    for path in (
        "/account",
        "/t/jx/members",
        f"/t/jx/members/{county.users['secretary']}",
        "/password/forgot",
    ):
        html = text(client.get(path))
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path
        assert re.search(r"\son[a-z]+=", html) is None, path
        assert "<style" not in html and "style=" not in html, path
