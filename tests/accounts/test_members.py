"""A tenant admin's members page: roles and org scope, change, disable,
restore; guard rails (issue 4 item 5)."""

from __future__ import annotations

import re

import pytest

from tests.accounts.conftest import sign_in, text


@pytest.fixture
def admin(app, county):
    c = app.test_client()
    sign_in(c, "jx-admin")
    return c


def test_members_list_roles_scope_and_menu(admin, county) -> None:
    # issue 4: members with roles and org scope; the menu entry through web/nav.py
    admin.post(
        f"/t/jx/members/{county.users['secretary']}", data={"secretary": "y", "secretary_orgs": "JX01 JX02"}
    )
    html = text(admin.get("/t/jx/members"))
    assert "成员" in re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', html)
    row = html.split(f'id="member-{county.users["secretary"]}"', 1)[1].split("</tr>", 1)[0]
    assert "城关镇李书记" in row and "书记" in row and "城关镇党委、屯里镇党委" in row
    assert "jx-secretary" in row and "secretary@jx.example.cn" in row
    assert "别县赵干事" not in html  # another tenant's people are not listed


def test_member_menu_hidden_from_secretaries(app, county) -> None:
    c = app.test_client()
    sign_in(c, "jx-secretary")
    html = text(c.get("/t/jx/orgs"))
    assert "成员" not in re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', html)


def test_edit_form_shows_current_roles_with_codes(admin, county) -> None:
    admin.post(
        f"/t/jx/members/{county.users['secretary']}", data={"reviewer": "y", "reviewer_orgs": "JX01，JX90"}
    )
    html = text(admin.get(f"/t/jx/members/{county.users['secretary']}"))
    assert re.search(r'id="reviewer"[^>]*checked', html) or re.search(r'checked[^>]*id="reviewer"', html)
    assert 'value="JX01，JX90"' in html


@pytest.mark.parametrize(
    "target,data,status,message",
    [
        ("secretary", {}, 422, "至少保留一个角色"),
        ("secretary", {"secretary": "y", "secretary_orgs": "JX01, NOPE"}, 422, "找不到这些组织编码：NOPE"),
        ("admin", {"reviewer": "y"}, 409, "不能取消自己的管理员角色"),
        ("secretary", {"secretary": "y", "secretary_orgs": "x" * 3000}, 400, "内容太长"),
    ],
)
def test_role_change_bad_input(admin, county, target, data, status: int, message: str) -> None:
    # issue 4 bad input: Chinese messages, nothing changed
    r = admin.post(f"/t/jx/members/{county.users[target]}", data=data)
    assert r.status_code == status and message in text(r)
    row = (
        text(admin.get("/t/jx/members"))
        .split(f'id="member-{county.users["secretary"]}"', 1)[1]
        .split("</tr>", 1)[0]
    )
    assert "书记" in row and "评议人" not in row


def test_unknown_member_is_404(admin, county) -> None:
    assert admin.get("/t/jx/members/999999").status_code == 404
    assert admin.get(f"/t/jx/members/{county.users['outsider']}").status_code == 404


def test_last_admin_cannot_be_removed(app, admin, county) -> None:
    # issue 4: a tenant keeps at least one admin
    second = app.test_client()
    admin.post(f"/t/jx/members/{county.users['secretary']}", data={"tenant_admin": "y"})
    sign_in(second, "jx-secretary")
    assert second.post(f"/t/jx/members/{county.users['admin']}", data={"reviewer": "y"}).status_code == 302
    r = admin.post(f"/t/jx/members/{county.users['secretary']}", data={"reviewer": "y"})
    assert r.status_code == 403  # admin is no longer an admin
    r = second.post(f"/t/jx/members/{county.users['secretary']}/suspend")
    assert r.status_code == 302 and "不能停用自己" in text(second.get("/t/jx/members"))


def test_suspend_and_restore(app, admin, county) -> None:
    # issue 4: disable a member (access ends at their next request), then restore the same roles and scope
    member = app.test_client()
    sign_in(member, "jx-secretary")
    admin.post(
        f"/t/jx/members/{county.users['secretary']}", data={"secretary": "y", "secretary_orgs": "JX01"}
    )
    assert member.get("/t/jx/orgs").status_code == 200
    assert admin.post(f"/t/jx/members/{county.users['secretary']}/suspend").status_code == 302
    assert member.get("/t/jx/orgs").status_code == 404
    html = text(admin.get("/t/jx/members"))
    assert "该成员已停用" in html
    row = html.split(f'id="member-{county.users["secretary"]}"', 1)[1].split("</tr>", 1)[0]
    assert "已停用" in row and "恢复" in row
    r = admin.post(f"/t/jx/members/{county.users['secretary']}", data={"secretary": "y"})
    assert r.status_code == 409 and "请先恢复" in text(r)
    assert admin.post(f"/t/jx/members/{county.users['secretary']}/restore").status_code == 302
    assert member.get("/t/jx/orgs").status_code == 200
    row = (
        text(admin.get("/t/jx/members"))
        .split(f'id="member-{county.users["secretary"]}"', 1)[1]
        .split("</tr>", 1)[0]
    )
    assert "已停用" not in row and "城关镇党委" in row


def test_platform_admin_cannot_remove_the_last_admin(app, county) -> None:
    # issue 4: even a platform admin leaves a tenant at least one admin
    from shuzhi.db import db
    from shuzhi.tenancy import service as tenancy
    from shuzhi.tenancy.scope import scoped
    from tests.conftest import login

    with app.app_context(), scoped(db.session, platform=True):
        root = tenancy.upsert_user(db.session, username="root", display_name="平台", is_platform_admin=True)
        db.session.commit()
        root_id = root.id
    c = app.test_client()
    login(c, root_id)
    r = c.post(f"/t/jx/members/{county.users['admin']}", data={"reviewer": "y"})
    assert r.status_code == 409 and "本单位至少需要一名管理员" in text(r)
    r = c.post(f"/t/jx/members/{county.users['admin']}/suspend")
    assert "本单位至少需要一名管理员" in text(c.get("/t/jx/members"))
