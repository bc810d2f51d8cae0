"""The secretary's editor (issue 6 item 5): the live check fragment, upload into the editor,
outline corrections kept with the draft, autosave, submit blocked with the reasons, permissions.

On the real database with the demo's 童家镇 (tongjia) tenant and its 2023 campaign open.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from shuzhi.db import db
from shuzhi.reports.models import Report, ReportStatus, ReportVersion
from tests.conftest import login
from tests.cycles.conftest import DemoTenant, demo  # noqa: F401 (fixture)
from tests.reports import livetexts


@pytest.fixture
def tongjia(app, demo, client) -> Iterator[dict[str, Any]]:  # noqa: F811
    # the demo's clock (ADR 0014): the tenant's requests see 2023-12-01, before the hand-in deadline
    app.config["SHUZHI_DEMO_DAYS"] = {"tongjia": date(2023, 12, 1)}
    t: DemoTenant = demo("tongjia")
    campaign = t.open()
    with t.scope():
        secretary = t.who("secretary")
        from shuzhi.cycles import service

        mine = service.reporters_of_user(db.session, secretary.user_id)
        assert mine, "the demo secretary reports in the campaign"
        reporter = mine[0]
        others = [
            r
            for r in service.review_reporters(db.session, service.get_review(db.session, reporter.review_id))
            if r.id != reporter.id
        ]
        data = {
            "t": t,
            "campaign": campaign.id,
            "reporter": reporter.id,
            "other": others[0].id if others else None,
            "secretary": secretary.user_id,
            "admin": t.who("admin").user_id,
        }
    yield data
    app.config.pop("SHUZHI_DEMO_DAYS", None)


def _url(d: dict[str, Any], what: str = "") -> str:
    return f"/t/tongjia/write/{d['reporter']}{what}"


def test_live_check_findings_in_chinese_with_figures(client, tongjia) -> None:
    # clause TJ-10: 1500–2000字 — a short text is told its 字数 and the limit
    login(client, tongjia["secretary"])
    r = client.post(_url(tongjia, "/check"), data={"text": livetexts.SHORT})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="sz-panel-body"' in html
    assert "TJ-10" in html
    assert re.search(r"\d+\s*字", html)  # figures, in 字
    assert "1500" in html and "2000" in html  # the limit shown
    assert "须修改" in html or "提醒" in html
    # the outline: each part's 字数 and share, and the policy's clauses beside it
    assert 'id="sz-outline"' in html and "%" in html
    assert 'id="sz-clauses"' in html and "TJ-06" in html


def test_live_check_tj06_vs_tj10_both_shown(client, tongjia) -> None:
    # clause TJ-06: 问题及原因分析 ≥ 1/3; clause TJ-10: practices ≈ 65–70% — a report meeting TJ-10's
    # shares falls short of TJ-06, and the panel says so with the share it measured
    login(client, tongjia["secretary"])
    html = client.post(_url(tongjia, "/check"), data={"text": livetexts.tongjia_report()}).get_data(
        as_text=True
    )
    assert "TJ-06" in html
    tj06 = [li for li in html.split("<li") if 'data-rule="TJ-06"' in li]
    assert tj06 and "%" in tj06[0] and "1/3" in tj06[0]


def test_outline_correction_changes_the_check_and_is_saved(client, tongjia) -> None:
    login(client, tongjia["secretary"])
    text = livetexts.tongjia_report(problems_heading="二、几点体会")
    html = client.post(_url(tongjia, "/check"), data={"text": text}).get_data(as_text=True)
    # "几点体会" is not recognised as the problems part
    row = re.search(r'name="part-(\d+)"[^>]*>\s*<option value="" selected>([^<]*)</option>', html)
    assert row
    indexes = re.findall(r'name="part-(\d+)"', html)
    problems_index = indexes[1]
    fixed = client.post(
        _url(tongjia, "/check"), data={"text": text, f"part-{problems_index}": "problems"}
    ).get_data(as_text=True)
    assert '<option value="problems" selected>' in fixed
    # saved with the version
    r = client.post(
        _url(tongjia, "/save"),
        data={"text": text, f"part-{problems_index}": "problems"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert "草稿已自动保存" in r.get_data(as_text=True)
    with tongjia["t"].scope():
        version = db.session.scalar(select(ReportVersion).order_by(ReportVersion.id.desc()))
        assert version.corrections == {problems_index: "problems"}
        assert version.text == text.replace("\r\n", "\n")
    page = client.get(_url(tongjia)).get_data(as_text=True)
    assert '<option value="problems" selected>' in page


def test_upload_docx_into_editor_and_refusals(client, tongjia) -> None:
    from tests.reports.docx_builder import docx_of

    login(client, tongjia["secretary"])
    data = docx_of(["2023年度抓基层党建工作述职报告", "一、主要做法和成效", "我们做了很多工作。"])
    r = client.post(
        _url(tongjia, "/upload"),
        data={"file": (io.BytesIO(data), "报告.docx")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "已读入" in html and "一、主要做法和成效" in html
    # saved as a draft, the file kept with it (tests/reports/test_editor_upload.py)
    with tongjia["t"].scope():
        assert db.session.scalar(select(ReportVersion.source)) == "upload"
    for name, content in (
        ("旧报告.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        ("a.pdf", b"%PDF-1.4 x"),
    ):
        r = client.post(
            _url(tongjia, "/upload"),
            data={"file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )
        assert r.status_code == 415
        assert "另存为" in r.get_data(as_text=True) and ".docx" in r.get_data(as_text=True)


def test_submit_blocked_with_reasons_then_allowed(client, tongjia) -> None:
    # CO-02 through the editor: an error-level finding blocks the submit, the page says which
    login(client, tongjia["secretary"])
    r = client.post(_url(tongjia, "/submit"), data={"text": livetexts.SHORT})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "须修改后才能提交" in html and 'id="sz-error"' in html
    assert livetexts.SHORT.splitlines()[0] in html  # what was typed is kept
    with tongjia["t"].scope():
        report = db.session.scalar(select(Report))
        assert report is None or report.status is ReportStatus.DRAFT
    good = livetexts.tongjia_report(problems_share=0.34)
    check = client.post(_url(tongjia, "/check"), data={"text": good}).get_data(as_text=True)
    assert "没有须修改的问题" in check, re.findall(r'data-rule="([^"]+)"', check)
    r = client.post(_url(tongjia, "/submit"), data={"text": good})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已提交" in page and "readonly" in page
    with tongjia["t"].scope():
        report = db.session.scalar(select(Report))
        assert report.status in (ReportStatus.SUBMITTED, ReportStatus.PRE_REVIEW)


def test_only_the_reporters_secretary_edits(client, tongjia) -> None:
    # the secretary may not open another org's editor; the admin reads but cannot save
    login(client, tongjia["secretary"])
    if tongjia["other"]:
        r = client.get(f"/t/tongjia/write/{tongjia['other']}")
        assert r.status_code in (403, 404)
        r = client.post(f"/t/tongjia/write/{tongjia['other']}/save", data={"text": "x"})
        assert r.status_code in (403, 404)
    client.post("/logout")
    login(client, tongjia["admin"])
    r = client.get(_url(tongjia))
    assert r.status_code == 200 and "readonly" in r.get_data(as_text=True)
    r = client.post(_url(tongjia, "/save"), data={"text": "一、主要做法和成效\n内容"})
    assert r.status_code == 403
    with tongjia["t"].scope():
        assert db.session.scalar(select(Report)) is None


def test_oversized_text_refused(client, tongjia) -> None:
    login(client, tongjia["secretary"])
    r = client.post(_url(tongjia, "/check"), data={"text": "字" * 200_001})
    assert r.status_code == 422 and "报告太长" in r.get_data(as_text=True)


def test_coauthor_edits_but_a_stranger_does_not(client, tongjia) -> None:
    # clause TJ-08: a co-author the secretary added writes in the editor too
    from shuzhi.cycles import service as cycles
    from shuzhi.reports import service
    from shuzhi.reports.models import MemberRole

    t = tongjia["t"]
    with t.scope():
        secretary = t.who("secretary")
        reporter = cycles.get_reporter(db.session, tongjia["reporter"])
        report = service.get_or_create_report(db.session, reporter)
        observer = t.who("observer")
        service.add_member(
            db.session, report, user=secretary, member_user_id=observer.user_id, role=MemberRole.CO_AUTHOR
        )
        db.session.commit()
    login(client, observer.user_id)
    page = client.get(_url(tongjia)).get_data(as_text=True)
    assert 'id="sz-save"' in page and "readonly" not in page
    r = client.post(_url(tongjia, "/save"), data={"text": livetexts.SHORT}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "草稿已自动保存" in r.get_data(as_text=True)
    panel = client.post(_url(tongjia, "/check"), data={"text": livetexts.SHORT}).get_data(as_text=True)
    assert "disabled" not in panel  # may correct the outline
    client.post("/logout")
    login(client, t.who("reviewer").user_id)  # may read (their area), not write
    r = client.post(_url(tongjia, "/save"), data={"text": "改动"}, headers={"HX-Request": "true"})
    assert r.status_code in (403, 404)


def test_editor_links_the_reports_attachments_once_it_exists(client, tongjia) -> None:
    # JX-06, SX-03: slides, scans and the seal attestation live on the report's files page;
    # the secretary reaches it from the editor as soon as a draft exists
    login(client, tongjia["secretary"])
    assert 'id="sz-files-link"' not in client.get(_url(tongjia)).get_data(as_text=True)
    client.post(_url(tongjia, "/save"), data={"text": livetexts.SHORT})
    with tongjia["t"].scope():
        report = db.session.scalar(select(Report))
    page = client.get(_url(tongjia)).get_data(as_text=True)
    assert f'href="/t/tongjia/reports/{report.id}/files"' in page
    assert client.get(f"/t/tongjia/reports/{report.id}/files").status_code == 200
