"""Pre-meeting work (issue 7 item 6): research visits hidden from the reporter until the meeting,
verification groups with comment material, guidance groups at meetings, the plan filed."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import files, prework, service
from shuzhi.cycles.models import GroupAssignment, GroupKind, Mode, PlanFiling, ResearchVisit
from shuzhi.cycles.stages import Step
from shuzhi.db import db
from shuzhi.errors import Conflict, Forbidden, ValidationFailed

from .conftest import OPERATOR, set_stages

VILLAGE = "西关村党支部"  # XZ01-C02: the demo secretary's village, under 吉昌镇 (the demo reviewer's town)
TOWN = "吉昌镇党委"


@pytest.fixture
def jx(demo):
    jx = demo("jixian")
    campaign = jx.open(today=date(2018, 11, 20))
    return jx, campaign


def _visible(jx, campaign, role: str, today: date) -> list[str]:
    return [v.findings for v in prework.visible_visits(db.session, jx.who(role), campaign, today=today)]


def test_visits_are_hidden_from_the_reporter_until_the_meeting(jx) -> None:
    # clauses GH-04 and JX-05: unannounced research before the meeting, not shown to the reporter
    jx, campaign = jx
    with jx.scope():
        village = jx.reporter_of(campaign, VILLAGE)
        prework.record_visit(
            db.session,
            jx.who("reviewer"),  # the town's secretary visits one of his villages
            village,
            visited_on=date(2018, 12, 3),
            visitors="吉昌镇党委副书记、组织委员",
            findings="村务公开栏半年未更新",
        )
        db.session.commit()
        before = date(2018, 12, 10)
        assert _visible(jx, campaign, "admin", before) == ["村务公开栏半年未更新"]
        assert _visible(jx, campaign, "reviewer", before) == ["村务公开栏半年未更新"]
        assert _visible(jx, campaign, "secretary", before) == []  # the village's own secretary
        assert _visible(jx, campaign, "observer", before) == []
        # the meeting is held: the secretary may now read what was found
        service.set_meeting_date(
            db.session, OPERATOR, service.get_review(db.session, village.review_id), date(2018, 12, 18)
        )
        assert _visible(jx, campaign, "secretary", date(2018, 12, 17)) == []
        assert _visible(jx, campaign, "secretary", date(2018, 12, 19)) == ["村务公开栏半年未更新"]
        db.session.rollback()
        set_stages(campaign, [village], Step.MEETING)
        assert _visible(jx, campaign, "secretary", before) == ["村务公开栏半年未更新"]


def test_a_reviewer_does_not_see_visits_to_his_own_org(jx) -> None:
    # clause JX-05: the town secretary reviews his villages but reports to the county himself;
    # the county's visit to his town stays hidden from him although his scope covers the town
    jx, campaign = jx
    with jx.scope():
        town = jx.reporter_of(campaign, TOWN)
        prework.record_visit(
            db.session,
            OPERATOR,
            town,
            visited_on=date(2018, 12, 4),
            visitors="县委组织部",
            findings="台账不全",
        )
        db.session.commit()
        assert _visible(jx, campaign, "reviewer", date(2018, 12, 10)) == []
        assert _visible(jx, campaign, "admin", date(2018, 12, 10)) == ["台账不全"]
        with pytest.raises(Forbidden):  # nor may he record one about himself
            prework.record_visit(
                db.session,
                jx.who("reviewer"),
                town,
                visited_on=date(2018, 12, 4),
                visitors="我",
                findings="好",
            )


def test_visit_bad_input_and_who_may_record(jx) -> None:
    # clause GH-04: who, when, what was found — all required; the reporter cannot record them
    jx, campaign = jx
    with jx.scope():
        village = jx.reporter_of(campaign, VILLAGE)
        with pytest.raises(Forbidden):
            prework.record_visit(
                db.session,
                jx.who("secretary"),
                village,
                visited_on=date(2018, 12, 3),
                visitors="我",
                findings="好",
            )
        for kw, field in (
            ({"visited_on": None, "visitors": "组织部", "findings": "x"}, "visited_on"),
            ({"visited_on": date(2018, 12, 3), "visitors": " ", "findings": "x"}, "visitors"),
            ({"visited_on": date(2018, 12, 3), "visitors": "组织部", "findings": ""}, "findings"),
            ({"visited_on": date(2017, 12, 3), "visitors": "组织部", "findings": "x"}, "visited_on"),
        ):
            with pytest.raises(ValidationFailed) as exc:
                prework.record_visit(db.session, OPERATOR, village, **kw)
            assert field in exc.value.errors
        assert db.session.scalar(select(func.count()).select_from(ResearchVisit)) == 0


def test_verification_group_checks_on_site_reporters_with_comment_material(demo) -> None:
    # clause YZ-06: the 核查组 verifies each drawn (on-site) reporter and writes comment material
    yz = demo("yongzhou")
    campaign = yz.open(today=date(2020, 11, 10))
    with yz.scope():
        group = prework.create_group(
            db.session,
            OPERATOR,
            campaign,
            kind=GroupKind.VERIFICATION,
            name="第一核查组",
            leader="工委副书记",
        )
        people = service.review_reporters(db.session, service.root_review(db.session, campaign))
        drawn, written = people[0], people[1]
        with pytest.raises(ValidationFailed):  # everyone reports in writing until the draw (YZ-02)
            prework.assign_reporter(db.session, OPERATOR, group, written)
        service.set_mode(db.session, OPERATOR, drawn, Mode.ONSITE, reason="抽中（YZ-02）")
        row = prework.assign_reporter(db.session, OPERATOR, group, drawn)
        other = prework.create_group(
            db.session, OPERATOR, campaign, kind=GroupKind.VERIFICATION, name="第二核查组"
        )
        with pytest.raises(Conflict):  # one group per reporter
            prework.assign_reporter(db.session, OPERATOR, other, drawn)
        with pytest.raises(ValidationFailed):  # the material is text or a file
            prework.set_comment(db.session, OPERATOR, row, comment="  ")
        prework.set_comment(
            db.session,
            OPERATOR,
            row,
            comment="履职情况属实，建议补充典型案例",
            attachment=b"%PDF-1.4",
            attachment_name="点评材料.pdf",
            attachment_type="application/pdf",
        )
        with pytest.raises(Forbidden):  # the reporter's own secretary has no say in it
            prework.set_comment(db.session, yz.who("observer"), row, comment="x")
        with pytest.raises(Conflict):
            prework.create_group(
                db.session, OPERATOR, campaign, kind=GroupKind.VERIFICATION, name="第一核查组"
            )
        db.session.commit()
        saved = db.session.get(GroupAssignment, row.id)
        assert saved.comment.startswith("履职情况属实") and saved.attachment_name == "点评材料.pdf"
        assert files.get(saved.attachment_key) == b"%PDF-1.4"


def test_guidance_groups_attend_the_reviews_meetings(jx) -> None:
    # clause JX-09: the 县委组织部 sends its staff in groups to township and system meetings
    jx, campaign = jx
    with jx.scope():
        group = prework.create_group(
            db.session, OPERATOR, campaign, kind=GroupKind.GUIDANCE, name="第一指导组", members="张三、李四"
        )
        town = service.get_review(db.session, jx.reporter_of(campaign, VILLAGE).review_id)
        prework.assign_review(db.session, OPERATOR, group, town)
        second = prework.create_group(
            db.session, OPERATOR, campaign, kind=GroupKind.GUIDANCE, name="第二指导组"
        )
        with pytest.raises(Conflict):  # one guidance group per meeting
            prework.assign_review(db.session, OPERATOR, second, town)
        with pytest.raises(ValidationFailed):  # not to the county's own meeting
            prework.assign_review(db.session, OPERATOR, second, service.root_review(db.session, campaign))
        verify = prework.create_group(
            db.session, OPERATOR, campaign, kind=GroupKind.VERIFICATION, name="核查组"
        )
        with pytest.raises(ValidationFailed):
            prework.assign_review(db.session, OPERATOR, verify, town)
        with pytest.raises(Forbidden):  # groups are the organization department's
            prework.create_group(db.session, jx.who("reviewer"), campaign, kind=GroupKind.GUIDANCE, name="x")
        db.session.commit()
        rows = prework.assignments(db.session, campaign)
        assert [(r.group_id, r.review_id) for r in rows] == [(group.id, town.id)]


def test_plan_filed_with_the_superior_with_its_document(demo, app) -> None:
    # clause GH-04: the plan is filed (备案) with the 直属机关工委 — a recorded step with the document
    gh = demo("genhe")
    campaign = gh.open(today=date(2023, 11, 25))
    doc = "根河市市场监督管理局党总支述职评议工作方案".encode()
    with gh.scope():
        with pytest.raises(ValidationFailed) as exc:
            prework.file_plan(
                db.session,
                OPERATOR,
                campaign,
                filed_with="市委直属机关工委",
                filed_on=date(2023, 11, 28),
                document=None,
                document_name="",
            )
        assert "document" in exc.value.errors
        with pytest.raises(ValidationFailed):
            prework.file_plan(
                db.session,
                OPERATOR,
                campaign,
                filed_with="",
                filed_on=date(2023, 11, 28),
                document=doc,
                document_name="方案.docx",
            )
        with pytest.raises(Forbidden):
            prework.file_plan(
                db.session,
                gh.who("secretary"),
                campaign,
                filed_with="市委直属机关工委",
                filed_on=date(2023, 11, 28),
                document=doc,
                document_name="方案.docx",
            )
        assert db.session.scalar(select(func.count()).select_from(PlanFiling)) == 0
        filing = prework.file_plan(
            db.session,
            gh.who("admin"),
            campaign,
            filed_with="市委直属机关工委",
            filed_on=date(2023, 11, 28),
            document=doc,
            document_name="方案.docx",
            document_type="application/msword",
        )
        db.session.commit()
        assert filing.document_sha256 == hashlib.sha256(doc).hexdigest()
        assert files.get(filing.document_key) == doc
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.plan_filed"))
        assert event is not None and "市委直属机关工委" in event.summary
        assert event.after["sha256"] == filing.document_sha256
        assert [f.id for f in prework.filings(db.session, campaign)] == [filing.id]


# --- API and page ---------------------------------------------------------------------

API = "/api/v1/tenants/{slug}"


def _login(client, username: str) -> None:
    from shuzhi.tenancy.models import User
    from shuzhi.tenancy.scope import scoped

    from ..conftest import login

    with scoped(db.session, platform=True):
        login(client, db.session.scalar(select(User.id).where(User.username == username)))


def test_api_visits_hidden_from_the_reporter(client, jx) -> None:
    # clauses GH-04, JX-05 over the API: the same rule as the pages
    jx, campaign = jx
    with jx.scope():
        village_id, campaign_id = jx.reporter_of(campaign, VILLAGE).id, campaign.id
    api = API.format(slug="jixian") + f"/campaigns/{campaign_id}/visits"
    body = {
        "reporter_id": village_id,
        "visited_on": "2018-12-03",
        "visitors": "镇组织委员",
        "findings": "会议记录不全",
    }
    _login(client, "jixian-secretary")
    res = client.post(api, json=body)
    assert res.status_code == 403 and "组织部门或上级审核人" in res.json["message"]
    _login(client, "jixian-reviewer")
    res = client.post(api, json={**body, "visitors": " "})
    assert res.status_code == 422 and "visitors" in res.json["errors"]
    assert client.post(api, json=body).status_code == 201
    assert [v["findings"] for v in client.get(api).json] == ["会议记录不全"]
    _login(client, "jixian-secretary")
    assert client.get(api).status_code == 200 and client.get(api).json == []
    _login(client, "jixian-admin")
    assert len(client.get(api).json) == 1


def test_api_groups_and_assignments(client, demo) -> None:
    # clauses YZ-06 and JX-09 over the API: bad charges refused in Chinese, nothing written
    yz = demo("yongzhou")
    campaign = yz.open(today=date(2020, 11, 10))
    with yz.scope():
        campaign_id = campaign.id
        written = service.review_reporters(db.session, service.root_review(db.session, campaign))[0].id
    api = API.format(slug="yongzhou") + f"/campaigns/{campaign_id}"
    _login(client, "yongzhou-admin")
    res = client.post(
        f"{api}/groups", json={"kind": "verification", "name": "第一核查组", "leader": "副书记"}
    )
    assert res.status_code == 201
    gid = res.json["id"]
    res = client.post(f"{api}/groups/{gid}/assignments", json={"reporter_id": written})
    assert res.status_code == 422 and "现场述职" in res.json["message"]
    res = client.post(f"{api}/groups/{gid}/assignments", json={})
    assert res.status_code == 422
    assert client.get(f"{api}/groups").json[0]["assignments"] == []
    _login(client, "yongzhou-secretary")
    assert client.get(f"{api}/groups").status_code == 403


def test_page_files_the_plan_and_shows_errors_with_what_was_typed(client, demo) -> None:
    # clause GH-04: the admin files the plan with its document on the pre-meeting page
    import io

    gh = demo("genhe")
    campaign = gh.open(today=date(2023, 11, 25))
    with gh.scope():
        page = f"/t/genhe/campaigns/{campaign.id}/prework"
    _login(client, "genhe-admin")
    assert client.get(page).status_code == 200
    res = client.post(
        f"{page}/filings",
        data={"filed_with": "市委直属机关工委", "filed_on": "2023-11-28", "note": "第一版"},
        content_type="multipart/form-data",
    )
    html = res.get_data(as_text=True)
    assert (
        res.status_code == 422 and "请上传备案的工作方案文件" in html and 'value="市委直属机关工委"' in html
    )
    res = client.post(
        f"{page}/filings",
        data={
            "filed_with": "市委直属机关工委",
            "filed_on": "2023-11-28",
            "document": (io.BytesIO("方案".encode()), "述职评议工作方案.docx"),
        },
        content_type="multipart/form-data",
    )
    assert res.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "述职评议工作方案.docx" in html and "报市委直属机关工委备案" in html
    _login(client, "genhe-secretary")
    assert client.get(page).status_code == 403
