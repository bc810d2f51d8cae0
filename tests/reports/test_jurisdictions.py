"""End to end on report-shaped documents of each jurisdiction: import (.txt and .docx),
parse, map the parts, check with the shipped policy (issue 6 items 3, 4 and 6).

Each sample is checked twice, as pasted text and as a .docx a secretary would format
(centered title, bold numbered headings, bold lead sentences, a table of figures,
right-aligned signature); the outline and the findings must agree."""

from __future__ import annotations

from fractions import Fraction

import pytest

from shuzhi.plugins import hooks
from shuzhi.policy.params import resolve
from shuzhi.reports.check import CheckResult, check_text
from shuzhi.reports.counting import count_words
from shuzhi.reports.parse import ParsedDocument, parse_report
from shuzhi.reports.uploads import read_paste, read_upload
from tests.reports.samples import Sample, organ_report, village_report

FORMATS = ["txt", "docx"]


def _run(
    policy_name: str, sample: Sample, fmt: str, *, topics=(), documents=None, overrides=None
) -> tuple[ParsedDocument, CheckResult]:
    policy = hooks.policy(policy_name)
    imported = read_paste(sample.text()) if fmt == "txt" else read_upload("述职报告.docx", sample.docx())
    parsed = parse_report(imported.doc, policy, documents=documents)
    return parsed, check_text(policy, resolve(policy, overrides), parsed, topics)


def _keys(parsed: ParsedDocument) -> list[str | None]:
    return [p.key for p in parsed.parts]


def _findings(result: CheckResult, rule_id: str, severity: str | None = None):
    return [
        f for f in result.findings if f.rule_id == rule_id and (severity is None or f.severity == severity)
    ]


def _share(parsed: ParsedDocument, *keys: str) -> Fraction:
    return Fraction(sum(p.words for p in parsed.parts if p.key in keys), parsed.body_words)


def _assert_body(parsed: ParsedDocument, sample: Sample, fmt: str) -> None:
    """Title, byline, addressee, signature and date are out of the body (COUNTING: section shares)."""
    assert [m.text for m in parsed.meta] == [
        t for t in [sample.title, sample.byline, sample.addressee, *sample.signature] if t
    ]
    assert parsed.body_words == sample.body_words(with_table=fmt == "docx")
    meta_words = sum(count_words(m.text) for m in parsed.meta)
    assert parsed.total.words == parsed.body_words + meta_words  # Word's figure for the file
    assert not parsed.unsure, parsed.reasons


# --- 童家镇 (tongjia): TJ-10 shares and TJ-06's 1/3 cannot both hold ------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_tongjia_report_meeting_tj10_fails_tj06(fmt: str) -> None:  # clause TJ-10, TJ-06
    sample = village_report(practices=1175, problems=225, plans=300)
    parsed, result = _run("tongjia", sample, fmt)
    _assert_body(parsed, sample, fmt)
    assert _keys(parsed) == [None, "practices", "problems", "plans"]
    assert [p.name for p in parsed.parts[1:]] == ["主要做法及成效", "存在的问题及原因分析", "下步工作打算"]
    assert [h.name for h in parsed.headings if h.level == 2] == [
        "加强政治建设方面",
        "服务保障中心大局方面",
        "推进基层党建重点任务方面",
        "落实责任方面",
    ]
    assert 1500 <= parsed.body_words <= 2000
    assert Fraction(65, 100) <= _share(parsed, "practices") <= Fraction(70, 100)
    assert Fraction(30, 100) <= _share(parsed, "problems", "plans") <= Fraction(35, 100)
    # TJ-10 holds in every figure; TJ-06 (problems ≥ 1/3 of the whole) cannot hold with it
    assert _findings(result, "TJ-10") == []
    (tj06,) = _findings(result, "TJ-06")
    assert tj06.severity == "warning" and tj06.limit == "不少于1/3"
    problems = parsed.part("problems")[0].words
    assert f"{problems}字" in tj06.message and f"÷ 全文正文 {parsed.body_words}字" in tj06.how
    assert _findings(result, "TJ-04", "error") == []  # both 必答题 answered
    assert result.ok


@pytest.mark.parametrize("fmt", FORMATS)
def test_tongjia_report_meeting_tj06_fails_tj10(fmt: str) -> None:  # clause TJ-06, TJ-10
    sample = village_report(practices=900, problems=650, plans=150)
    parsed, result = _run("tongjia", sample, fmt)
    _assert_body(parsed, sample, fmt)
    assert _share(parsed, "problems") >= Fraction(1, 3)
    assert _findings(result, "TJ-06") == []
    messages = [f.message for f in _findings(result, "TJ-10")]
    assert len(messages) == 2
    assert "「主要做法及成效」部分" in messages[0] and "要求不少于65%" in messages[0]
    assert "「存在的问题及原因分析」与「下步工作打算」部分" in messages[1] and "要求不超过35%" in messages[1]


def test_tongjia_length_is_words_figure() -> None:  # clause TJ-10: 1500—2000字; COUNTING
    # A length limit means what Word shows as 字数 for the whole file (title and
    # signature included): the secretary checks the number there.
    sample = village_report(practices=1300, problems=400, plans=350)
    parsed, result = _run("tongjia", sample, "docx")
    assert parsed.total.words > parsed.body_words > 2000
    (length,) = [f for f in _findings(result, "TJ-10") if f.kind == "length"]
    assert length.figure == parsed.total.words and f"请删减 {parsed.total.words - 2000}字" in length.message


# --- 永州 (yongzhou): YZ-04 lengths per part ---------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_yongzhou_report_within_yz04(fmt: str) -> None:  # clause YZ-04
    sample = organ_report(practices=800, problems=1000, measures=420)
    parsed, result = _run("yongzhou", sample, fmt)
    _assert_body(parsed, sample, fmt)
    assert _keys(parsed) == [None, "practices", "problems", "measures"]
    if fmt == "docx":  # the bold lead sentences are level-3 headings inside 做法和成效
        assert [(h.level, h.name) for h in parsed.headings if h.how == "bold"] == [
            (3, "突出政治引领，压实管党治党责任"),
            (3, "夯实基层基础，提升组织建设质量"),
            (3, "坚持融合发展，服务中心工作大局"),
        ]
    words = {p.key: p.words for p in parsed.parts}
    assert parsed.body_words <= 2500 and words["practices"] <= 1000 and words["problems"] >= 1000
    assert 400 <= words["measures"] <= 600
    assert _findings(result, "YZ-04") == []
    assert result.ok


@pytest.mark.parametrize("fmt", FORMATS)
def test_yongzhou_report_breaking_yz04(fmt: str) -> None:  # clause YZ-04
    sample = organ_report(practices=1300, problems=800, measures=500)
    parsed, result = _run("yongzhou", sample, fmt)
    errors = _findings(result, "YZ-04", "error")
    whats = sorted(f.where for f in errors)
    assert whats == ["「做法和成效」部分", "「存在的问题及原因」部分", "全文"]
    practices = parsed.part("practices")[0].words
    assert any(f"「做法和成效」部分 {practices}字，要求不超过1000字" in f.message for f in errors)
    assert not result.ok


# --- 遂溪 (suixi): SX-06 lengths (report and speech), SX-07 parts and order ----------------------

SUIXI_HEADINGS = ("一、主要工作", "二、存在问题", "三、认识体会和努力方向")
SUIXI_INTRO = (
    "今年以来，我坚持把抓基层党建作为最根本的政治责任，始终站在讲政治的高度谋划推动党建工作，现将履职情况报告如下。",
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_suixi_report_with_intro_and_speech(fmt: str) -> None:  # clause SX-06, SX-07
    sample = organ_report(
        practices=1500, problems=700, measures=500, headings=SUIXI_HEADINGS, intro=SUIXI_INTRO
    )
    speech = "各位领导、同志们：" + "我们坚持党建引领，推动党建与业务融合。" * 55
    assert count_words(speech) <= 1200
    parsed, result = _run("suixi", sample, fmt, topics=["党建与业务融合"], documents={"speech": speech})
    _assert_body(parsed, sample, fmt)
    assert _keys(parsed) == ["intro", "work", "problems", "direction"]  # the opening is the 导言
    assert parsed.parts[0].paragraphs == list(SUIXI_INTRO)
    assert parsed.body_words <= 3000
    assert _findings(result, "SX-06") == [] and _findings(result, "SX-07") == []
    assert [f.severity for f in _findings(result, "SX-05")] == ["info"]
    assert result.ok


@pytest.mark.parametrize("fmt", FORMATS)
def test_suixi_report_breaking_sx06_sx07(fmt: str) -> None:  # clause SX-06, SX-07
    sample = organ_report(
        practices=2200,
        problems=700,
        measures=500,
        headings=("一、存在问题", "二、主要工作", "三、认识体会和努力方向"),
        intro=(),
    )
    # the parts as written: problems first, work second
    sample.sections[0], sample.sections[1] = sample.sections[1], sample.sections[0]
    sample.sections[0].heading, sample.sections[1].heading = "一、存在问题", "二、主要工作"
    speech = "我们坚持党建引领，推动党建与业务融合。" * 80
    parsed, result = _run("suixi", sample, fmt, topics=["党建与业务融合"], documents={"speech": speech})
    assert _keys(parsed) == ["problems", "work", "direction"]
    sx06 = _findings(result, "SX-06", "error")
    assert sorted(f.where for f in sx06) == ["全文", "发言稿"]
    assert any(f"发言稿 {count_words(speech)}字，要求不超过1200字" in f.message for f in sx06)
    sx07 = [f.message for f in _findings(result, "SX-07", "error")]
    assert any("缺少「导言」部分" in m for m in sx07)
    assert any("各部分顺序应为：主要工作 → 存在问题 → 认识体会和努力方向" in m for m in sx07)
    assert not result.ok


# --- 根河 (genhe): GH-03 必答题, parts and content points ------------------------------------------

GENHE_EXTRA = [
    "我们以铸牢中华民族共同体意识为主线，深入开展“感党恩、听党话、跟党走”宣传教育，组织民族团结进步主题活动6次。",
    "扎实开展坚强堡垒模范支部创建，对照创建标准逐项补短板，社区党支部被评为市级模范支部。",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_genhe_report_meeting_gh03(fmt: str) -> None:  # clause GH-03
    sample = village_report(
        practices=1200,
        problems=500,
        plans=300,
        practices_heading="一、主要工作及成效",
        plans_heading="三、下一步工作打算",
        village="根河市河西街道河西社区",
        extra_practices=GENHE_EXTRA,
    )
    parsed, result = _run("genhe", sample, fmt)
    _assert_body(parsed, sample, fmt)
    assert _keys(parsed) == [None, "practices", "problems", "measures"]
    assert [f.severity for f in _findings(result, "GH-03")] == ["info"]  # 必答题 answered, nothing else
    assert result.ok


@pytest.mark.parametrize("fmt", FORMATS)
def test_genhe_report_breaking_gh03(fmt: str) -> None:  # clause GH-03
    sample = village_report(
        practices=1200,
        problems=500,
        plans=300,
        practices_heading="一、主要工作及成效",
        village="根河市河西社区",
    )
    del sample.sections[2]  # no 下一步工作打算
    parsed, result = _run("genhe", sample, fmt)
    assert _keys(parsed) == [None, "practices", "problems"]
    assert parsed.unsure and any("下一步工作打算" in r for r in parsed.reasons)
    messages = [f.message for f in _findings(result, "GH-03", "error")]
    assert any("必答题「坚强堡垒模范支部创建」未作答" in m for m in messages)
    assert any("缺少「下一步工作打算」部分" in m for m in messages)
    assert any("铸牢中华民族共同体意识主线" in m for m in messages)
    assert not result.ok


# --- 吉县 (jixian): JX-05 achievements at most 1/3 ------------------------------------------------


@pytest.mark.parametrize(("practices", "over"), [(500, False), (1000, True)])
def test_jixian_achievements_share(practices: int, over: bool) -> None:  # clause JX-05
    sample = organ_report(
        practices=practices,
        problems=700,
        measures=500,
        headings=("一、主要成绩", "二、存在问题", "三、下步打算"),
    )
    parsed, result = _run("jixian", sample, "docx")
    assert _keys(parsed) == [None, "achievements", "problems", "plans"]
    share = [f for f in _findings(result, "JX-05") if f.kind == "section_share"]
    assert (_share(parsed, "achievements") > Fraction(1, 3)) is over
    assert bool(share) is over
