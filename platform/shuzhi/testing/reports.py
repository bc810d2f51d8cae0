"""Reports for tests: exact 字数, hand-built parsed reports, and .docx files.

Rules measure 字 the way Word counts them (``shuzhi.reports.counting``), so a
test of "不少于1500字" needs a report of exactly 1499 and 1500 字: :func:`words`
and :func:`part` make text of an exact count out of neutral characters that
match no keyword, figure, case marker or placeholder of any shipped rule.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from shuzhi.policy.report import SimplePart, SimpleReport, build_report
from shuzhi.reports.counting import count_words

#: Neutral filler: ten 天干, no keyword, number word or case marker in any shipped policy.
FILLER = "甲乙丙丁戊己庚辛壬癸"

Section = tuple[str | None, str, list[str]]


def words(n: int, filler: str = FILLER) -> str:
    """Exactly ``n`` 字 of neutral text (``filler`` must be CJK characters, one 字 each)."""
    if n < 0:
        raise ValueError("字数不能为负")
    text = (filler * (n // len(filler) + 1))[:n]
    if count_words(text) != n:
        raise ValueError("filler 必须由中文字符组成（每字计1）")
    return text


def part(key: str | None, heading: str, total: int, *content: str) -> Section:
    """A report part of exactly ``total`` 字, the heading included: ``content`` paragraphs, then filler.

    For :func:`build_report`; raises ValueError when heading and content already exceed ``total``.
    """
    used = count_words(heading) + sum(count_words(c) for c in content)
    if used > total:
        raise ValueError(f"标题和内容已有 {used} 字，超过要求的 {total} 字")
    pad = total - used
    return key, heading, [*content, *([words(pad)] if pad else [])]


def build_docx(
    sections: Sequence[tuple[str, Sequence[str]]],
    *,
    title: str | None = None,
    intro: Sequence[str] = (),
    table: Sequence[Sequence[str]] | None = None,
    signature: Sequence[str] = (),
    heading_level: int = 1,
) -> bytes:
    """A .docx as a secretary would upload it: title, opening paragraphs, headed sections, a table.

    ``sections`` are ``(heading, paragraphs)``; headings use Word's built-in
    "Heading N" style; ``table`` rows (the first is the header row) follow the
    sections, then the ``signature`` lines (落款). Returns the file's bytes.
    """
    import docx  # python-docx, a dependency of shuzhi; imported here to keep pytest's start light

    document = docx.Document()
    if title:
        document.add_heading(title, level=0)
    for text in intro:
        document.add_paragraph(text)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=heading_level)
        for text in paragraphs:
            document.add_paragraph(text)
    if table:
        cols = max(len(row) for row in table)
        grid = document.add_table(rows=len(table), cols=cols)
        grid.style = "Table Grid"
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = str(value)
    for line in signature:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


__all__ = ["FILLER", "SimplePart", "SimpleReport", "build_docx", "build_report", "part", "words"]
