"""Invitations by link: sent by a tenant admin, stored hashed, single use,
expiring; accepting creates or links the user (issue 4 item 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shuzhi.accounts.models import Invitation, LocalCredential
from shuzhi.audit.models import AuditEvent
from shuzhi.db import db, utcnow
from shuzhi.tenancy.models import Membership, Role, User
from shuzhi.tenancy.scope import scoped
from tests.accounts.conftest import link_in, outbox, sign_in, signed_in_as, text

NEW = "new.secretary@jx.example.cn"
GOOD = {
    "username": "wang.xin",
    "display_name": "王新",
    "password": "a-long-secret-77",
    "confirm": "a-long-secret-77",
}


def invite(client, email: str = NEW, role: str = "secretary", orgs: str = "JX01") -> str:
    """As the signed-in admin, invite; returns the link path from the mail."""
    r = client.post("/t/jx/members/invite", data={"email": email, "role": role, "orgs": orgs})
    assert r.status_code == 302, text(r)
    (mail, *_older) = outbox(client.application, email)
    assert mail.subject == "邀请您加入 吉县县委组织部"
    return link_in(mail.body)


@pytest.fixture
def admin(app, county):
    c = app.test_client()
    sign_in(c, "jx-admin")
    return c


def _invitations(app, county) -> list[Invitation]:
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        rows = list(db.session.scalars(select(Invitation).order_by(Invitation.id)))
        db.session.expunge_all()
        return rows


def test_invite_mail_link_and_hashed_token(app, admin, county) -> None:
    # issue 4: invitation by link; the token is random and stored hashed only; the demo/outbox shows the link
    link = invite(admin)
    token = link.rsplit("/", 1)[1]
    assert link.startswith("/invite/jx/") and len(token) >= 43
    (inv,) = _invitations(app, county)
    assert inv.email == NEW and inv.role == Role.SECRETARY and inv.org_ids == [county.orgs["JX01"]]
    assert token not in inv.token_hash and len(inv.token_hash) == 64
    assert timedelta(days=6, hours=23) < inv.expires_at - inv.created_at <= timedelta(days=7)
    page = text(admin.get("/t/jx/members"))
    assert "未配置邮件服务器" in page and link in page  # the admin sees where the mail went
    assert NEW in page.split('id="sz-pending"', 1)[1]


def test_accept_creates_the_user_and_signs_in(app, admin, county) -> None:
    # issue 4: accepting creates the user, sets the password, grants role and org scope, signs in
    link = invite(admin)
    visitor = app.test_client()
    page = visitor.get(link)
    assert page.status_code == 200
    html = text(page)
    assert "吉县县委组织部" in html and "书记" in html and "城关镇党委（JX01）" in html and NEW in html
    r = visitor.post(link, data=GOOD)
    assert r.status_code == 302 and r.headers["Location"] == "/t/jx/my/steps"
    assert signed_in_as(visitor) == "wang.xin"
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        user = db.session.scalar(select(User).where(User.username == "wang.xin"))
        assert user.email == NEW and user.display_name == "王新"
        (m,) = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
        assert m.role == Role.SECRETARY and m.org_ids == [county.orgs["JX01"]]
        assert db.session.get(LocalCredential, user.id).password_hash.startswith("$argon2id$")
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert "invitation.sent" in actions and "invitation.accepted" in actions
    # The new password signs in from another browser.
    assert sign_in(app.test_client(), "wang.xin", "a-long-secret-77").status_code == 302


def test_reused_invitation_is_refused(app, admin, county) -> None:
    # issue 4: single use — a second visit (or a second account) is refused in Chinese
    link = invite(admin)
    app.test_client().post(link, data=GOOD)
    again = app.test_client()
    r = again.get(link)
    assert r.status_code == 410 and "该邀请已经被接受过" in text(r)
    r = again.post(link, data={**GOOD, "username": "second.try"})
    assert r.status_code == 410
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "second.try")) is None


def test_expired_invitation_is_refused(app, admin, county) -> None:
    # issue 4: expired links are refused (7 days)
    link = invite(admin)
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        inv = db.session.scalars(select(Invitation)).one()
        inv.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    r = app.test_client().post(link, data=GOOD)
    assert r.status_code == 410 and "该邀请已过期" in text(r)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "wang.xin")) is None


def test_a_newer_invitation_replaces_the_older(app, admin, county) -> None:
    # issue 4: inviting the same address again revokes the earlier link
    first = invite(admin)
    second = invite(admin, role="reviewer")
    assert first != second
    r = app.test_client().get(first)
    assert r.status_code == 410 and "已被撤销" in text(r)
    assert app.test_client().get(second).status_code == 200


def test_revoked_invitation_is_refused(app, admin, county) -> None:
    # issue 4: the admin can withdraw a pending invitation
    link = invite(admin)
    (inv,) = _invitations(app, county)
    assert admin.post(f"/t/jx/members/invitations/{inv.id}/revoke").status_code == 302
    assert app.test_client().get(link).status_code == 410


@pytest.mark.parametrize(
    "path", ["/invite/jx/not-a-real-token", "/invite/no-such-tenant/abc", "/invite/jx/%00"]
)
def test_unknown_invitation_links(client, county, path: str) -> None:
    # issue 4 bad input: a broken or foreign link is a 404 in Chinese
    r = client.get(path)
    assert r.status_code == 404 and "邀请链接无效" in text(r)


def test_invitation_of_another_tenant_does_not_open_here(app, admin, county) -> None:
    # issue 4: a link's token only works under its own tenant
    link = invite(admin)
    token = link.rsplit("/", 1)[1]
    assert app.test_client().get(f"/invite/jx-other/{token}").status_code == 404


@pytest.mark.parametrize(
    "change,message",
    [
        ({"password": "short", "confirm": "short"}, "密码至少需要 10 个字符"),
        ({"password": "wang.xin-pass", "confirm": "wang.xin-pass"}, "不能与用户名相同，也不能包含用户名"),
        ({"password": "1234567890", "confirm": "1234567890"}, "这个密码太常见"),
        ({"confirm": "something-else-1"}, "两次输入的密码不一致"),
        ({"username": "x"}, "用户名为 3–64 个字符"),
        ({"username": "bad name!"}, "用户名为 3–64 个字符"),
        ({"username": "jx-admin"}, "该用户名已被使用"),
        ({"username": "JX-ADMIN"}, "该用户名已被使用"),
        ({"display_name": ""}, "请填写姓名"),
        ({"username": "u" * 500}, "内容太长"),
    ],
)
def test_accept_bad_input_writes_nothing(app, admin, county, change, message: str) -> None:
    # issue 4 bad input: a clear Chinese message, what was typed kept (not the password), nothing half-written
    link = invite(admin)
    visitor = app.test_client()
    r = visitor.post(link, data={**GOOD, **change})
    assert r.status_code in (400, 422) and message in text(r)
    html = text(r)
    if len(GOOD["display_name"]) and "display_name" not in change:
        assert 'value="王新"' in html
    assert "a-long-secret-77" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 3
    assert _invitations(app, county)[0].accepted_at is None
    assert visitor.post(link, data=GOOD).status_code == 302  # the link still works


def test_existing_account_links_after_signing_in(app, admin, county) -> None:
    # issue 4: an invitation to an address that has an account links that user (after they sign in)
    link = invite(admin, email="outsider@jx.example.cn", role="reviewer", orgs="")
    visitor = app.test_client()
    r = visitor.get(link)
    assert "该邮箱已经有账号" in text(r) and f"/login?next={link}" in text(r).replace("&amp;", "&")
    sign_in(visitor, "jx-secretary")  # the wrong person
    r = visitor.post(link)
    assert r.status_code == 200 and "该邀请是发给 outsider@jx.example.cn 的" in text(r)
    outsider = app.test_client()
    r = sign_in(outsider, "jx-outsider", next=link)
    assert r.headers["Location"] == link
    r = outsider.post(link)
    assert r.status_code == 302 and r.headers["Location"] == "/t/jx/my/reporters"  # a reviewer
    assert outsider.get("/t/jx/orgs").status_code == 200
    assert outsider.get("/t/jx-other/orgs").status_code == 200  # their own tenant stays


@pytest.mark.parametrize(
    "data,status,message",
    [
        ({"email": "not-an-email", "role": "secretary"}, 400, "邮箱地址格式不正确"),
        ({"email": "", "role": "secretary"}, 400, "请输入被邀请人的邮箱"),
        ({"email": "a@b.cn", "role": "emperor"}, 400, "请选择角色"),
        (
            {"email": "a@b.cn", "role": "secretary", "orgs": "JX01, NOPE, ZZZ"},
            422,
            "找不到这些组织编码：NOPE、ZZZ",
        ),
        ({"email": "secretary@jx.example.cn", "role": "secretary"}, 409, "已经是本单位的成员"),
        ({"email": "x" * 300 + "@b.cn", "role": "secretary"}, 400, "内容太长"),
    ],
)
def test_invite_bad_input(app, admin, county, data, status: int, message: str) -> None:
    # issue 4 bad input: the invite form answers in Chinese and sends nothing
    r = admin.post("/t/jx/members/invite", data=data)
    assert r.status_code == status and message in text(r)
    assert outbox(app) == [] and _invitations(app, county) == []


def test_only_tenant_admins_invite(app, county) -> None:
    # issue 4: members pages are for tenant admins
    c = app.test_client()
    sign_in(c, "jx-secretary")
    assert c.get("/t/jx/members").status_code == 403
    assert c.post("/t/jx/members/invite", data={"email": "a@b.cn", "role": "tenant_admin"}).status_code == 403
    assert outbox(app) == []
