"""The audit page and audit API for tenant admins (issue 4 item 5, portal part):
filters, paging, readable changes, chain status, xlsx export."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from shuzhi.audit import search
from shuzhi.audit.models import AuditEvent
from shuzhi.audit.service import record
from shuzhi.db import db
from shuzhi.tenancy.scope import scoped
from tests.browser.seed import County, seed_county
from tests.conftest import login

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def county(app) -> County:
    return seed_county(app, "jx")


@pytest.fixture
def admin(client, county) -> Any:
    login(client, county.users["admin"])
    return client


def html_of(r: Any) -> str:
    return r.get_data(as_text=True)


def shown_seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'id="event-(\d+)"', html)]


def events(app, county: County, where: Any = None) -> list[AuditEvent]:
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
        if where is not None:
            stmt = stmt.where(where)
        found = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return found


def add_event(app, county: County, **kw: Any) -> None:
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        record(db.session, **kw)
        db.session.commit()


# --- the page -----------------------------------------------------------------------


def test_page_lists_events_newest_first_paginated(app, admin, county) -> None:
    # issue 4 item 5: the tenant's events, paginated, newest first
    # seeding the county leaves a long trail; topped up so that there are two pages whatever
    # the seed writes (an org's creation is one event since ADR 0015: no path UPDATE after it)
    for k in range(search.PER_PAGE + 1 - len(events(app, county))):
        add_event(app, county, action="orgs.note", summary=f"补充记录 {k}")
    everything = events(app, county)
    assert len(everything) > search.PER_PAGE
    r = admin.get("/t/jx/audit")
    assert r.status_code == 200
    html = html_of(r)
    assert "<h1" in html and "审计日志" in html
    assert f"共 {len(everything)} 条" in html
    seqs = shown_seqs(html)
    assert seqs == [e.seq for e in everything[: search.PER_PAGE]]
    page2 = shown_seqs(html_of(admin.get("/t/jx/audit?page=2")))
    assert page2 == [e.seq for e in everything[search.PER_PAGE : 2 * search.PER_PAGE]]
    # out-of-range and junk page numbers land on a real page
    last = -(-len(everything) // search.PER_PAGE)
    tail = [e.seq for e in everything[(last - 1) * search.PER_PAGE :]]
    assert shown_seqs(html_of(admin.get("/t/jx/audit?page=99999"))) == tail
    assert shown_seqs(html_of(admin.get("/t/jx/audit?page=abc"))) == seqs


def test_chain_status_is_shown(admin) -> None:
    # issue 4 item 5: shuzhi.audit.service.verify's verdict, "审计链完好"
    page = html_of(admin.get("/t/jx/audit"))
    assert 'hx-get="/t/jx/audit/chain"' in page and 'hx-trigger="load"' in page
    chain = html_of(admin.get("/t/jx/audit/chain"))
    assert "审计链完好" in chain and "alert-success" in chain


def test_chain_breaks_are_shown(app, admin, county, scratch_db) -> None:
    # issue 4 item 5: an edited row (by someone with the owner's rights) shows as a break
    with scratch_db.owner_engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET summary = '篡改' WHERE tenant_id = :t AND seq = 3"),
            {"t": county.tenant_id},
        )
    chain = html_of(admin.get("/t/jx/audit/chain"))
    assert "审计链被破坏，共 1 处" in chain and "第 3 条：记录内容与其哈希不符（被修改）" in chain


def test_menu_item_for_tenant_admins_only(client, county) -> None:
    # issue 4 item 5: registered through web/nav.py for tenant admins only
    def labels(who: str) -> list[str]:
        login(client, county.users[who])
        html = html_of(client.get("/t/jx/orgs"))
        block = html.split('aria-label="主菜单"', 1)[1].split("</ul>", 1)[0]
        return re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', block)

    assert "审计日志" in labels("admin")
    assert "审计日志" not in labels("secretary")


@pytest.mark.parametrize("path", ["/t/jx/audit", "/t/jx/audit/chain", "/t/jx/audit/export"])
def test_access(client, county, path: str) -> None:
    # issue 4 item 5: tenant admins only; a secretary gets 403, another tenant 404, anonymous signs in
    assert client.get(path).status_code == 302
    login(client, county.users["secretary"])
    assert client.get(path).status_code == 403
    login(client, county.users["outsider"])
    assert client.get(path).status_code == 404


def test_page_is_csp_clean(admin) -> None:
    # issue 4 item 5: no inline scripts, styles or handlers (strict CSP)
    html = html_of(admin.get("/t/jx/audit?action=orgs."))
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert re.search(r"\son[a-z]+=", html) is None
    assert "<style" not in html and "style=" not in html


# --- filters -----------------------------------------------------------------------


def test_filter_by_action_prefix(app, admin, county) -> None:
    # issue 4 item 5: action prefix
    expected = events(app, county, AuditEvent.action.like("posts.%"))
    html = html_of(admin.get("/t/jx/audit?action=posts."))
    assert f"共 {len(expected)} 条" in html and "已筛选" in html
    assert shown_seqs(html) == [e.seq for e in expected]


def test_filter_by_actor_target_and_text(app, admin, county) -> None:
    # issue 4 item 5: actor, target type/id, free text in summary
    org = county.orgs["JX0101"]
    assert admin.patch(f"/api/v1/tenants/jx/orgs/{org}", json={"name": "城关镇一村党支部"}).status_code == 200
    mine = html_of(admin.get("/t/jx/audit?actor=jx-admin"))
    by_admin = events(app, county, AuditEvent.actor == "jx-admin")
    assert by_admin and shown_seqs(mine) == [e.seq for e in by_admin]
    target = html_of(admin.get(f"/t/jx/audit?target_type=orgs&target_id={org}"))
    expected = events(app, county, (AuditEvent.target_type == "orgs") & (AuditEvent.target_id == str(org)))
    # created (one insert: its ordinal path is known before, ADR 0015), renamed
    assert [e.action for e in expected] == ["orgs.update", "orgs.create"]
    assert shown_seqs(target) == [e.seq for e in expected]
    add_event(app, county, action="orgs.import", summary="导入组织 3 个、任职 2 条")
    found = html_of(admin.get("/t/jx/audit?q=任职 2"))
    assert "共 1 条" in found and "导入组织 3 个、任职 2 条" in found
    # LIKE wildcards are text, not patterns
    assert "没有符合条件的记录" in html_of(admin.get("/t/jx/audit?q=%25"))
    assert "没有符合条件的记录" in html_of(admin.get("/t/jx/audit?action=_"))


def test_filter_by_date_range_in_china_time(app, admin, county) -> None:
    # issue 4 item 5: date range, days as people in China count them
    today = datetime.now(CHINA).date()
    total = len(events(app, county))
    assert f"共 {total} 条" in html_of(admin.get(f"/t/jx/audit?from={today}&to={today}"))
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert "没有符合条件的记录" in html_of(admin.get(f"/t/jx/audit?from={tomorrow}"))
    assert "没有符合条件的记录" in html_of(admin.get(f"/t/jx/audit?to={yesterday}"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-13-45", "起始日期格式不正确，应为 YYYY-MM-DD"),
        ("to=yesterday", "截止日期格式不正确"),
        ("from=2024-02-01&to=2024-01-01", "截止日期不能早于起始日期。"),
        ("from=" + "9" * 5000, "起始日期格式不正确"),
    ],
)
def test_bad_filters_get_a_clear_message(admin, query: str, message: str) -> None:
    # issue 4 item 5 + "bad input is a test": 400 with the problem named, no 500
    r = admin.get(f"/t/jx/audit?{query}")
    assert r.status_code == 400
    html = html_of(r)
    assert message in html and "筛选条件有误" in html and "is-invalid" in html
    assert admin.get(f"/t/jx/audit/export?{query}").status_code == 400


def test_overlong_and_hostile_text_filters_are_harmless(admin) -> None:
    # issue 4 item 5: long or odd text is cut to 100 characters and matched literally
    for value in ["长" * 5000, "'; DROP TABLE audit_events; --", "<script>alert(1)</script>", "\x00"]:
        r = admin.get("/t/jx/audit", query_string={"q": value, "actor": value, "target_id": value})
        assert r.status_code == 200
        assert "<script>alert(1)</script>" not in html_of(r)


# --- readable changes --------------------------------------------------------------


def test_changed_fields_are_highlighted(app, admin, county) -> None:
    # issue 4 item 5: before/after shown readably, changed fields highlighted
    org = county.orgs["JX02"]
    admin.patch(f"/api/v1/tenants/jx/orgs/{org}", json={"name": "屯里镇新党委"})
    html = html_of(admin.get(f"/t/jx/audit?action=orgs.update&target_id={org}"))
    assert "组织 · 修改" in html and "变更内容：1 项修改" in html
    row = re.search(r'<tr class="table-warning sz-changed">(.*?)</tr>', html, re.S).group(1)
    assert "名称（name）" in row and "已修改" in row and "屯里镇党委" in row and "屯里镇新党委" in row
    created = html_of(admin.get(f"/t/jx/audit?action=orgs.create&target_id={org}"))
    assert "新建时的内容" in created and "sz-changed" not in created


def test_changes_of_a_semantic_event_mark_only_what_differs() -> None:
    # issue 4 item 5: a before/after pair from a service marks just the differing keys
    event = AuditEvent(action="policy.overrides", before={"a": 1, "b": 2}, after={"a": 1, "b": 3, "c": 4})
    rows = {c.key: c for c in search.changes(event)}
    assert not rows["a"].changed and rows["b"].changed and rows["c"].changed
    assert [c.key for c in search.changes(event)][:2] == ["b", "c"]  # what changed first


# --- export ------------------------------------------------------------------------


def test_export_is_the_filtered_events_as_xlsx(app, admin, county) -> None:
    # issue 4 item 5: xlsx export of the filtered events (openpyxl), and the export is audited
    add_event(app, county, action="orgs.import", summary='=HYPERLINK("http://evil.example","点我")')
    expected = events(app, county, AuditEvent.action.like("orgs.%"))
    r = admin.get("/t/jx/audit/export?action=orgs.")
    assert r.status_code == 200 and r.mimetype == search.XLSX_MIME
    assert ".xlsx" in r.headers["Content-Disposition"] and r.headers["Cache-Control"] == "no-store"
    ws = load_workbook(io.BytesIO(r.data)).active
    table = list(ws.iter_rows(values_only=True))
    assert table[0][:4] == ("序号", "时间", "操作人", "操作")
    assert [row[0] for row in table[1:]] == [e.seq for e in expected]
    hostile = next(c for c in ws.iter_rows(min_row=2) if c[4].value == "orgs.import")[7]
    assert hostile.data_type == "s" and hostile.value.startswith("=HYPERLINK")  # text, never a formula
    exported = events(app, county, AuditEvent.action == "audit.export")
    assert len(exported) == 1 and f"导出审计日志 {len(expected)} 条" in exported[0].summary
    assert exported[0].actor == "jx-admin"


def test_export_link_carries_the_filters(admin) -> None:
    # issue 4 item 5: the export button exports what the page shows
    html = html_of(admin.get("/t/jx/audit?action=posts.&actor=system"))
    link = re.search(r'id="sz-audit-export" href="([^"]+)"', html).group(1)
    assert link.startswith("/t/jx/audit/export?") and "action=posts." in link and "actor=system" in link


def test_export_is_capped_with_a_clear_message(app, admin, county, monkeypatch) -> None:
    # issue 4 item 5: a cap on rows (100,000; lowered here) with a clear message, nothing exported
    monkeypatch.setattr(search, "MAX_EXPORT_ROWS", 5)
    r = admin.get("/t/jx/audit/export")
    assert r.status_code == 400
    total = len(events(app, county))
    assert f"筛选结果共 {total} 条，超过一次导出的上限 5 条" in html_of(r)
    assert "超过 5 条，不能一次导出" in html_of(admin.get("/t/jx/audit"))
    assert events(app, county, AuditEvent.action == "audit.export") == []


def test_default_cap_is_one_hundred_thousand() -> None:
    # issue 4 item 5: the documented cap
    assert search.MAX_EXPORT_ROWS == 100_000


# --- the API -----------------------------------------------------------------------


def test_audit_api_lists_filters_and_verifies(app, admin, county) -> None:
    # issue 4 item 5: the same reading through the API (for integrations with audit.read)
    expected = events(app, county, AuditEvent.action.like("posts.%"))
    body = admin.get("/api/v1/tenants/jx/audit/events?action=posts.&per_page=5").get_json()
    assert body["total"] == len(expected) and body["per_page"] == 5
    assert [e["seq"] for e in body["events"]] == [e.seq for e in expected[:5]]
    one = admin.get(f"/api/v1/tenants/jx/audit/events/{expected[0].id}").get_json()
    assert one["hash"] == expected[0].hash and one["action"].startswith("posts.")
    assert admin.get("/api/v1/tenants/jx/audit/chain").get_json() == {"intact": True, "breaks": []}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2024-99-01", "from"),
        ("to=x", "to"),
        ("per_page=501", "per_page"),
        ("page=0", "page"),
    ],
)
def test_audit_api_bad_query_is_422(admin, query: str, field: str) -> None:
    # issue 4 item 5: bad filters → 422 naming the field
    r = admin.get(f"/api/v1/tenants/jx/audit/events?{query}")
    assert r.status_code == 422 and field in r.get_json()["errors"]


def test_audit_events_count_matches_database(app, admin, county) -> None:
    # issue 4 item 5: the count the page shows is the tenant's count, nothing from elsewhere
    with app.app_context(), scoped(db.session, tenant_id=county.tenant_id):
        n = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert admin.get("/api/v1/tenants/jx/audit/events").get_json()["total"] == n
