"""shuzhi.testing, the kit plugin authors test with (issue 5 item 6): fixtures and helpers.

The fixtures come from the pytest11 entry point, exactly as a plugin's own
tests get them (no import here).
"""

from __future__ import annotations

import io
from datetime import date
from fractions import Fraction

import docx
import pytest
from sqlalchemy import select

from shuzhi.errors import ValidationFailed
from shuzhi.hookspecs import for_policy, hookimpl
from shuzhi.orgs import service as orgs
from shuzhi.plugins import hooks
from shuzhi.policy.evaluate import CodeRule
from shuzhi.policy.findings import Finding
from shuzhi.policy.loader import parse_policy
from shuzhi.policy.params import ParamError
from shuzhi.reports.counting import count_words
from shuzhi.tenancy.models import Membership, Role, Tenant
from shuzhi.tenancy.scope import scoped
from shuzhi.testing import (
    BallotSet,
    PolicyNotFound,
    RuleCrashed,
    build_docx,
    build_report,
    check_report,
    issues,
    lint_policy,
    load_policy,
    part,
    register_plugin,
    resolve_params,
    words,
)
from shuzhi.testing import db as kit_db
from shuzhi.testing.policies import unregister_plugin
from shuzhi.testing.tenants import build_tenant

# --- app, database, tenant ----------------------------------------------------------------


def test_tenant_fixture_builds_the_county_tree(shuzhi_app, shuzhi_tenant) -> None:
    # issue 5 item 6: 县委 → 2 乡镇党委 → villages, 书记 posts, relations along the tree (JX-02)
    from shuzhi.db import db

    t = shuzhi_tenant
    assert (len(t.townships), len(t.villages)) == (2, 4)
    assert {v.receiver_id for v in t.villages} == {town.id for town in t.townships}
    assert {town.receiver_id for town in t.townships} == {t.county.id}
    with shuzhi_app.app_context(), scoped(db.session, tenant_id=t.id, user_id=t.admin_user_id):
        county = orgs.get_org(db.session, t.county.id)
        levels = orgs.reporters_by_level(db.session, county, date(2024, 1, 1))
        assert [sorted(o.code for o in level) for level in levels] == [
            ["T1", "T2"],
            ["T1V1", "T1V2", "T2V1", "T2V2"],
        ]
        holders = orgs.holders(db.session, [o.id for o in t.orgs], date(2024, 1, 1))
        assert {o.id: holders[o.id].person.name for o in t.orgs} == {o.id: o.secretary for o in t.orgs}
        assert len({o.secretary for o in t.orgs}) == len(t.orgs)  # distinct names, readable in failures
        m = db.session.scalar(select(Membership).where(Membership.user_id == t.admin_user_id))
        assert m.role is Role.TENANT_ADMIN
    assert t.reporters_to(t.townships[0]) == t.villages[:2]


def test_rows_are_gone_after_each_test(shuzhi_app) -> None:
    # the previous test's tenant was deleted: tests never see each other's rows
    from shuzhi.db import db

    with shuzhi_app.app_context(), scoped(db.session, platform=True):
        assert db.session.scalars(select(Tenant)).all() == []


def test_admin_client_reads_the_tree_through_the_api(shuzhi_admin_client, shuzhi_tenant) -> None:
    # the tenant is real: its admin signs in and the API serves the tree built by the services
    resp = shuzhi_admin_client.get(f"/api/v1/tenants/{shuzhi_tenant.slug}/orgs")
    assert resp.status_code == 200
    codes = [o["code"] for o in resp.get_json()]  # in path order, which depends on the ids
    assert codes[0] == "C" and sorted(codes) == ["C", "T1", "T1V1", "T1V2", "T2", "T2V1", "T2V2"]


def test_tenant_runs_a_loaded_policy_and_refuses_an_unknown_one(shuzhi_app, shuzhi_make_tenant) -> None:
    # a tenant picks a policy some plugin contributes; a name no plugin has is refused in Chinese
    t = shuzhi_make_tenant("tj", policy="tongjia", townships=1, villages=3)
    assert (t.policy, len(t.villages)) == ("tongjia", 3)
    with pytest.raises(ValidationFailed, match="没有名为 nosuch 的方案"):
        shuzhi_make_tenant("bad", policy="nosuch")


def test_database_choice_follows_the_environment(tmp_path) -> None:
    # SQLite unless PostgreSQL is asked for; asking for an unreachable one fails loudly
    assert not kit_db.wants_postgres({})
    assert kit_db.wants_postgres({"SHUZHI_TEST_USE_PG": "1"})
    assert kit_db.wants_postgres({"SHUZHI_TEST_PG_URL": "postgresql+psycopg://x@h/db"})
    assert not kit_db.wants_postgres(
        {"SHUZHI_TEST_PG_URL": "postgresql+psycopg://x@h/db", "SHUZHI_TEST_USE_PG": "0"}
    )
    with pytest.raises(RuntimeError, match="连不上"):
        kit_db.scratch_database(
            tmp_path, {"SHUZHI_TEST_PG_URL": "postgresql+psycopg://postgres@127.0.0.1:9/test"}
        )


def test_sqlite_without_a_checkout_uses_the_models(tmp_path, monkeypatch) -> None:
    # shuzhi installed from a wheel has no migrations/: the kit builds SQLite from the models
    from sqlalchemy import create_engine, inspect

    monkeypatch.setenv("SHUZHI_MIGRATIONS_DIR", str(tmp_path / "absent"))
    sdb = kit_db.sqlite_database(tmp_path)
    engine = create_engine(sdb.owner_url)
    assert {"tenants", "orgs", "posts", "reporting_relations"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    sdb.close()


@pytest.mark.postgres
def test_postgres_scratch_database_runs_the_tree_under_rls(tmp_path) -> None:
    # SHUZHI_TEST_USE_PG=1: a fresh PostgreSQL database, the app as the non-owner role, dropped after
    from sqlalchemy import create_engine, text

    sdb = kit_db.scratch_database(tmp_path, {"SHUZHI_TEST_USE_PG": "1"})
    app = engine = None
    try:
        assert sdb.backend == "postgresql" and sdb.app_url != sdb.owner_url
        app = kit_db.build_app(sdb, tmp_path / "instance")
        t = build_tenant(app, "pg-kit")
        assert len(t.orgs) == 7
        engine = create_engine(sdb.app_url)
        with engine.connect() as conn:  # no tenant set: RLS shows the app role nothing
            assert conn.execute(text("SELECT count(*) FROM orgs")).scalar() == 0
        sdb.empty()
    finally:
        if engine is not None:
            engine.dispose()
        if app is not None:
            kit_db.dispose_app(app)
        sdb.close()
    admin = create_engine(kit_db.pg_url({}))
    with admin.connect() as conn:
        name = sdb.owner_url.rsplit("/", 1)[1]
        assert conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None
    admin.dispose()


# --- policies ---------------------------------------------------------------------------


def test_policy_fixture_loads_through_the_plugin_manager(shuzhi_policy) -> None:
    # the policy a plugin's test checks is the one the platform serves
    assert shuzhi_policy("tongjia") == hooks.policy("tongjia")
    with pytest.raises(PolicyNotFound, match=r"没有名为 nosuch 的方案.*tongjia.*register_plugin"):
        shuzhi_policy("nosuch")


def test_resolve_params_applies_overrides_within_bounds() -> None:
    # a tenant's overrides, checked against the declared bounds (TJ-10 min_total 0..5000)
    assert resolve_params("tongjia", {"min_total": 1200})["min_total"] == 1200
    assert resolve_params("tongjia")["lower_grades_min_share"] == Fraction(15, 100)
    with pytest.raises(ParamError, match="不能大于"):
        resolve_params("tongjia", {"min_total": 9000})


PROBE_TOML = """
format = 1
[policy]
name = "kitprobe"
version = "1"
title = "测试方案"
jurisdiction = "测试县委"
[[clause]]
id = "KP-01"
kind = "rule"
severity = "error"
text = "全文不少于100字。"
[[clause]]
id = "KP-02"
kind = "rule"
severity = "warning"
text = "不得使用“等等”。"
[[clause]]
id = "KP-03"
kind = "rule"
severity = "error"
text = "由本组织确定1至2个必答题。"
[params.min_total]
type = "int"
default = 100
min = 10
max = 1000
label = "字数下限"
clause = "KP-01"
[[section]]
key = "body"
name = "正文"
[[rule]]
id = "KP-01"
kind = "length"
min = { param = "min_total" }
[[rule]]
id = "KP-03"
kind = "topics"
source = "org"
min = 1
max = 2
[[grade]]
key = "good"
name = "好"
[[grade]]
key = "fair"
name = "一般"
[[voter_group]]
key = "cadres"
name = "干部"
weight = "40%"
[[voter_group]]
key = "masses"
name = "群众"
weight = "60%"
"""


class Probe:
    """A plugin that is not installed: registered by the test, as a fresh scaffold's conftest does."""

    crash = False

    @staticmethod
    @hookimpl
    def shuzhi_policies():
        return [parse_policy(PROBE_TOML, plugin="kitprobe")]

    @staticmethod
    @hookimpl
    @for_policy("kitprobe")
    def shuzhi_report_rules(policy, params):
        def no_dengdeng(report, ctx):
            if Probe.crash:
                raise ZeroDivisionError("probe")
            return [
                Finding("KP-02", "warning", f"第{i + 1}段用了“等等”", "等等", paragraph=i, kind="code")
                for i, p in enumerate(report.paragraphs)
                if "等等" in p
            ]

        return [CodeRule("KP-02", "warning", no_dengdeng)]


@pytest.fixture
def probe():
    Probe.crash = False
    register_plugin(Probe, name="kitprobe")
    yield load_policy("kitprobe")
    unregister_plugin("kitprobe")
    Probe.crash = False


def _body(n: int, *content: str):
    """A one-part report of exactly ``n`` 字 that answers the 必答题 "学习"."""
    return build_report([part("body", "正文", n, "认真学习。", *content)])


def test_check_report_runs_declared_and_python_rules(probe) -> None:
    # declared length rule (figure, limit) and the plugin's shuzhi_report_rules, as the platform runs them
    short = check_report(probe, _body(99, "我们开展了学习等等活动。"), topics=["学习"])
    assert [(f.rule_id, f.figure) for f in issues(short)] == [("KP-01", 99), ("KP-02", "等等")]
    assert issues(short, "KP-01")[0].limit == "不少于100字"
    assert issues(check_report(probe, _body(100), topics=["学习"])) == []
    # a tenant's override of the parameter
    assert issues(check_report(probe, _body(99), {"min_total": 90}, topics=["学习"])) == []


def test_check_report_takes_org_chosen_topics(probe) -> None:
    # SX-05 style: 必答题 the org chose; names or (name, keywords), answered where a paragraph names one
    report = _body(200, "抓好村集体经济发展。")
    assert issues(check_report(probe, report), "KP-03")[0].message.startswith("本组织还没有确定必答题")
    found = check_report(probe, report, topics=[("集体经济", ["集体经济"])])
    assert [f.severity for f in found if f.rule_id == "KP-03"] == ["info"]
    missing = issues(check_report(probe, report, topics=["乡村治理"]), "KP-03")
    assert "「乡村治理」未作答" in missing[0].message


def test_a_crashing_rule_fails_the_test_unless_lenient(probe) -> None:
    # strict by default: the author sees the traceback; strict=False shows what users would see
    Probe.crash = True
    with pytest.raises(RuleCrashed, match="KP-02") as info:
        check_report(probe, _body(100), topics=["学习"])
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    lenient = check_report(probe, _body(100), topics=["学习"], strict=False)
    assert [(f.rule_id, f.kind) for f in issues(lenient)] == [("KP-02", "failed")]


def test_registered_plugin_survives_a_manager_rebuild_and_obeys_the_block_list(probe) -> None:
    # create_app rebuilds the manager; the kit puts the test-registered plugin back, unless blocked
    hooks.load()
    assert load_policy("kitprobe") == probe
    hooks.load({"kitprobe"})
    try:
        with pytest.raises(PolicyNotFound, match=r"SHUZHI_BLOCK_PLUGINS.*kitprobe"):
            load_policy("kitprobe")
    finally:
        hooks.load()


def test_register_plugin_is_a_no_op_for_an_installed_plugin() -> None:
    # a plugin's conftest may call it unconditionally: the installed entry point wins
    import shuzhi_tongjia.plugin

    hooks.load()
    register_plugin(shuzhi_tongjia.plugin, name="tongjia")
    try:
        names = [name for name, _ in hooks.manager.list_name_plugin()]
        assert names.count("tongjia") == 1
    finally:
        unregister_plugin("tongjia")
    assert hooks.policy("tongjia") is not None  # unregistering a kit entry leaves the installed one


def test_lint_policy(probe) -> None:
    # the linter through the kit: tongjia's own TJ-06/TJ-10 contradiction is known, an override breaks it
    assert lint_policy(probe).ok and not lint_policy(probe).contradictions
    tj = lint_policy("tongjia")
    assert tj.ok and [c.known for c in tj.contradictions] == [True]
    assert not lint_policy("tongjia", {"min_total": 0, "max_total": 500, "practices_share_min": 0.9}).ok


# --- reports ----------------------------------------------------------------------------


def test_words_and_parts_have_exact_counts() -> None:
    # COUNTING: tests need exact 字数 (1499 vs 1500)
    assert count_words(words(1499)) == 1499 and words(0) == ""
    key, heading, paras = part("practices", "一、主要做法", 300, "开展党课12次，发展党员3名。")
    assert key == "practices" and count_words(heading) + sum(count_words(p) for p in paras) == 300
    report = build_report([part("a", "一、甲", 120), part("b", "二、乙", 80)], intro=["尊敬的各位领导："])
    assert [p.words for p in report.parts] == [120, 80]
    assert report.body_words == 200 + count_words("尊敬的各位领导：")
    assert part("a", "标题", 2) == ("a", "标题", [])  # no empty padding paragraph
    with pytest.raises(ValueError, match="超过"):
        part("a", "一、主要做法", 3)
    with pytest.raises(ValueError):
        words(3, filler="abc")  # a run of letters is one 字, not three


def test_build_docx_has_headings_paragraphs_and_a_table() -> None:
    # the docx a secretary uploads: Word heading styles, body paragraphs, a table, 落款
    data = build_docx(
        [("一、主要做法及成效", ["全年开展党课12次。", words(50)]), ("二、存在的问题", ["问题一。"])],
        title="2024年度抓基层党建工作述职报告",
        intro=["尊敬的各位领导："],
        table=[["项目", "次数"], ["党课", "12"]],
        signature=["述职人：张三", "2025年1月10日"],
    )
    assert data[:2] == b"PK"
    doc = docx.Document(io.BytesIO(data))
    paras = [(p.style.name, p.text) for p in doc.paragraphs]
    assert paras[0] == ("Title", "2024年度抓基层党建工作述职报告")
    assert ("Heading 1", "一、主要做法及成效") in paras and ("Heading 1", "二、存在的问题") in paras
    assert paras[-2:] == [("Normal", "述职人：张三"), ("Normal", "2025年1月10日")]
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [["项目", "次数"], ["党课", "12"]]


# --- ballots ----------------------------------------------------------------------------


def test_ballot_set_counts_by_grade_and_group(probe) -> None:
    # ballots as data: grades by key or name, voter groups from the policy (YZ-08 style weights)
    bs = BallotSet(probe)
    bs.add({"张三": "好", "李四": "fair"}, group="cadres", times=3)
    bs.add({"张三": "一般"}, group="群众", times=2)
    assert len(bs) == 5
    assert bs.counts() == {"张三": {"good": 3, "fair": 2}, "李四": {"good": 0, "fair": 3}}
    assert bs.counts("masses") == {"张三": {"good": 0, "fair": 2}}
    assert {b.voter_group for b in bs.ballots} == {"cadres", "masses"}
    with pytest.raises(ValueError, match=r"没有等次“优秀”.*好\(good\)"):
        bs.add({"张三": "优秀"}, group="cadres")
    with pytest.raises(ValueError, match="没有投票人类别“党员”"):
        bs.add({"张三": "好"}, group="党员")
    assert len(bs) == 5  # nothing half-added
