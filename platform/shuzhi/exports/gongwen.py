"""The 公文 page and type (GB/T 9704-2012), for every .docx the platform writes.

- A4 (210 × 297 mm); margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm
  (the standard's 天头 37 mm and 订口 28 mm with a 156 × 225 mm type area);
- title in 方正小标宋简体 二号 centred; body in 仿宋_GB2312 三号, first line
  indented two characters, fixed line spacing so a page holds 22 lines;
- heading levels: 一、 黑体, （一） 楷体_GB2312, 1. 仿宋_GB2312 bold, （1） 仿宋_GB2312;
- page numbers in 宋体 四号 as "— 1 —", odd pages on the right, even on the left,
  one character in from the edge.

Font *names* are written (the reader's machine supplies the fonts, as with any
official document); the east-Asian font slot is set too, which is the one Word
uses for Chinese text.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
#: 225 mm of type area / 22 lines.
LINE_SPACING = Pt(28.95)

#: Paragraph styles used for each level (so Word's navigation pane shows the outline).
LEVEL_STYLES = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3", 4: "Heading 4"}
LEVEL_FONTS = {1: (H1_FONT, False), 2: (H2_FONT, False), 3: (BODY_FONT, True), 4: (BODY_FONT, False)}

_SENTENCE_END = re.compile(r"[。：:！？]")


def set_font(target: Any, name: str, size: Any = None, bold: bool | None = None) -> None:
    """Font name in every slot (ascii, hAnsi, eastAsia), size and weight, on a run or a style."""
    font = target.font
    font.name = name
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def new_document() -> Any:
    """An empty A4 document with the 公文 margins, styles and page numbers."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.footer_distance = Mm(28) - Mm(7)  # the number sits 7 mm below the type area
    normal = doc.styles["Normal"]
    set_font(normal, BODY_FONT, SIZE_3, False)
    _spacing(normal.paragraph_format)
    for level, style_name in LEVEL_STYLES.items():
        style = doc.styles[style_name]
        font_name, bold = LEVEL_FONTS[level]
        set_font(style, font_name, SIZE_3, bold)
        style.font.italic = False
        style.font.color.rgb = None
        fmt = style.paragraph_format
        _spacing(fmt)
        fmt.first_line_indent = Pt(32)  # two characters of 三号
        fmt.keep_with_next = True
    title = doc.styles["Title"]
    set_font(title, TITLE_FONT, SIZE_2, False)
    title.font.color.rgb = None
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(title.paragraph_format, Pt(36))
    _no_title_border(title)
    page_numbers(doc)
    return doc


def _spacing(fmt: Any, line: Any = LINE_SPACING) -> None:
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _no_title_border(style: Any) -> None:
    ppr = style.element.get_or_add_pPr()
    for el in ppr.findall(qn("w:pBdr")):
        ppr.remove(el)


def page_numbers(doc: Any) -> None:
    """Page numbers "— N —" in 宋体 四号: odd pages right, even pages left, one character in (GB/T 9704 7.5)."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align, indent in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        p.alignment = align
        if indent == "right":
            p.paragraph_format.right_indent = SIZE_4
        else:
            p.paragraph_format.left_indent = SIZE_4
        _run(p, "— ", PAGE_NUMBER_FONT, SIZE_4)
        _field(p, "PAGE")
        _run(p, " —", PAGE_NUMBER_FONT, SIZE_4)


def _run(p: Any, text: str, font: str, size: Any, bold: bool = False) -> Any:
    run = p.add_run(text)
    set_font(run, font, size, bold)
    return run


def _field(p: Any, code: str) -> None:
    run = _run(p, "", PAGE_NUMBER_FONT, SIZE_4)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    num = OxmlElement("w:t")
    num.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, sep, num, end):
        run._r.append(el)


# --- paragraphs ---------------------------------------------------------------------


def title(doc: Any, text: str) -> Any:
    p = doc.add_paragraph(style="Title")
    _run(p, text, TITLE_FONT, SIZE_2)
    return p


def centered(doc: Any, text: str, font: str = H2_FONT) -> Any:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, font, SIZE_3)
    return p


def plain(doc: Any, text: str, *, indent: bool = False, align: Any = None, font: str = BODY_FONT) -> Any:
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)
    if align is not None:
        p.alignment = align
    _run(p, text, font, SIZE_3)
    return p


def body(doc: Any, text: str) -> Any:
    return plain(doc, text, indent=True)


def heading(doc: Any, level: int, text: str) -> Any:
    """A heading of ``level`` 1-4 in its 公文 font; a run-on sentence after it stays in the body font."""
    level = min(max(level, 1), 4)
    font, bold = LEVEL_FONTS[level]
    p = doc.add_paragraph(style=LEVEL_STYLES[level])
    head, rest = text, ""
    if level >= 2:
        m = _SENTENCE_END.search(text)
        if m and m.end() < len(text):
            head, rest = text[: m.end()], text[m.end() :]
    _run(p, head, font, SIZE_3, bold)
    if rest:
        _run(p, rest, BODY_FONT, SIZE_3, False)
    return p


def page_break(doc: Any) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def to_bytes(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
