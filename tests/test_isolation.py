"""Tenant isolation (issue 3 item 4): tenant A can never read, change or delete B's rows.

Proved on both layers: the ORM filter (SQLite and PostgreSQL) and PostgreSQL's
row-level security, which also holds for raw SQL on the app's connection and
for pooled connections a previous request used for another tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from shuzhi import models
from shuzhi.orgs import service
from shuzhi.orgs.models import Org, OrgKind
from shuzhi.tenancy.models import Tenant, TenantLevel
from shuzhi.tenancy.scope import TenantMismatch, scoped, set_session_scope


def _seed(factory: sessionmaker) -> dict[str, Any]:
    """Two tenants, each with a small tree; returns their ids and one org id each."""
    out: dict[str, Any] = {}
    with factory() as s:
        for slug in ("iso-a", "iso-b"):
            with scoped(s, platform=True):
                t = Tenant(slug=slug, name=slug, level=TenantLevel.COUNTY)
                s.add(t)
                s.flush()
                tenant_id = t.id
            with scoped(s, tenant_id=tenant_id):
                root = service.create_org(s, code="root", name=f"{slug} 县委", kind=OrgKind.COMMITTEE)
                service.create_org(
                    s, code="c1", name=f"{slug} 乡镇党委", kind=OrgKind.COMMITTEE, parent_id=root.id
                )
                out[slug] = {"tenant": tenant_id, "root": root.id}
                s.commit()
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, sqlite_db, tmp_path) -> Iterator[Any]:
    """Each isolation test runs on SQLite (ORM filter) and on PostgreSQL (ORM + RLS)."""
    sdb = sqlite_db if request.param == "sqlite" else request.getfixturevalue("pg_db")
    engine = create_engine(sdb.app_url)
    factory = sessionmaker(engine)
    ids = _seed(factory)
    yield sdb, engine, factory, ids
    engine.dispose()
    sdb.truncate()


def test_orm_reads_only_own_tenant(backend) -> None:
    _, _, factory, ids = backend
    with factory() as s:
        set_session_scope(s, tenant_id=ids["iso-a"]["tenant"])
        names = s.scalars(select(Org.name)).all()
        assert sorted(names) == ["iso-a 乡镇党委", "iso-a 县委"]
        assert s.get(Org, ids["iso-b"]["root"]) is None
        assert s.scalar(select(func.count()).select_from(Org)) == 2


def test_orm_update_and_delete_cannot_reach_other_tenant(backend) -> None:
    _, _, factory, ids = backend
    b_root = ids["iso-b"]["root"]
    with factory() as s:
        set_session_scope(s, tenant_id=ids["iso-a"]["tenant"])
        res = s.execute(update(Org).where(Org.id == b_root).values(name="hacked"))
        assert res.rowcount == 0
        res = s.execute(delete(Org).where(Org.code == "c1", Org.id != ids["iso-a"]["root"]))
        assert res.rowcount == 1  # only A's own c1
        s.commit()
    with factory() as s:
        set_session_scope(s, tenant_id=ids["iso-b"]["tenant"])
        assert s.get(Org, b_root).name == "iso-b 县委"
        assert s.scalar(select(func.count()).select_from(Org)) == 2


def test_orm_refuses_writing_into_another_tenant(backend) -> None:
    _, _, factory, ids = backend
    with factory() as s:
        set_session_scope(s, tenant_id=ids["iso-a"]["tenant"])
        s.add(Org(tenant_id=ids["iso-b"]["tenant"], code="x", name="x", kind=OrgKind.BRANCH, path=b"\x01"))
        with pytest.raises(TenantMismatch):
            s.flush()


def test_no_tenant_sees_nothing(backend) -> None:
    _, _, factory, _ids = backend
    with factory() as s:
        assert s.scalars(select(Org)).all() == []


@pytest.mark.postgres
def test_rls_raw_sql_on_app_connection(pg_db) -> None:
    engine = create_engine(pg_db.app_url)
    ids = _seed(sessionmaker(engine))
    a, b = ids["iso-a"]["tenant"], ids["iso-b"]["tenant"]
    try:
        with engine.begin() as conn:
            # No tenant set: raw SQL sees nothing at all.
            assert conn.execute(text("SELECT count(*) FROM orgs")).scalar() == 0
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('shuzhi.tenant', :t, true)"), {"t": str(a)})
            assert conn.execute(text("SELECT count(*) FROM orgs")).scalar() == 2
            assert (
                conn.execute(text("SELECT count(*) FROM orgs WHERE tenant_id = :b"), {"b": b}).scalar() == 0
            )
            upd = conn.execute(text("UPDATE orgs SET name = 'hacked' WHERE tenant_id = :b"), {"b": b})
            assert upd.rowcount == 0
            dele = conn.execute(text("DELETE FROM orgs WHERE tenant_id = :b"), {"b": b})
            assert dele.rowcount == 0
        # Inserting a row for B while acting as A violates the policy's WITH CHECK.
        with pytest.raises(DBAPIError, match="row-level security"), engine.begin() as conn:
            conn.execute(text("SELECT set_config('shuzhi.tenant', :t, true)"), {"t": str(a)})
            conn.execute(
                text(
                    "INSERT INTO orgs (tenant_id, code, name, kind, path, depth, created_at, updated_at)"
                    " VALUES (:b, 'evil', 'evil', 'branch', '/0/', 0, now(), now())"
                ),
                {"b": b},
            )
        # Moving A's row into B is refused the same way.
        with pytest.raises(DBAPIError, match="row-level security"), engine.begin() as conn:
            conn.execute(text("SELECT set_config('shuzhi.tenant', :t, true)"), {"t": str(a)})
            conn.execute(text("UPDATE orgs SET tenant_id = :b"), {"b": b})
        # The app role cannot switch RLS off or claim ownership of the table.
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("ALTER TABLE orgs DISABLE ROW LEVEL SECURITY"))
        with engine.begin() as conn:
            role = conn.execute(
                text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
            assert tuple(role) == (False, False)
        with sessionmaker(engine)() as s:
            set_session_scope(s, tenant_id=b)
            assert sorted(s.scalars(select(Org.name))) == ["iso-b 乡镇党委", "iso-b 县委"]
    finally:
        engine.dispose()
        pg_db.truncate()


@pytest.mark.postgres
def test_rls_pooled_connection_does_not_carry_tenant_over(pg_db) -> None:
    # One pooled connection: B uses it, then a request with no tenant / tenant A does.
    engine = create_engine(pg_db.app_url, pool_size=1, max_overflow=0)
    ids = _seed(sessionmaker(engine))
    a, b = ids["iso-a"]["tenant"], ids["iso-b"]["tenant"]
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            conn.execute(text("SELECT set_config('shuzhi.tenant', :t, true)"), {"t": str(b)})
            assert conn.execute(text("SELECT count(*) FROM orgs")).scalar() == 2
            conn.commit()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid  # same connection
            assert conn.execute(text("SELECT count(*) FROM orgs")).scalar() == 0
            conn.rollback()
        with Session(engine) as s:
            set_session_scope(s, tenant_id=a)
            assert s.connection().execute(text("SELECT pg_backend_pid()")).scalar() == pid
            # Even without the ORM filter, the database returns only A's rows.
            rows = s.execute(select(Org.name).execution_options(skip_tenant_scope=True)).scalars().all()
            assert sorted(rows) == ["iso-a 乡镇党委", "iso-a 县委"]
    finally:
        engine.dispose()
        pg_db.truncate()


@pytest.mark.postgres
def test_every_tenant_table_has_forced_rls(pg_db) -> None:
    engine = create_engine(pg_db.owner_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                    " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
                    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            ).all()
    finally:
        engine.dispose()
    state = {name: (rls, forced, policies) for name, rls, forced, policies in rows}
    for table in models.tenant_owned_tables():
        assert state[table][0] and state[table][1], f"{table}: RLS not enabled and forced"
        assert state[table][2] >= 1, f"{table}: no policy"


def test_api_cross_tenant_ids_are_404(admin_client, tenant_a, app, make_tenant) -> None:
    """A's admin names B's org ids in A's URLs: 404, never data."""
    from shuzhi.db import db

    b = make_tenant("tenant-bb")
    with app.app_context(), scoped(db.session, tenant_id=b["id"]):
        b_org = service.create_org(db.session, code="b1", name="B 党委", kind=OrgKind.COMMITTEE)
        db.session.commit()
        b_id = b_org.id
    base = f"/api/v1/tenants/{tenant_a['slug']}"
    assert admin_client.get(f"{base}/orgs/{b_id}").status_code == 404
    assert admin_client.patch(f"{base}/orgs/{b_id}", json={"name": "x"}).status_code == 404
    assert admin_client.delete(f"{base}/orgs/{b_id}").status_code == 404
    assert admin_client.get(f"{base}/orgs/{b_id}/subtree").status_code == 404
    r = admin_client.post(
        f"{base}/orgs", json={"code": "a1", "name": "A", "kind": "committee", "parent_id": b_id}
    )
    assert r.status_code == 404
    assert admin_client.get(f"/api/v1/tenants/{b['slug']}/orgs").status_code == 404
    with app.app_context(), scoped(db.session, tenant_id=b["id"]):
        assert db.session.get(Org, b_id).name == "B 党委"
        assert db.session.scalar(select(func.count()).select_from(Org)) == 1


@pytest.mark.postgres
def test_memberships_visible_to_tenant_and_to_their_user_only(pg_db) -> None:
    from shuzhi.tenancy.models import Membership, Role, User

    engine = create_engine(pg_db.app_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    try:
        with factory() as s, scoped(s, platform=True):
            ta = Tenant(slug="m-a", name="A", level=TenantLevel.COUNTY)
            tb = Tenant(slug="m-b", name="B", level=TenantLevel.COUNTY)
            alice = User(username="alice", display_name="Alice")
            bob = User(username="bob", display_name="Bob")
            s.add_all([ta, tb, alice, bob])
            s.flush()
            s.add_all(
                [
                    Membership(tenant_id=ta.id, user_id=alice.id, role=Role.TENANT_ADMIN),
                    Membership(tenant_id=tb.id, user_id=alice.id, role=Role.OBSERVER),
                    Membership(tenant_id=tb.id, user_id=bob.id, role=Role.SECRETARY),
                ]
            )
            s.commit()
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('shuzhi.tenant', :t, true)"), {"t": str(ta.id)})
            rows = conn.execute(text("SELECT user_id FROM memberships")).scalars().all()
            assert rows == [alice.id]  # tenant A sees its own memberships only
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('shuzhi.user', :u, true)"), {"u": str(alice.id)})
            rows = conn.execute(text("SELECT tenant_id FROM memberships ORDER BY tenant_id")).scalars().all()
            assert rows == [ta.id, tb.id]  # Alice sees her own rows in every tenant, not Bob's
            # ...but cannot change them without the tenant's scope
            upd = conn.execute(text("UPDATE memberships SET role = 'tenant_admin'"))
            assert upd.rowcount == 0
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM memberships")).scalar() == 0
    finally:
        engine.dispose()
        pg_db.truncate()


def test_get_does_not_answer_from_another_tenants_identity_map(app, make_tenant) -> None:
    # issue 3 item 4 (isolation through the ORM): a session that loaded tenant A's row, then
    # acts for tenant B: get() must not hand it out
    # from the identity map (no SQL runs, so neither the ORM filter nor RLS would see it).
    from shuzhi.db import db

    a, b = make_tenant("idmap-a")["id"], make_tenant("idmap-b")["id"]
    with app.app_context():
        s = db.session
        with scoped(s, tenant_id=a):
            org = service.create_org(s, code="root", name="甲县委", kind=OrgKind.COMMITTEE)
            s.commit()
            org_id = org.id
            assert s.get(Org, org_id) is org  # its own tenant: answered
        with scoped(s, tenant_id=b):
            assert s.get(Org, org_id) is None  # in the identity map, but tenant A's
        with scoped(s, platform=True):
            assert s.get(Org, org_id) is None  # no tenant: no tenant rows, as a SELECT
        with scoped(s, tenant_id=a):
            assert s.get(Org, org_id) is org
        db.session.remove()
