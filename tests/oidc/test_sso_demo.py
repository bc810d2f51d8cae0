"""The demo's single sign-on: a local provider, 永州 configured for it, its users linked (issue 4 item 7)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import func, select

from shuzhi.auth import oidc
from shuzhi.auth.models import UserIdentity
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.demo import sso as demo_sso
from shuzhi.tenancy.models import User
from tests.oidc.conftest import sign_in, whoami


def test_demo_sso_signs_in_yongzhou_users_by_subject(app, client, monkeypatch):
    # issue 4 item 7: `shuzhi demo` serves a provider; 永州's users sign in with their subjects
    monkeypatch.setenv(oidc.default_secret_env(demo_sso.PROVIDER), "demo-secret")
    with app.app_context():
        build_demo(db.session, only=["yongzhou"])
        started = demo_sso.start(db.session)
        admin_id = db.session.scalar(select(User.id).where(User.username == "yongzhou-admin"))
    try:
        assert started.issuer.startswith("http://127.0.0.1:")
        assert [a[0] for a in started.accounts] == ["yz-admin", "yz-observer", "yz-reviewer", "yz-secretary"]
        flow = sign_in(client, demo_sso.PROVIDER, "yz-admin")
        assert flow.result.status_code == 302 and flow.result.headers["Location"].startswith("/t/yongzhou/")
        assert whoami(client) == (admin_id, f"oidc:{demo_sso.PROVIDER}")
        # auto-provisioning is off: a stranger is told to ask the admin
        client.post("/auth/sso/logout")
        stranger = sign_in(client, demo_sso.PROVIDER, "yz-someone-else")
        assert stranger.result.status_code == 403
        assert "您的账号尚未开通" in stranger.result.get_data(as_text=True)
        text = demo_sso.format_sso(started, "http://127.0.0.1:5000")
        assert "yz-secretary" in text and "yongzhou-secretary" in text and demo_sso.LABEL in text
        assert "http://127.0.0.1:5000/login" in text
    finally:
        started.stop()
    # a second start (a new port) updates the provider and keeps the links
    with app.app_context():
        again = demo_sso.start(db.session)
        try:
            provider = oidc.get_provider(db.session, demo_sso.PROVIDER)
            assert provider.issuer == again.issuer != started.issuer
            assert not provider.auto_provision
            assert db.session.scalar(select(func.count()).select_from(UserIdentity)) == 4
        finally:
            again.stop()


def test_no_mock_provider_outside_the_demo(tmp_path):
    # issue 4 item 7: only `shuzhi demo` starts a provider; the app never imports the mock
    code = textwrap.dedent(
        f"""
        import sys
        from shuzhi import create_app
        app = create_app(INSTANCE_PATH={str(tmp_path)!r})
        app.test_client().get("/login")
        assert "oidc_provider_mock" not in sys.modules, "the app imported the mock provider"
        assert "shuzhi.demo.sso" not in sys.modules
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
