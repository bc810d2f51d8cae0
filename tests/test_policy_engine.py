"""The policy engine: policy.toml loading, rule evaluation, the linter (issue 5 items 2-4)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from shuzhi.policy.evaluate import Context, evaluate
from shuzhi.policy.lint import lint
from shuzhi.policy.loader import PolicyFileError, load_policy_toml, parse_policy
from shuzhi.policy.params import ParamError, resolve
from shuzhi.policy.report import build_report
from shuzhi.reports.counting import count_words

FIX = Path(__file__).parent / "policy_fixtures"


@pytest.fixture(scope="module")
def tj():
    return load_policy_toml(FIX / "tj_excerpt.toml")


@pytest.fixture(scope="module")
def yz():
    return load_policy_toml(FIX / "yz_excerpt.toml")


def _text(n: int, unit: str = "党建工作") -> str:
    """Exactly n 字 of Chinese text."""
    return (unit * (n // len(unit) + 1))[:n]


def _find(findings, rule_id, kind=None, severity=None):
    return [
        f
        for f in findings
        if f.rule_id == rule_id
        and (kind is None or f.kind == kind)
        and (severity is None or f.severity == severity)
    ]


# --- linter -------------------------------------------------------------------


def test_linter_reports_tj06_against_tj10(tj) -> None:  # clause TJ-06, TJ-10
    result = lint(tj)
    assert len(result.contradictions) == 1
    c = result.contradictions[0]
    assert c.clauses == ("TJ-06", "TJ-10")
    assert c.severity == "warning"
    assert "不少于全文的1/3" in c.message and "不超过全文的35%" in c.message
    assert not result.ok  # not declared as known in this excerpt


def test_linter_accepts_yz04(yz) -> None:  # clause YZ-04
    assert lint(yz).contradictions == ()


def test_linter_catches_impossible_tenant_override(yz) -> None:  # clause YZ-04
    # total limit below the sum of the sections' minimums (problems >= 1000, measures >= 400)
    params = resolve(yz, {"max_total": 1200})
    result = lint(yz, params, overridden=["max_total"])
    assert len(result.contradictions) == 1
    c = result.contradictions[0]
    assert "YZ-04[max_total=1200]" in c.clauses
    assert "全文不超过1200字" in c.message and "不少于1000字" in c.message
    assert c.severity == "warning"  # the measures' ≈500 is a warning rule


def test_linter_known_contradiction_is_shown_but_ok(tj) -> None:
    from dataclasses import replace

    known = replace(tj, lint={"known": ["TJ-06", "TJ-10"]})
    result = lint(known)
    assert result.contradictions and result.contradictions[0].known and result.ok


# --- parameters ------------------------------------------------------------------


def test_override_out_of_bounds_and_unknown(yz) -> None:
    with pytest.raises(ParamError) as exc:
        resolve(yz, {"max_total": 100, "nonsense": 1, "problems_min": "abc"})
    assert exc.value.errors == {
        "max_total": "「全文字数上限」不能小于 1000",
        "nonsense": "方案中没有这个参数",
        "problems_min": "「问题及原因部分下限」的值 'abc' 格式不正确",
    }


# --- evaluation -------------------------------------------------------------------


def _yz_report(practices=900, problems=1100, measures=500, order=("practices", "problems", "measures")):
    sizes = {"practices": practices, "problems": problems, "measures": measures}
    heads = {
        "practices": "一、主要做法和成效",
        "problems": "二、存在的问题及原因",
        "measures": "三、下一步措施",
    }
    return build_report([(k, heads[k], [_text(sizes[k] - count_words(heads[k]))]) for k in order])


def test_yz04_passes_a_good_report(yz) -> None:  # clause YZ-04, YZ-07
    report = _yz_report(practices=900, problems=1000, measures=450)
    findings = evaluate(report, Context(yz, yz.defaults()))
    assert [f for f in findings if f.severity != "info"] == []


def test_yz04_section_limits_with_figures(yz) -> None:  # clause YZ-04
    report = _yz_report(practices=1200, problems=800)
    findings = evaluate(report, Context(yz, yz.defaults()))
    over = _find(findings, "YZ-04", "length")
    msgs = [f.message for f in over]
    assert any("「主要做法和成效」部分 1200字，要求不超过1000字" in m for m in msgs)
    assert any("「存在的问题及原因」部分 800字，要求不少于1000字" in m for m in msgs)
    assert all(f.severity == "error" for f in over)


def test_yz04_total_over_limit(yz) -> None:  # clause YZ-04
    report = _yz_report(practices=1000, problems=1500, measures=600)
    f = _find(evaluate(report, Context(yz, yz.defaults())), "YZ-04", "length")
    assert f[0].message == "全文 3100字，要求不超过2500字，请删减 600字。" and f[0].figure == 3100


def test_order_and_missing_part(yz) -> None:  # clause YZ-04
    report = _yz_report(order=("problems", "practices"))
    findings = evaluate(report, Context(yz, yz.defaults()))
    order = _find(findings, "YZ-04", "section_order")
    assert order and "主要做法和成效 → 存在的问题及原因" in order[0].message
    missing = _find(findings, "YZ-04", "required_sections")
    assert missing and "缺少「下一步措施」部分" in missing[0].message and "努力方向" in missing[0].message


def test_reading_time_yz07(yz) -> None:  # clause YZ-07
    report = _yz_report(practices=1000, problems=1500, measures=600)
    rt = _find(evaluate(report, Context(yz, yz.defaults())), "YZ-07")
    assert rt and rt[0].figure == "10.3分钟" and rt[0].severity == "warning"


def test_tj06_share_message(tj) -> None:  # clause TJ-06
    report = build_report(
        [
            ("practices", "一、主要做法及成效", [_text(1300)]),
            ("problems", "二、存在的问题及原因分析", [_text(500)]),
            ("plans", "三、下步工作打算", [_text(200)]),
        ]
    )
    share = _find(evaluate(report, Context(tj, tj.defaults())), "TJ-06")
    assert len(share) == 1
    f = share[0]
    assert f.message.startswith("「存在的问题及原因分析」部分 512字，占全文 25.2%")
    assert f.message.endswith("要求不少于1/3。")
    assert "÷ 全文正文" in f.how


def test_tj04_topics_answered_where(tj) -> None:  # clause TJ-04
    report = build_report(
        [
            ("practices", "一、主要做法及成效", ["我们坚持拼经济搞建设，村集体收入增长12%。", _text(100)]),
            ("problems", "二、存在的问题及原因分析", [_text(50)]),
        ]
    )
    found = _find(evaluate(report, Context(tj, tj.defaults())), "TJ-04")
    answered = [f for f in found if f.severity == "info"]
    missing = [f for f in found if f.severity == "error"]
    assert len(answered) == 1 and answered[0].paragraph == 1 and "拼经济搞建设" in answered[0].message
    assert len(missing) == 1 and "防风险保安全" in missing[0].message


def test_broken_rule_is_reported_not_passed(tj) -> None:
    from shuzhi.policy.evaluate import CodeRule

    def boom(report, ctx):
        raise ZeroDivisionError

    report = build_report([("practices", "一、主要做法及成效", [_text(10)])])
    findings = evaluate(report, Context(tj, tj.defaults()), [CodeRule("TJ-07", "warning", boom, "tongjia")])
    failed = [f for f in findings if f.kind == "failed"]
    assert failed and "TJ-07" in failed[0].message and "tongjia" in failed[0].message


# --- loading errors point at the line -----------------------------------------------


BASE = """format = 1
[policy]
name = "demo"
title = "t"
jurisdiction = "j"

[[clause]]
id = "XX-01"
kind = "rule"
severity = "error"
text = "x"
"""


@pytest.mark.parametrize(
    ("extra", "line", "fragment"),
    [
        ('\n[[rule]]\nid = "XX-01"\nkind = "wordcount"\n', 15, "「kind」= 'wordcount' 不可用"),
        ('\n[[rule]]\nid = "XX-09"\nkind = "length"\n', 14, "未声明的条款 XX-09"),
        ('\n[[rule]]\nid = "XX-01"\nkind = "length"\nmax = { param = "nope" }\n', 16, "引用的参数不存在"),
        ('\n[[rule]]\nid = "XX-01"\nkind = "length"\nfoo = 1\n', 16, "不认识的设置「foo」"),
        ('\n[params.x]\ntype = "int"\ndefault = 5\nmin = 10\nlabel = "x"\n', 15, "默认值超出上下限"),
        ('\n[[voter_group]]\nkey = "a"\nname = "A"\nweight = "40%"\n', 13, "权重之和必须等于 100%"),
        ('\n[[stage]]\nkey = "s"\nname = "S"\ndeadline = "soon"\n', 16, "「deadline」必须是日期"),
        ('\n[[clause]]\nid = "XX-01"\nkind = "human"\ntext = "dup"\n', 14, "条款 XX-01 重复声明"),
    ],
)
def test_errors_name_file_and_line(extra: str, line: int, fragment: str) -> None:
    with pytest.raises(PolicyFileError) as exc:
        parse_policy(BASE + extra, path="plugin/policy.toml")
    assert exc.value.line == line, str(exc.value)
    assert fragment in str(exc.value) and str(exc.value).startswith(f"plugin/policy.toml:{line}:")


def test_syntax_error_has_line() -> None:
    with pytest.raises(PolicyFileError) as exc:
        parse_policy(BASE + "\n[[rule]\n", path="p.toml")
    assert exc.value.line == 13


def test_fraction_parameter_in_share_rule_evaluates_and_lints() -> None:
    # a tenant-overridable share ("fraction" parameter) must be honoured, not skipped
    policy = parse_policy(
        BASE.replace('id = "XX-01"', 'id = "XX-01"', 1)
        + """
[params.share]
type = "fraction"
default = "1/3"
max = "1/2"
label = "问题部分下限"

[[section]]
key = "p"
name = "存在问题"

[[rule]]
id = "XX-01"
kind = "section_share"
sections = ["p"]
min = { param = "share" }
"""
    )
    report = build_report([("p", "存在问题", [_text(10)])], intro=[_text(90)])
    findings = evaluate(report, Context(policy, resolve(policy)))
    assert [f.limit for f in findings] == ["不少于1/3"]
    assert lint(policy).contradictions == ()
    assert resolve(policy, {"share": "40%"})["share"] == Fraction(2, 5)


def test_org_topics_too_many() -> None:  # clause SX-05 shape
    from shuzhi.policy.model import Topic

    policy = parse_policy(
        BASE + '\n[[rule]]\nid = "XX-01"\nkind = "topics"\nsource = "org"\nmin = 1\nmax = 2\n'
    )
    topics = [Topic(f"t{i}", f"题{i}", (f"题{i}",)) for i in range(3)]
    report = build_report([(None, "一、题0", [_text(10)])])
    findings = evaluate(report, Context(policy, {}, chosen_topics=topics))
    assert len(findings) == 1 and "确定了 3 个必答题" in findings[0].message
