"""OIDC single sign-on against a real local provider (issue 4 item 1)."""

from __future__ import annotations

import logging
import socket
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from shuzhi.audit.models import AuditEvent
from shuzhi.auth.models import SsoProvider, UserIdentity
from shuzhi.db import db
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped
from tests.oidc.conftest import SECRET, set_claims, sign_in, signed_in_user, whoami


def _events(app, tenant_id: int, action: str) -> list[AuditEvent]:
    with app.app_context(), scoped(db.session, tenant_id=tenant_id):
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        for r in rows:
            db.session.expunge(r)
        return rows


def test_whole_flow_signs_in_the_linked_user_and_returns_to_next(
    app, client, county, make_provider, linked_user
):
    # issue 4: code flow through the IdP, user found by (provider, subject), back to `next`
    make_provider()
    user_id = linked_user("zw-0001", "zhang")
    target = f"/t/{county['slug']}/orgs"
    flow = sign_in(client, "zw", "zw-0001", next=target)
    assert flow.result.status_code == 302, flow.result.get_data(as_text=True)
    assert flow.result.headers["Location"] == target
    assert whoami(client) == (user_id, "oidc:zw")
    with client.session_transaction() as sess:
        assert sess["sso"]["provider"] == "zw" and sess["sso"]["id_token"]
    with app.app_context():
        identity = db.session.scalar(select(UserIdentity).where(UserIdentity.subject == "zw-0001"))
        assert identity.last_login_at is not None
    events = _events(app, county["id"], "auth.sign_in")  # login_user's event, in the user's tenant
    assert len(events) == 1 and events[0].actor_id == user_id and events[0].summary == "oidc:zw"


def test_authorize_url_uses_pkce_s256_nonce_and_state(client, make_provider):
    # issue 4: PKCE S256, nonce, state in the authorization request
    make_provider()
    flow = sign_in(client, "zw", "whoever", finish=False)
    params = flow.authorize_params
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256
    assert params["nonce"] and params["state"]
    assert params["client_id"] == "shuzhi-portal"
    assert params["redirect_uri"] == "http://localhost/auth/sso/zw/callback"
    assert set(params["scope"].split()) == {"openid", "profile", "email"}
    assert parse_qs(urlsplit(flow.callback_url).query)["state"] == [params["state"]]


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_next_cannot_send_the_user_to_another_site(client, county, make_provider, linked_user):
    # issue 4: `next` survives the round trip only as a path on this site (no open redirect)
    make_provider()
    linked_user("zw-0002", "li")
    for evil in ("https://evil.example/x", "//evil.example/x", "/\\evil.example"):
        flow = sign_in(client, "zw", "zw-0002", next=evil)
        assert flow.result.status_code == 302
        assert flow.result.headers["Location"] == f"/t/{county['slug']}/my/steps"  # the user's landing page


def test_wrong_state_is_refused(client, make_provider, linked_user):
    # issue 4: the state is bound to this browser's session
    make_provider()
    linked_user("zw-0003", "wang")
    flow = sign_in(client, "zw", "zw-0003", finish=False)
    forged = flow.callback_url.replace("state=", "state=x")
    r = client.get(forged)
    assert r.status_code == 400
    assert "登录请求已失效" in _page(r) and 'id="sz-back"' in _page(r)
    assert signed_in_user(client) is None


def test_callback_in_another_browser_is_refused(app, client, make_provider, linked_user):
    # issue 4: a code and state caught from someone else's browser are worth nothing here
    make_provider()
    linked_user("zw-0003", "wang")
    flow = sign_in(client, "zw", "zw-0003", finish=False)
    other = app.test_client()
    r = other.get(flow.callback_url)
    assert r.status_code == 400 and "登录请求已失效" in _page(r)
    assert signed_in_user(other) is None


def test_replayed_callback_and_replayed_code_are_refused(client, make_provider, linked_user):
    # issue 4: an authorization code works once
    make_provider()
    linked_user("zw-0004", "zhao")
    flow = sign_in(client, "zw", "zw-0004")
    assert flow.result.status_code == 302
    # the same callback again: its state was used up
    again = client.get(flow.callback_url)
    assert again.status_code == 400 and "登录请求已失效" in _page(again)
    # the old code under a fresh, valid state: the IdP refuses it
    client.post("/auth/sso/logout")
    fresh = sign_in(client, "zw", "zw-0004", finish=False)
    state = parse_qs(urlsplit(fresh.callback_url).query)["state"][0]
    code = parse_qs(urlsplit(flow.callback_url).query)["code"][0]
    r = client.get(f"/auth/sso/zw/callback?code={code}&state={state}")
    assert r.status_code == 400
    assert "登录凭据已失效" in _page(r)
    assert signed_in_user(client) is None


def test_id_token_from_another_issuer_is_refused(app, client, idp, county, make_provider, linked_user):
    # issue 4: the id token's iss must be the configured issuer (authlib checks it)
    make_provider()
    linked_user("zw-0005", "qian")
    set_claims(idp, "zw-0005", {"iss": "https://evil.example"})
    flow = sign_in(client, "zw", "zw-0005")
    assert flow.result.status_code == 400
    assert "身份令牌未通过校验" in _page(flow.result)
    assert signed_in_user(client) is None
    refused = _events(app, county["id"], "auth.sso.refused")
    assert [e.summary for e in refused] == ["统一身份认证：身份令牌未通过校验"]


def test_discovery_naming_another_issuer_is_refused(client, idp, make_provider):
    # issue 4: the metadata must name the issuer we registered (OIDC Discovery 4.3)
    port = urlsplit(idp).port
    make_provider(
        issuer=f"http://localhost:{port}", metadata_url=f"{idp}/.well-known/openid-configuration"
    )  # the IdP calls itself http://127.0.0.1:<port>
    r = client.get("/auth/sso/zw/login")
    assert r.status_code == 502
    assert "签发方与本平台登记的不一致" in _page(r)


def test_nonce_mismatch_is_refused(client, idp, make_provider, linked_user):
    # issue 4: the id token must carry the nonce this session sent
    make_provider()
    linked_user("zw-0006", "sun")
    set_claims(idp, "zw-0006", {"nonce": "replayed-from-elsewhere"})
    flow = sign_in(client, "zw", "zw-0006")
    assert flow.result.status_code == 400 and "身份令牌未通过校验" in _page(flow.result)
    assert signed_in_user(client) is None


def test_disabled_user_is_refused(app, client, county, make_provider, linked_user):
    # issue 4: a disabled user does not sign in, whatever the IdP says
    make_provider()
    user_id = linked_user("zw-0007", "zhou")
    with app.app_context(), scoped(db.session, platform=True):
        db.session.get(User, user_id).active = False
        db.session.commit()
    flow = sign_in(client, "zw", "zw-0007")
    assert flow.result.status_code == 403
    assert "账号已停用" in _page(flow.result)
    assert signed_in_user(client) is None
    refused = _events(app, county["id"], "auth.sso.refused")
    assert refused[-1].actor_id == user_id and refused[-1].summary == "统一身份认证：已停用的账号尝试登录"


def test_idp_denial_gives_a_clear_page(client, make_provider):
    # issue 4: access_denied from the IdP: a Chinese page with a way back, not a 500
    make_provider()
    flow = sign_in(client, "zw", "anyone", finish=False, action="deny")
    r = client.get(flow.callback_url)
    assert r.status_code == 403
    page = _page(r)
    assert "登录已取消" in page and 'href="/login"' in page and 'id="sz-sso-retry"' in page


def test_unreachable_idp_gives_a_clear_page(client, make_provider):
    # issue 4: an IdP that does not answer: 502 with a Chinese explanation
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nobody listens there
    make_provider(issuer=f"http://127.0.0.1:{port}")
    r = client.get("/auth/sso/zw/login")
    assert r.status_code == 502
    assert "暂时无法连接统一身份认证平台" in _page(r)


def test_unknown_or_disabled_provider_is_404(app, client, make_provider):
    # issue 4: a name that is no (active) provider
    assert client.get("/auth/sso/nope/login").status_code == 404
    make_provider()
    with app.app_context():
        db.session.scalar(select(SsoProvider).where(SsoProvider.name == "zw")).active = False
        db.session.commit()
    r = client.get("/auth/sso/zw/login")
    assert r.status_code == 404 and "找不到该登录方式" in _page(r)


def test_missing_secret_is_a_configuration_page_and_the_secret_never_leaks(
    app, client, monkeypatch, make_provider, linked_user, caplog
):
    # issue 4: the secret comes from the environment, is sent, and is never logged or stored
    make_provider()
    linked_user("zw-0008", "wu")
    caplog.set_level(logging.DEBUG)
    flow = sign_in(client, "zw", "zw-0008")
    assert flow.result.status_code == 302
    assert SECRET not in caplog.text
    with app.app_context():
        row = db.session.execute(select(SsoProvider.__table__)).one()
        assert SECRET not in repr(tuple(row))
    monkeypatch.delenv("SHUZHI_OIDC_ZW_SECRET")
    r = client.get("/auth/sso/zw/login")
    assert r.status_code == 503 and "尚未配置完成" in _page(r)
