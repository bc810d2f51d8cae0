"""Who closes a rectification item, and the rectification page's way back.

SX-12 (上级跟踪督促) with CO-05: a done item drops off next year's carried list, so only the
superior — ``rectification.review`` on the org: the tenant admin, the org's reviewers —
sets an item 已完成 or reopens a done one. The org's own secretary sets 未整改 / 整改中 and
writes the measures. Enforced in the service (API and page alike), refused with a Chinese
403 and nothing written; the page offers each user only the statuses they may choose.
The page leads back to the campaign and to the org's report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from shuzhi.audit.models import AuditEvent
from shuzhi.db import db
from shuzhi.errors import Forbidden
from shuzhi.rectification import service as rect
from shuzhi.rectification.models import ItemStatus
from shuzhi.reports import service as reports
from tests.conftest import login
from tests.cycles.conftest import OPERATOR, DemoTenant, demo  # noqa: F401 (fixture)
from tests.reports.review_kit import report_for, reporter_at


@pytest.fixture
def c04(app, demo) -> Iterator[dict[str, Any]]:  # noqa: F811
    """童家镇 2023 open; C04's 2022 list: one open item, one in progress, one done."""
    app.config["SHUZHI_DEMO_DAYS"] = {"tongjia": date(2023, 12, 1)}
    t: DemoTenant = demo("tongjia")
    campaign = t.open()
    with t.scope():
        org = t.org_by_code("C04").id

        def add(problem: str, status: ItemStatus) -> int:
            item = rect.add_item(db.session, OPERATOR, org_id=org, year=2022, problem=problem, status=status)
            return item.id

        items = {
            "open": add("发展党员工作滞后", ItemStatus.OPEN),
            "in_progress": add("党员活动室使用率不高", ItemStatus.IN_PROGRESS),
            "done": add("村务公开不及时", ItemStatus.DONE),
        }
        db.session.commit()
        yield {
            "t": t,
            "campaign": campaign,
            "org": org,
            "reporter": reporter_at("C04", t).id,
            "items": items,
            "secretary": t.who("secretary"),
            "reviewer": t.who("reviewer"),
            "admin": t.who("admin"),
            "page": f"/t/tongjia/campaigns/{campaign.id}/orgs/{org}/rectification",
        }
    app.config.pop("SHUZHI_DEMO_DAYS", None)


def _status(item_id: int) -> ItemStatus:
    db.session.expire_all()
    return rect.get_item(db.session, item_id).status


def _updates(item_id: int) -> int:
    return len(
        db.session.scalars(
            select(AuditEvent.id).where(
                AuditEvent.action == "rectification.update", AuditEvent.target_id == str(item_id)
            )
        ).all()
    )


# --- the service ------------------------------------------------------------------------------


def test_secretary_moves_her_items_but_cannot_close_or_reopen(c04) -> None:
    # clause SX-12 "superior tracks" with CO-05: the secretary works her list (状态 未整改 ↔ 整改中,
    # 整改措施) but closing — which drops the item from next year's carried list — is the superior's
    sec, items = c04["secretary"], c04["items"]
    with c04["t"].scope():
        item = rect.get_item(db.session, items["open"])
        rect.update_item(db.session, sec, item, status="in_progress", measures="每季度发展计划公示")
        rect.update_item(db.session, sec, item, status="open")
        db.session.commit()
        assert _status(items["open"]) is ItemStatus.OPEN
        with pytest.raises(Forbidden) as err:
            rect.update_item(db.session, sec, rect.get_item(db.session, items["in_progress"]), status="done")
        assert "只有负责督促检查整改的上级" in err.value.message and err.value.status == 403
        db.session.rollback()
        with pytest.raises(Forbidden) as err:  # nor reopen what the superior closed
            rect.update_item(db.session, sec, rect.get_item(db.session, items["done"]), status="in_progress")
        assert "重新打开" in err.value.message
        db.session.rollback()
        # the measures of a done item stay hers to write; re-stating its status changes nothing
        rect.update_item(
            db.session, sec, rect.get_item(db.session, items["done"]), measures="已公示", status="done"
        )
        # nor may she enter an item as done
        with pytest.raises(Forbidden):
            rect.add_for_campaign(
                db.session, sec, c04["campaign"], c04["org"], problem="新问题", status="done"
            )
        db.session.commit()
        assert _status(items["in_progress"]) is ItemStatus.IN_PROGRESS
        assert _status(items["done"]) is ItemStatus.DONE
        carried = [i.id for i in rect.carried_for(db.session, c04["campaign"].id, c04["org"])]
        assert carried == [items["open"], items["in_progress"]]  # still carried: not closed by her
        assert rect.statuses_for(sec, c04["org"]) == [ItemStatus.OPEN, ItemStatus.IN_PROGRESS]
        assert rect.statuses_for(sec, c04["org"], ItemStatus.DONE) == []


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_the_superior_closes_and_reopens_audited(c04, role: str) -> None:
    # clause SX-12: the 包片领导 (the org's reviewer) and the tenant admin close an item, which is
    # then no longer carried (CO-05), and reopen it; each change is in the audit trail
    who, items = c04[role], c04["items"]
    with c04["t"].scope():
        rect.update_item(db.session, who, rect.get_item(db.session, items["in_progress"]), status="done")
        db.session.commit()
        carried = [i.id for i in rect.carried_for(db.session, c04["campaign"].id, c04["org"])]
        assert carried == [items["open"]]
        rect.update_item(db.session, who, rect.get_item(db.session, items["done"]), status="open")
        db.session.commit()
        assert _status(items["done"]) is ItemStatus.OPEN
        assert _updates(items["in_progress"]) == 1 and _updates(items["done"]) == 1
        assert rect.statuses_for(who, c04["org"], ItemStatus.DONE) == list(ItemStatus)


# --- the API and the page ---------------------------------------------------------------------


def test_api_secretary_refused_reviewer_allowed(client, c04) -> None:
    # clause SX-12 over HTTP: PATCH status=done by the secretary is 403 in Chinese and writes
    # nothing (no audit event); the reviewer's is 200; POST of a done item likewise
    items = c04["items"]
    url = f"/api/v1/tenants/tongjia/rectification/{items['in_progress']}"
    login(client, c04["secretary"].user_id)
    r = client.patch(url, json={"status": "done"})
    assert r.status_code == 403 and "只有负责督促检查整改的上级" in r.get_json()["message"]
    r = client.patch(f"/api/v1/tenants/tongjia/rectification/{items['done']}", json={"status": "open"})
    assert r.status_code == 403 and "重新打开" in r.get_json()["message"]
    r = client.post(
        f"/api/v1/tenants/tongjia/campaigns/{c04['campaign'].id}/orgs/{c04['org']}/rectification",
        json={"problem": "已整改的问题", "status": "done"},
    )
    assert r.status_code == 403
    r = client.patch(url, json={"status": "open", "measures": "专人负责活动室登记"})
    assert r.status_code == 200 and r.get_json()["status"] == "open"
    with c04["t"].scope():
        assert _status(items["in_progress"]) is ItemStatus.OPEN and _status(items["done"]) is ItemStatus.DONE
        assert _updates(items["in_progress"]) == 1  # her allowed change only
    login(client, c04["reviewer"].user_id)
    r = client.patch(url, json={"status": "done"})
    assert r.status_code == 200 and r.get_json()["status_label"] == "已完成"
    r = client.patch(f"/api/v1/tenants/tongjia/rectification/{items['done']}", json={"status": "in_progress"})
    assert r.status_code == 200 and r.get_json()["carried_over"] is False  # (no campaign year here)
    with c04["t"].scope():
        assert _updates(items["in_progress"]) == 2 and _updates(items["done"]) == 1


def _options(html: str, item_id: int) -> list[str] | None:
    """The values the status select of an item offers (None: no select, the status as text)."""
    row = re.search(rf'<tr id="item-{item_id}".*?</tr>', html, re.S)
    assert row is not None
    select_ = re.search(r"<select[^>]*>(.*?)</select>", row.group(0), re.S)
    return None if select_ is None else re.findall(r'<option value="([a-z_]+)"', select_.group(1))


def test_page_offers_what_each_may_choose_and_refuses_the_rest(client, c04) -> None:
    # clause SX-12 on the page: the secretary's status lists hold 未整改 / 整改中 only, a done item
    # shows its status as text; a forged post of 已完成 is refused with the Chinese message;
    # the reviewer gets all three and closes the item
    items, page = c04["items"], c04["page"]
    status_url = f"/t/tongjia/campaigns/{c04['campaign'].id}/rectification/{items['in_progress']}/status"
    login(client, c04["secretary"].user_id)
    html = client.get(page).get_data(as_text=True)
    assert _options(html, items["open"]) == ["open", "in_progress"]
    assert _options(html, items["done"]) is None and "上级已确认" in html
    add_form = re.search(r'<select class="form-select" id="status" name="status">(.*?)</select>', html, re.S)
    assert add_form is not None and "done" not in add_form.group(1)
    assert 'id="sz-close-note"' in html
    r = client.post(status_url, data={"status": "done"})
    assert r.status_code == 403 and "只有负责督促检查整改的上级" in r.get_data(as_text=True)
    with c04["t"].scope():
        assert _status(items["in_progress"]) is ItemStatus.IN_PROGRESS
    login(client, c04["reviewer"].user_id)
    html = client.get(page).get_data(as_text=True)
    assert _options(html, items["open"]) == ["open", "in_progress", "done"]
    assert _options(html, items["done"]) == ["open", "in_progress", "done"]
    assert 'id="sz-close-note"' not in html
    r = client.post(status_url, data={"status": "done"})
    assert r.status_code == 302
    with c04["t"].scope():
        assert _status(items["in_progress"]) is ItemStatus.DONE


def _link(html: str, anchor: str) -> str | None:
    m = re.search(rf'<a href="([^"]+)" id="{anchor}">', html)
    return m.group(1) if m else None


def test_breadcrumb_leads_back_to_the_report_and_the_campaign(client, c04) -> None:
    # the way back from the list (CO-05 links it from the editor and the reviewer's page): the
    # secretary to her editor; the reviewer to the report's review page once the report exists;
    # the admin also to the campaign page (only the admin may open it)
    page, campaign = c04["page"], c04["campaign"]
    editor = f"/t/tongjia/write/{c04['reporter']}"
    login(client, c04["secretary"].user_id)
    html = client.get(page).get_data(as_text=True)
    assert _link(html, "sz-back-report") == editor and "撰写述职报告" in html
    assert _link(html, "sz-back-campaign") is None and campaign.title in html
    assert client.get(editor).status_code == 200
    login(client, c04["reviewer"].user_id)
    html = client.get(page).get_data(as_text=True)
    assert _link(html, "sz-back-report") is None  # no report yet: nothing to review
    with c04["t"].scope():
        report = report_for(c04["t"], "C04")
        reports.save_draft(db.session, report, "一、主要做法及成效\n草稿。", user=c04["secretary"])
        db.session.commit()
        report_id = report.id
    html = client.get(page).get_data(as_text=True)
    assert _link(html, "sz-back-report") == f"/t/tongjia/review/{report_id}"
    assert _link(html, "sz-back-campaign") is None
    assert client.get(f"/t/tongjia/review/{report_id}").status_code == 200
    login(client, c04["admin"].user_id)
    html = client.get(page).get_data(as_text=True)
    assert _link(html, "sz-back-campaign") == f"/t/tongjia/campaigns/{campaign.id}"
    assert _link(html, "sz-back-report") == f"/t/tongjia/review/{report_id}"
    assert client.get(f"/t/tongjia/campaigns/{campaign.id}").status_code == 200
