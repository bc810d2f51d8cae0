"""The on-site speech version in the editor (issue 6 item 4, clause SX-06: 6分钟现场发言稿控制1200字以内).

遂溪's plan limits the speech; the editor shows a second box for it, counted live with its own
finding, saved with the draft, frozen with the submitted version and shown to the reviewer.
Plans without a speech limit (童家镇) show no box. On the real database with the demo tenants.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from shuzhi.db import db
from shuzhi.reports import service
from shuzhi.reports.models import FrozenVersionError, Report, ReportVersion, VersionKind
from tests.conftest import login
from tests.cycles.conftest import DemoTenant, demo  # noqa: F401 (fixture)
from tests.reports.review_kit import PDF
from tests.reports.test_editor import tongjia  # noqa: F401 (fixture)

#: A 遂溪 report with the four parts (SX-07) and the 必答题 answered (SX-05): no error finding.
SUIXI_REPORT = """2023年度党组织书记抓基层党建工作述职报告
今年以来，我始终把抓党建作为最大政绩，坚持第一责任人职责，把党建引领保障“百千万工程”作为重点，现将履职情况报告如下。
# 主要工作
一是抓政治建设。全年组织理论学习中心组学习12次，开展专题党课4次，覆盖党员186人次。
二是抓支部建设。整顿软弱涣散党组织2个，新建党员活动室3个，发展党员5名。
三是抓百千万工程。围绕党建引领保障“百千万工程”，组织党员干部下沉村居32次，解决群众急难愁盼问题46件。例如在城月镇，机关党支部与村党支部结对共建，帮助引进项目2个。
四是抓档案管理。针对党员档案管理不规范的问题，全年整理档案218卷，补齐材料56份，档案管理规范率达到100%。
# 存在问题
一是理论学习深度不够，学用结合不紧，有的党员学习停留在读原文层面。二是支部活动形式单一，吸引力不强，青年党员参与率只有62%。三是党建与业务融合不够，服务百千万工程的举措还不多。
# 认识体会和努力方向
通过一年的实践，我深刻体会到，抓党建必须把自己摆进去。下一步，我将针对存在问题，加强理论武装，每季度开展一次专题研讨；创新支部活动方式，力争青年党员参与率达到85%以上；推动党建与业务深度融合，全力服务“百千万工程”。"""

TOPIC = "档案管理"


def speech_of(words: int) -> str:
    """A speech of exactly ``words`` 字 (one Chinese character is one 字), in lines."""
    line = "同志们，今年我们坚持党建引领保障百千万工程"  # 21字
    text = (line * (words // len(line) + 1))[:words]
    return "\n".join(text[i : i + 100] for i in range(0, len(text), 100))


@pytest.fixture
def suixi(app, demo, client) -> Iterator[dict[str, Any]]:  # noqa: F811
    app.config["SHUZHI_DEMO_DAYS"] = {"suixi": date(2024, 1, 10)}  # before the 1月22日 hand-in
    t: DemoTenant = demo("suixi")
    t.open()
    with t.scope():
        from shuzhi.cycles import service as cycles

        secretary = t.who("secretary")
        (reporter, *_rest) = cycles.reporters_of_user(db.session, secretary.user_id)
        data = {
            "t": t,
            "reporter": reporter.id,
            "secretary": secretary.user_id,
            "admin": t.who("admin").user_id,
        }
    yield data
    app.config.pop("SHUZHI_DEMO_DAYS", None)


def _url(d: dict[str, Any], what: str = "") -> str:
    return f"/t/suixi/write/{d['reporter']}{what}"


def _speech_finding(html: str) -> str | None:
    for li in html.split("<li")[1:]:
        if 'data-rule="SX-06"' in li and "发言稿" in li:
            return li
    return None


def test_speech_box_only_for_plans_with_a_speech_limit(client, suixi, tongjia) -> None:  # noqa: F811
    # clause SX-06: 遂溪 limits the on-site speech to 1200字; 童家镇's plan sets no such limit
    login(client, suixi["secretary"])
    page = client.get(_url(suixi)).get_data(as_text=True)
    assert "现场述职稿（口头版）" in page and 'name="speech"' in page
    assert "不超过 1200 字" in page and 'id="sz-speech-count"' in page
    client.post("/logout")
    login(client, tongjia["secretary"])
    page = client.get(f"/t/tongjia/write/{tongjia['reporter']}").get_data(as_text=True)
    assert "现场述职稿（口头版）" not in page and 'name="speech"' not in page


def test_speech_counted_live_with_its_own_finding(client, suixi) -> None:
    # clause SX-06: a 1350字 speech is an error with its figure; 1200字 passes; none, no finding
    login(client, suixi["secretary"])
    r = client.post(_url(suixi, "/check"), data={"text": SUIXI_REPORT, "speech": speech_of(1350)})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    li = _speech_finding(html)
    assert li is not None and "sz-finding-error" in li
    assert "1350字" in li and "不超过1200字" in li and "150字" in li
    # the box's own count, swapped out of band
    count = re.search(r'<span id="sz-speech-count"[^>]*hx-swap-oob="true"[^>]*>(.*?)</span>', html, re.S)
    assert count and "口头述职稿 1350 字" in count.group(1) and "1200" in count.group(1)
    ok = client.post(_url(suixi, "/check"), data={"text": SUIXI_REPORT, "speech": speech_of(1200)})
    assert _speech_finding(ok.get_data(as_text=True)) is None
    assert "口头述职稿 1200 字 / 不超过 1200 字" in ok.get_data(as_text=True)
    none = client.post(_url(suixi, "/check"), data={"text": SUIXI_REPORT})
    assert _speech_finding(none.get_data(as_text=True)) is None  # written reporters have none


def test_speech_saved_with_the_draft_frozen_on_submit_and_shown_to_the_reviewer(client, suixi) -> None:
    # clause SX-06 with CO-02: autosave keeps the speech; an over-long speech blocks the submit;
    # the submitted version freezes it (in its content hash); the reviewer reads it
    login(client, suixi["secretary"])
    long, short = speech_of(1350), speech_of(1100)
    r = client.post(
        _url(suixi, "/save"), data={"text": SUIXI_REPORT, "speech": long}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "草稿已自动保存" in r.get_data(as_text=True)
    page = client.get(_url(suixi)).get_data(as_text=True)
    assert long.splitlines()[0] in page and "请删减 150 字" in page  # shown again with its count
    t = suixi["t"]
    with t.scope():
        report = db.session.scalar(select(Report))
        sec = t.who("secretary")
        service.set_topics(db.session, report, [TOPIC], user=sec)
        scan = service.add_attachment(
            db.session, report, user=sec, kind="scan", filename="盖章件.pdf", data=PDF
        )
        service.attest(db.session, report, user=sec, name="张三 书记", attachment_id=scan.id)  # clause SX-03
        db.session.commit()
        report_id = report.id
    r = client.post(_url(suixi, "/submit"), data={"text": SUIXI_REPORT, "speech": long})
    assert r.status_code == 422
    assert "SX-06" in r.get_data(as_text=True) and "发言稿 1350字" in r.get_data(as_text=True)
    r = client.post(_url(suixi, "/submit"), data={"text": SUIXI_REPORT, "speech": short})
    assert r.status_code == 302, r.get_data(as_text=True)
    with t.scope():
        version = db.session.scalar(select(ReportVersion).where(ReportVersion.kind == VersionKind.SUBMITTED))
        assert version.speech == short
        assert version.content_hash == service.content_hash(
            version.text, version.corrections, version.attestation, short
        )
        assert version.content_hash != service.content_hash(
            version.text, version.corrections, version.attestation
        )
        version.speech = "改过的发言稿"
        with pytest.raises(FrozenVersionError):
            db.session.flush()
        db.session.rollback()
    page = client.get(_url(suixi)).get_data(as_text=True)
    assert "readonly" in page.split('id="sz-speech"')[1].split(">")[0]  # frozen in the editor too
    client.post("/logout")
    login(client, suixi["admin"])
    review = client.get(f"/t/suixi/review/{report_id}").get_data(as_text=True)
    assert "现场述职稿（口头版）" in review and "1100 字" in review
    assert short.splitlines()[0] in review


def test_speech_kept_when_a_save_does_not_send_it(client, suixi) -> None:
    # clause SX-06: the API's draft and a file read into the editor do not carry the speech box;
    # saving them keeps the speech saved before
    login(client, suixi["secretary"])
    client.post(_url(suixi, "/save"), data={"text": SUIXI_REPORT, "speech": speech_of(300)})
    t = suixi["t"]
    with t.scope():
        report = db.session.scalar(select(Report))
        version = service.save_draft(
            db.session, report, SUIXI_REPORT + "\n补充一段。", user=t.who("secretary")
        )
        assert version.speech == speech_of(300)
        db.session.rollback()
