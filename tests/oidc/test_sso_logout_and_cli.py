"""Sign-out through the IdP, the sign-in page's buttons, and `shuzhi sso` (issue 4 item 1)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from shuzhi.audit.models import AuditEvent
from shuzhi.auth import oidc
from shuzhi.auth.models import SsoProvider, UserIdentity
from shuzhi.cli import main
from shuzhi.db import db
from shuzhi.tenancy.scope import scoped
from tests.conftest import login
from tests.oidc.conftest import sign_in, signed_in_user


def test_logout_ends_the_session_and_sends_the_browser_to_end_session(
    client, idp, make_provider, linked_user
):
    # issue 4: logout_user() here, then the IdP's end_session_endpoint with id_token_hint and post_logout_redirect_uri
    make_provider()
    linked_user("zw-0101", "feng")
    sign_in(client, "zw", "zw-0101")
    with client.session_transaction() as sess:
        id_token = sess["sso"]["id_token"]
    r = client.post("/auth/sso/logout")
    assert signed_in_user(client) is None
    with client.session_transaction() as sess:
        assert "sso" not in sess
    # first a page of ours (a 302 off-site after a form POST would break CSP form-action 'self') ...
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/sso/signed-out?t=")
    r = client.get(r.headers["Location"])  # ... which moves on to the IdP by itself
    assert r.status_code == 200
    delay, _, target = r.headers["Refresh"].partition("; url=")
    assert delay == "0"
    assert target.startswith(f"{idp}/oauth2/end_session?")  # from the IdP's discovery document
    params = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://localhost/login"
    assert params["client_id"] == "shuzhi-portal"
    assert 'id="sz-sso-end-session"' in r.get_data(as_text=True)  # a link, should the refresh not happen
    # The IdP's page (it asks to confirm) and its way back to our sign-in page
    page = requests.get(target, timeout=5)
    assert page.status_code == 200
    back = requests.post(
        f"{idp}/oauth2/end_session/confirm",
        data={"redirect_uri": params["post_logout_redirect_uri"]},
        allow_redirects=False,
        timeout=5,
    )
    assert back.headers["Location"] == "http://localhost/login"


def test_signed_out_page_only_follows_addresses_we_signed(client):
    # issue 4: the hand-over to the IdP is signed: /auth/sso/signed-out is no open redirect
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-key", salt=oidc.SIGNED_OUT_SALT).dumps("https://evil.example/")
    for token in (forged, "garbage", ""):
        r = client.get("/auth/sso/signed-out", query_string={"t": token})
        assert r.status_code == 302 and r.headers["Location"] == "/login"
        assert "Refresh" not in r.headers


def test_logout_without_an_sso_session_just_signs_out(client, tenant_a):
    # issue 4: a session that did not come from an IdP has no IdP to leave
    login(client, tenant_a["user_id"])
    assert signed_in_user(client) == tenant_a["user_id"]
    r = client.post("/auth/sso/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert signed_in_user(client) is None


def test_end_session_redirect_is_none_when_the_idp_has_gone(app, client, make_provider, linked_user):
    # issue 4: an IdP that is down never keeps anyone signed in here
    make_provider()
    linked_user("zw-0102", "chu")
    sign_in(client, "zw", "zw-0102")
    with app.app_context():
        db.session.scalar(select(SsoProvider).where(SsoProvider.name == "zw")).active = False
        db.session.commit()
    r = client.post("/auth/sso/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert signed_in_user(client) is None


def test_login_buttons_for_the_sign_in_page(app, make_provider, idp):
    # issue 4: the sign-in page renders login_buttons(): label and url, `next` kept when safe
    make_provider()
    make_provider("plat", label="平台统一认证", for_tenant=False)
    with app.test_request_context("/login?next=/t/x/orgs"):
        buttons = oidc.login_buttons()
    assert buttons == [
        {"label": "平台统一认证", "url": "/auth/sso/plat/login?next=/t/x/orgs"},
        {"label": "省统一身份认证平台", "url": "/auth/sso/zw/login?next=/t/x/orgs"},
    ]
    with app.test_request_context("/login?next=https://evil.example/"):
        assert [b["url"] for b in oidc.login_buttons()] == ["/auth/sso/plat/login", "/auth/sso/zw/login"]


def test_cli_add_list_link_remove(app, county, idp, secret_env):
    # issue 4: providers are managed by `shuzhi sso`; the secret stays in the environment
    runner = app.test_cli_runner()
    add = [
        "sso", "add", "prov", "--issuer", idp, "--client-id", "portal", "--label", "省政务服务统一身份认证",
        "--tenant", county["slug"], "--secret-env", secret_env, "--auto-provision", "--default-role", "secretary",
        "--roles-claim", "groups", "--role-map", "dj-admin=tenant_admin",
    ]  # fmt: skip
    r = runner.invoke(main, add)
    assert r.exit_code == 0, r.output
    assert "/auth/sso/prov/callback" in r.output
    again = runner.invoke(main, add)
    assert again.exit_code == 1 and "已存在" in again.output
    assert runner.invoke(main, [*add, "--replace"]).exit_code == 0
    listing = runner.invoke(main, ["sso", "list"])
    assert "prov" in listing.output and f"{secret_env}（已设置）" in listing.output
    assert "自动开通：secretary" in listing.output and "s3cret" not in listing.output
    r = runner.invoke(main, ["sso", "link", "prov", "sub-1", "sso-admin"])
    assert r.exit_code == 0, r.output
    dup = runner.invoke(main, ["sso", "link", "prov", "sub-1", "sso-admin"])
    assert dup.exit_code == 0  # the same link again changes nothing
    other = runner.invoke(main, ["sso", "link", "prov", "sub-2", "sso-admin"])
    assert other.exit_code == 1 and "已关联该认证方式的另一个 subject" in other.output
    assert "sub-1\tsso-admin" in runner.invoke(main, ["sso", "links", "prov"]).output
    r = runner.invoke(main, ["sso", "remove", "prov", "--yes"])
    assert r.exit_code == 0 and "解除 1 个关联" in r.output
    with app.app_context():
        assert db.session.scalar(select(UserIdentity)) is None
    with app.app_context(), scoped(db.session, tenant_id=county["id"]):
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    # the tenant's trail says who configured its sign-in
    assert actions.count("sso.provider.save") == 2
    assert "sso.identity.link" in actions and "sso.provider.remove" in actions


def test_cli_rejects_bad_configuration(app, county):
    # issue 4: bad input is answered in Chinese and nothing is written
    runner = app.test_cli_runner()
    base = ["sso", "add"]
    cases = {
        ("Bad Name", "--issuer", "https://idp.example.cn", "--client-id", "c"): "名称只能由小写字母",
        ("x", "--issuer", "http://idp.example.cn", "--client-id", "c"): "必须使用 https",
        ("x", "--issuer", "idp.example.cn", "--client-id", "c"): "不是有效的网址",
        ("x", "--issuer", "https://idp.example.cn", "--client-id", " "): "client id",
        ("x", "--issuer", "https://idp.example.cn", "--client-id", "c", "--auto-provision"): "需要指定租户",
        ("x", "--issuer", "https://idp.example.cn", "--client-id", "c", "--scopes", "profile"): "openid",
        (
            "x",
            "--issuer",
            "https://idp.example.cn",
            "--client-id",
            "c",
            "--secret-env",
            "lower",
        ): "环境变量名",
        (
            "x",
            "--issuer",
            "https://idp.example.cn",
            "--client-id",
            "c",
            "--role-map",
            "a=boss",
        ): "不是本平台的角色",
        ("x", "--issuer", "https://idp.example.cn", "--client-id", "c", "--tenant", "nope"): "找不到该租户",
    }
    for args, message in cases.items():
        r = runner.invoke(main, [*base, *args])
        assert r.exit_code != 0 and message in r.output, (args, r.output)
    with app.app_context():
        assert db.session.scalar(select(SsoProvider)) is None
