"""Org tree, people, posts and reporting relations (issue 3 items 5, 6, 8)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from shuzhi.db import db
from shuzhi.errors import Conflict, ValidationFailed
from shuzhi.orgs import service
from shuzhi.orgs.models import Org, OrgKind
from shuzhi.tenancy.scope import scoped


@pytest.fixture
def tscope(app, tenant_a):
    """An app context scoped to tenant A."""
    with app.app_context(), scoped(db.session, tenant_id=tenant_a["id"]):
        yield db.session


def _org(s, code, parent=None, kind=OrgKind.BRANCH):
    return service.create_org(
        s, code=code, name=f"{code} 名称", kind=kind, parent_id=parent.id if parent else None
    )


def test_paths_and_depths(tscope) -> None:
    root = _org(tscope, "r", kind=OrgKind.COMMITTEE)
    a = _org(tscope, "a", root)
    a1 = _org(tscope, "a1", a)
    b = _org(tscope, "b", root)
    # ordinal paths (ADR 0015): each level is the rank among siblings, one byte below 128
    assert root.rank_path == "1" and root.depth == 0
    assert a1.path == bytes([1, 1, 1]) and a1.rank_path == "1.1.1" and a1.depth == 2
    assert b.path == bytes([1, 2]) and tscope.get(Org, root.id).child_seq == 2
    assert [o.code for o in service.ancestors(tscope, a1)] == ["r", "a"]
    assert service.ancestor_ids(tscope, a1) == [root.id, a.id, a1.id]
    assert _org(tscope, "r2").rank_path == "2"  # the next root


def test_subtree_does_not_match_id_prefixes(tscope) -> None:
    # ranks 1 and 10..12 would share a decimal prefix; the codes are prefix-free.
    root = _org(tscope, "root")
    orgs = [_org(tscope, f"n{i}", root) for i in range(12)]
    first = orgs[0]
    child = _org(tscope, "child", first)
    assert {o.code for o in service.subtree(tscope, first)} == {first.code, "child"}
    assert service.subtree_count(tscope, root) == 14
    assert service.subtree_count(tscope, child) == 1


def test_subtree_max_depth(tscope) -> None:
    r = _org(tscope, "r")
    a = _org(tscope, "a", r)
    _org(tscope, "a1", a)
    assert [o.code for o in service.subtree(tscope, r, max_depth=1)] == ["r", "a"]


def test_move_repaths_subtree_in_one_statement(tscope) -> None:
    r = _org(tscope, "r")
    a = _org(tscope, "a", r)
    b = _org(tscope, "b", r)
    a1 = _org(tscope, "a1", a)
    a11 = _org(tscope, "a11", a1)
    statements: list[str] = []
    engine = tscope.get_bind()

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        moved = service.move_org(tscope, a, b.id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # one UPDATE re-paths the subtree; the other takes a rank from the new parent's counter
    assert len(statements) == 2 and sum("child_seq" in st for st in statements) == 1
    assert moved.parent_id == b.id
    a11 = tscope.get(Org, a11.id)
    assert a11.rank_path == "1.2.1.1.1" and a11.depth == 4  # a is b's first child now
    assert {o.code for o in service.subtree(tscope, b)} == {"b", "a", "a1", "a11"}
    assert service.ancestor_ids(tscope, a11) == [r.id, b.id, a.id, a1.id, a11.id]
    # and to the top level: the next rank among the roots
    top = service.move_org(tscope, a1, None)
    assert top.rank_path == "2" and top.depth == 0 and top.parent_id is None
    assert tscope.get(Org, a11.id).depth == 1 and tscope.get(Org, a11.id).rank_path == "2.1"


def test_move_into_own_subtree_is_refused(tscope) -> None:
    r = _org(tscope, "r")
    a = _org(tscope, "a", r)
    a1 = _org(tscope, "a1", a)
    with pytest.raises(ValidationFailed, match="下级组织"):
        service.move_org(tscope, a, a1.id)
    with pytest.raises(ValidationFailed):
        service.move_org(tscope, a, a.id)


def test_delete_with_children_is_refused(tscope) -> None:
    r = _org(tscope, "r")
    _org(tscope, "a", r)
    with pytest.raises(Conflict):
        service.delete_org(tscope, r)


def test_duplicate_code_conflicts(tscope) -> None:
    _org(tscope, "r")
    with pytest.raises(Conflict, match="已存在"):
        _org(tscope, "r")


def test_tenure_for_any_date(tscope) -> None:
    # clause SX-01 / TJ-05 / YZ-02 depend on time in post within a period.
    org = _org(tscope, "v1")
    old = service.upsert_person(tscope, code="p1", name="张三")
    new = service.upsert_person(tscope, code="p2", name="李四")
    p_old = service.create_post(
        tscope, person_id=old.id, org_id=org.id, start_date=date(2019, 3, 1), end_date=date(2023, 7, 31)
    )
    p_new = service.create_post(tscope, person_id=new.id, org_id=org.id, start_date=date(2023, 8, 1))
    assert service.holder(tscope, org.id, date(2023, 7, 31)).person.name == "张三"
    assert service.holder(tscope, org.id, date(2023, 8, 1)).person.name == "李四"
    assert service.holder(tscope, org.id, date(2019, 2, 28)) is None
    year = (date(2023, 1, 1), date(2023, 12, 31))
    assert service.tenure_days(p_old, *year) == 212
    assert service.tenure_days(p_new, *year) == 153  # < 6 months: reports in the org's name
    assert service.tenure_days(p_old, date(2024, 1, 1), date(2024, 12, 31)) == 0


def test_overlapping_secretaries_refused(tscope) -> None:
    org = _org(tscope, "v1")
    a = service.upsert_person(tscope, code="p1", name="张三")
    b = service.upsert_person(tscope, code="p2", name="李四")
    service.create_post(tscope, person_id=a.id, org_id=org.id, start_date=date(2020, 1, 1))
    with pytest.raises(Conflict, match="张三"):
        service.create_post(tscope, person_id=b.id, org_id=org.id, start_date=date(2023, 1, 1))
    with pytest.raises(ValidationFailed):
        service.create_post(
            tscope,
            person_id=b.id,
            org_id=org.id,
            title="副书记",
            start_date=date(2023, 1, 2),
            end_date=date(2023, 1, 1),
        )


def test_relations_levels_chain_and_cycles(tscope) -> None:
    # clause JX-02: reporting follows relations, not the tree.
    county = _org(tscope, "county", kind=OrgKind.COMMITTEE)
    town = _org(tscope, "town", county, OrgKind.COMMITTEE)
    village = _org(tscope, "village", town)
    other = _org(tscope, "other", county)
    d = date(2018, 1, 1)
    service.add_relation(tscope, reporter_id=town.id, receiver_id=county.id, valid_from=d)
    service.add_relation(tscope, reporter_id=village.id, receiver_id=town.id, valid_from=d)
    service.add_relation(
        tscope, reporter_id=other.id, receiver_id=county.id, valid_from=d, valid_to=date(2018, 6, 30)
    )
    on = date(2018, 12, 1)
    assert [o.code for o in service.reporters_to(tscope, county, on)] == ["town"]
    assert [o.code for o in service.reporters_to(tscope, county, date(2018, 3, 1))] == ["other", "town"]
    assert [[o.code for o in lvl] for lvl in service.reporters_by_level(tscope, county, on)] == [
        ["town"],
        ["village"],
    ]
    assert [o.code for o in service.chain_up(tscope, village, on)] == ["town", "county"]
    with pytest.raises(ValidationFailed, match="循环"):
        service.add_relation(tscope, reporter_id=county.id, receiver_id=village.id, valid_from=d)
    with pytest.raises(Conflict, match="只能向一个组织"):
        service.add_relation(
            tscope, reporter_id=village.id, receiver_id=county.id, valid_from=date(2018, 5, 1)
        )
    with pytest.raises(ValidationFailed):
        service.add_relation(tscope, reporter_id=town.id, receiver_id=town.id, valid_from=d)
    # a later period for the same reporter is fine
    service.add_relation(tscope, reporter_id=other.id, receiver_id=town.id, valid_from=date(2018, 7, 1))
    assert [o.code for o in service.chain_up(tscope, other, on)] == ["town", "county"]


def test_api_create_tree_move_and_relations(admin_client, tenant_a) -> None:
    base = f"/api/v1/tenants/{tenant_a['slug']}"
    root = admin_client.post(
        f"{base}/orgs", json={"code": "r", "name": "县委", "kind": "committee"}
    ).get_json()
    town = admin_client.post(
        f"{base}/orgs", json={"code": "t", "name": "镇党委", "kind": "committee", "parent_id": root["id"]}
    ).get_json()
    v = admin_client.post(
        f"{base}/orgs", json={"code": "v", "name": "村党支部", "kind": "branch", "parent_id": root["id"]}
    )
    assert v.status_code == 201
    v = v.get_json()
    r = admin_client.post(f"{base}/orgs/{v['id']}/move", json={"parent_id": town["id"]})
    assert r.status_code == 200 and r.get_json()["depth"] == 2
    tree = admin_client.get(f"{base}/orgs/tree").get_json()
    assert tree[0]["code"] == "r" and tree[0]["children"][0]["children"][0]["code"] == "v"
    rel = admin_client.post(
        f"{base}/relations",
        json={"reporter_id": v["id"], "receiver_id": town["id"], "valid_from": "2023-01-01"},
    )
    assert rel.status_code == 201
    admin_client.post(
        f"{base}/relations",
        json={"reporter_id": town["id"], "receiver_id": root["id"], "valid_from": "2023-01-01"},
    )
    levels = admin_client.get(f"{base}/orgs/{root['id']}/reporters?on=2023-06-01").get_json()["levels"]
    assert [[o["code"] for o in lvl] for lvl in levels] == [["t"], ["v"]]
    chain = admin_client.get(f"{base}/orgs/{v['id']}/chain?on=2023-06-01").get_json()
    assert [o["code"] for o in chain] == ["t", "r"]
    cyc = admin_client.post(
        f"{base}/relations",
        json={"reporter_id": root["id"], "receiver_id": v["id"], "valid_from": "2023-01-01"},
    )
    assert cyc.status_code == 422 and "循环" in cyc.get_json()["message"]
    person = admin_client.post(f"{base}/people", json={"code": "p1", "name": "王五"}).get_json()
    post = admin_client.post(
        f"{base}/posts", json={"person_id": person["id"], "org_id": v["id"], "start_date": "2023-08-01"}
    )
    assert post.status_code == 201
    tenure = admin_client.get(f"{base}/posts/{post.get_json()['id']}/tenure?start=2023-01-01&end=2023-12-31")
    assert tenure.get_json()["days"] == 153


def test_api_bad_bodies(admin_client, tenant_a) -> None:
    base = f"/api/v1/tenants/{tenant_a['slug']}"
    assert (
        admin_client.post(f"{base}/orgs", data="not json", content_type="application/json").status_code == 400
    )
    r = admin_client.post(f"{base}/orgs", json={"code": 5, "name": ["x"], "kind": "branch"})
    assert r.status_code == 422 and set(r.get_json()["errors"]) == {"code", "name"}
    r = admin_client.post(f"{base}/posts", json={"person_id": "abc", "org_id": 1, "start_date": "2023-13-01"})
    assert r.status_code == 422
    assert r.get_json()["errors"]["start_date"] == ["日期格式应为 YYYY-MM-DD。"]
    assert r.get_json()["errors"]["person_id"] == ["应为整数。"]
    r = admin_client.get(f"{base}/orgs/1/subtree?max_depth=-1")
    assert r.status_code == 422


def test_secretary_cannot_write(client, make_tenant) -> None:
    from shuzhi.tenancy.models import Role
    from tests.conftest import login

    t = make_tenant("sec-only", role=Role.SECRETARY)
    login(client, t["user_id"])
    base = f"/api/v1/tenants/{t['slug']}"
    assert client.get(f"{base}/orgs").status_code == 200
    r = client.post(f"{base}/orgs", json={"code": "x", "name": "x", "kind": "branch"})
    # issue 4: the 403 names the missing permission
    assert (
        r.status_code == 403 and r.get_json()["message"] == "您没有“编辑组织、人员、任职与述职关系”的权限。"
    )


def test_nothing_half_written_on_error(admin_client, tenant_a, app) -> None:
    base = f"/api/v1/tenants/{tenant_a['slug']}"
    admin_client.post(f"{base}/orgs", json={"code": "r", "name": "县委", "kind": "committee"})
    r = admin_client.post(f"{base}/orgs", json={"code": "r", "name": "重复", "kind": "committee"})
    assert r.status_code == 409
    with app.app_context(), scoped(db.session, tenant_id=tenant_a["id"]):
        assert db.session.scalars(select(Org.name)).all() == ["县委"]
