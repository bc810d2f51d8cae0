"""API tokens for integrations (issue 4 item 5): made by tenant admins, shown once,
stored hashed, scoped, expiring, revocable, and confined to their tenant."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.auth.token_models import ApiToken
from shuzhi.db import db, utcnow
from shuzhi.orgs.models import Org
from shuzhi.tenancy.models import Membership, Role
from shuzhi.tenancy.scope import scoped
from tests.browser.seed import County, seed_county
from tests.conftest import login

BASE = "/api/v1/tenants/jx"
TOKEN_RE = re.compile(r"^szt_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def county(app) -> County:
    return seed_county(app, "jx")  # and "jx-other", the outsider's tenant


def make_token(client: Any, county: County, scopes: list[str], name: str = "人事系统", **extra: Any) -> str:
    login(client, county.users["admin"])
    r = client.post(f"{BASE}/tokens", json={"name": name, "scopes": scopes, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rows(app, county: County, model: Any) -> list[Any]:
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        # in insertion order: without ORDER BY the database may return rows in any order
        found = list(db.session.scalars(select(model).order_by(model.id)))
        db.session.expunge_all()
        return found


def count(app, county: County, model: Any) -> int:
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        return db.session.scalar(select(func.count()).select_from(model)) or 0


# --- creating -------------------------------------------------------------------


def test_token_is_shown_once_and_stored_only_as_its_hash(app, client, county) -> None:
    # issue 4 item 5: high-entropy token with the szt_ prefix; sha256 stored; shown once
    secret = make_token(client, county, ["audit.read", "orgs.read"])
    assert TOKEN_RE.match(secret)
    [token] = rows(app, county, ApiToken)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:10]
    assert token.scopes == ["orgs.read", "audit.read"]  # canonical order
    assert token.created_by_id == county.users["admin"]
    listed = client.get(f"{BASE}/tokens").get_json()
    assert [t["name"] for t in listed] == ["人事系统"] and listed[0]["status"] == "active"
    assert "token" not in listed[0] and secret not in json.dumps(listed)
    assert secret not in json.dumps(client.get(f"{BASE}/tokens/{token.id}").get_json())
    # nor anywhere in the audit trail
    trail = json.dumps(
        [(e.summary, e.before, e.after) for e in rows(app, county, AuditEvent)], ensure_ascii=False
    )
    assert secret not in trail and "创建 API 令牌“人事系统”" in trail


def test_two_tokens_differ(client, county) -> None:
    # issue 4 item 5: random tokens
    assert make_token(client, county, ["orgs.read"], "a") != make_token(client, county, ["orgs.read"], "b")


BAD_CREATE = [
    ({"name": "", "scopes": ["orgs.read"]}, 422, "提交的数据有误"),
    ({"name": "   ", "scopes": ["orgs.read"]}, 422, "请填写令牌名称。"),
    ({"name": "长" * 101, "scopes": ["orgs.read"]}, 422, "提交的数据有误"),
    ({"name": "a\x00b", "scopes": ["orgs.read"]}, 422, "令牌名称不能包含控制字符。"),
    ({"name": "x", "scopes": []}, 422, "提交的数据有误"),
    ({"name": "x", "scopes": [" "]}, 422, "请至少选择一项权限。"),
    ({"name": "x", "scopes": "orgs.read"}, 422, "提交的数据有误"),
    ({"name": "x", "scopes": ["orgs.read"] * 51}, 422, "提交的数据有误"),
    ({"name": "x", "scopes": ["nope"]}, 422, "不认识的权限：nope"),
    (
        {"name": "x", "scopes": ["orgs.read", "tokens.manage"]},
        422,
        "API 令牌不能拥有“管理 API 令牌”权限（tokens.manage）",
    ),
    ({"name": "x", "scopes": ["tenants.manage"]}, 422, "API 令牌不能拥有“开通与管理租户”权限"),
    ({"name": "x", "scopes": ["ballots.cast"]}, 422, "API 令牌不能拥有“投票测评”权限"),
    ({"name": "x", "scopes": ["orgs.read"], "expires_on": "2020-01-01"}, 422, "有效期必须晚于今天"),
    ({"name": "x", "scopes": ["orgs.read"], "expires_on": "明天"}, 422, "提交的数据有误"),
    ({"name": "x", "scopes": ["orgs.read"], "expires_on": "9999-12-31"}, 422, "有效期最长 10 年。"),
    ({"name": "x", "scopes": ["orgs.read"], "admin": True}, 422, "提交的数据有误"),
    ({"scopes": ["orgs.read"]}, 422, "提交的数据有误"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_CREATE)
def test_bad_creation_input_is_refused_in_chinese_and_writes_nothing(
    app, client, county, body: dict[str, Any], status: int, message: str
) -> None:
    # issue 4 item 5 + DESIGN "bad input is a test": clear 4xx, nothing half-written
    login(client, county.users["admin"])
    events = count(app, county, AuditEvent)
    r = client.post(f"{BASE}/tokens", json=body)
    assert r.status_code == status, r.get_json()
    assert message in r.get_json()["message"] + json.dumps(r.get_json().get("errors", {}), ensure_ascii=False)
    assert count(app, county, ApiToken) == 0
    assert count(app, county, AuditEvent) == events


def test_non_json_body_is_refused(client, county) -> None:
    # issue 4 item 5: garbage body → 4xx, not 500
    login(client, county.users["admin"])
    r = client.post(f"{BASE}/tokens", data=b"\xff\xfe<<", content_type="application/json")
    assert 400 <= r.status_code < 500


def test_duplicate_active_name_is_409_but_a_revoked_name_may_be_reused(client, county) -> None:
    # issue 4 item 5: names tell tokens apart in the audit trail ("token:<name>")
    make_token(client, county, ["orgs.read"], "同步")
    r = client.post(f"{BASE}/tokens", json={"name": "同步", "scopes": ["orgs.read"]})
    assert r.status_code == 409 and "已有一个名为“同步”的有效令牌" in r.get_json()["message"]
    token_id = client.get(f"{BASE}/tokens").get_json()[0]["id"]
    assert client.delete(f"{BASE}/tokens/{token_id}").status_code == 200
    assert client.post(f"{BASE}/tokens", json={"name": "同步", "scopes": ["orgs.read"]}).status_code == 201


def test_expiry_date_is_the_last_valid_day_china_time(app, client, county) -> None:
    # issue 4 item 5: optional expiry, a date people pick; valid through that day (UTC+8)
    day = date.today() + timedelta(days=30)
    make_token(client, county, ["orgs.read"], expires_on=day.isoformat())
    [token] = rows(app, county, ApiToken)
    stored = token.expires_at.replace(tzinfo=None) if token.expires_at.tzinfo is None else token.expires_at
    # midnight after ``day`` in China is 16:00 UTC on ``day``
    assert (stored.year, stored.month, stored.day, stored.hour) == (day.year, day.month, day.day, 16)


# --- using ------------------------------------------------------------------------


def test_token_reads_what_its_scopes_allow(app, client, county) -> None:
    # issue 4 item 5: Authorization: Bearer szt_… authenticates API requests
    secret = make_token(client, county, ["orgs.read"])
    api = app.test_client()  # no session cookie at all
    r = api.get(f"{BASE}/orgs", headers=bearer(secret))
    assert r.status_code == 200 and len(r.get_json()) == 12
    assert api.get(f"{BASE}/orgs/{county.orgs['JX01']}/subtree", headers=bearer(secret)).status_code == 200
    assert api.get(BASE, headers=bearer(secret)).get_json()["slug"] == "jx"  # its own tenant, implied


@pytest.mark.parametrize(
    ("method", "path", "body", "missing"),
    [
        (
            "post",
            "/orgs",
            {"code": "X", "name": "X", "kind": "branch"},
            "“编辑组织、人员、任职与述职关系”权限（orgs.write）",
        ),
        ("get", "/audit/events", None, "“查看审计日志”权限（audit.read）"),
        ("post", "/import", None, "“导入组织数据”权限（import.run）"),
        ("patch", "", {"name": "改名"}, "“修改本单位设置”权限（tenant.manage）"),
        ("get", "/tokens", None, "“管理 API 令牌”权限（tokens.manage）"),
    ],
)
def test_wrong_scope_is_403_naming_the_missing_permission(
    app, client, county, method: str, path: str, body: Any, missing: str
) -> None:
    # issue 4 item 5: a token with a wrong scope → 403 naming the missing permission in Chinese
    secret = make_token(client, county, ["orgs.read"])
    api = app.test_client()
    kwargs: dict[str, Any] = {"headers": bearer(secret)}
    if body is not None:
        kwargs["json"] = body
    before = count(app, county, Org)
    r = getattr(api, method)(f"{BASE}{path}", **kwargs)
    assert r.status_code == 403
    assert r.get_json()["message"] == f"该 API 令牌没有{missing}。"
    assert count(app, county, Org) == before


def test_token_with_every_grantable_scope_still_cannot_manage_tokens(app, client, county) -> None:
    # issue 4 item 5: a leaked token cannot mint its successors
    from shuzhi.auth.permissions import TOKEN_GRANTABLE

    secret = make_token(client, county, [p.value for p in TOKEN_GRANTABLE])
    api = app.test_client()
    r = api.post(f"{BASE}/tokens", headers=bearer(secret), json={"name": "y", "scopes": ["orgs.read"]})
    assert r.status_code == 403
    assert count(app, county, ApiToken) == 1


def test_token_changes_are_audited_as_the_token(app, client, county) -> None:
    # issue 4 item 5: the audit actor is "token:<name>", no user
    secret = make_token(client, county, ["orgs.read", "orgs.write"], "人事同步")
    api = app.test_client()
    r = api.post(
        f"{BASE}/orgs",
        headers=bearer(secret),
        json={"code": "JX03", "name": "壶口镇党委", "kind": "committee", "parent_id": county.orgs["JX"]},
    )
    assert r.status_code == 201
    created = [e for e in rows(app, county, AuditEvent) if e.action == "orgs.create"]
    assert created[-1].actor == "token:人事同步" and created[-1].actor_id is None
    assert created[-1].ip == "127.0.0.1"


def test_token_of_tenant_a_on_tenant_b_is_404(app, client, county) -> None:
    # issue 4 item 5: a token works in its own tenant only; elsewhere it learns nothing
    secret = make_token(client, county, ["orgs.read", "orgs.write", "audit.read"])
    api = app.test_client()
    for url in ("/api/v1/tenants/jx-other/orgs", "/api/v1/tenants/jx-other", "/api/v1/tenants/nowhere/orgs"):
        r = api.get(url, headers=bearer(secret))
        assert r.status_code == 404, url
        assert r.get_json()["message"] == "找不到该页面或记录。" or r.get_json()["code"] == 404
    r = api.post(
        "/api/v1/tenants/jx-other/orgs",
        headers=bearer(secret),
        json={"code": "E", "name": "E", "kind": "branch"},
    )
    assert r.status_code == 404
    other = {"tenant_id": None}
    with app.app_context(), scoped(db.session, platform=True):
        from shuzhi.tenancy.service import get_tenant

        other["tenant_id"] = get_tenant(db.session, "jx-other").id
    with app.app_context(), scoped(db.session, tenant_id=other["tenant_id"]):
        assert db.session.scalar(select(func.count()).select_from(Org)) == 0


def test_revoked_token_is_401(app, client, county) -> None:
    # issue 4 item 5: revocable; revoked → 401
    secret = make_token(client, county, ["orgs.read"])
    token_id = client.get(f"{BASE}/tokens").get_json()[0]["id"]
    r = client.delete(f"{BASE}/tokens/{token_id}")
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    api = app.test_client()
    r = api.get(f"{BASE}/orgs", headers=bearer(secret))
    assert r.status_code == 401 and r.get_json()["message"] == "API 令牌“人事系统”已被吊销。"
    again = client.delete(f"{BASE}/tokens/{token_id}")
    assert again.status_code == 409 and again.get_json()["message"] == "令牌“人事系统”已经吊销。"
    actions = [e.action for e in rows(app, county, AuditEvent)]
    assert "tokens.revoke" in actions


def test_expired_token_is_401(app, client, county) -> None:
    # issue 4 item 5: optional expiry; expired → 401
    secret = make_token(
        client, county, ["orgs.read"], expires_on=(date.today() + timedelta(days=2)).isoformat()
    )
    api = app.test_client()
    assert api.get(f"{BASE}/orgs", headers=bearer(secret)).status_code == 200
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        token = db.session.scalar(select(ApiToken))
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = api.get(f"{BASE}/orgs", headers=bearer(secret))
    assert r.status_code == 401 and r.get_json()["message"] == "API 令牌“人事系统”已过期。"
    login(client, county.users["admin"])
    assert client.get(f"{BASE}/tokens").get_json()[0]["status"] == "expired"


def test_token_dies_with_its_creators_admin_role(app, client, county) -> None:
    # issue 4 item 5: a token acts for a tenant admin; when they are no longer one, it stops
    secret = make_token(client, county, ["orgs.read"])
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        db.session.execute(
            delete(Membership).where(
                Membership.user_id == county.users["admin"], Membership.role == Role.TENANT_ADMIN
            )
        )
        db.session.commit()
    r = app.test_client().get(f"{BASE}/orgs", headers=bearer(secret))
    assert r.status_code == 401 and "已失效" in r.get_json()["message"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer abc", "API 令牌无效：格式不正确（应以 szt_ 开头）。"),
        ("Bearer ", "API 令牌无效：格式不正确（应以 szt_ 开头）。"),
        ("Bearer szt_short", "API 令牌无效：格式不正确（应以 szt_ 开头）。"),
        ("Bearer szt_" + "A" * 43, "API 令牌无效。"),
        ("bearer szt_" + "B" * 43, "API 令牌无效。"),
        ("Bearer szt_" + "A" * 42 + "\u00e9", "API 令牌无效：格式不正确（应以 szt_ 开头）。"),
        ("Basic dXNlcjpwYXNz", "请先登录。"),  # not a bearer token: anonymous
    ],
)
def test_bad_tokens_are_401(app, county, header: str, message: str) -> None:
    # issue 4 item 5: unknown, malformed or foreign-scheme credentials → 401 in Chinese
    r = app.test_client().get(f"{BASE}/orgs", headers={"Authorization": header})
    assert r.status_code == 401 and r.get_json()["message"] == message


def test_token_is_for_the_api_only(app, client, county) -> None:
    # issue 4 item 5: portal pages ignore the header (tokens are for integrations)
    secret = make_token(client, county, ["orgs.read"])
    r = app.test_client().get("/t/jx/orgs", headers=bearer(secret))
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")


def test_last_used_time_is_kept_without_audit_noise(app, client, county) -> None:
    # issue 4 item 5: last-used time, written at most once a minute, not an audit event
    secret = make_token(client, county, ["orgs.read"])
    events = count(app, county, AuditEvent)
    api = app.test_client()
    api.get(f"{BASE}/orgs", headers=bearer(secret))
    [first] = rows(app, county, ApiToken)
    assert first.last_used_at is not None and first.last_used_ip == "127.0.0.1"
    api.get(f"{BASE}/orgs", headers=bearer(secret))
    [second] = rows(app, county, ApiToken)
    assert second.last_used_at == first.last_used_at
    assert count(app, county, AuditEvent) == events
    login(client, county.users["admin"])
    assert client.get(f"{BASE}/tokens").get_json()[0]["last_used_at"] is not None


# --- the settings page ------------------------------------------------------------


def test_portal_creates_shows_once_and_revokes(app, client, county) -> None:
    # issue 4 item 5: portal page under the tenant's settings
    login(client, county.users["admin"])
    page = client.get("/t/jx/settings/tokens")
    assert page.status_code == 200 and "还没有令牌" in page.get_data(as_text=True)
    assert 'name="scopes" value="orgs.read"' in page.get_data(as_text=True)  # the scope checkboxes
    r = client.post(
        "/t/jx/settings/tokens",
        data={"name": "考勤系统", "scopes": ["orgs.read", "audit.read"], "expires_on": ""},
    )
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    secret = re.search(r'id="sz-token-secret" value="(szt_[^"]+)"', html).group(1)
    assert TOKEN_RE.match(secret) and "离开本页后将无法再次查看" in html
    again = client.get("/t/jx/settings/tokens").get_data(as_text=True)
    assert secret not in again and "考勤系统" in again and secret[:10] in again
    api = app.test_client()
    assert api.get(f"{BASE}/audit/events", headers=bearer(secret)).status_code == 200
    [token] = rows(app, county, ApiToken)
    r = client.post(f"/t/jx/settings/tokens/{token.id}/revoke")
    assert r.status_code == 303
    assert "已吊销令牌“考勤系统”" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert api.get(f"{BASE}/audit/events", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"name": "x"}, 422, "请至少选择一项权限。"),
        ({"name": "", "scopes": ["orgs.read"]}, 422, "请填写令牌名称。"),
        ({"name": "x", "scopes": ["tokens.manage"]}, 422, "API 令牌不能拥有“管理 API 令牌”权限"),
        ({"name": "x", "scopes": ["orgs.read"], "expires_on": "2024-13-01"}, 400, "有效期格式不正确"),
        ({"name": "x", "scopes": ["orgs.read"], "expires_on": "2000-01-01"}, 422, "有效期必须晚于今天"),
    ],
)
def test_portal_form_errors_keep_the_input_and_write_nothing(
    app, client, county, form: dict[str, Any], status: int, message: str
) -> None:
    # issue 4 item 5: bad form input → the page again with the message, nothing written
    login(client, county.users["admin"])
    r = client.post("/t/jx/settings/tokens", data=form)
    assert r.status_code == status
    html = r.get_data(as_text=True)
    assert "没有创建令牌" in html and message in html
    if form.get("name"):
        assert f'value="{form["name"]}"' in html
    assert count(app, county, ApiToken) == 0


def test_settings_page_is_admin_only(client, county) -> None:
    # issue 4 item 5: created by a tenant admin
    login(client, county.users["secretary"])
    assert client.get("/t/jx/settings/tokens").status_code == 403
    assert (
        client.post("/t/jx/settings/tokens", data={"name": "x", "scopes": ["orgs.read"]}).status_code == 403
    )
    login(client, county.users["outsider"])
    assert client.get("/t/jx/settings/tokens").status_code == 404
