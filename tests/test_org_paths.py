"""Ordinal org paths (ADR 0015, issue 3 item 13): the rank codes, subtrees and ancestors across
code-length boundaries and moves, and the migration that converts id paths."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert, inspect, text, update
from sqlalchemy.engine import make_url

from shuzhi import migrate
from shuzhi.db import db
from shuzhi.errors import ValidationFailed
from shuzhi.orgs import paths, service
from shuzhi.orgs.models import Org, OrgKind
from shuzhi.tenancy.models import Tenant
from shuzhi.tenancy.scope import scoped

from .conftest import PG_ADMIN_URL, PG_UP, need

# the boundaries the bench's varint had (126/127/128, 16383/16384) and this code's own
# (127/128: one byte to two; 16511/16512: two to three; 2113663/2113664: three to four)
BOUNDARY_RANKS = [1, 2, 126, 127, 128, 129, 255, 383, 384, 16383, 16384, 16511, 16512, 16513]
BOUNDARY_RANKS += [2113663, 2113664]


# --- the codes ------------------------------------------------------------------------


def test_code_lengths_at_the_boundaries() -> None:
    lengths = {r: len(paths.rank_code(r)) for r in BOUNDARY_RANKS}
    assert lengths[126] == lengths[127] == 1 and lengths[128] == 2
    assert lengths[16383] == lengths[16384] == lengths[16511] == 2 and lengths[16512] == 3
    assert lengths[2113663] == 3 and lengths[2113664] == 4
    assert paths.rank_code(127) == b"\x7f" and paths.rank_code(128) == b"\x80\x00"
    with pytest.raises(ValueError):
        paths.rank_code(0)


def test_codes_round_trip_sort_in_rank_order_and_are_prefix_free() -> None:
    ranks = sorted({*BOUNDARY_RANKS, *range(1, 20_000), *range(2_113_000, 2_114_500)})
    codes = [paths.rank_code(r) for r in ranks]
    assert [paths.ranks(c) for c in codes] == [[r] for r in ranks]
    assert codes == sorted(codes)  # byte order is rank order
    # prefix-free: a code's first byte fixes its length, so no code starts another
    by_lead: dict[int, set[int]] = {}
    for c in codes:
        by_lead.setdefault(c[0], set()).add(len(c))
    assert all(len(lengths) == 1 for lengths in by_lead.values())
    boundary = [paths.rank_code(r) for r in BOUNDARY_RANKS]
    for a, b in itertools.permutations(boundary, 2):
        assert not b.startswith(a)


def test_paths_decode_and_bound_their_subtree() -> None:
    p = paths.rank_code(3) + paths.rank_code(383) + paths.rank_code(16512)
    assert paths.ranks(p) == [3, 383, 16512] and paths.readable(p) == "3.383.16512"
    assert paths.prefixes(p) == [b"\x03", b"\x03\x80\xff", p]
    # 383 is 0x80 0xFF: the upper bound cannot bump 0xFF and bumps the byte before it
    assert paths.path_upper(b"\x03\x80\xff") == b"\x03\x81"
    assert paths.path_upper("/12/40/") == "/12/400"  # the cycles' text paths still work


# --- in the database (PostgreSQL when it runs) ----------------------------------------


@pytest.fixture
def tscope(app, tenant_a):
    with app.app_context(), scoped(db.session, tenant_id=tenant_a["id"]):
        yield db.session


def _org(s, code, parent=None):
    return service.create_org(
        s, code=code, name=f"{code} 名称", kind=OrgKind.BRANCH, parent_id=parent.id if parent else None
    )


def _skip_ranks(s, parent: Org, last: int) -> None:
    """Pretend ``last`` children were given ranks already (the counter is all that matters)."""
    s.execute(update(Org).where(Org.id == parent.id).values(child_seq=last))
    s.expire(parent)


def test_siblings_across_code_boundaries(tscope) -> None:
    root = _org(tscope, "root")
    made: dict[int, Org] = {}
    for start, n in ((125, 4), (382, 3), (16382, 3), (16510, 3)):
        _skip_ranks(tscope, root, start)
        for _ in range(n):
            child = _org(tscope, f"c{start}-{_}", root)
            made[paths.ranks(child.path)[-1]] = child
            _org(tscope, f"g{child.id}", child)  # a grandchild each
    assert sorted(made) == [126, 127, 128, 129, 383, 384, 385, 16383, 16384, 16385, 16511, 16512, 16513]
    for rank, child in made.items():
        assert child.rank_path == f"1.{rank}"
        sub = service.subtree(tscope, child)
        assert [o.code for o in sub] == [child.code, f"g{child.id}"], rank
        assert service.subtree_count(tscope, child) == 2
        assert service.ancestor_ids(tscope, sub[1]) == [root.id, child.id, sub[1].id]
    assert service.subtree_count(tscope, root) == 1 + 2 * len(made)
    # path order lists siblings in rank order, each followed by its own child
    order = [o.code for o in service.subtree(tscope, root) if o.parent_id == root.id]
    assert order == [made[r].code for r in sorted(made)]


def test_subtree_and_ancestors_after_moves(tscope) -> None:
    r = _org(tscope, "r")
    a, b = _org(tscope, "a", r), _org(tscope, "b", r)
    _skip_ranks(tscope, b, 200)  # b's next child takes a two-byte code
    a1 = _org(tscope, "a1", a)
    a11 = _org(tscope, "a11", a1)
    moved = service.move_org(tscope, a1, b.id)
    assert moved.rank_path == "1.2.201" and tscope.get(Org, a11.id).rank_path == "1.2.201.1"
    assert [o.code for o in service.subtree(tscope, b)] == ["b", "a1", "a11"]
    assert [o.code for o in service.subtree(tscope, a)] == ["a"]
    assert [o.code for o in service.ancestors(tscope, tscope.get(Org, a11.id))] == ["r", "b", "a1"]
    # back under a: a fresh rank, not its old one (ranks are never reused)
    back = service.move_org(tscope, moved, a.id)
    assert back.rank_path == "1.1.2" and tscope.get(Org, a.id).child_seq == 2
    a2 = _org(tscope, "a2", a)
    assert a2.rank_path == "1.1.3"
    assert service.subtree_count(tscope, a) == 4 and service.subtree_count(tscope, b) == 1
    # to the top and into another tenant's root order: the next root rank
    top = service.move_org(tscope, tscope.get(Org, a11.id), None)
    assert top.rank_path == "2" and top.depth == 0 and service.ancestors(tscope, top) == []
    # same parent again: nothing changes, no rank consumed
    assert service.move_org(tscope, a2, a.id).rank_path == "1.1.3"
    assert tscope.get(Org, a.id).child_seq == 3


def test_move_into_own_subtree_is_refused_nothing_written(tscope) -> None:
    r = _org(tscope, "r")
    _skip_ranks(tscope, r, 300)
    a = _org(tscope, "a", r)
    a1 = _org(tscope, "a1", a)
    before = {o.code: o.path for o in service.subtree(tscope, r)}
    for target in (a, a1):
        with pytest.raises(ValidationFailed, match="下级组织"):
            service.move_org(tscope, a, target.id)
    assert {o.code: o.path for o in service.subtree(tscope, r)} == before
    assert tscope.get(Org, a.id).child_seq == 1  # no rank taken for the refused move


def test_move_into_own_subtree_is_refused_by_the_api(admin_client, tenant_a, app) -> None:
    slug = tenant_a["slug"]
    base = f"/api/v1/tenants/{slug}/orgs"
    r = admin_client.post(base, json={"code": "r", "name": "县委", "kind": "committee"}).get_json()
    a = admin_client.post(base, json={"code": "a", "name": "乡镇", "kind": "committee", "parent_id": r["id"]})
    a = a.get_json()
    assert a["rank_path"] == "1.1" and "path" not in a  # no raw bytes in the API
    resp = admin_client.post(f"{base}/{r['id']}/move", json={"parent_id": a["id"]})
    assert resp.status_code == 422
    assert "下级组织" in resp.get_json()["message"]


# --- the migration ----------------------------------------------------------------------

BEFORE = "6323d42329ad"  # the revision before ordinal paths


def _old_tree() -> list[tuple[int, int, int | None]]:
    """(id, tenant index, parent id): two roots in tenant 0 (ids 10, 20), one in tenant 1 (15);
    root 10's children listed out of id order; root 20 has 130 children (two-byte ranks)."""
    rows = [(10, 0, None), (13, 0, 10), (11, 0, 10), (12, 0, 10), (30, 0, 11), (31, 0, 11), (32, 0, 30)]
    rows += [(20, 0, None), (15, 1, None), (16, 1, 15)]
    rows += [(100 + k, 0, 20) for k in range(130)]
    return rows


def _migrate_tree(url: str) -> None:
    migrate.upgrade(url, BEFORE)
    engine = create_engine(url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            tenants = [
                conn.execute(
                    insert(Tenant.__table__)
                    .values(slug=f"m{k}", name=f"m{k}", level="county", policy_choices={})
                    .returning(Tenant.__table__.c.id)
                ).scalar_one()
                for k in range(2)
            ]
            id_path: dict[int, str] = {}
            for oid, _t, parent in sorted(_old_tree(), key=lambda r: (r[2] is not None, r[0])):
                id_path[oid] = (id_path[parent] if parent else "/") + f"{oid}/"
            for oid, t, parent in sorted(_old_tree(), key=lambda r: len(id_path[r[0]])):
                conn.execute(
                    text(
                        "INSERT INTO orgs (id, tenant_id, code, name, kind, parent_id, path, depth,"
                        " created_at, updated_at) VALUES (:i, :t, :c, :c, 'branch', :p, :path, :d, :now, :now)"
                    ),
                    {
                        "i": oid,
                        "t": tenants[t],
                        "c": f"o{oid}",
                        "p": parent,
                        "path": id_path[oid],
                        "d": id_path[oid].count("/") - 2,
                        "now": now,
                    },
                )
        migrate.upgrade(url)
        with engine.connect() as conn:
            got = dict(conn.execute(text("SELECT id, path FROM orgs")).all())
            seq = dict(conn.execute(text("SELECT id, child_seq FROM orgs")).all())
        assert paths.readable(got[10]) == "1" and paths.readable(got[20]) == "2"
        assert paths.readable(got[15]) == "1" and paths.readable(got[16]) == "1.1"  # per tenant
        # siblings ranked by id, not by the order they were inserted in
        assert [paths.readable(got[i]) for i in (11, 12, 13, 30, 31, 32)] == [
            "1.1",
            "1.2",
            "1.3",
            "1.1.1",
            "1.1.2",
            "1.1.1.1",
        ]
        assert paths.readable(got[100 + 129]) == "2.130" and len(got[100 + 129]) == 3
        assert seq[10] == 3 and seq[11] == 2 and seq[20] == 130 and seq[32] == 0
        indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("orgs")}
        assert indexes["ix_orgs_tenant_id_path"]["unique"]

        migrate.downgrade(url, BEFORE)
        with engine.connect() as conn:
            back = dict(conn.execute(text("SELECT id, path FROM orgs")).all())
        assert back == id_path
        assert "child_seq" not in {c["name"] for c in inspect(engine).get_columns("orgs")}
        migrate.upgrade(url)  # and forward again
    finally:
        engine.dispose()


def test_migration_converts_a_tree_sqlite(tmp_path) -> None:
    _migrate_tree(f"sqlite:///{tmp_path / 'paths.sqlite3'}")


def test_migration_converts_a_tree_postgresql() -> None:
    need(PG_UP, "PostgreSQL at " + PG_ADMIN_URL)
    name = "shuzhi_t_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            _migrate_tree(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
