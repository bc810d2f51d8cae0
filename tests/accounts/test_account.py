"""My account: profile, password change, TOTP on/off (issue 4 item 5)."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from shuzhi.accounts.models import LocalCredential, RecoveryCode, TotpDevice
from shuzhi.audit.models import AuditEvent
from shuzhi.db import db
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped
from tests.accounts.conftest import PASSWORD, session_rows, sign_in, signed_in_as, text

NEW = "fresh-password-33"


def test_account_needs_sign_in(client, county) -> None:
    r = client.get("/account")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/account"


def test_account_page_shows_profile_sessions_and_menu_link(client, county) -> None:
    # issue 4: my account — name, e-mail, change password, my sessions; linked from the user menu
    sign_in(client, "jx-secretary")
    html = text(client.get("/account"))
    assert "我的账号" in html and 'value="城关镇李书记"' in html and 'value="secretary@jx.example.cn"' in html
    assert "修改密码" in html and "登录设备" in html and "在所有设备上退出" in html
    assert "两步验证" not in html  # offered to admins only
    assert 'href="/account"' in text(client.get("/t/jx/orgs"))


def test_change_name_and_email(app, client, county) -> None:
    # issue 4: profile; changing the e-mail (where reset links go) needs the password
    sign_in(client, "jx-secretary")
    r = client.post("/account/profile", data={"display_name": "李书记", "email": "li@jx.example.cn"})
    assert r.status_code == 422 and "修改邮箱需要输入当前密码" in text(r)
    r = client.post(
        "/account/profile",
        data={"display_name": "李书记", "email": "admin@jx.example.cn", "current": PASSWORD},
    )
    assert r.status_code == 409 and "该邮箱已被其他账号使用" in text(r)
    r = client.post(
        "/account/profile", data={"display_name": "李书记", "email": "li@jx.example.cn", "current": PASSWORD}
    )
    assert r.status_code == 302
    assert "个人信息已保存" in text(client.get("/account"))
    with app.app_context():
        user = db.session.get(User, county.users["secretary"])
        assert (user.display_name, user.email) == ("李书记", "li@jx.example.cn")
    r = client.post("/account/profile", data={"display_name": "", "email": ""})
    assert r.status_code == 400 and "请填写姓名" in text(r)


def test_change_password_signs_out_other_devices(app, client, county) -> None:
    # issue 4: change password (current one required), other sessions end, this one stays; audited
    other = app.test_client()
    sign_in(other, "jx-secretary")
    sign_in(client, "jx-secretary")
    r = client.post("/account/password", data={"current": "wrong-one-12", "password": NEW, "confirm": NEW})
    assert r.status_code == 422 and "当前密码不正确" in text(r)
    r = client.post("/account/password", data={"current": PASSWORD, "password": "short", "confirm": "short"})
    assert r.status_code == 422 and "密码至少需要 10 个字符" in text(r)
    r = client.post("/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW + "x"})
    assert r.status_code == 400 and "两次输入的密码不一致" in text(r)
    r = client.post("/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert r.status_code == 302
    assert "其他 1 个设备上的登录已退出" in text(client.get("/account"))
    assert signed_in_as(client) == "jx-secretary" and signed_in_as(other) is None
    assert sign_in(app.test_client(), "jx-secretary", NEW).status_code == 302
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "account.password_changed" in actions


def test_sso_user_has_no_password_to_change(app, client, county) -> None:
    # issue 4: users without a local password are told so
    with app.app_context():
        db.session.delete(db.session.get(LocalCredential, county.users["secretary"]))
        db.session.commit()
    from tests.conftest import login

    login(client, county.users["secretary"])
    html = text(client.get("/account"))
    assert "没有本地密码" in html and 'name="current"' not in html
    r = client.post("/account/password", data={"current": "x" * 10, "password": NEW, "confirm": NEW})
    assert r.status_code == 403


def test_totp_enrol_and_disable(app, client, county) -> None:
    # issue 4: TOTP for tenant admins: QR as a data URI (passes the CSP), confirm, recovery codes once, off with password
    sign_in(client, "jx-admin")
    assert "开启两步验证" in text(client.get("/account"))
    page = text(client.get("/account/totp"))
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="两步验证二维码"', page)
    secret = re.search(r'id="sz-totp-secret">([A-Z2-7]+)<', page).group(1)
    assert text(client.get("/account/totp")).count(secret) == 1  # the same secret until confirmed
    r = client.post("/account/totp", data={"code": "000000"})
    assert r.status_code == 400 and "验证码不正确" in text(r)
    r = client.post("/account/totp", data={"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", text(r))
    assert len(codes) == 10 and all(len(c) == 19 for c in codes)
    with app.app_context():
        assert db.session.get(TotpDevice, county.users["admin"]).confirmed_at is not None
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10 and not set(codes) & set(hashes)
    assert "已开启" in text(client.get("/account"))
    # Sign-in now asks for a code.
    assert sign_in(app.test_client(), "jx-admin").headers["Location"].startswith("/login/totp")
    r = client.post("/account/totp/disable", data={"password": "wrong-password"})
    assert r.status_code == 400 and "两步验证没有关闭" in text(r)
    assert client.post("/account/totp/disable", data={"password": PASSWORD}).status_code == 302
    assert sign_in(app.test_client(), "jx-admin").headers["Location"] == "/t/jx/campaigns"
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "account.totp_enabled" in actions and "account.totp_disabled" in actions


def test_totp_is_for_admins(client, county) -> None:
    # issue 4: TOTP is offered to tenant admins
    sign_in(client, "jx-secretary")
    r = client.get("/account/totp")
    assert r.status_code == 403 and "只对单位管理员开放" in text(r)


def test_my_sessions_list(app, client, county) -> None:
    # issue 4: my sessions: each browser with method and address; the current one marked
    sign_in(
        client,
        "jx-secretary",
        environ_base={"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Chrome/130 MicroMessenger/8"},
    )
    html = text(client.get("/account"))
    block = html.split('id="sz-session-list"', 1)[1].split("</ul>", 1)[0]
    assert "微信 · Android" in block and "本机" in block and "127.0.0.1" in block and "密码" in block
    assert len(session_rows(app, county.users["secretary"])) == 1
