"""The tongjia policy's declared rules on hand-built reports, its linter result
(the plan's own TJ-06/TJ-10 contradiction), parameters, grades and stages."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from shuzhi.plugins import hooks
from shuzhi.policy.evaluate import Context, blocking, evaluate
from shuzhi.policy.lint import lint
from shuzhi.policy.params import resolve
from shuzhi.policy.report import build_report
from shuzhi.reports.counting import count_words

FILLER = "甲乙丙丁戊己庚辛壬癸"  # neutral text: no keyword, figure or case marker

#: TJ-04's two 必答题, TJ-03's content points 1–6 (7 is the 必答题), TJ-07's figures and case.
ECONOMY = "坚持拼经济搞建设，壮大村集体经济。"
SAFETY = "坚持防风险保安全，扎实开展隐患排查。"
POINTS = {
    1: "深入学习贯彻党的二十大精神，扎实开展主题教育。",
    2: "增强政治功能和组织功能，有效服务国之大者。",
    3: "抓党建促乡村振兴，持续整顿软弱涣散党组织。",
    4: "突出发挥党员先锋模范作用，抓好党员教育。",
    5: "落实主体责任，班子成员履行一岗双责。",
    6: "上年度整改清单全部销号，巡察反馈问题全部整改到位。",
}
DATA = "全年开展党课12次，发展入党积极分子3名，例如组织党员开展志愿服务。"


@pytest.fixture(scope="module")
def policy():
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("tongjia")
    assert found is not None, "pip install -e plugins/tongjia"
    return found


def _part(key: str, heading: str, words: int, *content: str) -> tuple[str, str, list[str]]:
    """A part of exactly ``words`` 字 (heading included), padded with neutral text."""
    pad = words - count_words(heading) - sum(count_words(c) for c in content)
    assert pad >= 0
    return key, heading, [*content, (FILLER * (pad // len(FILLER) + 1))[:pad]]


def _report(
    practices: int = 1200,
    problems: int = 450,
    plans: int = 150,
    *,
    content: tuple[str, ...] = (ECONOMY, SAFETY, *POINTS.values(), DATA),
    order: tuple[str, ...] = ("practices", "problems", "plans"),
    intro: tuple[str, ...] = (),
):
    parts = {
        "practices": _part("practices", "一、主要做法和成效", practices, *content),
        "problems": _part("problems", "二、存在问题及原因分析", problems),
        "plans": _part("plans", "三、下步工作打算", plans),
    }
    return build_report([parts[k] for k in order], intro=intro)


def _run(policy, report, **overrides):
    return evaluate(report, Context(policy, resolve(policy, overrides)))


def _issues(findings, rule_id=None, kind=None):
    return [
        f
        for f in findings
        if f.severity != "info"
        and (rule_id is None or f.rule_id == rule_id)
        and (kind is None or f.kind == kind)
    ]


# --- the policy as data ------------------------------------------------------------------


def test_clauses_are_chinese_and_rule_severities_follow_the_register(policy) -> None:
    # clauses TJ-01..TJ-13: the plan's own words
    for clause in policy.clauses:
        assert not re.search(r"[A-Za-z]{2,}", clause.text), clause.id
    assert {c.id: c.severity.value for c in policy.clauses if c.severity} == {
        "TJ-03": "warning",
        "TJ-04": "error",
        "TJ-06": "warning",
        "TJ-07": "warning",
        "TJ-09": "warning",
        "TJ-10": "warning",
    }
    # clause TJ-04 is the only rule that blocks; TJ-10 ("不宜""建议""左右") and the rest inform
    assert {r.id for r in policy.rules if r.severity.value == "error"} == {"TJ-04"}


def test_params_carry_the_plans_figures(policy) -> None:
    # clauses TJ-03, TJ-07, TJ-09, TJ-10
    d = policy.defaults()
    assert (d["min_total"], d["max_total"]) == (1500, 2000)
    assert (d["practices_share_min"], d["practices_share_max"]) == (Fraction(13, 20), Fraction(7, 10))
    assert (d["problems_plans_share_min"], d["problems_plans_share_max"]) == (Fraction(3, 10), Fraction(7, 20))
    assert (d["content_points_min"], d["min_figures"], d["min_cases"]) == (4, 2, 1)
    assert str(d["lower_grades_min_share"]) == "3/20"  # 15%


def test_sections_and_topics(policy) -> None:
    # clause TJ-10 names the three parts; TJ-12's template titles them slightly differently
    assert [s.name for s in policy.sections] == ["主要做法及成效", "存在的问题及原因分析", "下步工作打算"]
    assert "主要做法和成效" in policy.section("practices").variants
    assert "存在问题及原因分析" in policy.section("problems").variants
    assert "下一步工作打算" in policy.section("plans").variants
    # clause TJ-04: the two 必答题
    assert [t.name for t in policy.topics] == ["拼经济搞建设", "防风险保安全"]


def test_grade_points_and_stages(policy) -> None:
    # clause TJ-13: 好100 较好90 一般75 差60
    assert [(g.name, g.points) for g in policy.grades] == [
        ("好", 100),
        ("较好", 90),
        ("一般", 75),
        ("差", 60),
    ]
    stages = {s.key: s for s in policy.stages}
    # clause TJ-02: electronic copy, reviewed by the 包片领导, by 5 January
    assert (stages["submit"].deadline, stages["submit"].reminders) == ("2024-01-05", (7, 3, 1))
    assert "包片领导审核" in stages["submit"].name
    # clause TJ-02 ("暂定1月中旬") and TJ-11 ("及时"): no date in the plan
    assert stages["meeting"].deadline is None and stages["rectify"].clause == "TJ-11"


def test_linter_shows_the_plans_own_contradiction(policy) -> None:
    # clauses TJ-06, TJ-10: problems ≥ 1/3 while problems + plans ≤ 35%, plans a part of its own
    result = lint(policy)
    assert len(result.contradictions) == 1
    c = result.contradictions[0]
    assert c.clauses == ("TJ-06", "TJ-10") and c.known and c.severity == "warning"
    assert "「存在的问题及原因分析」不少于全文的1/3" in c.message
    assert "「存在的问题及原因分析」与「下步工作打算」不超过全文的35%" in c.message
    assert result.ok  # declared in [lint] known: shown, not failing


def test_relaxed_shares_lint_clean(policy) -> None:
    # clauses TJ-06, TJ-10: a tenant that widens TJ-10's shares removes the contradiction
    params = resolve(policy, {"practices_share_min": 0.55, "problems_plans_share_max": 0.45})
    overridden = ["practices_share_min", "problems_plans_share_max"]
    assert lint(policy, params, overridden).contradictions == ()


# --- reports -------------------------------------------------------------------------------


def test_report_in_tj10_proportions_warns_on_tj06(policy) -> None:
    # clauses TJ-03, TJ-04, TJ-07, TJ-10 pass; TJ-06 (1/3) cannot at the same time
    findings = _run(policy, _report(1200, 450, 150))
    assert [(f.rule_id, f.message, f.severity) for f in _issues(findings)] == [
        ("TJ-06", "「存在的问题及原因分析」部分 450字，占全文 25.0%，要求不少于1/3。", "warning")
    ]
    assert _issues(findings)[0].figure == "25.0%"
    assert blocking(findings) == []


def test_report_meeting_tj06_warns_on_tj10(policy) -> None:
    # clauses TJ-06, TJ-10: the other side of the same contradiction
    findings = _run(policy, _report(1100, 700, 200))
    assert _issues(findings, "TJ-06") == []
    assert [f.message for f in _issues(findings, "TJ-10")] == [
        "「主要做法及成效」部分 1100字，占全文 55.0%，要求不少于65%。",
        "「存在的问题及原因分析」与「下步工作打算」部分 900字，占全文 45.0%，要求不超过35%。",
    ]


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ((940, 350, 110), "全文 1400字，要求不少于1500字，还差 100字。"),
        ((1410, 525, 165), "全文 2100字，要求不超过2000字，请删减 100字。"),
    ],
)
def test_length_1500_to_2000(policy, sizes, message: str) -> None:
    # clause TJ-10: "在1500-2000字之间即可", a warning
    found = _issues(_run(policy, _report(*sizes)), "TJ-10", "length")
    assert [(f.message, f.severity) for f in found] == [(message, "warning")]


def test_missing_part_and_order_warn(policy) -> None:
    # clause TJ-10: "建议分三个板块", so a warning, not a block
    findings = _run(policy, _report(order=("problems", "practices")))
    missing = _issues(findings, "TJ-10", "required_sections")
    assert [f.message.split("（")[0] for f in missing] == ["缺少「下步工作打算」部分"]
    assert "下一步工作打算" in missing[0].message and missing[0].severity == "warning"
    order = _issues(findings, "TJ-10", "section_order")
    assert (
        order[0].message
        == "各部分顺序应为：主要做法及成效 → 存在的问题及原因分析；现在是：存在的问题及原因分析 → 主要做法及成效。"
    )
    assert blocking(findings) == []


def test_required_questions_block(policy) -> None:
    # clause TJ-04: both 必答题 unanswered
    report = _report(content=(*POINTS.values(), DATA))
    found = _issues(_run(policy, report), "TJ-04")
    assert [(f.message, f.severity) for f in found] == [
        (
            "必答题「拼经济搞建设」未作答：没有哪一部分或段落谈到（拼经济搞建设、拼经济、搞建设、集体经济、项目建设、招商引资、产业发展）。",
            "error",
        ),
        (
            "必答题「防风险保安全」未作答：没有哪一部分或段落谈到（防风险保安全、防风险、保安全、安全生产、风险防范、防范化解、矛盾纠纷、隐患排查）。",
            "error",
        ),
    ]
    assert {f.rule_id for f in blocking(_run(policy, report))} == {"TJ-04"}


def test_required_question_answered_in_own_words(policy) -> None:
    # clause TJ-04: a paragraph on 村集体经济 and one on 安全生产 answer the two questions
    report = _report(content=("发展壮大村集体经济。", "抓好安全生产。", *POINTS.values(), DATA))
    answered = [f for f in _run(policy, report) if f.rule_id == "TJ-04"]
    assert [(f.severity, f.paragraph, f.figure) for f in answered] == [
        ("info", 1, "集体经济"),
        ("info", 2, "安全生产"),
    ]
    assert answered[0].message == "必答题「拼经济搞建设」在第2段作答（提到“集体经济”）。"


def test_figures_and_cases(policy) -> None:
    # clause TJ-07: 用具体的实例和数据说话
    report = _report(content=(ECONOMY, SAFETY, *POINTS.values()))
    found = _issues(_run(policy, report), "TJ-07", "data_usage")
    assert [(f.message, f.figure) for f in found] == [
        (
            "「主要做法及成效」部分只用了 0 个具体数据，要求至少 2 个（如开展党课多少次、发展积极分子多少名）。",
            0,
        ),
        ("「主要做法及成效」部分只举了 0 个实例，要求至少 1 个（用“例如”“以…为例”等举出具体事例）。", 0),
    ]
    assert all(f.severity == "warning" for f in found)


def test_responds_to_last_years_problems_and_inspections(policy) -> None:
    # clause TJ-07: 正面回应上年度查摆问题和督察、巡视巡察反馈问题
    report = _report(content=(ECONOMY, SAFETY, *(POINTS[i] for i in (1, 2, 3, 4, 5)), DATA))
    found = _issues(_run(policy, report), "TJ-07", "coverage")
    assert [f.message for f in found] == [
        "述职内容要点覆盖 0/2 项，没有谈到：上年度查摆问题整改情况；督察、巡视巡察反馈问题整改情况。"
    ]


def test_content_points_focus(policy) -> None:
    # clause TJ-03: at least 4 of the 7 points (the plan wants focus, not everything)
    four = _report(content=(ECONOMY, SAFETY, POINTS[4], POINTS[5], POINTS[6], DATA))
    assert _issues(_run(policy, four), "TJ-03") == []
    two = _report(content=(ECONOMY, SAFETY, POINTS[6]))
    found = _issues(_run(policy, two), "TJ-03")
    assert [(f.message, f.figure, f.severity) for f in found] == [
        (
            "述职内容要点覆盖 2/7 项，没有谈到：学习贯彻党的二十大精神和主题教育；"
            "增强政治功能和组织功能、服务中心大局；提升组织体系整体效能；发挥党员先锋模范作用；落实抓基层党建责任。",
            2,
            "warning",
        )
    ]


def test_template_leftovers(policy) -> None:
    # clause TJ-12: 附件1's XX书记 and bracketed guidance left in the report
    report = _report(
        intro=("XX书记",),
        content=(ECONOMY, SAFETY, *POINTS.values(), DATA, "（主要包括基层党组织履行主体责任等情况。）"),
    )
    found = _issues(_run(policy, report), "TJ-12")
    assert [(f.message, f.paragraph) for f in found] == [
        ("第1段还留有模板占位符“XX”，请替换为实际内容。", 0),
        ("第12段还留有模板占位符“（主要包括基层党组织履行主体责任等情况。）”，请替换为实际内容。", 11),
    ]
