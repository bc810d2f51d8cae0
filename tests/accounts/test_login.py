"""Local sign-in: password, lockout and rate limits, open redirects, session
fixation, second factor, audit (issue 4 items 2, 3, 6)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from shuzhi.accounts import totp
from shuzhi.accounts.models import LocalCredential
from shuzhi.audit.models import AuditEvent
from shuzhi.db import db, utcnow
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped
from tests.accounts.conftest import PASSWORD, cookie_sid, session_rows, settings, sign_in, signed_in_as, text


def test_password_sign_in_lands_on_the_tenant(client, county) -> None:
    # issue 4: local user name + password sign-in
    r = sign_in(client, "jx-secretary")
    assert r.status_code == 302 and r.headers["Location"] == "/t/jx/my/steps"
    assert signed_in_as(client) == "jx-secretary"
    (row,) = session_rows(client.application, county.users["secretary"])
    assert row.method == "password" and row.revoked_at is None and row.ip == "127.0.0.1"


def test_sign_in_by_email_too(client, county) -> None:
    # issue 4: the e-mail address works as the login name
    assert sign_in(client, "Secretary@JX.example.cn").status_code == 302
    assert signed_in_as(client) == "jx-secretary"


@pytest.mark.parametrize("username", ["jx-secretary", "nobody-here"])
def test_wrong_password_or_unknown_user_same_message(client, county, username: str) -> None:
    # issue 4 bad input: one message whichever was wrong; the typed name is kept, the password never echoed
    r = sign_in(client, username, "wrong-password-1")
    assert r.status_code == 401
    html = text(r)
    assert "用户名或密码不正确" in html
    assert f'value="{username}"' in html and "wrong-password-1" not in html
    assert signed_in_as(client) is None


def test_empty_fields_are_explained(client, county) -> None:
    # issue 4 bad input: empty form → 400 with a Chinese message
    r = client.post("/login", data={"username": "", "password": ""})
    assert r.status_code == 400 and "请输入用户名或邮箱" in text(r)
    r = client.post("/login", data={"username": "jx-admin", "password": ""})
    assert r.status_code == 400 and "请输入密码" in text(r)


def test_oversized_input_is_refused(client, county) -> None:
    # issue 4 bad input: a megabyte "user name" is a 400, not a slow hash or a 500
    r = client.post("/login", data={"username": "a" * 100_000, "password": "b" * 100_000})
    assert r.status_code == 400 and "内容太长" in text(r)


def test_brute_force_locks_the_account(app, client, county) -> None:
    # issue 4: locked after N failures (Chinese message); the right password is refused until the lock ends
    for i in range(4):
        assert sign_in(client, "jx-admin", f"guess-{i}-xxxxx").status_code == 401
    r = sign_in(client, "jx-admin", "guess-5-xxxxx")
    assert r.status_code == 429
    assert "登录失败次数过多，账号已暂时锁定" in text(r) and "1 分钟后再试" in text(r)
    r = sign_in(client, "jx-admin", PASSWORD)
    assert r.status_code == 429 and "账号已暂时锁定" in text(r)
    assert signed_in_as(client) is None
    # A sixth failure doubles the lock (grows), from another address too.
    with app.app_context():
        cred = db.session.get(LocalCredential, county.users["admin"])
        cred.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = sign_in(client, "jx-admin", "guess-6-xxxxx", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert r.status_code == 429 and "2 分钟后再试" in text(r)
    # When the lock has ended, the right password gets in and the counter starts again.
    with app.app_context():
        cred = db.session.get(LocalCredential, county.users["admin"])
        cred.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert sign_in(client, "jx-admin", PASSWORD).status_code == 302
    with app.app_context():
        cred = db.session.get(LocalCredential, county.users["admin"])
        assert cred.failed_count == 0 and cred.locked_until is None


def test_lock_holds_across_addresses(client, county) -> None:
    # issue 4: the per-account counter survives a change of IP
    for i in range(5):
        sign_in(client, "jx-admin", f"guess-{i}-xxxxx", environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
    r = sign_in(client, "jx-admin", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert r.status_code == 429 and "账号已暂时锁定" in text(r)


def test_rate_limit_per_address(app, client, county) -> None:
    # issue 4: Flask-Limiter caps attempts per client address (memory storage in tests)
    with settings(app, LOGIN_RATE_LIMIT="3 per minute"):
        for _ in range(3):
            assert sign_in(client, "nobody", "whatever-123").status_code == 401
        r = sign_in(client, "jx-admin", PASSWORD)
        assert r.status_code == 429 and "尝试次数过多，请稍后再试" in text(r)
        other = sign_in(app.test_client(), "jx-admin", PASSWORD, environ_base={"REMOTE_ADDR": "10.1.1.1"})
        assert other.status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        "http:/evil.example",
        "evil.example",
        "data:text/html,hi",
    ],
)
def test_open_redirects_in_next_are_ignored(client, county, target: str) -> None:
    # issue 4 bad input: `next` only ever leads to a path on this site
    r = sign_in(client, "jx-secretary", next=target)
    assert r.status_code == 302
    assert r.headers["Location"] == "/t/jx/my/steps"
    r = client.get("/login", query_string={"next": target})  # already signed in
    assert r.status_code == 302 and r.headers["Location"] == "/t/jx/my/steps"


def test_next_on_this_site_is_followed(client, county) -> None:
    # issue 4: a local path in next is where sign-in returns to
    page = text(client.get("/login", query_string={"next": "/t/jx/relations"}))
    assert 'name="next" value="/t/jx/relations"' in page
    r = sign_in(client, "jx-secretary", next="/t/jx/relations")
    assert r.headers["Location"] == "/t/jx/relations"


def test_session_fixation_new_id_at_sign_in(app, client, county) -> None:
    # issue 4: the session id changes at sign-in; a planted id never becomes signed in
    attacker = app.test_client()
    sign_in(attacker, "jx-outsider")
    planted = cookie_sid(attacker)
    with client.session_transaction() as sess:
        sess["sid"] = planted  # the attacker plants its own session cookie on the victim's browser
        sess["locale"] = "zh"
    sign_in(client, "jx-secretary")
    fresh = cookie_sid(client)
    assert fresh and fresh != planted
    assert signed_in_as(client) == "jx-secretary"
    assert signed_in_as(attacker) is None  # the planted session was ended, not upgraded
    # Signing in again (another user on the same browser) rotates the id again.
    sign_in(client, "jx-admin")
    assert cookie_sid(client) not in {fresh, planted}
    assert [r.revoked_reason for r in session_rows(app, county.users["secretary"])] == ["replaced"]


def test_sign_out_revokes_the_session_server_side(app, client, county) -> None:
    # issue 4: a copied cookie is worthless after sign-out
    sign_in(client, "jx-secretary")
    stolen = cookie_sid(client)
    assert client.post("/logout").status_code == 302
    assert signed_in_as(client) is None
    replay = app.test_client()
    with replay.session_transaction() as sess:
        sess["sid"] = stolen
    assert signed_in_as(replay) is None
    (row,) = session_rows(app, county.users["secretary"])
    assert row.revoked_reason == "signed_out"


def test_sign_in_and_failures_are_audited(app, client, county) -> None:
    # issue 4: record() events for sign-in success and failure, in the member's tenant chain
    sign_in(client, "jx-admin", "not-the-password")
    sign_in(client, "jx-admin")
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("auth.%")).order_by(AuditEvent.seq)
        ).all()
        assert [(r.action, r.actor) for r in rows] == [
            ("auth.sign_in_failed", "anonymous"),
            ("auth.sign_in", "jx-admin"),
        ]
        assert rows[1].summary == "password" and rows[0].ip == "127.0.0.1"


def test_demo_sign_in_only_in_demo_mode(app, client, county) -> None:
    # issue 4 item 7: the "sign in as" list stays, in demo mode only
    with settings(app, DEMO=True):
        html = text(client.get("/login"))
        assert "以 组织部王干事 身份登录" in html and 'name="password"' in html
        r = client.post("/login", data={"user_id": county.users["admin"]})
        assert r.status_code == 302
        (row,) = session_rows(app, county.users["admin"])
        assert row.method == "demo"
    html = text(app.test_client().get("/login"))
    assert "身份登录" not in html and 'name="user_id"' not in html


# --- second factor -------------------------------------------------------------------


@pytest.fixture
def admin_totp(app, county) -> str:
    """The admin has enrolled TOTP; returns the secret."""
    with app.test_request_context():
        user = db.session.get(User, county.users["admin"])
        d = totp.start_enrolment(user)
        secret = d.secret
        d.confirmed_at = utcnow()
        db.session.commit()
    return secret


def test_totp_required_for_an_admin_who_enrolled(app, client, county, admin_totp) -> None:
    # issue 4: TOTP verified at sign-in for an enrolled admin; the password alone signs nobody in
    r = sign_in(client, "jx-admin", next="/t/jx/import")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/totp")
    assert signed_in_as(client) is None
    assert client.get("/t/jx/orgs").status_code == 302  # still anonymous
    page = client.get(r.headers["Location"])
    assert page.status_code == 200 and "两步验证" in text(page)
    bad = client.post("/login/totp", data={"code": "000000", "next": "/t/jx/import"})
    assert bad.status_code == 401 and "验证码不正确" in text(bad)
    code = pyotp.TOTP(admin_totp).now()
    ok = client.post("/login/totp", data={"code": code, "next": "/t/jx/import"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/t/jx/import"
    assert signed_in_as(client) == "jx-admin"
    methods = [(r.method, r.mfa_pending, r.revoked_reason) for r in session_rows(app, county.users["admin"])]
    assert methods == [("password", True, "replaced"), ("password+totp", False, "")]


def test_totp_code_cannot_be_replayed(app, county, admin_totp) -> None:
    # issue 4: a code is accepted once
    code = pyotp.TOTP(admin_totp).now()
    first, second = app.test_client(), app.test_client()
    sign_in(first, "jx-admin")
    assert first.post("/login/totp", data={"code": code}).status_code == 302
    sign_in(second, "jx-admin")
    assert second.post("/login/totp", data={"code": code}).status_code == 401


def test_totp_failures_count_toward_the_lock(client, county, admin_totp) -> None:
    # issue 4: guessing codes locks the account like guessing passwords
    sign_in(client, "jx-admin")
    for _ in range(4):
        assert client.post("/login/totp", data={"code": "123456"}).status_code == 401
    r = client.post("/login/totp", data={"code": "123456"})
    assert "账号已暂时锁定" in text(r)
    code = pyotp.TOTP(admin_totp).now()
    assert client.post("/login/totp", data={"code": code}).status_code == 429


def test_recovery_code_works_once(app, client, county) -> None:
    # issue 4: recovery codes (stored hashed) replace a lost phone, once each
    with app.test_request_context():
        user = db.session.get(User, county.users["admin"])
        totp.start_enrolment(user).confirmed_at = utcnow()
        codes = totp.new_recovery_codes(user)
        db.session.commit()
        stored = [r.code_hash for r in db.session.scalars(select(totp.RecoveryCode))]
    assert len(codes) == 10 and not set(codes) & set(stored)
    sign_in(client, "jx-admin")
    assert client.post("/login/totp", data={"code": codes[0].upper()}).status_code == 302
    again = app.test_client()
    sign_in(again, "jx-admin")
    assert again.post("/login/totp", data={"code": codes[0]}).status_code == 401


def test_totp_page_without_a_pending_sign_in(client, county) -> None:
    # issue 4 bad input: the second step without the first
    r = client.get("/login/totp")
    assert r.status_code == 400 and "请重新登录" in text(r)
    r = client.post("/login/totp", data={"code": "123456"})
    assert r.status_code == 400


def test_pending_second_factor_expires(app, client, county, admin_totp) -> None:
    # issue 4: a password accepted long ago does not wait for a code forever
    sign_in(client, "jx-admin")
    with app.app_context():
        from shuzhi.accounts.models import UserSession

        row = db.session.scalars(select(UserSession)).one()
        row.created_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
    code = pyotp.TOTP(admin_totp).now()
    r = client.post("/login/totp", data={"code": code})
    assert r.status_code == 400 and "登录已超时" in text(r)
