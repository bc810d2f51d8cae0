"""The .docx the platform writes: the policy's outline template, a report, a review's book.

All three are synchronous functions returning bytes; the book becomes a job of
the ``exports`` queue once the jobs room exists (it is the only one whose size
grows with the review).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from docx.enum.text import WD_ALIGN_PARAGRAPH
from flask_babel import gettext as _

from shuzhi.exports import gongwen
from shuzhi.policy.model import Policy
from shuzhi.reports.docx_text import Block, DocText
from shuzhi.reports.parse import _back_matter, _front_matter, heading_of, parse_report
from shuzhi.reports.uploads import text_blocks

_ANNEX = re.compile(r"^\s*附件\s*([0-9０-９一二三四五六七八九十]+)\s*$")
_TEMPLATE_WORDS = re.compile(r"提纲|模板|范本|格式")


# --- the policy's outline template (TJ-12 附件1) ------------------------------------------


def annex_outline(policy: Policy) -> list[str] | None:
    """The lines of the seed's annex that is a report outline template ("附件1 … 提纲模板"), as written.

    None when the policy's text has no such annex.
    """
    lines = [ln.rstrip() for ln in (policy.seed_text or "").splitlines()]
    starts = [i for i, ln in enumerate(lines) if _ANNEX.match(ln)]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        block = [ln.strip() for ln in lines[start:end] if ln.strip()]
        if len(block) > 1 and _TEMPLATE_WORDS.search(block[1]):
            return block
    return None


def generated_outline(policy: Policy) -> list[str]:
    """An outline from the policy's parts when its text ships no template."""
    numbers = "一二三四五六七八九十"
    year = f"{policy.year}" if policy.year else "XXXX"
    out = [_("%(year)s年度抓基层党建工作述职报告", year=year), _("（XX年X月）"), _("XX书记")]
    for i, section in enumerate(s for s in policy.sections if s.required):
        out.append(f"{numbers[i] if i < len(numbers) else i + 1}、{section.name}")
        out.append("……")
    return out


def outline_template(policy: Policy) -> bytes:
    """TJ-12: the report outline template as .docx, headings exactly as in the policy's annex."""
    lines = annex_outline(policy)
    doc = gongwen.new_document()
    if lines is None:
        lines = generated_outline(policy)
        gongwen.title(doc, lines[0])
        rest = lines[1:]
    else:
        # 附件1 at the top left in 黑体, then the annex's own title.
        gongwen.plain(doc, lines[0], font=gongwen.H1_FONT)
        gongwen.title(doc, lines[1])
        rest = lines[2:]
    _write_lines(doc, rest)
    return gongwen.to_bytes(doc)


def _write_lines(doc: object, lines: Sequence[str]) -> None:
    """Lines of a template: the date and author lines under the title centred, then headings and body."""
    in_head = True
    for line in lines:
        level = heading_of(Block(line))
        if in_head and level is None and _is_head_line(line):
            gongwen.centered(doc, line)
            continue
        in_head = False
        if level is not None:
            gongwen.heading(doc, level[0], line)
        else:
            gongwen.body(doc, line)


def _is_head_line(line: str) -> bool:
    """A line under a title: a date in brackets, or a short author line (XX书记)."""
    return len(line) <= 20 and (
        line.startswith(("（", "(")) or line.endswith(("书记", "同志")) or "XX" in line
    )


# --- a report ------------------------------------------------------------------------------


def write_report(doc: object, text: str, policy: Policy | None, *, fallback_title: str = "") -> None:
    """A report's text in the 公文 layout: title, byline, addressee, headings by level, signature."""
    blocks = [b for b in text_blocks(text).blocks if b.text.strip()]
    front = _front_matter(blocks)
    back = _back_matter(blocks, len(front))
    main = blocks[len(front) : len(blocks) - len(back)]
    parsed = parse_report(DocText(blocks), policy)
    levels = {h.paragraph: h.level for h in parsed.headings}
    if "title" not in front and fallback_title:
        gongwen.title(doc, fallback_title)
    for role, block in zip(front, blocks, strict=False):
        if role == "title":
            gongwen.title(doc, block.text)
        elif role in ("byline", "date"):
            gongwen.centered(doc, block.text)
        else:  # the addressee: flush left
            gongwen.plain(doc, block.text)
    for i, block in enumerate(main):
        if i in levels:
            gongwen.heading(doc, levels[i], block.text)
        else:
            gongwen.body(doc, block.text)
    for block in blocks[len(blocks) - len(back) :]:
        p = gongwen.plain(doc, block.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = gongwen.SIZE_3 * 4  # 右空四字 (GB/T 9704 7.3.5)


def report_docx(text: str, policy: Policy | None, *, fallback_title: str = "") -> bytes:
    doc = gongwen.new_document()
    write_report(doc, text, policy, fallback_title=fallback_title)
    return gongwen.to_bytes(doc)


# --- a review's book ---------------------------------------------------------------------


@dataclass(frozen=True)
class BookEntry:
    """One reporter's part of the book: their org, name, and the submitted text (or why missing)."""

    org: str
    person: str
    text: str
    note: str = ""


def book_docx(title: str, entries: Sequence[BookEntry], policy: Policy | None) -> bytes:
    """All reports of a review in one .docx: a title page with the list, then each report on new pages."""
    doc = gongwen.new_document()
    gongwen.title(doc, title)
    gongwen.centered(doc, _("目  录"), font=gongwen.H1_FONT)
    for n, e in enumerate(entries, 1):
        line = f"{n}. {e.org}  {e.person}"
        if e.note:
            line += f"（{e.note}）"
        gongwen.plain(doc, line)
    for e in entries:
        gongwen.page_break(doc)
        if e.text.strip():
            write_report(doc, e.text, policy, fallback_title=f"{e.org} {e.person}")
        else:
            gongwen.title(doc, f"{e.org} {e.person}")
            gongwen.body(doc, e.note or _("未提交述职报告。"))
    return gongwen.to_bytes(doc)
