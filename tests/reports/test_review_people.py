"""The reviewer's report page names people and findings as the secretary's editor does:
the decision history (审核记录) and the comments by the people's display names, read in one
query (the stored account label only where no user is stored: an API token, the command
line), and the findings as 须修改 / 提醒 (the editor's words), not 错误."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, select

from shuzhi.cycles import access as cycles_access
from shuzhi.db import db
from shuzhi.reports import service
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped
from tests.conftest import login
from tests.cycles import conftest as cycles_conftest
from tests.reports.review_kit import report_for, tongjia_text

demo = cycles_conftest.demo
TJ = date(2023, 12, 20)
#: The command line acting without a user (``shuzhi`` commands): no user id is stored.
CLI = cycles_access.operator("cli-operator")


def _user(username: str) -> tuple[int, str]:
    with scoped(db.session, platform=True):
        row = db.session.execute(select(User.id, User.display_name).where(User.username == username)).one()
    return int(row[0]), str(row[1])


@pytest.fixture
def returned(app, demo) -> Iterator[dict[str, Any]]:
    """童家镇 C04's report: v1 submitted, commented on and returned by the 包片领导, one
    whole-text comment from the command line, then v2 a draft with a blocking finding."""
    tj = demo("tongjia")
    tj.open()
    app.config["SHUZHI_DEMO_DAYS"] = {"tongjia": TJ}
    sec, rev = tj.who("secretary"), tj.who("reviewer")
    with tj.scope():
        report = report_for(tj, "C04")
        service.save_draft(db.session, report, tongjia_text(), user=sec)
        v1 = service.submit(db.session, report, user=sec, today=TJ)
        quote = service.paragraphs(v1.text)[4][2:10]
        service.return_report(
            db.session,
            report,
            user=rev,
            note="请补充具体数据",
            comments=[{"paragraph": 4, "excerpt": quote, "body": "这里要写具体人数"}],
        )
        service.add_comment(db.session, report, user=CLI, body="全文请再压缩一些", version=v1)
        # TJ-04 (必答题, error): the draft has a finding that blocks the submit
        service.save_draft(db.session, report, "一、主要做法及成效\n我们开展了一些工作。", user=sec)
        db.session.commit()
        report_id = report.id
    yield {"report": report_id}
    app.config.pop("SHUZHI_DEMO_DAYS", None)


def _texts(html: str, cls: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(rf'class="[^"]*{cls}[^"]*">(.*?)</span>', html)
    ]


def test_decisions_and_comments_name_people_not_accounts(app, client, returned) -> None:
    # CO-02 (return with comments): the 审核记录 and the comments say who by name, as people
    # know each other — 童家镇's 包片领导 and the village secretary, not tongjia-reviewer
    reviewer_id, reviewer = _user("tongjia-reviewer")
    _secretary_id, secretary = _user("tongjia-secretary")
    assert reviewer and secretary and reviewer != "tongjia-reviewer"
    login(client, reviewer_id)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        r = client.get(f"/t/tongjia/review/{returned['report']}?v=1")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    decisions = re.search(r'<ul class="list-unstyled small" id="sz-decisions">(.*?)</ul>', html, re.S)
    assert decisions is not None
    assert _texts(decisions.group(1), "sz-decision-actor") == [secretary, reviewer]  # 提交, 退回修改
    assert "tongjia-" not in decisions.group(1)
    # the paragraph comment by the reviewer's name; the command line's by its label (no user)
    assert _texts(html, "sz-comment-author") == [f"— {reviewer}", "— cli-operator"]
    assert "tongjia-secretary" not in html  # (the signed-in reviewer's account is in the menu)
    # all the names in one query, however many people the page names
    lookups = [s for s in statements if "users.display_name" in s and "FROM users" in s]
    assert len(lookups) == 1, lookups


def test_findings_use_the_editors_words(client, returned) -> None:
    # CO-02 with TJ-04 (error): the reviewer sees a blocking finding as 须修改, the word the
    # secretary's editor uses, and a warning as 提醒 — never 错误
    login(client, _user("tongjia-reviewer")[0])
    html = client.get(f"/t/tongjia/review/{returned['report']}?v=2").get_data(as_text=True)
    findings = re.search(r'id="sz-findings">(.*?)</ul>', html, re.S)
    assert findings is not None
    badges = re.findall(r'<span class="badge ([^"]+)">([^<]+)</span>', findings.group(1))
    assert ("text-bg-danger", "须修改") in badges
    assert {label for _cls, label in badges} <= {"须修改", "提醒"}
    assert "错误" not in findings.group(1)
