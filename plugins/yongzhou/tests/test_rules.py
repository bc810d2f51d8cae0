"""The yongzhou policy's declared rules on hand-built reports, its linter result,
parameters, grades, voter groups and stages, as the platform loads them."""

from __future__ import annotations

import re

import pytest

from shuzhi.plugins import hooks
from shuzhi.policy.evaluate import Context, blocking, evaluate
from shuzhi.policy.lint import lint
from shuzhi.policy.params import ParamError, resolve
from shuzhi.policy.report import build_report
from shuzhi.reports.counting import count_words

FILLER = "甲乙丙丁戊己庚辛壬癸"  # neutral text: no keyword, figure or case marker

#: One sentence per content area of YZ-03, and what YZ-11 looks for.
AREAS = {
    "落实党建责任": "党组履行全面从严治党主体责任，党组成员落实一岗双责。",
    "推进政治建设": "深入开展三表率一模范机关创建，坚决做到两个维护。",
    "深化理论武装": "坚持中心组学习，推广使用学习强国平台。",
    "夯实基层基础": "督促落实三会一课、主题党日制度，推进党支部五化建设。",
    "服务中心大局": "围绕决战脱贫攻坚和六稳六保，促进中心工作完成。",
    "强化正风肃纪": "开展廉政教育和警示教育，把纪律规矩挺在前面。",
}
SELF = "本人作为党组书记，带头深入基层调研。"
CAUSE = "究其原因，主要是思想上重业务轻党建。"


@pytest.fixture(scope="module")
def policy():
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("yongzhou")
    assert found is not None, "pip install -e plugins/yongzhou"
    return found


def _part(key: str, heading: str, words: int, *content: str) -> tuple[str, str, list[str]]:
    """A part of exactly ``words`` 字 (heading included), padded with neutral text."""
    pad = words - count_words(heading) - sum(count_words(c) for c in content)
    assert pad >= 0
    return key, heading, [*content, (FILLER * (pad // len(FILLER) + 1))[:pad]]


def _report(
    practices: int = 600,
    problems: int = 1000,
    measures: int = 400,
    *,
    order: tuple[str, ...] = ("practices", "problems", "measures"),
    areas: tuple[str, ...] = tuple(AREAS),
    self_: bool = True,
    cause: bool = True,
):
    parts = {
        "practices": _part(
            "practices",
            "一、主要做法和成效",
            practices,
            *(AREAS[a] for a in areas),
            *([SELF] if self_ else []),
        ),
        "problems": _part("problems", "二、存在的问题及原因分析", problems, *([CAUSE] if cause else [])),
        "measures": _part("measures", "三、下一步工作打算", measures),
    }
    return build_report([parts[k] for k in order])


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
    # clauses YZ-01..YZ-14: the plan's own words, no English left from the register
    for clause in policy.clauses:
        assert not re.search(r"[A-Za-z]{2,}", clause.text), clause.id
    assert {c.id: c.severity.value for c in policy.clauses if c.severity} == {
        "YZ-03": "warning",
        "YZ-04": "error",
        "YZ-11": "warning",
    }
    # clause YZ-04 is an error rule; only "500字左右" and the order (not required by the plan) warn
    yz04 = [(r.kind.value, r.get("section"), r.severity.value) for r in policy.rules if r.id == "YZ-04"]
    assert yz04 == [
        ("length", None, "error"),
        ("length", "practices", "error"),
        ("length", "problems", "error"),
        ("length", "measures", "warning"),
        ("required_sections", None, "error"),
        ("section_order", None, "warning"),
    ]
    assert all(r.severity.value == "warning" for r in policy.rules if r.id in {"YZ-03", "YZ-07", "YZ-11"})


def test_params_carry_the_plans_figures(policy) -> None:
    # clauses YZ-02 (8 drawn, half a year in post), YZ-04, YZ-07, YZ-09
    d = policy.defaults()
    assert (d["onsite_count"], d["min_months_in_post"]) == (8, 6)
    assert (d["max_total"], d["practices_max"], d["problems_min"]) == (2500, 1000, 1000)
    assert (d["measures_min"], d["measures_max"]) == (400, 600)
    assert (d["speech_minutes"], d["pace"]) == (8, 250)
    assert str(d["onsite_weight"]) == "3/10"
    assert {p.name: p.clause for p in policy.params}["onsite_count"] == "YZ-02"


def test_sections_know_the_usual_headings(policy) -> None:
    # clause YZ-04: 做法和成效 / 存在的问题及原因 / 改进的措施和打算, as units title them
    assert [s.name for s in policy.sections] == ["做法和成效", "存在的问题及原因", "改进的措施和打算"]
    assert {"存在问题", "存在的问题及原因分析", "问题和不足"} <= set(policy.section("problems").variants)
    assert {"下步打算", "下一步工作打算", "努力方向"} <= set(policy.section("measures").variants)


def test_ballot_scale_voter_groups_and_final_grades(policy) -> None:
    # clause YZ-08: 好100 较好80 一般60 较差50 on the ballot; group A 40%, others 60%
    ballot = [(g.name, g.points) for g in policy.grades if g.points is not None]
    assert ballot == [("好", 100), ("较好", 80), ("一般", 60), ("较差", 50)]
    # clause YZ-10: the overall grade is 好/较好/一般/差
    assert [g.name for g in policy.grades if g.points is None] == ["好", "较好", "一般", "差"]
    assert [(v.key, str(v.weight)) for v in policy.voter_groups] == [("leaders", "2/5"), ("others", "3/5")]
    assert "市委巡察组组长" in policy.voter_groups[0].name


def test_stages_and_deadlines(policy) -> None:
    stages = {s.key: s for s in policy.stages}
    # clause YZ-05: paper copy by 2020-12-15
    assert (stages["submit"].deadline, stages["submit"].reminders) == ("2020-12-15", (7, 3, 1))
    # clause YZ-12: rectification plan within one month after the meeting
    assert (stages["rectify"].deadline, stages["rectify"].clause) == ("meeting+1m", "YZ-12")
    # clauses YZ-02, YZ-06, YZ-07: dated only "中旬" / "左右" by the plan, set per campaign
    assert [stages[k].deadline for k in ("draw", "verify", "meeting")] == [None, None, None]


def test_linter_finds_no_contradiction(policy) -> None:
    # clause YZ-04: 1000 + 1000 + 500 fits in 2500
    result = lint(policy)
    assert result.contradictions == () and result.ok


def test_linter_names_an_impossible_override(policy) -> None:
    # clause YZ-04: a total below problems ≥1000 + measures ≥400 + a practices part
    params = resolve(policy, {"max_total": 1300})
    result = lint(policy, params, overridden=["max_total"])
    assert not result.ok and len(result.contradictions) == 1
    c = result.contradictions[0]
    assert "YZ-04[max_total=1300]" in c.clauses
    assert "全文不超过1300字" in c.message and "「存在的问题及原因」不少于1000字" in c.message


def test_override_bounds(policy) -> None:
    # clause YZ-07: the pace is the tenant's call within 150–350字/分钟
    with pytest.raises(ParamError) as exc:
        resolve(policy, {"pace": 500, "max_total": 500})
    assert exc.value.errors == {
        "pace": "「现场宣读语速（字/分钟）」不能大于 350",
        "max_total": "「述职报告字数上限」不能小于 1000",
    }


# --- reports -------------------------------------------------------------------------------


def test_a_good_report_passes(policy) -> None:
    # clauses YZ-03, YZ-04, YZ-07, YZ-11: 600 + 1000 + 400 = 2000字, 8 minutes at 250字/分钟
    findings = _run(policy, _report())
    assert _issues(findings) == []


def test_total_over_2500(policy) -> None:
    # clause YZ-04
    found = _issues(_run(policy, _report(1000, 1500, 600)), "YZ-04", "length")
    assert [f.message for f in found] == ["全文 3100字，要求不超过2500字，请删减 600字。"]
    assert found[0].figure == 3100 and found[0].blocking


def test_practices_over_and_problems_under(policy) -> None:
    # clause YZ-04: 做法和成效限1000字以内, 问题及原因1000字以上
    msgs = [f.message for f in _issues(_run(policy, _report(1200, 800, 500)), "YZ-04") if f.blocking]
    assert msgs == [
        "「做法和成效」部分 1200字，要求不超过1000字，请删减 200字。",
        "「存在的问题及原因」部分 800字，要求不少于1000字，还差 200字。",
    ]


@pytest.mark.parametrize(
    ("measures", "message"),
    [
        (300, "「改进的措施和打算」部分 300字，要求不少于400字，还差 100字。"),
        (700, "「改进的措施和打算」部分 700字，要求不超过600字，请删减 100字。"),
    ],
)
def test_measures_about_500_warns(policy, measures: int, message: str) -> None:
    # clause YZ-04: "500字左右" informs, never blocks
    found = _issues(_run(policy, _report(600, 1000, measures)), "YZ-04")
    assert [(f.message, f.severity) for f in found] == [(message, "warning")]


def test_missing_part_blocks(policy) -> None:
    # clause YZ-04: the measures part is required
    findings = _run(policy, _report(order=("practices", "problems")))
    missing = _issues(findings, "YZ-04", "required_sections")
    assert len(missing) == 1 and missing[0].blocking
    assert missing[0].message.startswith(
        "缺少「改进的措施和打算」部分（可用的标题：改进的措施和打算 / 改进措施和打算"
    )
    assert "努力方向" in missing[0].message


def test_order_warns(policy) -> None:
    # clause YZ-04: the plan's order, as a warning
    found = _issues(
        _run(policy, _report(order=("problems", "practices", "measures"))), "YZ-04", "section_order"
    )
    assert [(f.message, f.severity) for f in found] == [
        (
            "各部分顺序应为：做法和成效 → 存在的问题及原因 → 改进的措施和打算；"
            "现在是：存在的问题及原因 → 做法和成效 → 改进的措施和打算。",
            "warning",
        )
    ]


def test_six_areas_coverage(policy) -> None:
    # clause YZ-03
    report = _report(areas=tuple(a for a in AREAS if a != "强化正风肃纪"))
    found = _issues(_run(policy, report), "YZ-03")
    assert [(f.message, f.figure, f.severity) for f in found] == [
        ("述职内容要点覆盖 5/6 项，没有谈到：强化正风肃纪。", 5, "warning")
    ]
    # a tenant may ask for fewer areas
    assert _issues(_run(policy, report, areas_min=5), "YZ-03") == []


def test_two_musts_four_cannots(policy) -> None:
    # clause YZ-11: the secretary's own part, and causes, not surface problems
    found = _issues(_run(policy, _report(self_=False, cause=False)), "YZ-11")
    assert [(f.message, f.severity) for f in found] == [
        (
            "述职内容要点覆盖 1/3 项，没有谈到：书记本人履职（不能以班子述职代替书记述职）；"
            "深层次原因（不能以表面问题代替深层次问题）。",
            "warning",
        )
    ]


def test_reading_time_8_minutes(policy) -> None:
    # clause YZ-07: a full 2500字 report does not fit in 8 minutes at 250字/分钟
    report = _report(1000, 1100, 400)
    assert _issues(_run(policy, report), "YZ-04") == []
    found = _issues(_run(policy, report), "YZ-07")
    assert [(f.message, f.figure, f.severity) for f in found] == [
        ("按每分钟约250字估算，宣读需要约 10.0 分钟，超过 8 分钟的时限。", "10.0分钟", "warning")
    ]
    assert found[0].how == "2500字 ÷ 250字/分钟"
    assert _issues(_run(policy, report, pace=320), "YZ-07") == []


def test_only_yz04_blocks(policy) -> None:
    # clauses YZ-03, YZ-07, YZ-11 inform; YZ-04's hard limits block
    report = _report(1000, 800, 800, areas=(), self_=False, cause=False)
    assert {f.rule_id for f in blocking(_run(policy, report))} == {"YZ-04"}
