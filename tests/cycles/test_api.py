"""The cycles API, CLI and portal page: one error shape, Chinese messages, nothing half-written."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import service
from shuzhi.cycles.cli import campaign_cli
from shuzhi.cycles.models import Campaign, Reporter
from shuzhi.db import db
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped

from ..conftest import login

API = "/api/v1/tenants/{slug}"


def _user_id(username: str) -> int:
    with scoped(db.session, platform=True):
        return db.session.scalar(select(User.id).where(User.username == username))


def _as(client, slug: str, role: str):
    login(client, _user_id(f"{slug}-{role}"))
    return client


def test_open_and_read_over_the_api(app, client, demo) -> None:
    # clause CO-01 over the API; the one error body for a second opening (409)
    gh = demo("genhe")
    api = API.format(slug="genhe")
    _as(client, "genhe", "admin")
    res = client.post(f"{api}/campaigns", json={"year": 2023})
    assert res.status_code == 201, res.json
    body = res.json
    assert (body["year"], body["policy_name"], body["reporters"], body["reviews"]) == (2023, "genhe", 2, 1)
    assert body["progress"]["total"] == 2 and body["steps"][:3] == ["prepare", "drafting", "pre_review"]
    cid = body["id"]

    res = client.post(f"{api}/campaigns", json={"year": 2023})
    assert res.status_code == 409
    assert set(res.json) >= {"code", "status", "message"} and "不能重复开启" in res.json["message"]

    (root,) = client.get(f"{api}/campaigns/{cid}/reviews").json
    assert root["receiver_name"] == "根河市市场监督管理局党总支" and root["own"]["total"] == 2
    reporters = client.get(f"{api}/reviews/{root['id']}/reporters").json
    assert {r["mode"] for r in reporters} == {"onsite"} and all(r["person_name"] for r in reporters)
    keys = [d["key"] for d in client.get(f"{api}/campaigns/{cid}/deadlines").json]
    assert keys == ["review", "meeting", "complete", "rectify", "file"]
    with scoped(db.session, tenant_id=gh.id):
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 1
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.open"))
        assert event.actor == "genhe-admin"


def test_bad_bodies_are_422_in_chinese(app, client, demo) -> None:
    demo("genhe")
    api = API.format(slug="genhe")
    _as(client, "genhe", "admin")
    for body, field in (
        ({"year": "今年"}, "year"),
        ({"year": 2023, "colour": "red"}, "colour"),
        ({}, "year"),
        ({"year": 1900}, "year"),
        ({"year": 2023, "period_start": "2023-13-01"}, "period_start"),
    ):
        res = client.post(f"{api}/campaigns", json=body)
        assert res.status_code == 422, body
        assert field in res.json["errors"]
        assert res.json["message"]
    assert client.get(f"{api}/campaigns").json == []


def test_transitions_deadlines_and_extensions_over_the_api(app, client, demo) -> None:
    tj = demo("tongjia")
    tj.open(today=date(2023, 12, 1))
    api = API.format(slug="tongjia")
    with scoped(db.session, tenant_id=tj.id):
        campaign = db.session.scalar(select(Campaign))
        mine = tj.reporter_of(campaign, tj.org_by_code("C04").name)
        other = tj.reporter_of(campaign, tj.org_by_code("C10").name)
        mine_id, other_id, cid = mine.id, other.id, campaign.id

    _as(client, "tongjia", "secretary")
    res = client.post(f"{api}/reporters/{mine_id}/transition", json={"to": "drafting"})
    assert res.status_code == 200 and res.json["stage"] == "drafting" and res.json["stage_label"] == "撰写"
    res = client.post(f"{api}/reporters/{other_id}/transition", json={"to": "drafting"})
    assert res.status_code == 403 and "不在您负责的范围内" in res.json["message"]
    res = client.post(f"{api}/reporters/{mine_id}/transition", json={"to": "prepare", "reason": "想重来"})
    assert res.status_code == 403 and "只有租户管理员可以把述职阶段往回退" in res.json["message"]
    res = client.post(f"{api}/reporters/{mine_id}/transition", json={"to": "nowhere"})
    assert res.status_code == 422 and "to" in res.json["errors"]
    res = client.patch(f"{api}/campaigns/{cid}/deadlines/submit", json={"deadline": "2024-01-08"})
    assert res.status_code == 403
    deadlines = client.get(f"{api}/reporters/{mine_id}/deadlines").json
    assert [(d["key"], d["due"]) for d in deadlines] == [
        ("pre_review", None),
        ("submit", "2024-01-05"),
        ("rectify", None),
    ]

    _as(client, "tongjia", "admin")
    res = client.patch(f"{api}/campaigns/{cid}/deadlines/submit", json={"deadline": "2024-03-01"})
    assert res.status_code == 200  # no later dated stage in TJ's plan
    res = client.patch(f"{api}/campaigns/{cid}/deadlines/nothing", json={"deadline": "2024-03-01"})
    assert res.status_code == 404
    res = client.patch(f"{api}/campaigns/{cid}/deadlines/submit", json={"deadline": "soon"})
    assert res.status_code == 422 and "截止日期应写成日期" in res.json["message"]
    res = client.post(
        f"{api}/reporters/{mine_id}/extensions", json={"step": "submitted", "until": "2024-03-05"}
    )
    assert res.status_code == 422 and "reason" in res.json["errors"]
    res = client.post(
        f"{api}/reporters/{mine_id}/extensions",
        json={"step": "submitted", "until": "2024-03-05", "reason": "外出学习"},
    )
    assert (
        res.status_code == 201
        and res.json["until"] == "2024-03-05"
        and res.json["granted_by"] == "tongjia-admin"
    )
    res = client.put(f"{api}/reporters/{mine_id}/mode", json={"mode": "written", "reason": "因病书面述职"})
    assert res.status_code == 200 and (res.json["mode"], res.json["selection"]) == ("written", "manual")


def test_other_tenants_campaigns_are_not_found(app, client, demo) -> None:
    gh = demo("genhe")
    demo("tongjia")
    with scoped(db.session, tenant_id=gh.id):
        cid = gh.open().id
    _as(client, "tongjia", "admin")
    api = API.format(slug="tongjia")
    assert client.get(f"{api}/campaigns/{cid}").status_code == 404
    with scoped(db.session, tenant_id=gh.id):
        rid = db.session.scalar(select(Reporter.id))
    assert client.post(f"{api}/reporters/{rid}/transition", json={"to": "drafting"}).status_code == 404


def test_cli_open_and_status(app, demo) -> None:
    jx = demo("jixian")
    runner = app.test_cli_runner()
    res = runner.invoke(
        campaign_cli, ["open", "--tenant", "jixian", "--year", "2018", "--today", "2018-11-20"]
    )
    assert res.exit_code == 0, res.output
    assert (
        "已开启 2018年度党组织书记抓基层党建工作述职评议考核" in res.output and "评议单元 13 个" in res.output
    )
    res = runner.invoke(campaign_cli, ["open", "--tenant", "jixian", "--year", "2018"])
    assert res.exit_code == 1 and "不能重复开启" in res.output
    res = runner.invoke(campaign_cli, ["status", "--tenant", "jixian", "--today", "2018-12-26"])
    assert res.exit_code == 0, res.output
    assert "中共吉县县委 [准备]" in res.output
    assert "含下级共 13 个评议单元，逾期 9 个" in res.output  # JX-04: systems and townships late
    assert "  中共吉县县直机关工作委员会 [准备]" in res.output
    assert "2018-12-25" in res.output and "JX-04" in res.output
    res = runner.invoke(campaign_cli, ["recount", "--tenant", "jixian"])
    assert res.exit_code == 0 and "无需重算" in res.output
    with scoped(db.session, tenant_id=jx.id):
        db.session.scalars(select(Reporter)).first().stage = "graded"  # edited past the service
        db.session.commit()
    res = runner.invoke(campaign_cli, ["recount", "--tenant", "jixian"])
    assert res.exit_code == 0 and "已按述职人和评议单元重新统计" in res.output
    res = runner.invoke(campaign_cli, ["open", "--tenant", "nobody", "--year", "2018"])
    assert res.exit_code != 0 and "找不到标识为 nobody 的租户" in res.output
    with scoped(db.session, tenant_id=jx.id):
        assert service.list_campaigns(db.session)[0].opened_on == date(2018, 11, 20)


def test_campaign_page_for_tenant_admins(app, client, demo) -> None:
    # issue 7 item 7 (minimal): the campaign as a tree of reviews with status and overdue counts
    jx = demo("jixian")
    campaign = jx.open()
    _as(client, "jixian", "admin")
    page = client.get("/t/jixian/campaigns")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2018年度党组织书记抓基层党建工作述职评议考核" in html and 'href="/t/jixian/campaigns"' in html
    html = client.get(f"/t/jixian/campaigns/{campaign.id}").get_data(as_text=True)
    assert "中共吉县县委" in html and "中共吉县县直机关工作委员会" in html
    assert "县直系统党委（总支）完成所属党组织书记述职评议" in html and "截止 2018-12-25" in html
    with scoped(db.session, tenant_id=jx.id):
        organs = next(
            r
            for r in service.child_reviews(db.session, service.root_review(db.session, campaign))
            if r.receiver_org_id == jx.org("中共吉县县直机关工作委员会").id
        )
    kids = client.get(f"/t/jixian/campaigns/{campaign.id}/reviews/{organs.id}/children").get_data(
        as_text=True
    )
    assert "吉县教育系统党委" in kids
    # others see no menu entry and get 403
    _as(client, "jixian", "secretary")
    assert client.get(f"/t/jixian/campaigns/{campaign.id}").status_code == 403
    assert 'href="/t/jixian/campaigns"' not in client.get("/t/jixian/orgs").get_data(as_text=True)


def test_open_from_the_portal(app, client, demo) -> None:
    demo("genhe")
    _as(client, "genhe", "admin")
    res = client.post("/t/genhe/campaigns", data={"year": "2023"})
    assert res.status_code == 302
    res = client.post("/t/genhe/campaigns", data={"year": "2023"})
    assert res.status_code == 409 and "不能重复开启" in res.get_data(as_text=True)
    res = client.post("/t/genhe/campaigns", data={"year": ""})
    assert res.status_code == 422 and "请填写述职年度" in res.get_data(as_text=True)
