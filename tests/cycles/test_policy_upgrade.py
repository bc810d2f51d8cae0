"""A running campaign keeps its pinned policy; an admin sees a newer plugin version's
changes and adopts them only with a reason, audited (issue 5 item 5; clause CO-01)."""

from __future__ import annotations

from sqlalchemy import select

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles.models import Campaign
from shuzhi.db import db
from shuzhi.policy.models import PolicyPin
from shuzhi.tenancy.scope import scoped

from .test_api import API, _as


def test_campaign_policy_upgrade_needs_a_reason_and_is_audited(app, client, demo) -> None:
    gh = demo("genhe")
    _as(client, "genhe", "admin")
    cid = client.post(f"{API.format(slug='genhe')}/campaigns", json={"year": 2023}).json["id"]
    page = f"/t/genhe/campaigns/{cid}/policy"
    assert "已是插件当前的方案版本" in client.get(page).get_data(as_text=True)

    # (The demo fixture keeps an app context open; requests share its session, so the
    # test writes through that same session.)
    # Pretend the campaign was pinned under an older plugin release with another version and limit.
    with scoped(db.session, tenant_id=gh.id):
        pin = db.session.get(PolicyPin, db.session.get(Campaign, cid).pin_id)
        old_id = pin.id
        assert 'version = "' in pin.source
        pin.source = pin.source.replace(f'version = "{pin.policy_version}"', 'version = "2023.0"', 1)
        pin.source = pin.source.replace('name = "坚强堡垒模范支部创建"', 'name = "模范支部创建"', 1)
        pin.policy_version = "2023.0"
        db.session.commit()

    html = client.get(page).get_data(as_text=True)
    assert "插件已有新版本：2023.0 →" in html and 'id="sz-upgrade-changes"' in html

    r = client.post(f"{page}/upgrade", data={"reason": "  "})
    assert r.status_code == 422 and "请写明采用新版本方案的理由" in r.get_data(as_text=True)
    with scoped(db.session, tenant_id=gh.id):
        assert db.session.get(Campaign, cid).pin_id == old_id  # nothing half-written

    r = client.post(f"{page}/upgrade", data={"reason": "市委直属机关工委通知"})
    assert r.status_code == 302
    with scoped(db.session, tenant_id=gh.id):
        c = db.session.get(Campaign, cid)
        new = db.session.get(PolicyPin, c.pin_id)
        assert new.id != old_id and new.supersedes_id == old_id and new.reason == "市委直属机关工委通知"
        ev = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "policy.upgrade")).one()
        assert ev.actor == "genhe-admin" and "2023.0 →" in ev.summary
    assert "已是插件当前的方案版本" in client.get(page).get_data(as_text=True)


def test_secretary_cannot_see_or_upgrade(app, client, demo) -> None:
    demo("genhe")
    _as(client, "genhe", "admin")
    cid = client.post(f"{API.format(slug='genhe')}/campaigns", json={"year": 2023}).json["id"]
    client.post("/logout")
    _as(client, "genhe", "secretary")
    assert client.get(f"/t/genhe/campaigns/{cid}/policy").status_code == 403
    assert client.post(f"/t/genhe/campaigns/{cid}/policy/upgrade", data={"reason": "x"}).status_code == 403
