"""Server-side sessions: revocation, timeouts, roles per request, sign out
everywhere, cookie contents and flags (issue 4 item 3)."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import timedelta

from sqlalchemy import select

from shuzhi.accounts.models import UserSession
from shuzhi.audit.models import AuditEvent
from shuzhi.db import db, utcnow
from shuzhi.security import cookie_secure
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.accounts.conftest import cookie_sid, session_rows, settings, sign_in, signed_in_as, text
from tests.conftest import build_app


def _age(app, user_id: int, **fields) -> None:
    with app.app_context():
        for row in db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)):
            for key, delta in fields.items():
                setattr(row, key, utcnow() - delta)
        db.session.commit()


def test_revoked_session_is_signed_out_at_next_request(app, client, county) -> None:
    # issue 4: revocation takes effect at the very next request
    sign_in(client, "jx-secretary")
    assert client.get("/t/jx/orgs").status_code == 200
    with app.app_context():
        db.session.execute(
            UserSession.__table__.update().values(revoked_at=utcnow(), revoked_reason="revoked_by_admin")
        )
        db.session.commit()
    r = client.get("/t/jx/orgs")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/t/jx/orgs"
    assert cookie_sid(client) is None  # the dead id is dropped from the cookie


def test_idle_timeout(app, client, county) -> None:
    # issue 4: a session unused longer than SESSION_IDLE_MINUTES ends
    sign_in(client, "jx-secretary")
    with settings(app, SESSION_IDLE_MINUTES=30):
        _age(app, county.users["secretary"], last_seen_at=timedelta(minutes=29))
        assert client.get("/t/jx/orgs").status_code == 200  # and this request refreshes last_seen
        _age(app, county.users["secretary"], last_seen_at=timedelta(minutes=31))
        assert client.get("/t/jx/orgs").status_code == 302
    assert [r.revoked_reason for r in session_rows(app, county.users["secretary"])] == ["idle"]


def test_absolute_timeout(app, client, county) -> None:
    # issue 4: however active, a session ends SESSION_MAX_HOURS after sign-in
    sign_in(client, "jx-secretary")
    with settings(app, SESSION_MAX_HOURS=8):
        _age(app, county.users["secretary"], created_at=timedelta(hours=8, minutes=1))
        assert client.get("/t/jx/orgs").status_code == 302
    assert [r.revoked_reason for r in session_rows(app, county.users["secretary"])] == ["expired"]


def test_last_seen_is_written_at_most_once_a_minute(app, client, county) -> None:
    # issue 4: validating each request does not write each request
    sign_in(client, "jx-secretary")
    (before,) = session_rows(app, county.users["secretary"])
    client.get("/t/jx/orgs")
    (after,) = session_rows(app, county.users["secretary"])
    assert after.last_seen_at == before.last_seen_at
    _age(app, county.users["secretary"], last_seen_at=timedelta(minutes=2))
    client.get("/t/jx/orgs")
    (touched,) = session_rows(app, county.users["secretary"])
    assert utcnow() - touched.last_seen_at.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=30)


def test_role_change_applies_at_next_request(app, client, county) -> None:
    # issue 4: roles are read per request: a grant or a removal counts at once, without signing in again
    sign_in(client, "jx-secretary")
    assert client.get("/t/jx/import").status_code == 403
    admin = app.test_client()
    sign_in(admin, "jx-admin")
    r = admin.post(
        f"/t/jx/members/{county.users['secretary']}",
        data={"secretary": "y", "secretary_orgs": "JX01", "tenant_admin": "y"},
    )
    assert r.status_code == 302
    assert client.get("/t/jx/import").status_code == 200
    admin.post(f"/t/jx/members/{county.users['secretary']}", data={"observer": "y"})
    assert client.get("/t/jx/import").status_code == 403
    admin.post(f"/t/jx/members/{county.users['secretary']}/suspend")
    assert client.get("/t/jx/orgs").status_code == 404  # no longer a member: nothing to see


def test_sign_out_everywhere_from_my_account(app, county) -> None:
    # issue 4: "sign out everywhere" for the user ends every browser's session, this one included
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, "jx-secretary", environ_base={"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) Safari/604.1"})
    sign_in(
        laptop, "jx-secretary", environ_base={"HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0) Chrome/130"}
    )
    page = text(laptop.get("/account"))
    assert "Safari · iPhone" in page and "Chrome · Windows" in page and "本机" in page
    r = laptop.post("/account/sessions/revoke-all")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert signed_in_as(phone) is None and signed_in_as(laptop) is None
    reasons = [r.revoked_reason for r in session_rows(app, county.users["secretary"])]
    assert reasons == ["revoked_by_user", "revoked_by_user"]


def test_sign_out_one_other_device(app, county) -> None:
    # issue 4: my sessions list, sign one other device out
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, "jx-secretary")
    sign_in(laptop, "jx-secretary")
    phone_row = session_rows(app, county.users["secretary"])[0]
    assert laptop.post(f"/account/sessions/{phone_row.id}/revoke").status_code == 302
    assert signed_in_as(phone) is None and signed_in_as(laptop) == "jx-secretary"
    # Someone else's session id is not mine to end.
    other = app.test_client()
    sign_in(other, "jx-admin")
    admin_row = session_rows(app, county.users["admin"])[0]
    r = laptop.post(f"/account/sessions/{admin_row.id}/revoke")
    assert r.status_code == 404 and "找不到该登录会话" in text(r)
    assert signed_in_as(other) == "jx-admin"


def test_tenant_admin_signs_a_member_out_everywhere(app, client, county) -> None:
    # issue 4: a tenant admin ends a member's sessions; audited in the tenant
    member = app.test_client()
    sign_in(member, "jx-secretary")
    sign_in(client, "jx-admin")
    r = client.post(f"/t/jx/members/{county.users['secretary']}/sessions/revoke")
    assert r.status_code == 302
    assert signed_in_as(member) is None and signed_in_as(client) == "jx-admin"
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sessions.revoked")).one()
        assert event.actor == "jx-admin" and event.target_id == str(county.users["secretary"])
    # Not for a stranger: the outsider is no member of 吉县, so the answer is a 404.
    r = client.post(f"/t/jx/members/{county.users['outsider']}/sessions/revoke")
    assert r.status_code == 404 and "找不到该成员" in text(r)


def _cookie_payload(client) -> dict:
    cookie = client.get_cookie("shuzhi")
    assert cookie is not None
    raw = cookie.value
    compressed = raw.startswith(".")
    body = raw.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return json.loads(zlib.decompress(data) if compressed else data)


def test_cookie_carries_only_the_session_id(client, county) -> None:
    # issue 4: no user id, role or method in the cookie: only the random session id
    sign_in(client, "jx-secretary")
    client.get("/t/jx/orgs")
    payload = _cookie_payload(client)
    assert set(payload) <= {"sid", "csrf_token", "locale", "_flashes"}
    assert len(payload["sid"]) >= 43 and str(county.users["secretary"]) not in json.dumps(payload)


def test_old_cookie_with_a_user_id_signs_nobody_in(app, client, county) -> None:
    # issue 4: a cookie from before server-side sessions (user_id in it) is ignored
    from flask.sessions import SecureCookieSessionInterface

    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    client.set_cookie("shuzhi", signer.dumps({"user_id": county.users["admin"]}))
    assert client.get("/t/jx/orgs").status_code == 302


def test_session_cookie_flags(client, county) -> None:
    # issue 4: HttpOnly and SameSite=Lax; not Secure under testing/demo (plain http)
    r = sign_in(client, "jx-secretary")
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("shuzhi=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_flag_rules() -> None:
    # issue 4: Secure unless demo/testing; SHUZHI_COOKIE_SECURE forces it either way
    class Cfg:
        def __init__(self, demo: bool, flag: str) -> None:
            self.DEMO, self.COOKIE_SECURE = demo, flag

    assert cookie_secure(Cfg(False, ""), testing=False) is True
    assert cookie_secure(Cfg(True, ""), testing=False) is False
    assert cookie_secure(Cfg(False, ""), testing=True) is False
    assert cookie_secure(Cfg(True, "1"), testing=True) is True
    assert cookie_secure(Cfg(False, "0"), testing=False) is False


def test_production_cookie_is_secure_host_only(scratch_db, tmp_path) -> None:
    # issue 4: outside demo/testing the cookie is Secure with the __Host- prefix, and HSTS is sent
    app = build_app(scratch_db, tmp_path, TESTING=False)
    try:
        with app.app_context(), scoped(db.session, platform=True):
            tenant = tenancy.create_tenant(db.session, slug="prod-x", name="x", level="county")
            user = tenancy.upsert_user(db.session, username="prod-x-admin", display_name="x")
            tenancy.grant(db.session, tenant, user, Role.TENANT_ADMIN)
            from shuzhi.accounts import service

            with app.test_request_context():
                service.set_password(user, "prod-password-9")
            db.session.commit()
        client = app.test_client()
        r = client.post(
            "/login",
            data={"username": "prod-x-admin", "password": "prod-password-9"},
            base_url="https://localhost",
        )
        cookie = r.headers["Set-Cookie"]
        assert cookie.startswith("__Host-shuzhi=") and "Secure" in cookie and "HttpOnly" in cookie
        assert "Path=/" in cookie and "Domain" not in cookie
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        with app.app_context():
            with scoped(db.session, platform=True):
                for t in db.session.scalars(select(Tenant).where(Tenant.slug == "prod-x")):
                    db.session.delete(t)
                for u in db.session.scalars(select(User).where(User.username == "prod-x-admin")):
                    db.session.delete(u)
                db.session.commit()
            db.session.remove()
            db.engine.dispose()
