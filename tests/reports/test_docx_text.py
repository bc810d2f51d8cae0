"""Reading a .docx as Word counts it: body, tables, text boxes, footnotes, endnotes, tracked
changes; not headers, footers, comments or field codes (docs/policies/COUNTING.md, issue 6 item 1).

Expected figures are worked out by hand from COUNTING's rule (East Asian characters one
each, each run of other non-space characters one), as Word's 字数 dialog shows them.
"""

from __future__ import annotations

import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml

from shuzhi.reports import docx_text
from shuzhi.reports.counting import Count
from shuzhi.reports.uploads import read_docx
from tests.reports.docx_builder import NSDECL, DocxBuilder


def _count(b: DocxBuilder) -> Count:
    return read_docx(b.bytes()).count()


def _body_xml(b: DocxBuilder, xml: str) -> None:
    """Append raw block-level XML to the body (before the section properties)."""
    body = b.doc.element.body
    body.insert(len(body) - 1, parse_xml(f"<w:root {NSDECL}>{xml}</w:root>")[0])


# --- one feature at a time ---------------------------------------------------------


def test_plain_paragraphs() -> None:  # COUNTING: 字数 and 字符数(不计空格)
    b = DocxBuilder()
    b.para("Hello 世界")
    b.para("東京2024オリンピック")
    assert _count(b) == Count(3 + 9, 7 + 12)


def test_tables_are_counted_each_cell_apart() -> None:  # COUNTING: tables are counted
    b = DocxBuilder()
    b.para("中文测试")
    b.table([["Hello", "世界"], ["2023年", "（一）"]])
    # "Hello" 1 + 世界 2 = 3 (7 chars); 2023 1 + 年 1 + （一） 3 = 5 (8 chars)
    assert _count(b) == Count(4 + 3 + 5, 4 + 7 + 8)


def test_adjacent_cells_do_not_merge_into_one_run() -> None:  # COUNTING: runs end at a cell
    b = DocxBuilder()
    b.table([["abc", "def", "123"]])
    assert _count(b) == Count(3, 9)


def test_merged_cells_are_counted_once() -> None:  # COUNTING: tables (python-docx's cells repeat them)
    b = DocxBuilder()
    t = b.table([["", "右上"], ["", "右下"]])
    merged = t.cell(0, 0).merge(t.cell(1, 0))
    merged.text = "合并单元格"
    wide = b.table([["", ""]])
    wide.cell(0, 0).merge(wide.cell(0, 1)).text = "横向合并"
    assert _count(b) == Count(5 + 2 + 2 + 4, 13)


def test_nested_table() -> None:  # COUNTING: tables, at any depth
    b = DocxBuilder()
    t = b.table([["外层", ""]])
    inner = t.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "内层"
    inner.cell(0, 1).text = "ok"
    assert _count(b) == Count(2 + 2 + 1, 6)


def test_text_box_counted_once() -> None:  # COUNTING: text boxes; mc:Fallback repeats the box
    b = DocxBuilder()
    b.textbox("见下框", ["文本框内容", "Text box"])
    doc = read_docx(b.bytes())
    assert [(x.text, x.where) for x in doc.blocks] == [
        ("见下框", "body"),
        ("文本框内容", "textbox"),
        ("Text box", "textbox"),
    ]
    assert doc.count() == Count(3 + 5 + 2, 3 + 5 + 7)


def test_tracked_insertions_count_deletions_do_not() -> None:  # COUNTING: tracked changes
    b = DocxBuilder()
    b.tracked("保留", "插入Word", "删除的文字")
    doc = read_docx(b.bytes())
    assert doc.blocks[0].text == "保留插入Word"
    assert doc.count() == Count(5, 8)


def test_moved_text_counted_at_its_new_place_only() -> None:  # COUNTING: tracked changes
    b = DocxBuilder()
    p = b.para("正文")
    b._append_xml(
        p,
        '<w:moveFrom w:id="1" w:author="a"><w:r><w:t>移走</w:t></w:r></w:moveFrom>'
        '<w:moveTo w:id="2" w:author="a"><w:r><w:t>移入</w:t></w:r></w:moveTo>',
    )
    assert _count(b) == Count(4, 4)


def test_field_codes_are_not_text_field_results_are() -> None:  # COUNTING: what Word shows
    b = DocxBuilder()
    b.field("第", "PAGE \\* MERGEFORMAT", "3")
    assert _count(b) == Count(2, 2)


def test_footnotes_and_endnotes_are_counted() -> None:  # COUNTING: footnotes and endnotes
    b = DocxBuilder()
    b.footnote("注释见下", "脚注abc 说明")
    b.endnote("尾", "尾注2024")
    doc = read_docx(b.bytes())
    assert [(n.text.strip(), n.where) for n in doc.notes] == [
        ("脚注abc 说明", "footnote"),
        ("尾注2024", "endnote"),
    ]
    assert doc.count() == Count(4 + 5 + 1 + 3, 4 + 7 + 1 + 6)


def test_headers_footers_comments_are_not_counted() -> None:  # COUNTING: not headers, footers, comments
    b = DocxBuilder()
    p = b.para("中文测试")
    b.header("页眉文字")
    b.footer("页脚 123")
    b.comment(p, "批注内容很长很长")
    assert _count(b) == Count(4, 4)


def test_content_controls_and_hyperlinks_are_read() -> None:  # COUNTING: all of the body
    b = DocxBuilder()
    _body_xml(
        b, "<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>控件内容</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    p = b.para("见")
    b._append_xml(p, '<w:hyperlink w:anchor="x"><w:r><w:t>链接 link</w:t></w:r></w:hyperlink>')
    assert _count(b) == Count(4 + 1 + 2 + 1, 4 + 1 + 2 + 4)


def test_tabs_and_breaks_separate_runs() -> None:  # COUNTING: whitespace separates runs
    b = DocxBuilder()
    p = b.para("abc")
    b._append_xml(p, "<w:r><w:tab/><w:t>def</w:t><w:br/><w:t>ghi</w:t></w:r>")
    assert _count(b) == Count(3, 9)


def test_empty_document() -> None:  # COUNTING
    assert _count(DocxBuilder()) == Count(0, 0)


# --- everything at once ------------------------------------------------------------------


def test_whole_document_matches_word() -> None:  # COUNTING: body + tables + boxes + notes, no headers
    b = DocxBuilder()
    p = b.para("中文测试")
    b.comment(p, "批注内容")
    b.table([["Hello", "世界"], ["2023年", "（一）"]])
    b.textbox("见下框", ["文本框内容", "Text box"])
    b.tracked("保留", "插入Word", "删除")
    b.field("第", "PAGE", "3")
    b.footnote("注释见下", "脚注abc 说明")
    b.endnote("尾", "尾注2024")
    b.header("页眉文字")
    b.footer("页脚 123")
    # 4 + (3+5) + 3 + (5+2) + 5 + 2 + 4 + 5 + 1 + 3 = 42 字; 字符数 4+15+3+12+8+2+4+7+1+6 = 62
    assert _count(b) == Count(42, 62)


# --- what heading detection gets ------------------------------------------------------


def test_block_styles_alignment_and_bold_lead() -> None:  # issue 6 item 1: style names and bold runs
    b = DocxBuilder()
    b.doc.add_heading("2023年度述职报告", 0)
    b.title("居中的标题")
    b.heading("一、主要做法", 1)
    b.heading("（一）政治建设", 2)
    b.bold_lead("强化政治引领。", "我村坚持每月集中学习。")
    b.para("全部加粗的一句", bold=True)
    custom = b.doc.styles.add_style("标题 3", WD_STYLE_TYPE.PARAGRAPH)
    b.para("自定义中文标题样式", style=custom.name)
    outline = b.doc.styles.add_style("大纲一级", WD_STYLE_TYPE.PARAGRAPH)
    outline.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {NSDECL} w:val="0"/>'))
    b.para("大纲级别的段落", style="大纲一级")
    blocks = read_docx(b.bytes()).blocks
    title, centered, h1, h2, lead, allbold, custom_b, outline_b = blocks
    assert title.title_style and title.style == "Title"
    assert centered.align == "center" and centered.bold_all
    assert (h1.level, h1.style) == (1, "Heading 1") or (h1.level, h1.style.lower()) == (1, "heading 1")
    assert h2.level == 2
    assert lead.bold_lead == "强化政治引领。" and not lead.bold_all
    assert allbold.bold_all and allbold.bold_lead == "全部加粗的一句"
    assert custom_b.level == 3
    assert outline_b.level == 1


def test_styles_survive_a_based_on_loop() -> None:  # issue 6 item 2: hostile input does not hang
    root = parse_xml(
        f"<w:styles {NSDECL}>"
        '<w:style w:type="paragraph" w:styleId="A"><w:name w:val="A"/><w:basedOn w:val="B"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="B"><w:name w:val="B"/><w:basedOn w:val="A"/></w:style>'
        "</w:styles>"
    )
    assert docx_text.Styles(root).get("A").name == "A"


@pytest.mark.parametrize("n", [0, 3])
def test_paragraph_count(n: int) -> None:  # issue 6 item 2: the paragraph cap counts every w:p
    b = DocxBuilder()
    for i in range(n):
        b.para(f"第{i}段")
    assert docx_text.body_paragraph_count(docx_text.open_document(b.bytes())) == n
