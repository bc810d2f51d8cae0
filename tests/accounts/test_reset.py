"""Password reset by e-mail link: never reveals whether an address exists;
hashed, one hour, single use (issue 4 item 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shuzhi.accounts.models import LocalCredential, PasswordReset
from shuzhi.db import db, utcnow
from tests.accounts.conftest import (
    PASSWORD,
    link_in,
    outbox,
    session_rows,
    settings,
    sign_in,
    signed_in_as,
    text,
)

NEW_PASSWORD = "brand-new-secret-5"


def request_reset(client, email: str = "secretary@jx.example.cn"):
    return client.post("/password/forgot", data={"email": email})


def reset_link(app, email: str = "secretary@jx.example.cn") -> str:
    (mail,) = outbox(app, email)
    assert mail.subject == "重设密码"
    return link_in(mail.body)


def test_same_answer_whether_or_not_the_address_exists(app, client, county) -> None:
    # issue 4: the page never reveals whether an e-mail has an account
    known = request_reset(client, "secretary@jx.example.cn")
    unknown = request_reset(client, "nobody@jx.example.cn")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, a: text(r).replace(a, "ADDRESS")  # noqa: E731
    assert strip(known, "secretary@jx.example.cn") == strip(unknown, "nobody@jx.example.cn")
    assert "重设密码的链接已经发送到该邮箱" in text(known)
    assert len(outbox(app, "secretary@jx.example.cn")) == 1 and outbox(app, "nobody@jx.example.cn") == []


def test_reset_link_sets_a_new_password_and_signs_out_everywhere(app, client, county) -> None:
    # issue 4: the link is single use; the new password works, the old does not; sessions end; the lock clears
    elsewhere = app.test_client()
    sign_in(elsewhere, "jx-secretary")
    request_reset(client)
    link = reset_link(app)
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        row = db.session.scalars(select(PasswordReset)).one()
        assert row.token_hash != token and len(row.token_hash) == 64
        assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)
        cred = db.session.get(LocalCredential, county.users["secretary"])
        cred.failed_count, cred.locked_until = 9, utcnow() + timedelta(hours=1)
        db.session.commit()
    assert client.get(link).status_code == 200
    r = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 200 and "新密码已生效" in text(r)
    assert signed_in_as(elsewhere) is None
    assert [s.revoked_reason for s in session_rows(app, county.users["secretary"])] == ["password_changed"]
    assert sign_in(app.test_client(), "jx-secretary", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "jx-secretary", NEW_PASSWORD).status_code == 302


def test_reused_reset_link_is_refused(app, client, county) -> None:
    # issue 4: a reset token works once
    request_reset(client)
    link = reset_link(app)
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    r = client.get(link)
    assert r.status_code == 410 and "已经使用过" in text(r)
    r = client.post(link, data={"password": "another-secret-8", "confirm": "another-secret-8"})
    assert r.status_code == 410
    assert sign_in(app.test_client(), "jx-secretary", "another-secret-8").status_code == 401


def test_expired_reset_link_is_refused(app, client, county) -> None:
    # issue 4: a reset token lives one hour
    request_reset(client)
    link = reset_link(app)
    with app.app_context():
        row = db.session.scalars(select(PasswordReset)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 410 and "已过期" in text(r)
    assert sign_in(app.test_client(), "jx-secretary", NEW_PASSWORD).status_code == 401


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%E4%B8%AD"])
def test_unknown_reset_link(client, county, token: str) -> None:
    # issue 4 bad input: a broken link is a 404 in Chinese
    r = client.get(f"/password/reset/{token}")
    assert r.status_code == 404 and "重设密码链接无效" in text(r)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"password": "short", "confirm": "short"}, "密码至少需要 10 个字符"),
        ({"password": "jx-secretary-1", "confirm": "jx-secretary-1"}, "不能与用户名相同"),
        ({"password": NEW_PASSWORD, "confirm": "different-one-1"}, "两次输入的密码不一致"),
        ({"password": "", "confirm": ""}, "请输入新密码"),
    ],
)
def test_weak_new_password_keeps_the_link_usable(app, client, county, data, message: str) -> None:
    # issue 4 bad input: policy errors in Chinese; the link is not spent
    request_reset(client)
    link = reset_link(app)
    r = client.post(link, data=data)
    assert r.status_code in (400, 422) and message in text(r)
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 200


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 400 + "@jx.cn"])
def test_forgot_bad_input(app, client, county, email: str) -> None:
    # issue 4 bad input: malformed addresses get a Chinese message and no mail
    r = request_reset(client, email)
    assert r.status_code == 400
    assert any(m in text(r) for m in ("请输入注册时使用的邮箱", "邮箱地址格式不正确", "内容太长"))
    assert outbox(app) == []


def test_reset_requests_are_rate_limited(app, client, county) -> None:
    # issue 4: no mail-bombing an address (per address and per client)
    with settings(app, MAIL_RATE_LIMIT="2 per hour"):
        for _ in range(2):
            assert request_reset(client).status_code == 200
        # Another client address, the same mailbox: still refused (per address).
        r = app.test_client().post(
            "/password/forgot",
            data={"email": "Secretary@jx.example.cn"},
            environ_base={"REMOTE_ADDR": "10.2.2.2"},
        )
        assert r.status_code == 429 and "尝试次数过多" in text(r)
        # The same client address, another mailbox: refused too (per client).
        assert request_reset(client, "admin@jx.example.cn").status_code == 429
    assert len(outbox(app, "secretary@jx.example.cn")) == 2
