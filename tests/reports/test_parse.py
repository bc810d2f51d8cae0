"""Sectioning a report: headings, title/addressee/signature, parts mapped to the policy,
placeholders, doubts and corrections (issue 6 item 3; COUNTING.md "Section shares")."""

from __future__ import annotations

import pytest

from shuzhi.plugins import hooks
from shuzhi.reports.counting import count_words
from shuzhi.reports.docx_text import Block, DocText
from shuzhi.reports.parse import (
    INTRO,
    NOT_A_PART,
    SURE,
    CorrectionError,
    heading_of,
    match_section,
    parse_report,
)
from shuzhi.reports.uploads import read_paste, read_upload
from tests.reports.docx_builder import DocxBuilder


@pytest.fixture(scope="module")
def tongjia():
    return hooks.policy("tongjia")


@pytest.fixture(scope="module")
def suixi():
    return hooks.policy("suixi")


def _parse(text: str, policy=None, **kw):
    return parse_report(read_paste(text).doc, policy, **kw)


# --- headings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、主要做法及成效", (1, "主要做法及成效", "number")),
        ("二、存在问题及原因分析（此部分不少于整个篇幅的1/3）", (1, "存在问题及原因分析", "number")),
        ("三．下步工作打算：", (1, "下步工作打算", "number")),
        ("（一）加强政治建设方面。全年组织集中学习12次。", (2, "加强政治建设方面", "number")),
        ("(二)服务保障中心大局", (2, "服务保障中心大局", "number")),
        ("〔三〕落实责任", (2, "落实责任", "number")),
        ("1.强化理论武装。坚持“三会一课”。", (3, "强化理论武装", "number")),
        ("2、抓实组织生活", (3, "抓实组织生活", "number")),
        ("１．全角数字", (3, "全角数字", "number")),
        ("（1）具体举措", (4, "具体举措", "number")),
        ("一是党员队伍老化。全村46名党员中……", None),
        ("2023年，全村发展党员2名。", None),
        ("12.5%的党员参加了轮训。", None),
        ("全年开展主题党日活动12次。", None),
    ],
)
def test_numbered_headings(text: str, expected) -> None:  # issue 6 item 3: heading recognition
    assert heading_of(Block(text)) == expected


def test_lead_ins_are_recorded_not_headings() -> None:  # issue 6 item 3: 一是…二是… are lead-ins
    p = _parse("一、存在问题\n一是学习不深。\n二是作用不强。\n第三是制度不严。")
    assert [h.name for h in p.headings] == ["存在问题"]
    assert p.lead_ins == [1, 2, 3]


def test_bold_lead_sentence_is_a_level_3_heading() -> None:  # issue 6 item 3: bold lead sentences
    assert heading_of(Block("强化政治引领。我们坚持每月学习。", bold_lead="强化政治引领。")) == (
        3,
        "强化政治引领",
        "bold",
    )
    assert heading_of(Block("突出重点：抓好换届。", bold_lead="突出重点：")) == (3, "突出重点", "bold")
    # a bold phrase that is not a sentence, or a long bold passage, is emphasis, not a heading
    assert heading_of(Block("党建引领，带动发展。", bold_lead="党建引领，")) is None
    long_lead = "我们坚持" * 12 + "。"
    assert heading_of(Block(long_lead + "后文", bold_lead=long_lead)) is None
    assert heading_of(Block("全部加粗的小标题", bold_all=True, bold_lead="全部加粗的小标题")) == (
        3,
        "全部加粗的小标题",
        "bold",
    )


def test_word_heading_styles_and_numbering() -> None:  # issue 6 item 3: Heading 1/2/3, 标题 1
    assert heading_of(Block("主要做法", level=1, style="heading 1")) == (1, "主要做法", "style")
    assert heading_of(Block("政治建设", level=2, style="标题 2")) == (2, "政治建设", "style")
    # the text's own numbering decides the level when both are there
    assert heading_of(Block("（一）政治建设", level=1, style="heading 1")) == (2, "政治建设", "number")


@pytest.mark.parametrize("where", ["table", "textbox", "footnote"])
def test_only_body_paragraphs_are_headings(where: str) -> None:  # issue 6 item 3
    assert heading_of(Block("一、主要做法", where=where)) is None


def test_headings_from_a_docx() -> None:  # issue 6 item 3: styles and bold runs from Word
    b = DocxBuilder()
    b.heading("主要做法及成效", 1)
    b.bold_lead("强化政治引领。", "我们坚持每月集中学习。")
    b.heading("存在的问题", 1)
    b.para("一是学习不深。")
    p = parse_report(read_upload("a.docx", b.bytes()).doc)
    assert [(h.level, h.name, h.how) for h in p.headings] == [
        (1, "主要做法及成效", "style"),
        (3, "强化政治引领", "bold"),
        (1, "存在的问题", "style"),
    ]


# --- title, addressee, signature: not body ------------------------------------------------

BODY = [
    "根据会议安排，现就2023年度抓基层党建工作情况述职如下：",
    "一、主要做法及成效",
    "全年开展党课12次，发展党员2名。",
    "二、存在的问题及原因分析",
    "一是学习不深。究其原因，主要是本人重视不够。",
    "三、下步工作打算",
    "一是加强学习。",
    "谢谢大家！",
]


@pytest.mark.parametrize(
    ("front", "back"),
    [
        (
            ["2023年度抓基层党建工作述职报告", "童家镇石龙村党支部书记 张三", "各位领导、同志们："],
            ["石龙村党支部书记：张三", "2024年1月5日"],
        ),
        (
            ["关于2023年度抓基层党建工作情况的报告", "（2024年1月）", "尊敬的各位领导、同志们："],
            ["述职人：张三", "二〇二四年一月五日"],
        ),
        (["述职报告", "——XX村党支部书记 张三"], ["XX村党支部", "2024年1月"]),
        (["各位代表："], []),
        ([], ["张三"]),
    ],
)
def test_title_addressee_signature_are_not_body(front, back) -> None:  # COUNTING: section shares' denominator
    p = _parse("\n".join(front + BODY + back))
    assert [m.text for m in p.meta] == front + back
    assert p.paragraphs == BODY
    assert p.body_words == sum(count_words(t) for t in BODY)
    assert p.total.words == sum(count_words(t) for t in front + BODY + back)  # Word's own figure


def test_centered_first_line_is_a_title_in_a_docx() -> None:  # issue 6 item 3: title line
    b = DocxBuilder()
    b.para("石龙村党支部书记抓党建工作情况", align="center")
    b.para("今年以来，我坚持抓党建促发展。")
    p = parse_report(read_upload("a.docx", b.bytes()).doc)
    assert [m.role for m in p.meta] == ["title"]


def test_a_first_sentence_is_not_a_title() -> None:  # issue 6 item 3
    p = _parse("今年以来，我坚持把抓党建作为第一责任。\n一、主要做法\n全年开展党课12次。")
    assert p.meta == [] and p.paragraphs[0].startswith("今年以来")


# --- sections and parts -------------------------------------------------------------------


def test_section_runs_to_next_heading_of_same_or_higher_level() -> None:  # COUNTING: section shares
    text = "\n".join(
        [
            "开头一段话。",
            "一、主要做法",
            "（一）政治建设",
            "学习十二次。",
            "1.理论武装",
            "讲党课三次。",
            "（二）组织建设",
            "发展党员。",
            "二、存在问题",
            "学习不深。",
        ]
    )
    p = _parse(text)
    w = count_words
    assert [(h.level, h.name, h.words) for h in p.headings] == [
        (
            1,
            "主要做法",
            w("一、主要做法")
            + w("（一）政治建设")
            + w("学习十二次。")
            + w("1.理论武装")
            + w("讲党课三次。")
            + w("（二）组织建设")
            + w("发展党员。"),
        ),
        (2, "政治建设", w("（一）政治建设") + w("学习十二次。") + w("1.理论武装") + w("讲党课三次。")),
        (3, "理论武装", w("1.理论武装") + w("讲党课三次。")),
        (2, "组织建设", w("（二）组织建设") + w("发展党员。")),
        (1, "存在问题", w("二、存在问题") + w("学习不深。")),
    ]
    # parts: the opening, then the top-level sections; the heading line belongs to its part
    assert [(pt.heading, pt.words) for pt in p.parts] == [
        ("", w("开头一段话。")),
        ("一、主要做法", p.headings[0].words),
        ("二、存在问题", p.headings[4].words),
    ]
    assert sum(pt.words for pt in p.parts) == p.body_words


def test_top_level_is_the_highest_level_present() -> None:  # issue 6 item 3
    p = _parse("（一）主要做法及成效\n学习。\n（二）存在的问题\n不足。\n1.具体问题\n细节。")
    assert [pt.heading for pt in p.parts] == ["（一）主要做法及成效", "（二）存在的问题"]


def test_footnotes_count_in_the_body_not_in_a_part(tongjia) -> None:  # COUNTING: footnotes are counted
    b = DocxBuilder()
    b.para("一、主要做法及成效")
    b.footnote("全年开展党课12次。", "数据来源：镇党委组织办2023年统计。")
    p = parse_report(read_upload("a.docx", b.bytes()).doc, tongjia)
    assert p.notes_start == 2 and p.paragraphs[2].startswith("数据来源")
    assert p.body_words == p.parts[0].words + count_words("数据来源：镇党委组织办2023年统计。")


def test_no_headings_is_unsure_and_one_part(tongjia) -> None:  # issue 6 item 3: unsure
    p = _parse("今年以来我做了很多工作。\n也存在一些问题。", tongjia)
    assert p.unsure and "没有识别出小标题" in p.reasons[0]
    assert len(p.parts) == 1 and p.parts[0].is_intro


# --- mapping headings to the policy's parts --------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "key", "how"),
    [
        ("主要做法及成效", "practices", "exact"),
        ("主要做法和成效", "practices", "exact"),
        ("存在问题和原因分析", "problems", "exact"),  # 的 and 及/和 do not matter
        ("下一步工作打算", "plans", "exact"),
        ("2023年度主要做法及成效", "practices", "exact"),  # a leading year is dropped
        ("抓基层党建工作主要做法及成效", "practices", "contains"),
        ("存在的主要问题及原因分析", "problems", "similar"),
        ("今后工作打算", "plans", "similar"),
        ("坚持政治引领，筑牢战斗堡垒", None, "none"),
    ],
)
def test_match_section(tongjia, heading: str, key, how: str) -> None:  # issue 6 item 3: names and variants
    got_key, conf, _matched, got_how = match_section(heading, tongjia)
    assert (got_key, got_how) == (key, how)
    if how in ("exact", "contains"):
        assert conf >= SURE
    elif how in ("similar", "ambiguous"):
        assert 0.45 <= conf < 1.0


def test_heading_naming_two_parts_is_ambiguous(tongjia) -> None:  # issue 6 item 3: confidence
    key, conf, _m, how = match_section("存在的问题及下步工作打算", tongjia)
    assert how == "ambiguous" and key in ("problems", "plans") and conf < SURE


def test_intro_maps_to_the_policys_opening_part(suixi, tongjia) -> None:  # clause SX-07: 导言
    text = "今年以来，我坚持站在讲政治的高度抓党建。\n一、主要工作\n学习。\n二、存在问题\n不足。\n三、认识体会和努力方向\n打算。"
    first = _parse(text, suixi).parts[0]
    assert (first.key, first.how) == ("intro", "intro")
    assert _parse(text, suixi).unsure is False
    assert _parse(text, tongjia).parts[0].key is None  # tongjia has no 导言 part


def test_missing_required_part_is_a_doubt(tongjia) -> None:  # issue 6 item 3: unmapped required parts
    p = _parse("一、主要做法及成效\n学习。\n二、下步工作打算\n打算。", tongjia)
    assert p.unsure and any("存在的问题及原因分析" in r for r in p.reasons)


# --- doubts and corrections -----------------------------------------------------------------

THEMED = "\n".join(
    [
        "2023年度抓基层党建工作述职报告",
        "一、坚持政治引领，筑牢思想根基",
        "全年开展党课12次。",
        "二、直面短板不足，深挖问题根源",
        "一是学习不深。",
        "（一）原因分析",
        "本人重视不够。",
        "三、锚定目标任务，狠抓整改落实",
        "一是加强学习。",
    ]
)


def test_themed_headings_are_unsure_with_the_outline(tongjia) -> None:  # issue 6 item 3: unsure → outline
    p = _parse(THEMED, tongjia)
    assert p.unsure
    assert any("坚持政治引领" in r and "没有对应" in r for r in p.reasons)
    outline = p.outline()
    assert [(r["index"], r["level"], r["heading"], r["starts_part"]) for r in outline] == [
        (0, 1, "坚持政治引领，筑牢思想根基", True),
        (1, 1, "直面短板不足，深挖问题根源", True),
        (2, 2, "原因分析", False),
        (3, 1, "锚定目标任务，狠抓整改落实", True),
    ]


def test_correction_remaps_parts(tongjia) -> None:  # issue 6 item 3: correction {heading index: part key}
    p = _parse(THEMED, tongjia).correct({0: "practices", 1: "problems", 3: "plans"})
    assert [(pt.key, pt.how, pt.confidence) for pt in p.parts] == [
        ("practices", "corrected", 1.0),
        ("problems", "corrected", 1.0),
        ("plans", "corrected", 1.0),
    ]
    assert not p.unsure and p.corrections == {0: "practices", 1: "problems", 3: "plans"}


def test_correction_promotes_and_demotes_headings(tongjia) -> None:  # issue 6 item 3
    p = _parse(THEMED, tongjia).correct({0: "practices", 1: "problems", 2: "problems", 3: NOT_A_PART})
    assert [(pt.name, pt.key) for pt in p.parts] == [
        ("坚持政治引领，筑牢思想根基", "practices"),
        ("直面短板不足，深挖问题根源", "problems"),
        ("原因分析", "problems"),
    ]
    assert p.parts[-1].paragraphs[-1] == "一是加强学习。"  # the demoted section joined the part before
    assert sum(pt.words for pt in p.parts) == p.body_words


def test_correction_of_the_opening_part(suixi) -> None:  # issue 6 item 3: intro correction
    p = _parse("开头的话。\n一、主要工作\n学习。", suixi, corrections={INTRO: None})
    assert p.parts[0].key is None and p.parts[0].how == "corrected"


@pytest.mark.parametrize(
    ("fix", "says"),
    [
        ({9: "practices"}, "不存在"),
        ({0: "nonsense"}, "不是本方案的部分"),
        ({"x": "practices"}, "不是数字"),
        ({INTRO: NOT_A_PART}, "开头部分"),
    ],
)
def test_bad_corrections_refused(tongjia, fix, says: str) -> None:  # issue 6 item 3: bad input, 422
    with pytest.raises(CorrectionError) as exc:
        _parse(THEMED, tongjia, corrections=fix)
    assert exc.value.status == 422 and says in exc.value.message


# --- placeholders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "XX村党支部全年开展党课X次。",
        "2023年X月，我们开展了活动。",
        "全年发展党员××名。",
        "共开展活动**次。",
        "【此处填写典型案例】",
        "一是……",
        "二是......................",
        "党员○○名。",
        "负责人：＿＿＿＿",
    ],
)
def test_placeholders_flagged(line: str) -> None:  # issue 6 item 3: template leftovers
    p = _parse(f"一、主要做法\n{line}")
    assert [(ph.paragraph, ph.where) for ph in p.placeholders] == [(1, "body")]


def test_placeholders_in_title_lines_and_clean_text() -> None:  # issue 6 item 3
    p = _parse(
        "2023年度述职报告\n（XX年X月）\n一、主要做法\n全年开展党课12次，发展党员2名，Windows 10 培训。"
    )
    assert [(ph.where, ph.text) for ph in p.placeholders] == [("date", "XX")]


def test_parsed_report_to_dict_is_json_ready(
    tongjia,
) -> None:  # issue 6 item 3: stored with the version later
    import json

    p = _parse(THEMED, tongjia).correct({0: "practices"})
    d = json.loads(json.dumps(p.to_dict(), ensure_ascii=False))
    assert d["corrections"] == {"0": "practices"} and d["outline"][0]["part"] == "practices"


def test_document_without_text() -> None:  # issue 6 item 3: nothing crashes
    p = parse_report(DocText([]))
    assert p.parts == [] and p.body_words == 0 and p.unsure


def test_thousands_of_headings_are_bounded(tongjia) -> None:  # issue 6: hostile input, nothing crashes
    text = "\n".join(f"{'一二三四五六七八九十'[i % 10]}、主要做法及成效{i}" for i in range(3000))
    p = _parse(text, tongjia)
    assert len(p.parts) == 3000 and p.unsure
    assert any("3000 个一级标题" in r for r in p.reasons)
    assert all(pt.how == "none" for pt in p.parts[50:]) and p.parts[0].how == "contains"
