"""The jixian policy's declared data (JX-01..JX-09) and its report rules on hand-built reports."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from shuzhi.plugins import hooks
from shuzhi.policy.evaluate import Context, evaluate
from shuzhi.policy.lint import lint
from shuzhi.policy.model import Policy
from shuzhi.policy.params import ParamError, resolve
from shuzhi.policy.report import build_report
from shuzhi.reports.counting import count_words

ACHIEVEMENTS = [
    "一是深入学习贯彻习近平新时代中国特色社会主义思想和党的十九大精神，推进“两学一做”学习教育常态化制度化，组织集中学习24次。",
    "二是履行党建工作责任，落实主体责任，召开党建专题会议6次。",
    "三是推进“三基建设”，县上确定的45项重点任务中承担的8项全部完成。",
    "四是加强党支部建设，规范开展主题党日活动12次，发展党员3名。",
    "五是抓党建促脱贫攻坚，例如在屯里镇选派第一书记2名，村集体经济收入增长15%。",
    "六是推行“五亮一争”“联促建”，党员亮身份120人次。",
]
RECTIFICATION = ["上年度述职查摆的3个问题已整改到位，半年述职查摆问题的整改情况逐项销号。"]
PROBLEMS = ["一是党支部活动形式单一，2个支部重形式轻内容。"]
PLANS = ["下一步，持续推进“三基建设”，抓好问题整改。"]
HEADS = {
    "achievements": "主要成绩",
    "rectification": "上年度问题整改情况",
    "problems": "存在问题",
    "plans": "下步打算",
}


@pytest.fixture(scope="module")
def policy() -> Policy:
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("jixian")
    assert found is not None, "the jixian entry point is not installed (pip install -e plugins/jixian)"
    return found


def _text(n: int, unit: str = "党建工作") -> str:
    """Exactly n 字 of filler with no figures, cases or keywords."""
    return (unit * (n // len(unit) + 1))[:n]


def _part(key: str, paragraphs: list[str], words: int | None):
    """A part padded with filler to exactly ``words`` 字 (heading included)."""
    used = count_words(HEADS[key]) + sum(count_words(p) for p in paragraphs)
    pad = [_text(words - used)] if words is not None and words > used else []
    return (key, HEADS[key], [*paragraphs, *pad])


def _report(achievements=900, total=3000, *, ach=ACHIEVEMENTS, plans=PLANS, keys=None):
    """A report of ``total`` 字 whose 成绩 part has ``achievements`` 字; the rest is padded into 问题."""
    keys = keys or ["achievements", "rectification", "problems", "plans"]
    content = {"achievements": ach, "rectification": RECTIFICATION, "problems": PROBLEMS, "plans": plans}
    parts = [_part(k, content[k], achievements if k == "achievements" else None) for k in keys]
    rest = total - sum(count_words(p) for _, h, body in parts for p in [h, *body])
    if rest > 0:
        i = keys.index("problems")
        parts[i] = (parts[i][0], parts[i][1], [*parts[i][2], _text(rest)])
    report = build_report(parts)
    assert report.body_words == total
    return report


def _check(policy: Policy, report, params=None):
    return evaluate(report, Context(policy, params or policy.defaults()))


def _problems(findings):
    return [f for f in findings if f.severity != "info"]


def _of(findings, rule_id, kind=None):
    return [f for f in findings if f.rule_id == rule_id and (kind is None or f.kind == kind)]


# --- the declared data -------------------------------------------------------------


def test_clause_texts_are_the_plans_words(policy) -> None:
    # clauses JX-01..JX-09: shown to users in Chinese, in the seed's own words
    words = {
        "JX-01": "全县范围内的党组织书记和县直机关单位党组书记",
        "JX-02": "农村党组织书记向乡镇党委述职",
        "JX-03": "“五亮一争”",
        "JX-04": "2019年1月15日前完成",
        "JX-05": "写成绩部分不能超过总篇幅的",
        "JX-06": "以口头述职为主",
        "JX-07": "不能唯票定档",
        "JX-08": "列出问题清单、责任清单、整改清单",
        "JX-09": "县委组织部",
    }
    for cid, phrase in words.items():
        assert phrase in policy.clause(cid).text and phrase in policy.seed_text, cid
    assert all(re.match(r"[\u4e00-\u9fff]", c.text) for c in policy.clauses)
    assert policy.clause("JX-03").severity.value == "warning"
    assert policy.clause("JX-05").severity.value == "error"
    assert policy.clause("JX-07").severity.value == "error"


def test_params_sections_and_grades(policy) -> None:
    # clause JX-05: the 1/3 ceiling, a tenant may only tighten it
    d = policy.defaults()
    assert d["achievements_max"] == Fraction(1, 3) and policy.param("achievements_max").clause == "JX-05"
    assert (d["achievements_min_figures"], d["achievements_min_cases"]) == (3, 1)
    with pytest.raises(ParamError) as exc:
        resolve(policy, {"achievements_max": "1/2"})
    assert exc.value.errors == {"achievements_max": "「写成绩部分占总篇幅的上限」不能大于 1/3"}
    # the plan prescribes no headings: no part is required, the 成绩 part has its usual names
    assert not any(s.required for s in policy.sections)
    assert {"工作成效", "主要做法及成效"} <= set(policy.section("achievements").names)
    assert "下一步工作打算" in policy.section("plans").names
    # clause JX-07: the grade scale
    assert [g.name for g in policy.grades] == ["好", "较好", "一般", "差"]


def test_stages_run_bottom_up(policy) -> None:
    # clause JX-04: level 3 (to a 系统党委) and 乡镇 first, then the 工委, results, then the 县委
    stages = {s.key: s for s in policy.stages}
    assert (stages["system_committees"].level, stages["system_committees"].deadline) == (3, "2018-12-25")
    assert (stages["townships"].level, stages["townships"].deadline) == (2, "2018-12-25")
    assert (stages["working_committees"].level, stages["working_committees"].deadline) == (2, "2019-01-15")
    assert (stages["results"].level, stages["results"].deadline) == (None, "2019-01-20")
    assert (stages["county"].level, stages["county"].deadline) == (1, "2019-01-31")
    assert all(s.clause == "JX-04" and s.reminders for s in policy.stages)
    by_level: dict[int, str] = {}
    for s in policy.stages:
        if s.level:
            by_level[s.level] = max(by_level.get(s.level, ""), s.deadline)
    assert by_level[3] <= by_level[2] <= by_level[1]  # lower levels finish first


def test_linter_finds_no_contradiction(policy) -> None:
    # clause JX-05: a 成绩 part of at least 100字 within 1/3 of the report
    assert lint(policy).contradictions == () and lint(policy).ok
    tight = resolve(policy, {"achievements_max": "1/4"})
    assert lint(policy, tight, overridden=["achievements_max"]).contradictions == ()


# --- a report that passes everything ---------------------------------------------------


def test_good_report_passes(policy) -> None:
    # clauses JX-03, JX-05
    assert _problems(_check(policy, _report(achievements=900))) == []


# --- JX-05: 写成绩部分不能超过总篇幅的1/3 ------------------------------------------------------


def test_jx05_exactly_one_third_passes(policy) -> None:  # clause JX-05
    assert _of(_check(policy, _report(achievements=1000)), "JX-05") == []


def test_jx05_achievements_over_one_third_blocks(policy) -> None:  # clause JX-05
    f = _of(_check(policy, _report(achievements=1200)), "JX-05")
    assert len(f) == 1 and f[0].kind == "section_share" and f[0].blocking
    assert f[0].message == "「主要成绩」部分 1200字，占全文 40.0%，要求不超过1/3。"
    assert (f[0].figure, f[0].limit) == ("40.0%", "不超过1/3")
    assert f[0].how == "「主要成绩」部分 1200字 ÷ 全文正文 3000字（不含标题、称谓和落款）= 40.0%"


def test_jx05_tighter_override(policy) -> None:  # clause JX-05
    params = resolve(policy, {"achievements_max": "1/4"})
    f = _of(_check(policy, _report(achievements=900), params), "JX-05")
    assert [x.message for x in f] == ["「主要成绩」部分 900字，占全文 30.0%，要求不超过25%。"]


def test_jx05_no_achievements_part_warns(policy) -> None:  # clause JX-05
    report = _report(achievements=None, keys=["rectification", "problems", "plans"])
    findings = _check(policy, report)
    f = _of(findings, "JX-05")
    assert len(f) == 1 and f[0].kind == "required_sections" and f[0].severity == "warning"
    assert f[0].message == (
        "没有找到写成绩的部分（如“主要成绩”“工作成效”），无法核对写成绩部分不超过总篇幅的1/3，请用小标题标明。"
    )
    assert not any(x.blocking for x in findings)


def test_jx05_achievements_without_figures_or_cases(policy) -> None:  # clause JX-05
    ach = [
        "我们认真履行党建工作责任，落实主体责任，推进“三基建设”，加强党支部建设，抓党建促脱贫攻坚，推行“五亮一争”。"
    ]
    ach.insert(0, "深入学习贯彻党的十九大精神。")
    f = _of(_check(policy, _report(achievements=600, ach=ach)), "JX-05", "data_usage")
    assert [x.message for x in f] == [
        "「主要成绩」部分只用了 0 个具体数据，要求至少 3 个（如开展党课多少次、发展积极分子多少名）。",
        "「主要成绩」部分只举了 0 个实例，要求至少 1 个（用“例如”“以…为例”等举出具体事例）。",
    ]
    assert all(x.severity == "warning" and x.where == "主要成绩" for x in f)


# --- JX-03: the seven points -------------------------------------------------------------


def test_jx03_missing_points_warn(policy) -> None:  # clause JX-03
    ach = [p for p in ACHIEVEMENTS if "三基建设" not in p and "五亮一争" not in p]
    findings = _check(policy, _report(achievements=900, ach=ach, plans=["下一步，抓好问题整改。"]))
    f = _of(findings, "JX-03")
    assert len(f) == 1 and f[0].severity == "warning" and not f[0].blocking
    assert f[0].message == (
        "述职内容要点覆盖 5/7 项，没有谈到：推进45项“三基建设”重点任务；"
        "落实“五亮一争”“联促建”“双报到双服务”“五星村庄”等工作载体。"
    )
    assert (f[0].figure, f[0].limit) == (5, "至少7项")


def test_jx03_any_carrier_counts(policy) -> None:  # clause JX-03: a village speaks of 五星村庄 only
    ach = [p.replace("“五亮一争”“联促建”", "“五星村庄”创建") for p in ACHIEVEMENTS]
    assert _of(_check(policy, _report(achievements=900, ach=ach)), "JX-03") == []
