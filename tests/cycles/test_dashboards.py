"""Dashboards (issue 7 item 7): a reviewer's reporters and a secretary's countdown, on the demo
campaigns seen on their demo days; each role's menu starts with its dashboard."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from shuzhi.cycles.calendar import add_working_days
from shuzhi.cycles.dashboards import working_days_between
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.demo.campaigns import DEMO_DAYS
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped

from ..conftest import login


def _user_id(username: str) -> int:
    with scoped(db.session, platform=True):
        return db.session.scalar(select(User.id).where(User.username == username))


def _text(res) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", res.get_data(as_text=True)))


@pytest.fixture
def demo_campaigns(app):
    """Two demo tenants with their campaigns, seen on their demo days (the demo's clock)."""
    with app.app_context():
        build_demo(db.session, only=["tongjia", "yongzhou", "jixian"], campaigns=True)
        app.config["SHUZHI_DEMO_DAYS"] = dict(DEMO_DAYS)
        yield app
        app.config.pop("SHUZHI_DEMO_DAYS", None)


def test_working_days_between_skips_weekends_and_holidays() -> None:
    # CO-06 / SX-03: "working day" countdowns skip weekends and public holidays
    friday, monday = date(2023, 12, 29), date(2024, 1, 2)  # 2024-01-01 is New Year's Day
    assert working_days_between(friday, monday) == 1
    assert working_days_between(monday, friday) == -1
    assert working_days_between(friday, add_working_days(friday, 5)) == 5


def test_reviewer_sees_their_reporters_with_stage_and_deadline(client, demo_campaigns) -> None:
    # clause TJ-02: the 包片领导 sees the 7 villages of the east area, drafts waiting for them first
    login(client, _user_id("tongjia-reviewer"))
    res = client.get("/t/tongjia/my/reporters")
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert body.count('data-reporter-id="') == 7
    text = _text(res)
    assert "待您审核" in text and "还剩 8 天" in text  # 12-28 → the 01-05 hand-in
    assert "演示日期：2023-12-28" in text
    first = body.split('data-reporter-id="', 2)[1]
    assert "待您审核" in first  # drafts waiting for the reviewer come first


def test_reviewer_list_flags_overdue_and_leaves_out_their_own(client, demo_campaigns) -> None:
    # clause YZ-05: reports due 12-15; on 12-18 two are late, one extended to 12-22
    login(client, _user_id("yongzhou-reviewer"))
    text = _text(client.get("/t/yongzhou/my/reporters"))
    assert "逾期 1 人" in text and "已延期" in text and "已超过 3 天" in text
    # clause JX-05: the 吉昌镇 secretary reviews his villages, not his own report to the county
    client.get("/logout")
    login(client, _user_id("jixian-reviewer"))
    res = client.get("/t/jixian/my/reporters")
    assert res.get_data(as_text=True).count('data-reporter-id="') == 6  # 吉昌镇's six villages
    assert '<strong class="sz-org">吉昌镇党委</strong>' not in res.get_data(as_text=True)


def test_secretary_sees_their_steps_with_a_countdown(client, demo_campaigns) -> None:
    # clause YZ-05 and CO-06: the secretary's own steps, the next one's countdown, locked when past
    login(client, _user_id("tongjia-secretary"))
    text = _text(client.get("/t/tongjia/my/steps"))
    assert "当前环节 待审核" in text
    assert "下一步：述职报告电子档经包片领导审核后交党建办" in text and "还剩 8 天" in text
    assert "打开我的述职报告" in text
    client.get("/logout")
    login(client, _user_id("yongzhou-secretary"))
    text = _text(client.get("/t/yongzhou/my/steps"))
    # the 党组 meeting was postponed: the deadline is extended to 12-22 for this reporter
    assert "2020年度" in text and "原定 2020-12-15，已延期" in text and "还剩 4 天" in text


def test_each_role_lands_on_its_dashboard(client, demo_campaigns) -> None:
    # issue 7 item 7: the menu shows each role its dashboard first
    for role, first, path in (
        ("reviewer", "我的述职人", "/t/tongjia/my/reporters"),
        ("secretary", "我的述职", "/t/tongjia/my/steps"),
        ("admin", "述职评议", "/t/tongjia/campaigns"),
    ):
        login(client, _user_id(f"tongjia-{role}"))
        html = client.get(path).get_data(as_text=True)
        menu = html.split('aria-label="主菜单"', 1)[1].split("</ul>", 1)[0]
        labels = [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<a[^>]*>.*?</a>", menu, re.S)]
        assert labels[0] == first, (role, labels)
        assert client.get("/").headers["Location"].endswith(path), role
        client.get("/logout")


def test_dashboards_need_their_role(client, demo_campaigns) -> None:
    login(client, _user_id("tongjia-secretary"))
    assert client.get("/t/tongjia/my/reporters").status_code == 403
    login(client, _user_id("tongjia-observer"))
    res = client.get("/t/tongjia/my/steps")  # an observer has no report: an empty page, said plainly
    assert res.status_code == 200 and "目前没有需要您述职" in _text(res)
