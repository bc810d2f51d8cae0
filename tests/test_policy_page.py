"""The policy page (issue 5 item 8): clauses in Chinese, rules with figures, lint, tenant overrides."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shuzhi.audit.models import AuditEvent
from shuzhi.db import db
from shuzhi.tenancy import service
from shuzhi.tenancy.models import Role, Tenant
from shuzhi.tenancy.scope import scoped
from tests.conftest import login


def _adopt(app, tenant_id: int, name: str, choices=None) -> None:
    with app.app_context(), scoped(db.session, platform=True):
        t = db.session.get(Tenant, tenant_id)
        service.update_tenant(db.session, t, policy_name=name, policy_choices=choices or {})
        db.session.commit()


def _total_param(app) -> str:
    from shuzhi.plugins import hooks

    p = hooks.policy("yongzhou")
    return next(x.name for x in p.params if x.clause == "YZ-04" and x.default == 2500)


@pytest.fixture
def yz_admin(app, admin_client, tenant_a):
    _adopt(app, tenant_a["id"], "yongzhou")
    return admin_client


def test_page_shows_clauses_rules_and_lint(yz_admin, tenant_a) -> None:  # clause YZ-04
    html = yz_admin.get(f"/t/{tenant_a['slug']}/policy").get_data(as_text=True)
    assert "述职评议考核" in html and 'id="clause-YZ-04"' in html
    assert "全文不超过2500字" in html  # the rule with its figure
    assert "各项字数和比例要求可以同时满足" in html


def test_tongjia_contradiction_is_shown(app, admin_client, tenant_a) -> None:  # clause TJ-06, TJ-10
    _adopt(app, tenant_a["id"], "tongjia")
    html = admin_client.get(f"/t/{tenant_a['slug']}/policy").get_data(as_text=True)
    assert "方案原文中的矛盾" in html and "TJ-06、TJ-10 不能同时满足" in html


def test_admin_saves_override_audited(app, yz_admin, tenant_a) -> None:  # clause YZ-04
    name = _total_param(app)
    r = yz_admin.post(f"/t/{tenant_a['slug']}/policy/overrides", data={name: "2800"})
    assert r.status_code == 302
    with app.app_context(), scoped(db.session, tenant_id=tenant_a["id"]):
        assert db.session.get(Tenant, tenant_a["id"]).policy_choices == {name: "2800"}
        ev = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "policy.overrides")).one()
        assert ev.after == {name: "2800"}
    html = yz_admin.get(f"/t/{tenant_a['slug']}/policy").get_data(as_text=True)
    assert "全文不超过2800字" in html


def test_out_of_bounds_keeps_typed_value(app, yz_admin, tenant_a) -> None:
    name = _total_param(app)
    r = yz_admin.post(f"/t/{tenant_a['slug']}/policy/overrides", data={name: "50"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert re.search(rf'name="{name}" value="50"', html)
    assert "不能小于" in html
    with app.app_context(), scoped(db.session, platform=True):
        assert db.session.get(Tenant, tenant_a["id"]).policy_choices == {}


def test_impossible_override_refused(app, yz_admin, tenant_a) -> None:  # clause YZ-04
    name = _total_param(app)
    r = yz_admin.post(f"/t/{tenant_a['slug']}/policy/overrides", data={name: "1200"})
    assert r.status_code == 422
    assert "这些参数会让方案无法满足" in r.get_data(as_text=True)


def test_secretary_reads_but_cannot_change(app, client, make_tenant) -> None:
    t = make_tenant("sec-pol", role=Role.SECRETARY)
    _adopt(app, t["id"], "genhe")
    login(client, t["user_id"])
    r = client.get(f"/t/{t['slug']}/policy")
    assert r.status_code == 200 and "GH-03" in r.get_data(as_text=True)
    assert client.post(f"/t/{t['slug']}/policy/overrides", data={}).status_code == 403
    assert client.post(f"/t/{t['slug']}/policy/adopt", data={"policy": "suixi"}).status_code == 403


def test_adopt_and_choose(app, admin_client, tenant_a) -> None:
    html = admin_client.get(f"/t/{tenant_a['slug']}/policy").get_data(as_text=True)
    assert "还没有采用述职方案" in html
    r = admin_client.post(f"/t/{tenant_a['slug']}/policy/adopt", data={"policy": "suixi"})
    assert r.status_code == 302
    assert "SX-07" in admin_client.get(f"/t/{tenant_a['slug']}/policy").get_data(as_text=True)
    assert (
        admin_client.post(f"/t/{tenant_a['slug']}/policy/adopt", data={"policy": "nowhere"}).status_code
        == 404
    )
