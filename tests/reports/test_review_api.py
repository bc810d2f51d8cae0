"""The reports API and the reviewer's pages over HTTP, and attachments with hostile files
(issue 6 item 6): one error shape, Chinese messages, nothing half-written."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from shuzhi.db import db
from shuzhi.reports import service
from shuzhi.reports.attachments import MB, clean_filename
from shuzhi.reports.models import ReportAttachment, ReportStatus
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped
from tests.conftest import login
from tests.cycles import conftest as cycles_conftest
from tests.reports.review_kit import MP4, PDF, PNG, pptx, report_for, tongjia_text, yongzhou_text

demo = cycles_conftest.demo


def _user_id(username: str) -> int:
    with scoped(db.session, platform=True):
        uid = db.session.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return int(uid)


def _clock(app: Any, slug: str, day: date) -> None:
    """The demo's clock (ADR 0014): the tenant's requests see ``day`` as today."""
    app.config["SHUZHI_DEMO_DAYS"] = {slug: day}


@pytest.fixture
def tongjia(app, demo) -> Any:
    tj = demo("tongjia")
    tj.open()
    _clock(app, "tongjia", date(2023, 12, 20))
    yield tj
    app.config.pop("SHUZHI_DEMO_DAYS", None)


def _api(tj: Any) -> str:
    return f"/api/v1/tenants/{tj.slug}"


def _error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    body = r.get_json()
    assert set(body) <= {"code", "status", "message", "errors"} and body["code"] == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # a Chinese message
    return body


def test_api_flow_submit_return_resubmit_approve_diff(app, client, tongjia) -> None:
    # clause CO-02 and TJ-02 over the API: the secretary drafts and submits, the 包片领导 returns
    # with a paragraph comment, the secretary re-submits, the 包片领导 approves; versions,
    # comments, decisions and the diff read back
    tj, base = tongjia, _api(tongjia)
    with tj.scope():
        reporter_id = report_for(tj, "C04").reporter_id
        db.session.commit()
    login(client, _user_id("tongjia-secretary"))
    report = client.post(f"{base}/reporters/{reporter_id}/report").get_json()
    assert report["status"] == "draft" and report["pre_review"] == "述职报告报包片领导审核"
    rid = report["id"]
    _error(client.put(f"{base}/reports/{rid}/draft", json={"text": 5}), 422)
    _error(client.put(f"{base}/reports/{rid}/draft", json={"text": "x" * 200_001}), 422)
    v1 = client.put(f"{base}/reports/{rid}/draft", json={"text": tongjia_text()}).get_json()
    assert v1["number"] == 1 and v1["kind"] == "draft" and v1["check"]["findings"]
    sub = client.post(f"{base}/reports/{rid}/submit").get_json()
    assert sub["kind"] == "submitted" and len(sub["content_hash"]) == 64
    _error(client.post(f"{base}/reports/{rid}/approve", json={}), 403)  # not the secretary's call

    login(client, _user_id("tongjia-reviewer"))
    _error(client.post(f"{base}/reports/{rid}/return", json={"note": ""}), 422)
    ret = client.post(
        f"{base}/reports/{rid}/return",
        json={"note": "请补充数据", "comments": [{"paragraph": 4, "body": "写清楚人数"}]},
    ).get_json()
    assert ret["action"] == "return" and ret["step"] == "pre_review" and ret["status"] == "returned"
    (comment,) = client.get(f"{base}/reports/{rid}/comments").get_json()
    assert comment["paragraph"] == 4 and comment["version"] == 1 and comment["excerpt"]

    login(client, _user_id("tongjia-secretary"))
    client.put(f"{base}/reports/{rid}/draft", json={"text": tongjia_text("全年发展党员3名。")})
    assert client.post(f"{base}/reports/{rid}/submit").get_json()["number"] == 2
    login(client, _user_id("tongjia-reviewer"))
    ok = client.post(f"{base}/reports/{rid}/approve", json={"note": "同意报党建办"}).get_json()
    assert ok["status"] == "submitted" and ok["step"] == "pre_review"
    rows = client.get(f"{base}/reports/{rid}/diff?from=1&to=2").get_json()
    assert [r["op"] for r in rows if r["op"] != "equal"] == ["insert"]
    _error(client.get(f"{base}/reports/{rid}/diff?from=1&to=9"), 404)
    versions = client.get(f"{base}/reports/{rid}/versions").get_json()
    assert [(v["number"], v["kind"]) for v in versions] == [(1, "submitted"), (2, "submitted")]
    actions = [d["action"] for d in client.get(f"{base}/reports/{rid}/decisions").get_json()]
    assert actions == ["submit", "return", "submit", "approve"]


def test_api_submit_after_the_deadline_is_409(app, client, tongjia) -> None:
    # clause CO-02 with TJ-02's 2024-01-05: the engine's lock, through the API
    tj, base = tongjia, _api(tongjia)
    with tj.scope():
        report = report_for(tj, "C04")
        service.save_draft(db.session, report, tongjia_text(), user=tj.who("secretary"))
        db.session.commit()
        rid = report.id
    _clock(app, "tongjia", date(2024, 1, 9))
    login(client, _user_id("tongjia-secretary"))
    body = _error(client.post(f"{base}/reports/{rid}/submit"), 409)
    assert "2024-01-05" in body["message"]
    with tj.scope():
        assert service.get_report(db.session, rid).status is ReportStatus.DRAFT


def test_api_reviewer_out_of_scope_is_403(app, client, tongjia) -> None:
    # clause TJ-02: the 包片领导 of the east area (C01–C07) cannot read or decide C10's report
    tj, base = tongjia, _api(tongjia)
    with tj.scope():
        rid = report_for(tj, "C10").id
        db.session.commit()
    login(client, _user_id("tongjia-reviewer"))
    body = _error(client.get(f"{base}/reports/{rid}"), 403)
    assert "不在您负责的范围内" in body["message"]
    _error(client.post(f"{base}/reports/{rid}/approve", json={}), 403)
    page = client.get(f"/t/{tj.slug}/review/{rid}")
    assert page.status_code == 403 and "不在您负责的范围内" in page.get_data(as_text=True)


# --- attachments (JX-06, SX-03) ---------------------------------------------------------


def _upload(client: Any, url: str, kind: str, name: str, data: bytes) -> Any:
    return client.post(
        url, data={"kind": kind, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_slides_video_and_scans_are_accepted(app, client, tongjia) -> None:
    # clauses JX-06 (视频短片、幻灯片 with the oral report) and SX-03 (the signed, stamped copy)
    tj, base = tongjia, _api(tongjia)
    with tj.scope():
        rid = report_for(tj, "C04").id
        db.session.commit()
    login(client, _user_id("tongjia-secretary"))
    url = f"{base}/reports/{rid}/attachments"
    made = [
        _upload(client, url, "slides", "述职幻灯片.pptx", pptx()),
        _upload(client, url, "slides", "slides.pdf", PDF),
        _upload(client, url, "video", "短片.mp4", MP4),
        _upload(client, url, "scan", "盖章件.png", PNG),
    ]
    assert [r.status_code for r in made] == [201] * 4
    assert [r.get_json()["kind"] for r in made] == ["slides", "slides", "video", "scan"]
    assert made[0].get_json()["content_type"].endswith("presentationml.presentation")
    listed = client.get(url).get_json()
    assert len(listed) == 4 and not any(a["submitted"] for a in listed)
    got = client.get(f"{url}/{made[3].get_json()['id']}")
    assert got.status_code == 200 and got.data == PNG
    assert got.headers["Content-Disposition"].startswith("attachment;")
    # the reviewer downloads it from the review page too
    login(client, _user_id("tongjia-reviewer"))
    page = client.get(f"/t/{tj.slug}/review/{rid}/attachments/{made[2].get_json()['id']}")
    assert page.status_code == 200 and page.data == MP4
    login(client, _user_id("tongjia-secretary"))
    assert client.delete(f"{url}/{made[1].get_json()['id']}").status_code == 204


HOSTILE = [
    ("scan", "virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, 415, "只能上传"),
    (
        "scan",
        "盖章件.pdf",
        PDF.replace(b"/Catalog", b"/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"),
        422,
        "脚本",
    ),
    ("scan", "page.html", b"<html><script>alert(1)</script></html>", 415, "只能上传"),
    ("scan", "image.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 415, "只能上传"),
    ("scan", "scan.jpg", PDF, 415, "扩展名"),
    ("slides", "macro.pptx", pptx(macro=True), 422, "宏"),
    ("slides", "xxe.pptx", pptx(doctype=True), 422, "DOCTYPE"),
    ("slides", "bomb.pptx", pptx(bomb=True), 422, "压缩炸弹"),
    ("slides", "notzip.pptx", b"PK\x03\x04" + b"\x00" * 50, 422, "损坏"),
    ("video", "clip.mp4", PNG, 415, "只能上传"),
    ("scan", "empty.pdf", b"", 422, "空"),
    ("exe", "a.pdf", PDF, 422, "附件类型"),
]


@pytest.mark.parametrize(("kind", "name", "data", "status", "words"), HOSTILE)
def test_hostile_attachments_refused_in_chinese(
    app, client, tongjia, kind, name, data, status, words
) -> None:
    # clause JX-06 / SX-03 limits: types by content, macros, scripts, entities, zip bombs:
    # each a 4xx with a Chinese message, no row and no file written
    tj, base = tongjia, _api(tongjia)
    with tj.scope():
        rid = report_for(tj, "C04").id
        db.session.commit()
    login(client, _user_id("tongjia-secretary"))
    body = _error(_upload(client, f"{base}/reports/{rid}/attachments", kind, name, data), status)
    assert words in body["message"]
    with tj.scope():
        assert db.session.scalar(select(func.count()).select_from(ReportAttachment)) == 0


def test_oversized_scan_refused(app, client, tongjia) -> None:
    # SX-03 scans: 20 MB at most (the instance's request limit, SHUZHI_MAX_UPLOAD_BYTES, may be lower)
    tj = tongjia
    with tj.scope():
        report = report_for(tj, "C04")
        db.session.commit()
        from shuzhi.errors import ShuzhiError

        with pytest.raises(ShuzhiError) as err:
            service.add_attachment(
                db.session, report, user=tj.who("secretary"), kind="scan", filename="big.pdf",
                data=PDF + b"0" * (21 * MB),
            )  # fmt: skip
        assert err.value.status == 413 and "不能超过 20 MB" in err.value.message
        db.session.rollback()


def test_file_names_cannot_choose_where_files_land() -> None:
    # the stored key is ours; the shown name loses folders and control characters
    assert clean_filename("../../etc/passwd.pdf") == "passwd.pdf"
    assert clean_filename("C:\\Windows\\evil.pdf") == "evil.pdf"
    assert clean_filename("a\x00b\u202e.pdf") == "ab.pdf"
    assert clean_filename("...") == ""


def test_yongzhou_secretary_attaches_the_stamped_scan_and_attests_on_the_page(app, client, demo) -> None:
    # clause YZ-05 in the portal: the scan uploaded, a bad file refused with the form kept, the
    # attestation saved, then the submit passes; SX-03/JX-06 kinds offered with their limits
    yz = demo("yongzhou")
    yz.open()
    app.config["SHUZHI_DEMO_DAYS"] = {"yongzhou": date(2020, 12, 1)}
    try:
        with yz.scope():
            report = report_for(yz, "U08")
            service.save_draft(db.session, report, yongzhou_text(), user=yz.who("secretary"))
            db.session.commit()
            rid = report.id
        login(client, _user_id("yongzhou-secretary"))
        url = f"/t/yongzhou/reports/{rid}/files"
        page = client.get(url).get_data(as_text=True)
        assert "盖章确认（YZ-05）" in page and "视频短片（不超过 200 MB）" in page
        bad = client.post(url, data={"kind": "scan", "file": (io.BytesIO(b"MZ" * 10), "x.pdf")})
        assert bad.status_code == 415 and "只能上传" in bad.get_data(as_text=True)
        ok = client.post(url, data={"kind": "scan", "file": (io.BytesIO(PDF), "盖章件.pdf")})
        assert ok.status_code == 302
        with yz.scope():
            (scan,) = service.attachments(db.session, service.get_report(db.session, rid))
        missing = client.post(f"/t/yongzhou/reports/{rid}/attestation", data={"name": "", "on": "2020-12-10"})
        assert missing.status_code == 422 and 'value="2020-12-10"' in missing.get_data(as_text=True)
        saved = client.post(
            f"/t/yongzhou/reports/{rid}/attestation",
            data={
                "name": "王五（党组成员）",
                "body": "局党组",
                "on": "2020-12-10",
                "attachment_id": str(scan.id),
            },
        )
        assert saved.status_code == 302
        assert "已确认：王五（党组成员）" in client.get(url).get_data(as_text=True)
        done = client.post(f"/api/v1/tenants/yongzhou/reports/{rid}/submit")
        assert done.status_code == 200 and done.get_json()["attestation"]["attachment_id"] == scan.id
    finally:
        app.config.pop("SHUZHI_DEMO_DAYS", None)


def test_secretary_invites_a_co_author_and_a_reader_on_the_page(app, client, tongjia) -> None:
    # clause TJ-08: 副书记、委员 help draft; 人大代表、党代表 may be invited to review
    tj = tongjia
    with tj.scope():
        rid = report_for(tj, "C04").id
        db.session.commit()
    observer = _user_id("tongjia-observer")
    login(client, _user_id("tongjia-secretary"))
    url = f"/t/{tj.slug}/reports/{rid}/files"
    assert "协助起草人与审阅人（TJ-08）" in client.get(url).get_data(as_text=True)
    bad = client.post(f"/t/{tj.slug}/reports/{rid}/members", data={"user_id": "", "role": "co_author"})
    assert bad.status_code == 422 and "请选择要邀请的人" in bad.get_data(as_text=True)
    ok = client.post(
        f"/t/{tj.slug}/reports/{rid}/members",
        data={"user_id": str(observer), "role": "reviewer", "note": "人大代表"},
    )
    assert ok.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "人大代表" in page and "审阅" in page
    # the invited reader comments; they cannot invite
    login(client, observer)
    with tj.scope():
        service.save_draft(
            db.session, service.get_report(db.session, rid), tongjia_text(), user=tj.who("secretary")
        )
        db.session.commit()
    r = client.post(
        f"/api/v1/tenants/{tj.slug}/reports/{rid}/comments", json={"body": "数据再核实", "paragraph": 2}
    )
    assert r.status_code == 201 and r.get_json()["author"] == "tongjia-observer"
    refused = client.post(
        f"/t/{tj.slug}/reports/{rid}/members", data={"user_id": str(observer), "role": "co_author"}
    )
    assert refused.status_code == 403
