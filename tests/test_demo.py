"""The demo: idempotent, trees shaped as the five plans say, the whole JX-02 matrix (issue 3 item 11)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.cli import main
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import Org, OrgKind, Person, Post, ReportingRelation
from shuzhi.tenancy.models import Membership, Role, Tenant, User
from shuzhi.tenancy.scope import scoped

SLUGS = ("genhe", "jixian", "suixi", "tongjia", "yongzhou")


def _tenant_id(slug: str) -> int:
    return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def _snapshot() -> dict[str, Any]:
    """Every demo row with its key fields and updated_at: equal snapshots mean nothing changed."""
    snap: dict[str, Any] = {
        "tenants": sorted(
            db.session.execute(select(Tenant.slug, Tenant.policy_name, Tenant.updated_at)).all()
        ),
    }
    with scoped(db.session, platform=True):
        snap["users"] = sorted(
            db.session.execute(select(User.username, User.display_name, User.updated_at)).all()
        )
    for slug in SLUGS:
        with scoped(db.session, tenant_id=_tenant_id(slug)):
            snap[slug] = {
                "orgs": sorted(db.session.execute(select(Org.id, Org.code, Org.path, Org.updated_at)).all()),
                "people": sorted(
                    db.session.execute(
                        select(Person.code, Person.name, Person.user_id, Person.updated_at)
                    ).all()
                ),
                "posts": sorted(
                    db.session.execute(
                        select(Post.person_id, Post.org_id, Post.title, Post.start_date, Post.end_date)
                    ).all()
                ),
                "relations": sorted(
                    db.session.execute(
                        select(ReportingRelation.reporter_id, ReportingRelation.receiver_id)
                    ).all()
                ),
                "audit_events": db.session.scalar(select(func.count()).select_from(AuditEvent)),
                "memberships": sorted(
                    (m.user_id, m.role.value, tuple(m.org_ids), m.updated_at)
                    for m in db.session.scalars(select(Membership))
                ),
            }
    return snap


def test_second_run_changes_and_duplicates_nothing(app) -> None:
    # issue 3 item 11: idempotent demo
    with app.app_context():
        first = build_demo(db.session)
        before = _snapshot()
        second = build_demo(db.session)
        after = _snapshot()
    assert [t.slug for t in first.tenants] == ["jixian", "tongjia", "genhe", "yongzhou", "suixi"]
    assert [t.counts for t in first.tenants] == [t.counts for t in second.tenants]
    assert before == after  # no row changed, none added, no audit event written
    assert all(before[slug]["orgs"] and before[slug]["audit_events"] for slug in SLUGS)


def test_tenants_run_their_plugins_policy_with_four_logins_each(app) -> None:
    with app.app_context():
        summary = build_demo(db.session)
        for t in summary.tenants:
            assert t.policy == t.slug and t.policy_title
            assert {login.role for login in t.logins} == {r.value for r in Role}
            assert all(login.username.isascii() for login in t.logins)
        with scoped(db.session, platform=True):
            admin = db.session.scalar(select(User).where(User.username == "platform-admin"))
        assert admin is not None and admin.is_platform_admin
        with scoped(db.session, tenant_id=_tenant_id("genhe")):
            actors = set(db.session.scalars(select(AuditEvent.actor)))
        assert actors == {"demo"}


def test_secretary_login_is_linked_to_a_post_holder(app) -> None:
    with app.app_context():
        build_demo(db.session)
        for slug in SLUGS:
            with scoped(db.session, platform=True):
                user = db.session.scalar(select(User).where(User.username == f"{slug}-secretary"))
            with scoped(db.session, tenant_id=_tenant_id(slug)):
                person = db.session.scalar(select(Person).where(Person.user_id == user.id))
                assert person is not None and person.name == user.display_name
                post = db.session.scalar(
                    select(Post).where(Post.person_id == person.id, Post.end_date.is_(None))
                )
                assert post is not None and post.title == "书记"
                membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
                assert membership.role is Role.SECRETARY and membership.org_ids == [post.org_id]


def _root(slug: str) -> Org:
    (root,) = orgs.roots(db.session)
    return root


def test_tongjia_has_21_villages_reporting_to_the_town(app) -> None:
    # clause TJ-01: all 21 村（社区）党组织 report to the 镇党委
    on = date(2023, 12, 31)
    with app.app_context():
        build_demo(db.session, only=["tongjia"])
        with scoped(db.session, tenant_id=_tenant_id("tongjia")):
            town = _root("tongjia")
            assert town.name == "中共乐至县童家镇委员会"
            villages = orgs.children(db.session, town)
            assert len(villages) == 21
            assert orgs.reporters_to(db.session, town, on) == villages
            assert len(orgs.relations(db.session, on)) == 21
            assert sum("社区" in v.name for v in villages) == 3


def test_genhe_has_two_branches_reporting_to_the_general_branch(app) -> None:
    # clause GH-02: the first and second branch secretaries report to the 党总支
    with app.app_context():
        build_demo(db.session, only=["genhe"])
        with scoped(db.session, tenant_id=_tenant_id("genhe")):
            general = _root("genhe")
            assert general.kind is OrgKind.GENERAL_BRANCH
            names = [o.name for o in orgs.reporters_to(db.session, general, date(2023, 12, 31))]
            assert names == ["根河市市场监督管理局第一党支部", "根河市市场监督管理局第二党支部"]


def test_yongzhou_has_30_plus_units_reporting_to_the_committee(app) -> None:
    # clause YZ-01: 党组/党委 of city, central and provincial units, and heads of 正处级 units without one
    on = date(2020, 12, 15)
    with app.app_context():
        build_demo(db.session, only=["yongzhou"])
        with scoped(db.session, tenant_id=_tenant_id("yongzhou")):
            committee = _root("yongzhou")
            units = orgs.reporters_to(db.session, committee, on)
            assert len(units) >= 30
            assert {u.kind for u in units} == {OrgKind.PARTY_GROUP, OrgKind.COMMITTEE, OrgKind.UNIT}
            assert any(u.name.startswith("国家税务总局") for u in units)
            for unit in (u for u in units if u.kind is OrgKind.UNIT):
                assert orgs.holder(db.session, unit.id, on, title="主要负责人") is not None
            assert orgs.reporters_by_level(db.session, committee, on) == [units]


def test_suixi_sub_committees_run_their_own_cycles(app) -> None:
    # clause SX-13: 机关党委 and 党总支 run their subordinates; SX-02: 12+ first-level secretaries
    on = date(2023, 12, 31)
    with app.app_context():
        build_demo(db.session, only=["suixi"])
        with scoped(db.session, tenant_id=_tenant_id("suixi")):
            committee = _root("suixi")
            first, second = orgs.reporters_by_level(db.session, committee, on)
            assert len(first) >= 12
            subs = [o for o in first if o.kind in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH)]
            assert {o.name for o in subs} >= {"中共遂溪县委机关党委", "遂溪县卫生健康局党总支"}
            for sub in subs:
                mine = orgs.reporters_to(db.session, sub, on)
                assert mine and mine == orgs.children(db.session, sub)
            assert sorted(o.id for o in second) == sorted(
                o.id for sub in subs for o in orgs.reporters_to(db.session, sub, on)
            )


@pytest.mark.parametrize(
    "slug,year", [("suixi", 2023), ("tongjia", 2023), ("yongzhou", 2020), ("jixian", 2018)]
)
def test_some_secretaries_are_new_and_some_posts_past(app, slug: str, year: int) -> None:
    # clauses SX-01, TJ-05, YZ-02: tenure in the reporting year decides who reports how
    start, end = date(year, 1, 1), date(year, 12, 31)
    with app.app_context():
        build_demo(db.session, only=[slug])
        with scoped(db.session, tenant_id=_tenant_id(slug)):
            posts = orgs.posts_of(db.session)
            current = [p for p in posts if p.end_date is None and p.title in ("书记", "主要负责人")]
            new = [p for p in current if orgs.tenure_days(p, start, end) < 183]
            past = [p for p in posts if p.end_date is not None]
            assert 2 <= len(new) < len(current) / 3
            assert len(past) >= len(new)
            for p in new:  # each newcomer has a predecessor whose post ended the day before
                before = [q for q in past if q.org_id == p.org_id]
                assert before and (p.start_date - before[-1].end_date).days == 1


# --- clause JX-02: the whole matrix for 吉县 -----------------------------------

JX_ON = date(2018, 12, 31)
#: 县直机关单位党组织 hung under their bureau's 党组 in the tree, with the system each reports to.
BUREAU_BRANCHES = {
    "吉县教育科技局机关党支部": ("吉县教育科技局党组", "吉县教育系统党委"),
    "吉县卫生健康和体育局机关党支部": ("吉县卫生健康和体育局党组", "吉县卫生健康系统党委"),
    "吉县农业农村局机关党支部": ("吉县农业农村局党组", "吉县农业农村系统党总支"),
    "吉县交通运输局机关党支部": ("吉县交通运输局党组", "吉县交通运输系统党总支"),
}


@pytest.fixture
def jx(app):
    """吉县's orgs by category, named the way the plan's JX-02 sentence names them."""
    with app.app_context():
        build_demo(db.session, only=["jixian"])
        with scoped(db.session, tenant_id=_tenant_id("jixian")):
            all_orgs = list(db.session.scalars(select(Org).order_by(Org.code)))
            by_name = {o.name: o for o in all_orgs}

            def named(pattern: str) -> list[Org]:
                return [o for o in all_orgs if re.search(pattern, o.name)]

            county = by_name["中共吉县县委"]
            organs = by_name["中共吉县县直机关工作委员会"]
            community = by_name["中共吉县社区工作委员会"]
            nonpublic = by_name["中共吉县非公有制经济组织和社会组织工作委员会"]
            cats = {
                "county": county,
                "organs": organs,
                "community": community,
                "nonpublic": nonpublic,
                "towns": named(r"[镇乡]党委$"),
                "bureaus": named(r"局党[组委]$"),
                "systems": named(r"系统党(委|总支)$"),
                "communities": named(r"社区党(支部|总支)$"),
                "nonpublic_orgs": orgs.children(db.session, nonpublic),
                "villages": named(r"村党(支部|总支)$"),
                "by_name": by_name,
            }
            # 县直机关单位党组织: every branch under a system, plus the bureaus' own 机关党支部
            cats["units"] = [o for s in cats["systems"] for o in orgs.children(db.session, s)] + [
                by_name[n] for n in BUREAU_BRANCHES
            ]
            yield cats


def _ids(items) -> list[int]:
    return sorted(o.id for o in items)


def test_jx02_who_reports_to_the_county_committee(jx) -> None:
    # clause JX-02: 乡镇党委, 县直工委, 社区工委, 非公和社会组织工委, 县直单位党委(党组) -> 县委
    s = db.session
    assert len(jx["towns"]) == 5 and len(jx["bureaus"]) == 6
    expected = [*jx["towns"], jx["organs"], jx["community"], jx["nonpublic"], *jx["bureaus"]]
    assert _ids(orgs.reporters_to(s, jx["county"], JX_ON)) == _ids(expected)
    for org in expected:
        assert orgs.receiver_of(s, org, JX_ON) == jx["county"]
        assert orgs.chain_up(s, org, JX_ON) == [jx["county"]]
    assert orgs.receiver_of(s, jx["county"], JX_ON) is None


def test_jx02_systems_report_to_the_organs_committee(jx) -> None:
    # clause JX-02: 县直系统党委(总支) -> 县直工委
    s = db.session
    assert len(jx["systems"]) == 4
    assert _ids(orgs.reporters_to(s, jx["organs"], JX_ON)) == _ids(jx["systems"])
    for system in jx["systems"]:
        assert orgs.chain_up(s, system, JX_ON) == [jx["organs"], jx["county"]]


def test_jx02_communities_and_nonpublic_report_to_their_working_committees(jx) -> None:
    # clause JX-02: 社区党组织 -> 社区工委; 非公和社会组织党组织 -> 非公和社会组织工委
    s = db.session
    assert len(jx["communities"]) >= 3 and len(jx["nonpublic_orgs"]) >= 3
    assert _ids(orgs.reporters_to(s, jx["community"], JX_ON)) == _ids(jx["communities"])
    assert _ids(orgs.reporters_to(s, jx["nonpublic"], JX_ON)) == _ids(jx["nonpublic_orgs"])
    for org in jx["communities"]:
        assert orgs.chain_up(s, org, JX_ON) == [jx["community"], jx["county"]]
    for org in jx["nonpublic_orgs"]:
        assert orgs.chain_up(s, org, JX_ON) == [jx["nonpublic"], jx["county"]]


def test_jx02_villages_report_to_their_town(jx) -> None:
    # clause JX-02: 农村党组织 -> 乡镇党委
    s = db.session
    assert len(jx["villages"]) >= 20
    covered = []
    for town in jx["towns"]:
        mine = orgs.reporters_to(s, town, JX_ON)
        assert mine and _ids(mine) == _ids(orgs.children(s, town))
        assert all(v in jx["villages"] for v in mine)
        for village in mine:
            assert orgs.chain_up(s, village, JX_ON) == [town, jx["county"]]
        covered += mine
    assert _ids(covered) == _ids(jx["villages"])


def test_jx02_organ_units_report_to_their_system_not_their_tree_parent(jx) -> None:
    # clause JX-02: 县直机关单位党组织 -> 所属系统党委(总支) -> 县直工委 -> 县委
    s = db.session
    by_name = jx["by_name"]
    for system in jx["systems"]:
        mine = orgs.reporters_to(s, system, JX_ON)
        expected = orgs.children(s, system) + [
            by_name[b] for b, (_, sys_name) in BUREAU_BRANCHES.items() if sys_name == system.name
        ]
        assert _ids(mine) == _ids(expected)
    for unit in jx["units"]:
        system = orgs.receiver_of(s, unit, JX_ON)
        assert system in jx["systems"]
        assert orgs.chain_up(s, unit, JX_ON) == [system, jx["organs"], jx["county"]]
    # The bureaus' 机关党支部: the tree hangs them under the bureau's 党组, yet they
    # report to the system, and their reporting chain is not their tree path.
    for branch_name, (bureau_name, system_name) in BUREAU_BRANCHES.items():
        branch = by_name[branch_name]
        assert orgs.get_org(s, branch.parent_id).name == bureau_name
        assert [o.name for o in orgs.ancestors(s, branch)] == ["中共吉县县委", bureau_name]
        chain = orgs.chain_up(s, branch, JX_ON)
        assert [o.name for o in chain] == [system_name, "中共吉县县直机关工作委员会", "中共吉县县委"]


def test_jx02_levels_from_the_county_down(jx) -> None:
    # clause JX-02 and JX-04 (bottom-up, staged): three levels below the 县委
    s = db.session
    levels = orgs.reporters_by_level(s, jx["county"], JX_ON)
    assert [_ids(level) for level in levels] == [
        _ids([*jx["towns"], jx["organs"], jx["community"], jx["nonpublic"], *jx["bureaus"]]),
        _ids([*jx["villages"], *jx["systems"], *jx["communities"], *jx["nonpublic_orgs"]]),
        _ids(jx["units"]),
    ]
    every = [o for level in levels for o in level]
    assert len(every) == len(jx["by_name"]) - 1  # every org but the 县委 reports somewhere


# --- the command ---------------------------------------------------------------


def test_demo_command_builds_embedded_sqlite_twice(tmp_path) -> None:
    # issue 3 item 11: `shuzhi demo --no-serve` needs no PostgreSQL or Redis
    env = {
        "SHUZHI_INSTANCE_PATH": str(tmp_path),
        "SHUZHI_DATABASE_URL": "",
        "SHUZHI_ADMIN_DATABASE_URL": "",
        "SHUZHI_DEMO": None,
        "SHUZHI_BLOCK_PLUGINS": "",
    }
    runner = CliRunner()
    outputs = []
    for _ in range(2):
        result = runner.invoke(main, ["demo", "--no-serve"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert (tmp_path / "shuzhi.sqlite3").exists()
    assert outputs[0] == outputs[1]  # same counts and logins the second time
    out = outputs[0]
    for slug in SLUGS:
        for role in ("admin", "reviewer", "secretary", "observer"):
            assert f"{slug}-{role}" in out
    assert "platform-admin" in out
    assert "组织 orgs 22" in out  # 童家镇: the 镇党委 and its 21 村（社区）
    assert "http://127.0.0.1:5000/login" in out
    assert out.count("述职评议 campaign：") == 5  # issue 7 item 8: every tenant's campaign, its demo day
    assert "演示日期 demo day 2020-12-18" in out  # 永州 just after its mid-December draw (YZ-02)


# --- the campaigns (issue 7 item 8) -------------------------------------------------


def _stages(slug: str) -> dict[str, Any]:
    from shuzhi.cycles.models import Campaign, Reporter, Review

    with scoped(db.session, tenant_id=_tenant_id(slug)):
        (campaign,) = db.session.scalars(select(Campaign)).all()
        reviews = db.session.execute(
            select(Review.level, Review.stage, func.count()).group_by(Review.level, Review.stage)
        ).all()
        reporters = db.session.execute(select(Reporter.stage, func.count()).group_by(Reporter.stage)).all()
        return {
            "year": campaign.year,
            "reviews": {(lvl, st.value): n for lvl, st, n in reviews},
            "reporters": {st.value: n for st, n in reporters},
        }


@pytest.fixture
def with_campaigns(app):
    with app.app_context():
        build_demo(db.session, campaigns=True)
        yield


def test_campaigns_open_at_their_demo_stages(with_campaigns) -> None:
    # issue 7 item 8: 永州 after the draw, 童家镇 in pre-review, 吉县 staged reviews half done
    yz = _stages("yongzhou")
    assert yz["year"] == 2020 and yz["reporters"] == {"submitted": 33, "drafting": 2}  # YZ-05: two late
    tj = _stages("tongjia")
    assert tj["reporters"]["pre_review"] == 9 and tj["reporters"]["submitted"] == 3  # TJ-02
    jx = _stages("jixian")
    # clause JX-04: bottom-up — every level-3 review closed and reported up, townships part way
    assert {k: n for k, n in jx["reviews"].items() if k[0] == 3} == {(3, "closed"): 4}
    assert jx["reviews"][(2, "closed")] == 2 and jx["reviews"][(1, "drafting")] == 1
    assert jx["reviews"][(2, "submitted")] >= 2  # XZ05 behind, the 工委s waiting for their meeting
    gh = _stages("genhe")
    assert gh["reporters"] == {"pre_review": 1, "drafting": 1}  # GH-01: reports reviewed before the meeting
    sx = _stages("suixi")
    assert sx["reporters"]["drafting"] == 2 and sx["reviews"][(2, "evaluated")] == 1  # SX-03, SX-13
    # clause SX-10: those who report in the organization's name (SX-01's new secretaries) have
    # the organization evaluated, in the demo's campaign too
    from shuzhi.cycles.models import Reporter, Subject

    with scoped(db.session, tenant_id=_tenant_id("suixi")):
        named = db.session.scalars(select(Reporter).where(Reporter.in_org_name.is_(True))).all()
        assert len(named) >= 2 and {r.subject for r in named} == {Subject.ORG}


def test_campaigns_are_built_once(with_campaigns) -> None:
    # a second run leaves every campaign, stage and audit event as it was
    before = {slug: _stages(slug) for slug in SLUGS}
    snap = _snapshot()
    build_demo(db.session, campaigns=True)
    assert {slug: _stages(slug) for slug in SLUGS} == before
    assert _snapshot() == snap


def test_demo_clock_shows_each_tenant_on_its_day(app) -> None:
    # the demo's clock (ADR 0014): a tenant's countdowns read as on its demo day; elsewhere, today
    from flask import g

    from shuzhi.cycles.calendar import today_in_china
    from shuzhi.demo.campaigns import DEMO_DAYS

    with app.test_request_context():
        real = today_in_china()
        app.config["SHUZHI_DEMO_DAYS"] = dict(DEMO_DAYS)
        try:
            g.tenant = type("T", (), {"slug": "tongjia"})()
            assert today_in_china() == date(2023, 12, 28)
            g.tenant = type("T", (), {"slug": "elsewhere"})()
            assert today_in_china() == real
        finally:
            app.config.pop("SHUZHI_DEMO_DAYS")
