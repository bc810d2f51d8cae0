"""On-site selection over the API, the CLI and the portal pages (issue 7 item 4; YZ-02, CO-03, SX-02)."""

from __future__ import annotations

import json

from sqlalchemy import select

from shuzhi.db import db
from shuzhi.meetings.cli import draw_cli
from shuzhi.meetings.models import Draw
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped

from ..conftest import login

API = "/api/v1/tenants/{slug}"


def _as(client, slug: str, role: str):
    with scoped(db.session, platform=True):
        uid = db.session.scalar(select(User.id).where(User.username == f"{slug}-{role}"))
    login(client, uid)
    return client


def _open(tenant) -> int:
    campaign = tenant.open()
    with tenant.scope():
        return campaign.id


def _drawn(client, demo) -> tuple[str, dict]:
    yz = demo("yongzhou")
    cid = _open(yz)
    api = API.format(slug="yongzhou")
    _as(client, "yongzhou", "admin")
    res = client.post(f"{api}/campaigns/{cid}/draws")
    assert res.status_code == 201, res.json
    did = res.json["id"]
    committed = client.post(f"{api}/draws/{did}/commit").json
    assert committed["seed"] == "" and len(committed["commitment"]) == 64
    drawn = client.post(f"{api}/draws/{did}/run", json={"public_input": "12"}).json
    assert drawn["seed"] and len(drawn["result"]) == 8
    res = client.post(f"{api}/draws/{did}/witnesses", json={"name": "王见证", "role": "市直单位党代表"})
    assert res.status_code == 201
    return api, client.post(f"{api}/draws/{did}/confirm").json


def test_draw_over_the_api_and_verify_from_the_published_record(app, client, demo, tmp_path) -> None:
    # clauses YZ-02 (public random draw, re-runnable by anyone), CO-03 (recorded method)
    api, record = _drawn(client, demo)
    assert record["status"] == "confirmed" and record["witnesses"] == [
        {"name": "王见证", "role": "市直单位党代表"}
    ]
    res = client.post(f"{api}/draws/{record['id']}/confirm")
    assert res.status_code == 409 and "已确认" in res.json["message"]
    res = client.post(f"{api}/draws/{record['id']}/run", json={})
    assert res.status_code == 409
    # the file a member of the public downloads, re-run with the CLI
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    out = app.test_cli_runner().invoke(draw_cli, ["verify", str(path)])
    assert out.exit_code == 0, out.output
    assert "核验通过" in out.output and "✗" not in out.output
    # a record whose seed was swapped after the fact fails
    forged = dict(record, seed="0" * 32)
    path.write_text(json.dumps(forged), encoding="utf-8")
    out = app.test_cli_runner().invoke(draw_cli, ["verify", str(path)])
    assert out.exit_code == 1 and "✗" in out.output
    # and straight from the database
    out = app.test_cli_runner().invoke(
        draw_cli, ["verify", "--tenant", "yongzhou", "--id", str(record["id"])]
    )
    assert out.exit_code == 0, out.output


def test_redecision_over_the_api_keeps_both(app, client, demo) -> None:
    # clauses YZ-02 (一经确定，不能更改), CO-03 (no silent change): a new decision with a reason
    api, record = _drawn(client, demo)
    res = client.post(f"{api}/draws/{record['id']}/redecide", json={"reason": ""})
    assert res.status_code == 422 and "理由" in res.json["message"]
    res = client.post(f"{api}/draws/{record['id']}/redecide", json={"reason": "经工委会议研究，重新抽选"})
    assert res.status_code == 201 and res.json["supersedes_id"] == record["id"]
    listed = client.get(f"{api}/campaigns/{record['campaign_id']}/draws").json
    assert [d["status"] for d in listed] == ["prepared", "superseded"]
    assert listed[1]["result"] == record["result"] and listed[1]["seed"] == record["seed"]
    # the draw page keeps the replaced decision visible, with its reason and result
    page = client.get(f"/t/yongzhou/campaigns/{record['campaign_id']}/draw").text
    assert "以前的决定" in page and "经工委会议研究，重新抽选" in page and record["result"][0] in page


def test_bad_input_is_422_in_chinese_and_a_secretary_is_refused(app, client, demo) -> None:
    # issue 7 bad input; clause YZ-14 (the 工委 runs the draw)
    yz = demo("yongzhou")
    cid = _open(yz)
    api = API.format(slug="yongzhou")
    _as(client, "yongzhou", "secretary")
    res = client.post(f"{api}/campaigns/{cid}/draws")
    assert res.status_code == 403 and set(res.json) <= {"code", "status", "message", "errors"}
    _as(client, "yongzhou", "admin")
    did = client.post(f"{api}/campaigns/{cid}/draws").json["id"]
    assert client.post(f"{api}/draws/{did}/run", json={"public_input": "x" * 65}).status_code == 422
    assert client.post(f"{api}/draws/{did}/witnesses", json={"name": "", "role": "x"}).status_code == 422
    res = client.post(f"{api}/draws/{did}/named", json={"keys": [], "decision": "x"})
    assert res.status_code == 405
    res = client.put(f"{api}/draws/{did}/named", json={"keys": [], "decision": "x"})
    assert res.status_code == 409 and "公开随机抽选" in res.json["message"]
    with scoped(db.session, tenant_id=yz.id):
        assert db.session.get(Draw, did).witnesses == []


def test_named_list_through_the_portal_keeps_what_was_typed(app, client, demo) -> None:
    # clause SX-02: the 工委 names 12; a wrong count re-renders the form with the choice and the error
    sx = demo("suixi")
    cid = _open(sx)
    _as(client, "suixi", "admin")
    page = client.get(f"/t/suixi/campaigns/{cid}/draw")
    assert page.status_code == 200 and "列出候选人" in page.text
    assert client.post(f"/t/suixi/campaigns/{cid}/draw").status_code == 302
    with scoped(db.session, tenant_id=sx.id):
        d = db.session.scalar(select(Draw))
        keys = [c["key"] for c in d.candidates]
    res = client.post(f"/t/suixi/draws/{d.id}/named", data={"keys": keys[:3], "decision": "县直工委会议"})
    assert res.status_code == 422
    assert "名单须为 12 人，现为 3 人" in res.text and 'value="县直工委会议"' in res.text
    assert res.text.count("checked") == 3
    res = client.post(f"/t/suixi/draws/{d.id}/named", data={"keys": keys[:12], "decision": "县直工委会议"})
    assert res.status_code == 302
    assert client.post(f"/t/suixi/draws/{d.id}/confirm").status_code == 302
    page = client.get(f"/t/suixi/campaigns/{cid}/draw")
    assert "已确认" in page.text and "确需变更人选" in page.text
