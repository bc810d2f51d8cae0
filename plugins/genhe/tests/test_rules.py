"""The genhe policy's declared rules on hand-built reports, its linter result,
parameters, grades and stages, as the platform loads them."""

from __future__ import annotations

import re

import pytest

from shuzhi.plugins import hooks
from shuzhi.policy.evaluate import Context, blocking, evaluate
from shuzhi.policy.lint import lint
from shuzhi.policy.params import resolve
from shuzhi.policy.report import build_report

#: One sentence per 聚焦 of GH-03 (the fifth, 问题导向, is the problems part itself).
POINTS = {
    1: "深入学习贯彻党的二十大精神，扎实开展主题教育。",
    2: "聚焦铸牢中华民族共同体意识主线，增强支部政治功能和组织功能。",
    3: "严格落实三会一课，做好发展党员工作。",
    4: "认真履行第一责任人责任，落实意识形态工作责任制。",
}
MODEL_BRANCH = "把坚强堡垒模范支部创建作为必答题，对照标准逐项推进。"
PROBLEM = "聚焦难点堵点痛点，从主观层面深入剖析。"


@pytest.fixture(scope="module")
def policy():
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("genhe")
    assert found is not None, "pip install -e plugins/genhe"
    return found


def _report(
    *,
    points: tuple[int, ...] = (1, 2, 3, 4),
    model_branch: bool = True,
    problem: bool = True,
    parts: tuple[str, ...] = ("practices", "problems", "measures"),
):
    body = {
        "practices": (
            "practices",
            "一、主要工作及成效",
            [*(POINTS[i] for i in points), *([MODEL_BRANCH] if model_branch else [])],
        ),
        # a heading that names no 聚焦 keyword, so the problem-orientation point rests on the text
        "problems": ("problems", "二、问题和不足", [PROBLEM] if problem else ["办事效率有待提高。"]),
        "measures": ("measures", "三、下一步工作打算", ["细化整改台账，明确整改措施、责任和时限。"]),
    }
    return build_report([body[k] for k in parts])


def _issues(findings, rule_id=None, kind=None):
    return [
        f
        for f in findings
        if f.severity != "info"
        and (rule_id is None or f.rule_id == rule_id)
        and (kind is None or f.kind == kind)
    ]


def _run(policy, report, **overrides):
    return evaluate(report, Context(policy, resolve(policy, overrides)))


# --- the policy as data ------------------------------------------------------------------


def test_clauses_are_chinese_and_rule_severities_follow_the_register(policy) -> None:
    # clauses GH-01..GH-11: the plan's own words
    for clause in policy.clauses:
        assert not re.search(r"[A-Za-z]{2,}", clause.text), clause.id
    assert {c.id: c.severity.value for c in policy.clauses if c.severity} == {
        "GH-03": "error",
        "GH-08": "warning",
        "GH-09": "error",
    }
    # clause GH-03: 必答题, the three parts and the five 聚焦, all blocking
    assert [(r.id, r.kind.value, r.severity.value) for r in policy.rules] == [
        ("GH-03", "topics", "error"),
        ("GH-03", "required_sections", "error"),
        ("GH-03", "coverage", "error"),
    ]


def test_params_grades_and_stages(policy) -> None:
    # clauses GH-03 (5 points), GH-08 (≈40% 较好 or below), GH-09 (一般+差 votes > 10% → 差)
    d = policy.defaults()
    assert d["content_points_min"] == 5
    assert (str(d["lower_grades_share"]), str(d["forced_poor_vote_share"])) == ("2/5", "1/10")
    # clause GH-08: 好/较好/一般/差, no points in the plan
    assert [(g.name, g.points) for g in policy.grades] == [
        ("好", None),
        ("较好", None),
        ("一般", None),
        ("差", None),
    ]
    stages = {s.key: s for s in policy.stages}
    # clause GH-01: reviewed by the 党总支 before the meeting; everything done by 2024-01-31
    assert (stages["review"].deadline, stages["review"].reminders) == ("meeting", (3, 1))
    assert (stages["complete"].deadline, stages["complete"].reminders) == ("2024-01-31", (14, 7, 1))
    # clause GH-11: the filing bundle by 2024-02-09
    assert (stages["file"].deadline, stages["file"].clause) == ("2024-02-09", "GH-11")


def test_topic_and_sections(policy) -> None:
    # clause GH-03: the one 必答题; clause GH-04: 成效, 问题及剖析, 解决办法
    assert [(t.name, t.keywords[0]) for t in policy.topics] == [("坚强堡垒模范支部创建", "坚强堡垒模范支部")]
    assert [s.name for s in policy.sections] == ["主要工作及成效", "存在的问题及原因分析", "下一步工作打算"]
    assert {"存在问题", "问题和不足"} <= set(policy.section("problems").variants)
    assert {"下步打算", "努力方向"} <= set(policy.section("measures").variants)


def test_linter_finds_no_contradiction(policy) -> None:
    # the plan sets no length or share limits: nothing can conflict
    result = lint(policy)
    assert result.contradictions == () and result.ok


# --- reports -------------------------------------------------------------------------------


def test_a_good_report_passes(policy) -> None:
    # clause GH-03
    findings = _run(policy, _report())
    assert _issues(findings) == []
    answered = [f for f in findings if f.rule_id == "GH-03" and f.kind == "topics"]
    assert answered[0].message == "必答题「坚强堡垒模范支部创建」在第6段作答（提到“坚强堡垒模范支部”）。"


def test_required_question_blocks(policy) -> None:
    # clause GH-03: 坚强堡垒模范支部创建 is the 必答题
    findings = _run(policy, _report(model_branch=False))
    found = _issues(findings, "GH-03", "topics")
    assert [(f.message, f.severity) for f in found] == [
        (
            "必答题「坚强堡垒模范支部创建」未作答：没有哪一部分或段落谈到（坚强堡垒模范支部、坚强堡垒、模范支部、模范党支部、堡垒支部）。",
            "error",
        )
    ]
    assert blocking(findings) == found


def test_five_points_coverage(policy) -> None:
    # clause GH-03: the five 聚焦
    findings = _run(policy, _report(points=(1, 3, 4), problem=False))
    found = _issues(findings, "GH-03", "coverage")
    assert [(f.message, f.figure) for f in found] == [
        (
            "述职内容要点覆盖 3/5 项，没有谈到：铸牢中华民族共同体意识主线，增强政治功能和组织功能；问题导向。",
            3,
        )
    ]
    assert found[0].blocking
    assert (
        _issues(_run(policy, _report(points=(1, 3, 4), problem=False), content_points_min=3), "GH-03") == []
    )


def test_missing_measures_blocks(policy) -> None:
    # clause GH-03: "把对策措施讲实" (and GH-04: 明确解决办法)
    found = _issues(_run(policy, _report(parts=("practices", "problems"))), "GH-03", "required_sections")
    assert len(found) == 1 and found[0].blocking
    assert found[0].message.startswith(
        "缺少「下一步工作打算」部分（可用的标题：下一步工作打算 / 下步工作打算"
    )
