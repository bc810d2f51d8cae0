"""The suixi policy's declared data (SX-01..SX-14) and its report rules on hand-built reports."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction

import pytest

from shuzhi.plugins import hooks
from shuzhi.policy.evaluate import Context, evaluate
from shuzhi.policy.lint import lint
from shuzhi.policy.model import Policy, Topic
from shuzhi.policy.params import ParamError, resolve
from shuzhi.policy.report import build_report
from shuzhi.reports.counting import count_words

#: The org's own 必答题 (SX-05), set before writing.
ARCHIVES = Topic("archives", "党员档案数字化管理", ("档案数字化",))

INTRO = ["作为党组织书记，我始终牢记抓党建是第一责任人职责，坚持以上率下、示范带动。"]
WORK = [
    "一是深入开展主题教育，班子成员讲专题党课6次，开展调研12次。",
    "二是增强政治功能和组织功能，围绕“百千万工程”组织党员下沉服务，例如在城月镇帮扶3个村完成人居环境整治。",
    "三是提升组织体系建设整体效能，推进“遂行先锋”计划，打造党建品牌1个。",
    "四是发挥党员先锋模范作用，发展党员2名，严格落实组织生活制度。",
    "五是落实基层党建责任制，签订责任书15份，班子成员履行“一岗双责”。",
    "六是坚持问题导向，聚焦党员管理难点，把档案数字化作为必答题集中攻坚，完成86份。",
]
PROBLEMS = ["一是党建与业务融合不够紧密，3个支部活动形式单一。", "二是党员教育方式较为传统。"]
DIRECTION = ["抓党建必须把自己摆进去。下一步，我将以党的二十大精神为指引，推动机关党建高质量发展。"]
HEADS = {"intro": "导言", "work": "主要工作", "problems": "存在问题", "direction": "认识体会和努力方向"}


@pytest.fixture(scope="module")
def policy() -> Policy:
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("suixi")
    assert found is not None, "the suixi entry point is not installed (pip install -e plugins/suixi)"
    return found


def _text(n: int, unit: str = "党建工作") -> str:
    """Exactly n 字 of filler with no figures, cases or keywords."""
    return (unit * (n // len(unit) + 1))[:n]


def _report(order=("intro", "work", "problems", "direction"), speech=None, **bodies):
    """A report with the plan's four parts; ``bodies`` replaces a part's paragraphs."""
    base = {"intro": INTRO, "work": WORK, "problems": PROBLEMS, "direction": DIRECTION}
    base.update(bodies)
    docs = {"speech": speech} if speech is not None else None
    return build_report([(k, HEADS[k], base[k]) for k in order], documents=docs)


def _check(policy: Policy, report, params=None, topics=(ARCHIVES,)):
    ctx = Context(policy, params or policy.defaults(), chosen_topics=list(topics))
    return evaluate(report, ctx)


def _problems(findings):
    return [f for f in findings if f.severity != "info"]


def blocking_ids(findings) -> list[str]:
    return [f.rule_id for f in findings if f.blocking]


def _of(findings, rule_id, kind=None):
    return [f for f in findings if f.rule_id == rule_id and (kind is None or f.kind == kind)]


# --- the declared data -------------------------------------------------------------


def test_clause_texts_are_the_plans_words(policy) -> None:
    # clauses SX-01..SX-14: shown to users in Chinese, in the seed's own words
    words = {
        "SX-01": "以党组织名义述职",
        "SX-02": "县直工委抽选12个机关党委",
        "SX-03": "2024年1月22日前提交书面述职材料",
        "SX-05": "确定1－2个重点难点问题作为“必答题”",
        "SX-06": "6分钟现场发言稿控制",
        "SX-08": "注重用事例和数据讲话",
        "SX-09": "述职时尽量脱稿",
        "SX-11": "评价为“好”的比例一般不超过二分之一",
        "SX-12": "列出问题清单、责任清单、整改清单",
        "SX-14": "要及时向县直工委报告",
    }
    for cid, phrase in words.items():
        assert phrase in policy.clause(cid).text and phrase in policy.seed_text, cid
    assert all(re.match(r"[\u4e00-\u9fff]", c.text) for c in policy.clauses)
    assert policy.clause("SX-04").severity.value == "warning"
    assert policy.clause("SX-05").severity.value == "error"
    assert policy.clause("SX-09").kind.value == "human"


def test_params_carry_the_plans_figures(policy) -> None:
    # clauses SX-01, SX-02, SX-05, SX-06, SX-11
    d = policy.defaults()
    assert d["min_tenure_months"] == 6 and policy.param("min_tenure_months").clause == "SX-01"
    assert d["onsite_count"] == 12 and policy.param("onsite_count").clause == "SX-02"
    assert (d["topics_min"], d["topics_max"]) == (1, 2)
    assert (d["max_total"], d["speech_max"], d["speech_minutes"]) == (3000, 1200, 6)
    assert d["good_share_max"] == Fraction(1, 2) and policy.param("good_share_max").clause == "SX-11"


def test_override_out_of_bounds_is_refused(policy) -> None:
    # clause SX-06, SX-11: a tenant may tighten, not break, the plan's figures
    with pytest.raises(ParamError) as exc:
        resolve(policy, {"max_total": 500, "good_share_max": "60%"})
    assert exc.value.errors == {
        "max_total": "「述职报告字数上限」不能小于 1000",
        "good_share_max": "「评价为“好”的比例上限」不能大于 50%",
    }


def test_sections_grades_and_stages(policy) -> None:
    # clause SX-07: the four parts in the plan's order
    assert [s.name for s in policy.sections] == ["导言", "主要工作", "存在问题", "认识体会和努力方向"]
    assert all(s.required and s.clause == "SX-07" for s in policy.sections)
    assert "存在的问题及原因分析" in policy.section("problems").names
    # clause SX-11: the grade scale
    assert [g.name for g in policy.grades] == ["好", "较好", "一般", "差"]
    # clauses SX-03, SX-02, SX-13, SX-14: the dated steps
    stages = {s.key: s for s in policy.stages}
    assert stages["submit"].deadline == "2024-01-22" and stages["submit"].clause == "SX-03"
    assert stages["submit"].reminders == (7, 3, 1)
    assert (stages["onsite"].deadline, stages["onsite"].level) == ("2024-02-10", 1)
    assert (stages["sub_cycles"].deadline, stages["sub_cycles"].level) == ("2024-02-10", 2)
    assert stages["report_back"].deadline is None and stages["report_back"].clause == "SX-14"
    assert date.fromisoformat(stages["submit"].deadline) < date.fromisoformat(stages["onsite"].deadline)


def test_linter_finds_no_contradiction(policy) -> None:
    # clauses SX-06, SX-07: 3000字 holds four required parts of at least 100字 each
    result = lint(policy)
    assert result.contradictions == () and result.ok
    # even at the tightest override the bounds allow
    tight = resolve(policy, {"max_total": 1000})
    assert lint(policy, tight, overridden=["max_total"]).contradictions == ()


# --- a report that passes everything ---------------------------------------------------


def test_good_report_passes(policy) -> None:
    # clauses SX-04..SX-08
    findings = _check(policy, _report(speech=_text(1200)))
    assert _problems(findings) == []
    answered = _of(findings, "SX-05", "topics")
    assert len(answered) == 1 and answered[0].severity == "info"
    assert answered[0].message == "必答题「党员档案数字化管理」在第9段作答（提到“档案数字化”）。"
    assert answered[0].paragraph == 8  # 0-based: headings count as paragraphs


# --- SX-06: lengths -------------------------------------------------------------------


def test_sx06_report_over_3000(policy) -> None:  # clause SX-06
    base = _report().body_words
    report = _report(work=[*WORK, _text(3100 - base)])
    assert report.body_words == 3100
    f = _of(_check(policy, report), "SX-06")
    assert len(f) == 1 and f[0].severity == "error" and f[0].blocking
    assert f[0].message == "全文 3100字，要求不超过3000字，请删减 100字。"
    assert f[0].figure == 3100 and f[0].limit == "不超过3000字"


def test_sx06_report_at_3000_passes(policy) -> None:  # clause SX-06
    base = _report().body_words
    report = _report(work=[*WORK, _text(3000 - base)])
    assert report.body_words == 3000 and _of(_check(policy, report), "SX-06") == []


def test_sx06_speech_over_1200(policy) -> None:  # clause SX-06
    f = _of(_check(policy, _report(speech=_text(1201))), "SX-06")
    assert len(f) == 1 and f[0].severity == "error"
    assert f[0].message == "发言稿 1201字，要求不超过1200字，请删减 1字。"
    assert f[0].where == "发言稿" and f[0].figure == 1201


def test_sx06_speech_limit_follows_override(policy) -> None:  # clause SX-06
    params = resolve(policy, {"speech_max": 1000})
    f = _of(_check(policy, _report(speech=_text(1100)), params), "SX-06")
    assert [x.message for x in f] == ["发言稿 1100字，要求不超过1000字，请删减 100字。"]


def test_sx06_no_speech_no_speech_finding(policy) -> None:  # clause SX-06: written reporters have none
    assert _of(_check(policy, _report()), "SX-06") == []


# --- SX-07: parts and order ---------------------------------------------------------------


def test_sx07_missing_part(policy) -> None:  # clause SX-07
    f = _of(_check(policy, _report(order=("work", "problems", "direction"))), "SX-07")
    assert len(f) == 1 and f[0].kind == "required_sections" and f[0].severity == "error"
    assert f[0].message == "缺少「导言」部分（可用的标题：导言 / 引言 / 前言）。"


def test_sx07_wrong_order(policy) -> None:  # clause SX-07
    f = _of(_check(policy, _report(order=("intro", "problems", "work", "direction"))), "SX-07")
    assert len(f) == 1 and f[0].kind == "section_order" and f[0].blocking
    assert f[0].message == (
        "各部分顺序应为：导言 → 主要工作 → 存在问题 → 认识体会和努力方向；"
        "现在是：导言 → 存在问题 → 主要工作 → 认识体会和努力方向。"
    )
    assert f[0].where == "存在问题"


# --- SX-05: the org's own 必答题 ----------------------------------------------------------


def test_sx05_no_topic_chosen_blocks(policy) -> None:  # clause SX-05
    f = _of(_check(policy, _report(), topics=()), "SX-05")
    assert len(f) == 1 and f[0].severity == "error" and f[0].figure == 0
    assert f[0].message == "本组织还没有确定必答题：需要确定 1–2 个重点难点问题后再撰写。"
    assert f[0].limit == "1–2个"


def test_sx05_topic_not_answered(policy) -> None:  # clause SX-05
    unanswered = Topic("flow", "流动党员管理", ("流动党员", "外出党员"))
    f = _of(_check(policy, _report(), topics=(ARCHIVES, unanswered)), "SX-05")
    errors = [x for x in f if x.severity == "error"]
    assert len(errors) == 1 and errors[0].where == "流动党员管理"
    assert errors[0].message == "必答题「流动党员管理」未作答：没有哪一部分或段落谈到（流动党员、外出党员）。"
    assert [x.severity for x in f] == ["info", "error"]


# --- SX-04: the six focus points ------------------------------------------------------------


def test_sx04_missing_focus_point_warns(policy) -> None:  # clause SX-04
    work = [p for p in WORK if "主题教育" not in p]
    f = _of(_check(policy, _report(work=work)), "SX-04")
    assert len(f) == 1 and f[0].severity == "warning" and not f[0].blocking
    assert f[0].message == "述职内容要点覆盖 5/6 项，没有谈到：深入开展主题教育。"
    assert (f[0].figure, f[0].limit) == (5, "至少6项")


# --- SX-08: cases, data, 百千万工程 ------------------------------------------------------------


def test_sx08_work_without_figures_or_cases(policy) -> None:  # clause SX-08
    work = [
        "一是深入开展主题教育，推动理论学习走深走实。",
        "二是围绕“百千万工程”增强政治功能，压实责任制，坚持问题导向。",
    ]
    f = _of(_check(policy, _report(work=work)), "SX-08", "data_usage")
    assert [x.message for x in f] == [
        "「主要工作」部分只用了 0 个具体数据，要求至少 3 个（如开展党课多少次、发展积极分子多少名）。",
        "「主要工作」部分只举了 0 个实例，要求至少 1 个（用“例如”“以…为例”等举出具体事例）。",
    ]
    assert all(x.severity == "warning" and x.where == "主要工作" for x in f)


def test_sx08_problems_need_a_figure(policy) -> None:  # clause SX-08: 客观反映成效和问题
    f = _of(_check(policy, _report(problems=["党建与业务融合不够紧密。"])), "SX-08", "data_usage")
    assert [x.message for x in f] == [
        "「存在问题」部分只用了 0 个具体数据，要求至少 1 个（如开展党课多少次、发展积极分子多少名）。"
    ]


def test_sx08_work_floor_follows_override(policy) -> None:  # clause SX-08
    params = resolve(policy, {"work_min_figures": 0, "work_min_cases": 0})
    work = ["一是深入开展主题教育。", "二是围绕“百千万工程”增强政治功能，压实责任制，坚持问题导向。"]
    assert _of(_check(policy, _report(work=work), params), "SX-08", "data_usage") == []


def test_sx08_baiqianwan_missing(policy) -> None:  # clause SX-08
    work = [p.replace("“百千万工程”", "乡村振兴") for p in WORK]
    findings = _check(policy, _report(work=work))
    f = _of(findings, "SX-08", "mentions")
    assert len(f) == 1 and f[0].severity == "warning" and f[0].figure == 0
    assert f[0].message == "方案要求围绕党建引领保障“百千万工程”实施进行述职，报告中没有谈到“百千万工程”。"
    assert blocking_ids(findings) == []


def test_word_count_is_words_not_characters() -> None:
    # clause SX-06: 字数 as Word counts them (a run of digits is one)
    assert count_words("开展调研12次") == 6
