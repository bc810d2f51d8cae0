"""Exports (issue 6 item 7), opened again with python-docx: the policy's outline template
(TJ-12 附件1, headings exactly as in the seed), a report in the 公文 layout (GB/T 9704 page,
fonts by level, page numbers), a review's book, and their downloads with permissions."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from shuzhi.db import db
from shuzhi.exports import documents, gongwen
from shuzhi.plugins import hooks
from tests.conftest import login
from tests.cycles.conftest import demo  # noqa: F401 (fixture)
from tests.reports import livetexts

SEED = next((Path(__file__).parents[2] / "plugins/tongjia/shuzhi_tongjia").glob("tongjia-*.txt"))


def _open(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def _east_asia(run: Any) -> str | None:
    fonts = run._r.rPr.find(qn("w:rFonts")) if run._r.rPr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _annex1_lines() -> list[str]:
    lines = [ln.strip() for ln in SEED.read_text(encoding="utf-8").splitlines()]
    start = lines.index("附件1")
    end = lines.index("附件2")
    return [ln for ln in lines[start:end] if ln]


def _assert_page(d: Any) -> None:
    s = d.sections[0]
    assert round(s.page_width.mm) == 210 and round(s.page_height.mm) == 297  # A4
    assert [round(m.mm) for m in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [
        37,
        35,
        28,
        26,
    ]
    # page numbers: a PAGE field in both the odd and the even footer
    assert d.settings.odd_and_even_pages_header_footer
    for footer in (s.footer, s.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in footer.paragraphs[0].text


@pytest.fixture
def ctx(app):
    hooks.load()
    with app.test_request_context("/"):
        yield


def test_outline_template_is_annex1_exactly(ctx) -> None:
    # clause TJ-12: 附件1's headings exactly as in the seed, in order, nothing added
    d = _open(documents.outline_template(hooks.policy("tongjia")))
    texts = [p.text.strip() for p in d.paragraphs if p.text.strip()]
    assert texts == _annex1_lines()
    paras = {p.text.strip(): p for p in d.paragraphs}
    title = paras["2023年度抓基层党建述职报告提纲模板"]
    assert title.style.name == "Title" and _east_asia(title.runs[0]) == "方正小标宋简体"
    assert title.runs[0].font.size.pt == 22  # 二号
    h1 = paras["一、主要做法和成效"]
    assert h1.style.name == "Heading 1" and _east_asia(h1.runs[0]) == "黑体"
    h2 = next(p for t, p in paras.items() if t.startswith("（一）加强政治建设方面。"))
    assert h2.style.name == "Heading 2" and _east_asia(h2.runs[0]) == "楷体_GB2312"
    assert h2.runs[0].text == "（一）加强政治建设方面。"  # the guidance after it in the body font
    assert _east_asia(h2.runs[1]) == "仿宋_GB2312"
    assert paras["二、存在问题及原因分析（此部分不少于整个篇幅的1/3）"].style.name == "Heading 1"
    body = next(p for t, p in paras.items() if t.startswith("根据会议安排"))
    assert _east_asia(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size.pt == 16  # 三号
    _assert_page(d)


def test_outline_template_from_parts_when_no_annex(ctx) -> None:
    # a plan whose text has no outline annex: the template lists its required parts
    policy = hooks.policy("yongzhou")
    assert documents.annex_outline(policy) is None
    d = _open(documents.outline_template(policy))
    heads = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert heads and all(h[1] == "、" for h in heads)
    assert [h[2:] for h in heads] == [s.name for s in policy.sections if s.required]


def test_report_in_gongwen_layout(ctx) -> None:
    text = livetexts.tongjia_report()
    d = _open(documents.report_docx(text, hooks.policy("tongjia")))
    _assert_page(d)
    paras = [p for p in d.paragraphs if p.text.strip()]
    assert paras[0].text == "2023年度抓基层党建工作述职报告" and paras[0].style.name == "Title"
    assert _east_asia(paras[0].runs[0]) == gongwen.TITLE_FONT
    h1 = [p.text for p in paras if p.style.name == "Heading 1"]
    assert h1 == ["一、主要做法及成效", "二、存在的问题及原因分析", "三、下步工作打算"]
    assert all(_east_asia(p.runs[0]) == "黑体" for p in paras if p.style.name == "Heading 1")
    assert any(p.style.name == "Heading 2" and _east_asia(p.runs[0]) == "楷体_GB2312" for p in paras)
    body = [p for p in paras if p.style.name == "Normal" and p.paragraph_format.first_line_indent]
    assert body and all(_east_asia(p.runs[0]) == "仿宋_GB2312" for p in body)
    # the signature and date at the end, right-aligned
    assert paras[-1].text == "2024年1月5日" and paras[-1].alignment == 2
    # the text is all there: Word counts the same 字数 as the editor
    from shuzhi.reports.uploads import read_upload

    again = read_upload("r.docx", documents.report_docx(text, hooks.policy("tongjia")))
    from shuzhi.reports.uploads import read_paste

    assert again.count().words == read_paste(text).count().words


@pytest.fixture
def tongjia_submitted(demo, client):  # noqa: F811
    """童家镇's campaign with one report saved and submitted, one only drafted."""
    from shuzhi.cycles import service as cycles
    from shuzhi.reports import service as reports

    t = demo("tongjia")
    campaign = t.open()
    with t.scope():
        sec = t.who("secretary")
        reporter = cycles.reporters_of_user(db.session, sec.user_id)[0]
        review = cycles.get_review(db.session, reporter.review_id)
        report = reports.get_or_create_report(db.session, reporter)
        reports.save_draft(db.session, report, livetexts.tongjia_report(problems_share=0.34), user=sec)
        reports.submit(db.session, report, user=sec, today=date(2023, 12, 1))
        db.session.commit()
        org = cycles.org_names(db.session, [reporter.org_id])[reporter.org_id].name
        return {"t": t, "campaign": campaign.id, "review": review.id, "reporter": reporter.id, "org": org}


def test_downloads(client, tongjia_submitted) -> None:
    d = tongjia_submitted
    t = d["t"]
    login(client, t.who("secretary").user_id)
    r = client.get(f"/t/tongjia/exports/campaigns/{d['campaign']}/outline-template.docx")
    assert r.status_code == 200 and r.mimetype == gongwen.DOCX_MIME
    assert "一、主要做法和成效" in [p.text for p in _open(r.data).paragraphs]
    r = client.get(f"/t/tongjia/exports/reporters/{d['reporter']}/report.docx")
    assert r.status_code == 200
    assert "二、存在的问题及原因分析" in [p.text for p in _open(r.data).paragraphs]
    assert "attachment" in r.headers["Content-Disposition"]
    # the book is the reviewers' and the department's, not a secretary's
    assert "sz-book-link" not in client.get(f"/t/tongjia/write/{d['reporter']}").get_data(as_text=True)
    assert client.get(f"/t/tongjia/exports/reviews/{d['review']}/book.docx").status_code == 403
    client.post("/logout")
    login(client, t.who("admin").user_id)
    page = client.get(f"/t/tongjia/write/{d['reporter']}").get_data(as_text=True)
    assert f"/t/tongjia/exports/reviews/{d['review']}/book.docx" in page  # linked for the department
    r = client.get(f"/t/tongjia/exports/reviews/{d['review']}/book.docx")
    assert r.status_code == 200
    book = _open(r.data)
    texts = [p.text for p in book.paragraphs]
    assert any(d["org"] in x for x in texts[:40])  # listed in the contents
    assert texts.count("二、存在的问题及原因分析") == 1  # one report submitted
    assert any("未提交" in x for x in texts)  # the others say so
    _assert_page(book)
