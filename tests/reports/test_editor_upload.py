"""A file read into the editor (issue 6 items 2 and 3): the original is kept with the version
it produced, a refused file keeps nothing, and Word's heading styles survive into the editor's
plain text ("# " marker) as the same outline and 字数 as checking the .docx directly.

On the real database with the demo's 童家镇 (tongjia) tenant and its 2023 campaign open.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx.enum.style import WD_STYLE_TYPE
from flask import current_app
from sqlalchemy import func, select

from shuzhi.db import db
from shuzhi.reports import service
from shuzhi.reports.models import AttachmentKind, Report, ReportAttachment, ReportVersion
from shuzhi.reports.parse import editor_text, parse_report
from shuzhi.reports.uploads import marked_heading, read_upload, text_blocks
from tests.conftest import login
from tests.cycles.conftest import demo  # noqa: F401 (fixture)
from tests.reports import livetexts
from tests.reports.docx_builder import DocxBuilder, docx_of, rezip
from tests.reports.test_editor import _url, tongjia  # noqa: F401 (fixture)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _upload(client, d, data: bytes, name: str):
    return client.post(
        _url(d, "/upload"), data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _stored_files() -> set[Path]:
    root = Path(current_app.instance_path) / "attachments"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def styled_report() -> bytes:
    """A report whose headings are Word heading styles without 一、/（一） numbering:
    Heading 1/2 and the Chinese-named 标题 1/标题 2 (as WPS and Chinese Word name them)."""
    b = DocxBuilder()
    for name in ("标题 1", "标题 2"):
        b.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    b.title("2023年度抓基层党建工作述职报告")
    b.para("各位领导、同志们：")
    b.para("根据会议安排，现将本人2023年度抓基层党建工作情况述职如下。")
    b.heading("主要做法及成效", 1)
    b.heading("加强政治建设", 2)
    b.para("全年组织理论学习12次，开展专题党课4次，覆盖党员186人次。")
    b.para("服务保障中心大局", style="标题 2")
    b.para("组织党员干部下沉村组32次，解决群众急难愁盼问题46件，集体经济收入增长到15.2万元。")
    b.bold_lead("落实党建责任。", "建立支委分片联系制度，全年走访农户210户。")
    b.para("存在的问题及原因分析", style="标题 1")
    b.para("一是理论学习深度不够，二是支部活动形式单一，青年党员参与率只有62%。")
    b.heading("下步工作打算", 1)
    b.para("下一步，我们将加强理论武装，每季度开展一次专题研讨，力争青年党员参与率达到85%以上。")
    b.para("童家镇石龙村党支部书记：张三", align="right")
    b.para("2024年1月5日", align="right")
    return b.bytes()


# --- the heading marker ------------------------------------------------------------------


def test_heading_marker_is_a_heading_and_not_counted() -> None:
    # issue 6 item 3; COUNTING: the marker is the editor's markup, not the report's text
    assert marked_heading("# 主要工作") == (1, "主要工作")
    assert marked_heading("###\u3000加强政治建设") == (3, "加强政治建设")
    for plain in ("#1号楼改造完成", "#", "# ", "主要工作 #"):
        assert marked_heading(plain) is None, plain
    doc = text_blocks("现将情况报告如下。\n# 主要工作\n## 加强政治建设\n全年学习12次。\n#话题标签")
    assert [(b.text, b.level) for b in doc.blocks] == [
        ("现将情况报告如下。", None),
        ("主要工作", 1),
        ("加强政治建设", 2),
        ("全年学习12次。", None),
        ("#话题标签", None),
    ]
    plain = text_blocks("现将情况报告如下。\n主要工作\n加强政治建设\n全年学习12次。\n#话题标签")
    assert doc.count() == plain.count()  # "# " and "## " count nothing
    parsed = parse_report(doc)
    assert [(h.level, h.name, h.how) for h in parsed.headings] == [
        (1, "主要工作", "style"),
        (2, "加强政治建设", "style"),
    ]


def test_styled_unnumbered_headings_survive_into_the_editor_text(runner_files) -> None:
    # issue 6 item 3: Word heading styles (Heading 1/2, 标题 1/2) and a bold lead sentence,
    # none numbered: the editor text marks them, and parses as `shuzhi check file.docx` does
    from shuzhi.plugins import hooks
    from shuzhi.reports.check import check_text
    from shuzhi.reports.cli import check_cmd

    docx_path = runner_files / "styled.docx"
    docx_path.write_bytes(styled_report())
    direct = CliRunner().invoke(check_cmd, [str(docx_path), "--policy", "tongjia", "--json"])
    assert direct.exit_code in (0, 1), direct.output
    direct_json = json.loads(direct.output)

    text = editor_text(read_upload("styled.docx", docx_path.read_bytes()).doc)
    assert "# 主要做法及成效" in text.splitlines()
    assert "## 加强政治建设" in text.splitlines() and "## 服务保障中心大局" in text.splitlines()
    assert "# 存在的问题及原因分析" in text.splitlines() and "# 下步工作打算" in text.splitlines()
    assert "### 落实党建责任。建立支委分片联系制度，全年走访农户210户。" in text.splitlines()
    assert not any(line.startswith("#") for line in text.splitlines()[:3])  # title lines untouched

    policy = hooks.policy("tongjia")
    parsed = parse_report(text_blocks(text), policy)
    from_text = json.loads(
        json.dumps(check_text(policy, policy.defaults(), parsed).to_dict(), ensure_ascii=False, default=str)
    )

    def headings(d):
        return [(r["level"], r["heading"], r["words"], r["share"], r["part"]) for r in d["headings"]]

    assert headings(from_text) == headings(direct_json)
    assert [r[4] for r in headings(from_text) if r[4]] == ["practices", "problems", "plans"]
    assert [r[1] for r in headings(from_text)][1:] == [
        "主要做法及成效",
        "加强政治建设",
        "服务保障中心大局",
        "落实党建责任",
        "存在的问题及原因分析",
        "下步工作打算",
    ]
    assert from_text["outline"] == direct_json["outline"]  # each part's 字数 and share
    assert from_text["total"] == direct_json["total"]  # the same 字数 and 字符数
    assert from_text["body_words"] == direct_json["body_words"]
    assert sorted(f["rule_id"] for f in from_text["findings"]) == sorted(
        f["rule_id"] for f in direct_json["findings"]
    )


@pytest.fixture
def runner_files(tmp_path: Path) -> Path:
    return tmp_path


def test_styled_docx_uploaded_into_the_editor_keeps_its_outline(client, tongjia) -> None:  # noqa: F811
    # issue 6 item 3 through the editor: the upload's saved text carries the markers, the
    # panel's outline shows the styled headings mapped to the plan's parts, the help says how
    login(client, tongjia["secretary"])
    page = client.get(_url(tongjia)).get_data(as_text=True)
    assert "“# ”" in page and "不计入字数" in page  # the editor's help shows the marker
    r = _upload(client, tongjia, styled_report(), "述职报告.docx")
    assert r.status_code == 200, r.get_data(as_text=True)
    html = r.get_data(as_text=True)
    assert "# 主要做法及成效" in html
    outline = html[html.index('id="sz-outline"') :]
    for heading in (
        "主要做法及成效",
        "加强政治建设",
        "服务保障中心大局",
        "存在的问题及原因分析",
        "下步工作打算",
    ):
        assert heading in outline, heading
    with tongjia["t"].scope():
        version = db.session.scalar(select(ReportVersion))
        direct = parse_report(read_upload("a.docx", styled_report()).doc)
        assert version.words == direct.total.words
        report_id = db.session.scalar(select(Report.id))
    # the reviewer reads the marked headings as headings, without the editor's marks
    login(client, tongjia["admin"])
    review = client.get(f"/t/tongjia/review/{report_id}?v=1").get_data(as_text=True)
    paras = review[review.index('id="sz-paras"') :]
    assert re.search(r'fw-bold">主要做法及成效</div>', paras)
    assert "# 主要做法及成效" not in paras


# --- the original file --------------------------------------------------------------------


def test_upload_keeps_the_original_with_the_version_it_produced(client, tongjia) -> None:  # noqa: F811
    # issue 6 item 2 "Keep the original file": stored through the attachments' storage,
    # kind original, linked to the draft its text became; listed with a download link
    login(client, tongjia["secretary"])
    first = docx_of(["2023年度抓基层党建工作述职报告", "一、主要做法和成效", "我们做了很多工作。"])
    r = _upload(client, tongjia, first, "../石龙村述职报告.docx")
    assert r.status_code == 200, r.get_data(as_text=True)
    html = r.get_data(as_text=True)
    assert "已读入" in html and "第 1 版" in html and "一、主要做法和成效" in html
    with tongjia["t"].scope():
        report = db.session.scalar(select(Report))
        (v1,) = db.session.scalars(select(ReportVersion)).all()
        (orig,) = db.session.scalars(select(ReportAttachment)).all()
        assert (v1.number, v1.source) == (1, "upload")
        assert orig.kind is AttachmentKind.ORIGINAL and orig.version_id == v1.id
        assert orig.filename == "石龙村述职报告.docx"  # no folder from the user's name
        assert orig.content_type == DOCX_TYPE and orig.size == len(first)
        assert service.attachment_bytes(orig) == first
        report_id, first_id = report.id, orig.id

    files = client.get(f"/t/tongjia/reports/{report_id}/files").get_data(as_text=True)
    link = f"/t/tongjia/review/{report_id}/attachments/{first_id}"
    assert f'href="{link}"' in files and "石龙村述职报告.docx" in files
    assert "报告原件" in files and "第 1 版据此读入" in files
    download = client.get(link)
    assert download.status_code == 200 and download.data == first
    assert "attachment;" in download.headers["Content-Disposition"]
    # kept: the secretary cannot delete it
    r = client.post(f"/t/tongjia/reports/{report_id}/files/{first_id}/delete")
    assert r.status_code == 409 and "不能删除" in r.get_data(as_text=True)

    # typing on, then reading another file in: a new draft, the typed text stays version 1
    client.post(_url(tongjia, "/save"), data={"text": livetexts.SHORT}, headers={"HX-Request": "true"})
    second = "一、主要做法和成效\n我们做了更多工作。\n".encode("gb18030")
    r = _upload(client, tongjia, second, "修改稿.txt")
    assert r.status_code == 200 and "第 2 版" in r.get_data(as_text=True)
    with tongjia["t"].scope():
        v1, v2 = db.session.scalars(select(ReportVersion).order_by(ReportVersion.number)).all()
        assert v1.text == livetexts.SHORT.replace("\r\n", "\n") and v2.text.startswith("一、主要做法和成效")
        rows = db.session.scalars(select(ReportAttachment).order_by(ReportAttachment.id)).all()
        assert [(a.kind, a.version_id, a.filename) for a in rows] == [
            (AttachmentKind.ORIGINAL, v1.id, "石龙村述职报告.docx"),
            (AttachmentKind.ORIGINAL, v2.id, "修改稿.txt"),
        ]
        assert rows[1].content_type == "text/plain" and service.attachment_bytes(rows[1]) == second


def test_refused_upload_keeps_nothing(client, tongjia) -> None:  # noqa: F811
    # issue 6 item 9 with item 2: a refused file saves no version and stores no file
    login(client, tongjia["secretary"])
    good = docx_of(["一、主要做法和成效", "内容。"])
    macro = rezip(good, add={"word/vbaProject.bin": b"\x00" * 64})
    before = _stored_files()
    for name, content, status in (
        ("旧报告.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, 415),
        ("a.pdf", b"%PDF-1.4 x", 415),
        ("改名.docx", b"not a word file at all", 415),
        ("宏.docx", macro, 415),
        ("空.txt", b"", 422),
    ):
        r = _upload(client, tongjia, content, name)
        assert r.status_code == status, (name, r.status_code)
        assert re.search(r"[\u4e00-\u9fff]", r.get_data(as_text=True))
    with tongjia["t"].scope():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0
        assert db.session.scalar(select(func.count()).select_from(ReportAttachment)) == 0
    assert _stored_files() == before


def test_upload_into_a_submitted_report_keeps_nothing(client, tongjia) -> None:  # noqa: F811
    # CO-02: a submitted report is frozen; reading a file in is refused and stores no file
    login(client, tongjia["secretary"])
    good = livetexts.tongjia_report(problems_share=0.34)
    assert client.post(_url(tongjia, "/submit"), data={"text": good}).status_code == 302
    before = _stored_files()
    r = _upload(client, tongjia, docx_of(["一、主要做法和成效", "内容。"]), "新.docx")
    assert r.status_code == 409 and "已提交" in r.get_data(as_text=True)
    with tongjia["t"].scope():
        assert db.session.scalar(select(func.count()).select_from(ReportAttachment)) == 0
        assert db.session.scalar(select(func.count()).select_from(ReportVersion)) == 1
    assert _stored_files() == before
