"""Who an SSO sign-in becomes: linked users, auto-provisioning, e-mail never a key (issue 4 item 1)."""

from __future__ import annotations

from sqlalchemy import func, select

from shuzhi.auth import user_roles
from shuzhi.auth.models import UserIdentity
from shuzhi.db import db
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.oidc.conftest import get_user, set_claims, sign_in, signed_in_user


def _count(app, model) -> int:
    with app.app_context(), scoped(db.session, platform=True):
        return db.session.scalar(select(func.count()).select_from(model))


def _roles(app, user_id: int, tenant_id: int) -> set[Role]:
    with app.app_context():
        return set(user_roles(db.session.get(User, user_id), db.session.get(Tenant, tenant_id)))


def test_unknown_subject_without_auto_provisioning_asks_for_the_admin(
    app, client, idp, county, make_provider
):
    # issue 4: auto-provisioning off (the default): nobody is created; the page says whom to ask and what to tell
    make_provider()
    set_claims(idp, "zw-new-1", {"name": "新同志", "email": "new@example.cn"})
    users = _count(app, User)
    flow = sign_in(client, "zw", "zw-new-1")
    r = flow.result
    page = r.get_data(as_text=True)
    assert r.status_code == 403
    assert "您的账号尚未开通" in page and "请联系本单位的管理员为您开通" in page
    assert "zw-new-1" in page and "省统一身份认证平台" in page  # what to tell the admin
    assert _count(app, User) == users and _count(app, UserIdentity) == 0
    assert signed_in_user(client) is None


def test_unknown_subject_with_auto_provisioning_creates_the_user_with_the_default_role(
    app, client, idp, county, make_provider
):
    # issue 4: auto-provisioning on: the first sign-in creates the user in the tenant, default role
    make_provider(auto_provision=True, default_role=Role.SECRETARY)
    set_claims(idp, "zw-new-2", {"name": "李书记", "email": "li@example.cn"})
    flow = sign_in(client, "zw", "zw-new-2")
    assert flow.result.status_code == 302
    user = get_user(app, username="zw:zw-new-2")
    assert user is not None and user.display_name == "李书记" and user.email == "li@example.cn"
    assert signed_in_user(client) == user.id
    assert _roles(app, user.id, county["id"]) == {Role.SECRETARY}
    assert flow.result.headers["Location"] == f"/t/{county['slug']}/my/steps"  # a secretary's dashboard
    # the second time, the same user (found by subject), nothing new
    client.post("/auth/sso/logout")
    users = _count(app, User)
    again = sign_in(client, "zw", "zw-new-2")
    assert again.result.status_code == 302 and signed_in_user(client) == user.id
    assert _count(app, User) == users


def test_auto_provisioning_maps_the_roles_claim(app, client, idp, county, make_provider):
    # issue 4: optional roles claim, mapped to our roles, at provisioning
    make_provider(
        auto_provision=True, roles_claim="groups", role_map={"dj-review": "reviewer", "dj-look": "observer"}
    )
    set_claims(idp, "zw-new-3", {"name": "赵组长", "groups": ["dj-review", "dj-look", "unrelated"]})
    flow = sign_in(client, "zw", "zw-new-3")
    assert flow.result.status_code == 302
    user = get_user(app, username="zw:zw-new-3")
    assert _roles(app, user.id, county["id"]) == {Role.REVIEWER, Role.OBSERVER}


def test_local_user_with_the_same_email_is_not_linked(app, client, idp, county, make_provider):
    # issue 4: an e-mail is never a key: the local account is not taken over
    make_provider()
    with app.app_context(), scoped(db.session, platform=True):
        local = tenancy.upsert_user(
            db.session, username="local-li", display_name="本地账号", email="li@example.cn"
        )
        tenancy.grant(db.session, db.session.get(Tenant, county["id"]), local, Role.TENANT_ADMIN)
        db.session.commit()
    set_claims(idp, "zw-attacker", {"name": "李某", "email": "li@example.cn", "email_verified": True})
    flow = sign_in(client, "zw", "zw-attacker")
    assert flow.result.status_code == 403 and "您的账号尚未开通" in flow.result.get_data(as_text=True)
    assert signed_in_user(client) is None
    assert _count(app, UserIdentity) == 0


def test_auto_provisioning_refuses_an_email_that_belongs_to_another_account(
    app, client, idp, county, make_provider
):
    # issue 4: with auto-provisioning on, the same e-mail is neither linked nor duplicated
    make_provider(auto_provision=True)
    with app.app_context(), scoped(db.session, platform=True):
        tenancy.upsert_user(db.session, username="local-wu", display_name="本地账号", email="Wu@Example.cn")
        db.session.commit()
    users = _count(app, User)
    set_claims(idp, "zw-wu", {"name": "吴某", "email": "wu@example.cn"})
    flow = sign_in(client, "zw", "zw-wu")
    page = flow.result.get_data(as_text=True)
    assert flow.result.status_code == 409 and "需要管理员关联账号" in page and "zw-wu" in page
    assert _count(app, User) == users and _count(app, UserIdentity) == 0
    assert signed_in_user(client) is None


def test_admin_link_then_sign_in(app, client, idp, county, make_provider):
    # issue 4: the admin links the subject to the existing local user; then SSO signs that user in
    make_provider()
    with app.app_context(), scoped(db.session, platform=True):
        local = tenancy.upsert_user(
            db.session, username="local-he", display_name="何同志", email="he@example.cn"
        )
        tenancy.grant(db.session, db.session.get(Tenant, county["id"]), local, Role.OBSERVER)
        db.session.commit()
        local_id = local.id
    runner = app.test_cli_runner()
    from shuzhi.cli import main

    r = runner.invoke(main, ["sso", "link", "zw", "zw-he", "local-he"])
    assert r.exit_code == 0, r.output
    flow = sign_in(client, "zw", "zw-he")
    assert flow.result.status_code == 302 and signed_in_user(client) == local_id
