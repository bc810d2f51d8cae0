"""Rectification items and their carry-over into next year's report (issue 6 item 4).

CO-05: unfinished items show in the next year's report of the same org; TJ-07, JX-03 and
SX-12: the report answers them — a warning for each item it does not answer, the paragraph
that answers each one it does. On the real database (PostgreSQL when it runs) with the
demo's tenants.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import service as cycles
from shuzhi.db import db
from shuzhi.errors import Forbidden, NotFound, ValidationFailed
from shuzhi.plugins import hooks
from shuzhi.policy.params import resolve
from shuzhi.rectification import matching
from shuzhi.rectification import service as rect
from shuzhi.rectification.models import ItemSource, ItemStatus, RectificationItem
from shuzhi.reports import service as reports
from shuzhi.reports.check import check_text
from shuzhi.reports.parse import parse_report
from shuzhi.reports.uploads import text_blocks
from tests.conftest import login
from tests.cycles.conftest import OPERATOR, DemoTenant, demo  # noqa: F401 (fixture)
from tests.reports.review_kit import report_for, reporter_at, tongjia_text

#: Last year's items of 童家镇's C04 the tests enter (the demo secretary's village).
ANSWERED = "党员活动室使用率不高，主题党日活动形式单一"
UNANSWERED = "发展年轻党员工作滞后，35岁以下入党积极分子偏少"
#: A paragraph that answers ANSWERED in other words.
ANSWER = "针对去年查摆的党员活动室使用率不高的问题，我们每月固定开展主题党日，活动形式由单一的集中学习变为现场教学，活动室全年开放登记。"


def _add(t: DemoTenant, code: str, problem: str, year: int, **kw: Any) -> RectificationItem:
    org = t.org_by_code(code)
    return rect.add_item(db.session, OPERATOR, org_id=org.id, year=year, problem=problem, **kw)


@pytest.fixture
def tongjia(app, demo) -> Iterator[dict[str, Any]]:  # noqa: F811
    """童家镇 with its 2023 campaign open and C04's 2022 list: one answered, one not, one done."""
    app.config["SHUZHI_DEMO_DAYS"] = {"tongjia": date(2023, 12, 1)}
    t: DemoTenant = demo("tongjia")
    campaign = t.open()
    with t.scope():
        items = {
            "answered": _add(t, "C04", ANSWERED, 2022, status=ItemStatus.IN_PROGRESS).id,
            "unanswered": _add(t, "C04", UNANSWERED, 2022, responsible="组织委员").id,
            "done": _add(t, "C04", "村务公开不及时", 2022, status=ItemStatus.DONE).id,
        }
        db.session.commit()
        reporter = reporter_at("C04", t)
        yield {
            "t": t,
            "campaign": campaign,
            "reporter": reporter.id,
            "org": reporter.org_id,
            "items": items,
            "secretary": t.who("secretary").user_id,
            "reviewer": t.who("reviewer").user_id,
            "admin": t.who("admin").user_id,
        }
    app.config.pop("SHUZHI_DEMO_DAYS", None)


# --- the model and the service ------------------------------------------------------------


def test_items_are_isolated_between_tenants(demo) -> None:  # noqa: F811
    # CO-05 items are the tenant's own: another tenant's scope sees none of them, by the ORM
    # filter and, on PostgreSQL, by row-level security (ENABLE + FORCE) on the raw table too
    tj, sx = demo("tongjia"), demo("suixi")
    with tj.scope():
        item = _add(tj, "C04", "甲村的问题", 2022)
        db.session.commit()
        item_id = item.id
    with sx.scope():
        assert db.session.scalar(select(func.count()).select_from(RectificationItem)) == 0
        if db.session.get_bind().dialect.name == "postgresql":
            assert db.session.execute(text("SELECT count(*) FROM rectification_items")).scalar() == 0
        with pytest.raises(NotFound):
            rect.get_item(db.session, item_id)
        with pytest.raises(NotFound):  # tongjia's org named in suixi's scope: as if it did not exist
            rect.add_item(db.session, OPERATOR, org_id=tj_org_id(tj), year=2022, problem="越界")
        db.session.rollback()
    with tj.scope():
        assert rect.get_item(db.session, item_id).problem == "甲村的问题"


def tj_org_id(t: DemoTenant) -> int:
    with t.scope():
        return t.org_by_code("C04").id


def test_carried_over_is_last_years_unfinished_items_of_that_org(demo) -> None:  # noqa: F811
    # CO-05: the 2023 report of C04 carries C04's 2022 items not done — not 2021's, not 2023's,
    # not another village's, not a done one
    tj = demo("tongjia")
    campaign = tj.open()
    with tj.scope():
        want = [
            _add(tj, "C04", "二〇二二年未整改", 2022).id,
            _add(tj, "C04", "二〇二二年整改中", 2022, status=ItemStatus.IN_PROGRESS).id,
        ]
        _add(tj, "C04", "二〇二二年已完成", 2022, status=ItemStatus.DONE)
        _add(tj, "C04", "二〇二一年未整改", 2021)
        _add(tj, "C04", "二〇二三年查摆", 2023)
        _add(tj, "C05", "别的村二〇二二年未整改", 2022)
        db.session.commit()
        c04 = tj.org_by_code("C04").id
        assert [i.id for i in rect.carried_over(db.session, org_id=c04, year=2023)] == want
        assert [i.id for i in rect.carried_for(db.session, campaign.id, c04)] == want
        # done now: no longer carried
        rect.update_item(db.session, OPERATOR, rect.get_item(db.session, want[0]), status="done")
        db.session.commit()
        assert [i.id for i in rect.carried_for(db.session, campaign.id, c04)] == want[1:]


def test_writes_are_audited(demo) -> None:  # noqa: F811
    # SX-12 / CO-05: adding and changing an item leaves semantic events in the audit trail
    tj = demo("tongjia")
    with tj.scope():
        item = _add(tj, "C04", "台账不规范", 2022, source=ItemSource.SUPERIOR)
        rect.update_item(db.session, OPERATOR, item, status="in_progress", measures="专人管理台账")
        db.session.commit()
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_type == "rectification_items")
        ).all()
        assert "rectification.add" in actions and "rectification.update" in actions


def test_secretary_enters_own_org_only_and_bad_input_is_refused(demo) -> None:  # noqa: F811
    # SX-12 书记查摆: the secretary lists the own org's problems, not another village's; an empty
    # or oversized problem is refused with a Chinese message and nothing is written
    tj = demo("tongjia")
    campaign = tj.open()
    sec = tj.who("secretary")
    with tj.scope():
        own, other = tj.org_by_code("C04").id, tj.org_by_code("C05").id
        rect.add_for_campaign(db.session, sec, campaign, own, problem="本村的问题")
        with pytest.raises(Forbidden) as err:
            rect.add_for_campaign(db.session, sec, campaign, other, problem="别村的问题")
        assert "不在您负责的范围内" in err.value.message
        with pytest.raises(ValidationFailed) as err:
            rect.add_for_campaign(db.session, sec, campaign, own, problem="   ")
        assert err.value.message == "请填写问题。"
        with pytest.raises(ValidationFailed) as err:
            rect.add_for_campaign(db.session, sec, campaign, own, problem="长" * 501)
        assert "内容过长" in err.value.message and "500" in err.value.message
        with pytest.raises(ValidationFailed) as err:
            rect.add_for_campaign(db.session, sec, campaign, own, problem="年份不对", year=2019)
        assert "只能填写本年度" in err.value.message
        db.session.commit()
        assert [i.problem for i in rect.items_of(db.session, own, (2023, 2022))] == ["本村的问题"]
        assert rect.items_of(db.session, other, (2023, 2022)) == []


# --- the check ------------------------------------------------------------------------------


def test_check_flags_unanswered_item_and_names_the_answering_paragraph(tongjia) -> None:
    # clause TJ-07 (正面回应上年度查摆的突出问题) with CO-05: the answered item passes with the
    # paragraph that answers it; the unanswered one is a warning citing TJ-07; the done one is absent
    t = tongjia["t"]
    with t.scope():
        report = report_for(t, "C04")
        body = tongjia_text(ANSWER)
        result = reports.run_check(db.session, report, body)
        paras = reports.paragraphs(body)
        where = paras.index(ANSWER)
        by_item = {r.item.id: r for r in result.responses}
        assert set(by_item) == {tongjia["items"]["answered"], tongjia["items"]["unanswered"]}
        assert by_item[tongjia["items"]["answered"]].addressed
        assert by_item[tongjia["items"]["answered"]].paragraph == where
        assert not by_item[tongjia["items"]["unanswered"]].addressed
        mine = [f for f in result.findings if f.kind == "rectification"]
        warnings = [f for f in mine if f.severity == "warning"]
        passed = [f for f in mine if f.severity == "info"]
        assert [f.rule_id for f in mine] == ["TJ-07", "TJ-07"]
        assert len(warnings) == 1 and warnings[0].message.startswith("去年整改事项“发展年轻党员工作滞后")
        assert "在报告中未见回应" in warnings[0].message
        assert len(passed) == 1 and passed[0].paragraph == where and passed[0].where == f"第{where + 1}段"
        assert not any(f.blocking for f in mine)  # a warning: it never blocks the submit
        # the stored check of a saved draft keeps the list too
        version = reports.save_draft(db.session, report, body, user=t.who("secretary"))
        stored = version.check["rectification"]
        assert {r["item_id"]: r["addressed"] for r in stored} == {
            tongjia["items"]["answered"]: True,
            tongjia["items"]["unanswered"]: False,
        }
        db.session.rollback()


@pytest.mark.parametrize(
    ("slug", "clause"),
    [("tongjia", "TJ-07"), ("jixian", "JX-03"), ("suixi", "SX-12"), ("genhe", None), ("yongzhou", None)],
)
def test_the_finding_cites_the_policy_in_force(app, slug: str, clause: str | None) -> None:
    # clauses TJ-07, JX-03, SX-12: each plan's own clause is cited; plans without such a clause
    # (GH, YZ) are not checked for answers
    policy = hooks.policy(slug)
    assert policy is not None
    item = matching.CarriedItem(1, 2022, "流动党员管理存在薄弱环节")
    with app.test_request_context():
        parsed = parse_report(text_blocks("一、主要工作\n我们开展了主题党日活动。"), policy)
        result = check_text(policy, resolve(policy, None), parsed, (), [item])
    mine = [f for f in result.findings if f.kind == "rectification"]
    if clause is None:
        assert mine == [] and result.responses == []
    else:
        assert [(f.rule_id, f.severity) for f in mine] == [(clause, "warning")]


def test_matcher_threshold(app) -> None:
    # clause TJ-07 with CO-05, the documented matcher: half of the item's key bigrams (at least
    # two) in one paragraph that says what was done
    item = matching.CarriedItem(1, 2022, "党员活动室使用记录不全")
    with app.test_request_context():
        (paraphrase,) = matching.respond([item], ["党员活动室的使用都有了记录。"])
        assert paraphrase.addressed and paraphrase.paragraph == 0
        (unrelated,) = matching.respond([item], ["我们组织党员开展志愿服务。"])
        assert not unrelated.addressed
        (one_word,) = matching.respond([matching.CarriedItem(2, 2022, "党建")], ["抓党建促发展，已建立例会制度。"])
        assert one_word.addressed
    assert "存在" not in matching.key_terms("存在党员教育不够的问题")
    assert matching.needed(10) == 5 and matching.needed(3) == 2 and matching.needed(1) == 1


def test_naming_the_problem_again_is_not_an_answer(app) -> None:
    # clause TJ-07 "正面回应上年度查摆的突出问题……整改情况": this year's 存在问题 part naming the
    # same matter again does not answer it; the paragraph saying what was done does
    item = matching.CarriedItem(1, 2022, ANSWERED)
    restated = "有的党员活动室使用率不高，主题党日活动形式单一，吸引力不强。"
    with app.test_request_context():
        (only_restated,) = matching.respond([item], ["一、主要做法", restated])
        assert not only_restated.addressed
        assert only_restated.paragraph == 1  # still named as where the terms are, unanswered
        (both,) = matching.respond([item], ["一、主要做法", ANSWER, "二、存在的问题", restated])
        assert both.addressed and both.paragraph == 1
        assert both.opening == ANSWER[: matching.OPENING_CHARS] + "…"  # to find it in the editor
        # a cue the problem itself contains ("落实不够严格") does not make a restatement an answer
        strict = matching.CarriedItem(2, 2022, "“三会一课”制度落实不够严格")
        (again,) = matching.respond([strict], ["“三会一课”制度落实不够严格，有时以会代课。"])
        assert not again.addressed
        (done,) = matching.respond([strict], ["针对“三会一课”制度落实不严的问题，全年按时召开支委会12次。"])
        assert done.addressed
        # the message quotes the item with its inner quotes turned to ‘’
        (f,) = matching.findings("TJ-07", [again])
        assert "“‘三会一课’制度落实不够严格”" in f.message


# --- the editor and the reviewer ------------------------------------------------------------


def test_editor_panel_lists_the_items_and_where_they_are_answered(client, tongjia) -> None:
    # CO-05 with TJ-07: the secretary's editor lists last year's unfinished items, then, as they
    # type, which one the text answers and in which paragraph
    login(client, tongjia["secretary"])
    html = client.get(f"/t/tongjia/write/{tongjia['reporter']}").get_data(as_text=True)
    assert 'id="sz-rectification"' in html and "上年度整改事项的回应" in html
    assert ANSWERED in html and UNANSWERED in html and "村务公开不及时" not in html
    body = tongjia_text(ANSWER)
    r = client.post(f"/t/tongjia/write/{tongjia['reporter']}/check", data={"text": body})
    assert r.status_code == 200
    panel = r.get_data(as_text=True)
    n = [p for p in body.splitlines() if p.strip()].index(ANSWER) + 1
    assert "已回应" in panel and f"第{n}段" in panel
    assert "未见回应" in panel and "去年整改事项“发展年轻党员工作滞后" in panel
    assert f"/t/tongjia/campaigns/{tongjia['campaign'].id}/orgs/{tongjia['org']}/rectification" in panel


def test_reviewer_page_shows_the_answers(client, tongjia) -> None:
    # CO-05 with TJ-07: the reviewer sees each carried item, answered or not, with a link to the
    # paragraph that answers it
    t = tongjia["t"]
    with t.scope():
        report = report_for(t, "C04")
        reports.save_draft(db.session, report, tongjia_text(ANSWER), user=t.who("secretary"))
        db.session.commit()
        report_id = report.id
        n = reports.paragraphs(tongjia_text(ANSWER)).index(ANSWER)
    login(client, tongjia["reviewer"])
    r = client.get(f"/t/tongjia/review/{report_id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="sz-rectification"' in html
    assert f'href="#p-{n}"' in html and f"第{n + 1}段" in html
    assert "未见回应" in html and UNANSWERED in html


# --- the API and the page -------------------------------------------------------------------


def test_api_list_create_update_with_permissions(client, tongjia) -> None:
    # SX-12 / JX-08: the secretary enters the own org's items, not another org's (403 in Chinese);
    # the reviewer and the admin list and change them
    base = f"/api/v1/tenants/tongjia/campaigns/{tongjia['campaign'].id}/orgs"
    t = tongjia["t"]
    with t.scope():
        other = t.org_by_code("C05").id
    login(client, tongjia["secretary"])
    r = client.post(f"{base}/{other}/rectification", json={"problem": "别村的问题"})
    assert r.status_code == 403 and "不在您负责的范围内" in r.get_json()["message"]
    r = client.post(f"{base}/{tongjia['org']}/rectification", json={"problem": "本村的问题", "year": 2023})
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["year"] == 2023 and created["campaign_id"] == tongjia["campaign"].id
    assert created["status"] == "open" and created["carried_over"] is False
    listed = client.get(f"{base}/{tongjia['org']}/rectification").get_json()
    carried = {i["problem"]: i["carried_over"] for i in listed}
    assert carried[ANSWERED] is True and carried["村务公开不及时"] is False and carried["本村的问题"] is False
    # bad input: empty, too long, unknown field, bad status — 4xx with a Chinese message
    r = client.post(f"{base}/{tongjia['org']}/rectification", json={"problem": ""})
    assert r.status_code == 422 and r.get_json()["message"] == "请填写问题。"
    r = client.post(f"{base}/{tongjia['org']}/rectification", json={"problem": "长" * 501})
    assert r.status_code == 422 and "内容过长" in r.get_json()["message"]
    r = client.post(f"{base}/{tongjia['org']}/rectification", json={"problem": "x", "owner": "x"})
    assert r.status_code == 422 and r.get_json()["message"] == "提交的数据有误，请检查标出的字段。"
    r = client.post(f"{base}/{tongjia['org']}/rectification", json={"problem": "x", "status": "closed"})
    assert r.status_code == 422
    # the reviewer (包片领导) changes an item's status
    login(client, tongjia["reviewer"])
    item = tongjia["items"]["unanswered"]
    r = client.patch(f"/api/v1/tenants/tongjia/rectification/{item}", json={"status": "in_progress"})
    assert r.status_code == 200 and r.get_json()["status_label"] == "整改中"
    r = client.patch(f"/api/v1/tenants/tongjia/rectification/{item}", json={"measures": "长" * 2001})
    assert r.status_code == 422 and "内容过长" in r.get_json()["message"]


def test_api_cross_tenant_is_not_found(client, tongjia, demo) -> None:  # noqa: F811
    # issue 3 item 4 (tenant isolation) with CO-05: another tenant's item or org through this
    # tenant's URL is 404, as if absent
    sx = demo("suixi")
    with sx.scope():
        theirs = _add(sx, "ZB01", "遂溪的问题", 2022)
        db.session.commit()
        theirs_id, their_org = theirs.id, theirs.org_id
    login(client, tongjia["admin"])
    r = client.get(f"/api/v1/tenants/tongjia/rectification/{theirs_id}")
    assert r.status_code == 404 and "遂溪的问题" not in r.get_data(as_text=True)
    r = client.post(
        f"/api/v1/tenants/tongjia/campaigns/{tongjia['campaign'].id}/orgs/{their_org}/rectification",
        json={"problem": "越界"},
    )
    assert r.status_code == 404
    r = client.get(f"/api/v1/tenants/suixi/rectification/{theirs_id}")
    assert r.status_code in (403, 404)


def test_portal_page_lists_and_adds_keeping_what_was_typed(client, tongjia) -> None:
    # SX-12: the org's list in the campaign with a form; a refused form keeps what was typed
    url = f"/t/tongjia/campaigns/{tongjia['campaign'].id}/orgs/{tongjia['org']}/rectification"
    login(client, tongjia["secretary"])
    html = client.get(url).get_data(as_text=True)
    assert ANSWERED in html and "2022年度的整改事项" in html and 'id="sz-add-item"' in html
    r = client.post(url, data={"problem": "", "responsible": "张三", "measures": "建立台账", "year": "2023"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "请填写问题。" in html and 'value="张三"' in html and "建立台账" in html
    r = client.post(
        url,
        data={"problem": "支部台账不全", "responsible": "张三", "deadline": "2024-06-30", "year": "2023"},
    )
    assert r.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "支部台账不全" in html and "2024-06-30" in html
    r = client.post(url, data={"problem": "x", "deadline": "明年"})
    assert r.status_code == 422 and "日期格式" in r.get_data(as_text=True)
    # an observer-like reader of another org: the secretary cannot open another village's list
    with tongjia["t"].scope():
        other = tongjia["t"].org_by_code("C05").id
    r = client.get(f"/t/tongjia/campaigns/{tongjia['campaign'].id}/orgs/{other}/rectification")
    assert r.status_code == 403


def test_demo_carries_last_years_items_into_the_campaign(demo) -> None:  # noqa: F811
    # CO-05 in the demo: 童家镇's campaign shows C04's two unfinished 2022 items (the done one not)
    from shuzhi.demo.campaigns import demo_campaign

    tj = demo("tongjia")
    with tj.scope():
        campaign = demo_campaign(db.session, "tongjia", 2023)
        db.session.commit()
        assert campaign is not None
        carried = rect.carried_for(db.session, campaign.id, tj.org_by_code("C04").id)
        assert len(carried) == 2 and all(i.year == 2022 for i in carried)
        assert cycles.campaign_for_year(db.session, 2022) is None  # that year ran on paper
