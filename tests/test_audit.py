"""The audit trail: every change recorded in its transaction, hash-chained per tenant (issue 4 item 5)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from shuzhi.audit.cli import audit
from shuzhi.audit.models import AuditEvent
from shuzhi.audit.service import Actor, record, set_actor, verify
from shuzhi.db import db
from shuzhi.orgs import service
from shuzhi.orgs.models import OrgKind
from shuzhi.tenancy.scope import scoped


def _events(app, tenant_id):
    with app.app_context(), scoped(db.session, tenant_id=tenant_id):
        return [
            (e.seq, e.action, e.actor, e.before, e.after)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        ]


def test_api_change_is_audited_with_actor_and_before_after(admin_client, tenant_a, app) -> None:
    base = f"/api/v1/tenants/{tenant_a['slug']}"
    org = admin_client.post(
        f"{base}/orgs", json={"code": "r", "name": "县委", "kind": "committee"}
    ).get_json()
    admin_client.patch(f"{base}/orgs/{org['id']}", json={"name": "中共某县委员会"})
    events = [e for e in _events(app, tenant_a["id"]) if e[1].startswith("orgs.")]
    actions = [e[1] for e in events]
    assert actions[0] == "orgs.create" and "orgs.update" in actions
    upd = next(e for e in events if e[1] == "orgs.update" and "name" in (e[4] or {}))
    assert upd[2] == "tenant-a-admin"
    assert upd[3]["name"] == "县委" and upd[4]["name"] == "中共某县委员会"


def test_failed_request_leaves_no_event(admin_client, tenant_a, app) -> None:
    base = f"/api/v1/tenants/{tenant_a['slug']}"
    admin_client.post(f"{base}/orgs", json={"code": "r", "name": "县委", "kind": "committee"})
    before = len(_events(app, tenant_a["id"]))
    r = admin_client.post(f"{base}/orgs", json={"code": "r", "name": "重复", "kind": "committee"})
    assert r.status_code == 409
    assert len(_events(app, tenant_a["id"])) == before


def test_chains_are_per_tenant(app, tenant_a, tenant_b) -> None:
    for t in (tenant_a, tenant_b):
        with app.app_context(), scoped(db.session, tenant_id=t["id"]):
            set_actor(db.session, Actor(None, "cli:test"))
            service.create_org(db.session, code="x", name="x", kind=OrgKind.BRANCH)
            record(db.session, "import", summary="导入 1 个组织")
            db.session.commit()
    a, b = _events(app, tenant_a["id"]), _events(app, tenant_b["id"])
    assert [e[0] for e in a] == list(range(1, len(a) + 1))
    assert [e[0] for e in b] == list(range(1, len(b) + 1))
    with app.app_context(), scoped(db.session, tenant_id=tenant_a["id"]):
        assert verify(db.session, tenant_a["id"]) == []


def _tamper(scratch_db, sql: str, params: dict) -> None:
    # The owner can change rows (the app role cannot); this is what verify must catch.
    engine = create_engine(scratch_db.owner_url)
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("UPDATE audit_events SET summary = '改过了' WHERE tenant_id = :t AND seq = 2", "被修改"),
        ("DELETE FROM audit_events WHERE tenant_id = :t AND seq = 2", "被删除"),
        (
            "DELETE FROM audit_events WHERE tenant_id = :t AND seq = (SELECT max(seq) FROM audit_events WHERE tenant_id = :t)",
            "末尾",
        ),
    ],
)
def test_audit_verify_detects_tampering(app, tenant_a, scratch_db, sql, problem) -> None:
    with app.app_context(), scoped(db.session, tenant_id=tenant_a["id"]):
        for i in range(3):
            service.create_org(db.session, code=f"o{i}", name=f"组织{i}", kind=OrgKind.BRANCH)
        db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(audit, ["verify", "--tenant", tenant_a["slug"]])
    assert ok.exit_code == 0, ok.output
    _tamper(scratch_db, sql, {"t": tenant_a["id"]})
    res = runner.invoke(audit, ["verify", "--tenant", tenant_a["slug"]])
    assert res.exit_code == 1
    assert problem in res.output


@pytest.mark.postgres
def test_app_role_cannot_edit_or_delete_audit_rows(pg_db) -> None:
    engine = create_engine(pg_db.app_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(select(func.count()).select_from(AuditEvent.__table__)).scalar() == 0
        for stmt in ("UPDATE audit_events SET summary = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
                conn.execute(text(stmt))
    finally:
        engine.dispose()
