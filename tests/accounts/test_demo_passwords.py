"""The demo's local passwords: every tenant but the single sign-on one, printed
by ``shuzhi demo``, stable across runs (issue 4 item 7)."""

from __future__ import annotations

from sqlalchemy import select

from shuzhi.accounts import passwords
from shuzhi.accounts.models import LocalCredential
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.demo.command import format_summary
from shuzhi.demo.passwords import CHANGED, demo_password, set_demo_passwords
from shuzhi.tenancy.models import User
from tests.accounts.conftest import sign_in


def test_demo_passwords_for_local_tenants_only(app, client) -> None:
    # issue 4 item 7: tenants other than the SSO one get local accounts with printed passwords
    with app.app_context():
        summary = build_demo(db.session, only=["tongjia", "yongzhou"])
        printed = set_demo_passwords(db.session, "k", summary, skip_tenants={"yongzhou"})
        assert set(printed) == {
            "tongjia-admin",
            "tongjia-reviewer",
            "tongjia-secretary",
            "tongjia-observer",
            "platform-admin",
        }
        assert (
            printed["tongjia-admin"]
            == demo_password("k", "tongjia-admin")
            != demo_password("k", "tongjia-reviewer")
        )
        assert not passwords.policy_errors(printed["tongjia-admin"], "tongjia-admin")
        yz = db.session.scalars(select(User.id).where(User.username.like("yongzhou-%"))).all()
        assert yz and all(db.session.get(LocalCredential, i) is None for i in yz)
        text = format_summary(summary, "sqlite://", printed)
        assert f"密码 password: {printed['tongjia-secretary']}" in text
        assert "yongzhou-admin" in text and demo_password("k", "yongzhou-admin") not in text
    assert sign_in(client, "tongjia-secretary", printed["tongjia-secretary"]).status_code == 302


def test_second_run_prints_the_same_and_respects_changes(app) -> None:
    # issue 4 item 7: idempotent; a password changed in the portal is not overwritten
    with app.test_request_context():
        summary = build_demo(db.session, only=["tongjia"])
        first = set_demo_passwords(db.session, "k", summary)
        user = db.session.scalar(select(User).where(User.username == "tongjia-admin"))
        from shuzhi.accounts import service

        service.set_password(user, "my-own-secret-1")
        db.session.commit()
        second = set_demo_passwords(db.session, "k", summary)
    assert second["tongjia-admin"] == CHANGED
    assert {k: v for k, v in second.items() if k != "tongjia-admin"} == {
        k: v for k, v in first.items() if k != "tongjia-admin"
    }
